//! The driver trait: how a scheduler parks, and how I/O and timers plug in.
//!
//! The [`Driver`] and [`Unpark`] traits themselves live in `zokio-coop`, the crate at the bottom of
//! the graph, so that the reactor implements them without depending on any scheduler.
//!
//! A scheduler thread with nothing to run *parks*. If it parks on a [`Driver`], the driver uses the wait
//! to do its own work: the reactor blocks in `epoll_wait`/`kevent` with the next timer as timeout and
//! wakes the tasks whose I/O became ready. A driver knows nothing of queues, and a scheduler knows
//! nothing of sockets; the `zokio` facade is where one of each is put together.
//!
//! The multi-thread scheduler lets at most one worker at a time park on the driver; the others park on
//! their own thread parkers, and whoever holds the driver gives it up when it wakes to run tasks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::thread_parker::ThreadParker;

pub use zokio_coop::driver::{Driver, Unpark};

/// A driver with no I/O and no timers: the thread sleeps on a token parker.
///
/// Used when a runtime is built without `enable_io()`/`enable_time()`, and by schedulers' own tests.
#[derive(Default)]
pub struct ParkThread {
    parker: Arc<ThreadParker>,
}

impl std::fmt::Debug for ParkThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParkThread").finish_non_exhaustive()
    }
}

impl Unpark for ThreadParker {
    fn unpark(&self) {
        ThreadParker::unpark(self);
    }
}

impl ParkThread {
    /// A new parker for the calling thread (it may be moved to another thread before use).
    pub fn new() -> ParkThread {
        ParkThread::default()
    }
}

impl Driver for ParkThread {
    fn park(&mut self, timeout: Option<Duration>) {
        // A timeout too large for `Instant` is no timeout at all.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        if timeout.is_some() && deadline.is_none() {
            self.parker.park(None);
        } else {
            self.parker.park(deadline);
        }
    }

    fn unparker(&self) -> Arc<dyn Unpark> {
        self.parker.clone()
    }
}
