//! Signals raised to the own process. Signals and the self-pipe are process-wide, so every listener
//! of any test may drain deliveries meant for another; the scenarios therefore run one after the
//! other inside a single test.

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
fn signal_scenarios_in_sequence() {
    sigusr1_reaches_every_listener_and_coalesces();
    #[cfg(target_os = "linux")]
    a_signal_reaches_listeners_on_two_reactors();
    forbidden_signals_are_errors_not_panics();
}

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

/// Listeners on two reactors (two runtimes, two threads) both see one delivery. A real-time signal
/// nothing else in this binary uses, so the tests do not see each other's signals.
#[cfg(target_os = "linux")]
fn a_signal_reaches_listeners_on_two_reactors() {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let ready_tx = ready_tx.clone();
            std::thread::spawn(move || {
                run(LIMIT, async move {
                    let mut listener = signal(SignalKind::from_raw(libc::SIGRTMIN() + 1)).unwrap();
                    ready_tx.send(()).unwrap();
                    listener.recv().await.unwrap();
                })
            })
        })
        .collect();
    // Both listeners exist (and the handler is installed) before the signal is raised.
    ready_rx.recv().unwrap();
    ready_rx.recv().unwrap();
    raise(libc::SIGRTMIN() + 1);
    for thread in threads {
        thread.join().unwrap();
    }
}

fn forbidden_signals_are_errors_not_panics() {
    run(LIMIT, async {
        for signum in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -1, 100_000] {
            let error = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{signum}");
        }
        // A listener's `Debug` names its signal.
        let listener = signal(SignalKind::user_defined2()).unwrap();
        let debug = format!("{listener:?}");
        assert!(
            debug.contains(&format!("signum: {}", libc::SIGUSR2)) && debug.contains("Globals"),
            "{debug}"
        );
    });
}

use std::future::Future;

#[test]
fn signal_kinds_are_the_platform_numbers() {
    use zokio_reactor::signal::unix::SignalKind;
    let kinds = [
        (SignalKind::alarm(), libc::SIGALRM),
        (SignalKind::child(), libc::SIGCHLD),
        (SignalKind::hangup(), libc::SIGHUP),
        (SignalKind::interrupt(), libc::SIGINT),
        (SignalKind::io(), libc::SIGIO),
        (SignalKind::pipe(), libc::SIGPIPE),
        (SignalKind::quit(), libc::SIGQUIT),
        (SignalKind::terminate(), libc::SIGTERM),
        (SignalKind::user_defined1(), libc::SIGUSR1),
        (SignalKind::user_defined2(), libc::SIGUSR2),
        (SignalKind::window_change(), libc::SIGWINCH),
    ];
    for (kind, signum) in kinds {
        assert_eq!(kind.as_raw_value(), signum);
        assert_eq!(SignalKind::from(signum), kind);
        assert_eq!(SignalKind::from_raw(signum), kind);
    }
}
