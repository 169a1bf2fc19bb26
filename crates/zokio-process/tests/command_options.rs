//! `Command`'s getters and `pre_exec`.

use std::ffi::OsStr;
use std::path::Path;

use zokio_process::Command;

/// `EPERM` is 1 on every Unix.
const EPERM: i32 = 1;

fn rt() -> zokio::runtime::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn getters_report_what_was_set() {
    let mut cmd = Command::new("echo");
    assert_eq!(cmd.get_args().count(), 0);
    assert_eq!(cmd.get_current_dir(), None);
    assert!(!cmd.get_kill_on_drop());
    cmd.arg("a")
        .args(["b", "c"])
        .env("ZOKIO_SET", "1")
        .env_remove("ZOKIO_GONE")
        .current_dir("/")
        .kill_on_drop(true);
    assert_eq!(cmd.get_program(), OsStr::new("echo"));
    let args: Vec<&OsStr> = cmd.get_args().collect();
    assert_eq!(args, ["a", "b", "c"]);
    let mut envs: Vec<(&OsStr, Option<&OsStr>)> = cmd.get_envs().collect();
    envs.sort();
    assert_eq!(
        envs,
        [
            (OsStr::new("ZOKIO_GONE"), None),
            (OsStr::new("ZOKIO_SET"), Some(OsStr::new("1")))
        ]
    );
    assert_eq!(cmd.get_current_dir(), Some(Path::new("/")));
    assert!(cmd.get_kill_on_drop());
}

#[test]
fn pre_exec_runs_in_the_child_and_its_error_fails_the_spawn() {
    rt().block_on(async {
        // A hook that succeeds: the child runs normally.
        let mut ok = Command::new("true");
        // SAFETY: the closure only returns a value: no allocation, no locks.
        unsafe { ok.pre_exec(|| Ok(())) };
        assert!(ok.status().await.unwrap().success());

        // A hook that fails: spawn reports its error and no child runs.
        let mut failing = Command::new("true");
        // SAFETY: constructing an io::Error from a raw OS code does not allocate or lock.
        unsafe { failing.pre_exec(|| Err(std::io::Error::from_raw_os_error(EPERM))) };
        let err = failing.spawn().unwrap_err();
        assert_eq!(err.raw_os_error(), Some(EPERM));
    });
}

#[test]
fn as_std_and_envs_shape_the_child() {
    rt().block_on(async {
        let mut cmd = Command::new("sh");
        cmd.as_std_mut()
            .args(["-c", "printf '%s/%s' \"$ZOKIO_A\" \"$ZOKIO_B\""]);
        assert_eq!(cmd.as_std().get_program(), OsStr::new("sh"));
        assert_eq!(cmd.as_std().get_args().count(), 2);
        cmd.envs([("ZOKIO_A", "a"), ("ZOKIO_B", "b")]);
        let mut envs: Vec<(&OsStr, Option<&OsStr>)> = cmd.get_envs().collect();
        envs.sort();
        assert_eq!(
            envs,
            [
                (OsStr::new("ZOKIO_A"), Some(OsStr::new("a"))),
                (OsStr::new("ZOKIO_B"), Some(OsStr::new("b")))
            ]
        );
        let output = cmd.output().await.unwrap();
        assert_eq!(output.stdout, b"a/b");
    });
}

#[test]
#[cfg(target_os = "linux")]
fn arg0_is_what_the_child_sees_as_its_name() {
    rt().block_on(async {
        let output = Command::new("cat")
            .arg0("zokio-renamed")
            .arg("/proc/self/cmdline")
            .output()
            .await
            .unwrap();
        assert!(output.status.success());
        assert_eq!(output.stdout, b"zokio-renamed\0/proc/self/cmdline\0");
    });
}

#[test]
fn process_group_zero_makes_the_child_a_group_leader() {
    rt().block_on(async {
        let mut leader = Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap();
        let mut member = Command::new("sleep").arg("30").spawn().unwrap();
        let (leader_pid, member_pid) = (leader.id().unwrap(), member.id().unwrap());
        // SAFETY: `getpgid` and `getpgrp` only read process attributes.
        let (leader_group, member_group, own_group) = unsafe {
            (
                libc::getpgid(leader_pid as libc::pid_t),
                libc::getpgid(member_pid as libc::pid_t),
                libc::getpgrp(),
            )
        };
        assert_eq!(leader_group, leader_pid as libc::pid_t);
        assert_eq!(
            member_group, own_group,
            "without it the child stays in ours"
        );
        leader.kill().await.unwrap();
        member.kill().await.unwrap();
    });
}

#[test]
fn uid_and_gid_switch_the_child_or_fail_the_spawn() {
    const NOBODY: u32 = 65534;
    rt().block_on(async {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo $(id -u) $(id -g)"])
            .uid(NOBODY)
            .gid(NOBODY);
        // SAFETY: `geteuid` only reads this process's effective user id.
        if unsafe { libc::geteuid() } == 0 {
            let output = cmd.output().await.unwrap();
            assert!(output.status.success(), "{output:?}");
            assert_eq!(output.stdout, b"65534 65534\n");
        } else {
            // Only root may switch to another user: the spawn reports it, no child runs.
            let error = cmd.spawn().unwrap_err();
            assert_eq!(error.raw_os_error(), Some(EPERM));
        }
    });
}
