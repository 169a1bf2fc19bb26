//! Current-thread runtimes: zokio `new_current_thread()`, tokio `new_current_thread()`, smol
//! `LocalExecutor` + `block_on`. The same workload code runs on each (see `benches::workloads`).
//!
//! One-shot channels are each runtime's own: `zokio::sync::oneshot`, `tokio::sync::oneshot`, and
//! for smol `async_channel::bounded(1)` (smol has no dedicated one-shot channel), so ping_pong
//! compares the scheduler together with the channel a user of that runtime would reach for.

use benches::rt::{SmolCt, TokioCt, ZokioCt};
use benches::workloads::{block_on_ready, chained_spawn, ping_pong, spawn_many, yield_many};
use benches::{for_runtimes, size};
use criterion::Criterion;

fn current_thread(c: &mut Criterion) {
    let tasks = size(100_000, 10_000);
    let mut g = c.benchmark_group("current_thread/spawn_many");
    for_runtimes!(&mut g, [ZokioCt, TokioCt, SmolCt], |rt| spawn_many(
        rt, tasks
    ));
    g.finish();

    let (yielders, yields) = (size(200, 50), size(200, 50));
    let mut g = c.benchmark_group("current_thread/yield_many");
    for_runtimes!(&mut g, [ZokioCt, TokioCt, SmolCt], |rt| yield_many(
        rt, yielders, yields
    ));
    g.finish();

    let pairs = size(1_000, 200);
    let mut g = c.benchmark_group("current_thread/ping_pong");
    for_runtimes!(&mut g, [ZokioCt, TokioCt, SmolCt], |rt| ping_pong(
        rt, pairs
    ));
    g.finish();

    let depth = size(1_000, 200);
    let mut g = c.benchmark_group("current_thread/chained_spawn");
    for_runtimes!(&mut g, [ZokioCt, TokioCt, SmolCt], |rt| chained_spawn(
        rt, depth
    ));
    g.finish();

    let mut g = c.benchmark_group("current_thread/block_on");
    for_runtimes!(&mut g, [ZokioCt, TokioCt, SmolCt], |rt| block_on_ready(rt));
    g.finish();
}

fn main() {
    let mut c = benches::criterion();
    current_thread(&mut c);
    c.final_summary();
}
