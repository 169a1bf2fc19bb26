//! Outputs, panics, destructor panics, detaching and task ids.

mod common;

use std::collections::HashSet;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;
use std::task::Poll;
use std::thread;

use common::{
    Counters, Gate, LocalExecutor, PanicOnDrop, ThreadPool, poll_once, scaled, tracked, with_guard,
};
use zokio_task::{Id, JoinError, Runnable};

#[test]
fn output_delivered() {
    let ex = LocalExecutor::new();
    let mut handle = ex.spawn(async { String::from("hello") });
    assert!(!handle.is_finished());
    assert!(poll_once(&mut handle).is_pending());
    assert_eq!(ex.run_until_idle(), 1);
    assert!(handle.is_finished());
    assert_eq!(ex.block_on(&mut handle).unwrap(), "hello");
    assert!(
        handle.is_finished(),
        "still finished after the output was taken"
    );
}

#[test]
fn output_delivered_from_worker_thread() {
    let pool = ThreadPool::new(2);
    let handles: Vec<_> = (0..scaled(100, 10))
        .map(|i| pool.spawn(async move { i * 2 }))
        .collect();
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(common::block_on(handle).unwrap(), i * 2);
    }
}

#[test]
fn panic_captured_as_join_error_with_payload() {
    let ex = LocalExecutor::new();
    let handle = ex.spawn(async {
        // Not a constant, so the payload is a formatted `String`.
        let n = std::hint::black_box(42);
        if n > 0 {
            panic!("boom {n}");
        }
    });
    let id = handle.id();
    ex.run_until_idle();
    let err = ex.block_on(handle).unwrap_err();
    assert!(err.is_panic());
    assert!(!err.is_cancelled());
    assert_eq!(err.id(), id);
    assert_eq!(
        err.to_string(),
        format!("task {id} panicked with message \"boom 42\"")
    );
    assert!(format!("{err:?}").contains("boom 42"));
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<String>().unwrap(), "boom 42");
}

#[test]
fn panic_with_static_str_and_opaque_payloads() {
    let ex = LocalExecutor::new();
    let a = ex.spawn(async { std::panic::panic_any("static message") });
    let b = ex.spawn(async { std::panic::panic_any(7_u32) });
    ex.run_until_idle();
    let a = ex.block_on(a).unwrap_err();
    assert!(
        a.to_string()
            .ends_with("panicked with message \"static message\"")
    );
    let b = ex.block_on(b).unwrap_err();
    assert_eq!(b.to_string(), format!("task {} panicked", b.id()));
    // No message to show for an opaque payload, in `Debug` either.
    assert_eq!(
        format!("{b:?}"),
        format!("JoinError::Panic({:?}, ...)", b.id())
    );
    assert_eq!(*b.try_into_panic().unwrap().downcast::<u32>().unwrap(), 7);
}

#[test]
fn cancelled_error_is_not_a_panic() {
    let ex = LocalExecutor::new();
    let gate = Gate::new();
    let handle = ex.spawn(gate.wait());
    ex.run_until_idle();
    handle.abort();
    ex.run_until_idle();
    let err = ex.block_on(handle).unwrap_err();
    assert!(err.is_cancelled());
    assert!(!err.is_panic());
    assert_eq!(err.to_string(), format!("task {} was cancelled", err.id()));
    let err = err.try_into_panic().unwrap_err();
    assert!(err.is_cancelled());
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::Other);
}

#[test]
#[should_panic(expected = "not a panic")]
fn into_panic_on_cancelled_error_panics() {
    let ex = LocalExecutor::new();
    let handle = ex.spawn(std::future::pending::<()>());
    handle.abort();
    ex.run_until_idle();
    let err = ex.block_on(handle).unwrap_err();
    let _ = err.into_panic();
}

#[test]
fn join_error_is_send_sync_error() {
    fn assert_traits<T: std::error::Error + Send + Sync + 'static>() {}
    assert_traits::<JoinError>();
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<zokio_task::JoinHandle<u8>>();
    assert_send_sync::<zokio_task::AbortHandle>();
    assert_send_sync::<zokio_task::JoinSet<u8>>();
}

#[test]
fn panicking_task_does_not_stop_the_polling_thread() {
    let ex = LocalExecutor::new();
    let first = ex.spawn(async { 1 });
    let bad = ex.spawn(async { panic!("bad task") });
    let last = ex.spawn(async { 3 });
    assert_eq!(ex.run_until_idle(), 3);
    assert_eq!(ex.block_on(first).unwrap(), 1);
    assert!(ex.block_on(bad).unwrap_err().is_panic());
    assert_eq!(ex.block_on(last).unwrap(), 3);
}

