//! Shutdown of the multi-thread scheduler: every future dropped, threads joined, timeouts kept.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{Chan, DropCounter, Flag, Forever, rt};
use zokio_sched::blocking::{self, BlockingPool};
use zokio_sched::multi_thread::{Config, MultiThread};
use zokio_sched::{Driver, Handle, ParkThread, Scheduler, Unpark};

#[test]
fn shutdown_drops_every_future_and_joins_the_threads() {
    let rt = rt(3);
    let drops = DropCounter::default();
    // Idle forever, in a waiting cycle, and spawned from inside tasks.
    for _ in 0..50 {
        let guard = drops.guard();
        drop(rt.spawn(async move {
            let _guard = guard;
            Forever.await;
        }));
    }
    let (a, b): (Chan<()>, Chan<()>) = (Chan::new(), Chan::new());
    for (rx, tx) in [(a.clone(), b.clone()), (b, a)] {
        let guard = drops.guard();
        drop(rt.spawn(async move {
            let _guard = guard;
            let _keep = tx;
            rx.recv().await;
        }));
    }
    let started = Flag::new();
    let s = started.clone();
    let guard = drops.guard();
    let inner_drops = drops.clone();
    drop(rt.spawn(async move {
        let _guard = guard;
        for _ in 0..10 {
            let g = inner_drops.guard();
            drop(zokio_sched::spawn(async move {
                let _g = g;
                Forever.await;
            }));
        }
        s.set();
        Forever.await;
    }));
    started.wait_blocking(Duration::from_secs(10));
    assert_eq!(rt.scheduler.task_list().len(), 63);
    rt.shutdown(Duration::from_secs(10));
    assert_eq!(drops.dropped(), 63);
    assert_eq!(rt.scheduler.task_list().len(), 0);
    assert_eq!(rt.threads_started.load(Ordering::SeqCst), 3);
    assert_eq!(
        rt.threads_stopped.load(Ordering::SeqCst),
        3,
        "every worker thread exited"
    );
}

#[test]
fn spawn_after_shutdown_is_cancelled() {
    let rt = rt(2);
    rt.shutdown(Duration::from_secs(10));
    let drops = DropCounter::default();
    let guard = drops.guard();
    let handle = rt.spawn(async move {
        let _guard = guard;
        1
    });
    assert_eq!(drops.dropped(), 1);
    let err = futures_lite::future::block_on(handle).unwrap_err();
    assert!(err.is_cancelled());
}

#[test]
fn shutdown_timeout_is_kept_while_a_task_is_stuck_in_a_poll() {
    let rt = rt(2);
    let release = Flag::new();
    let entered = Flag::new();
    let (r, e) = (release.clone(), entered.clone());
    drop(rt.spawn(async move {
        e.set();
        r.wait_blocking(Duration::from_secs(30));
    }));
    entered.wait_blocking(Duration::from_secs(10));
    let start = Instant::now();
    rt.scheduler.shutdown(Duration::from_millis(100));
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(100), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    release.set();
}

#[test]
fn shutdown_timeout_is_kept_while_a_blocking_task_is_stuck() {
    let rt = rt(2);
    let release = Flag::new();
    let entered = Flag::new();
    let (r, e) = (release.clone(), entered.clone());
    let stuck = rt.handle.blocking().unwrap().spawn_blocking(move || {
        e.set();
        r.wait_blocking(Duration::from_secs(30));
    });
    entered.wait_blocking(Duration::from_secs(10));
    let start = Instant::now();
    rt.scheduler.shutdown(Duration::from_millis(100));
    assert!(!rt.pool.shutdown(Duration::from_millis(100)));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    release.set();
    futures_lite::future::block_on(stuck).unwrap();
}

#[test]
fn shutdown_cancels_tasks_whose_worker_is_inside_block_in_place() {
    let rt = rt(1);
    let drops = DropCounter::default();
    let entered = Flag::new();
    let release = Flag::new();
    let (e, r) = (entered.clone(), release.clone());
    let guard = drops.guard();
    drop(rt.spawn(async move {
        let _guard = guard;
        zokio_sched::block_in_place(|| {
            e.set();
            r.wait_blocking(Duration::from_secs(30));
        });
        Forever.await;
    }));
    entered.wait_blocking(Duration::from_secs(10));
    let others = DropCounter::default();
    for _ in 0..20 {
        let g = others.guard();
        drop(rt.spawn(async move {
            let _g = g;
            Forever.await;
        }));
    }
    // The other tasks run on the successor of the blocked worker; shutdown stops it, while (or before)
    // the blocked closure returns.
    let rt = Arc::new(rt);
    let shutdown = {
        let rt = rt.clone();
        std::thread::spawn(move || rt.shutdown(Duration::from_secs(10)))
    };
    release.set();
    shutdown.join().unwrap();
    assert_eq!(others.dropped(), 20);
    assert_eq!(drops.dropped(), 1);
}

