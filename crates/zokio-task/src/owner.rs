//! Tasks that find their scheduler in their header: a schedule function that captures nothing.
//!
//! async-task keeps a task alive across every call of a schedule function that captures anything
//! (the function lives in the task's allocation, which another thread could otherwise free while
//! the function still runs): a clone and a drop of a task reference, two atomic read-modify-writes
//! of the task's state word, on every wake-up and every reschedule after a poll. In a loop of
//! tasks that yield, that was about 8% of the CPU time.
//!
//! A task of [`spawn_owned`] keeps its scheduler in its header (it is the task's owner, which
//! the task keeps alive as a task of [`spawn`](crate::spawn) keeps its schedule closure), and its
//! schedule function captures nothing, so async-task skips the clone and the drop. The scheduler
//! then decides, in [`OwnedScheduler::schedule`], whether it needs the task kept alive: a worker
//! thread that holds its own reference to the scheduler does not.

use std::future::Future;
use std::ptr::NonNull;
use std::sync::Arc;

use async_task::WithInfo;

use crate::spawn::{SpanId, create, trace_woken};
use crate::{Header, JoinHandle, Runnable, ScheduleInfo, SpawnMeta, TaskList};

/// A scheduler that its tasks keep a reference to in their header, for [`spawn_owned`].
///
/// # Safety
///
/// [`schedule`](OwnedScheduler::schedule) is given `owner`, a pointer to the scheduler that the
/// task holds. It is valid only while some reference to the task is alive, such as `runnable`:
/// once `runnable` has been handed to where another thread can run or drop it (a queue), that
/// thread may complete and free the task, and with it possibly the last reference to the
/// scheduler. An implementation must therefore not dereference `owner`, nor use a reference
/// derived from it, after it has handed `runnable` over, unless it first keeps the task alive
/// itself (a `runnable.waker()` held until it is done), or reaches the scheduler through a
/// reference of its own instead (a worker thread's handle to its runtime).
pub unsafe trait OwnedScheduler: Send + Sync + Sized + 'static {
    /// The list this scheduler's tasks register in.
    fn task_list(&self) -> &TaskList;

    /// Takes a task of this scheduler that became runnable, as the schedule function of
    /// [`spawn`](crate::spawn) does (see there for when it is called and what it may do), with
    /// the scheduler as a pointer: see the trait's safety section.
    fn schedule(owner: NonNull<Self>, runnable: Runnable, info: ScheduleInfo);
}

/// What a task's header keeps: its list, and whatever owns that list.
pub(crate) trait ListOwner: Send + Sync + 'static {
    fn list(&self) -> &TaskList;
}

impl ListOwner for TaskList {
    #[inline]
    fn list(&self) -> &TaskList {
        self
    }
}

impl<O: OwnedScheduler> ListOwner for O {
    #[inline]
    fn list(&self) -> &TaskList {
        self.task_list()
    }
}

/// Creates a task for `future`, owned and scheduled by `owner` and registered in its
/// [`task_list`](OwnedScheduler::task_list).
///
/// Like [`spawn_with_meta`](crate::spawn_with_meta), with the schedule function replaced by
/// [`OwnedScheduler::schedule`], which is cheaper per wake-up (see the trait).
///
/// ```
/// use std::ptr::NonNull;
/// use std::sync::{Arc, Mutex};
/// use zokio_task::{OwnedScheduler, Runnable, ScheduleInfo, SpawnMeta, TaskKind, TaskList};
///
/// struct Queue {
///     list: TaskList,
///     runnables: Mutex<Vec<Runnable>>,
/// }
///
/// // SAFETY: `schedule` keeps the task (and so `owner`) alive while it uses `owner`.
/// unsafe impl OwnedScheduler for Queue {
///     fn task_list(&self) -> &TaskList {
///         &self.list
///     }
///
///     fn schedule(owner: NonNull<Self>, runnable: Runnable, _info: ScheduleInfo) {
///         // Unlocking the queue touches `owner` after `runnable` is in it: keep the task alive.
///         let _alive = runnable.waker();
///         // SAFETY: `_alive` keeps the task, which keeps `owner`, alive.
///         let queue = unsafe { owner.as_ref() };
///         queue.runnables.lock().unwrap().push(runnable);
///     }
/// }
///
/// let queue = Arc::new(Queue { list: TaskList::new(1), runnables: Mutex::default() });
/// let meta = SpawnMeta::new(TaskKind::Task);
/// let (runnable, handle) = zokio_task::spawn_owned(async { 6 * 7 }, &queue, meta);
/// runnable.schedule();
/// let queued = queue.runnables.lock().unwrap().pop().unwrap();
/// queued.run();
/// assert_eq!(futures_lite::future::block_on(handle).unwrap(), 42);
/// ```
pub fn spawn_owned<F, O>(
    future: F,
    owner: &Arc<O>,
    meta: SpawnMeta<'_>,
) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    O: OwnedScheduler,
{
    // SAFETY: `F` and `F::Output` are `Send` (bounds above), `create`'s conditions.
    unsafe { create(future, owner.clone(), meta, owned_schedule::<O>) }
}

