//! Stress tests with exact counts (sized to run in a few seconds on two cores, in debug builds).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Chan, Flag, rt, with_timeout};
use zokio_sched::Scheduler;

/// Spawns from several threads outside the runtime at once; every task runs exactly once.
#[test]
fn many_spawns_from_several_threads() {
    const THREADS: usize = 4;
    const PER_THREAD: usize = if cfg!(debug_assertions) {
        25_000
    } else {
        250_000
    };
    let rt = Arc::new(rt(2));
    let ran = Arc::new(AtomicUsize::new(0));
    let all = Flag::new();
    let spawners: Vec<_> = (0..THREADS)
        .map(|_| {
            let (rt, ran, all) = (rt.clone(), ran.clone(), all.clone());
            std::thread::spawn(move || {
                for _ in 0..PER_THREAD {
                    let (ran, all) = (ran.clone(), all.clone());
                    drop(rt.spawn(async move {
                        if ran.fetch_add(1, Ordering::Relaxed) + 1 == THREADS * PER_THREAD {
                            all.set();
                        }
                    }));
                }
            })
        })
        .collect();
    spawners.into_iter().for_each(|t| t.join().unwrap());
    let done = rt.block_on(with_timeout(all.wait(), Duration::from_secs(60)));
    assert!(done.is_some(), "ran {} tasks", ran.load(Ordering::SeqCst));
    assert_eq!(ran.load(Ordering::SeqCst), THREADS * PER_THREAD);
    common::wait_until(Duration::from_secs(10), "every task finished", || {
        rt.scheduler.task_list().is_empty()
    });
}

/// Message ping-pong between tasks that wake each other across workers.
#[test]
fn ping_pong_across_workers() {
    let rt = rt(2);
    const PAIRS: usize = 8;
    const ROUNDS: usize = 2_000;
    let total = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..PAIRS)
        .map(|_| {
            let (ping, pong): (Chan<usize>, Chan<usize>) = (Chan::new(), Chan::new());
            let (ping2, pong2) = (ping.clone(), pong.clone());
            let total = total.clone();
            let a = rt.spawn(async move {
                for i in 0..ROUNDS {
                    ping2.send(i);
                    assert_eq!(pong2.recv().await, i + 1);
                    total.fetch_add(1, Ordering::Relaxed);
                }
            });
            let b = rt.spawn(async move {
                for _ in 0..ROUNDS {
                    let v = ping.recv().await;
                    pong.send(v + 1);
                }
            });
            (a, b)
        })
        .collect();
    let done = rt.block_on(with_timeout(
        async move {
            for (a, b) in handles {
                a.await.unwrap();
                b.await.unwrap();
            }
        },
        Duration::from_secs(60),
    ));
    assert!(done.is_some());
    assert_eq!(total.load(Ordering::SeqCst), PAIRS * ROUNDS);
}

/// Repeatedly lets every worker go idle, then wakes tasks from outside threads: none is lost.
#[test]
fn tasks_woken_from_outside_while_workers_sleep() {
    let rt = rt(2);
    for round in 0..200 {
        let flags: Vec<Flag> = (0..8).map(|_| Flag::new()).collect();
        let count = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = flags
            .iter()
            .map(|f| {
                let (wait, count) = (f.wait(), count.clone());
                rt.spawn(async move {
                    wait.await;
                    count.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        let setters: Vec<_> = flags
            .chunks(4)
            .map(|c| {
                let c = c.to_vec();
                std::thread::spawn(move || c.iter().for_each(Flag::set))
            })
            .collect();
        setters.into_iter().for_each(|t| t.join().unwrap());
        let done = rt.block_on(with_timeout(
            async move {
                for h in handles {
                    h.await.unwrap();
                }
            },
            Duration::from_secs(10),
        ));
        assert!(done.is_some(), "round {round}: a woken task never ran");
        assert_eq!(count.load(Ordering::SeqCst), 8);
    }
}

/// A task spawned by a worker that then stays busy is run by the idle worker.
#[test]
fn task_spawned_from_a_busy_worker_runs_on_an_idle_one() {
    let rt = rt(2);
    for _ in 0..20 {
        let ran = Flag::new();
        let r = ran.clone();
        let busy = rt.spawn(async move {
            let r2 = r.clone();
            drop(zokio_sched::spawn(async move { r2.set() }));
            // Never yields until the spawned task has run: only another worker can run it.
            r.wait_blocking(Duration::from_secs(10));
        });
        rt.block_on(busy).unwrap();
        assert!(ran.is_set());
    }
    // Taken from the busy worker's queue by a steal, or from its LIFO slot (where a spawned task
    // lands first) by the stuck-worker watch.
    let metrics = rt.scheduler.metrics();
    let lifo_steals: u64 = metrics.workers.iter().map(|w| w.lifo_steals).sum();
    assert!(metrics.total_steals() + lifo_steals >= 20, "{metrics:?}");
}

/// Metrics report exact task counts and plausible per-worker counters.
#[test]
fn metrics_count_workers_tasks_and_polls() {
    let rt = rt(2);
    let gate = Flag::new();
    let handles: Vec<_> = (0..100).map(|_| rt.spawn(gate.wait())).collect();
    // Every task's first poll has *returned* (its waker is in the gate), not merely started: a poll
    // that started before `gate.set()` but locked the gate after it would finish at once, and that
    // task would be polled once in all.
    common::wait_until(Duration::from_secs(10), "all polled once", || {
        gate.waiters() == 100
    });
    let before = rt.scheduler.metrics();
    assert_eq!(before.num_workers, 2);
    assert_eq!(before.workers.len(), 2);
    assert_eq!(before.num_alive_tasks, 100);
    gate.set();
    rt.block_on(async move {
        for h in handles {
            h.await.unwrap();
        }
    });
    // A worker counts a poll after the poll returns, and the last task's completion can wake
    // `block_on` before its worker has counted it: wait for the count, do not race it.
    common::wait_until(Duration::from_secs(10), "every task polled twice", || {
        rt.scheduler.metrics().total_polls() >= 200
    });
    let after = rt.scheduler.metrics();
    assert_eq!(after.num_alive_tasks, 0);
    assert_eq!(after.global_queue_depth, 0);
}
