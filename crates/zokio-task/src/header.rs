//! Per-task data stored inside the async-task allocation (its "metadata").

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::Id;

/// The data zokio keeps beside each task's future, reachable from its [`Runnable`](crate::Runnable).
///
/// Schedulers read the id through [`Runnable::id`](crate::Runnable::id).
#[derive(Debug)]
pub struct Header {
    id: Id,
    /// Set by `abort()`: the next poll drops the future instead of polling it.
    aborted: AtomicBool,
    /// Set once the task's future has been dropped, after completing, panicking or being cancelled.
    /// Separate from `aborted` so that each is a plain store, not a read-modify-write.
    finished: AtomicBool,
    /// The task's key in its [`TaskList`](crate::TaskList) shard, `usize::MAX` while unregistered.
    pub(crate) list_key: AtomicUsize,
}

impl Header {
    pub(crate) fn new() -> Header {
        Header {
            id: Id::next(),
            aborted: AtomicBool::new(false),
            finished: AtomicBool::new(false),
            list_key: AtomicUsize::new(usize::MAX),
        }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.id
    }

    /// Whether the task has been asked to stop.
    pub fn is_aborted(&self) -> bool {
        self.aborted.load(Ordering::Acquire)
    }

    /// Whether the task's future is gone (completed, panicked or cancelled).
    pub fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    pub(crate) fn set_aborted(&self) {
        self.aborted.store(true, Ordering::Release);
    }

    pub(crate) fn set_finished(&self) {
        self.finished.store(true, Ordering::Release);
    }
}
