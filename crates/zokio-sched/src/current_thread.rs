//! The current-thread scheduler: every task runs on the thread that calls `block_on`.
//!
//! # Algorithm
//!
//! The scheduler has one *core*: a local FIFO run queue plus the driver. The thread inside `block_on`
//! owns the core. Tasks woken on that thread go straight to the back of the local queue, with no
//! atomic operation; tasks spawned or woken from other threads go to the *inject* queue (a lock-free
//! `ConcurrentQueue`) and unpark the driver if the owner is parked.
//!
//! The owner loops: poll the `block_on` future when it was woken, then run up to
//! [`EVENT_INTERVAL`] tasks, taking from the inject queue first every [`GLOBAL_QUEUE_INTERVAL`] ticks so
//! that remote work is never starved by a busy local queue, then poll the driver without blocking so
//! that I/O and timers are never starved either. With nothing to do it parks on the driver with no
//! timeout; a driver with paused time may then advance its clock.
//!
//! A task woken while it runs (a yield) goes to the back of the queue like any other, so every queued
//! task runs before it again. Each task poll runs under a fresh cooperative budget.
//!
//! # Deferred tasks
//!
//! A task that woke itself with its budget spent (a budgeted resource returned `Pending` to make it
//! yield), or through `yield_now`, is *deferred*: it runs again only after the driver has been polled. Re-polled at once, it
//! would spend its budget on the same ready resources again, and I/O that the same task waits for
//! (an `accept` joined with a busy loop) would never be seen. Once only deferred work is left, the
//! owner polls the driver without blocking and queues them again; when busy, they are queued again
//! at the next driver poll. The `block_on` future is treated the same way.
//!
//! # Lost wake-ups
//!
//! Before parking, the owner publishes `parked = true`, then re-checks the inject queue and the
//! `block_on` future's wake flag (a SeqCst fence between the store and the checks). A remote waker
//! pushes its task (or sets the flag), fences, then reads `parked` and unparks the driver if set. One
//! of the two always sees the other: either the owner finds the work, or the waker finds the owner
//! parked. The driver's unpark is sticky (an unpark before `park` makes `park` return at once), which
//! covers the owner being between the check and the park.
//!
//! # Shutdown
//!
//! `shutdown` closes the task list, which aborts every live task and so schedules it once more;
//! the scheduler then closes the inject queue and runs every queued runnable, which drops its future
//! without polling it. A task woken after that finds the queue closed and is dropped by its waker,
//! outside every lock, instead of being stranded in the queue. No runnable is ever dropped while a
//! lock is held.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Wake, Waker};
use std::time::{Duration, Instant};

use concurrent_queue::ConcurrentQueue;
use zokio_coop::Budget;
use zokio_task::{Runnable, ScheduleInfo, TaskList};

// The flags and the fence of the wake-up protocol (see "Lost wake-ups"), and the thread-locals,
// come from the loom facade: a loom model runs this scheduler.
use crate::loom::{AtomicBool, fence};
use crate::metrics::{RuntimeMetrics, WorkerMetrics};
use crate::thread_parker::ThreadParker;
use crate::thread_state::THREAD;
use crate::{Driver, Scheduler, Unpark};

/// How many ticks between checks of the inject queue ahead of the local queue (Tokio's value).
pub const GLOBAL_QUEUE_INTERVAL: u32 = 31;
/// How many task polls between non-blocking polls of the driver (Tokio's value).
pub const EVENT_INTERVAL: u32 = 61;

/// Settings of the current-thread scheduler.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Ticks between inject-queue checks ahead of the local queue. Must be non-zero.
    pub global_queue_interval: u32,
    /// Task polls between non-blocking driver polls. Must be non-zero.
    pub event_interval: u32,
    /// Called around each idle park of the thread inside `block_on`.
    pub park_hooks: crate::ParkHooks,
    /// The runtime's name, reported by the `tracing` feature's runtime events. Default `None`.
    pub name: Option<Arc<str>>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            global_queue_interval: GLOBAL_QUEUE_INTERVAL,
            event_interval: EVENT_INTERVAL,
            park_hooks: crate::ParkHooks::default(),
            name: None,
        }
    }
}

/// The current-thread scheduler. See the [module docs](self).
pub struct CurrentThread {
    shared: Arc<Shared>,
    /// The local queue and the driver; held by the thread inside `block_on`.
    core: Mutex<Option<Box<Core>>>,
    config: Config,
}