#[test]
fn destructor_waking_a_task_during_shutdown_does_not_deadlock() {
    // A destructor that wakes another task while the scheduler drops tasks (tokio#2046).
    let rt = rt(2);
    let chan: Chan<()> = Chan::new();
    let rx = chan.clone();
    drop(rt.spawn(async move {
        rx.recv().await;
    }));
    struct WakeOnDrop(Chan<()>);
    impl Drop for WakeOnDrop {
        fn drop(&mut self) {
            self.0.send(());
        }
    }
    let waker = Arc::new(WakeOnDrop(chan));
    drop(rt.spawn(async move {
        let _w = waker;
        Forever.await;
    }));
    rt.shutdown(Duration::from_secs(10));
    assert_eq!(rt.scheduler.task_list().len(), 0);
}

/// A scheduler of `workers` workers on `driver`, with a blocking pool of at most `max_blocking`
/// threads.
fn rt_on(
    workers: usize,
    driver: Box<dyn Driver>,
    max_blocking: usize,
) -> (Arc<MultiThread>, BlockingPool, Handle) {
    let mut pool_config = blocking::Config::default();
    pool_config.max_threads = max_blocking;
    let pool = BlockingPool::new(pool_config);
    let mut config = Config::default();
    config.worker_threads = workers;
    let scheduler =
        MultiThread::new(config, driver, pool.spawner().clone()).expect("workers start");
    let handle = Handle::with_blocking(scheduler.clone(), pool.spawner().clone());
    (scheduler, pool, handle)
}

/// `shutdown` called by a task on one of the scheduler's own workers cannot wait for that worker:
/// it returns at once instead of deadlocking, and a later shutdown from outside joins every thread.
#[test]
fn shutdown_from_a_worker_does_not_wait_for_itself() {
    let rt = rt(2);
    let scheduler = rt.scheduler.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    drop(rt.spawn(async move {
        let start = Instant::now();
        scheduler.shutdown(Duration::from_secs(30));
        tx.send(start.elapsed()).unwrap();
    }));
    let took = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("shutdown returned");
    assert!(
        took < Duration::from_secs(5),
        "it waited for itself: {took:?}"
    );
    assert!(rt.scheduler.task_list().is_closed());
    rt.shutdown(Duration::from_secs(10));
    assert_eq!(rt.threads_stopped.load(Ordering::SeqCst), 2);
    assert!(rt.scheduler.task_list().is_empty());
}

/// A core that `block_in_place` left in its handoff slot, whose successor cannot start (the
/// blocking pool is full), is shut down by `shutdown` itself: the tasks queued on it are dropped at
/// once, while the thread in `block_in_place` is still blocked. That thread then finishes its poll
/// without a core and exits, and the successor, when it finally runs, finds nothing to take over.
#[test]
fn shutdown_takes_a_core_left_in_a_handoff_slot() {
    let (scheduler, pool, handle) = rt_on(1, Box::new(ParkThread::new()), 1);
    // Occupy the blocking pool's only thread, so that no successor can start.
    let (pool_busy, pool_release) = (Flag::new(), Flag::new());
    let (b, r) = (pool_busy.clone(), pool_release.clone());
    let blocker = pool.spawner().spawn_blocking(move || {
        b.set();
        r.wait_blocking(Duration::from_secs(30));
    });
    pool_busy.wait_blocking(Duration::from_secs(10));

    let queued = DropCounter::default();
    let blocked = DropCounter::default();
    let (entered, release) = (Flag::new(), Flag::new());
    let (q, e, r, guard) = (
        queued.clone(),
        entered.clone(),
        release.clone(),
        blocked.guard(),
    );
    drop(handle.spawn(async move {
        let _guard = guard;
        for _ in 0..5 {
            let g = q.guard();
            // Queued on this worker's core (its LIFO slot, then its run queue).
            drop(zokio_sched::spawn(async move {
                let _g = g;
                Forever.await;
            }));
        }
        zokio_sched::block_in_place(|| {
            e.set();
            r.wait_blocking(Duration::from_secs(30));
        });
        Forever.await;
    }));
    entered.wait_blocking(Duration::from_secs(10));
    assert_eq!(
        pool.spawner().queue_depth(),
        1,
        "the successor waits for a pool thread"
    );

    let start = Instant::now();
    scheduler.shutdown(Duration::from_millis(100));
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(
        queued.dropped(),
        5,
        "the handed-off core's tasks were dropped by shutdown"
    );
    assert_eq!(blocked.dropped(), 0, "its poll is still running");

    release.set();
    pool_release.set();
    futures_lite::future::block_on(blocker).unwrap();
    // A second call waits for the thread that was in `block_in_place`, and joins it.
    scheduler.shutdown(Duration::from_secs(10));
    assert_eq!(blocked.dropped(), 1);
    assert!(scheduler.task_list().is_empty());
    assert!(pool.shutdown(Duration::from_secs(10)));
}

