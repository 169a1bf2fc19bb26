//! Task identifiers.

use std::fmt;
use std::num::NonZeroU64;

/// An opaque identifier of a task, unique among all tasks of the process for its lifetime.
///
/// Ids are handed out in blocks per thread, so spawning never contends on one shared counter.
/// They are not reused; they are not guaranteed to be dense or ordered by spawn time across threads.
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq, Ord, PartialOrd)]
pub struct Id(NonZeroU64);

/// Ids reserved by one thread at a time from the global counter (see [`zokio_coop::next_task_id`]).
pub(crate) const BLOCK: u64 = zokio_coop::TASK_ID_BLOCK;

impl Id {
    /// Allocates a fresh id.
    #[inline]
    pub(crate) fn next() -> Id {
        Id(zokio_coop::next_task_id())
    }

    /// The id as a number, for logs and metrics.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Sets the current task id for the duration of a poll; restores the previous one on drop.
pub(crate) struct CurrentIdGuard(Option<Id>);

impl CurrentIdGuard {
    pub(crate) fn enter(id: Id) -> CurrentIdGuard {
        CurrentIdGuard(zokio_coop::set_current_task_id(Some(id.0)).map(Id))
    }
}

impl Drop for CurrentIdGuard {
    fn drop(&mut self) {
        zokio_coop::set_current_task_id(self.0.map(|id| id.0));
    }
}

/// The id of the task that is running now.
///
/// # Panics
///
/// Panics when called outside a task (for example from `block_on`'s own future or a plain thread).
/// Use [`try_id`] where that can happen.
///
/// ```
/// use std::sync::Arc;
/// use zokio_task::TaskList;
///
/// let list = Arc::new(TaskList::new(1));
/// let (runnable, handle) = zokio_task::spawn(async { zokio_task::id() }, |_, _| {}, &list);
/// let expected = handle.id();
/// runnable.run();
/// assert_eq!(futures_lite::future::block_on(handle).unwrap(), expected);
/// assert!(zokio_task::try_id().is_none());
/// ```
#[track_caller]
pub fn id() -> Id {
    try_id().expect(
        "zokio::task::id() called outside a task: call it from inside a spawned task, or use try_id()",
    )
}

/// The id of the task that is running now, or `None` outside a task.
pub fn try_id() -> Option<Id> {
    zokio_coop::current_task_id().map(Id)
}
