//! The reactor handle and the "current reactor" of a thread.
//!
//! The current reactor is the driver handle of the thread's runtime context (the one thread-local
//! that zokio-coop keeps). Every I/O and timer type finds its reactor there when it is created, as in
//! Tokio: the runtime enters its reactor on each of its threads, and a socket created inside a task is
//! registered with the reactor of that task's runtime.

use std::fmt;
use std::sync::Arc;

use zokio_coop::handle::Slot;

use crate::driver::Inner;

/// Somewhere to run blocking work: the seam through which a runtime lends its blocking pool to the
/// reactor, which knows no scheduler (see [`Handle::set_blocking`]).
pub trait Blocking: Send + Sync + 'static {
    /// Runs `work` on a thread where blocking is fine. Dropping `work` without running it (a pool
    /// that shut down) is allowed: whoever waits for it then sees an error.
    fn spawn_blocking(&self, work: Box<dyn FnOnce() + Send>);
}

/// A cloneable, thread-safe reference to a [`Reactor`](crate::Reactor).
///
/// Sockets, timers and signal listeners register with the reactor of the handle that is *current*
/// on the thread that creates them; see [`Handle::enter`].
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("io", &self.inner.io_enabled)
            .field("time", &self.inner.time_enabled)
            .finish_non_exhaustive()
    }
}

impl Handle {
    /// Makes [`time::pause`](crate::time::pause) panic on this reactor.
    ///
    /// Auto-advance moves a paused clock when the scheduler parks the driver with every task idle. A
    /// scheduler with several workers cannot know that (one worker parks while another runs), so a
    /// runtime built on one calls this to refuse paused time instead of letting timers fire early.
    pub fn forbid_pause(&self) {
        self.inner.clock.forbid_pause();
    }

    /// Holds off the auto-advance of a paused clock until [`Handle::allow_auto_advance`] is called
    /// as many times as this was.
    ///
    /// A runtime calls it for each blocking-pool closure it starts: with every task idle, the driver
    /// would otherwise jump the clock to the next timer while the closure still runs, and a
    /// `timeout` around `spawn_blocking` would fire although no real time passed.
    pub fn inhibit_auto_advance(&self) {
        self.inner.clock.inhibit_auto_advance();
    }

    /// Releases one [`Handle::inhibit_auto_advance`] and unparks the driver, so that a runtime
    /// parked on paused time looks again (and may now auto-advance).
    pub fn allow_auto_advance(&self) {
        self.inner.clock.allow_auto_advance();
        self.inner.unpark();
    }

    /// Gives the reactor a place to run blocking work (name resolution in
    /// [`lookup_host`](crate::net::lookup_host)): the runtime's blocking pool. Without one, each
    /// lookup gets a thread of its own. Only a weak reference is kept, so the caller (the runtime)
    /// decides how long it lives; the first call wins.
    pub fn set_blocking(&self, pool: &Arc<dyn Blocking>) {
        let _ = self.inner.blocking.set(Arc::downgrade(pool));
    }

    /// The blocking pool given with [`Handle::set_blocking`], if it is still alive.
    pub(crate) fn blocking(&self) -> Option<Arc<dyn Blocking>> {
        self.inner.blocking.get().and_then(std::sync::Weak::upgrade)
    }

    /// Makes this reactor the current one on this thread until the guard is dropped.
    ///
    /// Guards nest: dropping one restores whatever was current before it. The handle lives in the
    /// thread's runtime context, [`zokio_coop::handle`]'s [`Driver`](zokio_coop::handle::Slot::Driver)
    /// slot.
    ///
    /// ```
    /// use zokio_reactor::{Handle, Reactor, ReactorConfig};
    ///
    /// let reactor = Reactor::new(ReactorConfig::default()).unwrap();
    /// assert!(Handle::try_current().is_none());
    /// let guard = reactor.handle().enter();
    /// assert!(Handle::try_current().is_some());
    /// drop(guard);
    /// assert!(Handle::try_current().is_none());
    /// ```
    pub fn enter(&self) -> EnterGuard {
        let inner: zokio_coop::handle::AnyHandle = self.inner.clone();
        EnterGuard {
            _context: zokio_coop::handle::enter(Slot::Driver, inner),
        }
    }

    /// The current reactor.
    ///
    /// # Panics
    ///
    /// Panics when no reactor is current on this thread.
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Some(handle) => handle,
            None => panic!(
                "must be called from the context of a zokio runtime with I/O/time enabled \
                 (inside block_on, a task, or after Handle::enter)"
            ),
        }
    }

    /// The current reactor, or `None` outside any reactor context.
    pub fn try_current() -> Option<Handle> {
        zokio_coop::handle::current_as::<Inner>(Slot::Driver).map(|inner| Handle { inner })
    }

    /// The current reactor's clock reading if that clock has ever been paused, else `None` (the
    /// caller then reads the system clock). Borrows the thread-local instead of cloning the handle.
    pub(crate) fn current_virtual_now() -> Option<std::time::Instant> {
        zokio_coop::handle::with_current_as(Slot::Driver, |inner: Option<&Arc<Inner>>| {
            inner.and_then(|inner| inner.clock.virtual_now())
        })
    }

    /// Whether the reactor was built with the timer driver.
    pub fn is_time_enabled(&self) -> bool {
        self.inner.time_enabled
    }

    /// Whether the reactor was built with the I/O driver.
    pub fn is_io_enabled(&self) -> bool {
        self.inner.io_enabled
    }

    /// The handle of the current reactor if it has the timer driver.
    #[track_caller]
    pub(crate) fn current_time() -> Handle {
        let handle = Handle::current();
        if !handle.inner.time_enabled {
            panic!(
                "the timer driver is disabled: build the runtime with enable_time() or enable_all()"
            );
        }
        handle
    }

    /// The handle of the current reactor, or an error if there is none or it has no I/O driver.
    pub(crate) fn current_io() -> std::io::Result<Handle> {
        match Handle::try_current() {
            Some(handle) if handle.inner.io_enabled => Ok(handle),
            Some(_) => Err(std::io::Error::other(
                "the I/O driver is disabled: build the runtime with enable_io() or enable_all()",
            )),
            None => Err(std::io::Error::other(
                "must be called from the context of a zokio runtime with I/O/time enabled \
                 (inside block_on, a task, or after Handle::enter)",
            )),
        }
    }
}

/// Restores the previously current reactor when dropped. Returned by [`Handle::enter`].
///
/// The guard is bound to its thread; drop guards in the reverse order of creation (out of order,
/// the drop panics).
pub struct EnterGuard {
    _context: zokio_coop::handle::HandleGuard,
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}
