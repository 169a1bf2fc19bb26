//! The scheduler side of the thread's runtime context: which scheduler `spawn` reaches from this
//! thread, and whether this thread is already driving a runtime (so that a nested `block_on` fails
//! loudly, not by deadlock).
//!
//! Both live in zokio-coop's one per-thread context, not here: the current scheduler is its
//! [`Scheduler`](zokio_coop::handle::Slot::Scheduler) handle slot (a [`Handle`] is one `Arc`, kept
//! type-erased and downcast on use), and the mark is [`zokio_coop::try_enter_runtime`]. A custom
//! scheduler enters both through [`enter`] and [`enter_runtime`], exactly as the built-in ones do.

use std::future::Future;
use std::ptr::NonNull;
use std::sync::Arc;

use zokio_coop::handle::Slot;
use zokio_task::{JoinHandle, OwnedScheduler, Runnable, ScheduleInfo, SpawnMeta, TaskKind};

use crate::Scheduler;
use crate::blocking::Spawner;
pub use crate::stop::StopSignal;

/// A cloneable reference to a running scheduler: what `zokio::spawn` uses.
///
/// One `Arc`, so that cloning it (every `Handle::current()`) is one reference-count update, and so
/// that the thread's runtime context can keep it as a type-erased handle.
#[derive(Clone)]
pub struct Handle {
    inner: Arc<HandleInner>,
}

#[derive(Clone)]
struct HandleInner {
    scheduler: Arc<dyn Scheduler>,
    /// The scheduler's task list, kept here so that a task reaches it in one call on every poll
    /// (through its header's owner) rather than two (owner, then `Scheduler::task_list`).
    tasks: Arc<zokio_task::TaskList>,
    blocking: Option<Spawner>,
    name: Option<Arc<str>>,
    stop: Option<Arc<StopSignal>>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

impl Handle {
    /// A handle to `scheduler`, without a blocking pool (`spawn_blocking` panics in its context).
    pub fn new(scheduler: Arc<dyn Scheduler>) -> Handle {
        Handle::from_inner(HandleInner {
            tasks: Arc::clone(scheduler.task_list()),
            scheduler,
            blocking: None,
            name: None,
            stop: None,
        })
    }

    fn from_inner(inner: HandleInner) -> Handle {
        Handle {
            inner: Arc::new(inner),
        }
    }

    /// This handle's fields, to build a changed copy from (the builder methods below run once, when
    /// a runtime starts).
    fn into_inner(self) -> HandleInner {
        Arc::unwrap_or_clone(self.inner)
    }

    /// A handle to `scheduler` whose context runs `spawn_blocking` on `blocking`.
    pub fn with_blocking(scheduler: Arc<dyn Scheduler>, blocking: Spawner) -> Handle {
        Handle::from_inner(HandleInner {
            tasks: Arc::clone(scheduler.task_list()),
            scheduler,
            blocking: Some(blocking),
            name: None,
            stop: None,
        })
    }

    /// This handle, carrying the runtime's name (see [`Handle::name`]).
    pub fn with_name(self, name: Option<Arc<str>>) -> Handle {
        Handle::from_inner(HandleInner {
            name,
            ..self.into_inner()
        })
    }

    /// This handle, carrying the runtime's stop signal (see [`Handle::stop_signal`]).
    pub fn with_stop_signal(self, stop: Option<Arc<StopSignal>>) -> Handle {
        Handle::from_inner(HandleInner {
            stop,
            ..self.into_inner()
        })
    }

    /// The signal that tells this runtime's `block_on` callers to give up (a runtime that shuts
    /// down on an unhandled panic triggers it), if the runtime has one.
    pub fn stop_signal(&self) -> Option<&Arc<StopSignal>> {
        self.inner.stop.as_ref()
    }

