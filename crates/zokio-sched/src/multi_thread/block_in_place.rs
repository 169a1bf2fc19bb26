//! `block_in_place`: run blocking code on a worker thread without stalling the worker's tasks.
//!
//! The calling worker hands its core (run queue and all) to a successor thread from the blocking pool,
//! which runs the worker loop in its place, and then runs the closure. Afterwards it takes the core back
//! if the successor has not started yet; otherwise the calling thread finishes the current task's poll
//! without a core and leaves the worker loop, and the successor stays the worker.
//!
//! Before the handoff, the LIFO task moves to the back of the run queue, so that the successor (or a
//! thief) finds it there. zokio has no deferred wake-up list (a task that yields is requeued at once),
//! so no wake-up can be left behind in the calling thread (tokio#7877).

use std::sync::Arc;

use super::shared::Shared;
use super::worker::{self, with_current};
use crate::context::{Handle, RuntimeGuard};

/// Runs `f`, a closure that blocks, on the current worker thread, after moving the worker's other
/// tasks to another thread so that they keep running.
///
/// `f` runs without a coop budget and outside the "driving a runtime" mark, so it may call a
/// `block_on`. Also allowed inside the multi-thread scheduler's `block_on`, where it simply runs `f`.
///
/// ```
/// use std::time::Duration;
/// use zokio_sched::multi_thread::{block_in_place, Config, MultiThread};
/// use zokio_sched::{blocking::{self, BlockingPool}, Handle, ParkThread, Scheduler};
///
/// let pool = BlockingPool::new(blocking::Config::default());
/// let mut config = Config::default();
/// config.worker_threads = 2;
/// let scheduler = MultiThread::new(config, Box::new(ParkThread::new()), pool.spawner().clone()).unwrap();
/// let handle = Handle::with_blocking(scheduler.clone(), pool.spawner().clone());
/// let task = handle.spawn(async { block_in_place(|| std::thread::sleep(Duration::from_millis(1))); 7 });
/// let mut out = 0;
/// scheduler.block_on(Box::pin(async { out = task.await.unwrap() }).as_mut());
/// assert_eq!(out, 7);
/// scheduler.shutdown(Duration::from_secs(5));
/// pool.shutdown(Duration::from_secs(5));
/// ```
///
/// # Panics
///
/// Panics when called outside a multi-thread worker and outside its `block_on` (for instance on a
/// current-thread runtime, whose only thread it would block).
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    let taken = with_current(|cx| {
        let cx = cx?;
        let core = cx.core.borrow_mut().take()?;
        Some((cx.shared.clone(), cx.handle.clone(), core))
    });
    let Some((shared, handle, mut core)) = taken else {
        let on_worker = with_current(|cx| cx.is_some());
        let in_block_on = crate::thread_state::THREAD
            .try_with(|t| t.in_block_on.get())
            .unwrap_or(false);
        if !on_worker && !in_block_on {
            panic!(
                "`block_in_place` can only be called from a worker thread of a multi-thread zokio \
                 runtime (on a current-thread runtime it would block the thread that runs every task); \
                 use `spawn_blocking` instead"
            );
        }
        // Already without a core (nested, or the core moved on): nothing to hand over.
        return run_blocking(f);
    };
    if let Some(task) = shared.remotes[core.index].hot.lifo.take() {
        core.push_back(&shared, task);
    }
    let index = core.index;
    *shared.remotes[index]
        .handoff
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = Some(core);
    shared.handoff_posted();
    let successor = shared.clone();
    spawn_successor(&shared, move || take_over(handle, successor, index));
    // The queue is stealable meanwhile: let an idle worker know.
    shared.notify_parked();
    let _reclaim = Reclaim { shared, index };
    run_blocking(f)
}

fn run_blocking<R>(f: impl FnOnce() -> R) -> R {
    let _not_in_runtime = RuntimeGuard::exit_temporarily();
    zokio_coop::with_budget(zokio_coop::Budget::unconstrained(), f)
}

/// Starts the successor on the blocking pool.
#[cfg(not(all(test, loom)))]
fn spawn_successor(shared: &Shared, successor: impl FnOnce() + Send + 'static) {
    drop(shared.blocking.spawn_blocking(successor));
}

/// Under the loom models the successor gets a loom thread of its own: the blocking pool's threads
/// sleep with `std::thread::park_timeout`, which loom cannot model. What is checked is the hand-off
/// itself (the `handoff` slot, `take_over` and `Reclaim`), which is the same code either way. Its
/// join handle goes with the workers' ones, so that shutdown waits for it to have left: loom cannot
/// see the synchronisation of the `std` `Arc`s it drops, and would report the last drop of the
/// scheduler's state on it as a race with the shutting-down thread.
#[cfg(all(test, loom))]
fn spawn_successor(shared: &Shared, successor: impl FnOnce() + Send + 'static) {
    let thread = loom::thread::spawn(successor);
    shared.exit_lock().handles.push(thread);
}

/// The successor: runs the worker loop with the handed-over core, if it is still there.
fn take_over(handle: Handle, shared: Arc<Shared>, index: usize) {
    let core = shared.remotes[index]
        .handoff
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(core) = core {
        worker::run_worker(handle, shared, core);
    }
}

/// Takes the core back after the closure (also when it panics), unless the successor has it.
struct Reclaim {
    shared: Arc<Shared>,
    index: usize,
}

impl Drop for Reclaim {
    fn drop(&mut self) {
        let core = self.shared.remotes[self.index]
            .handoff
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(core) = core {
            with_current(|cx| {
                if let Some(cx) = cx {
                    *cx.core.borrow_mut() = Some(core);
                }
            });
        }
    }
}
