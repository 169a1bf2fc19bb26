//! loom models of the real multi-thread scheduler.
//!
//! [`MultiThread::new`] starts its workers on loom threads (`ThreadConfig::spawn_worker`), which
//! run the real worker loop (`worker::run_worker`), search and steal through the real queues and
//! idle bookkeeping, park on the real parkers over a [`ParkThread`] driver (a loom mutex and
//! condition variable), and are stopped by the real [`Scheduler::shutdown`]. A lost wake-up leaves
//! some thread blocked for good, which loom reports as a deadlock. The models:
//!
//! - `loom_mt_remote_spawn_is_run_while_workers_park`: a task spawned from outside while both
//!   workers search and park (one in the driver, one on its own parker) is run: the inject push and
//!   the notify race with the idle bookkeeping, the last searcher's rescan and the parkers.
//! - `loom_mt_task_behind_a_blocked_worker_is_stolen`: a task queued locally by a worker that then
//!   blocks is stolen and run by the other worker: the local push's notify races with that worker's
//!   search and park.
//! - `loom_mt_block_in_place_hands_the_core_over`: with one worker, a task queued behind a task that
//!   enters `block_in_place` is run, whether the successor thread takes the core over or the
//!   reclaim at the end of the blocking closure takes it back first; the core is shut down once.
//! - `loom_mt_shutdown_races_spawn_and_park`: shutdown right after a spawn, while the workers pick
//!   the task up and park: every worker is woken, exits and is joined, and the task's future is
//!   dropped exactly once.
//!
//! Every model also checks, after `shutdown`, that every worker thread has exited, every core was
//! shut down, and every task's future was dropped exactly once.
//!
//! What the models change from production, and why:
//! - The run loop is made deterministic: a fixed global-queue interval (the default one is tuned by
//!   measuring poll times) and no LIFO slot (its watcher parks with a timeout, and loom has no time;
//!   `loom_tests.rs` checks the slot and the watch hand-off on their own).
//! - `block_in_place` starts its successor on a loom thread instead of the blocking pool, whose
//!   threads sleep with `std::thread::park_timeout` (see `block_in_place::spawn_successor`).
//! - A worker does not set zokio-coop's "driving a runtime" mark, a `std` thread-local that all
//!   loom threads (run on the test's one OS thread) would share.
//! - The shared driver's lock is `std`'s even here (see `park::SharedDriver`): it is only ever
//!   `try_lock`ed, and loom's `try_lock` can report deadlocks that cannot happen.
//! - The models wait with a loom mutex and condition variable ([`Count`]) rather than
//!   `loom::sync::Notify`, which wakes its waiter spuriously now and then.
//!
//! A whole scheduler takes many more steps than the protocol models of `loom_tests.rs`, so these
//! models explore at most two preemptions even when `LOOM_MAX_PREEMPTIONS` asks for more (fewer
//! when it asks for fewer; blocking switches threads for free): each further preemption multiplies
//! the run time, and with two the remote-spawn model already takes about 40 s on two cores. Two
//! preemptions find each break of the protocols that the models were checked
//! against (listed in each test's docs), and also the limit of what the scheduler promises that
//! `loom_mt_task_behind_a_blocked_worker_is_stolen` documents.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Context, Poll};
use std::time::Duration;

use loom::sync::{Condvar, Mutex};

use super::{Config, MultiThread, block_in_place};
use crate::blocking::{self, BlockingPool};
use crate::{Handle, ParkThread, Scheduler};

/// The most preemptions the models of a whole scheduler explore (see the module docs).
const MAX_PREEMPTIONS: usize = 2;

/// Runs a loom model with at most [`MAX_PREEMPTIONS`] preemptions (or `LOOM_MAX_PREEMPTIONS`, if
/// that is lower), and room for the many branches of a whole scheduler's run.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(
        builder
            .preemption_bound
            .map_or(MAX_PREEMPTIONS, |n| n.min(MAX_PREEMPTIONS)),
    );
    builder.max_branches = 100_000;
    builder.check(f);
}

/// Counts the tasks spawned through it and the drops of their futures. (`std` atomics: loom runs
/// every modelled thread on the test's one OS thread, so they need no model, and they add no
/// branches.)
#[derive(Clone, Default)]
struct Counted {
    /// Tasks spawned.
    spawned: Arc<AtomicUsize>,
    /// Futures of those tasks dropped.
    dropped: Arc<AtomicUsize>,
}

