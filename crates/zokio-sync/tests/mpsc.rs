//! mpsc and oneshot channels.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Exec, poll_once};
use zokio_sync::mpsc::error::{SendError, TryRecvError, TrySendError};
use zokio_sync::{mpsc, oneshot};

fn bounded_keeps_order_and_drains_after_senders_leave<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = mpsc::channel(4);
        let producer = E::spawn(async move {
            for i in 0..100 {
                tx.send(i).await.unwrap();
            }
        });
        let mut got = Vec::new();
        while let Some(i) = rx.recv().await {
            got.push(i);
        }
        producer.await;
        assert_eq!(got, (0..100).collect::<Vec<_>>());
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    });
}

fn failed_sends_give_the_value_back<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(String::from("a")).unwrap();
        match tx.try_send(String::from("b")) {
            Err(TrySendError::Full(value)) => assert_eq!(value, "b"),
            other => panic!("expected Full, got {other:?}"),
        }
        assert_eq!(tx.capacity(), 0);
        assert_eq!(tx.max_capacity(), 1);
        rx.close();
        assert!(tx.is_closed());
        assert_eq!(
            tx.send(String::from("c")).await,
            Err(SendError(String::from("c")))
        );
        assert_eq!(
            tx.try_send(String::from("d")).unwrap_err().into_inner(),
            "d"
        );
        // The buffered message still arrives after close.
        assert_eq!(rx.recv().await.as_deref(), Some("a"));
        assert_eq!(rx.recv().await, None);
    });
}

fn reserve_and_permits<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = mpsc::channel(2);
        let permit = tx.reserve().await.unwrap();
        let second = tx.try_reserve().unwrap();
        assert!(matches!(tx.try_reserve(), Err(TrySendError::Full(()))));
        drop(second); // Unused permit returns its slot.
        assert_eq!(tx.capacity(), 1);
        rx.close();
        // A permit reserved before close still delivers, and recv waits for it.
        let mut recv = Box::pin(async { rx.recv().await });
        assert!(poll_once(&mut recv).is_none());
        permit.send(9);
        assert_eq!(recv.await, Some(9));
        assert_eq!(rx.recv().await, None);

        let (tx, mut rx) = mpsc::channel(1);
        let owned = tx.clone().reserve_owned().await.unwrap();
        let sender = owned.send(1);
        assert!(sender.same_channel(&tx));
        assert_eq!(rx.recv().await, Some(1));
        let owned = tx.try_reserve_owned().unwrap();
        let tx = owned.release();
        assert_eq!(tx.capacity(), 1);
    });
}

fn dropped_send_future_passes_its_turn<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(0).await.unwrap();
        let tx = Arc::new(tx);
        let mut first = Box::pin({
            let tx = tx.clone();
            async move { tx.send(1).await }
        });
        let mut second = Box::pin({
            let tx = tx.clone();
            async move { tx.send(2).await }
        });
        assert!(poll_once(&mut first).is_none());
        assert!(poll_once(&mut second).is_none());
        assert_eq!(rx.recv().await, Some(0)); // Frees the slot for `first`...
        drop(first); // ...which gives it up.
        assert_eq!(poll_once(&mut second), Some(Ok(())));
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

fn dropped_recv_future_loses_nothing<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        {
            let mut recv = Box::pin(rx.recv());
            assert!(poll_once(&mut recv).is_none());
        }
        tx.send(5).unwrap();
        assert_eq!(rx.recv().await, Some(5));
    });
}

fn recv_many_and_len<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = mpsc::channel(16);
        for i in 0..10 {
            tx.send(i).await.unwrap();
        }
        assert_eq!(rx.len(), 10);
        let mut buffer = Vec::new();
        assert_eq!(rx.recv_many(&mut buffer, 4).await, 4);
        assert_eq!(rx.recv_many(&mut buffer, 100).await, 6);
        assert_eq!(buffer, (0..10).collect::<Vec<_>>());
        assert_eq!(rx.recv_many(&mut buffer, 0).await, 0);
        drop(tx);
        assert_eq!(rx.recv_many(&mut buffer, 4).await, 0);
        assert!(rx.is_closed() && rx.is_empty());
    });
}

