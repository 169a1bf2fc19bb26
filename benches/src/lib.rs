//! Benchmarks of zokio against tokio and smol on the same workloads.
//!
//! The workload bodies ([`workloads`], [`echo`], [`net_rt`], [`fs_rt`], [`http`]) are generic over [`rt::Rt`] and written once;
//! [`rt`] implements that trait for each runtime in its normal configuration. Each bench target
//! (`benches/*.rs`) makes one criterion group per workload with one function per runtime, ids
//! `zokio`, `tokio` and `smol`, so the runtimes of a workload are measured back to back, in an
//! order that rotates from round to round ([`turn_order`]). The file, CPU and TCP groups have a
//! fourth function, [`RAW`]: the same work done by plain synchronous code on the bench thread (no
//! runtime, no task, no thread hop), the distance to the machine's limit.
//!
//! Run everything and get a report with `cargo xtask bench` (see `xtask`), or a single suite with
//! `cargo bench -p benches --bench current_thread`. With `ZOKIO_BENCH_QUICK=1` the workloads are
//! smaller (`cargo xtask bench --quick` sets it).
//!
//! One bench target is not criterion: `paired` times the runtimes of the near-parity workloads in
//! turn, one iteration each, in one process ([`paired`]; `cargo xtask paired`).
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

use criterion::BenchmarkGroup;
use criterion::measurement::WallTime;

pub mod echo;
pub mod files;
pub mod fs_rt;
pub mod http;
pub mod net_rt;
pub mod paired;
pub mod rt;
pub mod workloads;

use rt::Rt;

/// The criterion instance every bench target runs with (`configure_from_args`), made after
/// [`settle_allocator`].
pub fn criterion() -> criterion::Criterion {
    settle_allocator();
    criterion::Criterion::default().configure_from_args()
}

/// Puts glibc's `malloc` into the state a long-running program is in after its first large free,
/// so that no runtime's numbers depend on which runtime, or which of its own structures, happened
/// to free a large block first.
///
/// glibc serves blocks of 128 KiB and more with `mmap`, and each time such a block is freed it
/// raises that threshold to the block's size (up to 32 MiB) and its heap-trim threshold to twice
/// that. Until then it gives the top of the heap back to the kernel whenever more than 128 KiB of it
/// is free: a workload that frees a burst of ten thousand tasks each round (`spawn_many`), or a
/// file's megabyte buffers each iteration (`seq_write_64m`), then returns the memory and faults it
/// back in every round, 4 KiB at a time. Which runtime raises the thresholds first, and how far, is
/// an accident of its data structures (smol's executor raises them when its task slab outgrows
/// 128 KiB), so in a fresh process the runtime measured first paid for the trimming and the others
/// did not: zokio's `current_thread/spawn_many` moved from 0.76x to 1.2x smol with this step alone.
/// Allocating and freeing one 16 MiB block here raises both thresholds, for every runtime, above
/// anything the workloads free. Other allocators are unaffected.
pub fn settle_allocator() {
    let block = vec![1u8; 16 << 20];
    drop(std::hint::black_box(block));
}

/// Whether the quick (reduced-size) variant of the workloads was requested.
pub fn quick() -> bool {
    std::env::var_os("ZOKIO_BENCH_QUICK").is_some_and(|v| v == "1")
}

/// `full` normally, `quick` under `ZOKIO_BENCH_QUICK=1`.
pub fn size(full: usize, quick: usize) -> usize {
    if self::quick() { quick } else { full }
}

/// Adds runtime `R`'s function to `group`. The runtime is built on first use (not at all when
/// criterion's filter skips the function) and dropped before the next runtime's function runs, so
/// idle worker threads of one runtime never compete with another's measurement.
pub fn bench<R: Rt, O>(group: &mut BenchmarkGroup<'_, WallTime>, mut work: impl FnMut(&R) -> O) {
    bench_with(group, |_: &R| (), move |rt, _| work(rt));
}