impl Counted {
    /// Spawns `future` on `handle` (from whatever thread this runs on), counting it.
    fn spawn(&self, handle: &Handle, future: impl Future<Output = ()> + Send + 'static) {
        self.spawned.fetch_add(1, SeqCst);
        let guard = DropCount(self.dropped.clone());
        drop(handle.spawn(async move {
            let _guard = guard;
            future.await;
        }));
    }
}

/// A multi-thread scheduler of `workers` workers on loom threads, with its blocking pool.
struct Runtime {
    /// The scheduler under test.
    scheduler: Arc<MultiThread>,
    /// A handle that spawns on it.
    handle: Handle,
    /// The tasks spawned through [`Runtime::spawn`] (and through clones of it).
    tasks: Counted,
    /// The blocking pool the scheduler is given (unused: see `block_in_place::spawn_successor`).
    _pool: BlockingPool,
}

impl Runtime {
    /// Starts a scheduler of `workers` workers, without LIFO slot and with a fixed global-queue
    /// interval (see the module docs).
    fn start(workers: usize) -> Runtime {
        Runtime::start_with(workers, |_| {})
    }

    /// [`Runtime::start`], with `configure` applied to the scheduler's configuration first.
    fn start_with(workers: usize, configure: impl FnOnce(&mut Config)) -> Runtime {
        let pool = BlockingPool::new(blocking::Config::default());
        let mut config = Config {
            worker_threads: workers,
            global_queue_interval: Some(31),
            disable_lifo_slot: true,
            ..Config::default()
        };
        configure(&mut config);
        let scheduler =
            MultiThread::new(config, Box::new(ParkThread::new()), pool.spawner().clone())
                .expect("loom threads start");
        let handle = Handle::with_blocking(scheduler.clone(), pool.spawner().clone());
        Runtime {
            scheduler,
            handle,
            tasks: Counted::default(),
            _pool: pool,
        }
    }

    /// Spawns `future` from this (non-worker) thread, counting its drop.
    fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) {
        self.tasks.spawn(&self.handle, future);
    }

    /// Shuts the scheduler down and checks that every worker thread has exited and every task's
    /// future was dropped exactly once.
    fn shutdown(self) {
        // Under loom a timed wait never times out: `shutdown` returns only once every thread has
        // left (or loom reports the deadlock).
        self.scheduler.shutdown(Duration::from_secs(3600));
        let shared = &self.scheduler.shared;
        {
            let exit = shared.exit_lock();
            assert_eq!(exit.threads_alive, 0, "a worker thread is still running");
            assert_eq!(
                exit.cores_done,
                shared.remotes.len(),
                "a core was not shut down"
            );
            assert!(exit.handles.is_empty(), "every worker thread was joined");
        }
        assert_eq!(shared.tasks.len(), 0, "a task is still registered");
        assert_eq!(
            self.tasks.dropped.load(SeqCst),
            self.tasks.spawned.load(SeqCst),
            "every task's future is dropped exactly once"
        );
    }
}

/// Counts its drop.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A counter that loom threads can wait on. (`loom::sync::Notify` wakes its waiter spuriously now
/// and then, which would let a model go on before what it waits for has happened.)
#[derive(Default)]
struct Count {
    /// The count.
    n: Mutex<usize>,
    /// Notified on every [`Count::add`].
    changed: Condvar,
}

impl Count {
    /// Adds one and wakes the waiters.
    fn add(&self) {
        *self.n.lock().unwrap() += 1;
        self.changed.notify_all();
    }

    /// Blocks until [`Count::add`] has been called `n` times.
    fn wait_for(&self, n: usize) {
        let mut count = self.n.lock().unwrap();
        while *count < n {
            count = self.changed.wait(count).unwrap();
        }
    }
}

/// A runtime of two workers, returned once both have parked (the model waits for their
/// `before_park` hooks).
fn start_both_parked() -> Runtime {
    let parks = Arc::new(Count::default());
    let parked = parks.clone();
    let rt = Runtime::start_with(2, |config| {
        config.threads.park_hooks.before_park = Some(Arc::new(move || parked.add()));
    });
    parks.wait_for(2);
    rt
}

/// A future that never completes (and never registers a waker): its task stays alive until shutdown.
struct Forever;

