//! The one thread-local of a zokio thread.
//!
//! Everything a runtime keeps per thread and that more than one crate reads lives in one struct
//! behind one `thread_local!`, here in the bottom crate:
//!
//! | field             | written by                               | read by                                |
//! |-------------------|------------------------------------------|----------------------------------------|
//! | `budget`, `defer` | the scheduler around each task poll      | every budget-aware resource            |
//! | `in_runtime`      | the scheduler on each thread it drives   | `blocking_*` methods, nested `block_on` |
//! | `task_id`         | zokio-task around each task poll         | `task::id()`, tracing                  |
//! | `task_ids`        | zokio-task's id allocator                | the same                               |
//! | `thread_number`   | the first reader                         | `spawn_local`'s "same thread?" check   |
//! | `scheduler`       | a scheduler's `enter` (its handle)       | `spawn`, `Handle::current`             |
//! | `driver`          | the I/O driver's `enter` (its handle)    | sockets and timers created in a task   |
//!
//! A thread pays one TLS lookup for any of them, and a custom scheduler enters the whole context
//! through the same calls as the built-in ones.
//!
//! The struct has no destructor: every field is a `Cell` (or a `RefCell` of a raw pointer), and the
//! handle slots hold their strong references as raw pointers released by the guards that set them.
//! A thread-local without a destructor is never torn down, so every accessor keeps working while the
//! thread's other thread-locals are dropped (a `LocalSet` kept in one still drops its tasks, which
//! read the task id and the thread number). A guard that is leaked leaks its handle; it never
//! dangles.
//!
//! Under `--cfg loom` the thread-local is loom's: the model checker runs every modelled thread on one
//! OS thread, where a `std` thread-local would be shared by all of them.

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::num::NonZeroU64;

use crate::Budget;

/// A handle kept in the context, as a raw pointer that owns one strong count of an
/// `Arc<dyn Any + Send + Sync>` (see [`crate::handle`]).
pub(crate) type RawHandle = *const (dyn Any + Send + Sync);

/// A handle in a slot, with its concrete type's id, read once when it is entered, so that a typed
/// lookup is a comparison with a constant rather than a virtual `type_id` call.
#[derive(Clone, Copy)]
pub(crate) struct Entered {
    pub(crate) raw: RawHandle,
    pub(crate) type_id: TypeId,
}

/// One of the context's handle slots: the current handle, and how many guards deep it is.
pub(crate) struct HandleCell {
    pub(crate) current: RefCell<Option<Entered>>,
    pub(crate) depth: Cell<usize>,
}

impl HandleCell {
    const fn new() -> HandleCell {
        HandleCell {
            current: RefCell::new(None),
            depth: Cell::new(0),
        }
    }
}

/// The per-thread runtime context. See the [module docs](self).
pub(crate) struct ThreadContext {
    /// The running task's budget (unconstrained outside a scheduler's poll).
    pub(crate) budget: Cell<Budget>,
    /// Whether this thread is driving a runtime (a worker, or a thread inside `block_on`).
    pub(crate) in_runtime: Cell<bool>,
    /// Set by [`crate::defer_wake`] during a task poll: the task's wake-up should wait for the driver.
    pub(crate) defer: Cell<bool>,
    /// The id of the task being polled on this thread.
    pub(crate) task_id: Cell<Option<NonZeroU64>>,
    /// The next task id of this thread's block and the end of that block (exclusive).
    pub(crate) task_ids: Cell<(u64, u64)>,
    /// This thread's number, 0 until first asked for.
    pub(crate) thread_number: Cell<u64>,
    /// The scheduler that `spawn` reaches from this thread.
    pub(crate) scheduler: HandleCell,
    /// The I/O and timer driver that resources created on this thread register with.
    pub(crate) driver: HandleCell,
}

impl ThreadContext {
    const fn new() -> ThreadContext {
        ThreadContext {
            budget: Cell::new(Budget::unconstrained()),
            in_runtime: Cell::new(false),
            defer: Cell::new(false),
            task_id: Cell::new(None),
            task_ids: Cell::new((0, 0)),
            thread_number: Cell::new(0),
            scheduler: HandleCell::new(),
            driver: HandleCell::new(),
        }
    }
}

#[cfg(not(loom))]
thread_local! {
    pub(crate) static CONTEXT: ThreadContext = const { ThreadContext::new() };
}

#[cfg(loom)]
loom::thread_local! {
    pub(crate) static CONTEXT: ThreadContext = ThreadContext::new();
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_new_thread_context_is_outside_every_runtime() {
        // The thread-local is built at compile time; this builds one at run time to check the
        // state every thread starts in.
        let cx = ThreadContext::new();
        assert_eq!(cx.budget.get(), Budget::unconstrained());
        assert!(!cx.in_runtime.get());
        assert!(!cx.defer.get());
        assert_eq!(cx.task_id.get(), None);
        assert_eq!(cx.task_ids.get(), (0, 0), "no id block reserved yet");
        assert_eq!(cx.thread_number.get(), 0, "numbered on first use");
        for slot in [&cx.scheduler, &cx.driver] {
            assert!(slot.current.borrow().is_none());
            assert_eq!(slot.depth.get(), 0);
        }
    }
}
