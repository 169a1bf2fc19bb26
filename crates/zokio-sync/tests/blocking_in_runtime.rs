//! `blocking_*` methods refuse to block a zokio worker (which would deadlock a current-thread
//! runtime) and work from the blocking pool.
#![cfg(not(loom))]

use zokio_sync::mpsc;

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn blocking_recv_inside_a_zokio_task_panics_instead_of_deadlocking() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let err = rt.block_on(async {
        let (_tx, mut rx) = mpsc::channel::<u32>(1);
        zokio::spawn(async move { rx.blocking_recv() })
            .await
            .unwrap_err()
    });
    assert!(err.is_panic());
    let message = panic_message(err.into_panic());
    assert!(
        message.contains("Cannot block the current thread from within a runtime"),
        "{message}"
    );
}

#[test]
fn blocking_calls_work_from_spawn_blocking() {
    let rt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let got = rt.block_on(async {
        let (tx, mut rx) = mpsc::channel::<u32>(1);
        let consumer = zokio::task::spawn_blocking(move || rx.blocking_recv());
        zokio::task::spawn_blocking(move || tx.blocking_send(7).unwrap())
            .await
            .unwrap();
        consumer.await.unwrap()
    });
    assert_eq!(got, Some(7));
}

#[test]
fn blocking_lock_works_inside_block_in_place() {
    let rt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let value = rt.block_on(async {
        zokio::spawn(async {
            let mutex = zokio_sync::Mutex::new(3);
            zokio::task::block_in_place(|| *mutex.blocking_lock())
        })
        .await
        .unwrap()
    });
    assert_eq!(value, 3);
}
