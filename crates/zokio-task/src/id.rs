//! Task identifiers.

use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// An opaque identifier of a task, unique among all tasks of the process for its lifetime.
///
/// Ids are handed out in blocks per thread, so spawning never contends on one shared counter.
/// They are not reused; they are not guaranteed to be dense or ordered by spawn time across threads.
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq, Ord, PartialOrd)]
pub struct Id(NonZeroU64);

/// Ids reserved by one thread at a time from the global counter.
pub(crate) const BLOCK: u64 = 256;

/// The start of the next free block. Blocks are aligned to [`BLOCK`] (the first is `BLOCK..2 * BLOCK`,
/// which also keeps 0 out): every id of a block then has the same block number `id / BLOCK`, which the
/// `TaskList` shard choice mixes in.
static NEXT_BLOCK: AtomicU64 = AtomicU64::new(BLOCK);

thread_local! {
    /// The next id of this thread's block and the end of that block (exclusive).
    static LOCAL_IDS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

impl Id {
    /// Allocates a fresh id.
    pub(crate) fn next() -> Id {
        let raw = LOCAL_IDS
            .try_with(|cell| {
                let (next, end) = cell.get();
                if next < end {
                    cell.set((next + 1, end));
                    next
                } else {
                    let start = NEXT_BLOCK.fetch_add(BLOCK, Ordering::Relaxed);
                    cell.set((start + 1, start + BLOCK));
                    start
                }
            })
            // During thread teardown: take a whole block and use its first id (the rest of it cannot
            // be remembered without the thread-local; taking a whole one keeps the blocks aligned).
            .unwrap_or_else(|_| NEXT_BLOCK.fetch_add(BLOCK, Ordering::Relaxed));
        // The counter starts above 0 and 2^64 ids cannot be exhausted in practice.
        Id(NonZeroU64::new(raw).expect("task id counter overflowed"))
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

thread_local! {
    static CURRENT: Cell<Option<Id>> = const { Cell::new(None) };
}

/// Sets the current task id for the duration of a poll; restores the previous one on drop.
pub(crate) struct CurrentIdGuard(Option<Id>);

impl CurrentIdGuard {
    pub(crate) fn enter(id: Id) -> CurrentIdGuard {
        CurrentIdGuard(CURRENT.try_with(|c| c.replace(Some(id))).unwrap_or(None))
    }
}

impl Drop for CurrentIdGuard {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.0));
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
    CURRENT.try_with(Cell::get).unwrap_or(None)
}