    /// The runtime's name, if it was given one.
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    /// A number that identifies this handle's scheduler among the schedulers alive now (its
    /// address): handles of one runtime share it, and no two live runtimes have the same.
    pub fn id(&self) -> std::num::NonZeroU64 {
        let address = self.inner.scheduler_ptr() as usize as u64;
        std::num::NonZeroU64::new(address).expect("an Arc's address is never null")
    }

    /// The blocking pool of this handle's runtime, if it has one.
    pub fn blocking(&self) -> Option<&Spawner> {
        self.inner.blocking.as_ref()
    }

    /// The scheduler behind this handle.
    pub fn scheduler(&self) -> &Arc<dyn Scheduler> {
        &self.inner.scheduler
    }

    /// Spawns `future` as a new task on this scheduler.
    ///
    /// With the `tracing` feature this is `#[track_caller]`: the task's span records the caller.
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (runnable, handle) = self
            .inner
            .create_task(future, SpawnMeta::new(TaskKind::Task));
        runnable.schedule();
        handle
    }
}

impl HandleInner {
    /// Creates the task without scheduling it.
    ///
    /// The task keeps this `Arc` (one word, not the two of the `Arc<dyn Scheduler>` inside it) in
    /// its header as its owner: its schedule function captures nothing (see
    /// [`zokio_task::OwnedScheduler`] for what that saves on every wake-up), and a small task
    /// stays within glibc's fast bins (allocations up to 120 bytes), which are never coalesced
    /// into a heap top that glibc would trim and fault back in.
    fn create_task<F>(
        self: &Arc<Self>,
        future: F,
        meta: SpawnMeta<'_>,
    ) -> (zokio_task::Runnable, JoinHandle<F::Output>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        zokio_task::spawn_owned(future, self, meta)
    }
}

// SAFETY: `schedule` dereferences `owner` only before it hands the task over, or with the task kept
// alive by a waker of its own; after the hand-over it uses the thread's own handle instead, which
// the thread's context keeps alive (see there).
unsafe impl OwnedScheduler for HandleInner {
    fn task_list(&self) -> &zokio_task::TaskList {
        &self.tasks
    }

    #[inline]
    fn schedule(owner: NonNull<Self>, runnable: Runnable, info: ScheduleInfo) {
        // SAFETY: `runnable` keeps the task, and so its owner, alive here.
        let scheduler = unsafe { owner.as_ref() }.scheduler_ptr();
        // On a thread inside this task's runtime (a worker, a `block_on` thread, the driver's
        // wake-ups on either), the context holds a handle to the same scheduler, and keeps it
        // for as long as this call lasts: an entered handle stays in the slot, or in the guard
        // of whatever entered after it, until the code that entered it returns, which is after
        // this call. The scheduler is then reached through that handle, and the task need not be
        // kept alive: the schedule function captures nothing, which spares async-task's two
        // reference count updates around it.
        let current =
            zokio_coop::handle::with_current_as::<HandleInner, _>(Slot::Scheduler, |current| {
                current
                    .filter(|current| current.scheduler_ptr() == scheduler)
                    .map(|current| Arc::as_ptr(&current.scheduler))
            });
        match current {
            // SAFETY: the context's handle keeps this scheduler alive (above).
            Some(current) => unsafe { &*current }.schedule(runnable, info),
            None => {
                // Elsewhere nothing else keeps the scheduler alive once the task is queued and
                // may complete on another thread: keep the task, and so its owner, alive.
                let _alive = runnable.waker();
                // SAFETY: `_alive` keeps the task, and so `owner`, alive until this returns.
                unsafe { owner.as_ref() }.scheduler.schedule(runnable, info);
            }
        }
    }
}

impl HandleInner {
    /// The address of the scheduler, which identifies it among the live ones.
    #[inline]
    fn scheduler_ptr(&self) -> *const () {
        Arc::as_ptr(&self.scheduler).cast::<()>()
    }
}

