//! The runtime: a scheduler, an I/O and time driver, and a blocking pool, put together.
//!
//! Most programs use [`#[zokio::main]`](crate::main) and never touch this module. Build a runtime by
//! hand with [`Builder`] when you need its settings, or several runtimes in one program.
//!
//! ```
//! use zokio::runtime::Builder;
//!
//! let rt = Builder::new_current_thread().enable_all().build().unwrap();
//! let answer = rt.block_on(async {
//!     let task = zokio::spawn(async { 6 * 7 });
//!     task.await.unwrap()
//! });
//! assert_eq!(answer, 42);
//! ```

mod builder;
mod driver;
mod handle;
mod id;

use std::future::Future;
use std::time::Duration;

pub use builder::Builder;
pub use handle::{EnterGuard, Handle};
pub use id::{Id, TryCurrentError, UnhandledPanic};

/// Whether `error` comes from an I/O resource (a socket, a pipe, an `AsyncFd`) whose runtime has
/// shut down, as Tokio's function of the same name tells.
///
/// ```
/// use zokio::runtime::{Builder, is_rt_shutdown_err};
///
/// let first = Builder::new_current_thread().enable_all().build().unwrap();
/// let listener = first.block_on(async { zokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap() });
/// drop(first);
/// let second = Builder::new_current_thread().enable_all().build().unwrap();
/// let error = second.block_on(async { listener.accept().await.unwrap_err() });
/// assert!(is_rt_shutdown_err(&error));
/// assert!(!is_rt_shutdown_err(&std::io::Error::other("something else")));
/// ```
pub fn is_rt_shutdown_err(error: &std::io::Error) -> bool {
    driver::is_shutdown_error(error)
}
pub use zokio_sched::metrics::{RuntimeMetrics, WorkerMetrics};

/// Plugging in a scheduler of your own: the traits and types [`Builder::scheduler`] works with.
///
/// A scheduler implements [`Scheduler`](scheduler::Scheduler): it receives each task's
/// [`Runnable`](scheduler::Runnable) when the task is spawned or woken, runs it on threads it starts
/// with the [`ThreadConfig`](scheduler::ThreadConfig) it is given, and parks idle threads on the
/// [`Driver`](scheduler::Driver) (the I/O and timer reactor). [`GlobalFifo`](scheduler::GlobalFifo) is a
/// complete example in one small file.
pub mod scheduler {
    pub use zokio_sched::global_fifo::GlobalFifo;
    pub use zokio_sched::toolkit::{
        Budget, Driver, RuntimeGuard, Runnable, ScheduleInfo, Scheduler, TaskList, ThreadConfig,
        ThreadParker, Unpark, block_on_thread, enter_runtime, wants_defer, with_budget,
    };
    pub use zokio_sched::{ParkHooks, ThreadBody};
}

use crate::task::JoinHandle;

/// Which scheduler a runtime runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    CurrentThread,
    #[cfg(feature = "rt-multi-thread")]
    MultiThread,
    Custom,
}

/// A zokio runtime. Dropping it cancels every task (dropping its future), stops its threads and waits
/// for the blocking tasks spawned before the drop.
///
/// # Panics
///
/// Dropping a runtime from an asynchronous context (inside a task or `block_on`) panics after
/// shutting it down without waiting, as on Tokio: waiting there could block the very thread that
/// has to run the tasks waited for. Use [`Runtime::shutdown_background`] there, or drop it from
/// `spawn_blocking`.
pub struct Runtime {
    handle: Handle,
    blocking: Option<zokio_sched::blocking::BlockingPool>,
    kind: Kind,
    /// The one strong reference to the handle cell that runtime threads read at start (they hold
    /// it weakly; see `Builder::build`).
    _threads_handle: std::sync::Arc<builder::HandleCell>,
    /// The reactor's loan of the blocking pool (see `driver::lend_blocking`); declared last, so
    /// dropped after the pool has shut down.
    _blocking_loan: driver::BlockingLoan,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    cfg_rt_multi_thread! {
        /// A multi-thread runtime with I/O and time enabled and default settings.
        ///
        /// # Errors
        ///
        /// See [`Builder::build`].
        pub fn new() -> std::io::Result<Runtime> {
            Builder::new_multi_thread().enable_all().build()
        }
    }

    pub(crate) fn from_parts(
        handle: Handle,
        blocking: zokio_sched::blocking::BlockingPool,
        kind: Kind,
        threads_handle: std::sync::Arc<builder::HandleCell>,
        blocking_loan: driver::BlockingLoan,
    ) -> Runtime {
        Runtime {
            handle,
            blocking: Some(blocking),
            kind,
            _threads_handle: threads_handle,
            _blocking_loan: blocking_loan,
        }
    }

    /// Runs `future` to completion on the current thread; see [`Handle::block_on`].
    ///
    /// # Panics
    ///
    /// Panics when called from inside a runtime (a task or another `block_on`).
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a task onto this runtime. On a current-thread runtime it runs once a thread is inside
    /// [`Runtime::block_on`].
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs `f` on the runtime's blocking pool.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// A handle to this runtime.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Enters this runtime's context; see [`Handle::enter`].
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
    }

    /// Shuts the runtime down, waiting at most `timeout` for its threads and for the blocking tasks
    /// spawned before the call (running or still queued: they all run, as on Tokio). What is still
    /// running after that is left behind (leaked), never waited for; blocking tasks spawned after the
    /// call are cancelled. Called from an asynchronous context (a task, or inside `block_on`), it
    /// does not wait at all, since blocking there could stall the very tasks it waits for.
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(timeout);
    }

    /// Shuts the runtime down without waiting for anything; see [`Runtime::shutdown_timeout`].
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    fn shutdown(&mut self, timeout: Duration) {
        let Some(blocking) = self.blocking.take() else {
            return;
        };
        // A thread that drives tasks must not block: there, shut down without waiting (as Tokio's
        // `shutdown_timeout` does in an asynchronous context).
        let timeout = if zokio_coop::is_in_runtime() {
            Duration::ZERO
        } else {
            timeout
        };
        let deadline = std::time::Instant::now().checked_add(timeout);
        self.handle.sched.scheduler().shutdown(timeout);
        let left = deadline.map_or(Duration::MAX, |d| {
            d.saturating_duration_since(std::time::Instant::now())
        });
        blocking.shutdown(left);
    }
}

// A runtime holds no state that a caught panic could leave half-updated for its user: every
// internal lock recovers from poisoning, and a task's panic is caught inside the task.
impl std::panic::UnwindSafe for Runtime {}
impl std::panic::RefUnwindSafe for Runtime {}

impl Drop for Runtime {
    fn drop(&mut self) {
        let running = self.blocking.is_some();
        if running && zokio_coop::is_in_runtime() && !std::thread::panicking() {
            // Waiting for this runtime's threads here would block a thread that drives tasks
            // (maybe the very tasks this runtime waits for). Shut down without waiting, then say
            // what to do, as Tokio does.
            self.shutdown(Duration::ZERO);
            panic!(
                "Cannot drop a runtime in a context where blocking is not allowed. This happens \
                 when a runtime is dropped from within an asynchronous context (a task or \
                 `block_on`). Drop it from outside, move it to `spawn_blocking`, or call \
                 `Runtime::shutdown_background()` instead."
            );
        }
        self.shutdown(Duration::MAX);
    }
}
