//! The `tracing` feature: each task's `runtime.spawn` span, with Tokio's names and fields, entered
//! around every poll and closed with the future; and the waker events console-subscriber reads.
//!
//! Run with `cargo test -p zokio-task --features tracing`.
#![cfg(feature = "tracing")]

#[path = "support/recorder.rs"]
mod recorder;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_lite::future::block_on;
use recorder::Value;
use zokio_task::{Runnable, SpawnMeta, TaskKind, TaskList};

/// A queue of runnables, run on the test thread.
#[derive(Clone, Default)]
struct Queue(Arc<Mutex<Vec<Runnable>>>);

impl Queue {
    fn schedule(&self) -> impl Fn(Runnable, zokio_task::ScheduleInfo) + Send + Sync + 'static {
        let queue = self.0.clone();
        move |runnable, _| queue.lock().unwrap().push(runnable)
    }

    /// Runs queued tasks until none is left; returns how many runs that took.
    fn run_all(&self) -> usize {
        let mut runs = 0;
        loop {
            let next = self.0.lock().unwrap().pop();
            let Some(runnable) = next else { return runs };
            runnable.run();
            runs += 1;
        }
    }
}

/// Returns `Pending` `times` times, waking itself each time, then `Ready`; emits an event per poll.
struct YieldTimes(usize);

