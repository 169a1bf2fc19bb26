//! The `blocking_*` methods' shared core: wait on a future from synchronous code.

use std::future::Future;

/// Runs `future` to completion on the calling thread.
///
/// # Panics
///
/// Panics when called on a thread that drives a zokio runtime (a worker, or inside `block_on`),
/// which every zokio scheduler marks in [`zokio_coop::is_in_runtime`]: blocking there would stall
/// the worker and, on a current-thread runtime, deadlock it, since the task that would wake us can
/// never run. The mark does not depend on the budget, so `task::unconstrained` does not hide it.
/// Other executors do not set it and the check cannot see them; Tokio's own primitives refuse the
/// same way, so code that is right under one runtime is right under the other.
#[track_caller]
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    if zokio_coop::is_in_runtime() {
        panic!(
            "Cannot block the current thread from within a runtime. This happens because a \
             `blocking_*` method was called from a task or `block_on`: use the async method with \
             `.await` instead, or call it from `spawn_blocking` or `block_in_place`."
        );
    }
    futures_lite::future::block_on(future)
}
