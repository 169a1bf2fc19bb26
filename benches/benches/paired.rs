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
//! With `--test` (as `cargo bench -- --test` passes it in CI) every workload runs two pairs and
//! nothing is reported. The workloads are the criterion groups of the same names, same sizes
//! (`ZOKIO_BENCH_QUICK=1` for the quick sizes):
//!
//! - `net/tcp_request_response`, `net/tcp_request_response_mt`: 64-byte round trips on 50
//!   connections to an echo server on the same runtime (current-thread and multi-thread set-ups).
//! - `http/hello_world`: hyper hello-world on the multi-thread set-up, 32 keep-alive connections
//!   from one Tokio current-thread client (no smol column, as in the criterion group).
//! - `multi_thread/cpu_fanout`: 1000 tasks of a fixed xorshift loop.
//! - `multi_thread/chained_spawn`: a chain of tasks each spawning the next.

use std::process::ExitCode;

use benches::echo::EchoClients;
use benches::http::{CONNECTIONS as HTTP_CONNECTIONS, HelloClients};
use benches::paired::{Contender, Outcome, measure};
use benches::rt::{NetRt, Rt, SmolCt, SmolMt, TokioCt, TokioMt, ZokioCt, ZokioMt};
use benches::workloads::{chained_spawn, cpu_fanout};
use benches::{settle_allocator, size};

/// Connections of the TCP request/response workloads (as in the `net` suite).
const ECHO_CONNECTIONS: usize = 50;

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

/// The paired workloads: name, and a function that builds its contenders (zokio first).
type Workload = (&'static str, fn() -> Vec<Contender<'static>>);

const WORKLOADS: &[Workload] = &[
    ("net/tcp_request_response", || {
        let rounds = size(20, 5);
        vec![
            echo::<ZokioCt>(rounds),
            echo::<TokioCt>(rounds),
            echo::<SmolCt>(rounds),
        ]
    }),
    ("net/tcp_request_response_mt", || {
        let rounds = size(20, 5);
        vec![
            echo::<ZokioMt>(rounds),
            echo::<TokioMt>(rounds),
            echo::<SmolMt>(rounds),
        ]
    }),
    ("http/hello_world", || {
        let requests = size(100, 25);
        vec![http::<ZokioMt>(requests), http::<TokioMt>(requests)]
    }),
    ("multi_thread/cpu_fanout", || {
        let iterations = size(10_000, 2_000) as u64;
        vec![
            cpu::<ZokioMt>(iterations),
            cpu::<TokioMt>(iterations),
            cpu::<SmolMt>(iterations),
        ]
    }),
    ("multi_thread/chained_spawn", || {
        let depth = size(1_000, 200);
        vec![
            chain::<ZokioMt>(depth),
            chain::<TokioMt>(depth),
            chain::<SmolMt>(depth),
        ]
    }),
];

/// Command-line options.
#[derive(Debug)]
struct Options {
    test: bool,
    warm_up: usize,
    pairs: usize,
    runs: usize,
    filter: Vec<String>,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut opts = Options {
        test: false,
        warm_up: 30,
        pairs: 300,
        runs: 3,
        filter: Vec::new(),
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            let value = args.next().ok_or(format!("{name} needs a value"))?;
            value
                .parse()
                .map_err(|_| format!("{name} needs a whole number, not {value:?}"))
        };
        match arg.as_str() {
            // `cargo bench` passes `--bench` to every bench target.
            "--bench" => {}
            "--test" => opts.test = true,
            "--warm-up" => opts.warm_up = number("--warm-up")?,
            "--pairs" => opts.pairs = number("--pairs")?,
            "--runs" => opts.runs = number("--runs")?,
            "--filter" => {
                let value = args.next().ok_or("--filter needs a value")?;
                opts.filter = value.split(',').map(str::to_string).collect();
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if opts.pairs == 0 || opts.runs == 0 {
        return Err("--pairs and --runs need at least 1".to_string());
    }
    Ok(opts)
}

fn selected(name: &str, filter: &[String]) -> bool {
    filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()))
}

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
    let opts = match parse(std::env::args().skip(1)) {
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
    for (name, build) in WORKLOADS {
        if !selected(name, &opts.filter) {
            continue;
        }
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
