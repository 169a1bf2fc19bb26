//! `Handle`: a cloneable reference to a runtime, usable from any thread.

use std::future::Future;
use std::pin::Pin;

use crate::task::JoinHandle;

/// A handle to a runtime: spawn onto it, enter its context, or block on it from outside.
///
/// Cloning is cheap. A handle keeps the runtime's shared state alive but does not keep the runtime
/// running: once the [`Runtime`](super::Runtime) is dropped, tasks spawned through a handle are
/// cancelled at once.
#[derive(Clone)]
pub struct Handle {
    pub(crate) sched: zokio_sched::Handle,
    pub(crate) reactor: Option<super::driver::Handle>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

impl Handle {
    /// The handle of the runtime whose context the current thread is in.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime context, with a message that says how to enter one.
    ///
    /// ```
    /// let rt = zokio::runtime::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let handle = zokio::runtime::Handle::current();
    ///     assert_eq!(handle.spawn(async { 7 }).await.unwrap(), 7);
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(_) => panic!(
                "there is no reactor running: `Handle::current()` must be called from the context of a \
                 zokio runtime (inside `Runtime::block_on`, a task, `#[zokio::main]`, or after \
                 `Handle::enter()`)"
            ),
        }
    }

    /// The handle of the current runtime, or why there is none.
    ///
    /// ```
    /// use zokio::runtime::Handle;
    ///
    /// assert!(Handle::try_current().unwrap_err().is_missing_context());
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let _guard = rt.enter();
    /// assert_eq!(Handle::try_current().unwrap().id(), rt.handle().id());
    /// ```
    pub fn try_current() -> Result<Handle, super::TryCurrentError> {
        match zokio_sched::context::try_current_checked() {
            Ok(sched) => Ok(Handle {
                sched,
                reactor: super::driver::Handle::try_current(),
            }),
            Err(zokio_sched::context::NoContext::NotEntered) => {
                Err(super::TryCurrentError::new(false))
            }
            Err(zokio_sched::context::NoContext::ThreadLocalDestroyed) => {
                Err(super::TryCurrentError::new(true))
            }
        }
    }

    /// The id of this handle's runtime, unique among the runtimes alive now.
    pub fn id(&self) -> super::Id {
        super::Id::new(self.sched.id())
    }

    /// The runtime's name, if [`Builder::name`](super::Builder::name) gave it one.
    pub fn name(&self) -> Option<&str> {
        self.sched.name()
    }

    /// Spawns a task onto this runtime; it starts running even if the handle is dropped.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.sched.spawn(future)
    }

    /// Runs `f` on the runtime's blocking pool and returns a handle to its result.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let _enter = self.enter();
        zokio_sched::blocking::spawn_blocking(f)
    }

    /// A snapshot of the runtime's metrics: workers, live tasks, per-worker polls, steals and parks,
    /// queue depths and blocking threads. The counters are per worker and cheap to keep.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// rt.block_on(async { zokio::spawn(async {}).await.unwrap() });
    /// let metrics = rt.handle().metrics();
    /// assert_eq!(metrics.num_workers, 2);
    /// assert!(metrics.total_polls() >= 1);
    /// ```
    pub fn metrics(&self) -> super::RuntimeMetrics {
        let mut metrics = self.sched.scheduler().metrics();
        if let Some(blocking) = self.sched.blocking() {
            metrics.num_blocking_threads = blocking.num_threads();
            metrics.num_idle_blocking_threads = blocking.num_idle_threads();
            metrics.blocking_queue_depth = blocking.queue_depth();
        }
        metrics
    }

    /// Makes this runtime the current one for this thread until the guard drops, so that `spawn`,
    /// timers and sockets work from plain (non-runtime) code.
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _reactor: self.reactor.as_ref().map(|r| r.enter()),
            _sched: zokio_sched::context::enter(self.sched.clone()),
            _handle: std::marker::PhantomData,
        }
    }

    /// Runs `future` to completion on the current thread, inside this runtime's context.
    ///
    /// On a multi-thread runtime the spawned tasks keep running on the workers meanwhile. On a
    /// current-thread runtime this drives the runtime's tasks while no other thread does.
    ///
    /// # Panics
    ///
    /// Panics when called from a thread that is already driving a runtime (inside `block_on` or a
    /// task): blocking there would stall the tasks it should run. Use `.await` instead.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        // Checked here, before any scheduler code, so that the panic names the caller.
        if zokio_coop::is_in_runtime() {
            panic!(
                "Cannot start a runtime from within a runtime. This happens because a function \
                 (like `block_on`) attempted to block the current thread while the thread is \
                 being used to drive asynchronous tasks. Use `.await` instead, or move the \
                 blocking call to `zokio::task::spawn_blocking`."
            );
        }
        let _enter = self.enter();
        let mut output = None;
        let stop = self.sched.stop_signal();
        let mut stopped = false;
        {
            let mut future = std::pin::pin!(future);
            let mut last_waker: Option<std::task::Waker> = None;
            let mut wrapper = std::pin::pin!(std::future::poll_fn(|cx| {
                if let Some(stop) = stop {
                    if stop.poll_triggered(cx).is_ready() {
                        stopped = true;
                        return std::task::Poll::Ready(());
                    }
                    last_waker = Some(cx.waker().clone());
                }
                future.as_mut().poll(cx).map(|out| output = Some(out))
            }));
            let wrapper: Pin<&mut dyn Future<Output = ()>> = wrapper.as_mut();
            self.sched.scheduler().block_on(wrapper);
            if let (Some(stop), Some(waker)) = (stop, &last_waker) {
                stop.unregister(waker);
            }
        }
        if stopped {
            panic!(
                "a spawned task panicked and the runtime is configured to shut down on unhandled \
                 panic (Builder::unhandled_panic(UnhandledPanic::ShutdownRuntime)); every task \
                 of the runtime has been cancelled"
            );
        }
        output.expect("the scheduler's block_on returned before the future completed")
    }
}

// As for `Runtime`: nothing a caught panic could leave half-updated is reachable through a handle.
impl std::panic::UnwindSafe for Handle {}
impl std::panic::RefUnwindSafe for Handle {}

/// Leaves the runtime context entered by [`Handle::enter`] or [`Runtime::enter`](super::Runtime::enter)
/// when dropped.
#[must_use = "the context is left as soon as the guard is dropped"]
pub struct EnterGuard<'a> {
    // Dropped in declaration order: the reactor context is left first, then the scheduler's.
    _reactor: Option<super::driver::EnterGuard>,
    _sched: zokio_sched::context::EnterGuard,
    _handle: std::marker::PhantomData<&'a Handle>,
}

impl std::fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}
