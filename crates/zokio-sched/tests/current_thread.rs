//! The current-thread scheduler through its public API: deferred yields wait for the driver, a
//! second `block_on` caller takes the core over when the first one returns, metrics from inside and
//! outside `block_on`, and what shutdown finds left in the local queues.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use common::{DropCounter, Flag, wait_until};
use zokio_sched::current_thread::{Config, CurrentThread};
use zokio_sched::{Driver, Handle, ParkThread, Scheduler, Unpark};

/// What happened, in order: task steps and driver polls.
type Log = Arc<Mutex<Vec<String>>>;

fn log(log: &Log, entry: impl Into<String>) {
    log.lock().unwrap().push(entry.into());
}

/// A `ParkThread` that logs each park with its timeout.
struct LoggingDriver {
    inner: ParkThread,
    log: Log,
}

impl Driver for LoggingDriver {
    fn park(&mut self, timeout: Option<Duration>) {
        log(&self.log, format!("park({timeout:?})"));
        self.inner.park(timeout);
    }

    fn unparker(&self) -> Arc<dyn Unpark> {
        self.inner.unparker()
    }
}

fn runtime() -> (Arc<CurrentThread>, Handle) {
    let sched = Arc::new(CurrentThread::new(
        Box::new(ParkThread::new()),
        Config::default(),
    ));
    let handle = Handle::new(sched.clone());
    (sched, handle)
}

fn logging_runtime() -> (Arc<CurrentThread>, Handle, Log) {
    let log = Log::default();
    let driver = LoggingDriver {
        inner: ParkThread::new(),
        log: log.clone(),
    };
    let sched = Arc::new(CurrentThread::new(Box::new(driver), Config::default()));
    let handle = Handle::new(sched.clone());
    (sched, handle, log)
}

fn block_on<F: Future>(sched: &CurrentThread, future: F) -> F::Output {
    let mut output = None;
    {
        let mut wrapper = std::pin::pin!(async { output = Some(future.await) });
        sched.block_on(wrapper.as_mut());
    }
    output.expect("block_on returns once the future is done")
}

/// Returns `Pending` once after waking itself by reference, without asking to be deferred.
struct WakeByRefOnce(bool);

impl Future for WakeByRefOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[test]
fn yielding_task_runs_again_only_after_the_driver_was_polled() {
    let (sched, handle, log_) = logging_runtime();
    let l = log_.clone();
    let h = handle.clone();
    block_on(&sched, async move {
        let yielder = {
            let l = l.clone();
            h.spawn(async move {
                log(&l, "yielder before");
                zokio_sched::yield_now().await;
                log(&l, "yielder after");
            })
        };
        let other = {
            let l = l.clone();
            h.spawn(async move { log(&l, "other") })
        };
        yielder.await.unwrap();
        other.await.unwrap();
    });
    // The other task ran before the yielder came back, and the driver was polled (without
    // blocking) in between.
    assert_eq!(
        *log_.lock().unwrap(),
        [
            "yielder before",
            "other",
            "park(Some(0ns))",
            "yielder after"
        ]
    );
    sched.shutdown(Duration::ZERO);
}

#[test]
fn block_on_future_that_yields_waits_for_the_driver_too() {
    let (sched, _handle, log_) = logging_runtime();
    let l = log_.clone();
    block_on(&sched, async move {
        log(&l, "main before");
        zokio_sched::yield_now().await;
        log(&l, "main after");
    });
    assert_eq!(
        *log_.lock().unwrap(),
        ["main before", "park(Some(0ns))", "main after"]
    );
    sched.shutdown(Duration::ZERO);
}

#[test]
fn second_block_on_polls_its_future_then_takes_the_core_over() {
    let (sched, handle) = runtime();
    let (a_in, release_a) = (Flag::new(), Flag::new());
    let (b_has_first, go_on) = (Flag::new(), Flag::new());
    let a = {
        let (sched, a_in, release_a) = (sched.clone(), a_in.clone(), release_a.clone());
        std::thread::spawn(move || {
            block_on(&sched, async move {
                a_in.set();
                release_a.wait().await;
            });
        })
    };
    a_in.wait_blocking(Duration::from_secs(10));
    let b = {
        let (sched, handle, b_has_first, go_on) = (
            sched.clone(),
            handle.clone(),
            b_has_first.clone(),
            go_on.clone(),
        );
        std::thread::spawn(move || {
            block_on(&sched, async move {
                // Polled on this thread, without the core: a self-wake just polls it again.
                WakeByRefOnce(false).await;
                // Run by thread A, which holds the core; its completion wakes this thread.
                let first = handle.spawn(async { 7 }).await.unwrap();
                b_has_first.set();
                go_on.wait().await;
                // Thread A has returned by now: only this thread, with the core, can run it.
                let second = handle.spawn(async { 8 }).await.unwrap();
                first + second
            })
        })
    };
    b_has_first.wait_blocking(Duration::from_secs(10));
    release_a.set();
    a.join().unwrap();
    go_on.set();
    assert_eq!(b.join().unwrap(), 15);
    assert!(sched.task_list().is_empty());
    sched.shutdown(Duration::ZERO);
}