pub(crate) struct Shared {
    inject: ConcurrentQueue<Runnable>,
    tasks: Arc<TaskList>,
    unparker: Arc<dyn Unpark>,
    /// Whether the core's owner is parked (or about to park) on the driver.
    parked: AtomicBool,
    /// Set once shutdown has begun: schedules from now on go to the inject queue only.
    closed: AtomicBool,
    /// Counters read by [`CurrentThread::metrics`], written only by the core's owner.
    polls: AtomicU64,
    parks: AtomicU64,
}

struct Core {
    /// Lent to the thread's state while the core's owner runs `block_on` (see [`OwnerGuard`]).
    local: RefCell<LocalQueues>,
    driver: Box<dyn Driver>,
    tick: u32,
}

/// The owner's queues: the run queue, and the tasks that spent their whole budget and wait for the
/// driver to be polled before they run again (see "Deferred tasks").
#[derive(Default)]
pub(crate) struct LocalQueues {
    ready: VecDeque<Runnable>,
    deferred: Vec<Runnable>,
}

impl CurrentThread {
    /// A scheduler that parks on `driver`.
    pub fn new(driver: Box<dyn Driver>, config: Config) -> CurrentThread {
        assert!(
            config.global_queue_interval > 0,
            "global_queue_interval must be greater than 0"
        );
        assert!(
            config.event_interval > 0,
            "event_interval must be greater than 0"
        );
        let unparker = driver.unparker();
        #[cfg(feature = "tracing")]
        crate::trace::runtime_started("current_thread", 1, config.name.as_deref());
        CurrentThread {
            shared: Arc::new(Shared {
                inject: ConcurrentQueue::unbounded(),
                tasks: Arc::new(TaskList::new(1)),
                unparker,
                parked: AtomicBool::new(false),
                closed: AtomicBool::new(false),
                polls: AtomicU64::new(0),
                parks: AtomicU64::new(0),
            }),
            core: Mutex::new(Some(Box::new(Core {
                local: RefCell::new(LocalQueues {
                    ready: VecDeque::with_capacity(256),
                    deferred: Vec::new(),
                }),
                driver,
                tick: 0,
            }))),
            config,
        }
    }

    fn take_core(&self) -> Option<Box<Core>> {
        self.core.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    fn put_core(&self, core: Box<Core>) {
        *self.core.lock().unwrap_or_else(|p| p.into_inner()) = Some(core);
    }

    /// Runs until `future` completes, owning the core.
    fn run_with_core(&self, core: &mut Core, mut future: Pin<&mut dyn Future<Output = ()>>) {
        let shared = &*self.shared;
        let main = Arc::new(MainWaker {
            woken: AtomicBool::new(true),
            shared: Arc::downgrade(&self.shared),
        });
        let waker = Waker::from(Arc::clone(&main));
        let mut cx = Context::from_waker(&waker);
        let _owner = OwnerGuard::enter(shared, &core.local);
        // Polls (of tasks and of the main future) since the driver was last polled.
        let mut since_driver = 0u32;

        // Whether the main future spent its whole budget on its last poll: it then waits, like a
        // deferred task, until the driver has been polled.
        let mut main_deferred = false;

        loop {
            if !main_deferred && main.woken.swap(false, Ordering::AcqRel) {
                since_driver += 1;
                let polled = zokio_coop::with_budget(Budget::initial(), || {
                    let polled = future.as_mut().poll(&mut cx);
                    main_deferred = zokio_coop::wants_defer();
                    polled
                });
                if polled.is_ready() {
                    return;
                }
                if main_deferred {
                    // Its wake-up (a spent budget wakes the future at once) waits for the driver.
                    main_deferred = main.woken.load(Ordering::Acquire);
                }
            }

            // Up to `event_interval` tasks between two polls of the main future (and of the driver):
            // a main future that keeps yielding cannot starve the tasks, nor they it.
            let mut ran = 0;
            while ran < self.config.event_interval {
                let Some(runnable) = self.next_task(&mut core.tick) else {
                    break;
                };
                core.tick = core.tick.wrapping_add(1);
                ran += 1;
                zokio_coop::with_budget(Budget::initial(), || runnable.run());
            }
            shared.polls.fetch_add(ran as u64, Ordering::Relaxed);
            since_driver += ran;

            let deferred = main_deferred || with_local(|l| !l.borrow().deferred.is_empty());
            let busy = ran == self.config.event_interval
                || (main.woken.load(Ordering::Acquire) && !main_deferred);
            if busy && since_driver < self.config.event_interval {
                continue;
            }
            if busy || deferred {
                // Busy, or only deferred work left: let I/O and timers in without blocking, then
                // give the deferred tasks their turn.
                since_driver = 0;
                core.driver.park(Some(Duration::ZERO));
                with_local(|l| {
                    let mut l = l.borrow_mut();
                    let LocalQueues { ready, deferred } = &mut *l;
                    ready.extend(deferred.drain(..));
                });
                main_deferred = false;
                continue;
            }
            since_driver = 0;

            // Idle: park unless work arrived in the meantime (see "Lost wake-ups").
            shared.parked.store(true, Ordering::Relaxed);
            fence(Ordering::SeqCst);
            let has_work = main.woken.load(Ordering::Relaxed)
                || !shared.inject.is_empty()
                || with_local(|l| !l.borrow().ready.is_empty());
            if !has_work {
                shared.parks.fetch_add(1, Ordering::Relaxed);
                self.config.park_hooks.before_park();
                core.driver.park(None);
                self.config.park_hooks.after_unpark();
            }
            shared.parked.store(false, Ordering::Relaxed);
        }
    }

    fn next_task(&self, tick: &mut u32) -> Option<Runnable> {
        if *tick % self.config.global_queue_interval == 0 {
            if let Ok(runnable) = self.shared.inject.pop() {
                return Some(runnable);
            }
        }
        with_local(|l| l.borrow_mut().ready.pop_front()).or_else(|| self.shared.inject.pop().ok())
    }
}

impl Shared {
    fn is_owner(&self) -> bool {
        THREAD
            .try_with(|t| std::ptr::eq(t.core_owner.get(), self))
            .unwrap_or(false)
    }

