//! The state all workers share, and how a woken task reaches a worker.

use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, SeqCst};

use crossbeam_utils::CachePadded;
use zokio_task::{Runnable, ScheduleInfo, TaskList};

use super::idle::Idle;
use super::inject::Inject;
use super::park::{SharedDriver, Unparker};
use super::queue::Steal;
use super::stats::WorkerCounters;
use super::worker::{self, Core};
use crate::blocking::Spawner;
// The exit bookkeeping and the hand-off slots come from the loom facade too: the models run whole
// schedulers, shutdown and `block_in_place` included.
use crate::loom::{AtomicPtr, AtomicUsize as WatchWord, Condvar, JoinHandle, Mutex};

/// The state of the scheduler that every worker (and every waker) can reach.
pub(crate) struct Shared {
    pub(crate) remotes: Box<[Remote]>,
    pub(crate) inject: Inject<Runnable>,
    pub(crate) idle: Idle,
    pub(crate) tasks: Arc<TaskList>,
    pub(crate) driver: Arc<SharedDriver>,
    pub(crate) blocking: Spawner,
    pub(crate) config: RunConfig,
    /// Set at shutdown; workers check it at every maintenance tick and after every park.
    pub(crate) shutdown: AtomicBool,
    /// Whether an idle worker watches for stuck LIFO slots, or one is wanted (`lifo_watch::NONE`,
    /// `WANTED` or `WATCHING`). Read on the LIFO fast path, written only when the watch changes hands:
    /// kept off the lines of the counters that change on every push.
    /// (A loom atomic under loom: a model checks the hand-off of the watch.)
    pub(crate) lifo_watch: CachePadded<WatchWord>,
    /// Bookkeeping of cores and threads for shutdown.
    pub(crate) exit: Mutex<ExitState>,
    pub(crate) exit_changed: Condvar,
}

/// The run-loop settings of [`super::Config`].
#[derive(Clone, Debug)]
pub(crate) struct RunConfig {
    pub(crate) global_queue_interval: Option<u32>,
    pub(crate) event_interval: u32,
    pub(crate) disable_lifo_slot: bool,
    pub(crate) park_hooks: crate::ParkHooks,
}

#[derive(Default)]
pub(crate) struct ExitState {
    /// Cores that have been shut down (their queues drained).
    pub(crate) cores_done: usize,
    /// Worker threads started by the scheduler that have not exited.
    pub(crate) threads_alive: usize,
    /// Join handles of those threads.
    pub(crate) handles: Vec<JoinHandle<()>>,
}

/// What other threads can reach of one worker.
pub(crate) struct Remote {
    /// Read often by thieves: kept apart from what the owner writes on every poll.
    pub(crate) steal: CachePadded<Steal<Runnable>>,
    pub(crate) unpark: Unparker,
    /// Written by the owner on every poll; read by the others only to check for a stuck poll.
    pub(crate) hot: CachePadded<Hot>,
    /// A core waiting to be taken over: by the thread that `block_in_place` started, or by shutdown.
    pub(crate) handoff: Mutex<Option<Box<Core>>>,
}

/// The part of a worker's state its owner writes on the hot path.
pub(crate) struct Hot {
    pub(crate) lifo: LifoSlot,
    pub(crate) counters: WorkerCounters,
}

impl Shared {
    /// The schedule function of every task of this scheduler.
    pub(crate) fn schedule(&self, runnable: Runnable, info: ScheduleInfo) {
        if let Err(runnable) = worker::schedule_local(self, runnable, info.woken_while_running) {
            self.schedule_remote(runnable);
        }
    }

    /// Queues a task from a thread that holds no core of this scheduler.
    pub(crate) fn schedule_remote(&self, runnable: Runnable) {
        match self.inject.push(runnable) {
            Ok(()) => self.notify_parked(),
            // Shut down: drop the task here, where no scheduler lock is held.
            Err(runnable) => drop(runnable),
        }
    }

