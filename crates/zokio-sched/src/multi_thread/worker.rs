//! A worker: its core (run queue, LIFO bookkeeping, parker) and its run loop.
//!
//! # The run loop
//!
//! Each tick a worker takes one task, in this order:
//! 1. every `global_queue_interval` ticks, the global queue first (fairness: tasks woken from outside
//!    cannot be starved by a worker whose local queue never empties);
//! 2. its LIFO slot, then its local queue;
//! 3. a batch from the global queue (`len / workers + 1`, capped at half the local queue);
//! 4. half the queue of another worker (starting at a random one), as a *searching* worker;
//! 5. if it is the LIFO watcher, a stuck worker's LIFO slot (see [`super::lifo_watch`]);
//! 6. otherwise it parks.
//!
//! Every `event_interval` ticks it also polls the driver without blocking, so that I/O and timers are
//! served while all workers are busy.
//!
//! # Deferred tasks
//!
//! A task that woke itself with its budget spent (a budgeted resource returned `Pending` to make it
//! yield), or through `yield_now`, is *deferred*: it waits in its worker's deferred list until that
//! worker has polled the driver (at the next `event_interval` tick, or at once when nothing else is
//! left to run), as on Tokio. Re-polled at once, it would spend its budget on the same ready
//! resources again, and I/O that the same task waits for would never be seen.
//!
//! # The LIFO slot
//!
//! A task woken by the running task (a message passed to it, typically) goes into the LIFO slot and
//! runs right after the current task, on the same worker, with what is left of the current task's
//! coop budget: that is what makes request/response chains fast. Two tasks that keep waking each other
//! would hold the worker forever, so after [`MAX_LIFO_POLLS_PER_TICK`] LIFO polls in a row the slot is
//! disabled until a task from the queue runs (tokio#5712), and a LIFO task with no budget left goes to
//! the back of the queue.

use std::cell::RefCell;
use std::ptr;
use std::sync::Arc;
use std::time::Duration;

use zokio_coop::Budget;
use zokio_task::Runnable;

use super::lifo_watch::Watch;
use super::park::Parker;
use super::queue::{CAPACITY, Local};
use super::shared::{Hot, RunConfig, Shared};
use super::stats::{INITIAL_INTERVAL, Tuner, bump};
use crate::context::{self, Handle};
use crate::thread_state::THREAD;

/// LIFO polls in a row, per tick, before the slot is disabled until a queued task runs.
pub(crate) const MAX_LIFO_POLLS_PER_TICK: u32 = 3;

/// The fewest workers with which the LIFO watcher yields before it sleeps (see `park`).
const WATCHER_YIELDS_FROM_WORKERS: usize = 3;

/// A worker's private state. Whoever holds the `Box<Core>` is the worker: a core moves to another
/// thread when its thread enters `block_in_place`.
pub(crate) struct Core {
    pub(crate) index: usize,
    tick: u32,
    lifo_enabled: bool,
    pub(crate) run_queue: Local<Runnable>,
    pub(crate) is_searching: bool,
    is_shutdown: bool,
    /// Set while the worker parks: tasks it is handed then are not announced to other workers one by
    /// one; the worker decides after the park whether to wake someone.
    in_driver: bool,
    park: Option<Parker>,
    rand: fastrand::Rng,
    global_queue_interval: u32,
    tuner: Tuner,
    polls: u64,
    pub(crate) watch: Watch,
    /// Tasks that woke themselves with their budget spent: they run again only after the driver
    /// has been polled (see "Deferred tasks").
    pub(crate) deferred: Vec<Runnable>,
}

impl Core {
    pub(crate) fn new(
        index: usize,
        run_queue: Local<Runnable>,
        park: Parker,
        config: &RunConfig,
    ) -> Box<Core> {
        Box::new(Core {
            index,
            tick: 0,
            lifo_enabled: !config.disable_lifo_slot,
            run_queue,
            is_searching: false,
            is_shutdown: false,
            in_driver: false,
            park: Some(park),
            rand: fastrand::Rng::new(),
            global_queue_interval: config
                .global_queue_interval
                .unwrap_or(INITIAL_INTERVAL)
                .max(1),
            tuner: Tuner::new(),
            polls: 0,
            watch: Watch::default(),
            deferred: Vec::new(),
        })
    }