    fn schedule(&self, runnable: Runnable, info: ScheduleInfo) {
        if self.is_owner() && !self.closed.load(Ordering::Relaxed) {
            with_local(|l| {
                let mut l = l.borrow_mut();
                // A task that woke itself with its budget spent (a budgeted resource said "yield")
                // waits for the driver: run again first, it would find the same resources still
                // unready and spend the budget again, and I/O in the same task would never run.
                if info.woken_while_running && zokio_coop::wants_defer() {
                    l.deferred.push(runnable);
                } else {
                    l.ready.push_back(runnable);
                }
            });
            return;
        }
        // The queue is unbounded, so a push fails only once shutdown has closed it: the task has
        // been cancelled then, and dropping it here (no lock held) drops what is left of it. Queueing
        // it instead would strand it there, and the queue's runnables keep the scheduler alive: a leak.
        if let Err(err) = self.inject.push(runnable) {
            drop(err.into_inner());
            return;
        }
        self.notify_owner();
    }

    fn notify_owner(&self) {
        fence(Ordering::SeqCst);
        if self.parked.load(Ordering::Relaxed) {
            self.unparker.unpark();
        }
    }
}

/// Marks this thread as the core's owner and lends the core's local queues to the thread's state
/// for the duration of `block_on`; takes both back on drop (also on panic).
struct OwnerGuard<'a> {
    previous: (*const Shared, *const RefCell<LocalQueues>),
    _local: PhantomData<&'a RefCell<LocalQueues>>,
}

impl<'a> OwnerGuard<'a> {
    fn enter(shared: &Shared, local: &'a RefCell<LocalQueues>) -> OwnerGuard<'a> {
        let previous = THREAD.with(|t| (t.core_owner.replace(shared), t.core_local.replace(local)));
        OwnerGuard {
            previous,
            _local: PhantomData,
        }
    }
}

impl Drop for OwnerGuard<'_> {
    fn drop(&mut self) {
        let _ = THREAD.try_with(|t| {
            t.core_owner.set(self.previous.0);
            t.core_local.set(self.previous.1);
        });
    }
}

/// Runs `f` on the local queues of the core this thread holds.
///
/// # Panics
///
/// Panics when this thread holds no core: only the owner's paths call it.
fn with_local<R>(f: impl FnOnce(&RefCell<LocalQueues>) -> R) -> R {
    let local = THREAD.with(|t| t.core_local.get());
    assert!(
        !local.is_null(),
        "the current-thread core's queues used off its owner"
    );
    // SAFETY: the pointer is non-null only between an `OwnerGuard::enter` on this thread and that
    // guard's drop (or an inner guard's, which restores it), and the guard holds a shared borrow of
    // the `RefCell` for its whole life: the cell is alive and stays put. The `RefCell` itself checks
    // the borrows made through it.
    f(unsafe { &*local })
}

