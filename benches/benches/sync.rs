//! Sync primitives: zokio-sync against `tokio::sync` and async-lock / async-channel.
//!
//! Every implementation runs on the same executor (one Tokio multi-thread runtime), so the numbers
//! compare the primitives, not the schedulers. Each criterion group is one workload with one
//! function per implementation: `zokio`, `tokio`, and `async-lock` or `async-channel` where those
//! crates have the primitive. A measured run is spawned as a task and times `iters` operations.
//!
//! Both `tokio::sync` and zokio-sync spend Tokio's cooperative budget here (zokio-sync through its
//! `tokio-coop` feature, which this crate enables), so the producer and consumer of a channel yield
//! at the same points on both; async-lock and async-channel spend none. Channel workloads still move
//! with where Tokio places the two tasks (LIFO slot, work stealing) from run to run; compare
//! instruction counts (e.g. under callgrind) when a wall-clock ratio looks off.

use std::future::Future;
use std::hint::black_box;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use benches::Entry;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};

/// Tasks in the contended workloads.
const TASKS: u64 = 8;
/// Producers in the multi-producer channel workloads.
const PRODUCERS: u64 = 4;
/// Capacity of the bounded channels.
const CAPACITY: usize = 128;
/// Receivers in the broadcast fan-out.
const FANOUT: usize = 16;
/// Messages per broadcast round; the sender waits for every receiver between rounds so that no
/// receiver lags (a lagging receiver would skip work and flatter its implementation).
const ROUND: u64 = 64;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("tokio runtime")
    })
}

/// A group whose functions are added when it finishes, in this round's turn order
/// ([`benches::turn_order`]), so that no implementation is always measured first.
struct Lineup<'c, 'l> {
    group: BenchmarkGroup<'c, WallTime>,
    entries: Vec<Box<Entry<'c, 'l>>>,
}

impl<'c, 'l> Lineup<'c, 'l> {
    fn new(c: &'c mut Criterion, name: impl Into<String>) -> Self {
        Lineup {
            group: c.benchmark_group(name),
            entries: Vec::new(),
        }
    }

    fn finish(mut self) {
        let mut entries: Vec<&mut Entry<'c, 'l>> =
            self.entries.iter_mut().map(|entry| &mut **entry).collect();
        benches::add_in_turn(&mut self.group, &mut entries);
        drop(entries);
        self.group.finish();
    }
}

/// Adds function `id` to `lineup`: `work(iters)` builds a future doing `iters` operations, which
/// runs as a task on the shared runtime while the clock runs.
fn bench<'l, F, Fut>(lineup: &mut Lineup<'_, 'l>, id: &'static str, work: F)
where
    F: Fn(u64) -> Fut + 'l,
    Fut: Future<Output = ()> + Send + 'static,
{
    lineup.entries.push(Box::new(move |group| {
        group.bench_function(id, |b| {
            b.iter_custom(|iters| {
                let future = work(iters);
                runtime().block_on(async move {
                    let start = Instant::now();
                    tokio::spawn(future).await.expect("bench task panicked");
                    start.elapsed()
                })
            })
        });
    }));
}

/// Splits `iters` operations over `parts` workers: the share of worker `i`.
fn share(iters: u64, parts: u64, i: u64) -> u64 {
    iters / parts + u64::from(i < iters % parts)
}

