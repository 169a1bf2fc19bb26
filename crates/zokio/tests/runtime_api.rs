//! The runtime's identity and hooks: names, ids, `try_current`, park hooks, unhandled panics.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::{DropCounter, finishes_within};
use zokio::runtime::{Builder, Handle, Runtime, UnhandledPanic};

fn flavours() -> [fn() -> Builder; 2] {
    [Builder::new_current_thread, || {
        let mut b = Builder::new_multi_thread();
        b.worker_threads(2);
        b
    }]
}

#[test]
fn a_named_runtime_reports_its_name_everywhere() {
    for flavour in flavours() {
        let rt = flavour().name("orders").enable_all().build().unwrap();
        assert_eq!(rt.handle().name(), Some("orders"));
        let (in_block_on, in_task) = rt.block_on(async {
            let here = Handle::current().name().map(str::to_owned);
            let there = zokio::spawn(async { Handle::current().name().map(str::to_owned) })
                .await
                .unwrap();
            (here, there)
        });
        assert_eq!(in_block_on.as_deref(), Some("orders"));
        assert_eq!(in_task.as_deref(), Some("orders"));
    }
    let unnamed = Builder::new_current_thread().build().unwrap();
    assert_eq!(unnamed.handle().name(), None);
}

#[test]
#[should_panic(expected = "a runtime name must not be empty")]
fn an_empty_runtime_name_is_refused() {
    Builder::new_current_thread().name(" ");
}

#[test]
fn runtime_ids_differ_between_live_runtimes_and_agree_inside_one() {
    for flavour in flavours() {
        let a = flavour().build().unwrap();
        let b = flavour().build().unwrap();
        assert_ne!(a.handle().id(), b.handle().id());
        let inside = a.block_on(async { zokio::spawn(async { Handle::current().id() }).await });
        assert_eq!(inside.unwrap(), a.handle().id());
        assert_eq!(a.handle().id().to_string(), format!("{}", a.handle().id()));
    }
}

#[test]
fn try_current_says_why_there_is_no_runtime() {
    let err = Handle::try_current().unwrap_err();
    assert!(err.is_missing_context());
    assert!(!err.is_thread_local_destroyed());
    assert!(err.to_string().contains("no reactor running"), "{err}");
    let rt = Builder::new_current_thread().build().unwrap();
    let guard = rt.enter();
    assert_eq!(Handle::try_current().unwrap().id(), rt.handle().id());
    drop(guard);
    assert!(Handle::try_current().is_err());
}

#[test]
fn park_hooks_run_around_every_idle_park() {
    for flavour in flavours() {
        let parks = Arc::new(AtomicUsize::new(0));
        let unparks = Arc::new(AtomicUsize::new(0));
        let (p, u) = (parks.clone(), unparks.clone());
        let rt = flavour()
            .enable_all()
            .on_thread_park(move || {
                p.fetch_add(1, Ordering::SeqCst);
            })
            .on_thread_unpark(move || {
                u.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap();
        rt.block_on(async {
            // Each sleep leaves the runtime idle until its timer fires.
            for _ in 0..3 {
                zokio::spawn(zokio::time::sleep(Duration::from_millis(2)))
                    .await
                    .unwrap();
            }
        });
        drop(rt);
        let (parks, unparks) = (parks.load(Ordering::SeqCst), unparks.load(Ordering::SeqCst));
        assert!(parks >= 3, "{parks} parks");
        // Every park that ended was announced; a worker may still be asleep when shutdown stops it.
        assert!(
            unparks <= parks && parks - unparks <= 2,
            "{parks} parks, {unparks} unparks"
        );
    }
}

#[test]
fn unhandled_panic_shutdown_cancels_every_task_and_block_on_panics() {
    for flavour in flavours() {
        finishes_within(Duration::from_secs(30), "unhandled panic", move || {
            let drops = DropCounter::default();
            let token = drops.token();
            let rt = flavour()
                .enable_all()
                .unhandled_panic(UnhandledPanic::ShutdownRuntime)
                .build()
                .unwrap();
            let rt = Arc::new(rt);
            let inner = Arc::clone(&rt);
            let outcome = std::panic::catch_unwind(move || {
                inner.block_on(async move {
                    zokio::spawn(async move {
                        let _token = token;
                        std::future::pending::<()>().await
                    });
                    zokio::task::yield_now().await;
                    zokio::spawn(async { panic!("task failed") });
                    std::future::pending::<()>().await
                })
            });
            let message = support::panic_message(&*outcome.unwrap_err());
            assert!(
                message.contains("configured to shut down on unhandled panic"),
                "{message}"
            );
            // The idle task was cancelled (its future dropped), before the runtime itself goes.
            support::wait_for("the idle task's drop", || drops.count() == 1);
            // The runtime stays stopped: new tasks are cancelled without running, and every
            // later `block_on` panics too.
            let late = rt.spawn(async { "ran" });
            let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                rt.block_on(async { "block_on ran" })
            }));
            assert!(again.is_err());
            drop(rt);
            let other = Builder::new_current_thread().build().unwrap();
            assert!(other.block_on(late).unwrap_err().is_cancelled());
        });
    }
}

