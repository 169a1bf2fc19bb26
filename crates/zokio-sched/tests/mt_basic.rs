//! The multi-thread scheduler: spawning, waking, stealing, yielding and block_in_place.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Chan, Flag, rt};

#[test]
fn spawn_and_join_many() {
    let rt = rt(2);
    let handles: Vec<_> = (0..10_000u64).map(|i| rt.spawn(async move { i })).collect();
    let sum = rt.block_on(async move {
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, (0..10_000u64).sum::<u64>());
}

#[test]
fn nested_spawns_from_workers() {
    let rt = rt(2);
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let total = rt.block_on(rt.spawn(async move {
        let mut handles = Vec::new();
        for _ in 0..1000 {
            let c = c.clone();
            handles.push(zokio_sched::spawn(async move {
                let inner = zokio_sched::spawn(async move {
                    c.fetch_add(1, Ordering::SeqCst);
                    1
                });
                inner.await.unwrap()
            }));
        }
        let mut total = 0;
        for h in handles {
            total += h.await.unwrap();
        }
        total
    }));
    assert_eq!(total.unwrap(), 1000);
    assert_eq!(count.load(Ordering::SeqCst), 1000);
}

#[test]
fn ping_pong_across_tasks() {
    let rt = rt(2);
    let pairs = 20;
    let rounds = 500;
    let done = Chan::new();
    for _ in 0..pairs {
        let (ping, pong) = (Chan::new(), Chan::new());
        let (ping2, pong2) = (ping.clone(), pong.clone());
        let done = done.clone();
        rt.spawn(async move {
            for i in 0..rounds {
                ping2.send(i);
                assert_eq!(pong2.recv().await, i);
            }
            done.send(());
        });
        rt.spawn(async move {
            for i in 0..rounds {
                assert_eq!(ping.recv().await, i);
                pong.send(i);
            }
        });
    }
    rt.block_on(async move {
        for _ in 0..pairs {
            done.recv().await;
        }
    });
}

#[test]
fn tasks_woken_from_outside_threads() {
    let rt = rt(2);
    let flags: Vec<Flag> = (0..400).map(|_| Flag::new()).collect();
    let ran = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = flags
        .iter()
        .map(|f| {
            let wait = f.wait();
            let ran = ran.clone();
            rt.spawn(async move {
                wait.await;
                ran.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    let threads: Vec<_> = flags
        .chunks(100)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            std::thread::spawn(move || chunk.iter().for_each(Flag::set))
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    rt.block_on(async move {
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(ran.load(Ordering::SeqCst), 400);
}

#[test]
fn yield_now_lets_others_run() {
    let rt = rt(1);
    let counter = Arc::new(AtomicUsize::new(0));
    let c = counter.clone();
    let seen = rt.block_on(rt.spawn(async move {
        let other = zokio_sched::spawn({
            let c = c.clone();
            async move {
                c.fetch_add(1, Ordering::SeqCst);
            }
        });
        // With one worker the other task can only run while this one yields.
        let mut yields = 0;
        while c.load(Ordering::SeqCst) == 0 {
            zokio_sched::yield_now().await;
            yields += 1;
            assert!(yields < 1000, "the other task never ran");
        }
        other.await.unwrap();
        c.load(Ordering::SeqCst)
    }));
    assert_eq!(seen.unwrap(), 1);
}

#[test]
fn block_in_place_keeps_other_tasks_running() {
    let rt = rt(2);
    let result = rt.block_on(rt.spawn(async move {
        let flag = Flag::new();
        let f = flag.clone();
        // Lands in this worker's own queue; it must run while this thread blocks.
        let other = zokio_sched::spawn(async move { f.set() });
        zokio_sched::block_in_place(|| flag.wait_blocking(Duration::from_secs(10)));
        other.await.unwrap();
        "done"
    }));
    assert_eq!(result.unwrap(), "done");
}

#[test]
#[should_panic(expected = "`block_in_place` can only be called from a worker thread")]
fn block_in_place_outside_a_worker_panics() {
    zokio_sched::block_in_place(|| ());
}

#[test]
fn block_in_place_in_block_on_runs_inline() {
    let rt = rt(1);
    let v = rt.block_on(async { zokio_sched::block_in_place(|| 5) });
    assert_eq!(v, 5);
}

#[test]
fn block_in_place_survives_a_panic_and_nesting() {
    let rt = rt(1);
    let out = rt.block_on(rt.spawn(async {
        let caught = std::panic::catch_unwind(|| {
            zokio_sched::block_in_place(|| zokio_sched::block_in_place(|| panic!("inside")))
        });
        assert!(caught.is_err());
        // The worker (its core reclaimed, or handed to the successor) still runs tasks.
        let mut sum = 0;
        for i in 0..10u32 {
            sum += zokio_sched::spawn(async move { i }).await.unwrap();
        }
        sum
    }));
    assert_eq!(out.unwrap(), 45);
}
