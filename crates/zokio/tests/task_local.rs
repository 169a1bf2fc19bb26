//! `task_local!` and `LocalKey`: values scoped to a future, across `.await`s and threads.

mod support;

use std::cell::Cell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use support::{DropCounter, DropToken, panic_message, runtimes};
use zokio::sync::oneshot;
use zokio::task::{self, AccessError, LocalSet};

zokio::task_local! {
    /// A documented key.
    pub static NUMBER: u32;
    static NAME: String;
    #[allow(dead_code)]
    static UNUSED: Vec<u8>
}

zokio::task_local! {
    static TOKEN: DropToken;
}

fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn value_survives_awaits_on_every_flavour() {
    for (name, rt) in runtimes() {
        let out = rt.block_on(async {
            let handles: Vec<_> = (0..8u32)
                .map(|i| {
                    zokio::spawn(NUMBER.scope(i, async move {
                        for _ in 0..10 {
                            assert_eq!(NUMBER.get(), i);
                            task::yield_now().await;
                            // A wake-up from another task, maybe on another worker.
                            zokio::spawn(async {}).await.unwrap();
                        }
                        NUMBER.with(|n| *n * 10)
                    }))
                })
                .collect();
            let mut out = Vec::new();
            for handle in handles {
                out.push(handle.await.unwrap());
            }
            out
        });
        assert_eq!(out, (0..8).map(|i| i * 10).collect::<Vec<_>>(), "{name}");
    }
}

#[test]
fn unset_outside_any_scope() {
    let err: AccessError = NUMBER.try_get().unwrap_err();
    assert_eq!(NUMBER.try_with(|n| *n), Err(err));
    assert_eq!(err.to_string(), "task-local value not set");
    assert_eq!(format!("{err:?}"), "AccessError");
    let as_error: Box<dyn std::error::Error> = Box::new(err);
    assert_eq!(as_error.to_string(), "task-local value not set");

    for attempt in [
        Box::new(|| {
            let _ = NUMBER.get();
        }) as Box<dyn Fn()>,
        Box::new(|| NUMBER.with(|_| ())),
    ] {
        let payload = catch_unwind(AssertUnwindSafe(attempt)).unwrap_err();
        assert_eq!(
            panic_message(&*payload),
            "cannot access a task-local storage value without setting it first"
        );
    }
    // After a scope ends, the value is gone again.
    NUMBER.sync_scope(1, || assert_eq!(NUMBER.get(), 1));
    assert!(NUMBER.try_get().is_err());
    futures_block_on(NUMBER.scope(2, async {}));
    assert!(NUMBER.try_get().is_err());
}

#[test]
fn nested_scopes_of_one_key_shadow_and_restore() {
    let outer = NUMBER.scope(1, async {
        assert_eq!(NUMBER.get(), 1);
        NUMBER
            .scope(2, async {
                assert_eq!(NUMBER.get(), 2);
                yield_once().await;
                assert_eq!(NUMBER.get(), 2);
                assert_eq!(NUMBER.sync_scope(3, || NUMBER.get()), 3);
                assert_eq!(NUMBER.get(), 2);
            })
            .await;
        assert_eq!(NUMBER.get(), 1);
    });
    futures_block_on(outer);
    assert!(NUMBER.try_get().is_err());
}

/// Two scopes of the same key polled in turn by one task each see their own value at every poll.
#[test]
fn interleaved_scopes_see_their_own_values() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let scoped = |value: u32| {
        let seen = Arc::clone(&seen);
        NUMBER.scope(value, async move {
            for _ in 0..3 {
                seen.lock().unwrap().push(NUMBER.get());
                yield_once().await;
            }
        })
    };
    let mut a = Box::pin(scoped(10));
    let mut b = Box::pin(scoped(20));
    for _ in 0..4 {
        let _ = poll_once(a.as_mut());
        assert!(NUMBER.try_get().is_err(), "restored after each poll");
        let _ = poll_once(b.as_mut());
    }
    assert_eq!(*seen.lock().unwrap(), [10, 20, 10, 20, 10, 20]);
}

#[test]
fn keys_are_independent() {
    NUMBER.sync_scope(5, || {
        assert!(NAME.try_with(|_| ()).is_err());
        NAME.sync_scope("zokio".to_owned(), || {
            assert_eq!(NUMBER.get(), 5);
            assert_eq!(NAME.get(), "zokio");
            NUMBER.sync_scope(6, || assert_eq!(NAME.with(|n| n.len()), 5));
            assert_eq!(NUMBER.get(), 5);
        });
        assert!(NAME.try_get().is_err());
    });
}

