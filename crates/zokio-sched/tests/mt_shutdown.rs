//! Shutdown of the multi-thread scheduler: every future dropped, threads joined, timeouts kept.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{Chan, DropCounter, Flag, Forever, rt};
use zokio_sched::Scheduler;

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