#[test]
fn panicking_tasks_do_not_kill_pool_workers() {
    // One worker: if a panic unwound it, the tasks after the panicking ones would never run.
    let pool = ThreadPool::new(1);
    let handles: Vec<_> = (0..scaled(20, 6))
        .map(|i| {
            pool.spawn(async move {
                if i % 2 == 0 {
                    panic!("task {i} panics");
                }
                thread::current().id()
            })
        })
        .collect();
    let mut worker_ids = HashSet::new();
    for (i, handle) in handles.into_iter().enumerate() {
        let result = common::block_on(handle);
        if i % 2 == 0 {
            assert!(result.unwrap_err().is_panic());
        } else {
            worker_ids.insert(result.unwrap());
        }
    }
    assert_eq!(worker_ids.len(), 1, "the same worker thread ran every task");
}

#[test]
fn dropping_join_handle_detaches_task() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let gate = Gate::new();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done2 = Arc::clone(&done);
    let wait = gate.wait();
    let handle = ex.spawn(tracked(&counters, async move {
        wait.await;
        done2.store(true, SeqCst);
    }));
    ex.run_until_idle();
    drop(handle);
    assert_eq!(counters.drops(), 0, "detaching must not cancel");
    gate.open();
    assert_eq!(ex.run_until_idle(), 1);
    assert!(done.load(SeqCst), "the detached task ran to completion");
    assert_eq!(counters.polls(), 2);
    assert_eq!(counters.drops(), 1);
}

#[test]
fn dropping_join_handle_before_first_poll_detaches_task() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    drop(ex.spawn(tracked(&counters, async { 5 })));
    assert_eq!(ex.run_until_idle(), 1);
    assert_eq!((counters.polls(), counters.drops()), (1, 1));
    assert!(ex.list().is_empty());
}

#[test]
fn future_drop_panic_after_completion_becomes_join_error() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let bomb = PanicOnDrop(Arc::clone(&counters));
    let handle = ex.spawn(with_guard(bomb, async { 7 }));
    ex.run_until_idle();
    assert_eq!(counters.drops(), 1);
    let err = ex.block_on(handle).unwrap_err();
    assert!(err.is_panic());
    assert!(err.to_string().contains("PanicOnDrop dropped"));
}

#[test]
fn future_drop_panic_on_abort_becomes_join_error() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let bomb = PanicOnDrop(Arc::clone(&counters));
    let gate = Gate::new();
    let handle = ex.spawn(with_guard(bomb, gate.wait()));
    ex.run_until_idle();
    handle.abort();
    assert_eq!(ex.run_until_idle(), 1);
    assert_eq!(
        counters.drops(),
        1,
        "dropped exactly once despite the panic"
    );
    let err = ex.block_on(handle).unwrap_err();
    assert!(
        err.is_panic(),
        "a destructor panic during cancellation is reported as a panic"
    );
}

#[test]
fn future_drop_panic_when_runnable_dropped_is_contained() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let bomb = PanicOnDrop(Arc::clone(&counters));
    let handle = ex.spawn(with_guard(bomb, async {}));
    // Drop the first runnable without running it, as a runtime does at shutdown.
    let dropped = catch_unwind(AssertUnwindSafe(|| ex.drop_queued()));
    assert_eq!(
        dropped.ok(),
        Some(1),
        "dropping the runnable did not unwind"
    );
    assert_eq!(counters.drops(), 1);
    assert!(ex.block_on(handle).unwrap_err().is_cancelled());
    assert!(ex.list().is_empty(), "a dropped task leaves the registry");
}

#[test]
fn panic_in_poll_and_in_drop_reports_the_poll_panic() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let bomb = PanicOnDrop(Arc::clone(&counters));
    let handle = ex.spawn(with_guard(bomb, async { panic!("first panic") }));
    ex.run_until_idle();
    assert_eq!(counters.drops(), 1);
    let payload = ex.block_on(handle).unwrap_err().into_panic();
    assert_eq!(*payload.downcast::<&str>().unwrap(), "first panic");
}

#[test]
fn future_and_output_destructors_both_panic() {
    let ex = LocalExecutor::new();
    let future_bomb = Counters::new();
    let output_bomb = Counters::new();
    let bomb = PanicOnDrop(Arc::clone(&future_bomb));
    let out = Arc::clone(&output_bomb);
    let handle = ex.spawn(with_guard(bomb, async move { PanicOnDrop(out) }));
    ex.run_until_idle();
    assert_eq!((future_bomb.drops(), output_bomb.drops()), (1, 1));
    assert!(ex.block_on(handle).unwrap_err().is_panic());
}

