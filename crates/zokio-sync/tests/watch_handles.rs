//! `watch` handles: a sender made without a receiver, the counts and `same_channel` of both ends,
//! `mark_unchanged` (and a `changed` future that then waits), and a `send_modify` closure that
//! panics: the panic reaches the caller, receivers are not told of a change, and the channel keeps
//! working (its value lock is not left poisoned).
#![cfg(not(loom))]

mod common;

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::task::{Context, Poll};

use common::hooks::counting_waker;
use zokio_sync::watch;

#[test]
fn a_sender_made_alone_starts_closed_and_subscribe_opens_it() {
    let tx = watch::Sender::new(String::from("init"));
    assert_eq!(tx.receiver_count(), 0);
    assert!(tx.is_closed());
    assert_eq!(tx.send(String::from("lost")).unwrap_err().0, "lost");
    let rx = tx.subscribe();
    assert_eq!(*rx.borrow(), "init", "a refused send stored nothing");
    assert!(!tx.is_closed());
    tx.send(String::from("seen")).unwrap();
    assert_eq!(*rx.borrow(), "seen");
}

#[test]
fn counts_and_same_channel() {
    let (tx, rx) = watch::channel(0);
    let (other_tx, other_rx) = watch::channel(0);
    assert_eq!(tx.sender_count(), 1);
    let tx2 = tx.clone();
    assert_eq!((tx.sender_count(), tx2.sender_count()), (2, 2));
    assert!(tx.same_channel(&tx2));
    assert!(!tx.same_channel(&other_tx));
    let rx2 = rx.clone();
    assert!(rx.same_channel(&rx2));
    assert!(
        rx.same_channel(&tx.subscribe()),
        "a subscriber is on the same channel"
    );
    assert!(!rx.same_channel(&other_rx));
    drop(tx2);
    assert_eq!(tx.sender_count(), 1);
}

#[test]
fn mark_unchanged_skips_the_current_value_until_the_next_send() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    assert_eq!(rx.has_changed(), Ok(true));
    rx.mark_unchanged();
    assert_eq!(rx.has_changed(), Ok(false));
    assert_eq!(*rx.borrow(), 1, "the value itself is there to read");

    let (waker, counts) = counting_waker();
    {
        let mut changed = pin!(rx.changed());
        assert!(
            changed
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending(),
            "nothing unseen: it waits"
        );
        tx.send(2).unwrap();
        assert_eq!(counts.wakes(), 1);
        assert_eq!(
            changed.as_mut().poll(&mut Context::from_waker(&waker)),
            Poll::Ready(Ok(()))
        );
    }
    assert_eq!(rx.has_changed(), Ok(false), "`changed` marked it seen");
    assert_eq!(*rx.borrow_and_update(), 2);
}

#[test]
fn mark_unchanged_keeps_a_closed_channel_reported() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    drop(tx);
    rx.mark_unchanged();
    assert!(rx.has_changed().is_err(), "closing is not a value to skip");
    assert!(futures_lite::future::block_on(rx.changed()).is_err());
}

#[test]
fn a_panicking_send_modify_notifies_nobody_and_leaves_the_channel_usable() {
    let (tx, mut rx) = watch::channel(vec![1]);
    let (waker, counts) = counting_waker();
    let mut changed = pin!(rx.changed());
    assert!(
        changed
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );

    let panicked = catch_unwind(AssertUnwindSafe(|| {
        tx.send_modify(|v| {
            v.push(2);
            panic!("modify failed");
        })
    }));
    assert!(panicked.is_err(), "the closure's panic reaches the caller");
    assert_eq!(counts.wakes(), 0, "no receiver was told of a change");
    assert!(
        changed
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );

    // What the closure did before it panicked stays (as with Tokio), and every operation that takes
    // the value's lock still works.
    assert_eq!(*tx.borrow(), [1, 2]);
    assert_eq!(*tx.subscribe().borrow(), [1, 2]);
    assert!(!tx.send_if_modified(|_| false));
    tx.send_modify(|v| v.push(3));
    assert_eq!(counts.wakes(), 1);
    assert_eq!(
        changed.as_mut().poll(&mut Context::from_waker(&waker)),
        Poll::Ready(Ok(()))
    );
    assert_eq!(tx.send_replace(vec![0]), [1, 2, 3]);
    assert_eq!(format!("{tx:?}"), "watch::Sender { value: [0] }");
}
