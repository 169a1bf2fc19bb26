//! The handle-level surface of `mpsc`: the `try_*` reservation errors (full, closed, more than the
//! bound), owned permits dropped unused, weak senders' counts and clones, the receivers' capacity and
//! count queries, `poll_recv_many` from a hand-written poll loop, and the unbounded receiver's
//! queries.
#![cfg(not(loom))]

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

use common::hooks::counting_waker;
use zokio_sync::mpsc::{self, error::SendError, error::TrySendError};

#[test]
fn try_reserve_many_above_the_bound_is_full_even_on_an_empty_channel() {
    let (tx, _rx) = mpsc::channel::<u8>(2);
    // Tokio answers `Full` (not a panic, not `Closed`) for a request that can never fit.
    assert_eq!(tx.try_reserve_many(3).unwrap_err(), TrySendError::Full(()));
    assert_eq!(tx.capacity(), 2, "a refused request takes nothing");
    // At the bound it succeeds and takes every slot.
    let all = tx.try_reserve_many(2).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(tx.capacity(), 0);
}

#[test]
fn try_reserves_on_a_closed_channel_report_closed() {
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    rx.close();
    assert_eq!(
        tx.try_reserve_many(1).unwrap_err(),
        TrySendError::Closed(())
    );
    assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Closed(()));
    match tx.clone().try_reserve_owned() {
        Err(TrySendError::Closed(back)) => {
            assert!(
                back.same_channel(&tx),
                "the sender comes back with the error"
            );
            assert_eq!(tx.strong_count(), 2, "and is still a live handle");
        }
        other => panic!("expected Closed, got {:?}", other.map(|_| ())),
    }
    assert_eq!(tx.strong_count(), 1, "the returned sender was dropped");
}

#[test]
fn try_reserve_owned_on_a_full_channel_gives_the_sender_back() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    tx.try_send(1).unwrap();
    let back = match tx.clone().try_reserve_owned() {
        Err(TrySendError::Full(back)) => back,
        other => panic!("expected Full, got {:?}", other.map(|_| ())),
    };
    assert!(back.same_channel(&tx));
    assert_eq!(rx.try_recv(), Ok(1));
    // The returned sender is an ordinary sender.
    back.try_send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn reserve_owned_on_a_closed_channel_fails_and_drops_the_sender() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    rx.close();
    let err = futures_lite::future::block_on(tx.clone().reserve_owned()).unwrap_err();
    assert_eq!(err, SendError(()));
    assert_eq!(tx.strong_count(), 1, "the consumed sender was dropped");
}

#[test]
fn reserve_owned_cancelled_while_waiting_leaves_the_queue() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    tx.try_send(1).unwrap();
    let (waker, counts) = counting_waker();
    {
        let mut waiting = pin!(tx.clone().reserve_owned());
        assert!(
            waiting
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        assert_eq!(tx.strong_count(), 2, "the waiting future owns a sender");
    }
    assert_eq!(tx.strong_count(), 1, "cancelling dropped its sender");
    drop(waker);
    assert!(counts.dropped(), "and the queue let go of its waker");
    // The slot freed by the receive is not held for the cancelled waiter.
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.capacity(), 1);
    assert_eq!(counts.wakes(), 0);
}

#[test]
fn an_owned_permit_dropped_unused_returns_its_slot() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let permit = tx.clone().try_reserve_owned().unwrap();
    assert_eq!(tx.capacity(), 0);
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    assert_eq!(tx.strong_count(), 2, "the permit holds a sender");
    drop(permit);
    assert_eq!(tx.capacity(), 1, "the slot came back");
    assert_eq!(tx.strong_count(), 1, "and the sender went");
    tx.try_send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
    assert!(rx.try_recv().is_err(), "the dropped permit sent nothing");
}

