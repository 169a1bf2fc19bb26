//! Creating tasks.

use std::future::Future;
use std::sync::Arc;

use async_task::{Builder, ScheduleInfo, WithInfo};

use crate::harness::TaskFuture;
use crate::{AbortHandle, Header, JoinHandle, Runnable, TaskList};

/// Creates a task for `future` that is scheduled by `schedule` and registered in `list`.
///
/// This is the primitive schedulers build `spawn` on: it returns the task's first [`Runnable`] (which
/// the caller must schedule, run or drop) and its [`JoinHandle`]. `schedule` is called with the task's
/// `Runnable` every time the task is woken, from whichever thread woke it; its [`ScheduleInfo`] says
/// whether the task woke itself while running (a yield), which is how a scheduler tells a yield from a
/// message-passing wake.
///
/// `schedule` may run on any thread and at awkward moments: inside a waker, inside
/// [`AbortHandle::abort`], inside [`TaskList::close_and_abort_all`], or inside `Runnable::run` after
/// a poll (the yield case). It should only queue the `Runnable`. Once the scheduler has shut down it may
/// drop the `Runnable` instead (that drops the future), but never while holding one of its own locks:
/// the future's destructor can run arbitrary code, including wakes that re-enter the scheduler.
///
/// If `list` has been closed (the runtime is shutting down) the task is cancelled before it ever runs:
/// its future is never polled, and its handle returns a cancelled [`JoinError`](crate::JoinError)
/// whether the `Runnable` is run or dropped (or a panic error, if the `Runnable` is run and the future's
/// destructor panics).
///
/// Panics in the future (in `poll` or in its destructor) never unwind out of `Runnable::run` or out of
/// dropping the `Runnable`: they are caught and delivered through the handle.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use zokio_task::{Runnable, TaskList};
///
/// let queue: Arc<Mutex<Vec<Runnable>>> = Arc::default();
/// let list = Arc::new(TaskList::new(1));
/// let q = queue.clone();
/// let (runnable, handle) = zokio_task::spawn(async { 1 + 1 }, move |r, _info| q.lock().unwrap().push(r), &list);
/// runnable.run();
/// assert_eq!(futures_lite::future::block_on(handle).unwrap(), 2);
/// ```
pub fn spawn<F, S>(
    future: F,
    schedule: S,
    list: &Arc<TaskList>,
) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Fn(Runnable, ScheduleInfo) + Send + Sync + 'static,
{
    let list_for_task = Arc::clone(list);
    let factory = task_factory(future, list_for_task);
    // SAFETY: `spawn_unchecked` lifts async-task's `Send`/`'static` checks; its contract holds here:
    // - the task's future, `TaskFuture<'_, F>`, is `Send`: `F: Send`, `&Header` is `Send` because
    //   `Header` is `Sync`, and `Arc<TaskList>` is `Send`; so the Runnable may run and drop it on any
    //   thread;
    // - its only non-`'static` borrow is of the task's own metadata, which async-task drops after the
    //   future (the future is dropped on completion or cancellation, the metadata when the allocation
    //   is freed); the output type `TaskOutput<F::Output>` borrows nothing;
    // - `schedule` is `Send + Sync + 'static` (bounds above), so the Runnable's wakers may be used and
    //   dropped on any thread, at any time.
    let (runnable, task) = unsafe {
        Builder::new()
            .metadata(Header::new())
            .spawn_unchecked(factory, WithInfo(schedule))
    };
    let waker = runnable.waker();
    // SAFETY: `waker` was just created from `runnable`, so it wakes (and keeps allocated) the very task
    // whose metadata `runnable.metadata()` is.
    let abort = unsafe { AbortHandle::new(waker, runnable.metadata()) };
    if let Err(rejected) = list.insert(abort.clone()) {
        // The runtime is shutting down: cancel before the first poll. Setting the flag is enough: the
        // task is already scheduled (its first Runnable is returned below), so `abort()`'s wake would
        // do nothing more, and whoever runs or drops that Runnable drops the future without a poll.
        rejected.header().set_aborted();
    }
    (runnable, JoinHandle::new(task, abort))
}

/// Names the lifetime that ties the wrapper to the metadata, which a closure cannot spell.
fn task_factory<'a, F: Future>(
    future: F,
    list: Arc<TaskList>,
) -> impl FnOnce(&'a Header) -> TaskFuture<'a, F> {
    move |header| TaskFuture::new(header, future, list)
}
