//! `LocalSet` and `spawn_local`: `!Send` futures, run on the thread that drives the set.
//!
//! # Design
//!
//! A set has two halves. The *thread half* ([`SetContext`], behind an `Rc`, so never off its thread)
//! holds the run queue of tasks woken on the set's own thread and the count of live tasks. The
//! *shared half* ([`Shared`], behind an `Arc`) is what a task's wakers reach from any thread: the
//! *remote* queue (a mutex), the waker of whoever drives the set, and the [`TaskList`] of its tasks.
//!
//! Tasks are created with [`zokio_task::spawn_local`], which binds each one to the set's thread: its
//! future is polled and dropped there only. A wake on the set's thread while the set is *current*
//! (being polled, dropped or entered with [`LocalSet::enter`]) pushes the task onto the thread
//! half's queue with no atomic operation; any other wake (another thread, or this thread outside
//! the set, such as the I/O driver between two polls) pushes it onto the remote queue and wakes the
//! set's driver. A poll of the set runs up to [`MAX_TASKS_PER_TICK`] tasks, each under a fresh
//! cooperative budget, taking from the remote queue first every [`REMOTE_FIRST_INTERVAL`] tasks;
//! with more left it wakes itself and returns `Pending`, so that the runtime's other tasks, its
//! I/O and its timers get their turn.
//!
//! A task that woke itself with its budget spent, or through `yield_now`, waits for the set's next
//! poll rather than running again in the same one, and the set then asks its own driver for a
//! deferred wake-up (as the schedulers do with such a task): a local task that yields in a loop
//! cannot keep the runtime from polling its driver.
//!
//! # Dropping the set
//!
//! Dropping a `LocalSet` closes its task list and aborts every task, then runs every task it finds
//! queued (an aborted task's run drops its future without polling it) until no task is left alive.
//! A task whose wake-up is still on its way from another thread (past async-task's state change,
//! not yet in the remote queue) is waited for: its future must be dropped on this thread, and no
//! other thread could drop it. Then the remote queue is closed; a later wake finds no live future.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use zokio_coop::Budget;
use zokio_task::{JoinHandle, Runnable, ScheduleInfo, TaskList};

use crate::runtime::Runtime;

/// How many tasks one poll of a set runs at most before it yields to the runtime (Tokio's value).
const MAX_TASKS_PER_TICK: usize = 61;
/// Every this many tasks, the remote queue is served before the local one (Tokio's value).
const REMOTE_FIRST_INTERVAL: u8 = 31;

/// This thread's local-task state: one thread-local for the two things `LocalSet` tracks.
struct ThreadSets {
    /// The set that is current on this thread: the one `spawn_local` spawns onto.
    current: RefCell<Option<Rc<SetContext>>>,
    /// How many polls or drops of a set are on this thread's stack: `block_in_place` panics inside
    /// them, as it would block every task of the set.
    driving: Cell<usize>,
}

thread_local! {
    static SETS: ThreadSets = const {
        ThreadSets {
            current: RefCell::new(None),
            driving: Cell::new(0),
        }
    };
}

/// A set of tasks that all run on the same thread, which is how `!Send` futures are spawned.
///
/// Spawn tasks onto the set with [`LocalSet::spawn_local`], or with [`spawn_local`] from code that
/// runs inside it. The tasks run only while the set is driven, on the thread that drives it:
///
/// - [`LocalSet::run_until`] runs a future and the set's tasks beside it until that future
///   completes;
/// - [`LocalSet::block_on`] does the same on a runtime, blocking the thread;
/// - awaiting the `LocalSet` itself runs its tasks until every one of them has finished.
///
/// Both runtime flavours work: on a multi-thread runtime the local tasks run on the thread inside
/// `block_on` while the `Send` tasks run on the workers. A local task may still be woken from any
/// thread (its waker is `Send`), and its [`JoinHandle`] is `Send` when its output is, so it may be
/// awaited from another task. Task ids ([`zokio::task::id`](crate::task::id)), the cooperative
/// budget and panic capture work as for any task.
///
/// Dropping the set drops every task still in it (on the set's thread), and their handles report a
/// cancelled [`JoinError`](crate::task::JoinError).
///
/// ```
/// use std::rc::Rc;
/// use zokio::task::{self, LocalSet};
///
/// let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// let local = LocalSet::new();
/// let shared = Rc::new(String::from("not Send"));
/// let answer = local.block_on(&rt, async move {
///     let in_task = Rc::clone(&shared);
///     // `Rc` is not `Send`: `zokio::spawn` would refuse this future.
///     let task = task::spawn_local(async move { in_task.len() });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 8);
/// ```
///
/// Awaiting the set runs its tasks to the end:
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let local = zokio::task::LocalSet::new();
/// let count = Rc::new(Cell::new(0));
/// for _ in 0..3 {
///     let count = Rc::clone(&count);
///     local.spawn_local(async move { count.set(count.get() + 1) });
/// }
/// local.await;
/// assert_eq!(count.get(), 3);
/// # });
/// ```
pub struct LocalSet {
    /// Counts the tasks this set has taken from its queues, for [`REMOTE_FIRST_INTERVAL`].
    tick: Cell<u8>,
    /// The thread half; the `Rc` keeps the set on its thread (`!Send`, `!Sync`).
    context: Rc<SetContext>,
}

