//! The senders' `closed` futures of `mpsc` (bounded and unbounded) and `oneshot`, polled by hand:
//! pending while the receiver is open, woken once by `close` or by dropping the receiver, the
//! newest waker being the one woken, and a cancelled wait that holds on to nothing.
#![cfg(not(loom))]

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

use common::hooks::counting_waker;
use zokio_sync::{mpsc, oneshot};

#[test]
fn mpsc_closed_waits_for_the_receiver_to_close() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let (waker, counts) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut closed = pin!(tx.closed());
    assert!(closed.as_mut().poll(&mut cx).is_pending());
    tx.try_send(1).unwrap();
    assert!(
        closed.as_mut().poll(&mut cx).is_pending(),
        "a send does not close it"
    );
    assert_eq!(counts.wakes(), 0);
    rx.close();
    assert_eq!(counts.wakes(), 1);
    assert_eq!(closed.as_mut().poll(&mut cx), Poll::Ready(()));
    // Closed now: a new wait completes at once, and the buffered message is still there.
    assert_eq!(pin!(tx.closed()).poll(&mut cx), Poll::Ready(()));
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn unbounded_closed_waits_for_the_receiver_to_drop() {
    let (tx, rx) = mpsc::unbounded_channel::<u8>();
    let (waker, counts) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut closed = pin!(tx.closed());
    assert!(closed.as_mut().poll(&mut cx).is_pending());
    drop(rx);
    assert_eq!(counts.wakes(), 1);
    assert_eq!(closed.as_mut().poll(&mut cx), Poll::Ready(()));
    assert!(tx.is_closed());
}

#[test]
fn a_cancelled_mpsc_closed_wait_lets_go_of_its_waker() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let (waker, counts) = counting_waker();
    {
        let mut closed = pin!(tx.closed());
        assert!(
            closed
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
    }
    drop(waker);
    assert!(
        counts.dropped(),
        "the dropped wait left the queue with its waker"
    );
    rx.close();
    assert_eq!(counts.wakes(), 0, "nothing left to wake");
}

#[test]
fn oneshot_closed_is_woken_by_close_through_the_newest_waker() {
    let (mut tx, mut rx) = oneshot::channel::<u8>();
    let (old, old_counts) = counting_waker();
    let (new, new_counts) = counting_waker();
    assert!(tx.poll_closed(&mut Context::from_waker(&old)).is_pending());
    // Polled again with the same waker: nothing to replace.
    assert!(tx.poll_closed(&mut Context::from_waker(&old)).is_pending());
    // Polled from another task: its waker replaces the first.
    assert!(tx.poll_closed(&mut Context::from_waker(&new)).is_pending());
    drop(old);
    assert!(old_counts.dropped(), "the replaced waker was let go of");
    rx.close();
    assert_eq!((old_counts.wakes(), new_counts.wakes()), (0, 1));
    assert_eq!(
        tx.poll_closed(&mut Context::from_waker(&new)),
        Poll::Ready(())
    );
    assert!(tx.is_closed());
    assert_eq!(tx.send(5), Err(5));
}

#[test]
fn oneshot_closed_is_woken_when_the_receiver_drops() {
    let (mut tx, rx) = oneshot::channel::<u8>();
    let (waker, counts) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    {
        let mut closed = pin!(tx.closed());
        assert!(closed.as_mut().poll(&mut cx).is_pending());
    } // Cancelled: the sender can wait again.
    let mut closed = pin!(tx.closed());
    assert!(closed.as_mut().poll(&mut cx).is_pending());
    drop(rx);
    assert_eq!(counts.wakes(), 1);
    assert_eq!(closed.as_mut().poll(&mut cx), Poll::Ready(()));
}

#[test]
fn oneshot_receiver_woken_by_send_after_a_waker_change() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    let (old, old_counts) = counting_waker();
    let (new, new_counts) = counting_waker();
    assert!(
        pin!(&mut rx)
            .poll(&mut Context::from_waker(&old))
            .is_pending()
    );
    assert!(
        pin!(&mut rx)
            .poll(&mut Context::from_waker(&new))
            .is_pending()
    );
    tx.send(3).unwrap();
    assert_eq!((old_counts.wakes(), new_counts.wakes()), (0, 1));
    assert_eq!(
        pin!(&mut rx).poll(&mut Context::from_waker(&new)),
        Poll::Ready(Ok(3))
    );
}
