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
    let config = {
        let mut config = Config::default();
        config.worker_threads = 1;
        config.event_interval = 10;
        config
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
    let rt = rt_with({
        let mut config = Config::default();
        config.worker_threads = 2;
        config.disable_lifo_slot = true;
        config.global_queue_interval = Some(7);
        config
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
    let mut threads = ThreadConfig::default();
    threads.name_fn =
        Arc::new(move || format!("custom-{}", counter.fetch_add(1, Ordering::SeqCst)));
    threads.stack_size = Some(1 << 20);
    threads.wrap = Arc::new(move |body| {
        n.lock()
            .unwrap()
            .push(std::thread::current().name().unwrap().to_owned());
        body();
    });
    let pool = BlockingPool::new(blocking::Config::default());
    let config = {
        let mut config = Config::default();
        config.worker_threads = 3;
        config.threads = threads;
        config
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

/// A driver that, once `fire` is set, wakes every registered waker from inside its `park`, the way
/// a reactor wakes the tasks whose sockets became ready.
struct EventDriver {
    inner: ParkThread,
    events: Arc<Events>,
}

#[derive(Default)]
struct Events {
    fire: std::sync::atomic::AtomicBool,
    wakers: std::sync::Mutex<Vec<std::task::Waker>>,
}

impl Driver for EventDriver {
    fn park(&mut self, timeout: Option<Duration>) {
        self.inner.park(timeout);
        if self.events.fire.load(Ordering::SeqCst) {
            let wakers = std::mem::take(&mut *self.events.wakers.lock().unwrap());
            wakers.into_iter().for_each(std::task::Waker::wake);
        }
    }

    fn unparker(&self) -> Arc<dyn Unpark> {
        self.inner.unparker()
    }
}

/// When the worker parked on the driver comes back with several tasks that the driver woke, it must
/// wake a sleeping worker to share them (Tokio's `should_notify_others`): wake-ups delivered inside
/// the driver are batched into the parker's own queue and notify nobody. Each woken task waits (up
/// to 10 s) until another of them runs at the same time, which only a second worker can provide.
#[test]
fn driver_wakeups_with_several_tasks_wake_another_worker() {
    let events = Arc::new(Events::default());
    let driver = EventDriver {
        inner: ParkThread::new(),
        events: events.clone(),
    };
    let driver_unpark = driver.unparker();
    let pool = BlockingPool::new(blocking::Config::default());
    let config = {
        let mut config = Config::default();
        config.worker_threads = 2;
        config
    };
    let scheduler = MultiThread::new(config, Box::new(driver), pool.spawner().clone()).unwrap();
    let handle = Handle::with_blocking(scheduler.clone(), pool.spawner().clone());
    const TASKS: usize = 4;
    let running = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (events, running) = (events.clone(), running.clone());
            let mut registered = false;
            handle.spawn(std::future::poll_fn(move |cx| {
                if !registered {
                    registered = true;
                    events.wakers.lock().unwrap().push(cx.waker().clone());
                    return std::task::Poll::Pending;
                }
                // Woken by the driver: wait for company, a task running on another worker.
                running.fetch_add(1, Ordering::SeqCst);
                let deadline = std::time::Instant::now() + Duration::from_secs(10);
                while running.load(Ordering::SeqCst) < 2 && std::time::Instant::now() < deadline {
                    std::thread::yield_now();
                }
                let company = running.load(Ordering::SeqCst) >= 2;
                std::task::Poll::Ready((company, std::thread::current().id()))
            }))
        })
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while events.wakers.lock().unwrap().len() < TASKS {
        assert!(std::time::Instant::now() < deadline, "tasks never polled");
        std::thread::yield_now();
    }
    // Both workers go idle (one in the driver, one on its own parker) before the event fires.
    while scheduler.metrics().workers.iter().any(|w| w.parks == 0) {
        assert!(std::time::Instant::now() < deadline, "workers never parked");
        std::thread::yield_now();
    }
    events.fire.store(true, Ordering::SeqCst);
    driver_unpark.unpark();
    let mut results = Vec::new();
    let mut fut = Box::pin(async {
        for task in tasks {
            results.push(task.await.unwrap());
        }
    });
    scheduler.block_on(fut.as_mut());
    drop(fut);
    assert!(
        results.iter().all(|(company, _)| *company),
        "a task woken by the driver ran alone: no second worker was woken"
    );
    let mut threads: Vec<_> = results.iter().map(|(_, thread)| *thread).collect();
    threads.sort_by_key(|t| format!("{t:?}"));
    threads.dedup();
    assert_eq!(threads.len(), 2, "both workers ran the driver's tasks");
    scheduler.shutdown(Duration::from_secs(10));
    pool.shutdown(Duration::from_secs(10));
}
