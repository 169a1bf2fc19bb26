//! No waker runs under one of the reactor's locks: a waker whose `wake` or `Drop` re-enters the
//! structure that holds it (the timer wheel, a source's waiters, a signal's listeners) must not
//! deadlock. Each scenario runs under a watchdog, so a regression fails instead of hanging.

mod common;

use std::future::Future;
use std::io::Read;
use std::os::unix::net::UnixStream;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use zokio_reactor::signal::unix::{Signal, SignalKind, signal};
use zokio_reactor::time::{self, Instant, Sleep, sleep};
use zokio_reactor::{Async, Handle};

/// Runs `body` on its own thread and fails if it does not finish within a generous bound (a
/// deadlocked thread is left behind; the test process ends it).
fn under_watchdog(body: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        body();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(30)) {
        Ok(()) => thread.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The body panicked: report its panic.
            if let Err(panic) = thread.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("deadlock: a waker re-entered a structure whose lock was held")
        }
    }
}

fn poll_with<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// A waker that owns a registered timer and drops it when the waker itself is dropped.
struct DropsSleep {
    sleep: Mutex<Option<Sleep>>,
    dropped: Arc<AtomicBool>,
}

impl Wake for DropsSleep {
    fn wake(self: Arc<Self>) {}
}

impl Drop for DropsSleep {
    fn drop(&mut self) {
        // Removes the inner timer from the wheel: takes the wheel's lock.
        drop(self.sleep.lock().unwrap().take());
        self.dropped.store(true, Ordering::SeqCst);
    }
}

/// A waker holding the only reference to a `DropsSleep` whose timer is registered.
fn waker_dropping_a_timer(dropped: &Arc<AtomicBool>) -> Waker {
    let mut inner = sleep(Duration::from_secs(3600));
    assert!(poll_with(&mut inner, Waker::noop()).is_pending());
    Waker::from(Arc::new(DropsSleep {
        sleep: Mutex::new(Some(inner)),
        dropped: Arc::clone(dropped),
    }))
}

#[test]
fn dropping_a_sleep_whose_waker_drops_another_sleep_does_not_deadlock() {
    under_watchdog(|| {
        let reactor = common::reactor();
        let _enter = reactor.handle().enter();
        let dropped = Arc::new(AtomicBool::new(false));
        let waker = waker_dropping_a_timer(&dropped);
        let mut outer = sleep(Duration::from_secs(3600));
        assert!(poll_with(&mut outer, &waker).is_pending());
        // The wheel now holds the last reference to the waker: removing `outer` releases it.
        drop(waker);
        drop(outer);
        assert!(dropped.load(Ordering::SeqCst));
    });
}

#[test]
fn replacing_a_timer_waker_whose_drop_drops_another_sleep_does_not_deadlock() {
    under_watchdog(|| {
        let reactor = common::reactor();
        let _enter = reactor.handle().enter();
        let dropped = Arc::new(AtomicBool::new(false));
        let waker = waker_dropping_a_timer(&dropped);
        let mut outer = sleep(Duration::from_secs(3600));
        assert!(poll_with(&mut outer, &waker).is_pending());
        drop(waker);
        // Polled by another task: the stored waker is replaced, and so dropped.
        assert!(poll_with(&mut outer, Waker::noop()).is_pending());
        assert!(dropped.load(Ordering::SeqCst));
    });
}

/// A waker that, when woken, creates, polls and drops a timer of the same reactor.
struct WakeStartsATimer {
    handle: Handle,
    woken: AtomicUsize,
}

