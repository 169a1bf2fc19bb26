//! The scheduler's own per-thread state: which core, worker or pool this thread belongs to.
//!
//! What other crates read per thread (the budget, the task id, the current scheduler's and driver's
//! handles) lives in the runtime context of zokio-coop. What only the built-in schedulers read on
//! their own hot paths lives here, in one thread-local for the whole crate:
//!
//! - the current-thread scheduler whose core this thread holds, and that core's local queues (so a
//!   task woken on the owner goes to the local queue without a lock);
//! - the multi-thread worker this thread runs (its core, for the same reason);
//! - whether this thread is inside a multi-thread `block_on` (where `block_in_place` is allowed);
//! - the blocking pool this thread serves (to catch a pool dropped from one of its own threads).
//!
//! Every field is a `Cell` of a plain value or a raw pointer set by a guard on the thread's stack:
//! the struct has no destructor, so it is never torn down and every accessor keeps working while the
//! thread's other thread-locals are dropped (a task dropped then may still be woken and scheduled).
//!
//! It comes from the loom facade: a loom model runs whole schedulers, and loom runs every modelled
//! thread on one OS thread, where a `std` thread-local would be shared by all of them.

use std::cell::{Cell, RefCell};
use std::ptr;

use crate::current_thread::{LocalQueues, Shared as CurrentThreadShared};
use crate::multi_thread::worker::WorkerContext;

/// See the [module docs](self).
pub(crate) struct ThreadState {
    /// The current-thread scheduler whose core this thread holds (null when none).
    pub(crate) core_owner: Cell<*const CurrentThreadShared>,
    /// That core's local queues; non-null exactly when `core_owner` is.
    pub(crate) core_local: Cell<*const RefCell<LocalQueues>>,
    /// The multi-thread worker this thread runs (null when none).
    pub(crate) worker: Cell<*const WorkerContext>,
    /// Whether this thread is inside a multi-thread `block_on`.
    pub(crate) in_block_on: Cell<bool>,
    /// The address of the blocking pool this thread serves (0 when none).
    pub(crate) blocking_pool: Cell<usize>,
}

impl ThreadState {
    const fn new() -> ThreadState {
        ThreadState {
            core_owner: Cell::new(ptr::null()),
            core_local: Cell::new(ptr::null()),
            worker: Cell::new(ptr::null()),
            in_block_on: Cell::new(false),
            blocking_pool: Cell::new(0),
        }
    }
}

crate::loom::thread_local! {
    pub(crate) static THREAD: ThreadState = const { ThreadState::new() };
}