macro_rules! mutex_bench {
    (uncontended, $group:expr, $id:expr, $mutex:ty) => {
        bench($group, $id, |iters| async move {
            let mutex = <$mutex>::new(0u64);
            for _ in 0..iters {
                *mutex.lock().await += 1;
            }
            black_box(&mutex);
        })
    };
    (contended, $group:expr, $id:expr, $mutex:ty) => {
        bench($group, $id, |iters| async move {
            let mutex = Arc::new(<$mutex>::new(0u64));
            let tasks: Vec<_> = (0..TASKS)
                .map(|i| {
                    let mutex = mutex.clone();
                    tokio::spawn(async move {
                        for _ in 0..share(iters, TASKS, i) {
                            *mutex.lock().await += 1;
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            assert_eq!(*mutex.lock().await, iters);
        })
    };
}

fn mutex(c: &mut Criterion) {
    let mut g = Lineup::new(c, "sync_mutex_uncontended");
    mutex_bench!(uncontended, &mut g, "zokio", zokio::sync::Mutex<u64>);
    mutex_bench!(uncontended, &mut g, "tokio", tokio::sync::Mutex<u64>);
    mutex_bench!(uncontended, &mut g, "async-lock", async_lock::Mutex<u64>);
    g.finish();
    let mut g = Lineup::new(c, "sync_mutex_contended");
    mutex_bench!(contended, &mut g, "zokio", zokio::sync::Mutex<u64>);
    mutex_bench!(contended, &mut g, "tokio", tokio::sync::Mutex<u64>);
    mutex_bench!(contended, &mut g, "async-lock", async_lock::Mutex<u64>);
    g.finish();
}

macro_rules! semaphore_bench {
    (uncontended, $group:expr, $id:expr, $new:expr, |$sem:ident| $acquire:expr) => {
        bench($group, $id, |iters| async move {
            let $sem = $new(1);
            for _ in 0..iters {
                drop(black_box($acquire));
            }
        })
    };
    (contended, $group:expr, $id:expr, $new:expr, |$sem:ident| $acquire:expr) => {
        bench($group, $id, |iters| async move {
            let $sem = Arc::new($new(2));
            let tasks: Vec<_> = (0..TASKS)
                .map(|i| {
                    let $sem = $sem.clone();
                    tokio::spawn(async move {
                        for _ in 0..share(iters, TASKS, i) {
                            drop(black_box($acquire));
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        })
    };
}

fn semaphore(c: &mut Criterion) {
    for kind in ["uncontended", "contended"] {
        let mut g = Lineup::new(c, format!("sync_semaphore_{kind}"));
        macro_rules! each {
            ($kind:ident) => {
                semaphore_bench!($kind, &mut g, "zokio", zokio::sync::Semaphore::new, |sem| {
                    sem.acquire().await.unwrap()
                });
                semaphore_bench!($kind, &mut g, "tokio", tokio::sync::Semaphore::new, |sem| {
                    sem.acquire().await.unwrap()
                });
                semaphore_bench!(
                    $kind,
                    &mut g,
                    "async-lock",
                    async_lock::Semaphore::new,
                    |sem| { sem.acquire().await }
                );
            };
        }
        if kind == "uncontended" {
            each!(uncontended);
        } else {
            each!(contended);
        }
        g.finish();
    }
}

/// `producers` tasks send `iters` numbers in total through `make()`'s channel; the bench task
/// receives and sums them.
macro_rules! channel_bench {
    ($group:expr, $id:expr, $producers:expr, $make:expr,
     |$tx:ident, $v:ident| $send:expr, |$rx:ident| $recv:expr) => {{
        bench($group, $id, |iters| async move {
            #[allow(unused_mut)]
            let ($tx, mut $rx) = $make;
            for p in 0..$producers {
                let $tx = $tx.clone();
                tokio::spawn(async move {
                    for $v in 0..share(iters, $producers, p) {
                        $send;
                    }
                });
            }
            drop($tx);
            let mut sum = 0u64;
            for _ in 0..iters {
                sum += $recv;
            }
            black_box(sum);
        });
    }};
}

fn mpsc(c: &mut Criterion) {
    for (name, producers) in [("1p", 1), ("4p", PRODUCERS)] {
        let mut g = Lineup::new(c, format!("sync_mpsc_bounded_{name}"));
        channel_bench!(
            &mut g,
            "zokio",
            producers,
            zokio::sync::mpsc::channel(CAPACITY),
            |tx, v| tx.send(v).await.unwrap(),
            |rx| rx.recv().await.unwrap()
        );
        channel_bench!(
            &mut g,
            "tokio",
            producers,
            tokio::sync::mpsc::channel(CAPACITY),
            |tx, v| tx.send(v).await.unwrap(),
            |rx| rx.recv().await.unwrap()
        );
        channel_bench!(
            &mut g,
            "async-channel",
            producers,
            async_channel::bounded(CAPACITY),
            |tx, v| tx.send(v).await.unwrap(),
            |rx| rx.recv().await.unwrap()
        );
        g.finish();

        let mut g = Lineup::new(c, format!("sync_mpsc_unbounded_{name}"));
        channel_bench!(
            &mut g,
            "zokio",
            producers,
            zokio::sync::mpsc::unbounded_channel(),
            |tx, v| tx.send(v).unwrap(),
            |rx| rx.recv().await.unwrap()
        );
        channel_bench!(
            &mut g,
            "tokio",
            producers,
            tokio::sync::mpsc::unbounded_channel(),
            |tx, v| tx.send(v).unwrap(),
            |rx| rx.recv().await.unwrap()
        );
        channel_bench!(
            &mut g,
            "async-channel",
            producers,
            async_channel::unbounded(),
            |tx, v| tx.try_send(v).unwrap(),
            |rx| rx.recv().await.unwrap()
        );
        g.finish();
    }
}

fn oneshot(c: &mut Criterion) {
    let mut g = Lineup::new(c, "sync_oneshot");
    bench(&mut g, "zokio", |iters| async move {
        for i in 0..iters {
            let (tx, rx) = zokio::sync::oneshot::channel();
            tx.send(i).unwrap();
            black_box(rx.await.unwrap());
        }
    });
    bench(&mut g, "tokio", |iters| async move {
        for i in 0..iters {
            let (tx, rx) = tokio::sync::oneshot::channel();
            tx.send(i).unwrap();
            black_box(rx.await.unwrap());
        }
    });
    bench(&mut g, "async-channel", |iters| async move {
        for i in 0..iters {
            let (tx, rx) = async_channel::bounded(1);
            tx.try_send(i).unwrap();
            black_box(rx.recv().await.unwrap());
        }
    });
    g.finish();

    // Request/reply across tasks: the reply travels through a oneshot each time.
    let mut g = Lineup::new(c, "sync_oneshot_ping_pong");
    macro_rules! ping_pong {
        ($id:expr, $oneshot:path, $mpsc:path) => {
            bench(&mut g, $id, |iters| async move {
                use $mpsc as mpsc;
                use $oneshot as oneshot;
                let (tx, mut rx) = mpsc::unbounded_channel::<oneshot::Sender<u64>>();
                let server = tokio::spawn(async move {
                    let mut n = 0;
                    while let Some(reply) = rx.recv().await {
                        n += 1;
                        let _ = reply.send(n);
                    }
                });
                for _ in 0..iters {
                    let (reply_tx, reply_rx) = oneshot::channel();
                    tx.send(reply_tx).unwrap();
                    black_box(reply_rx.await.unwrap());
                }
                drop(tx);
                server.await.unwrap();
            });
        };
    }
    ping_pong!("zokio", zokio::sync::oneshot, zokio::sync::mpsc);
    ping_pong!("tokio", tokio::sync::oneshot, tokio::sync::mpsc);
    g.finish();
}

macro_rules! broadcast_bench {
    ($group:expr, $id:expr, $broadcast:path) => {
        bench($group, $id, |iters| async move {
            use $broadcast as broadcast;
            let (tx, _) = broadcast::channel::<u64>(2 * ROUND as usize);
            // Receivers acknowledge each round through a neutral channel (the same for both).
            let (ack_tx, mut ack_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
            let receivers: Vec<_> = (0..FANOUT)
                .map(|_| {
                    let mut rx = tx.subscribe();
                    let ack_tx = ack_tx.clone();
                    tokio::spawn(async move {
                        let mut sum = 0u64;
                        for i in 0..iters {
                            sum += rx.recv().await.expect("no lag with round acks");
                            if (i + 1) % ROUND == 0 {
                                ack_tx.send(()).unwrap();
                            }
                        }
                        black_box(sum);
                    })
                })
                .collect();
            for i in 0..iters {
                tx.send(i).unwrap();
                if (i + 1) % ROUND == 0 {
                    for _ in 0..FANOUT {
                        ack_rx.recv().await.unwrap();
                    }
                }
            }
            for receiver in receivers {
                receiver.await.unwrap();
            }
        });
    };
}

fn broadcast(c: &mut Criterion) {
    let mut g = Lineup::new(c, "sync_broadcast_fanout16");
    broadcast_bench!(&mut g, "zokio", zokio::sync::broadcast);
    broadcast_bench!(&mut g, "tokio", tokio::sync::broadcast);
    g.finish();
}

macro_rules! notify_bench {
    ($group:expr, $id:expr, $notify:ty) => {
        bench($group, $id, |iters| async move {
            let ping = Arc::new(<$notify>::new());
            let pong = Arc::new(<$notify>::new());
            let echo = {
                let (ping, pong) = (ping.clone(), pong.clone());
                tokio::spawn(async move {
                    for _ in 0..iters {
                        ping.notified().await;
                        pong.notify_one();
                    }
                })
            };
            for _ in 0..iters {
                ping.notify_one();
                pong.notified().await;
            }
            echo.await.unwrap();
        });
    };
}

fn notify(c: &mut Criterion) {
    let mut g = Lineup::new(c, "sync_notify_ping_pong");
    notify_bench!(&mut g, "zokio", zokio::sync::Notify);
    notify_bench!(&mut g, "tokio", tokio::sync::Notify);
    g.finish();

    // notify_one with a stored permit, no waiting: the fast path.
    let mut g = Lineup::new(c, "sync_notify_permit");
    bench(&mut g, "zokio", |iters| async move {
        let notify = zokio::sync::Notify::new();
        for _ in 0..iters {
            notify.notify_one();
            notify.notified().await;
        }
    });
    bench(&mut g, "tokio", |iters| async move {
        let notify = tokio::sync::Notify::new();
        for _ in 0..iters {
            notify.notify_one();
            notify.notified().await;
        }
    });
    g.finish();
}

fn main() {
    benches::settle_allocator();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    mutex(&mut c);
    semaphore(&mut c);
    mpsc(&mut c);
    oneshot(&mut c);
    broadcast(&mut c);
    notify(&mut c);
    c.final_summary();
}