#[test]
fn join_handle_output_drop_panic_contained() {
    // tokio#4412: the task completed, the handle is dropped without taking the output, and the
    // output's destructor panics. The panic must not escape `JoinHandle::drop`.
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let out = Arc::clone(&counters);
    let handle = ex.spawn(async move { PanicOnDrop(out) });
    ex.run_until_idle();
    assert!(handle.is_finished());
    let dropped = catch_unwind(AssertUnwindSafe(move || drop(handle)));
    assert!(
        dropped.is_ok(),
        "the output's destructor panic escaped JoinHandle::drop"
    );
    assert_eq!(counters.drops(), 1);
}

#[test]
fn detached_output_drop_panic_contained() {
    // The handle is gone before completion, so async-task drops the output inside `run`, where a
    // panic would abort the process.
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let out = Arc::clone(&counters);
    drop(ex.spawn(async move { PanicOnDrop(out) }));
    assert_eq!(ex.run_until_idle(), 1);
    assert_eq!(counters.drops(), 1);
}

#[test]
fn detached_panic_payload_drop_panic_contained() {
    // A panic payload whose destructor panics, in a task nobody awaits.
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let payload = PanicOnDrop(Arc::clone(&counters));
    drop(ex.spawn(async move { std::panic::panic_any(payload) }));
    assert_eq!(ex.run_until_idle(), 1);
    assert_eq!(counters.drops(), 1);
}

#[test]
fn output_taken_by_handle_is_not_dropped_by_the_task() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let out = Arc::clone(&counters);
    let handle = ex.spawn(async move { PanicOnDrop(out) });
    ex.run_until_idle();
    let output = ex.block_on(handle).unwrap_or_else(|_| unreachable!());
    assert_eq!(counters.drops(), 0);
    assert!(catch_unwind(AssertUnwindSafe(move || drop(output))).is_err());
    assert_eq!(counters.drops(), 1);
}

#[test]
#[should_panic(expected = "JoinHandle polled after it returned Ready")]
fn join_handle_polled_after_completion_panics() {
    let ex = LocalExecutor::new();
    let mut handle = ex.spawn(async {});
    ex.run_until_idle();
    assert!(matches!(poll_once(&mut handle), Poll::Ready(Ok(()))));
    let _ = poll_once(&mut handle);
}

#[test]
fn task_ids_unique_across_threads() {
    let per_thread = scaled(1000, 20);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            thread::spawn(move || {
                let ex = LocalExecutor::new();
                (0..per_thread)
                    .map(|_| {
                        let handle = ex.spawn(async {});
                        let id = handle.id();
                        assert_eq!(handle.abort_handle().id(), id);
                        id
                    })
                    .collect::<Vec<Id>>()
            })
        })
        .collect();
    let mut all = HashSet::new();
    for thread in threads {
        for id in thread.join().unwrap() {
            assert!(all.insert(id), "task id {id} handed out twice");
        }
    }
    assert_eq!(all.len(), 4 * per_thread);
}

#[test]
fn id_inside_and_outside_a_task() {
    assert!(zokio_task::try_id().is_none());
    let ex = LocalExecutor::new();
    let handle = ex.spawn(async {
        let id = zokio_task::id();
        assert_eq!(zokio_task::try_id(), Some(id));
        common::yield_now().await;
        assert_eq!(zokio_task::id(), id, "stable across polls");
        id
    });
    let expected = handle.id();
    ex.run_until_idle();
    assert_eq!(ex.block_on(handle).unwrap(), expected);
    assert!(zokio_task::try_id().is_none(), "cleared after the poll");
    assert_eq!(expected.as_u64().to_string(), expected.to_string());
}

#[test]
#[should_panic(expected = "called outside a task")]
fn id_outside_a_task_panics() {
    let _ = zokio_task::id();
}

#[test]
fn id_readable_while_future_is_dropped() {
    struct RecordId(Arc<std::sync::Mutex<Option<Id>>>);
    impl Drop for RecordId {
        fn drop(&mut self) {
            *self.0.lock().unwrap() = zokio_task::try_id();
        }
    }
    let ex = LocalExecutor::new();
    let seen = Arc::new(std::sync::Mutex::new(None));
    let record = RecordId(Arc::clone(&seen));
    let handle = ex.spawn(async move {
        let _record = record;
        std::future::pending::<()>().await;
    });
    ex.run_until_idle();
    let id = handle.id();
    handle.abort();
    ex.run_until_idle();
    assert_eq!(*seen.lock().unwrap(), Some(id));
    assert!(zokio_task::try_id().is_none());
}