impl Future for Forever {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// A task spawned from outside while both workers look for work and park is run: the inject push
/// and the notify race with the workers' searching, parking (one on the driver, one on its own
/// parker) and unparking, and the notify is never lost.
///
/// Checked to fail when `Shared::notify_parked` skips the unpark, and when the last searcher to park
/// skips its rescan (`Core::transition_to_parked`).
#[test]
fn loom_mt_remote_spawn_is_run_while_workers_park() {
    model(|| {
        let rt = Runtime::start(2);
        let done = Arc::new(Count::default());
        let ran = done.clone();
        rt.spawn(async move { ran.add() });
        done.wait_for(1);
        rt.shutdown();
    });
}

/// Two tasks spawned from outside back to back, while both workers park, both run, although the
/// first blocks its worker until the second has run. The second spawn's notify may be skipped
/// because the worker woken for the first is still searching; that worker, the last searcher, then
/// finds the second task waiting (in the global queue, or in its own queue when it took both) as
/// it takes the first, and wakes the other worker for it.
///
/// Checked to fail when the last searcher wakes no one (`Shared::notify_if_work_or_watch_pending`
/// doing nothing).
#[test]
fn loom_mt_a_spawn_skipped_for_a_searcher_is_not_lost() {
    model(|| {
        let rt = start_both_parked();
        let second = Arc::new(Count::default());
        let (ran, awaited) = (second.clone(), second);
        let done = Arc::new(Count::default());
        let finished = done.clone();
        rt.spawn(async move {
            // Blocks this worker's thread until the other worker has run the second task.
            awaited.wait_for(1);
            finished.add();
        });
        rt.spawn(async move { ran.add() });
        done.wait_for(1);
        rt.shutdown();
    });
}

/// A task queued on a worker whose thread then blocks is stolen and run by the other worker: the
/// local push wakes the parked other worker (or leaves the task to it if it is searching already,
/// having been woken when the first worker stopped searching), which steals it.
///
/// Both workers are parked before the first task is spawned (the model waits for their
/// `before_park` hooks). The scheduler does not promise more: a worker that is neither parked nor
/// searching (it was refused the search because another worker searched) parks without looking
/// again, and leaves the task to the worker that queued it, which here never comes back for it.
///
/// Checked to fail when a local push does not notify (`Core::schedule_local` returning `false`) and
/// when `Core::steal_work` skips the other workers' queues.
#[test]
fn loom_mt_task_behind_a_blocked_worker_is_stolen() {
    model(|| {
        let rt = start_both_parked();
        let (handle, tasks) = (rt.handle.clone(), rt.tasks.clone());
        let done = Arc::new(Count::default());
        let finished = done.clone();
        rt.spawn(async move {
            let stolen = Arc::new(Count::default());
            let ran = stolen.clone();
            // On a worker: the task goes to this worker's local queue (the LIFO slot is off).
            tasks.spawn(&handle, async move { ran.add() });
            // This worker's thread stays blocked until another worker has run the task.
            stolen.wait_for(1);
            finished.add();
        });
        done.wait_for(1);
        rt.shutdown();
    });
}

/// With one worker, a task queued behind a task that enters `block_in_place` is run: the successor
/// started by the hand-off and the reclaim at the end of the (here instant) blocking closure race
/// for the core in its hand-off slot. Whichever wins runs the worker loop with it (when the
/// successor wins, the original thread finishes its task's poll without a core and leaves), and the
/// core is shut down once.
///
/// Checked to fail when the successor does not run the worker loop (`block_in_place::take_over`)
/// and when `Reclaim` drops the core it takes back instead of returning it to the worker.
#[test]
fn loom_mt_block_in_place_hands_the_core_over() {
    model(|| {
        let rt = Runtime::start(1);
        let (handle, tasks) = (rt.handle.clone(), rt.tasks.clone());
        let done = Arc::new(Count::default());
        let ran = done.clone();
        rt.spawn(async move {
            // On the worker: the task goes to its local queue, behind this one.
            tasks.spawn(&handle, async move { ran.add() });
            block_in_place(|| ());
        });
        done.wait_for(1);
        rt.shutdown();
    });
}

/// Shutdown right after a spawn: the abort of the task, the wake-all and the wait for the workers
/// race with the workers taking the task, running it and parking. Every worker is woken and exits,
/// and the task's future is dropped exactly once.
///
/// Checked to fail when the wake-all at shutdown (`Shared::unpark_all`) skips the unparks.
#[test]
fn loom_mt_shutdown_races_spawn_and_park() {
    model(|| {
        let rt = Runtime::start(2);
        rt.spawn(Forever);
        rt.shutdown();
    });
}
