//! The multi-thread scheduler's metrics, value by value: the global and local queue depths, the
//! blocking pool's threads and queue, parks, and the live task count.

mod common;

use std::time::Duration;

use common::{Flag, wait_until};
use zokio_sched::Scheduler;
use zokio_sched::blocking::{self, BlockingPool};
use zokio_sched::multi_thread::{Config, MultiThread};
use zokio_sched::{Handle, ParkThread};

const LIMIT: Duration = Duration::from_secs(10);

#[test]
fn queue_depths_blocking_threads_and_parks() {
    let mut pool_config = blocking::Config::default();
    pool_config.max_threads = 1;
    let pool = BlockingPool::new(pool_config);
    let mut config = Config::default();
    config.worker_threads = 1;
    let scheduler =
        MultiThread::new(config, Box::new(ParkThread::new()), pool.spawner().clone()).unwrap();
    let handle = Handle::with_blocking(scheduler.clone(), pool.spawner().clone());

    // An idle worker parks, and says so.
    wait_until(LIMIT, "the worker parked", || {
        scheduler.metrics().workers[0].parks > 0
    });

    // The only worker: it queues five tasks locally (the last one in its LIFO slot, which the
    // local depth does not count), then blocks.
    let (busy, release) = (Flag::new(), Flag::new());
    let (b, r) = (busy.clone(), release.clone());
    let spawner = handle.spawn(async move {
        let children: Vec<_> = (0..5)
            .map(|i| zokio_sched::spawn(async move { i }))
            .collect();
        b.set();
        r.wait_blocking(LIMIT);
        children
    });
    busy.wait_blocking(LIMIT);
    // Tasks spawned from outside wait in the global queue meanwhile.
    let remote: Vec<_> = (0..3).map(|i| handle.spawn(async move { i })).collect();
    let metrics = scheduler.metrics();
    assert_eq!(metrics.num_workers, 1);
    assert_eq!(metrics.workers[0].local_queue_depth, 4);
    assert_eq!(metrics.global_queue_depth, 3);
    assert_eq!(metrics.num_alive_tasks, 1 + 5 + 3);

    // The blocking pool's one thread is busy and a second task waits for it.
    let (blocking_busy, blocking_release) = (Flag::new(), Flag::new());
    let (bb, br) = (blocking_busy.clone(), blocking_release.clone());
    let first = pool.spawner().spawn_blocking(move || {
        bb.set();
        br.wait_blocking(LIMIT);
    });
    blocking_busy.wait_blocking(LIMIT);
    let second = pool.spawner().spawn_blocking(|| 2);
    let metrics = scheduler.metrics();
    assert_eq!(metrics.num_blocking_threads, 1);
    assert_eq!(metrics.num_idle_blocking_threads, 0);
    assert_eq!(metrics.blocking_queue_depth, 1);

    release.set();
    blocking_release.set();
    let sum = futures_lite::future::block_on(async {
        let mut sum = 0;
        for child in spawner.await.unwrap() {
            sum += child.await.unwrap();
        }
        for task in remote {
            sum += task.await.unwrap();
        }
        first.await.unwrap();
        sum + second.await.unwrap()
    });
    assert_eq!(sum, (0..5).sum::<i32>() + (0..3).sum::<i32>() + 2);
    wait_until(LIMIT, "the blocking thread is idle", || {
        scheduler.metrics().num_idle_blocking_threads == 1
    });
    let metrics = scheduler.metrics();
    assert_eq!(metrics.blocking_queue_depth, 0);
    assert_eq!(metrics.global_queue_depth, 0);
    assert_eq!(metrics.workers[0].local_queue_depth, 0);
    assert_eq!(metrics.num_alive_tasks, 0);
    assert_eq!(metrics.total_polls(), 1 + 5 + 3, "each task polled once");
    assert_eq!(metrics.total_steals(), 0, "nobody to steal from");
    scheduler.shutdown(LIMIT);
    assert!(pool.shutdown(LIMIT));
}