impl Future for YieldTimes {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        tracing::info!(target: "test", "polled");
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn spawn_span_has_tokio_names_and_fields() {
    let (_serial, recorder) = recorder::serial();
    let list = Arc::new(TaskList::new(1));
    let queue = Queue::default();
    #[rustfmt::skip]
    let (line, (runnable, handle)) = (line!(), zokio_task::spawn(async { 7 }, queue.schedule(), &list));
    let id = handle.id().as_u64();
    let span = recorder
        .task_span(id)
        .expect("the task has a runtime.spawn span");

    assert_eq!(span.name, "runtime.spawn");
    assert_eq!(span.target, "zokio::task");
    assert_eq!(span.level, tracing::Level::TRACE);
    assert!(span.is_root, "a task span has no parent, as Tokio's");
    assert_eq!(span.fields.str("kind"), Some("task"));
    assert_eq!(span.fields.str("task.name"), Some(""));
    assert_eq!(span.fields.get("task.id"), Some(&Value::U64(id)));
    assert!(span.fields.u64("size.bytes").is_some());
    // As console-subscriber reads a location: the file as a `str`, line and column as `u64`s.
    assert_eq!(
        span.fields.get("loc.file"),
        Some(&Value::Str(file!().to_owned()))
    );
    assert_eq!(span.fields.get("loc.line"), Some(&Value::U64(line.into())));
    assert!(span.fields.u64("loc.col").is_some_and(|col| col > 1));
    assert_eq!(span.enters, 0, "not polled yet");

    runnable.run();
    assert_eq!(block_on(handle).unwrap(), 7);
}

#[test]
fn every_poll_enters_the_span_and_the_span_closes_with_the_future() {
    let (_serial, recorder) = recorder::serial();
    let list = Arc::new(TaskList::new(1));
    let queue = Queue::default();
    let (runnable, handle) = zokio_task::spawn(YieldTimes(4), queue.schedule(), &list);
    let id = handle.id().as_u64();
    runnable.schedule();
    let runs = queue.run_all();
    assert_eq!(runs, 5, "four yields and the final poll");

    let span = recorder.task_span(id).unwrap();
    assert_eq!(span.enters, 5, "one enter per poll");
    assert_eq!(span.exits, 5);
    // The future is gone, so its span is closed, though the JoinHandle is still alive.
    assert!(span.closed, "the span closes when the future is dropped");

    // What the task's future emits lands inside the task's span.
    let polls: Vec<_> = recorder
        .events()
        .into_iter()
        .filter(|e| e.target == "test" && e.current_span == Some(span.id))
        .collect();
    assert_eq!(polls.len(), 5);
    block_on(handle).unwrap();
}

#[test]
fn wakes_are_reported_as_waker_events_with_the_span_id() {
    let (_serial, recorder) = recorder::serial();
    let list = Arc::new(TaskList::new(1));
    let queue = Queue::default();
    let (runnable, handle) = zokio_task::spawn(YieldTimes(3), queue.schedule(), &list);
    let id = handle.id().as_u64();
    runnable.schedule();
    queue.run_all();
    let span = recorder.task_span(id).unwrap();
    let wakes: Vec<_> = recorder
        .events()
        .into_iter()
        .filter(|e| e.target == "runtime::waker" && e.fields.u64("task.id") == Some(span.id))
        .collect();
    // The first schedule, then one per self-wake.
    assert_eq!(wakes.len(), 4);
    for wake in &wakes {
        assert_eq!(wake.fields.str("op"), Some("waker.wake_by_ref"));
        assert_eq!(wake.level, tracing::Level::TRACE);
    }
    block_on(handle).unwrap();
}

#[test]
fn local_named_and_blocking_kinds() {
    let (_serial, recorder) = recorder::serial();
    let list = Arc::new(TaskList::new(1));
    let queue = Queue::default();

    let not_send = Rc::new(1);
    #[rustfmt::skip]
    let (line, (runnable, local)) = (line!(), zokio_task::spawn_local(async move { *not_send }, queue.schedule(), &list));
    let span = recorder.task_span(local.id().as_u64()).unwrap();
    assert_eq!(span.fields.str("kind"), Some("local"));
    assert_eq!(span.fields.u64("loc.line"), Some(line.into()));
    runnable.run();

    let name = String::from("answer");
    let (line, meta) = (line!(), SpawnMeta::new(TaskKind::Task).with_name(&name));
    let (runnable, named) =
        zokio_task::spawn_with_meta(async { 42 }, queue.schedule(), &list, meta);
    let span = recorder.task_span(named.id().as_u64()).unwrap();
    assert_eq!(span.fields.str("task.name"), Some("answer"));
    assert_eq!(
        span.fields.u64("loc.line"),
        Some(line.into()),
        "where the meta was made"
    );
    runnable.run();

    let meta = SpawnMeta::new(TaskKind::Blocking);
    let (runnable, blocking) =
        zokio_task::spawn_with_meta(async { 1 }, queue.schedule(), &list, meta);
    let span = recorder.task_span(blocking.id().as_u64()).unwrap();
    assert_eq!(span.target, "zokio::task::blocking");
    assert_eq!(span.fields.str("kind"), Some("blocking"));
    runnable.run();

    assert_eq!(block_on(local).unwrap(), 1);
    assert_eq!(block_on(named).unwrap(), 42);
    assert_eq!(block_on(blocking).unwrap(), 1);
}

#[test]
fn a_cancelled_task_closes_its_span() {
    let (_serial, recorder) = recorder::serial();
    let list = Arc::new(TaskList::new(1));
    let queue = Queue::default();
    let (runnable, handle) =
        zokio_task::spawn(std::future::pending::<()>(), queue.schedule(), &list);
    let id = handle.id().as_u64();
    runnable.run();
    assert!(!recorder.task_span(id).unwrap().closed);
    handle.abort();
    queue.run_all();
    let span = recorder.task_span(id).unwrap();
    assert!(span.closed);
    assert_eq!(span.enters, span.exits);
    assert!(block_on(handle).unwrap_err().is_cancelled());
}

#[test]
fn spawn_meta_keeps_the_kind_the_name_and_the_callers_location() {
    #[rustfmt::skip]
    let (line, meta) = (line!(), SpawnMeta::new(TaskKind::Blocking));
    assert_eq!(meta.kind(), TaskKind::Blocking);
    assert_eq!(meta.name(), None);
    assert_eq!(meta.location().file(), file!());
    assert_eq!(meta.location().line(), line);
    let named = meta.with_name("ticker");
    assert_eq!(named.name(), Some("ticker"));
    assert_eq!(named.kind(), TaskKind::Blocking, "naming keeps the kind");
    assert_eq!(named.location(), meta.location(), "and the location");
    let debug = format!("{named:?}");
    assert!(
        debug.starts_with("SpawnMeta { kind: Blocking, name: Some(\"ticker\"), location: "),
        "{debug}"
    );
    assert!(debug.contains(file!()), "{debug}");
    assert!(debug.ends_with(".. }"), "{debug}");
}