#[test]
fn restored_when_the_scope_panics() {
    NUMBER.sync_scope(1, || {
        let caught = catch_unwind(|| NUMBER.sync_scope(2, || panic!("inside")));
        assert_eq!(panic_message(&*caught.unwrap_err()), "inside");
        assert_eq!(NUMBER.get(), 1);

        let mut panicking = Box::pin(NUMBER.scope(3, async {
            assert_eq!(NUMBER.get(), 3);
            panic!("in poll");
        }));
        let caught = catch_unwind(AssertUnwindSafe(|| poll_once(panicking.as_mut())));
        assert_eq!(panic_message(&*caught.unwrap_err()), "in poll");
        assert_eq!(NUMBER.get(), 1);
    });
}

#[test]
fn value_is_set_while_the_future_is_dropped() {
    struct ReadOnDrop(Arc<AtomicU32>);
    impl Drop for ReadOnDrop {
        fn drop(&mut self) {
            self.0.store(NUMBER.try_get().unwrap_or(u32::MAX), SeqCst);
        }
    }
    // Dropped before completion (e.g. a cancelled task).
    let seen = Arc::new(AtomicU32::new(0));
    let guard = ReadOnDrop(Arc::clone(&seen));
    let mut pending = Box::pin(NUMBER.scope(7, async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    }));
    assert!(poll_once(pending.as_mut()).is_pending());
    drop(pending);
    assert_eq!(seen.load(SeqCst), 7);
    // Dropped on completion.
    let seen = Arc::new(AtomicU32::new(0));
    let guard = ReadOnDrop(Arc::clone(&seen));
    futures_block_on(NUMBER.scope(8, async move {
        let _keep = &guard;
    }));
    assert_eq!(seen.load(SeqCst), 8);
}