/// A driver whose idle `park` ignores `unpark` until the test releases it: a worker stuck inside
/// the driver.
struct StuckDriver {
    inner: ParkThread,
    entered: Flag,
    release: Flag,
    shutdowns: Arc<std::sync::atomic::AtomicUsize>,
}

impl Driver for StuckDriver {
    fn park(&mut self, timeout: Option<Duration>) {
        if timeout.is_none() && !self.release.is_set() {
            self.entered.set();
            self.release.wait_blocking(Duration::from_secs(30));
        } else {
            self.inner.park(timeout);
        }
    }

    fn unparker(&self) -> Arc<dyn Unpark> {
        self.inner.unparker()
    }

    fn shutdown(&mut self) {
        self.shutdowns.fetch_add(1, Ordering::SeqCst);
    }
}

/// A worker stuck in the driver keeps `shutdown` from finishing, but not past its timeout, and the
/// driver is not shut down under the worker's feet.
#[test]
fn shutdown_timeout_is_kept_while_a_worker_is_stuck_in_the_driver() {
    let (entered, release) = (Flag::new(), Flag::new());
    let shutdowns = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let driver = StuckDriver {
        inner: ParkThread::new(),
        entered: entered.clone(),
        release: release.clone(),
        shutdowns: shutdowns.clone(),
    };
    let (scheduler, pool, _handle) = rt_on(1, Box::new(driver), 4);
    entered.wait_blocking(Duration::from_secs(10));
    let start = Instant::now();
    scheduler.shutdown(Duration::from_millis(100));
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(100), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(
        shutdowns.load(Ordering::SeqCst),
        0,
        "not shut down while a worker parks in it"
    );
    release.set();
    scheduler.shutdown(Duration::from_secs(10));
    assert!(pool.shutdown(Duration::from_secs(10)));
}

/// A worker still running after a shutdown gave up on it may spawn: every such task is cancelled
/// before its first poll, including those its full local queue overflows into the closed global
/// queue, and a later shutdown drops them all.
#[test]
fn spawns_of_a_straggler_worker_after_shutdown_are_all_dropped() {
    let (scheduler, pool, handle) = rt_on(1, Box::new(ParkThread::new()), 4);
    let drops = DropCounter::default();
    let polls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (entered, release) = (Flag::new(), Flag::new());
    let (d, p, e, r) = (
        drops.clone(),
        polls.clone(),
        entered.clone(),
        release.clone(),
    );
    let (tx, rx) = std::sync::mpsc::channel();
    drop(handle.spawn(async move {
        e.set();
        r.wait_blocking(Duration::from_secs(30));
        // Past the local queue's 256 slots: the newer half overflows.
        let handles: Vec<_> = (0..600)
            .map(|_| {
                let (g, p) = (d.guard(), p.clone());
                zokio_sched::spawn(async move {
                    let _g = g;
                    p.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        tx.send(handles).unwrap();
    }));
    entered.wait_blocking(Duration::from_secs(10));
    scheduler.shutdown(Duration::from_millis(50));
    release.set();
    let handles = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    scheduler.shutdown(Duration::from_secs(10));
    assert_eq!(drops.dropped(), 600);
    assert_eq!(polls.load(Ordering::SeqCst), 0, "none was ever polled");
    for handle in handles {
        assert!(
            futures_lite::future::block_on(handle)
                .unwrap_err()
                .is_cancelled()
        );
    }
    assert!(scheduler.task_list().is_empty());
    assert!(pool.shutdown(Duration::from_secs(10)));
}

#[test]
fn debug_shows_workers_and_the_global_queue() {
    let rt = rt(2);
    assert_eq!(
        format!("{:?}", rt.scheduler),
        "MultiThread { workers: 2, global_queue_depth: 0, .. }"
    );
}