    /// Wakes one parked worker if nobody is searching for work already.
    pub(crate) fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.remotes[index].unpark.unpark();
        }
    }

    /// Called by the last searcher before it parks: work that arrived while it searched (and whose
    /// notify was skipped because it searched) gets a worker.
    pub(crate) fn notify_if_work_pending(&self) {
        let pending = self.remotes.iter().any(|r| !r.steal.is_empty()) || !self.inject.is_empty();
        if pending {
            self.notify_parked();
        }
    }

    /// Called by the last searcher as it stops searching because it found a task. Notifies were
    /// skipped while it searched (tokio#4383), so it wakes a worker if anything still waits for
    /// one: a task in a queue, or a watch over a LIFO slot that an owner asked for
    /// ([`WANTED`](super::lifo_watch::WANTED)).
    ///
    /// Tokio wakes a worker here unconditionally. When the searcher took the only task there was
    /// (one task spawned into an idle runtime from outside it, the way `block_on(spawn(..))`
    /// starts), that worker searched an empty runtime and parked again, on every such spawn, and
    /// its wake-up competed with the task for the CPUs: a `block_on` of one spawned task took
    /// 14-18 µs at the median on 2 workers, 3.6 µs without.
    ///
    /// Nothing is missed. Every notifier queues its task (or marks the watch wanted) before it
    /// checks for searchers, and those checks and the searcher's decrement are `SeqCst` operations
    /// on the idle word, as is the searcher's look that follows: either a notifier's check comes
    /// after the decrement and finds no searcher (it wakes a worker itself), or the searcher's look
    /// comes after the notifier's task or mark and finds it.
    pub(crate) fn notify_if_work_or_watch_pending(&self) {
        if self.lifo_watch.load(SeqCst) == super::lifo_watch::WANTED {
            self.notify_parked();
        } else {
            self.notify_if_work_pending();
        }
    }

    /// Wakes every worker, keeping the idle bookkeeping consistent (used at shutdown).
    pub(crate) fn unpark_all(&self) {
        self.idle.unpark_all();
        for remote in self.remotes.iter() {
            remote.unpark.unpark();
        }
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Acquire)
    }

    /// Records that a core has been shut down.
    pub(crate) fn core_done(&self) {
        let mut exit = self.exit.lock().unwrap_or_else(|p| p.into_inner());
        exit.cores_done += 1;
        self.exit_changed.notify_all();
    }

    /// Wakes a shutdown waiting for a core that was just parked in a `handoff` slot.
    pub(crate) fn handoff_posted(&self) {
        let _exit = self.exit.lock().unwrap_or_else(|p| p.into_inner());
        self.exit_changed.notify_all();
    }
}

/// A worker's LIFO slot: the task that the running task woke last, run right after it.
///
/// An `AtomicPtr` holding a raw `Runnable`. The owner puts and takes with a swap (one uncontended
/// atomic on a line it already owns), and checks emptiness with a plain load first, so an empty slot
/// costs no read-modify-write. Another worker may take the task only with a compare-and-swap, and only
/// once the owner has been stuck in one poll for a while (see `lifo_watch`); whoever's operation
/// succeeds on the atomic owns the task. (A worker that gives up the watch also compare-and-swaps
/// the value with itself, which changes nothing: see [`LifoSlot::is_occupied_now`].)
pub(crate) struct LifoSlot(AtomicPtr<()>);

impl LifoSlot {
    pub(crate) fn new() -> LifoSlot {
        LifoSlot(AtomicPtr::new(ptr::null_mut()))
    }

    fn into_runnable(ptr: *mut ()) -> Option<Runnable> {
        let ptr = NonNull::new(ptr)?;
        // SAFETY: every non-null value in the slot came from `Runnable::into_raw`, and the swap or
        // compare-and-swap that returned it removed it from the slot, so it is converted back once.
        Some(unsafe { Runnable::from_raw(ptr) })
    }

    /// Puts `task` in the slot (owner only); returns the task it displaces.
    ///
    /// The owner then checks the watch word (see `lifo_watch` for how the two pair up).
    pub(crate) fn put(&self, task: Runnable) -> Option<Runnable> {
        let previous = self.0.swap(task.into_raw().as_ptr(), SeqCst);
        Self::into_runnable(previous)
    }

    /// Takes the task out of the slot (owner only).
    #[inline]
    pub(crate) fn take(&self) -> Option<Runnable> {
        if self.0.load(Relaxed).is_null() {
            return None;
        }
        Self::into_runnable(self.0.swap(ptr::null_mut(), AcqRel))
    }

    /// Whether a task sits in the slot, and which (an opaque token for [`LifoSlot::steal`]).
    pub(crate) fn peek(&self) -> Option<*mut ()> {
        let ptr = self.0.load(SeqCst);
        (!ptr.is_null()).then_some(ptr)
    }

    /// Whether a task sits in the slot, read by a compare-and-swap that writes the value back
    /// unchanged: unlike a load, a read-modify-write reads the newest value. A worker that has just
    /// given up the LIFO watch rechecks the slots with it: either it sees a task that an owner put
    /// while it still looked watched, or that owner's later swap reads this write and so sees the
    /// watch already released (see `lifo_watch`). This holds without relying on the single total
    /// order of `SeqCst` operations, which loom does not model. Rare: only when a watch ends.
    pub(crate) fn is_occupied_now(&self) -> bool {
        let mut current = self.0.load(SeqCst);
        loop {
            match self.0.compare_exchange(current, current, SeqCst, SeqCst) {
                Ok(ptr) => return !ptr.is_null(),
                Err(actual) => current = actual,
            }
        }
    }

    /// Takes the task `seen` (from [`LifoSlot::peek`]) if it is still in the slot (any thread).
    pub(crate) fn steal(&self, seen: *mut ()) -> Option<Runnable> {
        match self
            .0
            .compare_exchange(seen, ptr::null_mut(), AcqRel, Relaxed)
        {
            Ok(ptr) => Self::into_runnable(ptr),
            Err(_) => None,
        }
    }
}

impl Drop for LifoSlot {
    fn drop(&mut self) {
        drop(self.take());
    }
}
