//! Creating tasks.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use async_task::{Builder, WithInfo};

use crate::harness::task_factory;
use crate::owner::ListOwner;
use crate::{Header, JoinHandle, Runnable, ScheduleInfo, SpawnMeta, TaskKind, TaskList};

/// Creates a task for `future` that is scheduled by `schedule` and registered in `list`.
///
/// This is the primitive schedulers build `spawn` on: it returns the task's first [`Runnable`] (which
/// the caller must schedule, run or drop) and its [`JoinHandle`]. `schedule` is called with the task's
/// `Runnable` every time the task is woken, from whichever thread woke it; its [`ScheduleInfo`] says
/// whether the task woke itself while running (a yield), which is how a scheduler tells a yield from a
/// message-passing wake.
///
/// `schedule` may run on any thread and at awkward moments: inside a waker, inside
/// [`AbortHandle::abort`](crate::AbortHandle::abort), inside [`TaskList::close_and_abort_all`], or inside `Runnable::run` after
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
/// With the `tracing` feature this function is `#[track_caller]`, and the task's `runtime.spawn` span
/// has kind `"task"` and the caller's location; [`spawn_with_meta`] takes both from its caller.
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
#[cfg_attr(feature = "tracing", track_caller)]
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
    spawn_with_meta(future, schedule, list, SpawnMeta::new(TaskKind::Task))
}

/// [`spawn`], with what the task's `tracing` span says about it (its kind, name and spawn location)
/// given by the caller. A scheduler's own `spawn` builds the [`SpawnMeta`] in its `#[track_caller]`
/// entry point, so that the span names the user's line. Without the `tracing` feature `meta` is
/// zero-sized and ignored, and this is exactly [`spawn`].
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use zokio_task::{Runnable, SpawnMeta, TaskKind, TaskList};
///
/// let list = Arc::new(TaskList::new(1));
/// let meta = SpawnMeta::new(TaskKind::Task).with_name("answer");
/// let (runnable, handle) = zokio_task::spawn_with_meta(async { 42 }, |_, _| {}, &list, meta);
/// runnable.run();
/// assert_eq!(futures_lite::future::block_on(handle).unwrap(), 42);
/// ```
pub fn spawn_with_meta<F, S>(
    future: F,
    schedule: S,
    list: &Arc<TaskList>,
    meta: SpawnMeta<'_>,
) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Fn(Runnable, ScheduleInfo) + Send + Sync + 'static,
{
    // SAFETY: `F: Send` and `F::Output: Send` (bounds above), so the future and its output may be
    // used and dropped on any thread, which is the first condition of `spawn_raw`; `F: 'static`,
    // `F::Output: 'static` and `S: Send + Sync + 'static` are the others.
    unsafe { spawn_raw(future, schedule, list, meta) }
}

/// Creates a task for a future that need not be `Send`: the primitive behind `LocalSet`.
///
/// Like [`spawn`], except that the task is bound to the thread that calls `spawn_local`: its future
/// is only ever polled and dropped there. The returned [`Runnable`] (and those `schedule` later
/// receives) must be run and dropped on that thread. Its wakers, its [`AbortHandle`](crate::AbortHandle) and its
/// [`JoinHandle`] (when `F::Output: Send`) may still go to any thread, so `schedule` is called from
/// whichever thread wakes the task and must be `Send + Sync`, as for [`spawn`]: a scheduler of local
/// tasks queues remote wakes and runs them on its own thread.
///
/// # Panics
///
/// A `Runnable` run on another thread does not poll the future: the task completes at once with a
/// panic [`JoinError`](crate::JoinError) ("local task polled by a thread that didn't spawn it"), and
/// the future is leaked, not dropped, since dropping it there would be unsound. A `Runnable` dropped
/// on another thread leaks the future the same way. Neither unwinds into the caller.
///
/// With the `tracing` feature this function is `#[track_caller]`, and the task's span has kind
/// `"local"`; see [`spawn_local_with_meta`].
///
/// ```
/// use std::rc::Rc;
/// use std::sync::{Arc, Mutex};
/// use zokio_task::{Runnable, TaskList};
///
/// let queue: Arc<Mutex<Vec<Runnable>>> = Arc::default();
/// let list = Arc::new(TaskList::new(1));
/// let shared = Rc::new(20); // `Rc` is not `Send`: `zokio_task::spawn` would refuse this future.
/// let q = queue.clone();
/// let (runnable, handle) =
///     zokio_task::spawn_local(async move { *shared + 1 }, move |r, _| q.lock().unwrap().push(r), &list);
/// runnable.run(); // On the spawning thread, as required.
/// assert_eq!(futures_lite::future::block_on(handle).unwrap(), 21);
/// ```
#[cfg_attr(feature = "tracing", track_caller)]
pub fn spawn_local<F, S>(
    future: F,
    schedule: S,
    list: &Arc<TaskList>,
) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + 'static,
    F::Output: 'static,
    S: Fn(Runnable, ScheduleInfo) + Send + Sync + 'static,
{
    spawn_local_with_meta(future, schedule, list, SpawnMeta::new(TaskKind::Local))
}

