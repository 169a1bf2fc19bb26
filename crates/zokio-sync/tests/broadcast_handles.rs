//! broadcast handles: `Sender::closed`, `Sender::new`, `WeakSender`, and the open/closed and
//! handle-count queries.
#![cfg(not(loom))]

mod common;

use common::{Exec, poll_once, yield_n};
use zokio_sync::broadcast;
use zokio_sync::broadcast::error::{RecvError, TryRecvError};

fn closed_waits_for_the_last_receiver<E: Exec>() {
    E::block_on(async {
        let (tx, rx1) = broadcast::channel::<u32>(4);
        let rx2 = tx.subscribe();
        let waiter = {
            let tx = tx.clone();
            E::spawn(async move {
                tx.closed().await;
                tx.receiver_count()
            })
        };
        drop(rx1);
        yield_n(10).await;
        let mut closed = Box::pin(tx.closed());
        assert!(poll_once(&mut closed).is_none(), "one receiver is left");
        drop(rx2);
        // The spawned waiter wakes; at that point no receiver exists.
        assert_eq!(waiter.await, 0);
        assert!(poll_once(&mut closed).is_some());
    });
}

fn closed_is_cancel_safe<E: Exec>() {
    E::block_on(async {
        let (tx, rx) = broadcast::channel::<u32>(4);
        let mut first = Box::pin(tx.closed());
        let mut second = Box::pin(tx.closed());
        assert!(poll_once(&mut first).is_none());
        assert!(poll_once(&mut second).is_none());
        drop(first);
        let tx2 = tx.clone();
        let waiter = E::spawn(async move { tx2.closed().await });
        yield_n(5).await;
        drop(rx);
        waiter.await;
        assert!(poll_once(&mut second).is_some());
    });
}

fn sender_new_starts_closed_and_subscribe_reopens<E: Exec>() {
    E::block_on(async {
        let tx = broadcast::Sender::<u32>::new(2);
        assert_eq!(tx.receiver_count(), 0);
        tx.closed().await;
        assert_eq!(tx.send(1).unwrap_err().0, 1);
        let mut rx = tx.subscribe();
        let mut closed = Box::pin(tx.closed());
        assert!(poll_once(&mut closed).is_none(), "a receiver reopened it");
        assert_eq!(tx.send(2), Ok(1));
        assert_eq!(rx.recv().await, Ok(2));
        drop(rx);
        closed.await;
    });
}

fn weak_sender_does_not_keep_the_channel_open<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = broadcast::channel(4);
        let weak = tx.downgrade();
        let weak2 = weak.clone();
        assert_eq!((tx.strong_count(), tx.weak_count()), (1, 2));
        assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (1, 2));
        let upgraded = weak.upgrade().expect("a strong sender is alive");
        assert_eq!(weak.strong_count(), 2);
        upgraded.send(7).unwrap();
        drop(upgraded);
        drop(weak2);
        assert_eq!((weak.strong_count(), weak.weak_count()), (1, 1));
        let receiver = E::spawn(async move {
            let first = rx.recv().await;
            let second = rx.recv().await;
            (first, second, rx.recv().await, rx.is_closed())
        });
        yield_n(5).await;
        assert_eq!(tx.send(8).unwrap(), 1);
        drop(tx);
        // Only the weak sender is left: the receiver drains and sees the end.
        assert_eq!(receiver.await, (Ok(7), Ok(8), Err(RecvError::Closed), true));
        assert!(weak.upgrade().is_none(), "the last strong sender is gone");
        assert_eq!(weak.strong_count(), 0);
    });
}

exec_tests!(
    closed_waits_for_the_last_receiver,
    closed_is_cancel_safe,
    sender_new_starts_closed_and_subscribe_reopens,
    weak_sender_does_not_keep_the_channel_open,
);

#[test]
fn receiver_is_closed_once_every_strong_sender_left() {
    let (tx, mut rx) = broadcast::channel(2);
    let tx2 = tx.clone();
    let weak = tx.downgrade();
    tx.send(1).unwrap();
    drop(tx);
    assert!(!rx.is_closed(), "tx2 is still alive");
    drop(tx2);
    assert!(rx.is_closed(), "a weak sender does not count");
    assert_eq!(rx.sender_strong_count(), 0);
    assert_eq!(rx.sender_weak_count(), 1);
    // Closed, yet the buffered value is still delivered.
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    drop(weak);
    assert_eq!(rx.sender_weak_count(), 0);
    let mut late = rx.resubscribe();
    assert!(late.is_closed());
    assert_eq!(
        futures_lite::future::block_on(late.recv()),
        Err(RecvError::Closed)
    );
}

#[test]
fn closed_completes_at_once_without_receivers() {
    let (tx, rx) = broadcast::channel::<u8>(1);
    drop(rx);
    let mut closed = Box::pin(tx.closed());
    assert!(poll_once(&mut closed).is_some());
    assert!(tx.send(1).is_err());
}

#[test]
fn same_channel_and_len_of_each_receiver() {
    let (tx, mut rx) = broadcast::channel::<u8>(2);
    let (other_tx, other_rx) = broadcast::channel::<u8>(2);
    assert!(tx.same_channel(&tx.clone()));
    assert!(!tx.same_channel(&other_tx));
    assert!(rx.same_channel(&tx.subscribe()));
    assert!(rx.same_channel(&rx.resubscribe()));
    assert!(!rx.same_channel(&other_rx));

    assert!(rx.is_empty());
    tx.send(1).unwrap();
    let mut late = tx.subscribe();
    assert!(late.is_empty(), "a new receiver starts after what was sent");
    assert_eq!((rx.len(), rx.is_empty()), (1, false));
    tx.send(2).unwrap();
    tx.send(3).unwrap();
    // Like Tokio, `len` counts every value sent since this receiver's position, even those it
    // has lagged past.
    assert_eq!(rx.len(), 3);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
    assert_eq!(rx.len(), 2);
    assert_eq!(late.len(), 2);
    assert_eq!((late.try_recv(), late.try_recv()), (Ok(2), Ok(3)));
    assert!(late.is_empty());
    assert!(!rx.is_empty(), "each receiver has its own position");
}

#[test]
fn a_receiver_waits_again_after_each_value_and_is_woken_each_time() {
    use std::future::Future;
    use std::task::{Context, Poll};

    let (tx, mut rx) = broadcast::channel::<u8>(2);
    let (waker, counts) = common::hooks::counting_waker();
    let mut cx = Context::from_waker(&waker);
    for round in 1..=3u8 {
        {
            let mut recv = std::pin::pin!(rx.recv());
            assert!(recv.as_mut().poll(&mut cx).is_pending(), "round {round}");
            assert_eq!(counts.wakes(), usize::from(round) - 1);
            tx.send(round).unwrap();
            assert_eq!(counts.wakes(), usize::from(round), "woken in round {round}");
            assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Ok(round)));
        }
    }
}