    fn hot<'a>(&self, shared: &'a Shared) -> &'a Hot {
        &shared.remotes[self.index].hot
    }

    /// Queues a task woken on this worker's thread. Returns whether another worker should be woken.
    fn schedule_local(&mut self, shared: &Shared, task: Runnable, is_yield: bool) -> bool {
        if is_yield && zokio_coop::wants_defer() {
            self.deferred.push(task);
            return false;
        }
        if is_yield || !self.lifo_enabled {
            self.push_back(shared, task);
            return !self.in_driver;
        }
        match self.hot(shared).lifo.put(task) {
            Some(previous) => {
                self.push_back(shared, previous);
                !self.in_driver
            }
            // Only the LIFO slot holds it: it runs next, on this worker, unless this worker gets stuck
            // in a poll; then a watcher must be around to take it. (Woken while this worker parks, it
            // runs as soon as the park returns, unless the global queue's turn comes first: see
            // `next_task`.)
            None => !self.in_driver && super::lifo_watch::needs_watcher(shared),
        }
    }

    /// Pushes to the back of the local queue, overflowing into the global queue when full.
    pub(crate) fn push_back(&mut self, shared: &Shared, task: Runnable) {
        if self.run_queue.push_back_or_overflow(task, &shared.inject) {
            bump(&self.hot(shared).counters.overflows, 1);
        }
    }

    fn next_task(&mut self, shared: &Shared) -> Option<Runnable> {
        if self.tick % self.global_queue_interval == 0 {
            let Some(task) = shared.inject.pop() else {
                return self.next_local_task(shared);
            };
            // A task in the LIFO slot now waits behind this one, which may poll for long. One put
            // there while this worker parked was not announced (see `schedule_local`): ask for a
            // watcher now, or it could sit there with every other worker asleep.
            if self.hot(shared).lifo.peek().is_some() && super::lifo_watch::needs_watcher(shared) {
                shared.notify_parked();
            }
            return Some(task);
        }
        if let Some(task) = self.next_local_task(shared) {
            return Some(task);
        }
        if shared.inject.is_empty() {
            return None;
        }
        // Take a fair share of the global queue, keeping room for the tasks they will spawn.
        let room = self.run_queue.remaining_slots().min(CAPACITY / 2);
        let share = shared.inject.len() / shared.remotes.len() + 1;
        let max = share.min(room).max(1);
        let first = shared.inject.pop()?;
        for _ in 1..max {
            let Some(task) = shared.inject.pop() else {
                break;
            };
            // Within `room`: the local queue takes it without overflowing.
            self.run_queue.push_back_or_overflow(task, &shared.inject);
        }
        Some(first)
    }

    fn next_local_task(&mut self, shared: &Shared) -> Option<Runnable> {
        self.hot(shared)
            .lifo
            .take()
            .or_else(|| self.run_queue.pop())
    }

    fn steal_work(&mut self, shared: &Shared) -> Option<Runnable> {
        if !self.transition_to_searching(shared) {
            return None;
        }
        let n = shared.remotes.len();
        let start = self.rand.usize(..n);
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            if let Some((task, stolen)) =
                shared.remotes[victim].steal.steal_into(&mut self.run_queue)
            {
                let counters = &self.hot(shared).counters;
                bump(&counters.steals, stolen as u64);
                bump(&counters.steal_operations, 1);
                return Some(task);
            }
        }
        if let Some(task) = shared.inject.pop() {
            return Some(task);
        }
        let task = super::lifo_watch::steal_stuck(self, shared)?;
        bump(&self.hot(shared).counters.lifo_steals, 1);
        Some(task)
    }

    fn transition_to_searching(&mut self, shared: &Shared) -> bool {
        if !self.is_searching {
            self.is_searching = shared.idle.transition_worker_to_searching();
        }
        self.is_searching
    }

    fn transition_from_searching(&mut self, shared: &Shared) {
        if !self.is_searching {
            return;
        }
        self.is_searching = false;
        if shared.idle.transition_worker_from_searching() {
            // The last searcher found work: notifies were skipped while it searched (tokio#4383),
            // so wake another worker if any work or watch is still waiting for one.
            shared.notify_if_work_or_watch_pending();
        }
    }

    fn has_tasks(&self, shared: &Shared) -> bool {
        self.hot(shared).lifo.peek().is_some() || self.run_queue.has_tasks()
    }

    /// Returns `false` when the worker has work after all and must not park.
    fn transition_to_parked(&mut self, shared: &Shared) -> bool {
        if self.has_tasks(shared) {
            return false;
        }
        let was_last_searcher = shared
            .idle
            .transition_worker_to_parked(self.index, self.is_searching);
        self.is_searching = false;
        if was_last_searcher {
            shared.notify_if_work_pending();
        }
        true
    }

    /// Returns `true` when the worker should leave its park loop.
    fn transition_from_parked(&mut self, shared: &Shared) -> bool {
        if self.has_tasks(shared) {
            // Woken by the driver with work of its own: run it. It searches only if a notifier
            // counted it as searching (it was no longer listed as parked).
            self.is_searching = !shared.idle.unpark_worker_by_id(self.index);
            return true;
        }
        if shared.idle.is_parked(self.index) {
            return false;
        }
        // Notified: the notifier counted this worker as searching.
        self.is_searching = true;
        true
    }

    /// Whether this worker yields a few times before it sleeps, instead of sleeping at once: only
    /// the LIFO watcher does, and only with [`WATCHER_YIELDS_FROM_WORKERS`] workers or more (see
    /// `WorkerContext::park`).
    fn yields_before_sleep(&self, shared: &Shared) -> bool {
        self.watch.is_watching() && shared.remotes.len() >= WATCHER_YIELDS_FROM_WORKERS
    }

    fn should_notify_others(&self, shared: &Shared) -> bool {
        !self.is_searching
            && usize::from(self.hot(shared).lifo.peek().is_some()) + self.run_queue.len() > 1
    }

    /// Queues the deferred tasks again, after a poll of the driver.
    ///
    /// Without waking another worker: these tasks ran on this worker a moment ago and it runs them
    /// again at once. Waking a parked worker for every such batch cost a `futex` wake per pass of a
    /// yield loop (50 tasks yielding 50 times: 14,300 `futex` calls per 500 rounds, 5,600 without),
    /// and the woken worker mostly found the batch gone. Work still spreads: `maintenance` polls the
    /// driver every `event_interval` ticks and wakes a parked worker when more than one task waits
    /// (`should_notify_others`), and searching workers steal from this queue.
    fn requeue_deferred(&mut self, shared: &Shared) {
        if self.deferred.is_empty() {
            return;
        }
        let mut deferred = std::mem::take(&mut self.deferred);
        for task in deferred.drain(..) {
            self.push_back(shared, task);
        }
        // Keep the allocation for the next ones.
        self.deferred = deferred;
    }

    fn update_shutdown(&mut self, shared: &Shared) {
        if !self.is_shutdown {
            self.is_shutdown = shared.is_shutdown();
        }
    }

    #[inline]
    fn poll_started(&mut self, hot: &Hot) {
        self.polls += 1;
        hot.counters
            .polls
            .store(self.polls, std::sync::atomic::Ordering::Relaxed);
        self.tuner.polled();
    }
}

