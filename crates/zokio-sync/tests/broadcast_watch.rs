//! broadcast and watch channels.
#![cfg(not(loom))]

mod common;

use common::{Exec, poll_once};
use zokio_sync::broadcast::error::{RecvError, TryRecvError};
use zokio_sync::{broadcast, watch};

fn every_receiver_gets_every_value<E: Exec>() {
    E::block_on(async {
        let (tx, rx) = broadcast::channel(8);
        let receivers: Vec<_> = (0..4)
            .map(|_| {
                let mut rx = rx.resubscribe();
                E::spawn(async move {
                    let mut got = Vec::new();
                    loop {
                        match rx.recv().await {
                            Ok(v) => got.push(v),
                            Err(RecvError::Closed) => return got,
                            Err(RecvError::Lagged(n)) => panic!("lagged by {n}"),
                        }
                    }
                })
            })
            .collect();
        drop(rx);
        for i in 0..8 {
            assert_eq!(tx.send(i), Ok(4));
        }
        drop(tx);
        for receiver in receivers {
            assert_eq!(receiver.await, (0..8).collect::<Vec<_>>());
        }
    });
}

fn slow_receiver_lags_then_continues<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = broadcast::channel(2);
        for i in 0..5 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.len(), 5);
        assert_eq!(rx.recv().await, Err(RecvError::Lagged(3)));
        assert_eq!(rx.recv().await, Ok(3));
        assert_eq!(rx.try_recv(), Ok(4));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop(tx);
        assert_eq!(rx.recv().await, Err(RecvError::Closed));
    });
}

fn closed_channel_still_yields_buffered_values<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = broadcast::channel(4);
        tx.send("a").unwrap();
        tx.send("b").unwrap();
        drop(tx);
        assert_eq!(rx.recv().await, Ok("a"));
        assert_eq!(rx.recv().await, Ok("b"));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

fn send_without_receivers_returns_the_value<E: Exec>() {
    E::block_on(async {
        let (tx, rx) = broadcast::channel(1);
        drop(rx);
        assert_eq!(tx.send(7).unwrap_err().0, 7);
        let mut late = tx.subscribe();
        assert_eq!(tx.receiver_count(), 1);
        tx.send(8).unwrap();
        assert_eq!(late.recv().await, Ok(8));
    });
}

fn waiting_receiver_wakes_and_cancel_is_safe<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = broadcast::channel(4);
        {
            let mut recv = Box::pin(rx.recv());
            assert!(poll_once(&mut recv).is_none());
        }
        let waiter = E::spawn(async move { rx.recv().await });
        futures_lite::future::yield_now().await;
        tx.send(1).unwrap();
        assert_eq!(waiter.await, Ok(1));
    });
}

fn watch_sees_latest_value_and_changes<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = watch::channel(0);
        assert!(!rx.has_changed().unwrap());
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        assert!(rx.borrow().has_changed());
        rx.changed().await.unwrap();
        assert_eq!(*rx.borrow_and_update(), 2, "only the latest value is kept");
        let mut changed = Box::pin(async {
            rx.changed().await.unwrap();
            *rx.borrow_and_update()
        });
        assert!(poll_once(&mut changed).is_none());
        tx.send_modify(|v| *v += 10);
        assert_eq!(changed.await, 12);
        assert_eq!(tx.send_replace(20), 12);
        let mut late = tx.subscribe();
        assert!(
            !late.has_changed().unwrap(),
            "subscribe marks the current value seen"
        );
        late.mark_changed();
        late.changed().await.unwrap();
        assert!(!tx.send_if_modified(|_| false));
        assert!(!late.has_changed().unwrap());
    });
}

fn watch_reports_closing<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = watch::channel("a");
        let waiter = E::spawn(async move {
            // Returns (and drops the receiver) once the value is "c".
            *rx.wait_for(|v| *v == "c").await.unwrap()
        });
        tx.send("b").unwrap();
        tx.send("c").unwrap();
        tx.closed().await; // Waits for the receiver to go away.
        assert!(tx.is_closed());
        assert_eq!(waiter.await, "c");
        assert_eq!(tx.send("d").unwrap_err().0, "d");

        let (tx, rx) = watch::channel(1);
        let mut rx2 = rx.clone();
        let end = E::spawn(async move {
            let mut rx = rx;
            rx.changed().await.map(|()| *rx.borrow())
        });
        tx.send(2).unwrap();
        drop(tx);
        // An unseen value is still reported before the end.
        assert!(rx2.changed().await.is_ok());
        assert!(rx2.changed().await.is_err());
        assert!(rx2.has_changed().is_err());
        assert_eq!(end.await, Ok(2));
    });
}

exec_tests!(
    every_receiver_gets_every_value,
    slow_receiver_lags_then_continues,
    closed_channel_still_yields_buffered_values,
    send_without_receivers_returns_the_value,
    waiting_receiver_wakes_and_cancel_is_safe,
    watch_sees_latest_value_and_changes,
    watch_reports_closing,
);

#[test]
fn broadcast_values_are_dropped_once_everyone_saw_them() {
    use std::sync::Arc;
    let value = Arc::new(());
    let (tx, mut a) = broadcast::channel(4);
    let mut b = tx.subscribe();
    tx.send(value.clone()).unwrap();
    tx.send(value.clone()).unwrap();
    assert_eq!(tx.len(), 2);
    assert_eq!(Arc::strong_count(&value), 3);
    drop(a.try_recv().unwrap());
    assert_eq!(
        Arc::strong_count(&value),
        3,
        "b has not seen the first value yet"
    );
    drop(b.try_recv().unwrap());
    assert_eq!(Arc::strong_count(&value), 2, "the first value is released");
    assert_eq!(tx.len(), 1);
    drop(a.try_recv().unwrap());
    // `b` leaves without taking the second value: it stops counting, the value is released.
    drop(b);
    assert_eq!(Arc::strong_count(&value), 1);
    assert!(tx.is_empty());
    // A receiver that subscribes later does not hold values sent before.
    let mut late = tx.subscribe();
    tx.send(value.clone()).unwrap();
    drop(a.try_recv().unwrap());
    assert_eq!(Arc::strong_count(&value), 2, "still waiting for `late`");
    drop(late.try_recv().unwrap());
    assert_eq!(Arc::strong_count(&value), 1);
}
