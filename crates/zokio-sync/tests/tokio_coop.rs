//! With the `tokio-coop` feature, zokio-sync spends Tokio's cooperative budget: a Tokio task looping
//! over an always-ready primitive yields now and then, so its neighbours on the same thread run.
//! (Without the feature the loop would run to the end before anyone else got the thread.)

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const MESSAGES: usize = 1_000;

/// Runs `consumer` on a current-thread Tokio runtime next to a task that raises a flag, and returns
/// how many iterations the consumer made before it saw the flag (or `MESSAGES` if never).
fn iterations_before_neighbour_ran<F, Fut>(consumer: F) -> usize
where
    F: FnOnce(Arc<AtomicBool>) -> Fut,
    Fut: std::future::Future<Output = usize> + 'static,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let flag = Arc::new(AtomicBool::new(false));
    let consumer = consumer(flag.clone());
    local.block_on(&rt, async move {
        let consumer = tokio::task::spawn_local(consumer);
        tokio::task::spawn_local(async move { flag.store(true, Ordering::SeqCst) });
        consumer.await.unwrap()
    })
}

#[test]
fn mpsc_receive_loop_yields_to_its_neighbour() {
    let seen = iterations_before_neighbour_ran(|flag| async move {
        let (tx, mut rx) = zokio_sync::mpsc::channel(MESSAGES);
        for i in 0..MESSAGES {
            tx.try_send(i).unwrap();
        }
        drop(tx);
        let mut received = 0;
        while let Some(i) = rx.recv().await {
            assert_eq!(i, received, "messages arrive in order");
            received += 1;
            if flag.load(Ordering::SeqCst) {
                return received;
            }
        }
        received
    });
    // Tokio's budget is 128 units per poll: the neighbour runs long before the end.
    assert!(seen <= 256, "consumer ran {seen} receives before yielding");
}

#[test]
fn semaphore_acquire_loop_yields_to_its_neighbour() {
    let seen = iterations_before_neighbour_ran(|flag| async move {
        let semaphore = zokio_sync::Semaphore::new(1);
        for i in 1..=MESSAGES {
            drop(semaphore.acquire().await.unwrap());
            if flag.load(Ordering::SeqCst) {
                return i;
            }
        }
        MESSAGES
    });
    assert!(seen <= 256, "acquired {seen} times before yielding");
}

#[test]
fn broadcast_receive_loop_yields_to_its_neighbour() {
    let seen = iterations_before_neighbour_ran(|flag| async move {
        let (tx, mut rx) = zokio_sync::broadcast::channel(MESSAGES);
        for i in 0..MESSAGES {
            tx.send(i).unwrap();
        }
        for i in 1..=MESSAGES {
            rx.recv().await.unwrap();
            if flag.load(Ordering::SeqCst) {
                return i;
            }
        }
        MESSAGES
    });
    assert!(seen <= 256, "received {seen} broadcasts before yielding");
}

#[test]
fn watch_wait_for_loop_yields_to_its_neighbour() {
    let seen = iterations_before_neighbour_ran(|flag| async move {
        let (_tx, mut rx) = zokio_sync::watch::channel(1);
        for i in 1..=MESSAGES {
            assert_eq!(*rx.wait_for(|v| *v == 1).await.unwrap(), 1);
            if flag.load(Ordering::SeqCst) {
                return i;
            }
        }
        MESSAGES
    });
    assert!(
        seen <= 256,
        "wait_for returned {seen} times before yielding"
    );
}

#[test]
fn watch_sender_closed_loop_yields_to_its_neighbour() {
    let seen = iterations_before_neighbour_ran(|flag| async move {
        let (tx, rx) = zokio_sync::watch::channel(1);
        drop(rx);
        for i in 1..=MESSAGES {
            tx.closed().await;
            if flag.load(Ordering::SeqCst) {
                return i;
            }
        }
        MESSAGES
    });
    assert!(seen <= 256, "closed returned {seen} times before yielding");
}

/// Like Tokio's, `select!` polls nothing once the task's budget is spent (it only checks, it
/// spends nothing itself).
#[test]
fn select_waits_while_tokios_budget_is_spent() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        std::future::poll_fn(|cx| {
            while tokio::task::coop::has_budget_remaining() {
                match tokio::task::coop::poll_proceed(cx) {
                    std::task::Poll::Ready(unit) => unit.made_progress(),
                    std::task::Poll::Pending => unreachable!("budget left"),
                }
            }
            let mut select = std::pin::pin!(async {
                zokio_sync::select! { v = std::future::ready(1) => v }
            });
            assert!(select.as_mut().poll(cx).is_pending());
            std::task::Poll::Ready(())
        })
        .await;
        // Back from the scheduler with a fresh budget.
        tokio::task::yield_now().await;
        assert_eq!(zokio_sync::select! { v = std::future::ready(1) => v }, 1);
    });
}