/// The half of a set that only its thread touches.
struct SetContext {
    shared: Arc<Shared>,
    /// Tasks woken on this thread while the set was current.
    ready: RefCell<VecDeque<Runnable>>,
    /// Tasks that woke themselves to yield (budget spent, or `yield_now`): they wait for the next
    /// poll of the set.
    deferred: RefCell<Vec<Runnable>>,
    /// How many tasks' futures are alive. The set's future completes when it is zero.
    live: Rc<Cell<usize>>,
    /// How many polls (or the drop) of this set are on the stack: while there is one, a task pushed
    /// onto `ready` is sure to be run without waking the set's driver.
    polling: Cell<usize>,
    /// Set once the `LocalSet` has been dropped; the context may outlive it in an enter guard.
    closed: Cell<bool>,
}

/// The half of a set that wakers reach from any thread.
struct Shared {
    /// Every live task of the set, so that dropping the set can abort them all.
    tasks: Arc<TaskList>,
    /// Tasks woken from other threads, or from this one while the set was not current. `None` once
    /// the set has been dropped.
    remote: Mutex<Option<VecDeque<Runnable>>>,
    /// The waker of the task that drives the set (`run_until`, `block_on`, or awaiting the set).
    waker: Mutex<Option<Waker>>,
}

/// Takes a lock whose data stays consistent even if a holder panicked: nothing user-written runs
/// under these locks.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    /// The schedule function of every task of the set. Runs on whichever thread wakes the task.
    fn schedule(self: &Arc<Shared>, runnable: Runnable, info: ScheduleInfo) {
        // The current set is cloned out of the thread-local, so that no borrow of it is held while
        // `push` wakes a waker (which may run arbitrary code).
        let current = SETS
            .try_with(|sets| sets.current.borrow().clone())
            .ok()
            .flatten();
        match current {
            Some(context) if Arc::ptr_eq(&context.shared, self) => {
                let defer = info.woken_while_running && zokio_coop::wants_defer();
                context.push(runnable, defer);
            }
            _ => self.push_remote(runnable),
        }
    }

    fn push_remote(&self, runnable: Runnable) {
        let rejected = match lock(&self.remote).as_mut() {
            Some(queue) => {
                queue.push_back(runnable);
                None
            }
            None => Some(runnable),
        };
        match rejected {
            None => self.wake(),
            // The set has been dropped, and every one of its futures with it (see the module docs):
            // this runnable belongs to a task that is over, and dropping it touches no future.
            Some(runnable) => drop(runnable),
        }
    }

    /// Wakes whoever drives the set. The waker is taken out under the lock and woken after it.
    fn wake(&self) {
        let waker = lock(&self.waker).take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Records the waker of the task that drives the set now.
    fn register(&self, waker: &Waker) {
        let replaced = {
            let mut slot = lock(&self.waker);
            if slot
                .as_ref()
                .is_some_and(|current| current.will_wake(waker))
            {
                None
            } else {
                slot.replace(waker.clone())
            }
        };
        // Dropped outside the lock: a waker's destructor may run arbitrary code.
        drop(replaced);
    }

    fn pop_remote(&self) -> Option<Runnable> {
        lock(&self.remote).as_mut().and_then(VecDeque::pop_front)
    }
}

