//! The multi-thread work-stealing scheduler.
//!
//! - **Workers**: N threads, each with a bounded local run queue (256 slots, one producer, thieves take
//!   half) and a LIFO slot for the task that the running task just woke. One global inject queue takes
//!   wake-ups from outside the workers and the overflow of full local queues.
//! - **Fairness**: the global queue is checked first every `global_queue_interval` ticks, tuned per
//!   worker to about 200 µs of polling (see [`Config::global_queue_interval`]); a LIFO chain is cut
//!   after 3 polls; each poll runs inside a coop budget (`zokio_coop`), which a LIFO task inherits.
//! - **Idle workers** steal (at most half of them search at once), wake one another one at a time, and
//!   park: one on the shared [`Driver`], the others on their own parkers.
//! - **Beyond Tokio**: the LIFO task of a worker stuck in one poll for more than about 100 µs is taken
//!   over by an idle worker (one at a time watches, and yields a few times before it sleeps, since a
//!   busy neighbour is likely to need it at once), while the LIFO fast path stays free of shared
//!   read-modify-writes.
//! - [`block_in_place`] hands the worker's queue to a successor thread; [`yield_now`] sends a task to
//!   the back of its queue; [`Scheduler::metrics`] reads per-worker counters.
//!
//! The protocols are documented where they live: `queue.rs` (the ring and its ABA-safe indices),
//! `idle.rs` (searching and notification), `park.rs` (driver or thread parker), `worker.rs` (the run
//! loop), `lifo_watch.rs` (stuck LIFO slots), `block_in_place.rs` and `stats.rs` (interval tuning).
//!
//! ```
//! use std::time::Duration;
//! use zokio_sched::multi_thread::{Config, MultiThread};
//! use zokio_sched::{blocking::{self, BlockingPool}, Handle, ParkThread, Scheduler};
//!
//! let pool = BlockingPool::new(blocking::Config::default());
//! let mut config = Config::default();
//! config.worker_threads = 2;
//! let scheduler = MultiThread::new(config, Box::new(ParkThread::new()), pool.spawner().clone()).unwrap();
//! let handle = Handle::with_blocking(scheduler.clone(), pool.spawner().clone());
//! let tasks: Vec<_> = (0..100u64).map(|i| handle.spawn(async move { i * i })).collect();
//! let mut sum = 0;
//! scheduler.block_on(Box::pin(async {
//!     for task in tasks {
//!         sum += task.await.unwrap();
//!     }
//! }).as_mut());
//! assert_eq!(sum, (0..100u64).map(|i| i * i).sum::<u64>());
//! scheduler.shutdown(Duration::from_secs(5));
//! pool.shutdown(Duration::from_secs(5));
//! ```

mod block_in_place;
mod idle;
mod inject;
mod lifo_watch;
mod park;
mod queue;
mod shared;
mod stats;
pub(crate) mod worker;

#[cfg(all(test, loom))]
mod loom_runtime;
#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod queue_tests;

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;
use zokio_task::{Runnable, ScheduleInfo, TaskList};

pub use block_in_place::block_in_place;

use crate::loom::{Condvar, Mutex, MutexGuard};
use crate::metrics::{RuntimeMetrics, WorkerMetrics};
use crate::thread_state::THREAD;
use crate::{Driver, Handle, Scheduler, ThreadConfig, blocking};
use park::{Parker, SharedDriver};
use shared::{ExitState, Hot, LifoSlot, Remote, RunConfig, Shared};
use stats::WorkerCounters;
use worker::Core;

/// The default of [`Config::event_interval`].
pub const DEFAULT_EVENT_INTERVAL: u32 = 61;

/// The settings of a [`MultiThread`] scheduler.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// The number of workers (at least 1). Default: the available parallelism.
    pub worker_threads: usize,
    /// Names, stack size and context wrapper of the worker threads.
    pub threads: ThreadConfig,
    /// Check the global queue before the local one every this many ticks. `None` (the default)
    /// tunes it per worker so that a task in the global queue waits about 200 µs at most: the
    /// interval is 200 µs divided by a moving average of the worker's poll time, kept within
    /// `[2, 127]` and starting at 61.
    pub global_queue_interval: Option<u32>,
    /// Poll the driver for I/O and timers without blocking every this many ticks, even when busy.
    pub event_interval: u32,
    /// Never use the LIFO slot: every woken task goes to the back of the queue.
    pub disable_lifo_slot: bool,
    /// The runtime's name, reported by the `tracing` feature's runtime events. Default `None`.
    pub name: Option<Arc<str>>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            worker_threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            threads: ThreadConfig::named("zokio-runtime-worker"),
            global_queue_interval: None,
            event_interval: DEFAULT_EVENT_INTERVAL,
            disable_lifo_slot: false,
            name: None,
        }
    }
}

