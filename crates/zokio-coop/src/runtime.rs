//! The "this thread drives a runtime" mark, which runtime-agnostic code reads to refuse blocking
//! calls inside async code.

use crate::context::CONTEXT;

/// Marks the current thread as driving a runtime until the guard drops, or returns `None` when it
/// already drives one.
///
/// Every scheduler calls this on each thread that polls tasks (its workers, and the thread inside
/// its `block_on`); the built-in ones do. Code that must not block an async context asks
/// [`is_in_runtime`]: zokio-sync's `blocking_*` methods panic there instead of deadlocking, whatever
/// the budget (inside [`unconstrained`](crate::unconstrained) too) and under any scheduler that marks its threads.
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
    if CONTEXT.with(|cx| cx.in_runtime.replace(true)) {
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
    CONTEXT.try_with(|cx| cx.in_runtime.get()).unwrap_or(false)
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
        let was = CONTEXT.with(|cx| cx.in_runtime.replace(false));
        ExitGuard {
            was,
            _not_send: std::marker::PhantomData,
        }
    }
}

impl Drop for RuntimeGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|cx| cx.in_runtime.set(false));
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
        let _ = CONTEXT.try_with(|cx| cx.in_runtime.set(self.was));
    }
}