impl SetContext {
    fn new() -> SetContext {
        SetContext {
            shared: Arc::new(Shared {
                tasks: Arc::new(TaskList::new(1)),
                remote: Mutex::new(Some(VecDeque::new())),
                waker: Mutex::new(None),
            }),
            ready: RefCell::new(VecDeque::with_capacity(64)),
            deferred: RefCell::new(Vec::new()),
            live: Rc::new(Cell::new(0)),
            polling: Cell::new(0),
            closed: Cell::new(false),
        }
    }

    /// Queues a task woken (or spawned) on the set's thread.
    fn push(&self, runnable: Runnable, defer: bool) {
        if self.closed.get() {
            // The set is gone: see `Shared::push_remote`.
            drop(runnable);
            return;
        }
        if defer {
            self.deferred.borrow_mut().push(runnable);
        } else {
            self.ready.borrow_mut().push_back(runnable);
        }
        if self.polling.get() == 0 {
            // Nobody is running the set's tasks right now (spawned from outside, or through an
            // enter guard): wake whoever drives it.
            self.shared.wake();
        }
    }

    /// Spawns `future` onto this set.
    #[track_caller]
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let live = LiveGuard::new(&self.live);
        let future = async move {
            let _live = live;
            future.await
        };
        let shared = Arc::clone(&self.shared);
        let (runnable, handle) = zokio_task::spawn_local(
            future,
            move |runnable, info| shared.schedule(runnable, info),
            &self.shared.tasks,
        );
        if self.closed.get() {
            // Spawned through an enter guard that outlived its set: the closed task list has
            // cancelled the task already, and running it drops the future without polling it.
            runnable.run();
        } else {
            self.push(runnable, false);
        }
        handle
    }

    /// Makes this set the current one and counts a poll of it until the guard drops.
    fn enter_driving(self: &Rc<SetContext>) -> Driving<'_> {
        let previous = SETS
            .try_with(|sets| sets.current.replace(Some(Rc::clone(self))))
            .map_err(drop);
        self.polling.set(self.polling.get() + 1);
        let _ = SETS.try_with(|sets| sets.driving.set(sets.driving.get() + 1));
        Driving {
            context: self,
            previous,
        }
    }
}

/// Counts a live task of a set; lives inside the task's future, so it drops with it.
struct LiveGuard(Rc<Cell<usize>>);

impl LiveGuard {
    fn new(live: &Rc<Cell<usize>>) -> LiveGuard {
        live.set(live.get() + 1);
        LiveGuard(Rc::clone(live))
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

/// A poll (or the drop) of a set in progress: restores the previous current set on drop, also when
/// the poll panics.
struct Driving<'a> {
    context: &'a SetContext,
    /// `Err` when the thread-local was already destroyed (a set dropped at thread exit).
    previous: Result<Option<Rc<SetContext>>, ()>,
}

impl Drop for Driving<'_> {
    fn drop(&mut self) {
        self.context.polling.set(self.context.polling.get() - 1);
        let _ = SETS.try_with(|sets| sets.driving.set(sets.driving.get() - 1));
        if let Ok(previous) = std::mem::replace(&mut self.previous, Err(())) {
            let ours = SETS.try_with(|sets| sets.current.replace(previous));
            // Dropped after the borrow ends.
            drop(ours);
        }
    }
}

/// What one poll of a set left behind.
enum Tick {
    /// The run queue is empty.
    Idle,
    /// Only tasks that yielded are left; they run at the next poll.
    Deferred,
    /// The poll stopped at [`MAX_TASKS_PER_TICK`] with tasks still queued.
    Busy,
}

impl LocalSet {
    /// A new, empty set. It runs nothing until it is driven (see the type's docs).
    pub fn new() -> LocalSet {
        LocalSet {
            tick: Cell::new(0),
            context: Rc::new(SetContext::new()),
        }
    }

    /// Makes this set the current one for [`spawn_local`] until the guard is dropped, so that code
    /// outside the set (before [`LocalSet::run_until`], say) can spawn onto it. The tasks still run
    /// only once the set is driven.
    ///
    /// ```
    /// let local = zokio::task::LocalSet::new();
    /// let _guard = local.enter();
    /// let task = zokio::task::spawn_local(async { 1 });
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(local.block_on(&rt, task).unwrap(), 1);
    /// ```
    pub fn enter(&self) -> LocalEnterGuard {
        let previous = SETS
            .try_with(|sets| sets.current.replace(Some(Rc::clone(&self.context))))
            .expect("cannot enter a LocalSet while the thread is being destroyed");
        LocalEnterGuard { previous }
    }