/// The multi-thread work-stealing scheduler. See the [module docs](self).
pub struct MultiThread {
    shared: Arc<Shared>,
    /// The runtime's name, for the shutdown event.
    #[cfg(feature = "tracing")]
    name: Option<Arc<str>>,
}

impl MultiThread {
    /// Starts `config.worker_threads` workers that park on `driver` and run `spawn_blocking` (and the
    /// threads that take over from `block_in_place`) on `blocking`.
    ///
    /// # Errors
    ///
    /// Fails when a worker thread cannot be started; the workers already started are stopped.
    pub fn new(
        config: Config,
        driver: Box<dyn Driver>,
        blocking: blocking::Spawner,
    ) -> io::Result<Arc<MultiThread>> {
        let workers = config.worker_threads.max(1);
        let (shared, cores) = build(&config, driver, &blocking);
        let scheduler = Arc::new(MultiThread {
            shared: shared.clone(),
            #[cfg(feature = "tracing")]
            name: config.name.clone(),
        });
        let handle = Handle::with_blocking(scheduler.clone(), blocking);
        for core in cores {
            let (handle, shared) = (handle.clone(), shared.clone());
            shared.exit_lock().threads_alive += 1;
            let body_shared = shared.clone();
            let spawned = config.threads.spawn_worker(move || {
                worker::run_worker(handle, body_shared.clone(), core);
                body_shared.thread_exited();
            });
            match spawned {
                Ok(thread) => shared.exit_lock().handles.push(thread),
                Err(error) => {
                    shared.exit_lock().threads_alive -= 1;
                    // The cores never started count as done; stop the others.
                    let started = shared.exit_lock().handles.len();
                    for _ in started..workers {
                        shared.core_done();
                    }
                    scheduler.shutdown(Duration::from_secs(10));
                    return Err(error);
                }
            }
        }
        #[cfg(feature = "tracing")]
        crate::trace::runtime_started("multi_thread", workers, config.name.as_deref());
        Ok(scheduler)
    }

    /// The number of workers.
    pub fn num_workers(&self) -> usize {
        self.shared.remotes.len()
    }

    fn on_own_worker(&self) -> bool {
        worker::with_current(|cx| cx.is_some_and(|cx| Arc::ptr_eq(&cx.shared, &self.shared)))
    }
}

/// The shared state and the cores of a scheduler for `config`, without any thread started.
// Each core goes to its thread as the `Box<Core>` that the worker loop passes around.
#[allow(clippy::vec_box)]
fn build(
    config: &Config,
    driver: Box<dyn Driver>,
    blocking: &blocking::Spawner,
) -> (Arc<Shared>, Vec<Box<Core>>) {
    let workers = config.worker_threads.max(1);
    let run_config = RunConfig {
        global_queue_interval: config.global_queue_interval.map(|n| n.max(1)),
        event_interval: config.event_interval.max(1),
        disable_lifo_slot: config.disable_lifo_slot,
        park_hooks: config.threads.park_hooks.clone(),
    };
    let driver = Arc::new(SharedDriver::new(driver));
    let mut remotes = Vec::with_capacity(workers);
    let mut cores = Vec::with_capacity(workers);
    for index in 0..workers {
        let (local, steal) = queue::local();
        let park = Parker::new(driver.clone());
        remotes.push(Remote {
            steal: CachePadded::new(steal),
            unpark: park.unparker(),
            hot: CachePadded::new(Hot {
                lifo: LifoSlot::new(),
                counters: WorkerCounters::default(),
            }),
            handoff: Mutex::new(None),
        });
        cores.push(Core::new(index, local, park, &run_config));
    }
    let shared = Arc::new(Shared {
        remotes: remotes.into_boxed_slice(),
        inject: inject::Inject::new(),
        idle: idle::Idle::new(workers),
        tasks: Arc::new(TaskList::new(workers * 4)),
        driver,
        blocking: blocking.clone(),
        config: run_config,
        shutdown: AtomicBool::new(false),
        lifo_watch: CachePadded::new(crate::loom::AtomicUsize::new(lifo_watch::NONE)),
        exit: Mutex::new(ExitState::default()),
        exit_changed: Condvar::new(),
    });
    (shared, cores)
}

impl Shared {
    fn exit_lock(&self) -> MutexGuard<'_, ExitState> {
        self.exit.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn thread_exited(&self) {
        let mut exit = self.exit_lock();
        exit.threads_alive -= 1;
        self.exit_changed.notify_all();
    }
}

impl Scheduler for MultiThread {
    fn schedule(&self, runnable: Runnable, info: ScheduleInfo) {
        self.shared.schedule(runnable, info);
    }