#[test]
fn value_is_set_in_the_destructor_of_an_aborted_task() {
    let rt = zokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        struct SendOnDrop(Option<oneshot::Sender<u32>>);
        impl Drop for SendOnDrop {
            fn drop(&mut self) {
                let _ = self.0.take().unwrap().send(NUMBER.get());
            }
        }
        let (tx, rx) = oneshot::channel();
        let (started_tx, started_rx) = oneshot::channel();
        let guard = SendOnDrop(Some(tx));
        let handle = zokio::spawn(NUMBER.scope(42, async move {
            let _guard = guard;
            started_tx.send(()).unwrap();
            std::future::pending::<()>().await;
        }));
        started_rx.await.unwrap();
        handle.abort();
        assert_eq!(rx.await.unwrap(), 42);
        assert!(handle.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn the_value_is_dropped_once_with_the_scope() {
    let drops = DropCounter::default();
    let scope = TOKEN.scope(drops.token(), async {
        TOKEN.with(|_| ());
        yield_once().await;
    });
    futures_block_on(scope);
    assert_eq!(drops.count(), 1, "dropped with the completed scope");

    let drops = DropCounter::default();
    let mut scope = Box::pin(TOKEN.scope(drops.token(), yield_once()));
    let _ = poll_once(scope.as_mut());
    assert_eq!(drops.count(), 0);
    drop(scope);
    assert_eq!(drops.count(), 1);

    let drops = DropCounter::default();
    TOKEN.sync_scope(drops.token(), || ());
    assert_eq!(drops.count(), 1);
}

#[test]
fn take_value() {
    let mut scope = Box::pin(NUMBER.scope(1, async { NUMBER.try_get() }));
    assert_eq!(scope.as_mut().take_value(), Some(1));
    assert_eq!(scope.as_mut().take_value(), None);
    // Polled afterwards, the scope has no value, even inside an outer scope of the key.
    let inner = NUMBER.sync_scope(9, || poll_once(scope.as_mut()));
    assert_eq!(inner, Poll::Ready(Err(NUMBER.try_get().unwrap_err())));
    assert_eq!(format!("{scope:?}"), "TaskLocalFuture { value: <missing> }");
}

#[test]
fn polled_after_completion_panics() {
    let mut scope = Box::pin(NUMBER.scope(1, async {}));
    assert!(poll_once(scope.as_mut()).is_ready());
    let payload = catch_unwind(AssertUnwindSafe(|| poll_once(scope.as_mut()))).unwrap_err();
    assert_eq!(
        panic_message(&*payload),
        "`TaskLocalFuture` polled after completion"
    );
    assert!(NUMBER.try_get().is_err());
}

#[test]
fn entering_a_scope_inside_with_panics() {
    let payload =
        catch_unwind(|| NUMBER.sync_scope(1, || NUMBER.with(|_| NUMBER.sync_scope(2, || ()))))
            .unwrap_err();
    assert_eq!(
        panic_message(&*payload),
        "cannot enter a task-local scope while the task-local storage is borrowed"
    );
    assert!(
        NUMBER.try_get().is_err(),
        "the outer scope was left on unwind"
    );
}

#[test]
fn scopes_in_local_tasks() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let local = LocalSet::new();
    let counter = Rc::new(Cell::new(0));
    local.block_on(&rt, async {
        let mut handles = Vec::new();
        for i in 0..4u32 {
            let counter = Rc::clone(&counter);
            handles.push(task::spawn_local(NUMBER.scope(i, async move {
                task::yield_now().await;
                counter.set(counter.get() + NUMBER.get());
                NUMBER.get()
            })));
        }
        for (i, handle) in handles.into_iter().enumerate() {
            assert_eq!(handle.await.unwrap(), i as u32);
        }
    });
    assert_eq!(counter.get(), 6);
}

#[test]
fn debug_formats() {
    assert_eq!(format!("{:?}", NUMBER), "LocalKey { .. }");
    let scope = NAME.scope("x".to_owned(), async {});
    assert_eq!(format!("{scope:?}"), r#"TaskLocalFuture { value: "x" }"#);
}

/// Returns `Pending` once, after waking itself.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

/// Polls `future` to completion on this thread, outside any runtime. Fails after 10 000 polls.
fn futures_block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    for _ in 0..10_000 {
        if let Poll::Ready(out) = poll_once(future.as_mut()) {
            return out;
        }
    }
    panic!("future did not complete");
}

#[test]
fn polling_a_scope_inside_with_panics() {
    let mut scope = Box::pin(NUMBER.scope(2, async { NUMBER.get() }));
    let payload = catch_unwind(AssertUnwindSafe(|| {
        NUMBER.sync_scope(1, || NUMBER.with(|_| poll_once(scope.as_mut())))
    }))
    .unwrap_err();
    assert_eq!(
        panic_message(&*payload),
        "cannot enter a task-local scope while the task-local storage is borrowed"
    );
    // The scope kept its value and works once the borrow is over.
    assert_eq!(poll_once(scope.as_mut()), Poll::Ready(2));
}

/// Polls a scope of `NAME` when dropped, which the thread-local below does at thread exit, sends
/// what the poll panicked with, then drops the scope.
struct PollAtExit {
    scope: Pin<Box<task::futures::TaskLocalFuture<String, std::future::Ready<ReportDrop>>>>,
    report: std::sync::mpsc::Sender<String>,
}

/// Sends, when dropped, whether `NAME` was readable then.
struct ReportDrop(std::sync::mpsc::Sender<String>);

impl Drop for ReportDrop {
    fn drop(&mut self) {
        let _ = self
            .0
            .send(format!("dropped, key readable: {}", NAME.try_get().is_ok()));
    }
}

impl Drop for PollAtExit {
    fn drop(&mut self) {
        let outcome = catch_unwind(AssertUnwindSafe(|| poll_once(self.scope.as_mut())));
        let message = match outcome {
            Ok(_) => "no panic".to_owned(),
            Err(payload) => panic_message(&*payload),
        };
        let _ = self.report.send(message);
        // `scope` is dropped next, with its inner future that was never polled.
    }
}

#[test]
fn a_scope_used_after_its_thread_local_is_destroyed() {
    thread_local! {
        static AT_EXIT: std::cell::RefCell<Option<PollAtExit>> =
            const { std::cell::RefCell::new(None) };
    }
    let (report, reports) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let inner = std::future::ready(ReportDrop(report.clone()));
        let scope = Box::pin(NAME.scope("late".to_owned(), inner));
        // Registered first, so destroyed last: after the key's own slot, which the scope below
        // registers.
        AT_EXIT.with(|slot| *slot.borrow_mut() = Some(PollAtExit { scope, report }));
        NAME.sync_scope("early".to_owned(), || assert_eq!(NAME.get(), "early"));
    })
    .join()
    .unwrap();
    // Polling it panics...
    assert_eq!(
        reports.recv().unwrap(),
        "cannot enter a task-local scope during or after destruction of the underlying \
         thread-local"
    );
    // ...and dropping it still drops the inner future, without the value.
    assert_eq!(reports.recv().unwrap(), "dropped, key readable: false");
}
