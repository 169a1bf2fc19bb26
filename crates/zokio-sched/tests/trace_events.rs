//! The `tracing` feature: task spans through the schedulers' spawn paths (with the caller's
//! location), runtime start and shutdown events, and the blocking pool's growth events.
//!
//! Run with `cargo test -p zokio-sched --features tracing`.
#![cfg(feature = "tracing")]

// One copy of the recording subscriber serves both crates' tracing tests: it lives with zokio-task's.
#[path = "../../zokio-task/tests/support/recorder.rs"]
mod recorder;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use recorder::{EventRecord, Value};
use zokio_sched::blocking::{self, BlockingPool};
use zokio_sched::current_thread::{self, CurrentThread};
use zokio_sched::global_fifo::GlobalFifo;
use zokio_sched::multi_thread::{self, MultiThread};
use zokio_sched::{Handle, ParkThread, Scheduler, context};

/// A multi-thread scheduler named `name`, its blocking pool and a handle to both.
fn multi_thread(workers: usize, name: &str) -> (Arc<MultiThread>, BlockingPool, Handle) {
    let pool = BlockingPool::new(blocking::Config::default());
    let mut config = multi_thread::Config::default();
    config.worker_threads = workers;
    config.name = Some(Arc::from(name));
    let scheduler = MultiThread::new(config, Box::new(ParkThread::new()), pool.spawner().clone())
        .expect("workers start");
    let handle = Handle::with_blocking(scheduler.clone(), pool.spawner().clone());
    (scheduler, pool, handle)
}

fn block_on<T>(scheduler: &dyn Scheduler, future: impl std::future::Future<Output = T>) -> T {
    let mut out = None;
    let mut future = Box::pin(async { out = Some(future.await) });
    scheduler.block_on(future.as_mut());
    drop(future);
    out.expect("block_on returns once the future completes")
}

/// Spins until `cond` holds; panics after 10 s.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn spawn_records_the_callers_location_and_each_poll() {
    let (_serial, recorder) = recorder::serial();
    let (scheduler, pool, handle) = multi_thread(2, "spawn-test");
    let _context = context::enter(handle.clone());

    #[rustfmt::skip]
    let (line, yields) = (line!(), zokio_sched::spawn(async {
        for _ in 0..3 {
            zokio_sched::yield_now().await;
        }
        5
    }));
    #[rustfmt::skip]
    let (handle_line, plain) = (line!(), handle.spawn(async { 6 }));
    let (yields_id, plain_id) = (yields.id().as_u64(), plain.id().as_u64());
    assert_eq!(
        block_on(&*scheduler, async {
            yields.await.unwrap() + plain.await.unwrap()
        }),
        11
    );

    let span = recorder.task_span(yields_id).expect("a runtime.spawn span");
    assert_eq!(span.name, "runtime.spawn");
    assert_eq!(span.fields.str("kind"), Some("task"));
    assert_eq!(span.fields.get("task.id"), Some(&Value::U64(yields_id)));
    assert_eq!(
        span.fields.get("loc.file"),
        Some(&Value::Str(file!().to_owned()))
    );
    assert_eq!(span.fields.get("loc.line"), Some(&Value::U64(line.into())));
    assert_eq!(
        span.enters, 4,
        "three yields and the final poll, each inside the span"
    );
    assert_eq!(span.exits, 4);
    assert!(span.closed, "the span closes with the finished future");

    let span = recorder.task_span(plain_id).unwrap();
    assert_eq!(span.fields.u64("loc.line"), Some(handle_line.into()));
    assert_eq!(span.enters, 1);

    scheduler.shutdown(Duration::from_secs(10));
    pool.shutdown(Duration::from_secs(10));
}