#[test]
fn an_unused_owned_permit_wakes_a_waiting_sender_when_dropped() {
    let (tx, _rx) = mpsc::channel::<u8>(1);
    let permit = tx.clone().try_reserve_owned().unwrap();
    let (waker, counts) = counting_waker();
    let mut send = pin!(tx.send(5));
    assert!(
        send.as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );
    drop(permit);
    assert_eq!(
        counts.wakes(),
        1,
        "the returned slot went to the waiting sender"
    );
    assert_eq!(
        send.as_mut().poll(&mut Context::from_waker(&waker)),
        Poll::Ready(Ok(()))
    );
}

#[test]
fn weak_sender_counts_and_clones() {
    let (tx, rx) = mpsc::channel::<u8>(1);
    let weak = tx.downgrade();
    assert_eq!((weak.strong_count(), weak.weak_count()), (1, 1));
    let weak2 = weak.clone();
    assert_eq!(weak.weak_count(), 2, "a clone counts");
    assert_eq!(rx.sender_weak_count(), 2);
    let tx2 = weak2.upgrade().expect("a strong sender is alive");
    assert_eq!(weak.strong_count(), 2);
    assert_eq!(rx.sender_strong_count(), 2);
    drop((tx, tx2));
    assert_eq!(weak.strong_count(), 0);
    assert!(weak2.upgrade().is_none(), "no strong sender left");
    drop(weak2);
    assert_eq!(weak.weak_count(), 1);
    assert_eq!(rx.sender_weak_count(), 1);
    assert_eq!(rx.sender_strong_count(), 0);
}

#[test]
fn receiver_capacity_follows_buffered_messages_and_permits() {
    let (tx, mut rx) = mpsc::channel::<u8>(3);
    assert_eq!((rx.capacity(), rx.max_capacity()), (3, 3));
    tx.try_send(1).unwrap();
    let permit = tx.try_reserve().unwrap();
    assert_eq!(rx.capacity(), 1, "a message and a permit each take a slot");
    assert_eq!(rx.max_capacity(), 3);
    drop(permit);
    assert_eq!(rx.capacity(), 2);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.capacity(), 3);
}

#[test]
fn poll_recv_many_registers_the_waker_and_respects_the_limit() {
    let (tx, mut rx) = mpsc::channel::<u8>(8);
    let (waker, counts) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut buf = Vec::new();
    assert_eq!(rx.poll_recv_many(&mut cx, &mut buf, 2), Poll::Pending);
    for i in 1..=3 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(
        counts.wakes(),
        1,
        "the first send woke the registered waker"
    );
    assert_eq!(rx.poll_recv_many(&mut cx, &mut buf, 2), Poll::Ready(2));
    assert_eq!(buf, [1, 2], "no more than the limit");
    assert_eq!(rx.poll_recv_many(&mut cx, &mut buf, 2), Poll::Ready(1));
    assert_eq!(buf, [1, 2, 3], "appended, not overwritten");
    drop(tx);
    assert_eq!(
        rx.poll_recv_many(&mut cx, &mut buf, 2),
        Poll::Ready(0),
        "closed and drained"
    );
}

#[test]
fn unbounded_handle_queries() {
    let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
    let (other, _other_rx) = mpsc::unbounded_channel::<u8>();
    let tx2 = tx.clone();
    assert!(tx.same_channel(&tx2));
    assert!(!tx.same_channel(&other));
    let weak = tx.downgrade();
    assert_eq!((tx.strong_count(), tx.weak_count()), (2, 1));
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (2, 1));

    assert!(rx.is_empty());
    assert_eq!(rx.len(), 0);
    tx.send(1).unwrap();
    tx2.send(2).unwrap();
    assert_eq!(rx.len(), 2);
    assert!(!rx.is_empty());

    assert!(!rx.is_closed());
    drop((tx, tx2));
    assert!(rx.is_closed(), "every strong sender left");
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.len(), 2, "buffered messages survive the senders");
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert!(rx.is_empty());

    let (_tx, mut rx) = mpsc::unbounded_channel::<u8>();
    assert!(!rx.is_closed());
    rx.close();
    assert!(
        rx.is_closed(),
        "closed by the receiver while a sender lives"
    );
}