/// The thread-local state of a thread that runs a worker loop.
pub(crate) struct WorkerContext {
    pub(crate) shared: Arc<Shared>,
    /// The runtime handle the worker runs under (for the successor of a `block_in_place`).
    pub(crate) handle: Handle,
    /// The core, while a task runs or the worker parks (so that wake-ups on this thread reach the
    /// local queue); `None` while the loop itself holds it, or after `block_in_place` gave it away.
    pub(crate) core: RefCell<Option<Box<Core>>>,
}

/// Resets the thread's worker (see [`crate::thread_state`]) when the worker loop ends.
struct CurrentGuard(*const WorkerContext);

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        let _ = THREAD.try_with(|t| t.worker.set(self.0));
    }
}

/// Runs `f` with the worker context of this thread, if the thread runs a worker loop.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&WorkerContext>) -> R) -> R {
    let ptr = THREAD.try_with(|t| t.worker.get()).unwrap_or(ptr::null());
    // SAFETY: a non-null worker pointer points to the `WorkerContext` on the stack of `run_worker` on this
    // very thread, which outlives every call made from inside its loop; the guard resets the pointer
    // before that context is dropped.
    let cx = unsafe { ptr.as_ref() };
    f(cx)
}

/// Queues `task` on the current worker if this thread holds a core of `shared`; gives it back
/// otherwise.
pub(crate) fn schedule_local(
    shared: &Shared,
    task: Runnable,
    is_yield: bool,
) -> Result<(), Runnable> {
    with_current(|cx| {
        let Some(cx) = cx.filter(|cx| ptr::eq(&*cx.shared, shared)) else {
            return Err(task);
        };
        let Ok(mut slot) = cx.core.try_borrow_mut() else {
            return Err(task);
        };
        let Some(core) = slot.as_mut() else {
            return Err(task);
        };
        let notify = core.schedule_local(shared, task, is_yield);
        drop(slot);
        if notify {
            shared.notify_parked();
        }
        Ok(())
    })
}

