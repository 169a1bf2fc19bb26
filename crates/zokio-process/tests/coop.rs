//! The cooperative budget: waiting for a child and reading its pipes spend one unit per ready
//! operation, as in Tokio, so a loop over them yields.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::process::Stdio;
use std::task::{Context, Poll};

use futures_io::AsyncRead;
use zokio_coop::{Budget, with_budget};
use zokio_process::{Child, Command};

const N: u8 = 3;

fn rt() -> zokio::runtime::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `op` `N` times under a budget of `N` units, expecting each to be ready; then expects the
/// next to be `Pending` for want of budget, and a retry with a fresh unit to be ready.
async fn budget_runs_out_after_n<T>(mut op: impl FnMut(&mut Context<'_>) -> Poll<T>) {
    poll_fn(|cx| {
        with_budget(Budget::units(N), || {
            for i in 0..N {
                assert!(op(cx).is_ready(), "operation {i} should be ready");
            }
            assert!(
                op(cx).is_pending(),
                "a ready operation must return Pending once the budget is spent"
            );
        });
        with_budget(Budget::units(1), || {
            assert!(op(cx).is_ready(), "ready again with a fresh budget");
        });
        Poll::Ready(())
    })
    .await
}

/// Blocks until process `pid` (a child of ours) has exited, *without* reaping it (`WNOWAIT`).
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

/// A child that has exited but is not reaped yet: waiting for it is ready at once.
fn exited_child(stdout: Stdio) -> Child {
    let child = Command::new("sh")
        .args(["-c", "printf 0123456789"])
        .stdout(stdout)
        .spawn()
        .unwrap();
    block_until_exited(child.id().unwrap());
    child
}

#[test]
fn waiting_for_exited_children_spends_the_budget() {
    rt().block_on(async {
        let mut children: Vec<Child> = (0..N + 1).map(|_| exited_child(Stdio::null())).collect();
        let mut next = 0;
        budget_runs_out_after_n(|cx| {
            let poll = pin!(children[next].wait()).poll(cx);
            if let Poll::Ready(status) = &poll {
                assert!(status.as_ref().unwrap().success());
                next += 1;
            }
            poll
        })
        .await;
        assert_eq!(next, N as usize + 1);
    });
}

#[test]
fn reading_a_child_pipe_spends_the_budget() {
    rt().block_on(async {
        let mut child = exited_child(Stdio::piped());
        // The child has exited: its ten bytes wait in the pipe.
        let mut stdout = child.stdout.take().unwrap();
        let mut read = Vec::new();
        budget_runs_out_after_n(|cx| {
            let mut byte = [0u8; 1];
            let poll = Pin::new(&mut stdout).poll_read(cx, &mut byte);
            if let Poll::Ready(n) = &poll {
                assert_eq!(*n.as_ref().unwrap(), 1);
                read.push(byte[0]);
            }
            poll
        })
        .await;
        assert_eq!(read, b"0123");
        assert!(child.wait().await.unwrap().success());
    });
}