/// [`spawn_local`], with the task's [`SpawnMeta`] given by the caller, as for [`spawn_with_meta`].
pub fn spawn_local_with_meta<F, S>(
    future: F,
    schedule: S,
    list: &Arc<TaskList>,
    meta: SpawnMeta<'_>,
) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + 'static,
    F::Output: 'static,
    S: Fn(Runnable, ScheduleInfo) + Send + Sync + 'static,
{
    let future = ThreadBound::new(future);
    // SAFETY: `spawn_raw`'s first condition is that the future be used and dropped on one thread only,
    // or be `Send`. `ThreadBound` makes it so: it records the spawning thread and, on any other,
    // panics in `poll` and in `drop` before it touches `F` (the panic is caught by `TaskFuture`,
    // and an `F` that was not dropped is leaked, which is sound). So `F` is polled and dropped only
    // on the spawning thread whatever thread runs or drops the Runnable, exactly the guarantee
    // async-task's own `spawn_local` relies on.
    //
    // The output: `TaskOutput<F::Output>` is produced only by a poll of `F`, so on the spawning
    // thread; async-task then drops it either in `Runnable::run` on the same thread (the handle
    // was detached), or where the `JoinHandle` is, and the `JoinHandle` is `Send` only when
    // `F::Output` is. A `JoinHandle` of a `!Send` output therefore stays on the spawning thread.
    //
    // `F: 'static`, `F::Output: 'static` and `S: Send + Sync + 'static` are the other conditions.
    unsafe { spawn_raw(future, schedule, list, meta) }
}

/// Creates the task and registers it. The body of [`spawn`] and [`spawn_local`].
///
/// # Safety
///
/// - `F` is `Send`, or its value is polled and dropped only on the calling thread whatever thread
///   runs or drops the task's Runnables (as [`ThreadBound`] ensures);
/// - `F::Output` is `Send`, or it is only produced on the calling thread and never sent anywhere
///   else except through a `JoinHandle`, which is `Send` only when the output is.
///
/// `'static` everywhere and a `Send + Sync` schedule function are required by the bounds.
unsafe fn spawn_raw<F, S>(
    future: F,
    schedule: S,
    list: &Arc<TaskList>,
    meta: SpawnMeta<'_>,
) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + 'static,
    F::Output: 'static,
    S: Fn(Runnable, ScheduleInfo) + Send + Sync + 'static,
{
    // SAFETY: this function's contract is `create`'s.
    unsafe {
        create(future, list.clone(), meta, move |span| {
            // zokio's own `Runnable` and `ScheduleInfo` around async-task's (see `runnable.rs`).
            WithInfo(move |runnable, info: async_task::ScheduleInfo| {
                trace_woken(span);
                schedule(Runnable::new(runnable), ScheduleInfo::from(info));
            })
        })
    }
}

/// The span id a task's schedule function reports wake-ups to (feature `tracing`; nothing
/// without, so that a schedule function that captures only this captures nothing).
#[cfg(feature = "tracing")]
pub(crate) type SpanId = Option<u64>;
#[cfg(not(feature = "tracing"))]
pub(crate) type SpanId = ();

#[inline]
pub(crate) fn trace_woken(span: SpanId) {
    #[cfg(feature = "tracing")]
    crate::trace::task_woken(span);
    #[cfg(not(feature = "tracing"))]
    let () = span;
}