/// The body of a worker thread (or of the blocking thread that takes a core over after a
/// `block_in_place`): runs `core` until shutdown, then shuts it down. Returns early, without shutting
/// the core down, when the core was handed to another thread.
pub(crate) fn run_worker(handle: Handle, shared: Arc<Shared>, core: Box<Core>) {
    // A thread wrapper (the facade's) may have entered this runtime's context already, with what
    // the runtime adds to its handle (a name, a stop signal): keep that one.
    let handle = context::try_current()
        .filter(|current| current.id() == handle.id())
        .unwrap_or(handle);
    let _context = context::enter(handle.clone());
    // (Not under the loom models: zokio-coop's mark is a `std` thread-local, which loom's threads,
    // all run on the test's one OS thread, would share.)
    #[cfg(not(all(test, loom)))]
    let _runtime = context::enter_runtime();
    let cx = WorkerContext {
        shared,
        handle,
        core: RefCell::new(None),
    };
    let previous = THREAD.with(|t| t.worker.replace(&cx));
    let _current = CurrentGuard(previous);
    if let Ok(core) = cx.run(core) {
        shutdown_core(&cx.shared, core);
    }
}

/// Drops every task left in a stopped core's queues and records the core as done. The core is not in
/// any context, so a destructor's wake-up goes to the global queue, which the shutdown drains last.
/// Every task was aborted (and so queued) before the workers stopped, so such a wake-up normally
/// finds its task already queued and does nothing.
pub(crate) fn shutdown_core(shared: &Shared, mut core: Box<Core>) {
    drop(std::mem::take(&mut core.deferred));
    loop {
        let task = shared.remotes[core.index]
            .hot
            .lifo
            .take()
            .or_else(|| core.run_queue.pop());
        match task {
            Some(task) => drop(task),
            None => break,
        }
    }
    drop(core);
    shared.core_done();
}

impl WorkerContext {
    fn run(&self, mut core: Box<Core>) -> Result<Box<Core>, ()> {
        let shared = &*self.shared;
        core.update_shutdown(shared);
        core.tuner.start_batch();
        while !core.is_shutdown {
            core.tick = core.tick.wrapping_add(1);
            core = self.maintenance(core);
            if core.is_shutdown {
                break;
            }
            if let Some(task) = core.next_task(shared) {
                core = self.run_task(task, core)?;
                continue;
            }
            if let Some(task) = core.steal_work(shared) {
                core = self.run_task(task, core)?;
                continue;
            }
            if !core.deferred.is_empty() {
                // Only deferred work is left: poll the driver without blocking, then run it.
                core.transition_from_searching(shared);
                core = self.park_timeout(core, Some(Duration::ZERO), false);
                core.requeue_deferred(shared);
                core.update_shutdown(shared);
                continue;
            }
            core = self.park(core);
        }
        Ok(core)
    }

    fn maintenance(&self, mut core: Box<Core>) -> Box<Core> {
        let shared = &*self.shared;
        if core.tick % shared.config.event_interval != 0 {
            return core;
        }
        core.tuner.end_batch();
        // Serve I/O and timers even though this worker never runs out of tasks.
        core = self.park_timeout(core, Some(Duration::ZERO), false);
        core.requeue_deferred(shared);
        core.update_shutdown(shared);
        if shared.config.global_queue_interval.is_none() {
            core.global_queue_interval = core.tuner.interval();
        }
        core.tuner.start_batch();
        core
    }

