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

#[test]
fn wait_with_output_of_a_child_with_nothing_piped_is_empty() {
    rt().block_on(async {
        let child = Command::new("sh")
            .args(["-c", "echo hidden; exit 3"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let output = child.wait_with_output().await.unwrap();
        assert_eq!(output.status.code(), Some(3));
        assert!(output.stdout.is_empty() && output.stderr.is_empty());
    });
}

/// Spawns a child that writes its own pid to a file and exits; returns the path.
fn pid_marker(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("zokio-process-{name}-{}", std::process::id()))
}

/// The command for a child that writes its pid to `marker` (atomically) and exits.
fn write_pid_to(marker: &Path) -> Command {
    let _ = std::fs::remove_file(marker);
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(format!(
        "echo $$ > {m}.tmp && mv {m}.tmp {m}",
        m = marker.display()
    ));
    cmd
}

/// Reads the pid that a child wrote to `marker` (polling, bounded).
fn read_pid(marker: &Path) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(text) = std::fs::read_to_string(marker) {
            std::fs::remove_file(marker).unwrap();
            return text.trim().parse().unwrap();
        }
        assert!(Instant::now() < deadline, "the child never wrote its pid");
        std::thread::yield_now();
    }
}

/// Spawns and waits for short children (each spawn sweeps the orphan list) until `pid` is reaped
/// (bounded).
async fn sweep_until_reaped(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while exists(pid) {
        assert!(Instant::now() < deadline, "orphan {pid} was never swept");
        assert!(Command::new("true").status().await.unwrap().success());
    }
}

#[test]
fn spawning_without_a_reactor_fails_and_the_child_is_swept_later() {
    let marker = pid_marker("no-reactor");
    // Outside any runtime: the child starts, but cannot be watched; spawn fails and the child is
    // left to the orphan sweep.
    let error = write_pid_to(&marker).spawn().unwrap_err();
    assert!(error.to_string().contains("zokio runtime"), "{error}");
    let pid = read_pid(&marker);
    rt().block_on(sweep_until_reaped(pid));

    // A runtime without the I/O driver cannot watch it either.
    let no_io = zokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let error = no_io
        .block_on(async { write_pid_to(&marker).spawn().map(drop) })
        .unwrap_err();
    assert!(
        error.to_string().contains("I/O driver is disabled"),
        "{error}"
    );
    let pid = read_pid(&marker);
    rt().block_on(sweep_until_reaped(pid));
}

#[test]
fn a_child_dropped_after_it_exited_is_reaped_at_once() {
    rt().block_on(async {
        let child = Command::new("true").spawn().unwrap();
        let pid = child.id().unwrap();
        block_until_exited(pid);
        drop(child);
        assert!(!exists(pid), "the exited child was left a zombie");
    });
}

#[test]
fn a_child_dropped_outside_the_runtime_is_swept_by_a_later_spawn() {
    let rt = rt();
    // cat runs until its input closes, which dropping the Child (and its stdin) does.
    let child = rt.block_on(async {
        Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap()
    });
    let pid = child.id().unwrap();
    drop(child); // no runtime context here: nothing can wait for it in the background
    rt.block_on(sweep_until_reaped(pid));
}

#[test]
fn a_runtime_dropped_while_reaping_in_the_background_leaves_the_child_to_the_sweep() {
    let rt = rt();
    let (pid, stdin) = rt.block_on(async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let pid = child.id().unwrap();
        // Still running (its input is open): a background task waits for it.
        drop(child);
        zokio::task::yield_now().await;
        (pid, stdin)
    });
    // The task is dropped with the runtime, unfinished: the child goes to the orphan list.
    drop(rt);
    assert!(exists(pid));
    drop(stdin); // cat exits now
    self::rt().block_on(sweep_until_reaped(pid));
}

#[test]
fn a_cancelled_wait_can_be_repeated() {
    use std::os::unix::process::ExitStatusExt;
    rt().block_on(async {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        for _ in 0..3 {
            let polled = futures_lite::future::poll_once(child.wait()).await;
            assert!(polled.is_none(), "sleep 30 exited early: {polled:?}");
        }
        assert!(child.id().is_some());
        child.start_kill().unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert_eq!(child.id(), None);
    });
}

#[test]
fn a_wait_pending_when_the_reactor_shuts_down_fails_instead_of_hanging() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    use zokio_sched::Driver;

    let mut reactor = zokio_reactor::Reactor::new(zokio_reactor::ReactorConfig::default()).unwrap();
    let handle = reactor.handle();
    let enter = handle.enter();
    let mut child = Command::new("sleep").arg("30").spawn().unwrap();
    let pid = child.id().unwrap();
    {
        let mut cx = Context::from_waker(Waker::noop());
        let mut wait = Box::pin(child.wait());
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        reactor.shutdown();
        match wait.as_mut().poll(&mut cx) {
            Poll::Ready(Err(error)) => {
                assert!(error.to_string().contains("shut down"), "{error}")
            }
            other => panic!("expected the shutdown error, got {other:?}"),
        }
    }
    // The child itself is unaffected, can still be killed, and is reaped by a later sweep.
    assert!(child.try_wait().unwrap().is_none());
    child.start_kill().unwrap();
    drop(child);
    drop(enter);
    rt().block_on(sweep_until_reaped(pid));
}
