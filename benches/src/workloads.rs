//! The scheduler workloads, written once for every runtime.
//!
//! Each function runs one criterion iteration. The body runs inside a spawned root task (not in
//! the `block_on` future itself) so that on multi-thread runtimes the workload's own spawns happen
//! on a worker, the "local spawn" path; [`spawn_many_remote`] measures the other path.

use std::future::Future;
use std::hint::black_box;
use std::task::Poll;
use std::time::Duration;

use crate::rt::{HeadlineRt, Rt};

/// Runs `body` as a task on `rt` and waits for it on the calling thread.
pub fn run<R: Rt, F>(rt: &R, body: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on(async move { R::spawn(body).await })
}

/// Spawns `n` empty tasks from inside the runtime, then awaits every handle.
pub fn spawn_many<R: Rt>(rt: &R, n: usize) {
    run(rt, async move {
        let handles: Vec<_> = (0..n)
            .map(|i| R::spawn(async move { black_box(i) }))
            .collect();
        for h in handles {
            black_box(h.await);
        }
    });
}

/// Spawns `n` empty tasks from the calling thread, which is outside the runtime, then awaits them.
pub fn spawn_many_remote<R: Rt>(rt: &R, n: usize) {
    let handles: Vec<_> = (0..n)
        .map(|i| rt.spawn_outside(async move { black_box(i) }))
        .collect();
    join_on(rt, handles);
}

/// Awaits every handle, in order, inside the runtime.
fn join_on<R: Rt, T: Send + 'static>(rt: &R, handles: Vec<R::JoinHandle<T>>) {
    rt.block_on(async move {
        for h in handles {
            black_box(h.await);
        }
    });
}

/// From inside a task: spawns `tasks` tasks, each running `body()`, and awaits them all.
async fn spawn_each_and_join<R: Rt, F>(tasks: usize, body: impl Fn() -> F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let handles: Vec<_> = (0..tasks).map(|_| R::spawn(body())).collect();
    for h in handles {
        h.await;
    }
}

/// `tasks` tasks each yield `yields` times.
pub fn yield_many<R: Rt>(rt: &R, tasks: usize, yields: usize) {
    run(
        rt,
        spawn_each_and_join::<R, _>(tasks, move || async move {
            for _ in 0..yields {
                R::yield_now().await;
            }
        }),
    );
}

/// `pairs` tasks each spawn a partner, send it a ping over one one-shot channel and wait for its
/// pong on another: two spawns, two channel hand-offs and several cross-task wake-ups per pair.
pub fn ping_pong<R: Rt>(rt: &R, pairs: usize) {
    run(rt, async move {
        let handles: Vec<_> = (0..pairs)
            .map(|i| {
                R::spawn(async move {
                    let (ping_tx, ping_rx) = R::oneshot::<usize>();
                    let (pong_tx, pong_rx) = R::oneshot::<usize>();
                    R::spawn_detached(async move {
                        let ping = R::recv(ping_rx).await;
                        R::send(pong_tx, ping + 1);
                    });
                    R::send(ping_tx, i);
                    assert_eq!(R::recv(pong_rx).await, i + 1);
                })
            })
            .collect();
        for h in handles {
            h.await;
        }
    });
}

/// Each task spawns the next, `depth` deep; the last one signals completion.
pub fn chained_spawn<R: Rt>(rt: &R, depth: usize) {
    fn link<R: Rt>(remaining: usize, done: R::OneshotTx<()>) {
        if remaining == 0 {
            R::send(done, ());
        } else {
            R::spawn_detached(async move { link::<R>(remaining - 1, done) });
        }
    }
    run(rt, async move {
        let (tx, rx) = R::oneshot();
        link::<R>(depth, tx);
        R::recv(rx).await;
    });
}

/// `block_on` of a future that is ready at once: the fixed cost of entering the runtime.
pub fn block_on_ready<R: Rt>(rt: &R) -> u64 {
    rt.block_on(async { black_box(1u64) })
}

/// `n` closures on the blocking pool, all awaited.
pub fn spawn_blocking<R: Rt>(rt: &R, n: usize) {
    run(rt, async move {
        let handles: Vec<_> = (0..n)
            .map(|i| R::spawn_blocking(move || black_box(i)))
            .collect();
        for h in handles {
            black_box(h.await);
        }
    });
}

/// A fixed CPU-bound loop: `iterations` rounds of xorshift64.
pub fn xorshift(seed: u64, iterations: u64) -> u64 {
    let mut x = seed | 1;
    for _ in 0..iterations {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

/// `tasks` tasks each run [`xorshift`] for `iterations` rounds; returns the combined result.
pub fn cpu_fanout<R: Rt>(rt: &R, tasks: usize, iterations: u64) -> u64 {
    run(rt, async move {
        let handles: Vec<_> = (0..tasks as u64)
            .map(|i| R::spawn(async move { xorshift(black_box(i + 1), black_box(iterations)) }))
            .collect();
        let mut acc = 0;
        for h in handles {
            acc ^= h.await;
        }
        acc
    })
}

/// The [`RAW`](crate::RAW) reference of [`cpu_fanout`]: the same computations, one after another
/// in a plain loop on the calling thread; returns the same combined result.
pub fn cpu_raw(tasks: usize, iterations: u64) -> u64 {
    (0..tasks as u64).fold(0, |acc, i| {
        acc ^ xorshift(black_box(i + 1), black_box(iterations))
    })
}

/// `threads` plain threads outside the runtime spawn `n / threads` tasks each, all at once, then the
/// bench thread awaits every task: many threads pushing into the runtime's shared (inject) queue at
/// the same time, which is where a global lock would serialise them.
pub fn spawn_remote_contended<R: Rt + Sync>(rt: &R, threads: usize, n: usize) {
    let per_thread = n / threads;
    let handles: Vec<_> = std::thread::scope(|scope| {
        let spawners: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (0..per_thread)
                        .map(|i| rt.spawn_outside(async move { black_box(t * per_thread + i) }))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        spawners
            .into_iter()
            .flat_map(|spawner| spawner.join().expect("a spawner thread panicked"))
            .collect()
    });
    join_on(rt, handles);
}

/// `tasks` tasks, spread over the workers, each polls its own far-off timer `polls` times (yielding
/// in between) and then drops it: every worker polls pending timers at once, which is where a
/// runtime-wide timer lock would serialise them.
pub fn sleep_poll_contended<R: HeadlineRt>(rt: &R, tasks: usize, polls: usize) {
    run(
        rt,
        spawn_each_and_join::<R, _>(tasks, move || async move {
            let mut sleep = std::pin::pin!(R::sleep_for(Duration::from_secs(3600)));
            for _ in 0..polls {
                let pending =
                    std::future::poll_fn(|cx| Poll::Ready(sleep.as_mut().poll(cx).is_pending()))
                        .await;
                assert!(black_box(pending), "an hour-long timer fired");
                R::yield_now().await;
            }
        }),
    );
}