/// The async-task schedule function of a task of [`spawn_owned`]: it captures the task's span id
/// (with the `tracing` feature) and nothing else.
fn owned_schedule<O: OwnedScheduler>(
    span: SpanId,
) -> WithInfo<impl Fn(async_task::Runnable<Header>, async_task::ScheduleInfo) + Send + Sync + 'static>
{
    WithInfo(move |runnable, info| {
        trace_woken(span);
        schedule_owned::<O>(runnable, info);
    })
}

/// The schedule function of [`spawn_owned`]'s tasks: finds the owner in the header and hands it
/// the task.
#[inline]
fn schedule_owned<O: OwnedScheduler>(
    runnable: async_task::Runnable<Header>,
    info: async_task::ScheduleInfo,
) {
    // The header's owner is the `Arc<O>` that `spawn_owned` put there (only its tasks have this
    // schedule function), so its data pointer points to an `O`.
    let owner = runnable.metadata().owner_ptr().cast::<O>();
    O::schedule(owner, Runnable::new(runnable), ScheduleInfo::from(info));
}

#[cfg(all(test, not(feature = "tracing")))]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    use super::*;
    use crate::TaskKind;

    struct Counting {
        list: TaskList,
        queue: Mutex<Vec<Runnable>>,
        scheduled: AtomicUsize,
    }

    // SAFETY: `schedule` uses `owner` only while it holds `runnable`.
    unsafe impl OwnedScheduler for Counting {
        fn task_list(&self) -> &TaskList {
            &self.list
        }

        fn schedule(owner: NonNull<Self>, runnable: Runnable, _info: ScheduleInfo) {
            let _alive = runnable.waker();
            // SAFETY: `_alive` keeps the task, and so `owner`, alive.
            let this = unsafe { owner.as_ref() };
            this.scheduled.fetch_add(1, SeqCst);
            this.queue.lock().unwrap().push(runnable);
        }
    }

    #[test]
    fn the_schedule_function_captures_nothing() {
        // async-task skips keeping the task alive around a zero-sized schedule function only.
        assert_eq!(std::mem::size_of_val(&owned_schedule::<Counting>(())), 0);
    }

    #[test]
    fn owned_tasks_register_in_the_owners_list_and_keep_the_owner_alive() {
        let owner = Arc::new(Counting {
            list: TaskList::new(1),
            queue: Mutex::default(),
            scheduled: AtomicUsize::new(0),
        });
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let rx = Mutex::new(rx);
        let (runnable, handle) = spawn_owned(
            futures_lite::future::poll_fn(move |cx| {
                // Ready once a message came; wakes itself (a yield) until then.
                if rx.lock().unwrap().try_recv().is_ok() {
                    return std::task::Poll::Ready(7);
                }
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }),
            &owner,
            SpawnMeta::new(TaskKind::Task),
        );
        assert_eq!(Arc::strong_count(&owner), 2, "the task holds the owner");
        runnable.schedule();
        let queued = owner.queue.lock().unwrap().pop().unwrap();
        assert!(queued.run(), "woke itself while running");
        assert_eq!(owner.list.len(), 1, "a waiting task is registered");
        assert_eq!(owner.scheduled.load(SeqCst), 2);
        tx.send(()).unwrap();
        owner.queue.lock().unwrap().pop().unwrap().run();
        assert_eq!(futures_lite::future::block_on(handle).unwrap(), 7);
        assert_eq!(owner.list.len(), 0, "a finished task leaves the list");
        assert_eq!(
            Arc::strong_count(&owner),
            1,
            "the freed task let the owner go"
        );
    }
}
