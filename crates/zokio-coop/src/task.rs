//! Task ids and thread numbers: the parts of task identity that live in the thread's context.
//!
//! zokio-task wraps these in its `Id` type; they are here so that the id of the running task sits in
//! the same thread-local as the budget and the handles (see [`crate::context`]).

use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::context::CONTEXT;

/// How many task ids a thread reserves from the process-wide counter at a time, so that spawning
/// does not contend on one shared counter. Blocks are aligned to this size (the first is
/// `TASK_ID_BLOCK..2 * TASK_ID_BLOCK`, which also keeps 0 out): every id of a block has the same
/// block number `id / TASK_ID_BLOCK`.
pub const TASK_ID_BLOCK: u64 = 256;

/// The start of the next free block of task ids.
static NEXT_BLOCK: AtomicU64 = AtomicU64::new(TASK_ID_BLOCK);

/// A fresh task id, unique for the life of the process: never 0, never reused, not dense, and
/// not ordered by time across threads.
///
/// ```
/// let a = zokio_coop::next_task_id();
/// let b = zokio_coop::next_task_id();
/// assert_ne!(a, b);
/// // One thread's ids come from one block while it lasts.
/// assert_eq!(a.get() / zokio_coop::TASK_ID_BLOCK, b.get() / zokio_coop::TASK_ID_BLOCK);
/// ```
#[inline]
pub fn next_task_id() -> NonZeroU64 {
    let raw = CONTEXT
        .try_with(|cx| {
            let (next, end) = cx.task_ids.get();
            if next < end {
                cx.task_ids.set((next + 1, end));
                next
            } else {
                let start = NEXT_BLOCK.fetch_add(TASK_ID_BLOCK, Relaxed);
                cx.task_ids.set((start + 1, start + TASK_ID_BLOCK));
                start
            }
        })
        // Only a loom thread-local is ever gone: take a whole block and use its first id (taking a
        // whole one keeps the blocks aligned).
        .unwrap_or_else(|_| NEXT_BLOCK.fetch_add(TASK_ID_BLOCK, Relaxed));
    // The counter starts above 0, and 2^64 ids cannot be used up in practice.
    NonZeroU64::new(raw).expect("task id counter overflowed")
}

/// The id of the task being polled on this thread, if any.
#[inline]
pub fn current_task_id() -> Option<NonZeroU64> {
    CONTEXT.try_with(|cx| cx.task_id.get()).unwrap_or(None)
}

/// Sets the id of the task being polled on this thread and returns the previous one. A scheduler
/// (through zokio-task) sets it around each poll and sets the previous one back afterwards.
///
/// ```
/// let id = zokio_coop::next_task_id();
/// let previous = zokio_coop::set_current_task_id(Some(id));
/// assert_eq!(zokio_coop::current_task_id(), Some(id));
/// zokio_coop::set_current_task_id(previous);
/// assert_eq!(zokio_coop::current_task_id(), None);
/// ```
#[inline]
pub fn set_current_task_id(id: Option<NonZeroU64>) -> Option<NonZeroU64> {
    CONTEXT
        .try_with(|cx| cx.task_id.replace(id))
        .unwrap_or(None)
}

/// A number for the current thread, unique for the life of the process. Unlike the address of a
/// thread-local, it is never reused by a later thread; and it stays readable while the thread's
/// other thread-locals are dropped.
///
/// ```
/// let here = zokio_coop::thread_number();
/// assert_eq!(zokio_coop::thread_number(), here);
/// let there = std::thread::spawn(zokio_coop::thread_number).join().unwrap();
/// assert_ne!(here, there);
/// ```
#[inline]
pub fn thread_number() -> NonZeroU64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let number = CONTEXT
        .try_with(|cx| {
            let mut number = cx.thread_number.get();
            if number == 0 {
                number = NEXT.fetch_add(1, Relaxed);
                cx.thread_number.set(number);
            }
            number
        })
        // Only a loom thread-local is ever gone; a number no thread has is as good as any.
        .unwrap_or_else(|_| NEXT.fetch_add(1, Relaxed));
    NonZeroU64::new(number).expect("thread numbers start at 1")
}