#[test]
fn by_default_a_panicking_task_leaves_the_runtime_running() {
    for flavour in flavours() {
        let rt = flavour().build().unwrap();
        let after = rt.block_on(async {
            let err = zokio::spawn(async { panic!("task failed") })
                .await
                .unwrap_err();
            assert!(err.is_panic());
            zokio::spawn(async { 5 }).await.unwrap()
        });
        assert_eq!(after, 5);
    }
}

#[test]
fn runtime_and_handle_are_unwind_safe() {
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    unwind_safe::<Runtime>();
    unwind_safe::<Handle>();
}

#[test]
fn the_runtime_context_still_works_while_the_thread_is_torn_down() {
    /// At thread exit (dropped by the thread-local below, after the runtime's own state is gone):
    /// reports what `try_current` says, then enters the runtime and asks again.
    struct AskAtExit(Handle, std::sync::mpsc::Sender<(bool, bool, bool)>);
    impl Drop for AskAtExit {
        fn drop(&mut self) {
            let missing = Handle::try_current().is_err_and(|err| err.is_missing_context());
            let destroyed = Handle::try_current().is_err_and(|err| err.is_thread_local_destroyed());
            let entered = {
                let _guard = self.0.enter();
                Handle::try_current().is_ok()
            };
            let _ = self.1.send((missing, destroyed, entered));
        }
    }
    thread_local! {
        static AT_EXIT: std::cell::RefCell<Option<AskAtExit>> =
            const { std::cell::RefCell::new(None) };
    }
    let (report, reports) = std::sync::mpsc::channel();
    let rt = Builder::new_current_thread().build().unwrap();
    let handle = rt.handle().clone();
    std::thread::spawn(move || {
        AT_EXIT.with(|slot| *slot.borrow_mut() = Some(AskAtExit(handle, report)));
    })
    .join()
    .unwrap();
    let (missing, destroyed, entered) = reports.recv().expect("the destructor ran");
    // Unlike Tokio's, zokio's context is never destroyed: `enter` works at thread exit too.
    assert!(missing);
    assert!(!destroyed);
    assert!(entered);
}

#[test]
fn a_second_panic_while_shutting_down_is_reported_through_its_handle() {
    use std::future::Future;
    finishes_within(Duration::from_secs(30), "second panic", || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .unhandled_panic(UnhandledPanic::ShutdownRuntime)
            .build()
            .unwrap();
        let (started, starts) = std::sync::mpsc::channel::<()>();
        let (go, gone) = std::sync::mpsc::channel::<()>();
        // Holds one worker until the runtime is shutting down, then panics too.
        let mut second = rt.spawn(async move {
            started.send(()).unwrap();
            let _ = gone.recv_timeout(Duration::from_secs(20));
            panic!("second panic");
        });
        starts.recv().unwrap();
        let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                // On the other worker.
                zokio::spawn(async { panic!("first panic") });
                std::future::pending::<()>().await
            })
        }));
        let message = support::panic_message(&*first.unwrap_err());
        assert!(
            message.contains("configured to shut down on unhandled panic"),
            "{message}"
        );
        go.send(()).unwrap();
        support::wait_for("the second task", || second.is_finished());
        // Its panic changes nothing for the runtime, and its handle reports it.
        let waker = std::task::Waker::noop();
        let polled =
            std::pin::Pin::new(&mut second).poll(&mut std::task::Context::from_waker(waker));
        let std::task::Poll::Ready(Err(err)) = polled else {
            panic!("the second task did not fail: {polled:?}");
        };
        assert_eq!(support::panic_message(&*err.into_panic()), "second panic");
        let again =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(async {})));
        assert!(again.is_err(), "the runtime stays stopped");
    });
}

#[test]
fn debug_output_names_the_runtime_kind() {
    let current = Builder::new_current_thread().build().unwrap();
    assert_eq!(
        format!("{current:?}"),
        "Runtime { kind: CurrentThread, .. }"
    );
    let multi = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    assert_eq!(format!("{multi:?}"), "Runtime { kind: MultiThread, .. }");
    let custom = Builder::new_multi_thread()
        .scheduler(|driver, threads| {
            let fifo: Arc<dyn zokio::runtime::scheduler::Scheduler> =
                zokio::runtime::scheduler::GlobalFifo::with_threads(1, driver, threads)?;
            Ok(fifo)
        })
        .build()
        .unwrap();
    assert_eq!(format!("{custom:?}"), "Runtime { kind: Custom, .. }");
    // Handles and guards show only their type: nothing in them is meant to be read.
    assert_eq!(format!("{:?}", current.handle()), "Handle { .. }");
    assert_eq!(format!("{:?}", current.enter()), "EnterGuard { .. }");
}