    /// Spawns `future` onto this set and returns a handle to its output. It runs once the set is
    /// driven, on the set's thread; if the set is being driven elsewhere on the stack, its driver is
    /// woken.
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let local = zokio::task::LocalSet::new();
    /// let name = Rc::new("local");
    /// let task = local.spawn_local(async move { name.len() });
    /// assert_eq!(local.run_until(task).await.unwrap(), 5);
    /// # });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.context.spawn(future)
    }

    /// Runs `future` on `rt`, blocking this thread, and runs this set's tasks beside it until
    /// `future` completes: [`Runtime::block_on`] of [`LocalSet::run_until`].
    ///
    /// # Panics
    ///
    /// Panics when called from inside a runtime (a task, or another `block_on`), as
    /// [`Runtime::block_on`] does.
    ///
    /// ```
    /// let rt = zokio::runtime::Runtime::new().unwrap();
    /// let local = zokio::task::LocalSet::new();
    /// let out = local.block_on(&rt, async {
    ///     zokio::task::spawn_local(async { std::rc::Rc::new(3) }).await.unwrap()
    /// });
    /// assert_eq!(*out, 3);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// Runs `future`, and this set's tasks beside it, until `future` completes. Tasks still
    /// running then stay in the set, and run again the next time it is driven.
    ///
    /// The future shares the cooperative budget of the task that awaits `run_until`; each local
    /// task gets its own, as a spawned task does.
    ///
    /// ```
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let local = zokio::task::LocalSet::new();
    /// let v = local
    ///     .run_until(async {
    ///         let task = zokio::task::spawn_local(async { vec![1, 2] });
    ///         task.await.unwrap()
    ///     })
    ///     .await;
    /// assert_eq!(v, [1, 2]);
    /// # });
    /// ```
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        poll_fn(|cx| {
            let _driving = self.context.enter_driving();
            self.context.shared.register(cx.waker());
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(output);
            }
            self.tick(cx);
            Poll::Pending
        })
        .await
    }

    /// Runs queued tasks, and arranges to be polled again when some are left. The caller has
    /// entered the set and registered `cx`'s waker.
    fn tick(&self, cx: &mut Context<'_>) -> Tick {
        let context = &*self.context;
        // The tasks that yielded during the previous poll get their turn now.
        {
            let mut deferred = context.deferred.borrow_mut();
            if !deferred.is_empty() {
                context.ready.borrow_mut().extend(deferred.drain(..));
            }
        }
        for _ in 0..MAX_TASKS_PER_TICK {
            let Some(runnable) = self.next_task() else {
                if context.deferred.borrow().is_empty() {
                    return Tick::Idle;
                }
                // Wake the driver, but only after the runtime has polled its driver: a task that
                // yields, maybe to let I/O in, must not be run again at once.
                zokio_coop::defer_wake();
                cx.waker().wake_by_ref();
                return Tick::Deferred;
            };
            zokio_coop::with_budget(Budget::initial(), || runnable.run());
        }
        // More work is queued: give the runtime's other tasks a turn first.
        cx.waker().wake_by_ref();
        Tick::Busy
    }

    /// The next task to run: from the local queue, and from the remote queue every
    /// [`REMOTE_FIRST_INTERVAL`] tasks or when the local queue is empty.
    fn next_task(&self) -> Option<Runnable> {
        let tick = self.tick.get();
        self.tick.set(tick.wrapping_add(1));
        if tick % REMOTE_FIRST_INTERVAL == 0 {
            if let Some(runnable) = self.context.shared.pop_remote() {
                return Some(runnable);
            }
        }
        let mut ready = self.context.ready.borrow_mut();
        if let Some(runnable) = ready.pop_front() {
            return Some(runnable);
        }
        // The local queue is empty: take the whole remote queue in one lock. Swapping the two keeps
        // both allocations.
        if let Some(remote) = lock(&self.context.shared.remote).as_mut() {
            std::mem::swap(&mut *ready, remote);
        }
        ready.pop_front()
    }

    /// Takes any queued task, for the drop.
    fn pop_any(&self) -> Option<Runnable> {
        let context = &*self.context;
        let local = context
            .ready
            .borrow_mut()
            .pop_front()
            .or_else(|| context.deferred.borrow_mut().pop());
        local.or_else(|| context.shared.pop_remote())
    }
}