/// Creates a task owned by `owner` (whose list it registers in) and scheduled by the async-task
/// schedule function that `schedule` builds from the task's span id. The body of every spawn.
///
/// # Safety
///
/// As for [`spawn_raw`], about `F` and `F::Output`.
pub(crate) unsafe fn create<F, S>(
    future: F,
    owner: Arc<dyn ListOwner>,
    meta: SpawnMeta<'_>,
    schedule: impl FnOnce(SpanId) -> S,
) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + 'static,
    F::Output: 'static,
    S: async_task::Schedule<Header> + Send + Sync + 'static,
{
    let header = Header::new(owner);
    // Counted alive now; registered in the list only if its poll returns `Pending` (see `TaskList`).
    let open = header.list().task_spawned(&header);
    #[cfg(feature = "tracing")]
    let (factory, span_id) = {
        let span = crate::trace::task_span(meta, header.id(), std::mem::size_of::<F>());
        // Only the id goes to the schedule function: a `Span` there would live as long as the
        // allocation (until the `JoinHandle` is gone) and keep the span open after the future.
        let span_id = span.id().map(|id| id.into_u64());
        (task_factory(future, span), span_id)
    };
    #[cfg(not(feature = "tracing"))]
    let (factory, span_id) = {
        let _ = meta;
        (task_factory(future), ())
    };
    let schedule = schedule(span_id);
    // SAFETY: `spawn_unchecked` lifts async-task's `Send`/`'static` checks; its contract holds here:
    // - the task's future is `TaskFuture<'_, F>`: `&Header` is `Send` because `Header` is `Sync`,
    //   and `F` is `Send` or thread-bound (this function's contract); so whatever thread runs or
    //   drops the Runnable, nothing reaches `F` on a thread it may not be on;
    // - its only non-`'static` borrow is of the task's own metadata, which async-task drops after the
    //   future (the future is dropped on completion or cancellation, the metadata when the allocation
    //   is freed); the output type `TaskOutput<F::Output>` borrows nothing, and goes only where this
    //   function's contract allows;
    // - `schedule` is `Send + Sync + 'static` (bounds above), so the Runnable's wakers may be used and
    //   dropped on any thread, at any time.
    let (runnable, task) = unsafe {
        Builder::new()
            .metadata(header)
            .spawn_unchecked(factory, schedule)
    };
    let runnable = Runnable::new(runnable);
    if !open {
        // The runtime is shutting down: cancel before the first poll. Setting the flag is enough: the
        // task is already scheduled (its first Runnable is returned below), so a wake would do
        // nothing more, and whoever runs or drops that Runnable drops the future without a poll.
        runnable.header().set_aborted();
    }
    // SAFETY: this function holds the task's only references (its first Runnable and its Task), so
    // nothing else can read the slot yet; the waker wakes (and keeps allocated) this very task.
    unsafe { runnable.header().init_handle_waker(runnable.waker()) };
    (runnable, JoinHandle::new(task))
}

/// This thread's number (see [`zokio_coop::thread_number`]): never reused, and readable while the
/// thread's other thread-locals are dropped, so a `LocalSet` kept in a thread-local can still drop
/// its tasks.
fn thread_number() -> u64 {
    zokio_coop::thread_number().get()
}

/// A future that may only be polled and dropped on the thread that created it: the wrapper
/// [`spawn_local`] puts around a `!Send` future.
///
/// On another thread, `poll` and `drop` panic before they touch the inner future (`drop` only
/// returns when the thread is unwinding already); the inner future is then leaked (it is in a
/// `ManuallyDrop`), never dropped on the wrong thread.
struct ThreadBound<F> {
    thread: u64,
    /// Structurally pinned: only reached through `Pin` in `poll`, dropped in place in `drop`.
    inner: ManuallyDrop<F>,
}

impl<F> ThreadBound<F> {
    fn new(inner: F) -> ThreadBound<F> {
        ThreadBound {
            thread: thread_number(),
            inner: ManuallyDrop::new(inner),
        }
    }
}

impl<F: Future> Future for ThreadBound<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        assert!(
            self.thread == thread_number(),
            "local task polled by a thread that didn't spawn it"
        );
        // SAFETY: `inner` is structurally pinned: `ThreadBound` never moves it out or hands out a
        // `&mut F` other than this pinned one, and its `Drop` drops it in place.
        let inner = unsafe { self.map_unchecked_mut(|this| &mut *this.inner) };
        inner.poll(cx)
    }
}

impl<F> Drop for ThreadBound<F> {
    fn drop(&mut self) {
        if self.thread != thread_number() {
            // Leak the inner future. Panic to report it, unless this thread is unwinding already
            // (a second panic would abort the process).
            if std::thread::panicking() {
                return;
            }
            panic!("local task dropped by a thread that didn't spawn it");
        }
        // SAFETY: `inner` is dropped exactly once, here, in place (it is pinned), on the thread that
        // created it (checked just above); the wrapper is never used again.
        unsafe { ManuallyDrop::drop(&mut self.inner) }
    }
}