/// The waker of the `block_on` future: sets a flag the run loop checks, and unparks the owner.
struct MainWaker {
    woken: AtomicBool,
    shared: Weak<Shared>,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        if let Some(shared) = self.shared.upgrade() {
            if !shared.is_owner() {
                shared.notify_owner();
            }
        }
    }
}

impl Scheduler for CurrentThread {
    fn schedule(&self, runnable: Runnable, info: ScheduleInfo) {
        self.shared.schedule(runnable, info);
    }

    fn block_on(&self, mut future: Pin<&mut dyn Future<Output = ()>>) {
        let _runtime = crate::context::enter_runtime();
        loop {
            if let Some(core) = self.take_core() {
                // Give the core back even if a poll panics, so the runtime stays usable.
                struct PutBack<'a>(&'a CurrentThread, Option<Box<Core>>);
                impl Drop for PutBack<'_> {
                    fn drop(&mut self) {
                        if let Some(core) = self.1.take() {
                            self.0.put_core(core);
                        }
                    }
                }
                let mut guard = PutBack(self, Some(core));
                let core = guard
                    .1
                    .as_mut()
                    .expect("the core was just put in the guard");
                self.run_with_core(core, future.as_mut());
                return;
            }
            // Another thread is inside `block_on` and runs the tasks; this thread only polls its own
            // future, sleeping in between. It retries for the core now and then in case the other
            // `block_on` returned.
            let parker = Arc::new(ThreadParker::default());
            let waker = Waker::from(Arc::new(ThreadUnparker(Arc::clone(&parker))));
            let mut cx = Context::from_waker(&waker);
            loop {
                if future.as_mut().poll(&mut cx).is_ready() {
                    return;
                }
                if parker.park(Some(Instant::now() + Duration::from_millis(10))) {
                    continue;
                }
                if self
                    .core
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .is_some()
                {
                    break;
                }
            }
        }
    }

    fn task_list(&self) -> &Arc<TaskList> {
        &self.shared.tasks
    }

    fn metrics(&self) -> RuntimeMetrics {
        // The local queue lives in the owner's thread-local while `block_on` runs; from another
        // thread only the core's copy (empty during `block_on`) can be read.
        let local_queue_depth = if self.shared.is_owner() {
            with_local(|l| {
                l.try_borrow()
                    .map_or(0, |l| l.ready.len() + l.deferred.len())
            })
        } else {
            self.core
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
                .map_or(0, |core| {
                    let local = core.local.borrow();
                    local.ready.len() + local.deferred.len()
                })
        };
        let mut metrics = RuntimeMetrics::basic(1, self.shared.tasks.len());
        metrics.global_queue_depth = self.shared.inject.len();
        metrics.workers = vec![WorkerMetrics {
            polls: self.shared.polls.load(Ordering::Relaxed),
            parks: self.shared.parks.load(Ordering::Relaxed),
            local_queue_depth,
            ..WorkerMetrics::default()
        }];
        metrics
    }

    fn shutdown(&self, _timeout: Duration) {
        if self.shared.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        // Cancels every live task; each is scheduled once more and lands in the inject queue.
        self.shared.tasks.close_and_abort_all();
        let mut core = self.take_core();
        if let Some(core) = core.as_mut() {
            // Tasks queued locally before shutdown (e.g. spawned but never run).
            let local = core.local.get_mut();
            let deferred = std::mem::take(&mut local.deferred);
            local.ready.extend(deferred);
            while let Some(runnable) = local.ready.pop_front() {
                runnable.run();
            }
        }
        // From now on a schedule drops its runnable instead of queueing it (see `Shared::schedule`).
        self.shared.inject.close();
        // Running an aborted task drops its future without polling it; a drop may wake other tasks,
        // which are dropped by the closed queue, so this drains for good.
        while let Ok(runnable) = self.shared.inject.pop() {
            runnable.run();
        }
        if let Some(mut core) = core {
            core.driver.shutdown();
            self.put_core(core);
        }
        #[cfg(feature = "tracing")]
        crate::trace::runtime_shutdown("current_thread", 1, self.config.name.as_deref(), false);
    }
}

impl std::fmt::Debug for CurrentThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurrentThread")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

struct ThreadUnparker(Arc<ThreadParker>);

impl Wake for ThreadUnparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

#[cfg(test)]
#[path = "current_thread_tests.rs"]
mod tests;

#[cfg(all(test, loom))]
#[path = "current_thread_loom.rs"]
mod loom_tests;