#[test]
fn nested_poll_restores_outer_id() {
    // A task that runs another task's runnable inside its own poll (as a nested executor would).
    let ex = Arc::new(LocalExecutor::new());
    let (inner_runnable, inner) = ex.spawn_unscheduled(async { zokio_task::id() });
    let inner_runnable = std::sync::Mutex::new(Some(inner_runnable));
    let outer = ex.spawn(async move {
        let before = zokio_task::id();
        inner_runnable.lock().unwrap().take().unwrap().run();
        (before, zokio_task::id())
    });
    let outer_id = outer.id();
    let inner_id = inner.id();
    ex.run_until_idle();
    assert_eq!(ex.block_on(outer).unwrap(), (outer_id, outer_id));
    assert_eq!(ex.block_on(inner).unwrap(), inner_id);
}

#[test]
fn yield_reports_woken_while_running() {
    let ex = LocalExecutor::new();
    let handle = ex.spawn(async {
        common::yield_now().await;
        common::yield_now().await;
    });
    assert_eq!(ex.run_until_idle(), 3);
    assert_eq!(ex.log.schedules.load(SeqCst), 3);
    assert_eq!(ex.log.woken_while_running.load(SeqCst), 2);
    ex.block_on(handle).unwrap();
}

#[test]
fn debug_formats_name_the_task() {
    let ex = LocalExecutor::new();
    let handle = ex.spawn(async {});
    let id = handle.id();
    assert!(format!("{handle:?}").contains(&format!("{id:?}")));
    assert!(format!("{:?}", handle.abort_handle()).contains("finished: false"));
    ex.run_until_idle();
    assert!(format!("{:?}", handle.abort_handle()).contains("finished: true"));
}

#[test]
fn join_handle_drop_releases_awaiter_waker() {
    // tokio#6986: an awaiter that gives up on a handle (select!, timeout) must not stay referenced by
    // the task it was waiting for.
    let ex = LocalExecutor::new();
    let gate = Gate::new();
    let mut handle = ex.spawn(gate.wait());
    ex.run_until_idle();
    let awaiter = Arc::new(common::Flag::default());
    let waker = std::task::Waker::from(Arc::clone(&awaiter));
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(std::pin::Pin::new(&mut handle).poll(&mut cx).is_pending());
    drop(waker);
    assert_eq!(
        Arc::strong_count(&awaiter),
        2,
        "the task holds the awaiter's waker"
    );
    drop(handle);
    assert_eq!(
        Arc::strong_count(&awaiter),
        1,
        "released when the handle is dropped"
    );
    gate.open();
    ex.run_until_idle();
    assert!(
        !awaiter.0.load(SeqCst),
        "the detached handle's old awaiter is not woken"
    );
}

#[test]
fn join_handle_drop_after_pending_poll_then_completion_drops_output_once() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let gate = Gate::new();
    let (wait, out) = (gate.wait(), Arc::clone(&counters));
    let mut handle = ex.spawn(async move {
        wait.await;
        PanicOnDrop(out)
    });
    ex.run_until_idle();
    assert!(poll_once(&mut handle).is_pending());
    gate.open();
    ex.run_until_idle();
    // The task completed after the pending poll: dropping the handle takes and drops the output.
    assert!(catch_unwind(AssertUnwindSafe(move || drop(handle))).is_ok());
    assert_eq!(counters.drops(), 1);
}

#[test]
fn runnable_reports_its_task_and_survives_a_raw_round_trip() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let (runnable, handle) = ex.spawn_unscheduled(tracked(&counters, async { 21 * 2 }));
    assert_eq!(runnable.id(), handle.id());
    assert_eq!(
        format!("{runnable:?}"),
        format!("Runnable {{ id: {:?} }}", handle.id())
    );
    // A scheduler that keeps tasks in atomic slots turns them into pointers and back.
    let raw = runnable.into_raw();
    assert_eq!(counters.polls(), 0, "a raw task is neither run nor dropped");
    assert_eq!(counters.drops(), 0);
    // SAFETY: `raw` comes from `into_raw` just above and is turned back exactly once.
    let runnable = unsafe { Runnable::from_raw(raw) };
    assert_eq!(runnable.id(), handle.id());
    runnable.run();
    assert_eq!(counters.polls(), 1);
    assert_eq!(ex.block_on(handle).unwrap(), 42);
}

