//! Paired runs of the workloads where the runtimes are close: each runtime's iteration timed in
//! turn with the others', in one process (see `benches::paired` for the method and why).
//!
//! Not a criterion target: it prints one markdown table, the median over the pairs of the other
//! runtime's time over zokio's (above 1.00x zokio is faster). `cargo xtask paired` runs it and
//! saves the table; by hand:
//!
//! ```text
//! cargo bench -p benches --bench paired -- [--pairs N] [--runs N] [--warm-up N] [--filter A,B]
//! ```
//!
//! `--pairs` and `--warm-up` are divided by 5 for `fs/seq_write_64m` and by 30 for
//! `fs/spawn_true`, whose iterations are long. With `--test` (as `cargo bench -- --test` passes
//! it in CI) every workload runs two pairs and nothing is reported. The workloads are the
//! criterion groups of the same names, same sizes (`ZOKIO_BENCH_QUICK=1` for the quick sizes):
//!
//! - `net/tcp_request_response`, `net/tcp_request_response_mt`: 64-byte round trips on 50
//!   connections to an echo server on the same runtime (current-thread and multi-thread set-ups).
//! - `net/tcp_stream`: one connection streaming 32 MiB in 64 KiB writes to a reader that
//!   acknowledges the end (current-thread set-ups).
//! - `net/udp_round_trip`: 8 clients each doing 100 sequential 64-byte round trips to a UDP echo
//!   server (current-thread set-ups).
//! - `http/hello_world`: hyper hello-world on the multi-thread set-up, 32 keep-alive connections
//!   from one Tokio current-thread client (no smol column, as in the criterion group).
//! - `multi_thread/cpu_fanout`: 1000 tasks of a fixed xorshift loop.
//! - `multi_thread/chained_spawn`: a chain of tasks each spawning the next.
//! - `multi_thread/spawn_blocking`: 1000 closures on the blocking pool, awaited.
//! - `current_thread/block_on`: `block_on` of a ready future, [`BLOCK_ON_BATCH`] per iteration
//!   (one takes about 150 ns, too short to time alone).
//! - `fs/seq_write_64m`: one file written in 1 MiB `write_all`s, then flushed (current-thread
//!   set-ups; each runtime writes its own file in a scratch directory).
//! - `fs/spawn_true`: 500 children of `true`, 10 tasks spawning at once.
//! - `sync/sync_oneshot` (measured first, see `WORKLOADS`): create a one-shot channel, send,
//!   await the value, [`ONESHOT_BATCH`] per iteration, on one Tokio multi-thread runtime (two
//!   workers) per contender, as the `sync` suite runs everything; the third contender is
//!   `async-channel` (`bounded(1)`).
//! - `sync/sync_mpsc_bounded_1p` (after `sync_oneshot`): one producer task sends
//!   [`MPSC_BATCH`] values through a bounded channel of 128 to the receiving task, the same
//!   set-up; the third contender is `async-channel`.

use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;

use benches::echo::EchoClients;
use benches::fs_rt::{FsRt, seq_write, spawn_true};
use benches::http::{CONNECTIONS as HTTP_CONNECTIONS, HelloClients};
use benches::net_rt::{UdpRt, stream_pair, stream_round, udp_rounds, udp_setup};
use benches::paired::{Contender, Outcome, measure, parse_args, selected};
use benches::rt::{NetRt, Rt, SmolCt, SmolMt, TokioCt, TokioMt, ZokioCt, ZokioMt};
use benches::workloads::{block_on_ready, chained_spawn, cpu_fanout, spawn_blocking};
use benches::{settle_allocator, size};

/// Connections of the TCP request/response workloads (as in the `net` suite).
const ECHO_CONNECTIONS: usize = 50;

/// `block_on` calls per iteration of `current_thread/block_on`.
const BLOCK_ON_BATCH: usize = 10_000;

/// Channels per iteration of `sync/sync_oneshot`.
const ONESHOT_BATCH: u64 = 20_000;

/// Messages per iteration of `sync/sync_mpsc_bounded_1p`.
const MPSC_BATCH: u64 = 20_000;

/// Capacity of the bounded channels (as in the `sync` suite).
const MPSC_CAPACITY: usize = 128;

/// A runtime and the state its iterations use, dropped in that order: state first.
struct Held<R, S> {
    state: S,
    rt: R,
}

/// Builds runtime `R`, then its state with `setup`; the contender runs `work` once per pair.
fn contender<R: Rt, S: 'static>(
    setup: impl FnOnce(&R) -> S,
    mut work: impl FnMut(&R, &mut S) + 'static,
) -> Contender<'static> {
    let rt = R::build();
    let state = setup(&rt);
    let mut held = Held { state, rt };
    Contender::new(R::NAME, move || work(&held.rt, &mut held.state))
}

