//! Tasks: spawn them, await them, cancel them, yield, and run blocking code beside them; run `!Send`
//! futures on one thread with [`LocalSet`] and [`spawn_local`]; keep per-task values with
//! [`task_local!`](crate::task_local) and [`LocalKey`].
//!
//! ```
//! # zokio::runtime::Runtime::new().unwrap().block_on(async {
//! use zokio::task;
//!
//! let handle = task::spawn(async { "hello" });
//! assert_eq!(handle.await.unwrap(), "hello");
//!
//! let sum = task::spawn_blocking(|| (1..=10).sum::<u32>()).await.unwrap();
//! assert_eq!(sum, 55);
//! # });
//! ```

use std::future::Future;

pub use zokio_coop::{Unconstrained, consume_budget, unconstrained};

/// The cooperative budget under Tokio's path (`tokio::task::coop`): every resource operation spends
/// one unit of a per-poll budget, and a task that has spent it yields.
///
/// ```
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use zokio::task::coop;
///
/// assert!(coop::has_budget_remaining());
/// for _ in 0..1000 {
///     // Yields now and then, so that the loop cannot starve its neighbours.
///     coop::consume_budget().await;
/// }
/// # });
/// ```
pub mod coop {
    pub use zokio_coop::{
        RestoreOnPending, Unconstrained, consume_budget, has_budget_remaining, poll_proceed,
        unconstrained,
    };
}
pub use zokio_task::{AbortHandle, Id, JoinError, JoinHandle, id, try_id};

mod join_set;
mod local;
mod task_local;
pub use join_set::JoinSet;
pub use local::{LocalEnterGuard, LocalSet, spawn_local};
pub use task_local::{AccessError, LocalKey};

/// Futures returned by this module's functions, for code that names their types.
pub mod futures {
    pub use super::task_local::TaskLocalFuture;
}

/// Spawns `future` as a new task on the current runtime and returns a handle to its output.
///
/// The task starts at once (on a multi-thread runtime) or at the next chance the runtime gets (on a
/// current-thread runtime), whether or not the handle is awaited; dropping the handle detaches it.
///
/// # Panics
///
/// Panics when called outside a runtime context, with a message that says how to enter one.
///
/// ```
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let handle = zokio::spawn(async { 1 + 2 });
/// assert_eq!(handle.await.unwrap(), 3);
/// # });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    zokio_sched::spawn(future)
}

/// Runs the blocking function `f` on the runtime's blocking pool, so that it does not stall the
/// workers. A panic in `f` comes back as a [`JoinError`].
///
/// # Panics
///
/// Panics when called outside a runtime context.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    zokio_sched::blocking::spawn_blocking(f)
}

cfg_rt_multi_thread! {
    /// Runs the blocking function `f` on the current worker thread, first handing the worker's queued
    /// tasks to a new worker so that they keep running meanwhile.
    ///
    /// # Panics
    ///
    /// Panics on a current-thread runtime or outside a runtime: there is no worker to hand over there.
    /// Also panics inside a [`LocalSet`] (its `run_until`, its tasks, or its drop), whose tasks all
    /// wait on the one thread. Use [`spawn_blocking`] instead.
    #[track_caller]
    pub fn block_in_place<F, R>(f: F) -> R
    where
        F: FnOnce() -> R,
    {
        local::assert_block_in_place_allowed();
        zokio_sched::block_in_place(f)
    }
}

/// Yields to the scheduler: the task goes to the back of the run queue so that other tasks run first.
///
/// ```
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// for _ in 0..3 {
///     zokio::task::yield_now().await;
/// }
/// # });
/// ```
pub async fn yield_now() {
    zokio_sched::yield_now().await
}
