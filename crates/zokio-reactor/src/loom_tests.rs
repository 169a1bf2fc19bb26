//! loom models of the reactor's two lock-free protocols, on the real types (their atomics and locks
//! come from the `loom` facade module):
//!
//! - the driver's wake-up dedupe ([`NotifyFlag`]), with a model of the eventfd in place of the
//!   descriptor;
//! - the per-source readiness word ([`Source`]) with its event tick, driven by the real operation
//!   loop (`io::poll_io`).
//!
//! Run with `cargo xtask loom` (or `RUSTFLAGS="--cfg loom" cargo test -p zokio-reactor --lib
//! --release loom`). A lost wake-up leaves a thread blocked for good, which loom reports as a
//! deadlock.
//!
//! What they change from production: only where the atomics and the lock come from (the facade),
//! and what stands in for the kernel: a [`ModelFd`] for the eventfd and `epoll_wait`, and in the
//! readiness model an atomic flag for the socket's receive buffer, with the driver's dispatch of the
//! event called directly. The models were checked to fail when `NotifyFlag::wait_returned` re-arms
//! before it drains, when its re-arm is a plain release store, and when `Source::clear_readiness`
//! ignores the tick.

use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering::{AcqRel, Release, SeqCst};
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::atomic::{AtomicBool, AtomicUsize};
use loom::sync::{Condvar, Mutex};
use loom::thread;

use crate::io::source::{Direction, Source};
#[cfg(any(target_os = "linux", target_os = "android"))]
use crate::selector::notify_flag::{NotifyFlag, WakeFd};

/// Runs a loom model with at most `preemptions` preemptions (unless `LOOM_MAX_PREEMPTIONS` says
/// otherwise).
fn model(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(preemptions);
    }
    builder.check(f);
}

/// A wake-up descriptor as the driver sees it: a counter that writes add to and a drain resets, and
/// a wait (an `epoll_wait` without a timeout) that blocks until the counter is non-zero. It also
/// counts the waits that returned, for a model to wait on.
///
/// This is a level-triggered eventfd, the harder case for the flag: a drain can erase a write. The
/// reactor's real eventfd is edge-triggered and never drained (`EventFd::drain`): a write is
/// consumed only by a wait that returns after it, and a later one ends the next wait, so it loses
/// no wake-up that this model would not.
#[derive(Default)]
struct ModelFd {
    state: Mutex<FdState>,
    changed: Condvar,
}

/// What a [`ModelFd`] guards.
#[derive(Default)]
struct FdState {
    /// The eventfd's counter.
    count: u64,
    /// Waits that have returned.
    returns: usize,
}

#[cfg(any(target_os = "linux", target_os = "android"))]
impl WakeFd for ModelFd {
    fn write(&self) {
        self.state.lock().unwrap().count += 1;
        self.changed.notify_all();
    }

    fn drain(&self) {
        self.state.lock().unwrap().count = 0;
    }
}

impl ModelFd {
    /// Blocks until a write is pending; returns whether the wait reports the descriptor ready
    /// (always, here: the model's only event source).
    fn wait(&self) -> bool {
        let mut state = self.state.lock().unwrap();
        while state.count == 0 {
            state = self.changed.wait(state).unwrap();
        }
        state.returns += 1;
        self.changed.notify_all();
        true
    }

    /// Blocks until a [`ModelFd::wait`] has returned.
    fn wait_for_a_return(&self) {
        let mut state = self.state.lock().unwrap();
        while state.returns == 0 {
            state = self.changed.wait(state).unwrap();
        }
    }
}

/// The driver's wake-up dedupe never loses a wake-up: unparks race with the driver's drain and
/// re-arm after a wait (one of them typically lands between the two and skips its write), and the
/// driver sees all of them. This mirrors the reactor's `Inner::unpark` (publish, then notify) and
/// its `park` (wait, drain and re-arm, then take what was published with a swap), with no fence of
/// its own: the dedupe must not lose a wake-up whatever its caller does around it.
///
/// The unparker waits for the driver's first wait to return before it unparks again, so that its
/// other unparks race with that wait's drain and re-arm without spending a preemption on getting
/// there (a preemption bound of two would not reach the broken orders otherwise).
///
/// Checked to fail when `NotifyFlag::wait_returned` re-arms the flag before draining the
/// descriptor.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn loom_notify_flag_dedupe_never_loses_a_wake_up() {
    const UNPARKS: usize = 3;
    model(2, || {
        let flag = Arc::new(NotifyFlag::new());
        let fd = Arc::new(ModelFd::default());
        let unparked = Arc::new(AtomicUsize::new(0));
        let unparker = {
            let (flag, fd, unparked) = (flag.clone(), fd.clone(), unparked.clone());
            thread::spawn(move || {
                for i in 0..UNPARKS {
                    unparked.fetch_add(1, Release);
                    flag.notify(&*fd);
                    if i == 0 {
                        fd.wait_for_a_return();
                    }
                }
            })
        };
        let mut seen = 0;
        while seen < UNPARKS {
            let fd_ready = fd.wait();
            flag.wait_returned(&*fd, fd_ready);
            seen += unparked.swap(0, AcqRel);
        }
        unparker.join().unwrap();
    });
}

/// Wakes a loom thread.
struct Unpark(thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// The tick against `WouldBlock`: a read on an optimistic source tries at once and gets
/// `WouldBlock`, while the data and its (edge-triggered, never repeated) event arrive. Whether the
/// event lands before the read, between its `WouldBlock` and its clear, between the clear and the
/// waker's registration, or after it, the read gets the data: a clear at a stale tick keeps the
/// readiness, and `poll_ready` checks again after storing its waker.
///
/// Checked to fail when `Source::clear_readiness` ignores the tick.
#[test]
fn loom_source_event_between_would_block_and_clear_is_not_lost() {
    model(2, || {
        let source = Arc::new(Source::new(0, true));
        // The socket's receive buffer: whether the byte has arrived.
        let data = Arc::new(AtomicBool::new(false));
        let driver = {
            let (source, data) = (source.clone(), data.clone());
            thread::spawn(move || {
                // The kernel queues the data, then the driver dispatches its event. (A swap rather
                // than a store: loom lets a plain store slip in between the read and the write of a
                // concurrent read-modify-write, such as the reader's swap below, tokio-rs/loom#254.)
                data.swap(true, SeqCst);
                let mut wakers = Vec::new();
                source.set_readiness(true, false, 0, &mut wakers);
                wakers.into_iter().for_each(Waker::wake);
            })
        };
        let waker = Waker::from(Arc::new(Unpark(thread::current())));
        let mut cx = Context::from_waker(&waker);
        loop {
            let read = crate::io::poll_io(&source, &mut cx, Direction::Read, || {
                if data.swap(false, SeqCst) {
                    Ok(())
                } else {
                    Err(io::ErrorKind::WouldBlock.into())
                }
            });
            match read {
                Poll::Ready(result) => break result.unwrap(),
                Poll::Pending => thread::park(),
            }
        }
        driver.join().unwrap();
    });
}
