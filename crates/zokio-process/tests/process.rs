//! Child processes: pipes, exit statuses, killing, and reaping without zombies.

use std::io::ErrorKind;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use zokio_process::Command;

fn rt() -> zokio::runtime::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Whether `pid` still exists in any form (a zombie included): `/proc/<pid>` goes away only once the
/// process has been reaped.
fn exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Waits (polling, bounded) until `pid` has been reaped by someone.
async fn until_reaped(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while exists(pid) {
        assert!(Instant::now() < deadline, "process {pid} was never reaped");
        zokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[test]
fn stdout_is_piped_and_read() {
    rt().block_on(async {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("echo out; echo err >&2")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .await
            .unwrap();
        assert_eq!(out, "out\n");
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .await
            .unwrap();
        assert_eq!(err, "err\n");
        assert!(child.wait().await.unwrap().success());

        let output = Command::new("sh")
            .args(["-c", "printf \"$FOO\"; pwd; echo e >&2; exit 4"])
            .env("FOO", "foo:")
            .current_dir("/")
            .output()
            .await
            .unwrap();
        assert_eq!(output.stdout, b"foo:/\n");
        assert_eq!(output.stderr, b"e\n");
        assert_eq!(output.status.code(), Some(4));

        let output = Command::new("sh")
            .args(["-c", "echo \"${HOME:-unset}\""])
            .env_clear()
            .output()
            .await
            .unwrap();
        assert_eq!(output.stdout, b"unset\n");
    });
}

#[test]
fn stdin_is_written_with_backpressure() {
    rt().block_on(async {
        // 1 MiB is far more than a pipe holds: writing and reading must interleave.
        let data: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let to_write = data.clone();
        let writer = zokio::spawn(async move {
            stdin.write_all(&to_write).await.unwrap();
            stdin.flush().await.unwrap();
            // Dropping stdin closes cat's input.
        });
        let mut back = Vec::new();
        stdout.read_to_end(&mut back).await.unwrap();
        writer.await.unwrap();
        assert_eq!(back.len(), data.len());
        assert!(back == data);
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn exit_statuses() {
    rt().block_on(async {
        assert!(Command::new("true").status().await.unwrap().success());
        let status = Command::new("false").status().await.unwrap();
        assert_eq!(status.code(), Some(1));
        let status = Command::new("sh")
            .args(["-c", "exit 77"])
            .status()
            .await
            .unwrap();
        assert_eq!(status.code(), Some(77));
        let error = Command::new("/definitely/not/a/program")
            .spawn()
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotFound);
    });
}

#[test]
fn try_wait_kill_and_id() {
    use std::os::unix::process::ExitStatusExt;
    rt().block_on(async {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id().unwrap();
        assert!(child.try_wait().unwrap().is_none());
        child.kill().await.unwrap();
        let status = child.try_wait().unwrap().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert_eq!(child.wait().await.unwrap(), status);
        assert_eq!(child.id(), None);
        assert!(!exists(pid), "a waited-for child must be reaped");

        // start_kill then wait, the two halves of kill.
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        child.start_kill().unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
    });
}

#[test]
fn kill_on_drop_kills_and_reaps() {
    rt().block_on(async {
        let child = Command::new("sleep")
            .arg("30")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        assert!(exists(pid));
        drop(child);
        until_reaped(pid).await;
    });
}

#[test]
fn dropped_child_is_reaped_in_background_without_being_killed() {
    rt().block_on(async {
        // cat exits only when its input closes, which dropping the Child does; a kill would show as
        // a missing "done" marker in the file.
        let marker =
            std::env::temp_dir().join(format!("zokio-process-drop-{}", std::process::id()));
        let _ = std::fs::remove_file(&marker);
        let child = Command::new("sh")
            .arg("-c")
            .arg(format!("cat >/dev/null; echo done > {}", marker.display()))
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        drop(child);
        until_reaped(pid).await;
        assert_eq!(std::fs::read_to_string(&marker).unwrap(), "done\n");
        std::fs::remove_file(&marker).unwrap();
    });
}

#[test]
fn hundred_concurrent_children_all_reaped() {
    rt().block_on(async {
        let mut handles = Vec::new();
        for i in 0..100u32 {
            handles.push(zokio::spawn(async move {
                let mut child = Command::new("sh")
                    .arg("-c")
                    .arg(format!("exit {}", i % 50))
                    .spawn()
                    .unwrap();
                let pid = child.id().unwrap();
                let status = child.wait().await.unwrap();
                (i, pid, status.code())
            }));
        }
        let mut pids = Vec::new();
        for handle in handles {
            let (i, pid, code) = handle.await.unwrap();
            assert_eq!(code, Some((i % 50) as i32));
            pids.push(pid);
        }
        assert_eq!(pids.len(), 100);
        // Every one reaped by its wait: no zombie left, nothing for a background reaper to do.
        let zombies: Vec<u32> = pids.into_iter().filter(|&pid| exists(pid)).collect();
        assert!(zombies.is_empty(), "unreaped children: {zombies:?}");
    });
}

#[test]
fn piped_output_feeds_another_child() {
    rt().block_on(async {
        let mut first = Command::new("echo")
            .arg("chained")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout: Stdio = first.stdout.take().unwrap().try_into().unwrap();
        let output = Command::new("tr")
            .args(["a-z", "A-Z"])
            .stdin(stdout)
            .output()
            .await
            .unwrap();
        assert_eq!(output.stdout, b"CHAINED\n");
        assert!(first.wait().await.unwrap().success());
    });
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<zokio_process::Command>();
    check::<zokio_process::Child>();
    check::<zokio_process::ChildStdin>();
    check::<zokio_process::ChildStdout>();
    check::<zokio_process::ChildStderr>();
}

#[test]
fn killing_a_child_reaped_by_wait_is_ok() {
    rt().block_on(async {
        let mut child = Command::new("true").spawn().unwrap();
        let status = child.wait().await.unwrap();
        assert!(status.success());
        // Reaped: nothing is left to kill, which is not an error (as in Tokio).
        child.start_kill().unwrap();
        child.kill().await.unwrap();
        assert_eq!(child.wait().await.unwrap(), status);
    });
}

/// Blocks until process `pid` (a child of ours) has exited, *without* reaping it (`WNOWAIT`), so a
/// `try_wait` afterwards is sure to collect it.
fn block_until_exited(pid: u32) {
    // SAFETY: `siginfo_t` is plain data for which all zeros is a valid value.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: `info` is a valid, writable `siginfo_t`; `waitid` reads only its integer arguments.
    let rc = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOWAIT,
        )
    };
    assert_eq!(rc, 0, "waitid: {}", std::io::Error::last_os_error());
}

#[test]
fn killing_a_child_reaped_by_try_wait_is_ok() {
    rt().block_on(async {
        let mut child = Command::new("true").spawn().unwrap();
        block_until_exited(child.id().unwrap());
        let status = child.try_wait().unwrap().expect("the child has exited");
        assert!(status.success());
        assert_eq!(child.id(), None);
        child.start_kill().unwrap();
        child.kill().await.unwrap();
        assert_eq!(child.try_wait().unwrap(), Some(status));
    });
}
