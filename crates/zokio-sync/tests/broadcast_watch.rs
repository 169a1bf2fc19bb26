//! broadcast and watch channels.
#![cfg(not(loom))]

mod common;

use common::{Exec, poll_once};
use zokio_sync::broadcast::error::{RecvError, TryRecvError};
use zokio_sync::{broadcast, oneshot, watch};

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
        // The waiter registers its task's waker and says so before the value is sent, so the
        // send has to wake it (no reliance on how a yield orders the two tasks).
        let (waiting_tx, waiting_rx) = oneshot::channel();
        let waiter = E::spawn(async move {
            let mut recv = std::pin::pin!(rx.recv());
            std::future::poll_fn(|cx| {
                assert!(recv.as_mut().poll(cx).is_pending(), "nothing sent yet");
                std::task::Poll::Ready(())
            })
            .await;
            let _ = waiting_tx.send(());
            recv.await
        });
        waiting_rx.await.unwrap();
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

/// A broadcast value whose `clone` panics if `panics` is set; `token` counts the live copies.
#[derive(Debug)]
struct Fragile {
    id: u32,
    panics: bool,
    token: std::sync::Arc<()>,
}

impl Clone for Fragile {
    fn clone(&self) -> Fragile {
        if self.panics {
            panic!("clone of value {} failed", self.id);
        }
        Fragile {
            id: self.id,
            panics: false,
            token: self.token.clone(),
        }
    }
}

fn fragile(id: u32, panics: bool, token: &std::sync::Arc<()>) -> Fragile {
    Fragile {
        id,
        panics,
        token: token.clone(),
    }
}

fn try_recv_panics(rx: &mut broadcast::Receiver<Fragile>) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rx.try_recv())).is_err()
}

#[test]
fn broadcast_receiver_moves_past_a_value_whose_clone_panics() {
    let token = std::sync::Arc::new(());
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(fragile(1, true, &token)).unwrap();
    tx.send(fragile(2, false, &token)).unwrap();
    // The panic propagates once...
    assert!(try_recv_panics(&mut rx));
    // ...and the receiver continues with the next value, then reports what follows.
    assert_eq!(rx.try_recv().unwrap().id, 2);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
    drop(tx);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Closed);
}

#[test]
fn broadcast_recv_moves_past_a_value_whose_clone_panics() {
    let token = std::sync::Arc::new(());
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(fragile(1, true, &token)).unwrap();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        futures_lite::future::block_on(rx.recv())
    }));
    assert!(panicked.is_err());
    let mut recv = Box::pin(rx.recv());
    assert!(poll_once(&mut recv).is_none(), "nothing after the value");
    tx.send(fragile(2, false, &token)).unwrap();
    assert_eq!(poll_once(&mut recv).unwrap().unwrap().id, 2);
    drop(recv);
    drop(tx);
    assert_eq!(
        futures_lite::future::block_on(rx.recv()).unwrap_err(),
        RecvError::Closed
    );
}

#[test]
fn broadcast_value_whose_clone_panics_is_dropped_once_every_receiver_passed_it() {
    let token = std::sync::Arc::new(());
    let (tx, mut a) = broadcast::channel(4);
    let mut b = tx.subscribe();
    tx.send(fragile(1, true, &token)).unwrap();
    assert!(try_recv_panics(&mut a));
    assert_eq!(std::sync::Arc::strong_count(&token), 2, "b has not seen it");
    assert!(try_recv_panics(&mut b));
    assert_eq!(
        std::sync::Arc::strong_count(&token),
        1,
        "the value is released"
    );
    assert_eq!(tx.len(), 0);
    assert_eq!(a.try_recv().unwrap_err(), TryRecvError::Empty);
    assert_eq!(b.try_recv().unwrap_err(), TryRecvError::Empty);
}

#[test]
fn broadcast_receiver_lagging_onto_a_value_whose_clone_panics_moves_past_it() {
    let token = std::sync::Arc::new(());
    let (tx, mut rx) = broadcast::channel(2);
    for id in 0..4 {
        tx.send(fragile(id, id == 2, &token)).unwrap();
    }
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Lagged(2));
    assert!(try_recv_panics(&mut rx));
    assert_eq!(rx.try_recv().unwrap().id, 3);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
}