    fn block_on(&self, future: Pin<&mut dyn Future<Output = ()>>) {
        struct Reset(bool);
        impl Drop for Reset {
            fn drop(&mut self) {
                let _ = THREAD.try_with(|t| t.in_block_on.set(self.0));
            }
        }
        // `block_in_place` is allowed inside `block_on` (see `block_in_place.rs`).
        let _reset = Reset(THREAD.with(|t| t.in_block_on.replace(true)));
        crate::block_on::block_on_thread(future);
    }

    fn task_list(&self) -> &Arc<TaskList> {
        &self.shared.tasks
    }

    fn shutdown(&self, timeout: Duration) {
        let shared = &*self.shared;
        // A worker of this scheduler cannot wait for itself.
        let timeout = if self.on_own_worker() {
            Duration::ZERO
        } else {
            timeout
        };
        let deadline = Instant::now().checked_add(timeout);
        // Abort every task while the queues still take runnables: each aborted task is queued
        // (scheduled) before any future is dropped, so a destructor that wakes another task finds
        // it already scheduled and its wake does nothing. Closing the global queue first would make
        // such a wake drop the other task's future inside `wake()`, where the waking destructor may
        // hold a lock that the dropped one takes (tokio#3869). Workers then see the flag, drop what
        // their queues hold, and stop; the global queue is drained at the end.
        let first_call = !shared
            .shutdown
            .swap(true, std::sync::atomic::Ordering::AcqRel);
        if first_call {
            shared.tasks.close_and_abort_all();
        }
        shared.unpark_all();

        let workers = shared.remotes.len();
        let mut exit = shared.exit_lock();
        let finished = loop {
            // Cores parked in a handoff slot (their `block_in_place` successor has not started) are
            // shut down here.
            for remote in shared.remotes.iter() {
                let core = remote
                    .handoff
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take();
                if let Some(core) = core {
                    drop(exit);
                    worker::shutdown_core(shared, core);
                    exit = shared.exit_lock();
                }
            }
            if exit.cores_done == workers && exit.threads_alive == 0 {
                break true;
            }
            let left = deadline.map_or(Duration::from_secs(3600), |d| {
                d.saturating_duration_since(Instant::now())
            });
            if left.is_zero() {
                break false;
            }
            exit = shared
                .exit_changed
                .wait_timeout(exit, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        };
        let handles = if finished {
            std::mem::take(&mut exit.handles)
        } else {
            Vec::new()
        };
        drop(exit);
        for handle in handles {
            // Each has left its loop; joining waits only for its exit.
            let _ = handle.join();
        }
        // Whatever reached the global queue (late wakes, overflow, tasks spawned by destructors) is
        // dropped here, outside every lock. Dropping one may queue another (a destructor that spawns),
        // so drain until a drain comes back empty; then close the queue, and drain once more for what
        // raced with the close. A push after the close drops its task at once; every task that
        // existed before shutdown has been aborted and queued by then, so only a task spawned after
        // it is dropped that way, inside `spawn`, as Tokio does.
        drain_global_queue(shared);
        shared.inject.close();
        drain_global_queue(shared);
        // The driver is shut down once, after the tasks (a second call only waits again).
        if first_call {
            shared
                .driver
                .shutdown(if finished { None } else { deadline });
            #[cfg(feature = "tracing")]
            crate::trace::runtime_shutdown(
                "multi_thread",
                workers,
                self.name.as_deref(),
                !finished,
            );
        }
    }

    fn metrics(&self) -> RuntimeMetrics {
        let shared = &*self.shared;
        let workers = shared
            .remotes
            .iter()
            .map(|remote| {
                let c = &remote.hot.counters;
                let load =
                    |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
                WorkerMetrics {
                    polls: load(&c.polls),
                    steals: load(&c.steals),
                    steal_operations: load(&c.steal_operations),
                    parks: load(&c.parks),
                    overflows: load(&c.overflows),
                    lifo_steals: load(&c.lifo_steals),
                    local_queue_depth: remote.steal.len(),
                }
            })
            .collect();
        RuntimeMetrics {
            num_workers: shared.remotes.len(),
            num_alive_tasks: shared.tasks.len(),
            global_queue_depth: shared.inject.len(),
            num_blocking_threads: shared.blocking.num_threads(),
            num_idle_blocking_threads: shared.blocking.num_idle_threads(),
            blocking_queue_depth: shared.blocking.queue_depth(),
            workers,
        }
    }
}

/// Drops every task in the global queue, outside its lock, until the queue stays empty.
fn drain_global_queue(shared: &Shared) {
    loop {
        let tasks = shared.inject.drain();
        if tasks.is_empty() {
            return;
        }
        drop(tasks);
    }
}

impl fmt::Debug for MultiThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultiThread")
            .field("workers", &self.shared.remotes.len())
            .field("global_queue_depth", &self.shared.inject.len())
            .finish_non_exhaustive()
    }
}
