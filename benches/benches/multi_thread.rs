//! Multi-thread runtimes with one worker thread per CPU: zokio and tokio `new_multi_thread()`, smol
//! one `Executor` run by one thread per CPU. The same workload code runs on each (see
//! `benches::workloads`); every workload body runs in a spawned task, so its spawns are local to a
//! worker, except `spawn_many_remote`, which spawns from the bench thread outside the runtime.
//! `cpu_fanout` also has a `raw` function: the same computations in a plain loop on the bench
//! thread (one thread, against the runtimes' one worker per CPU).

use benches::rt::{SmolMt, TokioMt, ZokioMt};
use benches::workloads::{
    chained_spawn, cpu_fanout, cpu_raw, ping_pong, sleep_poll_contended, spawn_blocking,
    spawn_many, spawn_many_remote, spawn_remote_contended, yield_many,
};
use benches::{bench_raw, for_runtimes, size};
use criterion::Criterion;

fn multi_thread(c: &mut Criterion) {
    let tasks = size(100_000, 10_000);
    let mut g = c.benchmark_group("multi_thread/spawn_many_local");
    for_runtimes!(&mut g, [ZokioMt, TokioMt, SmolMt], |rt| spawn_many(
        rt, tasks
    ));
    g.finish();

    let mut g = c.benchmark_group("multi_thread/spawn_many_remote");
    for_runtimes!(&mut g, [ZokioMt, TokioMt, SmolMt], |rt| spawn_many_remote(
        rt, tasks
    ));
    g.finish();

    // The contention microbenchmarks: what a global lock on the spawn or timer path would cost with
    // every thread on it at once (the 16-core scaling runs set ZOKIO_BENCH_WORKERS).
    let mut g = c.benchmark_group("multi_thread/spawn_remote_contended");
    for_runtimes!(&mut g, [ZokioMt, TokioMt, SmolMt], |rt| {
        spawn_remote_contended(rt, 4, tasks)
    });
    g.finish();

    let (sleepers, polls) = (size(1_000, 200), size(100, 20));
    let mut g = c.benchmark_group("multi_thread/sleep_poll_contended");
    for_runtimes!(&mut g, [ZokioMt, TokioMt, SmolMt], |rt| {
        sleep_poll_contended(rt, sleepers, polls)
    });
    g.finish();

    let (yielders, yields) = (size(200, 50), size(200, 50));
    let mut g = c.benchmark_group("multi_thread/yield_many");
    for_runtimes!(&mut g, [ZokioMt, TokioMt, SmolMt], |rt| yield_many(
        rt, yielders, yields
    ));
    g.finish();

    let pairs = size(1_000, 200);
    let mut g = c.benchmark_group("multi_thread/ping_pong");
    for_runtimes!(&mut g, [ZokioMt, TokioMt, SmolMt], |rt| ping_pong(
        rt, pairs
    ));
    g.finish();

    let depth = size(1_000, 200);
    let mut g = c.benchmark_group("multi_thread/chained_spawn");
    for_runtimes!(&mut g, [ZokioMt, TokioMt, SmolMt], |rt| chained_spawn(
        rt, depth
    ));
    g.finish();

    let blocking = size(1_000, 100);
    let mut g = c.benchmark_group("multi_thread/spawn_blocking");
    for_runtimes!(&mut g, [ZokioMt, TokioMt, SmolMt], |rt| spawn_blocking(
        rt, blocking
    ));
    g.finish();

    // 1000 tasks of a fixed computation; the task count stays the same under --quick.
    let iterations = size(10_000, 2_000) as u64;
    let mut g = c.benchmark_group("multi_thread/cpu_fanout");
    for_runtimes!(&mut g, [ZokioMt, TokioMt, SmolMt], |rt| cpu_fanout(
        rt, 1_000, iterations
    ));
    bench_raw(&mut g, || (), |()| cpu_raw(1_000, iterations));
    g.finish();
}

fn main() {
    let mut c = benches::criterion();
    multi_thread(&mut c);
    c.final_summary();
}
