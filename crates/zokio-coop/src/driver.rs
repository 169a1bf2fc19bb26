//! The seam between schedulers and drivers: how a scheduler thread parks, and how I/O and timers
//! plug into that park.
//!
//! A scheduler thread with nothing to run *parks*. If it parks on a [`Driver`], the driver uses the
//! wait to do its own work: the reactor blocks in `epoll_wait`/`kevent` with the next timer as
//! timeout and wakes the tasks whose I/O became ready. A driver knows nothing of queues, and a
//! scheduler knows nothing of sockets; these traits live here, in the dependency-free bottom crate,
//! so that neither needs the other's crate.

use std::sync::Arc;
use std::time::Duration;

/// Something a scheduler thread can park on.
///
/// A scheduler thread with nothing to run parks on its driver; the I/O reactor uses the wait to block
/// in the OS poller with the next timer as timeout and wakes the tasks whose I/O became ready.
pub trait Driver: Send + 'static {
    /// Blocks until an event is ready, `timeout` elapses or [`Unpark::unpark`] is called, whichever
    /// comes first, and wakes the tasks whose events are ready.
    ///
    /// `None` waits without a timeout; `Some(Duration::ZERO)` only collects ready events. A driver that
    /// manages paused time may advance its clock instead of sleeping when the scheduler parks with
    /// `None` (every task is idle). Spurious returns are allowed.
    fn park(&mut self, timeout: Option<Duration>);

    /// A handle that interrupts [`Driver::park`] from any thread. An unpark that arrives while the
    /// driver is not parked makes the next `park` return at once.
    fn unparker(&self) -> Arc<dyn Unpark>;

    /// Called once when the runtime shuts down, after every task has been dropped. A reactor wakes
    /// every registered resource here so that I/O still pending elsewhere fails instead of hanging.
    fn shutdown(&mut self) {}
}

/// Interrupts a parked [`Driver`].
pub trait Unpark: Send + Sync + 'static {
    /// Makes the current or the next [`Driver::park`] return.
    fn unpark(&self);
}