    fn run_task(&self, task: Runnable, mut core: Box<Core>) -> Result<Box<Core>, ()> {
        let shared = &*self.shared;
        core.transition_from_searching(shared);
        // A worker that runs a task cannot watch the other LIFO slots.
        super::lifo_watch::stop_watching(&mut core, shared);
        core.lifo_enabled = !shared.config.disable_lifo_slot;
        let hot = core.hot(shared);
        core.poll_started(hot);
        *self.core.borrow_mut() = Some(core);
        zokio_coop::with_budget(Budget::initial(), || {
            task.run();
            let mut lifo_polls = 0;
            loop {
                let Some(mut core) = self.core.borrow_mut().take() else {
                    // `block_in_place` gave the core to another thread.
                    return Err(());
                };
                let Some(task) = hot.lifo.take() else {
                    *self.core.borrow_mut() = Some(core);
                    return Ok(());
                };
                if !zokio_coop::has_budget_remaining() {
                    // The chain used up the budget: the LIFO task waits its turn at the back.
                    core.push_back(shared, task);
                    *self.core.borrow_mut() = Some(core);
                    return Ok(());
                }
                lifo_polls += 1;
                if lifo_polls >= MAX_LIFO_POLLS_PER_TICK {
                    core.lifo_enabled = false;
                }
                core.poll_started(hot);
                *self.core.borrow_mut() = Some(core);
                task.run();
            }
        })?;
        self.core.borrow_mut().take().ok_or(())
    }

    fn park(&self, mut core: Box<Core>) -> Box<Core> {
        let shared = &*self.shared;
        core.tuner.end_batch();
        if core.transition_to_parked(shared) {
            bump(&core.hot(shared).counters.parks, 1);
            shared.config.park_hooks.before_park();
            while !core.is_shutdown {
                let timeout = super::lifo_watch::park_timeout(&mut core, shared);
                // The watcher yields a few times before it sleeps (see `park::YIELDS_BEFORE_SLEEP`):
                // a watch is on because some worker keeps filling its LIFO slot (spawning or passing
                // messages locally), and that worker's next push to its queue wakes a parked worker
                // within microseconds, usually the watcher, which parked last. Caught while it yields,
                // that wake costs the busy worker a swap instead of a futex wake (on 16 cores a spawn
                // chain ran about 20% faster). Other workers sleep at once: when tasks arrive from
                // outside (a remote spawn loop), workers that yield come back for one task at a
                // time, and the extra wake-ups made that loop 10-20% slower at 2 workers.
                //
                // With two workers the watcher sleeps at once too: there the busy worker's push is
                // usually the next link of a chain that it pops itself a moment later, and a watcher
                // caught awake stole it (the chain moved to the other CPU, and with it the wake-up
                // of whoever waits for the chain's end). A 200-link chain behind `block_on`, 2 workers:
                // 74 -> 55 µs per round (mean), the chain alone 46 -> 39 µs.
                let yield_first = core.yields_before_sleep(shared);
                core = self.park_timeout(core, timeout, yield_first);
                core.update_shutdown(shared);
                if core.transition_from_parked(shared) {
                    break;
                }
                if let Some(task) = super::lifo_watch::steal_stuck(&mut core, shared) {
                    // Take ourselves off the sleeper list and run it; if a notifier got there first, it
                    // counted us as searching.
                    core.is_searching = !shared.idle.unpark_worker_by_id(core.index);
                    bump(&core.hot(shared).counters.lifo_steals, 1);
                    core.push_back(shared, task);
                    break;
                }
            }
            shared.config.park_hooks.after_unpark();
        }
        // A watcher keeps its watch while it searches (see `lifo_watch`); it gives it up in `run_task`.
        core.tuner.start_batch();
        core
    }

    /// Parks the worker's parker (yielding first when `yield_first`), with the core reachable from
    /// wake-ups on this thread meanwhile.
    fn park_timeout(
        &self,
        mut core: Box<Core>,
        timeout: Option<Duration>,
        yield_first: bool,
    ) -> Box<Core> {
        let shared = &*self.shared;
        let mut park = core
            .park
            .take()
            .expect("a worker parks only with its parker");
        core.in_driver = true;
        *self.core.borrow_mut() = Some(core);
        if yield_first {
            park.yield_then_park(timeout);
        } else {
            park.park(timeout);
        }
        let mut core = self
            .core
            .borrow_mut()
            .take()
            .expect("the core stays in the context while its worker parks");
        core.in_driver = false;
        core.park = Some(park);
        if core.should_notify_others(shared) {
            shared.notify_parked();
        }
        core
    }
}

#[cfg(all(test, not(loom)))]
#[path = "worker_tests.rs"]
mod tests;
