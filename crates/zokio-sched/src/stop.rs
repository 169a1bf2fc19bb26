//! `StopSignal`: how a runtime tells the threads blocked in its `block_on` to give up.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

/// A one-shot flag with wakers: once triggered it stays triggered, and every future polling it
/// completes.
///
/// A runtime configured to shut down on an unhandled panic triggers it from the panicking task's
/// poll; its `block_on` polls it beside the user's future and stops when it fires.
///
/// ```
/// use std::task::{Context, Poll, Waker};
/// use zokio_sched::context::StopSignal;
///
/// let stop = StopSignal::default();
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(stop.poll_triggered(&mut cx).is_pending());
/// stop.trigger();
/// assert!(stop.is_triggered());
/// assert!(stop.poll_triggered(&mut cx).is_ready());
/// ```
#[derive(Debug, Default)]
pub struct StopSignal {
    triggered: AtomicBool,
    waiters: Mutex<Vec<Waker>>,
}

impl StopSignal {
    /// Triggers the signal and wakes everyone polling it (outside the lock).
    pub fn trigger(&self) {
        self.triggered.store(true, Ordering::Release);
        let waiters = std::mem::take(&mut *self.lock());
        for waker in waiters {
            waker.wake();
        }
    }

    /// Whether [`StopSignal::trigger`] has been called.
    pub fn is_triggered(&self) -> bool {
        self.triggered.load(Ordering::Acquire)
    }

    /// `Ready` once triggered; otherwise registers the task's waker (once per distinct waker; see
    /// [`StopSignal::unregister`]).
    pub fn poll_triggered(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.is_triggered() {
            return Poll::Ready(());
        }
        {
            let mut waiters = self.lock();
            if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
                waiters.push(cx.waker().clone());
            }
        }
        // Triggered between the check and the registration: the trigger may have missed us.
        if self.is_triggered() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Forgets `waker` (registered by [`StopSignal::poll_triggered`]): a waiter that is done calls
    /// this, so that the list holds only live waiters.
    pub fn unregister(&self, waker: &Waker) {
        let removed = {
            let mut waiters = self.lock();
            waiters
                .iter()
                .position(|w| w.will_wake(waker))
                .map(|i| waiters.swap_remove(i))
        };
        // Dropped outside the lock: a waker's destructor may run arbitrary code.
        drop(removed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Waker>> {
        self.waiters.lock().unwrap_or_else(|p| p.into_inner())
    }
}
