//! The multi-thread scheduler's settings: event interval, LIFO slot, global queue interval, names.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Chan, rt_with};
use zokio_sched::blocking::{self, BlockingPool};
use zokio_sched::multi_thread::{Config, MultiThread};
use zokio_sched::{Driver, Handle, ParkThread, Scheduler, ThreadConfig, Unpark};

/// A `ParkThread` that counts its non-blocking polls.
struct CountingDriver {
    inner: ParkThread,
    polls: Arc<AtomicUsize>,
}

impl Driver for CountingDriver {
    fn park(&mut self, timeout: Option<Duration>) {
        if timeout == Some(Duration::ZERO) {
            self.polls.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.park(timeout);
    }

    fn unparker(&self) -> Arc<dyn Unpark> {
        self.inner.unparker()
    }
}

/// The driver is polled every `event_interval` ticks even though the worker never runs out of tasks
/// (I/O and timers are not starved by a busy worker).
#[test]
fn driver_is_polled_under_load() {
    let polls = Arc::new(AtomicUsize::new(0));
    let pool = BlockingPool::new(blocking::Config::default());
    let driver = CountingDriver {
        inner: ParkThread::new(),
        polls: polls.clone(),
    };
    let config = Config {
        worker_threads: 1,
        event_interval: 10,
        ..Config::default()
    };
    let scheduler = MultiThread::new(config, Box::new(driver), pool.spawner().clone()).unwrap();
    let handle = Handle::with_blocking(scheduler.clone(), pool.spawner().clone());
    let busy = handle.spawn(async {
        for _ in 0..1000 {
            zokio_sched::yield_now().await;
        }
    });
    let mut fut = Box::pin(async {
        busy.await.unwrap();
    });
    scheduler.block_on(fut.as_mut());
    // 1000 ticks at one poll per 10 ticks, with slack for ticks lost to parks.
    assert!(
        polls.load(Ordering::SeqCst) >= 50,
        "{}",
        polls.load(Ordering::SeqCst)
    );
    scheduler.shutdown(Duration::from_secs(10));
    pool.shutdown(Duration::from_secs(10));
}

#[test]
fn disabled_lifo_slot_still_runs_message_passing() {
    let rt = rt_with(Config {
        worker_threads: 2,
        disable_lifo_slot: true,
        global_queue_interval: Some(7),
        ..Config::default()
    });
    let (a, b): (Chan<u32>, Chan<u32>) = (Chan::new(), Chan::new());
    let (a2, b2) = (a.clone(), b.clone());
    let pinger = rt.spawn(async move {
        for i in 0..1000 {
            a2.send(i);
            assert_eq!(b2.recv().await, i);
        }
    });
    let ponger = rt.spawn(async move {
        for _ in 0..1000 {
            let v = a.recv().await;
            b.send(v);
        }
    });
    rt.block_on(async move {
        pinger.await.unwrap();
        ponger.await.unwrap();
    });
    let metrics = rt.scheduler.metrics();
    assert!(
        metrics.workers.iter().all(|w| w.lifo_steals == 0),
        "{metrics:?}"
    );
}

#[test]
fn workers_use_the_thread_config() {
    let names = Arc::new(std::sync::Mutex::new(Vec::new()));
    let n = names.clone();
    let counter = Arc::new(AtomicUsize::new(0));
    let threads = ThreadConfig {
        name_fn: Arc::new(move || format!("custom-{}", counter.fetch_add(1, Ordering::SeqCst))),
        stack_size: Some(1 << 20),
        wrap: Arc::new(move |body| {
            n.lock()
                .unwrap()
                .push(std::thread::current().name().unwrap().to_owned());
            body();
        }),
    };
    let pool = BlockingPool::new(blocking::Config::default());
    let config = Config {
        worker_threads: 3,
        threads,
        ..Config::default()
    };
    let scheduler =
        MultiThread::new(config, Box::new(ParkThread::new()), pool.spawner().clone()).unwrap();
    assert_eq!(scheduler.num_workers(), 3);
    scheduler.shutdown(Duration::from_secs(10));
    let mut names = names.lock().unwrap().clone();
    names.sort();
    assert_eq!(names, vec!["custom-0", "custom-1", "custom-2"]);
    pool.shutdown(Duration::from_secs(10));
}