/// Why there is no current scheduler. Returned by [`try_current_checked`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoContext {
    /// The thread is not inside any runtime's context.
    NotEntered,
    /// The thread is being torn down and its context is gone already. zokio's context has no
    /// destructor and outlives every other thread-local, so only loom's models see this.
    ThreadLocalDestroyed,
}

/// The scheduler of the current thread's runtime context, or why there is none.
pub fn try_current_checked() -> Result<Handle, NoContext> {
    // Another scheduler's handle type in the slot counts as none: this crate's `spawn` cannot
    // reach it.
    zokio_coop::handle::current_as::<HandleInner>(Slot::Scheduler)
        .map(|inner| Handle { inner })
        .ok_or(NoContext::NotEntered)
}

/// The scheduler of the current thread's runtime context, if any.
pub fn try_current() -> Option<Handle> {
    try_current_checked().ok()
}

/// Makes `handle` the current scheduler until the guard drops: the scheduler slot of the thread's
/// runtime context ([`zokio_coop::handle`]). Guards nest, and must be dropped in the reverse order
/// of their creation.
pub fn enter(handle: Handle) -> EnterGuard {
    let inner: zokio_coop::handle::AnyHandle = handle.inner;
    EnterGuard {
        _context: zokio_coop::handle::enter(Slot::Scheduler, inner),
    }
}

/// Restores the previous scheduler context on drop. Returned by [`enter`].
///
/// # Panics
///
/// Dropping guards in another order than the reverse of their creation panics, as on Tokio. The
/// thread still leaves to the context the dropped guard displaced, and the inner guards, dropped
/// later, only give their handles back (see [`zokio_coop::handle::HandleGuard`]).
#[must_use = "the context is left as soon as the guard is dropped"]
pub struct EnterGuard {
    _context: zokio_coop::handle::HandleGuard,
}

impl std::fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

/// Marks this thread as driving a runtime (a worker, or a thread inside `block_on`) until the guard
/// drops. The mark lives in [`zokio_coop`], where runtime-agnostic crates read it
/// ([`zokio_coop::is_in_runtime`]): every scheduler, custom ones included, calls this on each thread
/// that polls tasks.
///
/// # Panics
///
/// Panics when the thread already drives one: blocking a runtime's thread on another runtime would
/// deadlock the tasks it should be running.
#[track_caller]
pub fn enter_runtime() -> RuntimeGuard {
    match zokio_coop::try_enter_runtime() {
        Some(guard) => guard,
        None => panic!(
            "Cannot start a runtime from within a runtime. This happens because a function (like \
             `block_on`) attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks. Use `.await` instead, or move the blocking call to \
             `zokio::task::spawn_blocking`."
        ),
    }
}

/// Whether this thread is driving a runtime right now.
pub fn is_in_runtime() -> bool {
    zokio_coop::is_in_runtime()
}

pub use zokio_coop::{ExitGuard, RuntimeGuard};

/// Spawns `future` on the current thread's scheduler.
///
/// # Panics
///
/// Panics outside a runtime context, with a message that says how to enter one.
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // Built here, where `#[track_caller]` still sees the caller's location (a closure would not).
    let meta = SpawnMeta::new(TaskKind::Task);
    // The task is created through a borrow of the current handle (cloning it would cost two shared
    // reference-count updates per spawn), and scheduled after the borrow ends: scheduling after
    // shutdown drops the task, whose destructor may enter a context.
    let created = zokio_coop::handle::with_current_as(
        Slot::Scheduler,
        |handle: Option<&Arc<HandleInner>>| handle.map(|handle| handle.create_task(future, meta)),
    );
    match created {
        Some((runnable, handle)) => {
            runnable.schedule();
            handle
        }
        None => panic!(
            "there is no reactor running: `zokio::spawn` must be called from the context of a zokio \
             runtime (inside `Runtime::block_on`, a task, `#[zokio::main]`, or after `Handle::enter()`)"
        ),
    }
}