fn echo<R: NetRt>(rounds: usize) -> Contender<'static> {
    contender(
        |rt: &R| EchoClients::connect(rt, ECHO_CONNECTIONS),
        move |rt, clients| clients.round_trips(rt, rounds),
    )
}

fn streaming<R: NetRt>(total: usize) -> Contender<'static> {
    contender(
        move |rt: &R| stream_pair(rt, total),
        move |rt, client| stream_round(rt, client, total),
    )
}

fn udp<R: UdpRt>(rounds: usize) -> Contender<'static> {
    contender(udp_setup::<R>, move |rt, clients| {
        udp_rounds(rt, clients, rounds)
    })
}

fn http<R: benches::http::HttpRt>(requests: usize) -> Contender<'static> {
    let mut clients = HelloClients::connect(R::build(), HTTP_CONNECTIONS);
    Contender::new(R::NAME, move || clients.requests(requests))
}

fn cpu<R: Rt>(iterations: u64) -> Contender<'static> {
    contender(
        |_: &R| (),
        move |rt, ()| {
            std::hint::black_box(cpu_fanout(rt, 1_000, iterations));
        },
    )
}

fn chain<R: Rt>(depth: usize) -> Contender<'static> {
    contender(|_: &R| (), move |rt, ()| chained_spawn(rt, depth))
}

fn blocking<R: Rt>(n: usize) -> Contender<'static> {
    contender(|_: &R| (), move |rt, ()| spawn_blocking(rt, n))
}

fn block_on<R: Rt>() -> Contender<'static> {
    contender(
        |_: &R| (),
        |rt, ()| {
            for _ in 0..BLOCK_ON_BATCH {
                std::hint::black_box(block_on_ready(rt));
            }
        },
    )
}

/// A directory under the system's temp dir, removed with everything in it on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("zokio-paired-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn seq_writes<R: FsRt>(total: usize) -> Contender<'static> {
    contender(
        |_: &R| Scratch::new(R::NAME),
        move |rt, scratch| seq_write(rt, scratch.0.join("seq"), total),
    )
}

fn children<R: FsRt>(children: usize) -> Contender<'static> {
    contender(|_: &R| (), move |rt, ()| spawn_true(rt, children))
}

/// A contender that runs `batch` (the future of one iteration) on its own Tokio multi-thread
/// runtime with two workers, inside a spawned task: the `sync` suite's set-up.
fn on_tokio<F: Future<Output = ()> + Send + 'static>(
    name: &'static str,
    batch: fn() -> F,
) -> Contender<'static> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("tokio runtime");
    Contender::new(name, move || {
        rt.block_on(async { tokio::spawn(batch()).await.expect("batch") })
    })
}

/// One iteration of `sync/sync_mpsc_bounded_1p` on the channel `$make` builds: a producer task
/// sends [`MPSC_BATCH`] values, this task receives them.
macro_rules! mpsc_batch {
    ($make:expr) => {
        async {
            #[allow(unused_mut)] // async-channel's receiver takes `&self`
            let (tx, mut rx) = $make;
            tokio::spawn(async move {
                for i in 0..MPSC_BATCH {
                    tx.send(i).await.unwrap();
                }
            });
            for _ in 0..MPSC_BATCH {
                std::hint::black_box(rx.recv().await.unwrap());
            }
        }
    };
}

/// `contenders!(f(args), [ZokioCt, TokioCt])`: `vec![f::<ZokioCt>(args), f::<TokioCt>(args)]`,
/// zokio first.
macro_rules! contenders {
    ($f:ident $args:tt, [$($rt:ty),+]) => {
        vec![$($f::<$rt> $args),+]
    };
}

/// A paired workload: its name, a divisor of the pair and warm-up counts (for workloads whose
/// iteration takes a tenth of a second or more, or writes a lot), and a function that builds its
/// contenders (zokio first).
type Workload = (&'static str, usize, fn() -> Vec<Contender<'static>>);

