//! `runtime::Id`, `TryCurrentError` and `UnhandledPanic`: small types of the runtime API.

use std::fmt;
use std::num::NonZeroU64;

/// An opaque id of a runtime, unique among the runtimes alive at the same time (an id may be
/// reused once its runtime is gone). Ids say nothing about the order runtimes were built in.
///
/// ```
/// let a = zokio::runtime::Builder::new_current_thread().build().unwrap();
/// let b = zokio::runtime::Builder::new_current_thread().build().unwrap();
/// assert_ne!(a.handle().id(), b.handle().id());
/// assert_eq!(a.handle().id(), a.handle().clone().id());
/// ```
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub struct Id(NonZeroU64);

impl Id {
    pub(crate) fn new(id: NonZeroU64) -> Id {
        Id(id)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why [`Handle::try_current`](super::Handle::try_current) found no runtime.
#[derive(Debug)]
pub struct TryCurrentError {
    destroyed: bool,
}

impl TryCurrentError {
    pub(crate) fn new(destroyed: bool) -> TryCurrentError {
        TryCurrentError { destroyed }
    }

    /// The thread is not inside any runtime's context.
    pub fn is_missing_context(&self) -> bool {
        !self.destroyed
    }

    /// The thread is being torn down and its runtime context is already gone.
    ///
    /// Kept for Tokio's API; on zokio it is always `false`: the runtime context has no destructor
    /// and stays usable while a thread's other thread-locals are dropped, so code running at thread
    /// exit can still enter a runtime (on Tokio that panics).
    pub fn is_thread_local_destroyed(&self) -> bool {
        self.destroyed
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.destroyed {
            f.write_str(
                "the zokio runtime context is being torn down with its thread (thread-local \
                 storage destroyed)",
            )
        } else {
            f.write_str(
                "there is no reactor running, must be called from the context of a zokio runtime",
            )
        }
    }
}

impl std::error::Error for TryCurrentError {}

/// What a runtime does when one of its tasks panics; see
/// [`Builder::unhandled_panic`](super::Builder::unhandled_panic).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// The panic is caught and handed to the task's `JoinHandle` as a `JoinError`; the runtime
    /// goes on. The default, as on Tokio.
    #[default]
    Ignore,
    /// The runtime shuts down: every task is cancelled, no new task runs, and every `block_on` of
    /// the runtime panics with a message that names the cause.
    ShutdownRuntime,
}
