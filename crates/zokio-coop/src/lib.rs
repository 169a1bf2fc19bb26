//! The per-thread runtime context and the cooperative scheduling budget.
//!
//! # The runtime context
//!
//! Everything a zokio thread keeps per thread and more than one crate reads sits in one
//! thread-local here, in the bottom crate (see the `context` module's table): the cooperative budget,
//! the "drives a runtime" mark ([`try_enter_runtime`]), the running task's id
//! ([`current_task_id`]), and the handles of the current scheduler and I/O driver ([`handle`]).
//! Every scheduler, the built-in ones and custom ones alike, enters a thread through these calls,
//! so runtime-agnostic crates such as `zokio-sync` ask one place whether they run inside a runtime.
//!
//! # The cooperative budget
//!
//! A task that never returns `Pending` starves every other task on its worker. Tokio's answer, which
//! zokio follows, is a small *budget* per task poll: every resource operation (a channel receive, a socket
//! read, a timer check) spends one unit, and once the budget is spent the resource returns `Pending`
//! even if it is ready, after waking the task. The task then goes to the back of the run queue and the
//! others get their turn.
//!
//! The budget is the hook that both sides see: the scheduler wraps each task poll in
//! [`with_budget`], and resources call [`poll_proceed`]. It has no dependencies, so runtime-agnostic
//! crates such as `zokio-sync` can use it without pulling in a runtime. Outside a zokio scheduler no
//! budget is set and every call is a cheap no-op that always proceeds, so the same primitives work under
//! Tokio or smol unchanged.
//!
//! # Example
//!
//! A leaf resource that takes part in the budget:
//!
//! ```
//! use std::task::{Context, Poll};
//!
//! fn poll_next_item(cx: &mut Context<'_>, queue: &mut Vec<u32>) -> Poll<Option<u32>> {
//!     let restore = std::task::ready!(zokio_coop::poll_proceed(cx));
//!     match queue.pop() {
//!         Some(item) => {
//!             // Progress was made: keep the unit spent.
//!             restore.made_progress();
//!             Poll::Ready(Some(item))
//!         }
//!         // No progress: `restore` refunds the unit when dropped.
//!         None => Poll::Ready(None),
//!     }
//! }
//!
//! let waker = std::task::Waker::noop();
//! let mut cx = Context::from_waker(waker);
//! let mut queue = vec![1, 2];
//! // Outside a zokio scheduler there is no budget: the call always proceeds.
//! assert_eq!(poll_next_item(&mut cx, &mut queue), Poll::Ready(Some(2)));
//! ```
#![warn(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]

mod context;
pub mod driver;
pub mod handle;
mod runtime;
mod task;

pub use runtime::{ExitGuard, RuntimeGuard, is_in_runtime, try_enter_runtime};
pub use task::{TASK_ID_BLOCK, current_task_id, next_task_id, set_current_task_id, thread_number};

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::task::{Context, Poll};

use context::CONTEXT;

/// The units a task gets per poll. Tokio's value: large enough that ordinary tasks never notice it,
/// small enough that a hot loop over a ready channel yields within microseconds.
pub const INITIAL_BUDGET: u8 = 128;

/// A task's remaining budget: a count of units, or unconstrained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget(Option<u8>);

impl Budget {
    /// A fresh budget of [`INITIAL_BUDGET`] units, as a scheduler grants per task poll.
    pub const fn initial() -> Budget {
        Budget(Some(INITIAL_BUDGET))
    }

    /// A budget of `units` units (useful in tests of budget-aware resources).
    pub const fn units(units: u8) -> Budget {
        Budget(Some(units))
    }

    /// No budget at all: every operation proceeds. This is the state outside a scheduler.
    pub const fn unconstrained() -> Budget {
        Budget(None)
    }

    /// The units left, or `None` when unconstrained.
    pub const fn remaining(self) -> Option<u8> {
        self.0
    }

    fn has_remaining(self) -> bool {
        self.0 != Some(0)
    }
}

/// Set once any thread of the process installs a limited budget. Until then every thread's budget
/// is unconstrained, so [`poll_proceed`] can answer from this one (cache-resident, never written
/// again) load instead of a thread-local access: the cost of the hook in a program that uses
/// zokio-sync without a zokio scheduler (under Tokio or smol, say).
///
/// Relaxed is enough: a thread that installs a budget stores `true` before it does, so it sees its
/// own store in program order; a thread that reads a stale `false` has installed no budget itself,
/// and its budget is unconstrained either way.
static BUDGETS_IN_USE: AtomicBool = AtomicBool::new(false);