/// Like [`bench()`], with per-runtime state built once by `setup` (for example open connections).
/// The state is dropped before its runtime.
pub fn bench_with<R: Rt, S, O>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    mut setup: impl FnMut(&R) -> S,
    mut work: impl FnMut(&R, &mut S) -> O,
) {
    let mut rt: Option<R> = None;
    let mut state: Option<S> = None;
    group.bench_function(R::NAME, |b| {
        let rt = rt.get_or_insert_with(R::build);
        let state = state.get_or_insert_with(|| setup(rt));
        b.iter(|| work(rt, state));
    });
    drop(state);
    drop(rt);
}

/// Function id of the synchronous reference of a group: the workload's operations done with plain
/// blocking calls on the bench thread (`pread`/`pwrite` on open `std::fs::File`s, a loop for the
/// CPU work, `std::net` sockets for TCP).
pub const RAW: &str = "raw";

/// Adds the [`RAW`] reference function to `group`, with state built once by `setup` (on first
/// use, so not at all when criterion's filter skips the function) and dropped at the end.
pub fn bench_raw<S, O>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    mut setup: impl FnMut() -> S,
    mut work: impl FnMut(&mut S) -> O,
) {
    let mut state: Option<S> = None;
    group.bench_function(RAW, |b| {
        let state = state.get_or_insert_with(&mut setup);
        b.iter(|| work(state));
    });
    drop(state);
}

