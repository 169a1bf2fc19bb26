//! The headline figures zokio was first specified against, as throughput (operations per second)
//! on each runtime's multi-thread set-up (one worker per CPU), in the order of the specification:
//!
//! - file I/O: 16 tasks, each with its own open async file (written at set-up, so page-cache
//!   resident), alternate 4 KiB writes and reads from the file's start, then flush; op = one read
//!   or write.
//! - network I/O: 64-byte TCP request/response round trips on 50 loopback connections; op = one
//!   round trip.
//! - CPU-intensive: 1000 tasks each running a fixed xorshift loop; op = one iteration.
//! - mixed: 50 clients, each cycling through one TCP round trip, a sleep of 0 to 1 ms, a short
//!   xorshift loop and a flushed 256-byte file write; op = one cycle.
//!
//! Files, connections and echo servers are set up once per runtime, outside the measurement.
//!
//! The file, network and CPU groups also have a `raw` function, the same work as plain synchronous
//! code on the bench thread: positioned `pwrite`/`pread` on open `std::fs::File`s, blocking
//! `std::net` round trips with both ends of each connection on the bench thread, and the xorshift
//! loops run one after another. (It is one thread against the runtimes' one worker per CPU.) The
//! mixed figure has none: its sleeps, not its operations, set its pace.

use benches::echo::{EchoClients, RawEcho};
use benches::files::{FileSet, MixedClients, RawFileSet};
use benches::rt::{HeadlineRt, NetRt, SmolMt, TokioMt, ZokioMt};
use benches::workloads::{cpu_fanout, cpu_raw};
use benches::{bench, bench_raw, bench_with, in_turn, size};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};

/// Tasks of the file I/O figure.
const FILE_TASKS: usize = 16;
/// Connections of the network and mixed figures.
const CONNECTIONS: usize = 50;

fn file_io<R: HeadlineRt>(g: &mut BenchmarkGroup<'_, WallTime>, ops: usize) {
    bench_with::<R, _, _>(
        g,
        |rt| FileSet::<R>::new(rt, FILE_TASKS, ops),
        |rt, files| files.read_write(rt, ops),
    );
}

fn network<R: NetRt>(g: &mut BenchmarkGroup<'_, WallTime>, rounds: usize) {
    bench_with::<R, _, _>(
        g,
        |rt| EchoClients::<R>::connect(rt, CONNECTIONS),
        |rt, clients| clients.round_trips(rt, rounds),
    );
}

fn mixed<R: HeadlineRt>(g: &mut BenchmarkGroup<'_, WallTime>, cycles: usize) {
    bench_with::<R, _, _>(
        g,
        |rt| MixedClients::<R>::new(rt, CONNECTIONS),
        |rt, clients| clients.cycles(rt, cycles),
    );
}

fn headline(c: &mut Criterion) {
    let ops = size(64, 16);
    let mut g = c.benchmark_group("headline/file_io");
    g.throughput(Throughput::Elements((FILE_TASKS * ops) as u64));
    in_turn!(&mut g, |g| [
        file_io::<ZokioMt>(g, ops),
        file_io::<TokioMt>(g, ops),
        file_io::<SmolMt>(g, ops),
        bench_raw(
            g,
            || RawFileSet::new(FILE_TASKS, ops),
            |files| files.read_write(ops),
        ),
    ]);
    g.finish();

    let rounds = size(20, 5);
    let mut g = c.benchmark_group("headline/network_io");
    g.throughput(Throughput::Elements((CONNECTIONS * rounds) as u64));
    in_turn!(&mut g, |g| [
        network::<ZokioMt>(g, rounds),
        network::<TokioMt>(g, rounds),
        network::<SmolMt>(g, rounds),
        bench_raw(
            g,
            || RawEcho::connect(CONNECTIONS),
            |clients| clients.round_trips(rounds),
        ),
    ]);
    g.finish();

    let (tasks, iterations) = (1_000u64, size(10_000, 2_000) as u64);
    let mut g = c.benchmark_group("headline/cpu");
    g.throughput(Throughput::Elements(tasks * iterations));
    let tasks = tasks as usize;
    in_turn!(&mut g, |g| [
        bench::<ZokioMt, _>(g, |rt| cpu_fanout(rt, tasks, iterations)),
        bench::<TokioMt, _>(g, |rt| cpu_fanout(rt, tasks, iterations)),
        bench::<SmolMt, _>(g, |rt| cpu_fanout(rt, tasks, iterations)),
        bench_raw(g, || (), |()| cpu_raw(tasks, iterations)),
    ]);
    g.finish();

    let cycles = size(4, 2);
    let mut g = c.benchmark_group("headline/mixed");
    g.throughput(Throughput::Elements((CONNECTIONS * cycles) as u64));
    in_turn!(&mut g, |g| [
        mixed::<ZokioMt>(g, cycles),
        mixed::<TokioMt>(g, cycles),
        mixed::<SmolMt>(g, cycles),
    ]);
    g.finish();
}

fn main() {
    let mut c = benches::criterion();
    headline(&mut c);
    c.final_summary();
}
