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