/// A criterion group measured in wall-clock time, as every group of these benches is.
pub type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// The round of a multi-round run this process measures (0 for the first), from
/// `ZOKIO_BENCH_ROUND` (`cargo xtask bench --rounds N` sets it; unset means 0).
pub fn round() -> usize {
    std::env::var("ZOKIO_BENCH_ROUND")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The order in which the `len` functions of a group are measured in round `round`: the order
/// they were written in, rotated left by `round`. So each function is measured first in one round
/// of every `len`, and whatever an earlier group leaves behind (the kernel writing back its files,
/// a runtime's threads winding down, a cooling CPU) does not always land on the same runtime: in
/// a run of three rounds, the medians keep none of a function's first-place measurements unless
/// two of its three were disturbed.
pub fn turn_order(len: usize, round: usize) -> impl Iterator<Item = usize> {
    (0..len).map(move |i| (i + round) % len)
}

/// Something that adds one function to a group (a [`bench()`] call, say).
pub type Entry<'a, 'l> = dyn FnMut(&mut Group<'a>) + 'l;

/// Adds the functions `entries` add to `group`, in this round's [`turn_order`]. Use it through
/// [`in_turn!`] or [`for_runtimes!`].
pub fn add_in_turn<'a>(group: &mut Group<'a>, entries: &mut [&mut Entry<'a, '_>]) {
    let order: Vec<usize> = turn_order(entries.len(), round()).collect();
    for i in order {
        (entries[i])(group);
    }
}

/// Adds a group's functions in this round's [`turn_order`]:
/// `in_turn!(&mut group, |g| [bench::<ZokioCt, _>(g, work), bench_raw(g, setup, raw_work)])`.
/// Each entry is an expression that adds one function to the group named by the closure
/// parameter.
#[macro_export]
macro_rules! in_turn {
    ($group:expr, |$g:ident| [$($entry:expr),+ $(,)?]) => {
        $crate::add_in_turn(
            $group,
            &mut [$( &mut |$g: &mut $crate::Group<'_>| { $entry; } ),+],
        )
    };
}

/// Adds one function per runtime to a group, in this round's [`turn_order`]:
/// `for_runtimes!(group, [ZokioCt, TokioCt, SmolCt], |rt| workloads::spawn_many(rt, n))`. The
/// closure body is the same code for every runtime.
#[macro_export]
macro_rules! for_runtimes {
    ($group:expr, [$($rt:ty),* $(,)?], |$r:ident| $body:expr) => {
        $crate::in_turn!($group, |g| [$( $crate::bench::<$rt, _>(g, |$r: &$rt| $body) ),*])
    };
}

#[cfg(test)]
mod tests {
    use super::rt::*;
    use super::workloads::*;

    #[test]
    fn each_function_is_measured_first_in_one_round_of_every_len() {
        assert_eq!(super::turn_order(4, 0).collect::<Vec<_>>(), [0, 1, 2, 3]);
        assert_eq!(super::turn_order(4, 1).collect::<Vec<_>>(), [1, 2, 3, 0]);
        assert_eq!(super::turn_order(4, 3).collect::<Vec<_>>(), [3, 0, 1, 2]);
        assert_eq!(super::turn_order(3, 4).collect::<Vec<_>>(), [1, 2, 0]);
        let firsts: Vec<usize> = (0..6)
            .map(|round| super::turn_order(3, round).next().unwrap())
            .collect();
        assert_eq!(firsts, [0, 1, 2, 0, 1, 2]);
    }

    /// Every workload completes on every runtime and computes the same result.
    fn all_workloads<R: Rt>() -> u64 {
        let rt = R::build();
        spawn_many(&rt, 100);
        spawn_many_remote(&rt, 100);
        yield_many(&rt, 4, 10);
        ping_pong(&rt, 50);
        chained_spawn(&rt, 50);
        spawn_blocking(&rt, 4);
        assert_eq!(block_on_ready(&rt), 1);
        cpu_fanout(&rt, 10, 100)
    }

    fn expected() -> u64 {
        (1..=10u64).fold(0, |acc, i| acc ^ xorshift(i, 100))
    }

    fn echo<R: NetRt>() {
        let rt = R::build();
        let mut clients = super::echo::EchoClients::<R>::connect(&rt, 3);
        assert_eq!(clients.connections(), 3);
        clients.round_trips(&rt, 5);
        clients.round_trips(&rt, 5);
    }

    /// The headline file and mixed workloads complete and leave no file behind.
    fn headline<R: HeadlineRt>() {
        let rt = R::build();
        let mut set = super::files::FileSet::<R>::new(&rt, 3, 8);
        set.read_write(&rt, 8);
        set.read_write(&rt, 8);
        let mut mixed = super::files::MixedClients::<R>::new(&rt, 3);
        mixed.cycles(&rt, 2);
        mixed.cycles(&rt, 2);
        drop((set, mixed));
        let prefix = format!("zokio-bench-{}-{}-", std::process::id(), R::NAME);
        let left = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(&prefix)
            })
            .count();
        assert_eq!(left, 0, "temporary bench files were not removed");
    }

    #[test]
    fn headline_workloads() {
        headline::<ZokioMt>();
        headline::<TokioMt>();
        headline::<SmolMt>();
    }

    /// The synchronous references do the same work: same CPU result, echoed bytes checked, and
    /// no temporary file left behind.
    #[test]
    fn raw_references() {
        assert_eq!(cpu_raw(10, 100), expected());
        let mut echo = super::echo::RawEcho::connect(3);
        echo.round_trips(5);
        echo.round_trips(5);
        let mut set = super::files::RawFileSet::new(3, 8);
        set.read_write(8);
        set.read_write(8);
        drop(set);
        let prefix = format!("zokio-bench-{}-{}-", std::process::id(), super::RAW);
        let left = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(&prefix)
            })
            .count();
        assert_eq!(left, 0, "temporary bench files were not removed");
    }

    #[test]
    fn zokio_current_thread() {
        assert_eq!(all_workloads::<ZokioCt>(), expected());
        echo::<ZokioCt>();
    }

    #[test]
    fn zokio_multi_thread() {
        assert_eq!(all_workloads::<ZokioMt>(), expected());
        echo::<ZokioMt>();
    }

    #[test]
    fn tokio_current_thread() {
        assert_eq!(all_workloads::<TokioCt>(), expected());
        echo::<TokioCt>();
    }

    #[test]
    fn tokio_multi_thread() {
        assert_eq!(all_workloads::<TokioMt>(), expected());
        echo::<TokioMt>();
    }

    #[test]
    fn smol_current_thread() {
        assert_eq!(all_workloads::<SmolCt>(), expected());
        echo::<SmolCt>();
    }

    #[test]
    fn smol_multi_thread() {
        assert_eq!(all_workloads::<SmolMt>(), expected());
        echo::<SmolMt>();
    }
}