#[test]
fn spawn_blocking_span_names_the_caller() {
    let (_serial, recorder) = recorder::serial();
    let (scheduler, pool, handle) = multi_thread(1, "blocking-span-test");
    let _context = context::enter(handle);

    #[rustfmt::skip]
    let (line, join) = (line!(), blocking::spawn_blocking(|| {
        tracing::info!(target: "test", "inside the closure");
        3
    }));
    let id = join.id().as_u64();
    assert_eq!(block_on(&*scheduler, join).unwrap(), 3);

    let span = recorder.task_span(id).unwrap();
    assert_eq!(span.target, "zokio::task::blocking");
    assert_eq!(span.fields.str("kind"), Some("blocking"));
    assert_eq!(
        span.fields.get("loc.file"),
        Some(&Value::Str(file!().to_owned()))
    );
    assert_eq!(span.fields.u64("loc.line"), Some(line.into()));
    assert_eq!(span.enters, 1, "a blocking task is polled once");
    let inside: Vec<_> = recorder
        .events()
        .into_iter()
        .filter(|e| e.target == "test")
        .collect();
    assert_eq!(inside.len(), 1);
    assert_eq!(
        inside[0].current_span,
        Some(span.id),
        "the closure runs inside its span"
    );

    scheduler.shutdown(Duration::from_secs(10));
    pool.shutdown(Duration::from_secs(10));
}

/// The one event with `message` whose `name` field is `name`.
fn runtime_event(recorder: &recorder::Recorder, message: &str, name: Option<&str>) -> EventRecord {
    let events: Vec<_> = recorder
        .events_with("zokio::runtime", message)
        .into_iter()
        .filter(|e| e.fields.str("name") == name)
        .collect();
    assert_eq!(
        events.len(),
        1,
        "one {message:?} event named {name:?}: {events:?}"
    );
    events.into_iter().next().unwrap()
}

#[test]
fn runtime_start_and_shutdown_events() {
    let (_serial, recorder) = recorder::serial();

    let (scheduler, pool, _handle) = multi_thread(2, "traced-mt");
    let started = runtime_event(recorder, "runtime started", Some("traced-mt"));
    assert_eq!(started.level, tracing::Level::DEBUG);
    assert_eq!(started.fields.str("flavor"), Some("multi_thread"));
    assert_eq!(started.fields.u64("workers"), Some(2));
    assert!(
        recorder
            .events_with("zokio::runtime", "runtime shut down")
            .is_empty()
    );
    scheduler.shutdown(Duration::from_secs(10));
    let shut = runtime_event(recorder, "runtime shut down", Some("traced-mt"));
    assert_eq!(shut.fields.str("flavor"), Some("multi_thread"));
    assert_eq!(shut.fields.u64("workers"), Some(2));
    assert_eq!(shut.fields.bool("timed_out"), Some(false));
    pool.shutdown(Duration::from_secs(10));

    let mut config = current_thread::Config::default();
    config.name = Some(Arc::from("traced-ct"));
    let scheduler = CurrentThread::new(Box::new(ParkThread::new()), config);
    let started = runtime_event(recorder, "runtime started", Some("traced-ct"));
    assert_eq!(started.fields.str("flavor"), Some("current_thread"));
    assert_eq!(started.fields.u64("workers"), Some(1));
    scheduler.shutdown(Duration::from_secs(10));
    let shut = runtime_event(recorder, "runtime shut down", Some("traced-ct"));
    assert_eq!(shut.fields.str("flavor"), Some("current_thread"));

    let scheduler = GlobalFifo::new(3, Box::new(ParkThread::new())).unwrap();
    let started = runtime_event(recorder, "runtime started", None);
    assert_eq!(started.fields.str("flavor"), Some("global_fifo"));
    assert_eq!(started.fields.u64("workers"), Some(3));
    scheduler.shutdown(Duration::from_secs(10));
    let shut = runtime_event(recorder, "runtime shut down", None);
    assert_eq!(shut.fields.str("flavor"), Some("global_fifo"));
    assert_eq!(shut.fields.u64("workers"), Some(3));
    assert_eq!(shut.fields.bool("timed_out"), Some(false));
}

