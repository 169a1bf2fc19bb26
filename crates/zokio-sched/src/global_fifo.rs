//! A deliberately minimal scheduler: one global FIFO queue served by N threads.
//!
//! It exists to show how a scheduler plugs into zokio through the [`Scheduler`] trait, and as a
//! baseline for people researching schedulers. Everything the trait asks for is here, in one small
//! file:
//!
//! - [`Scheduler::schedule`] pushes to the back of one `Mutex<VecDeque>` and wakes one sleeper;
//! - each thread pops from the front and polls the task inside a fresh coop budget;
//! - an idle thread parks: one of them on the [`Driver`] (so I/O and timers make progress), the others
//!   on a condition variable; every [`EVENT_INTERVAL`] tasks a busy thread polls the driver without
//!   blocking, so I/O is not starved under load;
//! - [`Scheduler::shutdown`] closes the queue, aborts every task through the
//!   [`TaskList`], drops the queued runnables outside the lock and joins the threads.
//!
//! What it leaves out, compared with [`MultiThread`](crate::multi_thread::MultiThread): per-worker queues
//! and stealing (every push and pop takes the one lock), the LIFO slot, and the idle-worker protocol
//! that avoids waking more threads than there are tasks.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use zokio_sched::{global_fifo::GlobalFifo, Handle, ParkThread, Scheduler};
//!
//! let scheduler = GlobalFifo::new(2, Box::new(ParkThread::new())).unwrap();
//! let handle = Handle::new(scheduler.clone());
//! let join = handle.spawn(async { 21 * 2 });
//! let mut out = None;
//! scheduler.block_on(Box::pin(async { out = Some(join.await.unwrap()) }).as_mut());
//! assert_eq!(out, Some(42));
//! scheduler.shutdown(Duration::from_secs(5));
//! ```

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle as ThreadHandle;
use std::time::{Duration, Instant};

use zokio_coop::Budget;
use zokio_task::{Runnable, ScheduleInfo, TaskList};

use crate::{Driver, Handle, Scheduler, ThreadConfig, Unpark, context};

/// How many tasks a thread runs between two non-blocking polls of the driver.
pub const EVENT_INTERVAL: u32 = 61;

/// One global FIFO queue served by a fixed number of threads. See the [module docs](self).
pub struct GlobalFifo {
    state: Mutex<State>,
    /// Threads with nothing to run that do not hold the driver wait here.
    condvar: Condvar,
    driver: Mutex<Box<dyn Driver>>,
    unpark: Arc<dyn Unpark>,
    tasks: Arc<TaskList>,
    threads: Mutex<Vec<ThreadHandle<()>>>,
    /// Set once every thread has exited, with `threads_done`.
    threads_done: Condvar,
}

struct State {
    queue: VecDeque<Runnable>,
    closed: bool,
    /// Threads waiting on `condvar`.
    sleeping: usize,
    /// Whether a thread is parked on the driver (and so needs an `unpark` to see new work).
    driver_parked: bool,
    /// Threads still running their loop.
    running: usize,
}

impl GlobalFifo {
    /// Starts `threads` threads (at least one) that serve one queue and park on `driver`.
    pub fn new(threads: usize, driver: Box<dyn Driver>) -> io::Result<Arc<GlobalFifo>> {
        GlobalFifo::with_threads(threads, driver, ThreadConfig::named("zokio-global-fifo"))
    }

    /// Like [`GlobalFifo::new`], starting the threads with `config`: the form a runtime builder uses,
    /// so that the threads run inside the runtime's context (`zokio::runtime::Builder::scheduler`).
    pub fn with_threads(
        threads: usize,
        driver: Box<dyn Driver>,
        config: ThreadConfig,
    ) -> io::Result<Arc<GlobalFifo>> {
        let threads = threads.max(1);
        let unpark = driver.unparker();
        let scheduler = Arc::new(GlobalFifo {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                closed: false,
                sleeping: 0,
                driver_parked: false,
                running: threads,
            }),
            condvar: Condvar::new(),
            driver: Mutex::new(driver),
            unpark,
            tasks: Arc::new(TaskList::new(threads * 4)),
            threads: Mutex::new(Vec::new()),
            threads_done: Condvar::new(),
        });
        for started in 0..threads {
            // Each thread keeps the scheduler alive until `shutdown` stops it.
            let strong = Arc::clone(&scheduler);
            match config.spawn(move || run(strong)) {
                Ok(handle) => scheduler.lock_threads().push(handle),
                Err(error) => {
                    // Stop the threads already started; the others never will.
                    scheduler.lock().running -= threads - started;
                    scheduler.shutdown(Duration::from_secs(10));
                    return Err(error);
                }
            }
        }
        #[cfg(feature = "tracing")]
        crate::trace::runtime_started("global_fifo", threads, None);
        Ok(scheduler)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_threads(&self) -> MutexGuard<'_, Vec<ThreadHandle<()>>> {
        self.threads.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Pops the next task, or parks until one arrives. `None` once the scheduler is closed and empty.
    fn next(&self) -> Option<Runnable> {
        let mut state = self.lock();
        loop {
            if let Some(runnable) = state.queue.pop_front() {
                return Some(runnable);
            }
            if state.closed {
                return None;
            }
            match self.driver.try_lock() {
                Ok(mut driver) => {
                    // Published under the state lock, so a push after this point sees it and unparks.
                    state.driver_parked = true;
                    drop(state);
                    driver.park(None);
                    drop(driver);
                    state = self.lock();
                    state.driver_parked = false;
                }
                Err(_) => {
                    state.sleeping += 1;
                    state = self.condvar.wait(state).unwrap_or_else(|p| p.into_inner());
                    state.sleeping -= 1;
                }
            }
        }
    }

    fn poll_driver_nonblocking(&self) {
        if let Ok(mut driver) = self.driver.try_lock() {
            driver.park(Some(Duration::ZERO));
        }
    }
}