fn weak_senders_do_not_keep_the_channel_open<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let weak = tx.downgrade();
        assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
        let strong = weak.upgrade().unwrap();
        drop(tx);
        strong.send(3).await.unwrap();
        drop(strong);
        assert!(weak.upgrade().is_none());
        assert_eq!(rx.recv().await, Some(3));
        assert_eq!(rx.recv().await, None);
    });
}

fn unbounded_closes_and_drains<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let tx2 = tx.clone();
        tx.send(1).unwrap();
        tx2.send(2).unwrap();
        rx.close();
        assert_eq!(tx.send(3), Err(SendError(3)));
        tx.closed().await;
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.recv().await, None);
    });
}

fn receiver_drop_drops_buffered_messages<E: Exec>() {
    E::block_on(async {
        struct Counted(Arc<AtomicUsize>);
        impl Drop for Counted {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel(8);
        for _ in 0..3 {
            tx.send(Counted(drops.clone())).await.unwrap();
        }
        let closed = {
            let tx = tx.clone();
            E::spawn(async move { tx.closed().await })
        };
        drop(rx);
        closed.await;
        assert_eq!(drops.load(Ordering::SeqCst), 3);
        let rejected = tx.send(Counted(drops.clone())).await.unwrap_err();
        drop(rejected);
        assert_eq!(drops.load(Ordering::SeqCst), 4);
    });
}

#[test]
fn blocking_send_and_recv_between_threads() {
    let (tx, mut rx) = mpsc::channel(2);
    let producer = std::thread::spawn(move || {
        for i in 0..1000 {
            tx.blocking_send(i).unwrap();
        }
    });
    let mut sum = 0u64;
    while let Some(i) = rx.blocking_recv() {
        sum += i;
    }
    producer.join().unwrap();
    assert_eq!(sum, 999 * 1000 / 2);
}

#[test]
fn recv_spends_the_coop_budget() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..3 {
        tx.send(i).unwrap();
    }
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    zokio_coop::with_budget(zokio_coop::Budget::units(2), || {
        assert_eq!(rx.poll_recv(&mut cx), std::task::Poll::Ready(Some(0)));
        assert_eq!(rx.poll_recv(&mut cx), std::task::Poll::Ready(Some(1)));
        assert!(rx.poll_recv(&mut cx).is_pending(), "budget spent");
    });
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
#[should_panic(expected = "buffer > 0")]
fn zero_capacity_panics() {
    let _ = mpsc::channel::<()>(0);
}

fn oneshot_delivers_across_tasks<E: Exec>() {
    E::block_on(async {
        let (tx, rx) = oneshot::channel();
        let sender = E::spawn(async move { tx.send(String::from("hi")).unwrap() });
        assert_eq!(rx.await.unwrap(), "hi");
        sender.await;
    });
}

fn oneshot_errors_and_close<E: Exec>() {
    E::block_on(async {
        let (tx, rx) = oneshot::channel::<u8>();
        drop(tx);
        assert!(rx.await.is_err());

        let (tx, rx) = oneshot::channel();
        drop(rx);
        assert_eq!(tx.send(4), Err(4));

        let (tx, mut rx) = oneshot::channel();
        assert_eq!(rx.try_recv(), Err(oneshot::error::TryRecvError::Empty));
        tx.send(1).unwrap();
        rx.close();
        assert_eq!(rx.try_recv(), Ok(1), "a value sent before close is kept");

        let (mut tx, mut rx) = oneshot::channel::<u8>();
        let waiter = E::spawn(async move {
            tx.closed().await;
            tx.is_closed()
        });
        rx.close();
        assert!(waiter.await);
        assert_eq!(rx.try_recv(), Err(oneshot::error::TryRecvError::Closed));
    });
}

fn oneshot_receiver_is_cancel_safe<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = oneshot::channel();
        assert!(poll_once(&mut rx).is_none());
        assert!(poll_once(&mut rx).is_none());
        tx.send(8).unwrap();
        assert_eq!(poll_once(&mut rx), Some(Ok(8)));
    });
}

