//! `oneshot::Receiver::is_empty`, the handle counts of `WeakUnboundedSender`, and the unbounded
//! receiver's `blocking_recv_many` and `poll_recv_many`.
#![cfg(not(loom))]

mod common;

use std::task::{Context, Poll, Waker};

use common::hooks::counting_waker;
use zokio_sync::{mpsc, oneshot};

#[test]
fn oneshot_is_empty_until_a_value_waits_and_after_it_is_taken() {
    let (tx, mut rx) = oneshot::channel::<String>();
    assert!(rx.is_empty());
    tx.send(String::from("v")).unwrap();
    assert!(!rx.is_empty());
    assert!(!rx.is_empty(), "asking does not take the value");
    assert_eq!(rx.try_recv().as_deref(), Ok("v"));
    assert!(rx.is_empty());
    assert!(rx.is_terminated());

    // Through `.await` too.
    let (tx, mut rx) = oneshot::channel();
    tx.send(3).unwrap();
    assert_eq!(futures_lite::future::block_on(&mut rx), Ok(3));
    assert!(rx.is_empty());
}

#[test]
fn oneshot_is_empty_when_nothing_can_arrive() {
    let (tx, rx) = oneshot::channel::<u8>();
    drop(tx);
    assert!(rx.is_empty(), "the sender left without a value");
    assert!(!rx.is_terminated(), "polling it still reports the error");
    assert!(futures_lite::future::block_on(rx).is_err());

    let (tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    assert!(rx.is_empty(), "closed before a value came");
    assert_eq!(tx.send(1), Err(1));
    assert!(rx.is_empty());

    // Closed after a value came: the value still waits.
    let (tx, mut rx) = oneshot::channel::<u8>();
    tx.send(2).unwrap();
    rx.close();
    assert!(!rx.is_empty());
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn weak_unbounded_sender_counts_every_handle() {
    let (tx, rx) = mpsc::unbounded_channel::<u8>();
    let weak = tx.downgrade();
    assert_eq!((weak.strong_count(), weak.weak_count()), (1, 1));
    let tx2 = tx.clone();
    let weak2 = weak.clone();
    assert_eq!((weak.strong_count(), weak.weak_count()), (2, 2));
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (2, 2));
    let upgraded = weak.upgrade().unwrap();
    assert_eq!(weak2.strong_count(), 3);
    drop((tx, tx2, upgraded));
    assert_eq!((weak.strong_count(), weak.weak_count()), (0, 2));
    assert!(weak.upgrade().is_none());
    drop(weak2);
    assert_eq!(weak.weak_count(), 1);
}

#[test]
fn unbounded_blocking_recv_many_takes_up_to_the_limit() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let producer = std::thread::spawn(move || {
        for i in 0..5 {
            tx.send(i).unwrap();
        }
    });
    let mut buffer = vec![100];
    let mut received = 0;
    while received < 5 {
        let n = rx.blocking_recv_many(&mut buffer, 2);
        assert!((1..=2).contains(&n), "at least one, at most the limit: {n}");
        received += n;
    }
    producer.join().unwrap();
    // Appended after what the buffer held.
    assert_eq!(buffer, [100, 0, 1, 2, 3, 4]);
    assert_eq!(
        rx.blocking_recv_many(&mut buffer, 2),
        0,
        "closed and drained"
    );
    assert_eq!(rx.blocking_recv_many(&mut buffer, 0), 0);
}

#[test]
fn unbounded_poll_recv_many_waits_then_wakes() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (waker, counts) = counting_waker();
    let mut buffer = Vec::new();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(rx.poll_recv_many(&mut cx, &mut buffer, 4), Poll::Pending);
    tx.send('a').unwrap();
    tx.send('b').unwrap();
    assert_eq!(counts.wakes(), 1);
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(rx.poll_recv_many(&mut cx, &mut buffer, 4), Poll::Ready(2));
    assert_eq!(buffer, ['a', 'b']);
    drop(tx);
    assert_eq!(rx.poll_recv_many(&mut cx, &mut buffer, 4), Poll::Ready(0));
}

#[test]
fn oneshot_receiver_closed_before_a_value_fails_when_awaited() {
    use std::future::Future;

    let (tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    assert!(tx.is_closed());
    assert_eq!(tx.send(1), Err(1), "the value comes back");
    assert!(futures_lite::future::block_on(&mut rx).is_err());
    assert!(rx.is_terminated(), "the error ended it");

    // The sender still alive changes nothing: a closed receiver waits for no value.
    let (tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    let (waker, counts) = counting_waker();
    let polled = std::pin::Pin::new(&mut rx).poll(&mut Context::from_waker(&waker));
    assert!(matches!(polled, Poll::Ready(Err(_))));
    assert_eq!(counts.wakes(), 0);
    drop(tx);
}