#[test]
fn metrics_read_from_inside_and_outside_block_on() {
    let (sched, handle) = runtime();
    let fresh = sched.metrics();
    assert_eq!(fresh.num_workers, 1);
    assert_eq!(fresh.workers.len(), 1);
    assert_eq!(fresh.workers[0].polls, 0);
    assert_eq!(fresh.workers[0].local_queue_depth, 0);

    // Spawned from outside `block_on`: they wait in the inject queue.
    let remote: Vec<_> = (0..2).map(|i| handle.spawn(async move { i })).collect();
    let queued = sched.metrics();
    assert_eq!(queued.global_queue_depth, 2);
    assert_eq!(queued.num_alive_tasks, 2);
    assert_eq!(queued.workers[0].local_queue_depth, 0);

    let (s, h) = (sched.clone(), handle.clone());
    let inside = block_on(&sched, async move {
        // Spawned on the owner thread: they go to the local queue, which only the owner can see.
        let local: Vec<_> = (0..3).map(|i| h.spawn(async move { i })).collect();
        let inside = s.metrics();
        let mut sum = 0;
        for task in remote.into_iter().chain(local) {
            sum += task.await.unwrap();
        }
        (inside, sum)
    });
    let (inside, sum) = inside;
    assert_eq!(sum, 1 + 3);
    assert_eq!(inside.workers[0].local_queue_depth, 3);
    assert_eq!(inside.global_queue_depth, 2);
    assert_eq!(inside.num_alive_tasks, 5);

    let after = sched.metrics();
    assert_eq!(after.workers[0].polls, 5, "each task polled once");
    assert_eq!(after.total_polls(), 5);
    assert_eq!(after.global_queue_depth, 0);
    assert_eq!(after.workers[0].local_queue_depth, 0);
    assert_eq!(after.num_alive_tasks, 0);
    sched.shutdown(Duration::ZERO);
}

#[test]
fn idle_block_on_parks_and_counts_it() {
    let (sched, _handle) = runtime();
    let flag = Flag::new();
    let (f, s) = (flag.clone(), sched.clone());
    let setter = std::thread::spawn(move || {
        // Set only once the owner has gone to sleep (a park is counted before it sleeps).
        wait_until(Duration::from_secs(10), "the owner parked", || {
            s.metrics().workers[0].parks > 0
        });
        f.set();
    });
    block_on(&sched, flag.wait());
    setter.join().unwrap();
    assert!(sched.metrics().workers[0].parks >= 1);
    assert_eq!(sched.metrics().workers[0].polls, 0, "no task ran");
    sched.shutdown(Duration::ZERO);
}

#[test]
fn shutdown_drops_tasks_left_in_the_local_and_deferred_queues() {
    let (sched, handle) = runtime();
    let drops = DropCounter::default();
    let polls = Arc::new(AtomicUsize::new(0));
    let (h, d, p) = (handle.clone(), drops.clone(), polls.clone());
    let (never_run, yielded) = block_on(&sched, async move {
        // Runs once, yields, and is deferred until the next driver poll, which never comes.
        let yielded = {
            let (guard, p) = (d.guard(), p.clone());
            h.spawn(async move {
                let _guard = guard;
                p.fetch_add(1, Ordering::SeqCst);
                zokio_sched::yield_now().await;
                p.fetch_add(100, Ordering::SeqCst);
            })
        };
        WakeByRefOnce(false).await;
        // Queued locally, and `block_on` returns before it ever runs.
        let never_run = {
            let (guard, p) = (d.guard(), p.clone());
            h.spawn(async move {
                let _guard = guard;
                p.fetch_add(10_000, Ordering::SeqCst);
            })
        };
        (never_run, yielded)
    });
    assert_eq!(
        polls.load(Ordering::SeqCst),
        1,
        "only the yielder's first poll ran"
    );
    assert_eq!(drops.dropped(), 0);
    assert_eq!(sched.task_list().len(), 2);
    sched.shutdown(Duration::ZERO);
    assert_eq!(drops.dropped(), 2, "both futures dropped by shutdown");
    assert_eq!(polls.load(Ordering::SeqCst), 1, "and neither polled again");
    assert!(
        futures_lite::future::block_on(never_run)
            .unwrap_err()
            .is_cancelled()
    );
    assert!(
        futures_lite::future::block_on(yielded)
            .unwrap_err()
            .is_cancelled()
    );
    // A second shutdown finds nothing left to do.
    sched.shutdown(Duration::ZERO);
    assert!(sched.task_list().is_empty());
}

#[test]
fn block_on_waker_that_outlives_the_runtime_is_harmless() {
    let (sched, handle) = runtime();
    let stash: Arc<Mutex<Option<Waker>>> = Arc::default();
    let s = stash.clone();
    block_on(
        &sched,
        std::future::poll_fn(move |cx| {
            *s.lock().unwrap() = Some(cx.waker().clone());
            Poll::Ready(())
        }),
    );
    sched.shutdown(Duration::ZERO);
    let gone = Arc::downgrade(&sched);
    drop((sched, handle));
    assert!(gone.upgrade().is_none(), "the scheduler is gone");
    let waker = stash.lock().unwrap().take().unwrap();
    // Neither wake reaches the freed scheduler.
    waker.wake_by_ref();
    waker.wake();
}

#[test]
fn debug_shows_the_config() {
    let mut config = Config::default();
    config.name = Some(Arc::from("debugged"));
    let sched = CurrentThread::new(Box::new(ParkThread::new()), config);
    let debug = format!("{sched:?}");
    assert!(
        debug.starts_with(
            "CurrentThread { config: Config { global_queue_interval: 31, event_interval: 61"
        ),
        "{debug}"
    );
    assert!(debug.contains("name: Some(\"debugged\")"), "{debug}");
    sched.shutdown(Duration::ZERO);
}
