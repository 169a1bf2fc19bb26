//! The thread-local scheduler context: `Handle`'s accessors, `enter` guards and their order,
//! `try_current_checked` (also while the thread is being torn down), `enter_runtime` and the panics
//! of `spawn`/`spawn_blocking` without a context.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zokio_sched::blocking::{self, BlockingPool};
use zokio_sched::context::{self, EnterGuard, NoContext, StopSignal};
use zokio_sched::metrics::RuntimeMetrics;
use zokio_sched::toolkit::TaskList;
use zokio_sched::{Handle, Runnable, ScheduleInfo, Scheduler};

/// The text of a panic payload (a `&str` or a `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .expect("a text payload")
}

/// A scheduler with no thread at all: it only keeps what it is given, which is all these tests need
/// (and it relies on the trait's default `metrics`).
#[derive(Default)]
struct Keeper {
    tasks: Arc<TaskList>,
    queue: Mutex<Vec<Runnable>>,
}

impl Scheduler for Keeper {
    fn schedule(&self, runnable: Runnable, _info: ScheduleInfo) {
        self.queue.lock().unwrap().push(runnable);
    }

    fn block_on(&self, future: Pin<&mut dyn Future<Output = ()>>) {
        zokio_sched::toolkit::block_on_thread(future);
    }

    fn task_list(&self) -> &Arc<TaskList> {
        &self.tasks
    }

    fn shutdown(&self, _timeout: Duration) {
        self.tasks.close_and_abort_all();
        let queued = std::mem::take(&mut *self.queue.lock().unwrap());
        // Run outside the lock: an aborted task drops its future without being polled.
        for runnable in queued {
            runnable.run();
        }
    }
}

fn scheduler() -> Arc<Keeper> {
    Arc::new(Keeper::default())
}

#[test]
fn handle_accessors_report_what_it_was_built_with() {
    let first = scheduler();
    let second = scheduler();
    let pool = BlockingPool::new(blocking::Config::default());

    let plain = Handle::new(first.clone());
    assert_eq!(plain.name(), None);
    assert!(plain.stop_signal().is_none());
    assert!(plain.blocking().is_none());
    assert_eq!(format!("{plain:?}"), "Handle { .. }");

    let stop = Arc::new(StopSignal::default());
    let full = Handle::with_blocking(first.clone(), pool.spawner().clone())
        .with_name(Some(Arc::from("named-runtime")))
        .with_stop_signal(Some(stop.clone()));
    assert_eq!(full.name(), Some("named-runtime"));
    assert!(Arc::ptr_eq(full.stop_signal().unwrap(), &stop));
    assert_eq!(full.blocking().unwrap().num_threads(), 0);
    // The handle reaches the very scheduler it was built on.
    let sched: &Arc<dyn Scheduler> = full.scheduler();
    assert!(std::ptr::addr_eq(Arc::as_ptr(sched), Arc::as_ptr(&first)));

    // Handles of one scheduler share its id; another live scheduler has another.
    assert_eq!(plain.id(), full.id());
    assert_eq!(plain.id(), plain.clone().id());
    assert_ne!(plain.id(), Handle::new(second.clone()).id());

    // `with_name(None)` and `with_stop_signal(None)` take them away again.
    let bare = full.with_name(None).with_stop_signal(None);
    assert_eq!(bare.name(), None);
    assert!(bare.stop_signal().is_none());

    first.shutdown(Duration::from_secs(10));
    second.shutdown(Duration::from_secs(10));
    assert!(pool.shutdown(Duration::from_secs(10)));
}

#[test]
fn try_current_checked_says_why_there_is_no_context() {
    let sched = scheduler();
    let handle = Handle::new(sched.clone());
    std::thread::spawn(move || {
        assert_eq!(
            context::try_current_checked().unwrap_err(),
            NoContext::NotEntered
        );
        assert!(context::try_current().is_none());
        let guard = context::enter(handle.clone());
        assert_eq!(context::try_current_checked().unwrap().id(), handle.id());
        assert_eq!(context::try_current().unwrap().id(), handle.id());
        assert_eq!(format!("{guard:?}"), "EnterGuard { .. }");
        drop(guard);
        assert_eq!(
            context::try_current_checked().unwrap_err(),
            NoContext::NotEntered
        );
    })
    .join()
    .unwrap();
    sched.shutdown(Duration::from_secs(10));
}

