//! How an idle worker sleeps: on the shared [`Driver`] if nobody else is, else on its own parker.
//!
//! All workers share one driver behind a mutex that is only ever `try_lock`ed. The worker that wins it
//! parks *in the driver* (so I/O and timers are served while everyone sleeps); the others park on their
//! own thread parker (a mutex and condition variable with a wake-up token, like the `parking`
//! crate's, which cannot be used here because it drops its timed waits under `--cfg loom`). When the driver's holder wakes to run tasks it releases the lock, and the
//! next worker to go idle takes the driver over.
//!
//! Each worker's parker has four states: `EMPTY`, `PARKED_DRIVER`, `PARKED_THREAD` and `NOTIFIED`.
//! `unpark` always **swaps** in `NOTIFIED` (never a compare-and-swap that could fail and lose the
//! release ordering) and then wakes whatever the old state says the worker sleeps on. `park` first
//! consumes a pending `NOTIFIED` ([`Parker::yield_then_park`] looks again after each of a few thread
//! yields, for a worker likely to be needed again at once), and publishes its parked state with a CAS
//! from `EMPTY`, so a notification that lands between "decided to sleep" and "asleep" is never lost:
//! either the CAS sees it, or the unparker sees the parked state and wakes the right thing. The thread
//! parker keeps a token for an unpark that arrives before the thread sleeps.

use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

// The state word comes from the loom facade, and so do the thread parker's lock and condition
// variable, so that the loom models check this very protocol. (Under loom a timed wait does not time
// out; the models park without timeouts.)
use crate::loom::AtomicUsize;
use crate::thread_parker::ThreadParker;

use crate::{Driver, Unpark};

/// How many times [`Parker::yield_then_park`] yields the thread before sleeping, checking for a
/// notification after each yield. A notification caught there costs the notifier a swap instead of a
/// futex (or driver) wake-up, and the worker no sleep and wake-up; the notifier is typically a busy
/// worker that pushed a task to its queue, so that wake-up sat on the critical path. Tokio's parker
/// yields before sleeping in the same way; the worker loop uses it only for the LIFO watcher, and
/// only from three workers on (see `worker.rs` for why). None under loom: the models check the sleep protocol, which this loop only
/// delays.
const YIELDS_BEFORE_SLEEP: u32 = if cfg!(all(test, loom)) { 0 } else { 3 };

const EMPTY: usize = 0;
const PARKED_DRIVER: usize = 1;
const PARKED_THREAD: usize = 2;
const NOTIFIED: usize = 3;

/// The driver all workers share.
pub(crate) struct SharedDriver {
    /// Only ever `try_lock`ed, so it is `std`'s lock even under the loom models: it never blocks
    /// anyone, and loom 0.7's `try_lock` can block a thread that is about to `try_lock` the same
    /// mutex when another thread takes it first (tokio-rs/loom#376), which made the models of the
    /// whole scheduler report deadlocks that cannot happen.
    driver: Mutex<Box<dyn Driver>>,
    unpark: Arc<dyn Unpark>,
}

impl SharedDriver {
    pub(crate) fn new(driver: Box<dyn Driver>) -> SharedDriver {
        let unpark = driver.unparker();
        SharedDriver {
            driver: Mutex::new(driver),
            unpark,
        }
    }

    pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, Box<dyn Driver>>> {
        match self.driver.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// Shuts the driver down, waiting for a worker that still parks in it to leave; gives up and
    /// returns `false` when that does not happen by `deadline`.
    pub(crate) fn shutdown(&self, deadline: Option<Instant>) -> bool {
        loop {
            if let Some(mut driver) = self.try_lock() {
                driver.shutdown();
                return true;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return false;
            }
            self.unpark.unpark();
            crate::loom::yield_now();
        }
    }
}

struct Inner {
    state: AtomicUsize,
    thread: ThreadParker,
    driver: Arc<SharedDriver>,
}

/// A worker's way to sleep. Owned by the worker's core.
pub(crate) struct Parker {
    inner: Arc<Inner>,
}

/// Wakes a worker's [`Parker`]; cloneable and usable from any thread.
#[derive(Clone)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

impl Parker {
    pub(crate) fn new(driver: Arc<SharedDriver>) -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                thread: ThreadParker::default(),
                driver,
            }),
        }
    }

    pub(crate) fn unparker(&self) -> Unparker {
        Unparker {
            inner: self.inner.clone(),
        }
    }

    /// Sleeps until unparked or until `timeout` passes (`None`: no timeout). With a zero timeout it
    /// only polls the driver for ready events if the driver is free, and otherwise returns at once.
    /// Spurious returns are possible; callers recheck their condition.
    pub(crate) fn park(&mut self, timeout: Option<Duration>) {
        self.park_inner(timeout, 0);
    }

    /// [`Parker::park`], after yielding the thread up to [`YIELDS_BEFORE_SLEEP`] times while
    /// watching for a notification.
    pub(crate) fn yield_then_park(&mut self, timeout: Option<Duration>) {
        self.park_inner(timeout, YIELDS_BEFORE_SLEEP);
    }

    fn park_inner(&mut self, timeout: Option<Duration>, yields: u32) {
        let state = &self.inner.state;
        if state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        for _ in 0..yields {
            std::thread::yield_now();
            // A load first: the line stays shared until there is something to consume.
            if state.load(SeqCst) == NOTIFIED
                && state
                    .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                    .is_ok()
            {
                return;
            }
        }
        if let Some(mut driver) = self.inner.driver.try_lock() {
            if state
                .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
                .is_err()
            {
                // Notified in the meantime.
                state.swap(EMPTY, SeqCst);
                return;
            }
            driver.park(timeout);
            state.swap(EMPTY, SeqCst);
            return;
        }
        if timeout == Some(Duration::ZERO) {
            return;
        }
        if state
            .compare_exchange(EMPTY, PARKED_THREAD, SeqCst, SeqCst)
            .is_err()
        {
            state.swap(EMPTY, SeqCst);
            return;
        }
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        loop {
            self.inner.thread.park(deadline);
            if state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                // Timed out. If an unpark raced with this, its thread token stays behind and makes a
                // later park return early once, which the loop above absorbs.
                state.swap(EMPTY, SeqCst);
                return;
            }
            // A token left by an earlier, raced unpark: keep sleeping.
        }
    }
}

impl Unparker {
    /// Wakes the worker, or makes its next park return at once.
    pub(crate) fn unpark(&self) {
        match self.inner.state.swap(NOTIFIED, SeqCst) {
            PARKED_THREAD => {
                self.inner.thread.unpark();
            }
            PARKED_DRIVER => self.inner.driver.unpark.unpark(),
            _ => {}
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::ParkThread;

    #[test]
    fn thread_parker_keeps_an_early_token_and_times_out() {
        let parker = Arc::new(ThreadParker::default());
        parker.unpark();
        assert!(parker.park(None), "an unpark before the park is not lost");
        let start = Instant::now();
        assert!(!parker.park(Some(Instant::now() + Duration::from_millis(20))));
        assert!(start.elapsed() >= Duration::from_millis(20));
        let p = parker.clone();
        let waker = std::thread::spawn(move || p.unpark());
        assert!(parker.park(None));
        waker.join().unwrap();
    }

    #[test]
    fn yield_then_park_consumes_one_notification() {
        let driver = Arc::new(SharedDriver::new(Box::new(ParkThread::new())));
        let mut parker = Parker::new(driver.clone());
        parker.unparker().unpark();
        parker.yield_then_park(None);
        // The notification was used up: the next park sleeps until its timeout.
        let start = Instant::now();
        parker.yield_then_park(Some(Duration::from_millis(20)));
        assert!(start.elapsed() >= Duration::from_millis(20));
        // One that arrives from another thread ends it.
        let unparker = parker.unparker();
        let t = std::thread::spawn(move || unparker.unpark());
        parker.yield_then_park(None);
        t.join().unwrap();
        assert!(driver.shutdown(None));
    }

    #[test]
    fn unpark_before_park_returns_at_once_on_driver_and_thread() {
        let driver = Arc::new(SharedDriver::new(Box::new(ParkThread::new())));
        let mut first = Parker::new(driver.clone());
        let mut second = Parker::new(driver.clone());
        // Hold the driver so that `second` parks on its thread parker.
        let guard = driver.try_lock().expect("driver free");
        second.unparker().unpark();
        second.park(None);
        drop(guard);
        // `first` gets the driver; an unpark from another thread interrupts it.
        let unparker = first.unparker();
        let t = std::thread::spawn(move || unparker.unpark());
        first.park(None);
        t.join().unwrap();
        // A zero timeout with the driver taken returns at once.
        let guard = driver.try_lock().expect("driver free");
        second.park(Some(Duration::ZERO));
        drop(guard);
        assert!(driver.shutdown(None));
    }
}
