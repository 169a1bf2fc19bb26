//! The scheduler trait: what the `zokio` facade needs from a scheduler, so that researchers can plug in
//! their own without forking the reactor or the facade.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use zokio_task::{Runnable, ScheduleInfo, TaskList};

/// A scheduler: it receives runnable tasks and decides which thread polls them when.
///
/// The built-in [`CurrentThread`](crate::current_thread::CurrentThread) and
/// [`MultiThread`](crate::multi_thread::MultiThread) schedulers implement it, and so does the minimal
/// [`GlobalFifo`](crate::global_fifo::GlobalFifo), which exists to show how small a scheduler can be.
///
/// Tasks are created by the facade with [`zokio_task::spawn`], registered in [`Scheduler::task_list`],
/// and handed to [`Scheduler::schedule`] on every wake.
pub trait Scheduler: Send + Sync + 'static {
    /// Takes a task that became runnable: newly spawned (`info.woken_while_running == false`), woken by
    /// another task or thread, or woken by itself while running (a yield). Called from any thread.
    ///
    /// It must never run the task inline nor drop it while holding a lock (a dropped task may wake
    /// others). After shutdown it may drop the task.
    fn schedule(&self, runnable: Runnable, info: ScheduleInfo);

    /// Runs `future` to completion on the calling thread, driving tasks in the meantime as the scheduler
    /// sees fit, and returns when it completes.
    fn block_on(&self, future: Pin<&mut dyn Future<Output = ()>>);

    /// The registry of this scheduler's live tasks; every spawn registers here. The same list every
    /// time: a runtime handle takes it once, when it is created.
    fn task_list(&self) -> &Arc<TaskList>;

    /// Stops the scheduler: cancels every task (dropping its future), stops its threads and waits up to
    /// `timeout` for them. Called once, by the runtime's drop or `shutdown_timeout`.
    ///
    /// The order matters. First [`TaskList::close_and_abort_all`], while [`Scheduler::schedule`]
    /// still queues runnables: every live task is then queued before any future is dropped. Then
    /// stop the threads and run or drop what the queues hold, outside every lock. A destructor that
    /// wakes another task then finds that task already queued, and its wake does nothing. A
    /// scheduler that refused runnables before aborting would drop the other task's future inside
    /// the destructor's `wake()`, where the destructor may hold a lock that the dropped future's own
    /// destructor takes: a deadlock of the thread on itself (tokio#3869).
    fn shutdown(&self, timeout: Duration);

    /// A snapshot of the scheduler's metrics. The default reports one worker and the live task count.
    fn metrics(&self) -> crate::metrics::RuntimeMetrics {
        crate::metrics::RuntimeMetrics::basic(1, self.task_list().len())
    }
}
