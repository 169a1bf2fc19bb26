//! Per-task data stored inside the async-task allocation (its "metadata").

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use crate::Id;

/// Set by `abort()`: the next poll drops the future instead of polling it.
const ABORTED: u8 = 1;
/// Set once the task's future has been dropped, after completing, panicking or being cancelled.
const FINISHED: u8 = 2;

/// The data zokio keeps beside each task's future, reachable from its [`Runnable`](crate::Runnable).
///
/// Schedulers read it through [`Runnable::metadata`](async_task::Runnable::metadata), e.g. for the id.
#[derive(Debug)]
pub struct Header {
    id: Id,
    state: AtomicU8,
    /// The task's key in its [`TaskList`](crate::TaskList) shard, `usize::MAX` while unregistered.
    pub(crate) list_key: AtomicUsize,
}

impl Header {
    pub(crate) fn new() -> Header {
        Header {
            id: Id::next(),
            state: AtomicU8::new(0),
            list_key: AtomicUsize::new(usize::MAX),
        }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.id
    }

    /// Whether the task has been asked to stop.
    pub fn is_aborted(&self) -> bool {
        self.state.load(Ordering::Acquire) & ABORTED != 0
    }

    /// Whether the task's future is gone (completed, panicked or cancelled).
    pub fn is_finished(&self) -> bool {
        self.state.load(Ordering::Acquire) & FINISHED != 0
    }

    pub(crate) fn set_aborted(&self) {
        self.state.fetch_or(ABORTED, Ordering::AcqRel);
    }

    pub(crate) fn set_finished(&self) {
        self.state.fetch_or(FINISHED, Ordering::AcqRel);
    }
}
