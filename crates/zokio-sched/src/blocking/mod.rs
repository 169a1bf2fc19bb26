//! The blocking pool: threads for work that blocks (file system calls, DNS lookups, CPU-heavy closures),
//! kept apart from the async workers so that a blocking call never stalls the tasks of a worker.
//!
//! - The pool **grows on demand**: a new task goes to an idle thread if there is one, otherwise it is
//!   queued and a new thread is started, up to [`Config::max_threads`] (default 512). Beyond that,
//!   tasks wait in a FIFO queue. A busy thread takes queued tasks before it goes idle.
//! - **Direct hand-off to the most recently idle thread.** Idle threads sit on a stack, each with its
//!   own mailbox and parked on its own thread token (no shared condition variable). A spawn pops the
//!   top thread under the pool lock, then, outside the lock, puts the task in that thread's mailbox and
//!   unparks it. The woken thread runs the task without touching the pool lock, so a burst of spawns
//!   does not make every woken thread queue up for the one mutex its spawner keeps taking (with a
//!   shared condition variable each wake-up was followed by a contended re-lock, and threads that were
//!   slow to get through it counted as busy, so bursts kept starting new threads). Popping the *last*
//!   idle thread (LIFO) hands the task to a thread that has often not even fallen asleep yet, which
//!   makes the unpark a plain atomic store, and leaves the threads at the bottom of the stack idle long
//!   enough to retire.
//! - **Mail is taken over by whoever is awake.** A burst of spawns mails each task to a different
//!   idle thread, and the threads woken last can wait to be scheduled while others have finished
//!   already. A thread that runs out of work (the queue is empty) first runs the oldest task still
//!   waiting in the mailbox of a thread that has not woken, leaving a note that sends that thread
//!   back to the idle stack. As with a shared queue, the first thread awake runs the task; unlike
//!   one, a woken thread takes its own task without the pool lock. (A burst of 100 closures: the
//!   last handles awaited went from 0.8-0.9 still pending to 0.1, and the wait for them from 41 to
//!   11 µs.)
//! - A thread idle for [`Config::keep_alive`] (default 10 s) **retires**, unless a spawner took it
//!   off the stack in the meantime (exactly one party takes a thread off the stack, under the lock:
//!   a spawner, shutdown, or the thread itself when it retires), so no mailed task is ever lost.
//! - A panic in the closure is caught and returned by its `JoinHandle` as a
//!   [`JoinError`](zokio_task::JoinError).
//! - [`BlockingPool::shutdown`] waits (up to a timeout) for the tasks spawned before it, queued ones
//!   included, as Tokio does: a closure handed to `spawn_blocking` before shutdown runs, and its
//!   `JoinHandle` yields its value. Tasks spawned after shutdown began are cancelled.
//!
//! ```
//! use std::time::Duration;
//! use zokio_sched::blocking::{BlockingPool, Config};
//!
//! let pool = BlockingPool::new(Config::default());
//! let handle = pool.spawner().spawn_blocking(|| 6 * 7);
//! assert_eq!(futures_lite::future::block_on(handle).unwrap(), 42);
//! pool.shutdown(Duration::from_secs(5));
//! ```

mod pool;

use std::sync::Arc;
use std::time::Duration;

use zokio_task::JoinHandle;

use crate::ThreadConfig;

pub use pool::{BlockingPool, Spawner};

/// The settings of a [`BlockingPool`].
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    /// The most threads the pool runs at once (at least 1). Default 512.
    pub max_threads: usize,
    /// How long a thread waits for work before it retires. Default 10 s.
    pub keep_alive: Duration,
    /// Names, stack size and context wrapper of the pool's threads.
    pub threads: ThreadConfig,
    /// Told when each task enters the pool and when it leaves it; `None` by default.
    pub observer: Option<Arc<dyn TaskObserver>>,
}

/// Follows the tasks of a [`BlockingPool`] from spawn to the end of their life in the pool.
///
/// A runtime with paused time uses it: while a blocking closure is in flight the clock must not
/// auto-advance, because the closure may still wake a task (see
/// `zokio_reactor::Handle::inhibit_auto_advance`).
pub trait TaskObserver: Send + Sync + 'static {
    /// A task was spawned onto the pool (called before it can run).
    fn spawned(&self);
    /// A task left the pool: it ran (its output is stored and its `JoinHandle` woken by now) or was
    /// cancelled. Called exactly once per [`TaskObserver::spawned`].
    fn finished(&self);
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("max_threads", &self.max_threads)
            .field("keep_alive", &self.keep_alive)
            .field("threads", &self.threads)
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

/// The default of [`Config::max_threads`].
pub const DEFAULT_MAX_THREADS: usize = 512;
/// The default of [`Config::keep_alive`].
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(10);

impl Default for Config {
    fn default() -> Config {
        Config {
            max_threads: DEFAULT_MAX_THREADS,
            keep_alive: DEFAULT_KEEP_ALIVE,
            threads: ThreadConfig::named("zokio-runtime-blocking"),
            observer: None,
        }
    }
}

/// Runs `f` on the blocking pool of the current runtime and returns a handle to its result.
///
/// The closure runs inside the same scheduler context as the caller, so `zokio_sched::spawn` and
/// `spawn_blocking` work from within it.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use zokio_sched::blocking::{self, BlockingPool};
/// use zokio_sched::{Handle, global_fifo::GlobalFifo, ParkThread};
///
/// let pool = BlockingPool::new(blocking::Config::default());
/// let scheduler = GlobalFifo::new(1, Box::new(ParkThread::new())).unwrap();
/// let handle = Handle::with_blocking(scheduler.clone(), pool.spawner().clone());
/// let _guard = zokio_sched::context::enter(handle);
/// let join = blocking::spawn_blocking(|| "done");
/// assert_eq!(futures_lite::future::block_on(join).unwrap(), "done");
/// # drop(_guard);
/// # zokio_sched::Scheduler::shutdown(&*scheduler, Duration::from_secs(5));
/// # pool.shutdown(Duration::from_secs(5));
/// ```
///
/// # Panics
///
/// Panics outside a runtime context, or in a context whose runtime has no blocking pool.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let Some(handle) = crate::context::try_current() else {
        panic!(
            "`spawn_blocking` must be called from the context of a zokio runtime (inside \
             `Runtime::block_on`, a task, `#[zokio::main]`, or after `Handle::enter()`)"
        );
    };
    let Some(spawner) = handle.blocking().cloned() else {
        panic!("`spawn_blocking` was called in a runtime context that has no blocking pool");
    };
    spawner.spawn_blocking(move || {
        let _context = crate::context::enter(handle);
        f()
    })
}
