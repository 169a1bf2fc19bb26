//! The headline figures zokio was first specified against, as throughput (operations per second)
//! on each runtime's multi-thread set-up (one worker per CPU):
//!
//! - CPU-intensive: 1000 tasks each running a fixed xorshift loop; op = one iteration.
//! - network I/O: 64-byte TCP request/response round trips on 50 loopback connections; op = one
//!   round trip. The connections and the echo server are set up once per runtime, outside the
//!   measurement.
//!
//! The file I/O and mixed figures need async files in zokio (`zokio::fs`), which do not exist yet;
//! they are left out rather than measured for tokio and smol alone.

use benches::echo::EchoClients;
use benches::rt::{NetRt, SmolMt, TokioMt, ZokioMt};
use benches::workloads::cpu_fanout;
use benches::{bench_with, for_runtimes, size};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};

/// Connections of the network figure.
const CONNECTIONS: usize = 50;

fn network<R: NetRt>(g: &mut BenchmarkGroup<'_, WallTime>, rounds: usize) {
    bench_with::<R, _, _>(
        g,
        |rt| EchoClients::<R>::connect(rt, CONNECTIONS),
        |rt, clients| clients.round_trips(rt, rounds),
    );
}

fn headline(c: &mut Criterion) {
    let (tasks, iterations) = (1_000u64, size(10_000, 2_000) as u64);
    let mut g = c.benchmark_group("headline/cpu");
    g.throughput(Throughput::Elements(tasks * iterations));
    for_runtimes!(&mut g, [ZokioMt, TokioMt, SmolMt], |rt| cpu_fanout(
        rt,
        tasks as usize,
        iterations
    ));
    g.finish();

    let rounds = size(20, 5);
    let mut g = c.benchmark_group("headline/network_io");
    g.throughput(Throughput::Elements((CONNECTIONS * rounds) as u64));
    network::<ZokioMt>(&mut g, rounds);
    network::<TokioMt>(&mut g, rounds);
    network::<SmolMt>(&mut g, rounds);
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    headline(&mut c);
    c.final_summary();
}