/// Runs `f` with `budget` as the current thread's budget, then restores the previous one (also when `f`
/// panics). A scheduler calls this around each task poll with [`Budget::initial`]; a limited budget
/// also starts a new poll for [`wants_defer`].
#[inline]
pub fn with_budget<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    struct Reset(Budget);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|cx| cx.budget.set(self.0));
        }
    }
    if budget.0.is_some() && !BUDGETS_IN_USE.load(Relaxed) {
        BUDGETS_IN_USE.store(true, Relaxed);
    }
    let previous = CONTEXT.with(|cx| {
        if budget.0.is_some() {
            cx.defer.set(false);
        }
        cx.budget.replace(budget)
    });
    let _reset = Reset(previous);
    f()
}

/// The current thread's budget.
#[inline]
pub fn current() -> Budget {
    if !BUDGETS_IN_USE.load(Relaxed) {
        return Budget::unconstrained();
    }
    CONTEXT
        .try_with(|cx| cx.budget.get())
        .unwrap_or(Budget::unconstrained())
}

/// Whether the current task may still do work without yielding. Always `true` outside a zokio
/// scheduler.
#[inline]
pub fn has_budget_remaining() -> bool {
    current().has_remaining()
}

/// Spends one unit of the budget, or, when none is left, wakes the task and returns `Pending` so that
/// the task yields to the scheduler.
///
/// The returned guard refunds the unit when dropped, unless [`RestoreOnPending::made_progress`] is
/// called: an operation that turned out not to be ready should not cost the task its turn.
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    if !BUDGETS_IN_USE.load(Relaxed) {
        return Poll::Ready(RestoreOnPending(None));
    }
    let step = CONTEXT.try_with(|cx| {
        let cell = &cx.budget;
        let budget = cell.get();
        match budget.0 {
            None => Some(RestoreOnPending(None)),
            Some(0) => None,
            Some(units) => {
                cell.set(Budget(Some(units - 1)));
                Some(RestoreOnPending(Some(budget)))
            }
        }
    });
    match step {
        // Thread-local already destroyed (thread teardown): never block progress.
        Err(_) => Poll::Ready(RestoreOnPending(None)),
        Ok(Some(restore)) => Poll::Ready(restore),
        Ok(None) => {
            // Budget spent: ask to be polled again after the others had their turn.
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Asks that the wake-up the running task is about to give itself wait until the scheduler has
/// polled its driver (I/O and timers). `yield_now` calls it, as Tokio's does, so that a task that
/// yields in a loop lets the I/O it waits for in.
#[inline]
pub fn defer_wake() {
    if BUDGETS_IN_USE.load(Relaxed) {
        let _ = CONTEXT.try_with(|cx| cx.defer.set(true));
    }
}

/// Whether a task that woke itself during its current poll should wait for the driver before it
/// runs again: it spent its whole budget (a budgeted resource returned `Pending` to make it
/// yield), or it called [`defer_wake`]. Schedulers ask this when they get a task woken while it ran.
#[inline]
pub fn wants_defer() -> bool {
    if !BUDGETS_IN_USE.load(Relaxed) {
        return false;
    }
    CONTEXT
        .try_with(|cx| cx.defer.get() || cx.budget.get().0 == Some(0))
        .unwrap_or(false)
}

/// Refunds a budget unit on drop unless progress was made. Returned by [`poll_proceed`].
#[derive(Debug)]
#[must_use = "dropping the guard at once refunds the unit; call made_progress() after real work"]
pub struct RestoreOnPending(Option<Budget>);

impl RestoreOnPending {
    /// Keeps the unit spent: the operation did real work.
    #[inline]
    pub fn made_progress(mut self) {
        self.0 = None;
    }
}

impl Drop for RestoreOnPending {
    #[inline]
    fn drop(&mut self) {
        if let Some(budget) = self.0 {
            let _ = CONTEXT.try_with(|cx| cx.budget.set(budget));
        }
    }
}

/// Spends one unit of the budget, yielding first if none is left.
///
/// Call it in loops that do a lot of work without touching any budget-aware resource.
///
/// ```
/// # futures_lite_free_block_on(async {
/// for _ in 0..1000 {
///     zokio_coop::consume_budget().await;
/// }
/// # });
/// # fn futures_lite_free_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// ```
pub async fn consume_budget() {
    std::future::poll_fn(|cx| poll_proceed(cx).map(RestoreOnPending::made_progress)).await
}

/// Runs a future with no budget: resources inside it never force a yield.
///
/// Use it with care: an unconstrained task that loops over ready resources can starve its worker.
pub fn unconstrained<F: Future>(future: F) -> Unconstrained<F> {
    Unconstrained { future }
}

/// A future that runs its inner future without a budget. Created by [`unconstrained`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Unconstrained<F> {
    future: F,
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: `Unconstrained` never moves it out, hands out no
        // `&mut F` except through this pinned projection, implements no `Unpin` by hand and has no `Drop`.
        let future = unsafe { self.map_unchecked_mut(|this| &mut this.future) };
        with_budget(Budget::unconstrained(), || future.poll(cx))
    }
}
