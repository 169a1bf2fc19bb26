//! The thread-local scheduler context: which scheduler `spawn` reaches from this thread, and whether
//! this thread is already driving a runtime (so that a nested `block_on` fails loudly, not by deadlock).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::sync::Arc;

use zokio_task::JoinHandle;

use crate::Scheduler;
use crate::blocking::Spawner;

/// A cloneable reference to a running scheduler: what `zokio::spawn` uses.
#[derive(Clone)]
pub struct Handle {
    scheduler: Arc<dyn Scheduler>,
    blocking: Option<Spawner>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

impl Handle {
    /// A handle to `scheduler`, without a blocking pool (`spawn_blocking` panics in its context).
    pub fn new(scheduler: Arc<dyn Scheduler>) -> Handle {
        Handle {
            scheduler,
            blocking: None,
        }
    }

    /// A handle to `scheduler` whose context runs `spawn_blocking` on `blocking`.
    pub fn with_blocking(scheduler: Arc<dyn Scheduler>, blocking: Spawner) -> Handle {
        Handle {
            scheduler,
            blocking: Some(blocking),
        }
    }

    /// The blocking pool of this handle's runtime, if it has one.
    pub fn blocking(&self) -> Option<&Spawner> {
        self.blocking.as_ref()
    }

    /// The scheduler behind this handle.
    pub fn scheduler(&self) -> &Arc<dyn Scheduler> {
        &self.scheduler
    }

    /// Spawns `future` as a new task on this scheduler.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (runnable, handle) = self.create_task(future);
        runnable.schedule();
        handle
    }

    /// Creates the task without scheduling it.
    fn create_task<F>(&self, future: F) -> (zokio_task::Runnable, JoinHandle<F::Output>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let scheduler = Arc::clone(&self.scheduler);
        zokio_task::spawn(
            future,
            move |runnable, info| scheduler.schedule(runnable, info),
            self.scheduler.task_list(),
        )
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
    static IN_RUNTIME: Cell<bool> = const { Cell::new(false) };
}

/// The scheduler of the current thread's runtime context, if any.
pub fn try_current() -> Option<Handle> {
    CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
}

/// Makes `handle` the current scheduler until the guard drops (guards nest).
pub fn enter(handle: Handle) -> EnterGuard {
    let previous = CURRENT.with(|c| c.replace(Some(handle)));
    EnterGuard {
        previous,
        _not_send: std::marker::PhantomData,
    }
}

/// Restores the previous scheduler context on drop. Returned by [`enter`].
#[must_use = "the context is left as soon as the guard is dropped"]
pub struct EnterGuard {
    previous: Option<Handle>,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl std::fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = previous);
    }
}

/// Marks this thread as driving a runtime (a worker, or a thread inside `block_on`) until the guard drops.
///
/// # Panics
///
/// Panics when the thread already drives one: blocking a runtime's thread on another runtime would
/// deadlock the tasks it should be running.
#[track_caller]
pub fn enter_runtime() -> RuntimeGuard {
    if IN_RUNTIME.with(|c| c.replace(true)) {
        panic!(
            "Cannot start a runtime from within a runtime. This happens because a function (like \
             `block_on`) attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks. Use `.await` instead, or move the blocking call to \
             `zokio::task::spawn_blocking`."
        );
    }
    RuntimeGuard {
        _not_send: std::marker::PhantomData,
    }
}

/// Whether this thread is driving a runtime right now.
pub fn is_in_runtime() -> bool {
    IN_RUNTIME.try_with(Cell::get).unwrap_or(false)
}

/// Clears the "driving a runtime" mark on drop. Returned by [`enter_runtime`].
#[must_use = "the mark is cleared as soon as the guard is dropped"]
pub struct RuntimeGuard {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl RuntimeGuard {
    /// Temporarily clears the mark (for `block_in_place`, whose closure may block on a runtime), and
    /// sets it again when the returned guard drops.
    pub fn exit_temporarily() -> ExitGuard {
        let was = IN_RUNTIME.with(|c| c.replace(false));
        ExitGuard { was }
    }
}

impl std::fmt::Debug for RuntimeGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeGuard").finish_non_exhaustive()
    }
}

impl Drop for RuntimeGuard {
    fn drop(&mut self) {
        let _ = IN_RUNTIME.try_with(|c| c.set(false));
    }
}

/// Restores the "driving a runtime" mark on drop. Returned by [`RuntimeGuard::exit_temporarily`].
#[derive(Debug)]
pub struct ExitGuard {
    was: bool,
}

impl Drop for ExitGuard {
    fn drop(&mut self) {
        let _ = IN_RUNTIME.try_with(|c| c.set(self.was));
    }
}

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
    // The task is created through a borrow of the current handle (cloning it would cost two shared
    // reference-count updates per spawn), and scheduled after the borrow ends: scheduling after
    // shutdown drops the task, whose destructor may enter a context.
    let created = CURRENT
        .try_with(|c| c.borrow().as_ref().map(|handle| handle.create_task(future)))
        .ok()
        .flatten();
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
