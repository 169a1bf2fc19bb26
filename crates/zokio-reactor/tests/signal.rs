//! Signals raised to the own process. One binary, run serially: signals are process-wide.

mod common;

use std::pin::pin;
use std::task::{Context, Waker};
use std::time::Duration;

use common::run;
use zokio_reactor::signal::unix::{SignalKind, signal};

const LIMIT: Duration = Duration::from_secs(30);

fn raise(signum: i32) {
    // SAFETY: `raise` only sends a signal to the calling thread; a handler for `signum` is installed
    // (by `signal`) before every call in these tests, so the default action (termination) never runs.
    assert_eq!(unsafe { libc::raise(signum) }, 0);
}

#[test]
fn sigusr1_reaches_every_listener_and_coalesces() {
    run(LIMIT, async {
        let mut first = signal(SignalKind::user_defined1()).unwrap();
        let mut second = signal(SignalKind::user_defined1()).unwrap();
        let mut other = signal(SignalKind::user_defined2()).unwrap();
        raise(libc::SIGUSR1);
        first.recv().await.unwrap();
        second.recv().await.unwrap();
        // Three more deliveries before the listener looks again coalesce into (at least) one.
        raise(libc::SIGUSR1);
        raise(libc::SIGUSR1);
        raise(libc::SIGUSR1);
        first.recv().await.unwrap();
        second.recv().await.unwrap();
        // Nothing is pending any more, and SIGUSR2 saw none of it.
        let mut cx = Context::from_waker(Waker::noop());
        assert!(first.poll_recv(&mut cx).is_pending());
        assert!(other.poll_recv(&mut cx).is_pending());
        raise(libc::SIGUSR2);
        other.recv().await.unwrap();
        assert!(pin!(first.recv()).poll(&mut cx).is_pending());
    });
}

#[test]
fn forbidden_signals_are_errors_not_panics() {
    run(LIMIT, async {
        for signum in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -1, 100_000] {
            let error = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{signum}");
        }
    });
}

use std::future::Future;