#[test]
fn blocking_pool_growth_events() {
    let (_serial, recorder) = recorder::serial();
    let mut config = blocking::Config::default();
    config.max_threads = 2;
    config.keep_alive = Duration::from_millis(50);
    let pool = BlockingPool::new(config);

    // Two closures hold both threads until the test lets them go; a third waits in the queue.
    let barrier = Arc::new(Barrier::new(3));
    let joins: Vec<_> = (0..2)
        .map(|_| {
            let barrier = barrier.clone();
            pool.spawner().spawn_blocking(move || {
                barrier.wait();
            })
        })
        .collect();
    let queued = pool.spawner().spawn_blocking(|| ());
    // The events were emitted by the spawns above; let the closures go before checking them, so
    // that a failed check does not leave the pool's threads (and the test) stuck on the barrier.
    barrier.wait();

    let started = recorder.events_with("zokio::blocking", "blocking thread started");
    assert_eq!(started.len(), 2, "{started:?}");
    let counts: Vec<_> = started
        .iter()
        .map(|e| e.fields.u64("num_threads"))
        .collect();
    assert_eq!(counts, [Some(1), Some(2)]);
    for event in &started {
        assert_eq!(event.level, tracing::Level::DEBUG);
        assert_eq!(event.fields.u64("max_threads"), Some(2));
        assert!(event.fields.u64("queue_depth").is_some());
        assert!(event.fields.u64("thread").is_some());
    }
    let full = recorder.events_with("zokio::blocking", "blocking task queued, pool full");
    assert_eq!(full.len(), 1, "{full:?}");
    // The third task, and those of the first two that their new threads have not taken yet.
    let depth = full[0].fields.u64("queue_depth").unwrap();
    assert!((1..=3).contains(&depth), "queue depth {depth}");
    assert_eq!(full[0].fields.u64("num_threads"), Some(2));

    for join in joins {
        futures_lite::future::block_on(join).unwrap();
    }
    futures_lite::future::block_on(queued).unwrap();

    // Idle past the keep-alive, both threads retire.
    wait_until("both threads retired", || {
        recorder
            .events_with("zokio::blocking", "blocking thread retired")
            .len()
            == 2
    });
    let retired = recorder.events_with("zokio::blocking", "blocking thread retired");
    for event in &retired {
        assert_eq!(event.fields.str("reason"), Some("keep_alive"));
    }
    let mut left: Vec<_> = retired
        .iter()
        .map(|e| e.fields.u64("num_threads"))
        .collect();
    left.sort();
    assert_eq!(left, [Some(0), Some(1)]);

    assert!(pool.shutdown(Duration::from_secs(10)));
    let down = recorder.events_with("zokio::blocking", "blocking pool shut down");
    assert_eq!(down.len(), 1);
    assert_eq!(down[0].fields.bool("timed_out"), Some(false));
    assert_eq!(down[0].fields.u64("num_threads"), Some(0));
}

#[test]
fn blocking_threads_stopped_by_shutdown_say_so() {
    let (_serial, recorder) = recorder::serial();
    let pool = BlockingPool::new(blocking::Config::default());
    futures_lite::future::block_on(pool.spawner().spawn_blocking(|| ())).unwrap();
    assert!(pool.shutdown(Duration::from_secs(10)));
    let stopped: Vec<_> = recorder
        .events_with("zokio::blocking", "blocking thread retired")
        .into_iter()
        .filter(|e| e.fields.str("reason") == Some("shutdown"))
        .collect();
    assert_eq!(stopped.len(), 1);
    let down = recorder.events_with("zokio::blocking", "blocking pool shut down");
    assert_eq!(down.len(), 1);
    assert_eq!(down[0].fields.bool("timed_out"), Some(false));
    assert_eq!(down[0].fields.u64("num_threads"), Some(0));
}
