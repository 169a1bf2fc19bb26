//! The runtime context: what is allowed where, and the errors for misuse.

mod support;

use std::time::Duration;

use support::{panic_message, runtimes};
use zokio::runtime::{Builder, Runtime};

#[test]
fn blocking_recv_inside_unconstrained_panics_instead_of_deadlocking() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let err = rt
        .block_on(async {
            zokio::spawn(zokio::task::unconstrained(async {
                let (_tx, mut rx) = zokio::sync::mpsc::channel::<u8>(1);
                // No budget applies here, but the thread still drives the runtime.
                rx.blocking_recv()
            }))
            .await
        })
        .unwrap_err();
    assert!(err.is_panic());
    let message = panic_message(&*err.into_panic());
    assert!(
        message.contains("Cannot block the current thread"),
        "{message}"
    );
}

#[test]
fn blocking_recv_inside_a_custom_schedulers_task_panics() {
    use zokio::runtime::scheduler::GlobalFifo;
    let rt = Builder::new_multi_thread()
        .scheduler(|driver, threads| {
            let fifo: std::sync::Arc<dyn zokio::runtime::scheduler::Scheduler> =
                GlobalFifo::with_threads(1, driver, threads)?;
            Ok(fifo)
        })
        .enable_all()
        .build()
        .unwrap();
    let err = rt
        .block_on(async {
            zokio::spawn(async {
                let (_tx, rx) = zokio::sync::oneshot::channel::<u8>();
                rx.blocking_recv()
            })
            .await
        })
        .unwrap_err();
    assert!(err.is_panic());
}

#[test]
fn blocking_recv_is_allowed_in_spawn_blocking() {
    for (name, rt) in runtimes() {
        let got = rt.block_on(async {
            let (tx, mut rx) = zokio::sync::mpsc::channel::<u8>(1);
            let reader = zokio::task::spawn_blocking(move || rx.blocking_recv());
            tx.send(7).await.unwrap();
            reader.await.unwrap()
        });
        assert_eq!(got, Some(7), "{name}");
    }
}

#[test]
fn enter_guards_dropped_out_of_order_panic() {
    let a = Builder::new_current_thread().build().unwrap();
    let b = Builder::new_current_thread().build().unwrap();
    let outer = a.enter();
    let inner = b.enter();
    let err =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(outer))).unwrap_err();
    assert!(
        panic_message(&*err).contains("dropped out of order"),
        "{}",
        panic_message(&*err)
    );
    drop(inner);
}

#[test]
fn enter_guards_dropped_in_order_restore_the_outer_context() {
    let a = Builder::new_current_thread().build().unwrap();
    let b = Builder::new_current_thread().build().unwrap();
    let outer = a.enter();
    let inner = b.enter();
    drop(inner);
    // Back in `a`'s context: a task spawned now belongs to `a`.
    let handle = zokio::spawn(async { 5 });
    drop(outer);
    assert_eq!(a.block_on(handle).unwrap(), 5);
    assert!(zokio::runtime::Handle::try_current().is_err());
}

#[test]
fn dropping_a_runtime_inside_a_task_panics_with_what_to_do() {
    for (name, rt) in runtimes() {
        let err = rt
            .block_on(async {
                zokio::spawn(async {
                    let inner = Builder::new_current_thread().enable_all().build().unwrap();
                    drop(inner);
                })
                .await
            })
            .unwrap_err();
        let message = panic_message(&*err.into_panic());
        assert!(
            message.contains("Cannot drop a runtime in a context where blocking is not allowed"),
            "{name}: {message}"
        );
    }
}

#[test]
fn shutdown_background_inside_a_task_is_allowed() {
    for (name, rt) in runtimes() {
        let still_running = rt.block_on(async {
            let inner: Runtime = Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            inner.spawn(async { zokio::time::sleep(Duration::from_secs(3600)).await });
            inner.shutdown_background();
            // The outer runtime goes on.
            zokio::spawn(async { "still running" }).await.unwrap()
        });
        assert_eq!(still_running, "still running", "{name}");
    }
}

#[test]
fn dropping_a_runtime_inside_spawn_blocking_is_allowed() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    rt.block_on(async {
        zokio::task::spawn_blocking(|| {
            let inner = Builder::new_current_thread().build().unwrap();
            assert_eq!(inner.block_on(async { 3 }), 3);
            drop(inner);
        })
        .await
        .unwrap();
    });
}