/// What [`context::try_current_checked`] said, without the handle.
type Seen = Result<(), NoContext>;

/// What a thread-local destructor saw of the context: before and after it dropped the guard it kept.
struct Reporter {
    report: Option<mpsc::Sender<(Seen, Seen)>>,
    guard: Option<EnterGuard>,
}

impl Drop for Reporter {
    fn drop(&mut self) {
        let before = context::try_current_checked().map(drop);
        // The context has no destructor, so the guard restores it here as anywhere else (a panic in
        // a thread-local destructor would abort the process).
        drop(self.guard.take());
        let after = context::try_current_checked().map(drop);
        if let Some(report) = self.report.take() {
            let _ = report.send((before, after));
        }
    }
}

thread_local! {
    static REPORTER: std::cell::RefCell<Reporter> = const {
        std::cell::RefCell::new(Reporter { report: None, guard: None })
    };
}

#[test]
fn the_context_outlives_every_thread_local_destructor() {
    let sched = scheduler();
    let handle = Handle::new(sched.clone());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        REPORTER.with(|r| r.borrow_mut().report = Some(tx));
        let guard = context::enter(handle);
        REPORTER.with(|r| r.borrow_mut().guard = Some(guard));
    })
    .join()
    .expect("the thread and its destructors ran without a panic");
    let (before, after) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(
        before,
        Ok(()),
        "the guard kept in a thread-local still holds the context"
    );
    assert_eq!(after, Err(NoContext::NotEntered), "and leaves it on drop");
    sched.shutdown(Duration::from_secs(10));
}

#[test]
#[should_panic(expected = "`EnterGuard` values dropped out of order")]
fn enter_guards_dropped_out_of_order_panic() {
    let sched = scheduler();
    let outer = context::enter(Handle::new(sched.clone()));
    let inner = context::enter(Handle::new(sched.clone()));
    drop(outer);
    drop(inner);
}

#[test]
fn out_of_order_drop_while_unwinding_does_not_panic_again() {
    struct Guards {
        // Fields drop in declaration order: the outer guard first, out of order.
        _outer: EnterGuard,
        _inner: EnterGuard,
    }
    let sched = scheduler();
    let handle = Handle::new(sched.clone());
    let other = scheduler();
    let other_handle = Handle::new(other.clone());
    let result = std::thread::spawn(move || {
        let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _guards = Guards {
                _outer: context::enter(handle.clone()),
                _inner: context::enter(other_handle.clone()),
            };
            std::panic::panic_any("original panic");
        }))
        .unwrap_err();
        // The first panic is the one that comes out: no second panic aborted the process.
        let message = *payload.downcast::<&str>().unwrap();
        // The outer guard left to what it displaced (no context), and the inner one, dropped after
        // that, only gave its handle back: no context is left behind.
        let current = context::try_current().map(|h| h.id());
        (message, current)
    })
    .join()
    .unwrap();
    assert_eq!(result.0, "original panic");
    assert_eq!(result.1, None);
    sched.shutdown(Duration::from_secs(10));
    other.shutdown(Duration::from_secs(10));
}

#[test]
fn nested_enters_restore_each_previous_context() {
    let a = scheduler();
    let b = scheduler();
    let (ha, hb) = (Handle::new(a.clone()), Handle::new(b.clone()));
    std::thread::spawn(move || {
        let outer = context::enter(ha.clone());
        {
            let _inner = context::enter(hb.clone());
            assert_eq!(context::try_current().unwrap().id(), hb.id());
        }
        assert_eq!(context::try_current().unwrap().id(), ha.id());
        drop(outer);
        assert!(context::try_current().is_none());
    })
    .join()
    .unwrap();
    a.shutdown(Duration::from_secs(10));
    b.shutdown(Duration::from_secs(10));
}

#[test]
fn enter_runtime_marks_the_thread_and_refuses_nesting() {
    std::thread::spawn(|| {
        assert!(!context::is_in_runtime());
        let guard = context::enter_runtime();
        assert!(context::is_in_runtime());
        let nested = std::panic::catch_unwind(|| drop(context::enter_runtime())).unwrap_err();
        let message = panic_message(&*nested);
        assert!(
            message.contains("Cannot start a runtime from within a runtime"),
            "{message}"
        );
        // The failed attempt left the mark alone.
        assert!(context::is_in_runtime());
        drop(guard);
        assert!(!context::is_in_runtime());
    })
    .join()
    .unwrap();
}