impl Wake for WakeStartsATimer {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let _enter = self.handle.enter();
        let mut timer = sleep(Duration::from_secs(3600));
        assert!(poll_with(&mut timer, Waker::noop()).is_pending());
        drop(timer);
        self.woken.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_timer_waker_that_starts_a_timer_when_woken_does_not_deadlock() {
    under_watchdog(|| {
        let mut reactor = common::paused_reactor();
        reactor.block_on(async {
            let probe = Arc::new(WakeStartsATimer {
                handle: Handle::current(),
                woken: AtomicUsize::new(0),
            });
            let waker = Waker::from(Arc::clone(&probe));
            // Woken by the wheel firing it (`advance` fires due timers).
            let mut fired = sleep(Duration::from_millis(5));
            assert!(poll_with(&mut fired, &waker).is_pending());
            time::advance(Duration::from_millis(10)).await;
            assert_eq!(probe.woken.load(Ordering::SeqCst), 1);
            // Woken by a reset to a deadline that has passed.
            let mut reset = sleep(Duration::from_secs(60));
            assert!(poll_with(&mut reset, &waker).is_pending());
            Pin::new(&mut reset).reset(Instant::now());
            assert_eq!(probe.woken.load(Ordering::SeqCst), 2);
        });
    });
}

/// A waker that polls the readiness of a source (taking the source's lock) when dropped.
struct PollsSourceOnDrop {
    io: Arc<Async<UnixStream>>,
    dropped: Arc<AtomicBool>,
}

impl Wake for PollsSourceOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for PollsSourceOnDrop {
    fn drop(&mut self) {
        let _ = self
            .io
            .poll_readable(&mut Context::from_waker(Waker::noop()));
        let _ = self.io.try_read_with(|mut s| s.read(&mut [0u8; 1]));
        self.dropped.store(true, Ordering::SeqCst);
    }
}

/// A registered socket that is not readable (its optimistic readiness already cleared).
fn idle_socket() -> (Arc<Async<UnixStream>>, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    let a = Arc::new(Async::new(a).unwrap());
    let error = a.try_read_with(|mut s| s.read(&mut [0u8; 1])).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
    (a, b)
}

#[test]
fn replacing_a_source_waker_whose_drop_polls_the_source_does_not_deadlock() {
    under_watchdog(|| {
        let mut reactor = common::reactor();
        reactor.block_on(async {
            let (io, _peer) = idle_socket();
            let dropped = Arc::new(AtomicBool::new(false));
            let waker = Waker::from(Arc::new(PollsSourceOnDrop {
                io: Arc::clone(&io),
                dropped: Arc::clone(&dropped),
            }));
            let mut cx = Context::from_waker(&waker);
            assert!(io.poll_readable(&mut cx).is_pending());
            drop(waker);
            // Another waker takes the slot: the stored one is dropped.
            assert!(
                io.poll_readable(&mut Context::from_waker(Waker::noop()))
                    .is_pending()
            );
            assert!(dropped.load(Ordering::SeqCst));
        });
    });
}

#[test]
fn dropping_a_waiter_whose_waker_polls_the_source_does_not_deadlock() {
    under_watchdog(|| {
        let mut reactor = common::reactor();
        reactor.block_on(async {
            let (io, _peer) = idle_socket();
            let dropped = Arc::new(AtomicBool::new(false));
            let waker = Waker::from(Arc::new(PollsSourceOnDrop {
                io: Arc::clone(&io),
                dropped: Arc::clone(&dropped),
            }));
            {
                let mut readable = pin!(io.readable());
                assert!(
                    readable
                        .as_mut()
                        .poll(&mut Context::from_waker(&waker))
                        .is_pending()
                );
                drop(waker);
                // Dropping the future removes its waiter entry, and with it the last waker.
            }
            assert!(dropped.load(Ordering::SeqCst));
        });
    });
}

/// A waker that, when dropped, polls another listener of the same signal.
struct PollsSignalOnDrop {
    listener: Mutex<Signal>,
    dropped: Arc<AtomicBool>,
}

impl Wake for PollsSignalOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for PollsSignalOnDrop {
    fn drop(&mut self) {
        let mut cx = Context::from_waker(Waker::noop());
        let _ = self.listener.lock().unwrap().poll_recv(&mut cx);
        self.dropped.store(true, Ordering::SeqCst);
    }
}

#[test]
fn signal_wakers_that_listen_for_the_same_signal_when_dropped_do_not_deadlock() {
    under_watchdog(|| {
        // Never raised here: only the listeners' bookkeeping is exercised.
        let kind = SignalKind::window_change();
        for drop_listener in [false, true] {
            let reactor = common::reactor();
            let enter = reactor.handle().enter();
            let dropped = Arc::new(AtomicBool::new(false));
            let waker = Waker::from(Arc::new(PollsSignalOnDrop {
                listener: Mutex::new(signal(kind).unwrap()),
                dropped: Arc::clone(&dropped),
            }));
            let mut listener = signal(kind).unwrap();
            // With the reactor shut down, a poll registers the waker with the signal's listeners
            // and then stops at the self-pipe's registration: the signal registry holds the only
            // copy of the waker besides ours.
            drop(reactor);
            let mut cx = Context::from_waker(&waker);
            assert_eq!(listener.poll_recv(&mut cx), Poll::Ready(None));
            drop(waker);
            if drop_listener {
                // Dropping the listener removes its waker, the last copy.
                drop(listener);
            } else {
                // Polling with another waker replaces it.
                let mut cx = Context::from_waker(Waker::noop());
                assert_eq!(listener.poll_recv(&mut cx), Poll::Ready(None));
            }
            assert!(dropped.load(Ordering::SeqCst));
            drop(enter);
        }
    });
}