const WORKLOADS: &[Workload] = &[
    // The `sync` workloads first, before any zokio runtime exists in the process: as in a Tokio
    // program that uses zokio-sync (and as in the `sync` suite), zokio's budget is then known to be
    // unused and not looked up. After a zokio runtime has run, each operation looks up both
    // budgets (the benches build zokio-sync with `tokio-coop`), a few nanoseconds of the 50 of a
    // one-shot channel (paired against Tokio: 1.007x measured first, 0.95x after a zokio runtime).
    ("sync/sync_oneshot", 1, || {
        vec![
            on_tokio("zokio", || async {
                for i in 0..ONESHOT_BATCH {
                    let (tx, rx) = zokio::sync::oneshot::channel();
                    tx.send(i).unwrap();
                    std::hint::black_box(rx.await.unwrap());
                }
            }),
            on_tokio("tokio", || async {
                for i in 0..ONESHOT_BATCH {
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    tx.send(i).unwrap();
                    std::hint::black_box(rx.await.unwrap());
                }
            }),
            on_tokio("async-channel", || async {
                for i in 0..ONESHOT_BATCH {
                    let (tx, rx) = async_channel::bounded(1);
                    tx.try_send(i).unwrap();
                    std::hint::black_box(rx.recv().await.unwrap());
                }
            }),
        ]
    }),
    ("sync/sync_mpsc_bounded_1p", 1, || {
        vec![
            on_tokio("zokio", || {
                mpsc_batch!(zokio::sync::mpsc::channel(MPSC_CAPACITY))
            }),
            on_tokio("tokio", || {
                mpsc_batch!(tokio::sync::mpsc::channel(MPSC_CAPACITY))
            }),
            on_tokio("async-channel", || {
                mpsc_batch!(async_channel::bounded(MPSC_CAPACITY))
            }),
        ]
    }),
    ("net/tcp_request_response", 1, || {
        let rounds = size(20, 5);
        contenders!(echo(rounds), [ZokioCt, TokioCt, SmolCt])
    }),
    ("net/tcp_request_response_mt", 1, || {
        let rounds = size(20, 5);
        contenders!(echo(rounds), [ZokioMt, TokioMt, SmolMt])
    }),
    ("net/tcp_stream", 1, || {
        let total = size(32 << 20, 4 << 20);
        contenders!(streaming(total), [ZokioCt, TokioCt, SmolCt])
    }),
    ("net/udp_round_trip", 1, || {
        let rounds = size(100, 20);
        contenders!(udp(rounds), [ZokioCt, TokioCt, SmolCt])
    }),
    ("http/hello_world", 1, || {
        let requests = size(100, 25);
        contenders!(http(requests), [ZokioMt, TokioMt])
    }),
    ("multi_thread/cpu_fanout", 1, || {
        let iterations = size(10_000, 2_000) as u64;
        contenders!(cpu(iterations), [ZokioMt, TokioMt, SmolMt])
    }),
    ("multi_thread/chained_spawn", 1, || {
        let depth = size(1_000, 200);
        contenders!(chain(depth), [ZokioMt, TokioMt, SmolMt])
    }),
    ("multi_thread/spawn_blocking", 1, || {
        let n = size(1_000, 100);
        contenders!(blocking(n), [ZokioMt, TokioMt, SmolMt])
    }),
    ("current_thread/block_on", 1, || {
        contenders!(block_on(), [ZokioCt, TokioCt, SmolCt])
    }),
    ("fs/seq_write_64m", 5, || {
        let total = size(64 << 20, 8 << 20);
        contenders!(seq_writes(total), [ZokioCt, TokioCt, SmolCt])
    }),
    ("fs/spawn_true", 30, || {
        let n = size(500, 50);
        contenders!(children(n), [ZokioCt, TokioCt, SmolCt])
    }),
];

/// One markdown row per other runtime.
fn rows(workload: &str, outcomes: &[Outcome]) -> String {
    outcomes
        .iter()
        .map(|o| {
            let runs: Vec<String> = o.runs.iter().map(|r| format!("{r:.3}")).collect();
            format!(
                "| {workload} | {} | {} | {} | {} | **{:.3}x** | {:.3}-{:.3} | {} |\n",
                o.other,
                o.pairs,
                time(o.subject_ns),
                time(o.other_ns),
                o.median,
                o.quartiles.0,
                o.quartiles.1,
                runs.join(", ")
            )
        })
        .collect()
}

fn time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("paired: {e}");
            return ExitCode::from(2);
        }
    };
    settle_allocator();
    let (warm_up, pairs, runs) = if opts.test {
        (0, 2, 1)
    } else {
        (opts.warm_up, opts.pairs, opts.runs)
    };
    let mut table = String::from(
        "| workload | other | pairs | zokio | other | other/zokio (median of pairs) | quartiles | run medians |\n\
         |---|---|---:|---:|---:|---:|---:|---|\n",
    );
    for &(name, divisor, build) in WORKLOADS {
        if !selected(name, &opts.filter) {
            continue;
        }
        let (warm_up, pairs) = if opts.test {
            (warm_up, pairs)
        } else {
            (warm_up / divisor, (pairs / divisor).max(1))
        };
        eprintln!("paired: {name} ({runs} x {pairs} pairs)...");
        let mut contenders = build();
        let outcomes = measure(&mut contenders, warm_up, pairs, runs);
        if opts.test {
            assert_eq!(outcomes.len(), contenders.len() - 1);
            println!("Testing paired {name}\nSuccess");
        } else {
            table.push_str(&rows(name, &outcomes));
        }
    }
    if !opts.test {
        print!("{table}");
    }
    ExitCode::SUCCESS
}
