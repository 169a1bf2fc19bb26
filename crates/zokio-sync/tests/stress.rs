//! Stress tests on Tokio's multi-thread runtime: exact counts under real parallelism. Each has a
//! generous watchdog so that a lost wake-up fails the test instead of hanging it.
#![cfg(not(loom))]

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use zokio_sync::{Mutex, Notify, Semaphore, mpsc, oneshot};

fn run<F: Future + Send + 'static>(future: F) -> F::Output
where
    F::Output: Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .unwrap();
    runtime
        .block_on(async {
            let main = tokio::spawn(future);
            tokio::time::timeout(Duration::from_secs(120), main).await
        })
        .expect("stress test stalled: lost wake-up?")
        .expect("stress task panicked")
}

#[test]
fn mutex_8_tasks_x_100k_increments_exact() {
    let total = run(async {
        let counter = Arc::new(Mutex::new(0u64));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let counter = counter.clone();
                tokio::spawn(async move {
                    for _ in 0..100_000 {
                        *counter.lock().await += 1;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        *counter.lock().await
    });
    assert_eq!(total, 800_000);
}

#[test]
fn semaphore_concurrency_never_exceeds_permits() {
    let (peak, left) = run(async {
        const PERMITS: usize = 4;
        let sem = Arc::new(Semaphore::new(PERMITS));
        let inside = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let (sem, inside, peak) = (sem.clone(), inside.clone(), peak.clone());
                tokio::spawn(async move {
                    for round in 0..2_000 {
                        // Mix single and multi-permit requests.
                        let want = if (i + round) % 7 == 0 { 2 } else { 1 };
                        let permit = sem.acquire_many(want).await.unwrap();
                        let now = inside.fetch_add(want as usize, Ordering::SeqCst) + want as usize;
                        peak.fetch_max(now, Ordering::SeqCst);
                        if round % 3 == 0 {
                            tokio::task::yield_now().await;
                        }
                        inside.fetch_sub(want as usize, Ordering::SeqCst);
                        drop(permit);
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        (peak.load(Ordering::SeqCst), sem.available_permits())
    });
    assert!(peak <= 4, "observed {peak} permits in use out of 4");
    assert!(
        peak >= 2,
        "the test should see some concurrency, saw {peak}"
    );
    assert_eq!(left, 4);
}

#[test]
fn mpsc_4_producers_x_250k_exactly_once() {
    const PRODUCERS: usize = 4;
    const PER_PRODUCER: u64 = 250_000;
    let counts = run(async {
        let (tx, mut rx) = mpsc::channel::<(usize, u64)>(128);
        for producer in 0..PRODUCERS {
            let tx = tx.clone();
            tokio::spawn(async move {
                for seq in 0..PER_PRODUCER {
                    tx.send((producer, seq)).await.unwrap();
                }
            });
        }
        drop(tx);
        let mut next = [0u64; PRODUCERS];
        let mut buffer = Vec::with_capacity(64);
        while rx.recv_many(&mut buffer, 64).await > 0 {
            for (producer, seq) in buffer.drain(..) {
                // Per-producer FIFO: nothing lost, nothing duplicated, nothing reordered.
                assert_eq!(seq, next[producer], "producer {producer}");
                next[producer] += 1;
            }
        }
        next
    });
    assert_eq!(counts, [PER_PRODUCER; PRODUCERS]);
}

#[test]
fn unbounded_mpsc_many_producers_exactly_once() {
    let sum = run(async {
        let (tx, mut rx) = mpsc::unbounded_channel::<u64>();
        for producer in 0..4u64 {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..50_000 {
                    tx.send(producer * 50_000 + i).unwrap();
                }
            });
        }
        drop(tx);
        let mut seen = vec![false; 200_000];
        let mut sum = 0u64;
        while let Some(v) = rx.recv().await {
            assert!(!seen[v as usize], "duplicate {v}");
            seen[v as usize] = true;
            sum += v;
        }
        sum
    });
    assert_eq!(sum, 199_999 * 200_000 / 2);
}

#[test]
fn notify_ping_pong_loses_no_wakeup() {
    let rounds = run(async {
        let ping = Arc::new(Notify::new());
        let pong = Arc::new(Notify::new());
        let (ping2, pong2) = (ping.clone(), pong.clone());
        let echo = tokio::spawn(async move {
            for _ in 0..20_000 {
                ping2.notified().await;
                pong2.notify_one();
            }
        });
        for _ in 0..20_000 {
            ping.notify_one();
            pong.notified().await;
        }
        echo.await.unwrap();
        20_000
    });
    assert_eq!(rounds, 20_000);
}

#[test]
fn oneshot_across_threads_many_times() {
    let delivered = run(async {
        let mut delivered = 0;
        for i in 0..10_000u32 {
            let (tx, rx) = oneshot::channel();
            tokio::spawn(async move { tx.send(i).unwrap() });
            delivered += u32::from(rx.await.unwrap() == i);
        }
        delivered
    });
    assert_eq!(delivered, 10_000);
}

#[test]
fn cancelled_acquires_leak_no_permits() {
    let left = run(async {
        let sem = Arc::new(Semaphore::new(2));
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let sem = sem.clone();
                tokio::spawn(async move {
                    for round in 0..2_000u32 {
                        let acquire = sem.acquire_many(1 + (i + round) % 2);
                        // Race every acquire against an immediately ready future: many are
                        // dropped while queued or just after being granted.
                        tokio::select! {
                            biased;
                            _ = tokio::task::yield_now(), if round % 2 == 0 => {}
                            permit = acquire => drop(permit.unwrap()),
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        sem.available_permits()
    });
    assert_eq!(left, 2);
}