#[test]
#[should_panic(expected = "there is no reactor running")]
fn spawn_outside_a_context_panics() {
    drop(zokio_sched::spawn(async {}));
}

#[test]
fn spawn_in_a_context_without_a_blocking_pool_panics() {
    let sched = scheduler();
    let handle = Handle::new(sched.clone());
    let panic = std::thread::spawn(move || {
        let _guard = context::enter(handle);
        std::panic::catch_unwind(|| drop(blocking::spawn_blocking(|| ()))).unwrap_err()
    })
    .join()
    .unwrap();
    assert_eq!(
        panic_message(&*panic),
        "`spawn_blocking` was called in a runtime context that has no blocking pool"
    );
    sched.shutdown(Duration::from_secs(10));
}

#[test]
fn default_metrics_report_one_worker_and_the_live_tasks() {
    let sched = scheduler();
    let handle = Handle::new(sched.clone());
    assert_eq!(sched.metrics(), RuntimeMetrics::basic(1, 0));
    let task = handle.spawn(async { 5 });
    let metrics = sched.metrics();
    assert_eq!(metrics.num_workers, 1);
    assert_eq!(metrics.num_alive_tasks, 1);
    assert!(
        metrics.workers.is_empty(),
        "no per-worker counters by default"
    );
    assert_eq!(metrics.total_polls(), 0);
    assert_eq!(metrics.total_steals(), 0);
    sched.shutdown(Duration::ZERO);
    assert!(
        futures_lite::future::block_on(task)
            .unwrap_err()
            .is_cancelled()
    );
    assert_eq!(sched.metrics().num_alive_tasks, 0);
}

/// A task's schedule function finds its scheduler in the task, and takes the scheduler from the
/// waking thread's context only when that context is of the same scheduler: a wake from inside
/// another runtime, from a thread with no runtime, or after every handle of the task's runtime is
/// gone, still queues the task on its own scheduler, which the task keeps alive.
#[test]
fn a_wake_reaches_the_tasks_own_scheduler_from_any_context() {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::task::{Poll, Waker};

    let (a, b) = (scheduler(), scheduler());
    let handle_a = Handle::new(a.clone());
    let waker: Arc<Mutex<Option<Waker>>> = Arc::default();
    let polls = Arc::new(AtomicUsize::new(0));
    let (slot, count) = (waker.clone(), polls.clone());
    let task = handle_a.spawn(std::future::poll_fn(move |cx| {
        count.fetch_add(1, SeqCst);
        *slot.lock().unwrap() = Some(cx.waker().clone());
        Poll::<()>::Pending
    }));
    let run_on_a = |expected_polls: usize| {
        assert!(b.queue.lock().unwrap().is_empty(), "nothing went to B");
        let runnable = a.queue.lock().unwrap().pop().expect("queued on A");
        assert!(a.queue.lock().unwrap().is_empty(), "queued once");
        runnable.run();
        assert_eq!(polls.load(SeqCst), expected_polls);
    };
    let wake = || waker.lock().unwrap().take().expect("polled").wake();
    run_on_a(1);

    // From inside another scheduler's context.
    {
        let _b = context::enter(Handle::new(b.clone()));
        wake();
    }
    run_on_a(2);
    // From inside another handle of the same scheduler.
    {
        let _a = context::enter(Handle::new(a.clone()));
        wake();
    }
    run_on_a(3);
    // From a thread outside every runtime.
    let outside = waker.lock().unwrap().take().expect("polled");
    std::thread::spawn(move || outside.wake()).join().unwrap();
    run_on_a(4);
    // With no handle of A left but the task's own.
    drop(handle_a);
    assert_eq!(Arc::strong_count(&a), 2, "the test's and the task's");
    wake();
    run_on_a(5);

    a.shutdown(Duration::from_secs(10));
    drop(waker.lock().unwrap().take());
    drop(task);
    assert_eq!(
        Arc::strong_count(&a),
        1,
        "the freed task let its scheduler go"
    );
}
