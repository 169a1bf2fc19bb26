//! The cooperative scheduling budget.
//!
//! A task that never returns `Pending` starves every other task on its worker. Tokio's answer, which
//! zokio follows, is a small *budget* per task poll: every resource operation (a channel receive, a socket
//! read, a timer check) spends one unit, and once the budget is spent the resource returns `Pending`
//! even if it is ready, after waking the task. The task then goes to the back of the run queue and the
//! others get their turn.
//!
//! This crate is the hook that both sides see and nothing else: the scheduler wraps each task poll in
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

pub mod driver;

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::task::{Context, Poll};

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

/// The per-thread state this crate keeps: one thread-local for both, so a thread pays one TLS
/// lookup for either.
struct ThreadContext {
    /// The running task's budget (unconstrained outside a scheduler's poll).
    budget: Cell<Budget>,
    /// Whether this thread is driving a runtime (a worker, or a thread inside `block_on`).
    in_runtime: Cell<bool>,
    /// Set by [`defer_wake`] during a task poll: the task's wake-up should wait for the driver.
    defer: Cell<bool>,
}

thread_local! {
    static CURRENT: ThreadContext = const {
        ThreadContext {
            budget: Cell::new(Budget::unconstrained()),
            in_runtime: Cell::new(false),
            defer: Cell::new(false),
        }
    };
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
            let _ = CURRENT.try_with(|cx| cx.budget.set(self.0));
        }
    }
    if budget.0.is_some() && !BUDGETS_IN_USE.load(Relaxed) {
        BUDGETS_IN_USE.store(true, Relaxed);
    }
    let previous = CURRENT.with(|cx| {
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
    CURRENT
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
    let step = CURRENT.try_with(|cx| {
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
        let _ = CURRENT.try_with(|cx| cx.defer.set(true));
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
    CURRENT
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
            let _ = CURRENT.try_with(|cx| cx.budget.set(budget));
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

/// Marks the current thread as driving a runtime until the guard drops, or returns `None` when it
/// already drives one.
///
/// Every scheduler calls this on each thread that polls tasks (its workers, and the thread inside
/// its `block_on`); the built-in ones do. Code that must not block an async context asks
/// [`is_in_runtime`]: zokio-sync's `blocking_*` methods panic there instead of deadlocking, whatever
/// the budget (inside [`unconstrained`] too) and under any scheduler that marks its threads.
///
/// ```
/// assert!(!zokio_coop::is_in_runtime());
/// let guard = zokio_coop::try_enter_runtime().unwrap();
/// assert!(zokio_coop::is_in_runtime());
/// // Nested runtimes on one thread are refused.
/// assert!(zokio_coop::try_enter_runtime().is_none());
/// drop(guard);
/// assert!(!zokio_coop::is_in_runtime());
/// ```
pub fn try_enter_runtime() -> Option<RuntimeGuard> {
    if CURRENT.with(|cx| cx.in_runtime.replace(true)) {
        return None;
    }
    Some(RuntimeGuard {
        _not_send: std::marker::PhantomData,
    })
}

/// Whether the current thread is driving a runtime right now: inside a task or a runtime's
/// `block_on`, and not inside [`RuntimeGuard::exit_temporarily`] (`block_in_place`).
#[inline]
pub fn is_in_runtime() -> bool {
    CURRENT.try_with(|cx| cx.in_runtime.get()).unwrap_or(false)
}

/// Clears the "driving a runtime" mark on drop. Returned by [`try_enter_runtime`].
#[must_use = "the mark is cleared as soon as the guard is dropped"]
#[derive(Debug)]
pub struct RuntimeGuard {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl RuntimeGuard {
    /// Clears the mark until the returned guard drops, which sets it back as it was (for
    /// `block_in_place`, whose closure may block or even run another runtime).
    pub fn exit_temporarily() -> ExitGuard {
        let was = CURRENT.with(|cx| cx.in_runtime.replace(false));
        ExitGuard {
            was,
            _not_send: std::marker::PhantomData,
        }
    }
}

impl Drop for RuntimeGuard {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|cx| cx.in_runtime.set(false));
    }
}

/// Restores the "driving a runtime" mark on drop. Returned by [`RuntimeGuard::exit_temporarily`].
#[derive(Debug)]
#[must_use = "the mark is restored as soon as the guard is dropped"]
pub struct ExitGuard {
    was: bool,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for ExitGuard {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|cx| cx.in_runtime.set(self.was));
    }
}