impl Future for LocalSet {
    type Output = ();

    /// Runs the set's tasks; completes once every task of the set has finished.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &*self;
        let _driving = this.context.enter_driving();
        this.context.shared.register(cx.waker());
        match this.tick(cx) {
            Tick::Idle if this.context.live.get() == 0 => Poll::Ready(()),
            _ => Poll::Pending,
        }
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        let _driving = self.context.enter_driving();
        // Aborting wakes every task, which queues it (locally: the set is current).
        self.context.shared.tasks.close_and_abort_all();
        loop {
            // Running an aborted task drops its future without polling it. A destructor may wake or
            // spawn other tasks of the set: they are queued, and the closed list aborts new ones.
            while let Some(runnable) = self.pop_any() {
                runnable.run();
            }
            if self.context.live.get() == 0 {
                break;
            }
            // A task is alive but in no queue: another thread is pushing its wake-up onto the remote
            // queue right now (see the module docs). Let it finish.
            std::thread::yield_now();
        }
        self.context.closed.set(true);
        let remote = lock(&self.context.shared.remote).take();
        let waker = lock(&self.context.shared.waker).take();
        // Both dropped outside the locks; the queue is empty, since no task is left alive.
        drop(remote);
        drop(waker);
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet")
            .field("live_tasks", &self.context.live.get())
            .finish_non_exhaustive()
    }
}

/// Makes a [`LocalSet`] current until dropped. Returned by [`LocalSet::enter`].
///
/// Guards should be dropped in the reverse order of their creation: each restores the set that was
/// current when it was created.
#[must_use = "the set is left as soon as the guard is dropped"]
pub struct LocalEnterGuard {
    previous: Option<Rc<SetContext>>,
}

impl Drop for LocalEnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let ours = SETS.try_with(|sets| sets.current.replace(previous));
        // Dropped after the borrow ends: it may be the set's last reference.
        drop(ours);
    }
}

impl fmt::Debug for LocalEnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalEnterGuard").finish_non_exhaustive()
    }
}

/// Spawns a `!Send` future onto the current [`LocalSet`] and returns a handle to its output.
///
/// The task runs on the set's thread, whenever the set is driven. Inside a local task, inside
/// [`LocalSet::run_until`] or [`LocalSet::block_on`], and under [`LocalSet::enter`], the current set
/// is that one.
///
/// # Panics
///
/// Panics outside a `LocalSet`: there is no thread to run the task on. Spawn `Send` futures with
/// [`spawn`](crate::spawn), or drive the code that calls `spawn_local` with
/// [`LocalSet::run_until`] or [`LocalSet::block_on`].
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// let rt = zokio::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
/// let log = Rc::new(RefCell::new(Vec::new()));
/// zokio::task::LocalSet::new().block_on(&rt, async {
///     let log2 = Rc::clone(&log);
///     zokio::task::spawn_local(async move { log2.borrow_mut().push("task") })
///         .await
///         .unwrap();
///     log.borrow_mut().push("after");
/// });
/// assert_eq!(*log.borrow(), ["task", "after"]);
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let current = SETS
        .try_with(|sets| sets.current.borrow().clone())
        .ok()
        .flatten();
    match current {
        Some(context) => context.spawn(future),
        // The message starts as Tokio's does, for programs that match on it (zokio has no
        // `LocalRuntime`, only `LocalSet`).
        None => panic!(
            "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`. \
             A `!Send` task needs a `LocalSet` to run on: call `spawn_local` inside \
             `LocalSet::run_until`, `LocalSet::block_on` or a local task, or after \
             `LocalSet::enter()`; spawn `Send` futures with `zokio::spawn`"
        ),
    }
}

/// Panics when `block_in_place` is called while this thread drives a `LocalSet`.
#[cfg(feature = "rt-multi-thread")]
#[track_caller]
pub(crate) fn assert_block_in_place_allowed() {
    if SETS.try_with(|sets| sets.driving.get()).unwrap_or(0) > 0 {
        panic!(
            "can call blocking only when running on the multi-threaded runtime, and not inside a \
             `LocalSet`: `block_in_place` would stall every task of the set. Use `spawn_blocking` \
             instead"
        );
    }
}