/// The loop of each thread.
fn run(strong: Arc<GlobalFifo>) {
    // A thread wrapper (the facade's) may have entered the runtime's context already, with its
    // blocking pool; keep that one.
    let _context = context::try_current()
        .is_none()
        .then(|| context::enter(Handle::new(strong.clone())));
    let _runtime = context::enter_runtime();
    let mut tick: u32 = 0;
    while let Some(runnable) = strong.next() {
        zokio_coop::with_budget(Budget::initial(), || runnable.run());
        tick = tick.wrapping_add(1);
        if tick % EVENT_INTERVAL == 0 {
            strong.poll_driver_nonblocking();
        }
    }
    let mut state = strong.lock();
    state.running -= 1;
    strong.threads_done.notify_all();
}

impl Scheduler for GlobalFifo {
    fn schedule(&self, runnable: Runnable, _info: ScheduleInfo) {
        let mut state = self.lock();
        if state.closed {
            drop(state);
            // After shutdown the task is dropped, outside the lock (its drop may wake other tasks).
            drop(runnable);
            return;
        }
        state.queue.push_back(runnable);
        if state.sleeping > 0 {
            self.condvar.notify_one();
        } else if state.driver_parked {
            self.unpark.unpark();
        }
    }

    fn block_on(&self, future: Pin<&mut dyn Future<Output = ()>>) {
        crate::block_on::block_on_thread(future);
    }

    fn task_list(&self) -> &Arc<TaskList> {
        &self.tasks
    }

    fn shutdown(&self, timeout: Duration) {
        // Aborting wakes every task, so each one comes through `schedule` once more and is run (which
        // drops its future without polling) or, after the close below, dropped.
        self.tasks.close_and_abort_all();
        let queued = {
            let mut state = self.lock();
            state.closed = true;
            self.condvar.notify_all();
            std::mem::take(&mut state.queue)
        };
        self.unpark.unpark();
        drop(queued);

        let deadline = Instant::now().checked_add(timeout);
        let mut state = self.lock();
        while state.running > 0 {
            let left = deadline.map_or(Duration::from_secs(3600), |d| {
                d.saturating_duration_since(Instant::now())
            });
            if left.is_zero() {
                #[cfg(feature = "tracing")]
                {
                    drop(state);
                    let workers = self.lock_threads().len();
                    crate::trace::runtime_shutdown("global_fifo", workers, None, true);
                }
                return;
            }
            state = self
                .threads_done
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        drop(state);
        let me = std::thread::current().id();
        let handles = std::mem::take(&mut *self.lock_threads());
        #[cfg(feature = "tracing")]
        let workers = handles.len();
        for handle in handles {
            if handle.thread().id() != me {
                let _ = handle.join();
            }
        }
        let mut driver = self.driver.lock().unwrap_or_else(|p| p.into_inner());
        driver.shutdown();
        #[cfg(feature = "tracing")]
        {
            drop(driver);
            crate::trace::runtime_shutdown("global_fifo", workers, None, false);
        }
    }

    fn metrics(&self) -> crate::metrics::RuntimeMetrics {
        let mut metrics =
            crate::metrics::RuntimeMetrics::basic(self.lock_threads().len(), self.tasks.len());
        metrics.global_queue_depth = self.lock().queue.len();
        metrics
    }
}

impl std::fmt::Debug for GlobalFifo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("GlobalFifo")
            .field("queued", &state.queue.len())
            .field("closed", &state.closed)
            .finish_non_exhaustive()
    }
}