/// Panics in its destructor with a payload that panics in its own destructor too.
struct PanicsWithAPanickingPayload(Arc<Counters>);

/// Counts its drop, then panics with a payload that allocates nothing (so leaking it leaks nothing).
struct PanickingPayload(Arc<Counters>);

impl Drop for PanickingPayload {
    fn drop(&mut self) {
        self.0.drops.fetch_add(1, SeqCst);
        std::panic::panic_any(());
    }
}

impl Drop for PanicsWithAPanickingPayload {
    fn drop(&mut self) {
        std::panic::panic_any(PanickingPayload(Arc::clone(&self.0)));
    }
}

#[test]
fn detached_output_whose_panic_payload_panics_too_is_contained() {
    // The output's destructor panics; dropping that panic's payload panics again. Neither unwinds
    // out of `run` (where async-task would abort the process): the second payload is leaked.
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let c = Arc::clone(&counters);
    drop(ex.spawn(async move { PanicsWithAPanickingPayload(c) }));
    assert_eq!(ex.run_until_idle(), 1);
    assert_eq!(counters.drops(), 1, "the first payload was dropped");
}

#[test]
fn task_kinds_are_named_as_tokio_names_them() {
    use zokio_task::TaskKind;
    let names: Vec<_> = [TaskKind::Task, TaskKind::Local, TaskKind::Blocking]
        .iter()
        .map(|kind| (kind.as_str(), kind.to_string()))
        .collect();
    assert_eq!(
        names,
        [
            ("task", "task".to_owned()),
            ("local", "local".to_owned()),
            ("blocking", "blocking".to_owned())
        ]
    );
}

/// A `JoinHandle` is one pointer, as Tokio's and smol's are, and `Option` of one costs nothing more:
/// a `Vec` of 10,000 handles stays below glibc's 128 KB `mmap` threshold.
#[test]
fn join_handle_is_one_pointer_wide() {
    use std::mem::size_of;
    assert_eq!(size_of::<zokio_task::JoinHandle<u64>>(), size_of::<usize>());
    assert_eq!(
        size_of::<zokio_task::JoinHandle<[u8; 256]>>(),
        size_of::<usize>()
    );
    assert_eq!(
        size_of::<Option<zokio_task::JoinHandle<()>>>(),
        size_of::<usize>()
    );
}

/// A handle that is already waiting when its task's runnable is dropped (a runtime shutting down
/// while another thread awaits the task) is woken and reports the task cancelled; it never sees a
/// task closed without an output.
#[test]
fn runnable_dropped_while_the_handle_waits_wakes_it_with_cancelled() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let gate = Gate::new();
    let mut handle = ex.spawn(tracked(&counters, gate.wait()));
    ex.run_until_idle();
    let awaiter = Arc::new(common::Flag::default());
    let waker = std::task::Waker::from(Arc::clone(&awaiter));
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(std::pin::Pin::new(&mut handle).poll(&mut cx).is_pending());
    gate.open();
    assert_eq!(
        ex.drop_queued(),
        1,
        "the woken task is queued, then dropped"
    );
    assert!(awaiter.0.load(SeqCst), "the awaiter is woken");
    assert_eq!(
        (counters.polls(), counters.drops()),
        (1, 1),
        "dropped, not polled"
    );
    let err = match std::pin::Pin::new(&mut handle).poll(&mut cx) {
        Poll::Ready(result) => result.unwrap_err(),
        Poll::Pending => panic!("the handle must be ready"),
    };
    assert!(err.is_cancelled());
    assert!(ex.list().is_empty(), "the task left its list");
}

/// After the output is taken the handle still answers for its task: the id, finished, and an
/// abort that does nothing.
#[test]
fn join_handle_answers_after_its_output_is_taken() {
    let ex = LocalExecutor::new();
    let mut handle = ex.spawn(async { 3 });
    let id = handle.id();
    ex.run_until_idle();
    assert_eq!(poll_once(&mut handle).map(Result::unwrap), Poll::Ready(3));
    assert_eq!(handle.id(), id);
    assert!(handle.is_finished());
    handle.abort();
    let abort = handle.abort_handle();
    drop(handle);
    assert!(abort.is_finished());
    assert_eq!(abort.id(), id);
    assert_eq!(ex.queued(), 0, "aborting a finished task schedules nothing");
}
