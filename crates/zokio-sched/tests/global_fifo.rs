//! The minimal `GlobalFifo` scheduler: the example of plugging a scheduler of your own into zokio.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{DropCounter, Flag, Forever, with_timeout};
use zokio_sched::global_fifo::GlobalFifo;
use zokio_sched::{Handle, ParkThread, Scheduler};

fn block_on<F: std::future::Future>(scheduler: &GlobalFifo, future: F) -> F::Output {
    let mut out = None;
    scheduler.block_on(
        Box::pin(async {
            out = Some(future.await);
        })
        .as_mut(),
    );
    out.unwrap()
}

#[test]
fn runs_spawned_and_nested_tasks() {
    let scheduler = GlobalFifo::new(2, Box::new(ParkThread::new())).unwrap();
    let handle = Handle::new(scheduler.clone());
    let count = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..500)
        .map(|_| {
            let count = count.clone();
            handle.spawn(async move {
                let inner = zokio_sched::spawn(async move {
                    count.fetch_add(1, Ordering::SeqCst);
                });
                inner.await.unwrap();
            })
        })
        .collect();
    let done = block_on(
        &scheduler,
        with_timeout(
            async move {
                for h in handles {
                    h.await.unwrap();
                }
            },
            Duration::from_secs(30),
        ),
    );
    assert!(done.is_some());
    assert_eq!(count.load(Ordering::SeqCst), 500);
    assert_eq!(scheduler.metrics().num_workers, 2);
    scheduler.shutdown(Duration::from_secs(10));
}

#[test]
fn tasks_woken_from_outside_run() {
    let scheduler = GlobalFifo::new(2, Box::new(ParkThread::new())).unwrap();
    let handle = Handle::new(scheduler.clone());
    let flags: Vec<Flag> = (0..100).map(|_| Flag::new()).collect();
    let handles: Vec<_> = flags.iter().map(|f| handle.spawn(f.wait())).collect();
    let setter = {
        let flags = flags.clone();
        std::thread::spawn(move || flags.iter().for_each(Flag::set))
    };
    setter.join().unwrap();
    let done = block_on(
        &scheduler,
        with_timeout(
            async move {
                for h in handles {
                    h.await.unwrap();
                }
            },
            Duration::from_secs(30),
        ),
    );
    assert!(done.is_some());
    scheduler.shutdown(Duration::from_secs(10));
}

#[test]
fn shutdown_drops_every_task() {
    let scheduler = GlobalFifo::new(2, Box::new(ParkThread::new())).unwrap();
    let handle = Handle::new(scheduler.clone());
    let drops = DropCounter::default();
    for _ in 0..50 {
        let guard = drops.guard();
        drop(handle.spawn(async move {
            let _guard = guard;
            Forever.await;
        }));
    }
    scheduler.shutdown(Duration::from_secs(10));
    assert_eq!(drops.dropped(), 50);
    assert!(scheduler.task_list().is_empty());
    // Spawning after shutdown cancels at once.
    let guard = drops.guard();
    let late = handle.spawn(async move {
        let _guard = guard;
    });
    assert!(
        futures_lite::future::block_on(late)
            .unwrap_err()
            .is_cancelled()
    );
    assert_eq!(drops.dropped(), 51);
}

/// A `ParkThread` that counts the non-blocking polls it gets (`park(Some(0))`).
struct PollCounter {
    inner: ParkThread,
    zero_polls: Arc<AtomicUsize>,
}

impl zokio_sched::Driver for PollCounter {
    fn park(&mut self, timeout: Option<Duration>) {
        if timeout == Some(Duration::ZERO) {
            self.zero_polls.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.park(timeout);
    }

    fn unparker(&self) -> Arc<dyn zokio_sched::Unpark> {
        self.inner.unparker()
    }
}

/// A busy thread polls the driver without blocking every `EVENT_INTERVAL` tasks, so I/O and timers
/// are served under load.
#[test]
fn busy_thread_polls_the_driver_every_event_interval() {
    let zero_polls = Arc::new(AtomicUsize::new(0));
    let driver = PollCounter {
        inner: ParkThread::new(),
        zero_polls: zero_polls.clone(),
    };
    let scheduler = GlobalFifo::new(1, Box::new(driver)).unwrap();
    let handle = Handle::new(scheduler.clone());
    let tasks = 4 * zokio_sched::global_fifo::EVENT_INTERVAL as usize;
    let handles: Vec<_> = (0..tasks).map(|i| handle.spawn(async move { i })).collect();
    let sum = block_on(&scheduler, async move {
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, (0..tasks).sum::<usize>());
    // Each task ran once on the only thread, which held the driver whenever it polled it.
    assert!(zero_polls.load(Ordering::SeqCst) >= 4, "{zero_polls:?}");
    scheduler.shutdown(Duration::from_secs(10));
}

/// `shutdown` keeps its timeout while a task is stuck in a poll; a second call, once the task is
/// released, joins the threads.
#[test]
fn shutdown_timeout_is_kept_while_a_task_is_stuck() {
    let scheduler = GlobalFifo::new(2, Box::new(ParkThread::new())).unwrap();
    let handle = Handle::new(scheduler.clone());
    let (entered, release) = (Flag::new(), Flag::new());
    let (e, r) = (entered.clone(), release.clone());
    let drops = DropCounter::default();
    let guard = drops.guard();
    drop(handle.spawn(async move {
        let _guard = guard;
        e.set();
        r.wait_blocking(Duration::from_secs(30));
        Forever.await;
    }));
    entered.wait_blocking(Duration::from_secs(10));
    let start = std::time::Instant::now();
    scheduler.shutdown(Duration::from_millis(100));
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(100), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(drops.dropped(), 0, "the stuck poll still runs");
    assert_eq!(
        format!("{scheduler:?}"),
        "GlobalFifo { queued: 0, closed: true, .. }"
    );
    release.set();
    scheduler.shutdown(Duration::from_secs(10));
    assert_eq!(drops.dropped(), 1);
    assert!(scheduler.task_list().is_empty());
}

#[test]
fn debug_and_metrics_show_the_queue() {
    let scheduler = GlobalFifo::new(1, Box::new(ParkThread::new())).unwrap();
    let handle = Handle::new(scheduler.clone());
    // Keep the only thread busy, so that new tasks wait in the queue.
    let (entered, release) = (Flag::new(), Flag::new());
    let (e, r) = (entered.clone(), release.clone());
    let busy = handle.spawn(async move {
        e.set();
        r.wait_blocking(Duration::from_secs(30));
    });
    entered.wait_blocking(Duration::from_secs(10));
    let queued: Vec<_> = (0..3).map(|i| handle.spawn(async move { i })).collect();
    assert_eq!(
        format!("{scheduler:?}"),
        "GlobalFifo { queued: 3, closed: false, .. }"
    );
    let metrics = scheduler.metrics();
    assert_eq!(metrics.num_workers, 1);
    assert_eq!(metrics.num_alive_tasks, 4);
    assert_eq!(metrics.global_queue_depth, 3);
    release.set();
    let sum = block_on(&scheduler, async move {
        busy.await.unwrap();
        let mut sum = 0;
        for h in queued {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 3);
    assert_eq!(scheduler.metrics().global_queue_depth, 0);
    scheduler.shutdown(Duration::from_secs(10));
}