exec_tests!(
    bounded_keeps_order_and_drains_after_senders_leave,
    failed_sends_give_the_value_back,
    reserve_and_permits,
    dropped_send_future_passes_its_turn,
    dropped_recv_future_loses_nothing,
    recv_many_and_len,
    weak_senders_do_not_keep_the_channel_open,
    unbounded_closes_and_drains,
    receiver_drop_drops_buffered_messages,
    oneshot_delivers_across_tasks,
    oneshot_errors_and_close,
    oneshot_receiver_is_cancel_safe,
);

/// Under zokio's scheduler a task draining an always-ready channel spends its budget and yields,
/// so another task on the same thread gets to run long before the channel is empty.
#[test]
fn recv_loop_yields_under_zokio_budget() {
    use std::sync::atomic::AtomicBool;
    let runtime = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let first_seen = runtime.block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        for i in 0..10_000u32 {
            tx.send(i).unwrap();
        }
        let flag = Arc::new(AtomicBool::new(false));
        let consumer = {
            let flag = flag.clone();
            zokio::spawn(async move {
                let mut first_seen = None;
                for i in 0..10_000u32 {
                    assert_eq!(rx.recv().await, Some(i));
                    if first_seen.is_none() && flag.load(Ordering::SeqCst) {
                        first_seen = Some(i);
                    }
                }
                first_seen
            })
        };
        // Spawned after the consumer: it only runs early if the consumer yields.
        let other = zokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
        other.await.unwrap();
        consumer.await.unwrap()
    });
    let first_seen = first_seen.expect("the other task ran before the channel was drained");
    assert!(
        first_seen < 1_000,
        "consumer yielded only after {first_seen} messages"
    );
}

#[test]
fn reserve_many_hands_out_and_returns_slots() {
    futures_lite::future::block_on(async {
        let (tx, mut rx) = mpsc::channel(4);
        let mut permits = tx.reserve_many(3).await.unwrap();
        assert_eq!(permits.len(), 3);
        assert_eq!(tx.capacity(), 1);
        permits.next().unwrap().send(1);
        permits.next().unwrap().send(2);
        drop(permits); // The third slot comes back.
        assert_eq!(tx.capacity(), 2);
        assert!(matches!(
            tx.try_reserve_many(3),
            Err(TrySendError::Full(()))
        ));
        assert!(tx.reserve_many(5).await.is_err(), "more than the capacity");
        assert_eq!(tx.try_reserve_many(0).unwrap().count(), 0);
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(tx.capacity(), 4);
    });
}

/// Polls `rx` once more after it completed and returns the panic message, if it panicked.
fn oneshot_poll_again_panics(rx: &mut oneshot::Receiver<u8>) -> Option<String> {
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| poll_once(rx))).err()?;
    Some(
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    )
}

#[test]
fn oneshot_receiver_polled_after_completion_panics() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    tx.send(1).unwrap();
    assert_eq!(poll_once(&mut rx), Some(Ok(1)));
    assert!(rx.is_terminated());
    let message = oneshot_poll_again_panics(&mut rx).expect("a second poll panics");
    assert!(message.contains("called after complete"), "{message}");

    // Also after the error...
    let (tx, mut rx) = oneshot::channel::<u8>();
    drop(tx);
    assert!(matches!(poll_once(&mut rx), Some(Err(_))));
    assert!(oneshot_poll_again_panics(&mut rx).is_some());

    // ...and after `try_recv` ended it, with the value or closed.
    let (tx, mut rx) = oneshot::channel::<u8>();
    tx.send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
    assert!(oneshot_poll_again_panics(&mut rx).is_some());
    let (_tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    assert_eq!(rx.try_recv(), Err(oneshot::error::TryRecvError::Closed));
    assert!(rx.is_terminated());
    assert!(oneshot_poll_again_panics(&mut rx).is_some());
}
