//! mpsc: closing and dropping the receiver. A closed receiver ends (`recv` returns `None`) once no
//! reserved slot is left, so every way a slot comes back must wake it; reservations still waiting
//! at the close fail; a dropped receiver lets go of its waker and of every buffered message.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use common::hooks::{counting_waker, poll_with};
use zokio_sync::mpsc;

/// `rx.recv()` polled once with a counting waker: it must wait (a reserved slot is out).
macro_rules! pending_recv {
    ($rx:expr) => {{
        let (waker, counts) = counting_waker();
        assert!(
            $rx.poll_recv(&mut Context::from_waker(&waker)).is_pending(),
            "a reserved slot is still out"
        );
        counts
    }};
}

#[test]
fn closed_receiver_wakes_when_a_granted_reserve_is_cancelled() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let held = tx.try_reserve().unwrap();
    let mut reserve = Box::pin(tx.reserve());
    assert!(poll_with(&mut reserve, std::task::Waker::noop()).is_pending());
    // The slot goes to the queued reservation, which has not run since.
    drop(held);
    rx.close();
    let counts = pending_recv!(rx);
    drop(reserve);
    assert_eq!(
        counts.wakes(),
        1,
        "the slot came back: the receiver must look again"
    );
    assert_eq!(
        rx.poll_recv(&mut Context::from_waker(std::task::Waker::noop())),
        Poll::Ready(None)
    );
}

#[test]
fn closed_receiver_wakes_when_a_partly_granted_reserve_many_is_cancelled() {
    let (tx, mut rx) = mpsc::channel::<u32>(2);
    let held = tx.try_reserve().unwrap();
    let mut reserve = Box::pin(tx.reserve_many(2));
    // Takes the free slot and queues for the other.
    assert!(poll_with(&mut reserve, std::task::Waker::noop()).is_pending());
    rx.close();
    drop(held);
    // The reservation still holds a slot.
    let counts = pending_recv!(rx);
    drop(reserve);
    assert_eq!(counts.wakes(), 1);
    assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected));
}

#[test]
fn reserve_granted_before_close_fails_after_it_and_wakes_the_receiver() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let held = tx.try_reserve().unwrap();
    let (waker, reserve_counts) = counting_waker();
    let mut reserve = Box::pin(tx.reserve());
    assert!(poll_with(&mut reserve, &waker).is_pending());
    drop(held);
    assert_eq!(reserve_counts.wakes(), 1, "the slot was handed over");
    rx.close();
    let counts = pending_recv!(rx);
    assert!(
        matches!(poll_with(&mut reserve, &waker), Poll::Ready(Err(_))),
        "a reservation that had not returned before the close fails"
    );
    assert_eq!(counts.wakes(), 1, "its slot came back");
    assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected));
}

#[test]
fn send_queued_before_close_fails_after_it_and_hands_its_value_back() {
    let (tx, mut rx) = mpsc::channel::<String>(1);
    tx.try_send("first".into()).unwrap();
    let mut send = Box::pin(tx.send("second".into()));
    assert!(poll_with(&mut send, std::task::Waker::noop()).is_pending());
    // Receiving frees the slot for the queued send; then the receiver closes before it runs.
    assert_eq!(rx.try_recv().unwrap(), "first");
    rx.close();
    match poll_with(&mut send, std::task::Waker::noop()) {
        Poll::Ready(Err(error)) => assert_eq!(error.0, "second"),
        other => panic!("expected the value back, got {other:?}"),
    }
    drop(send);
    assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected));
}

#[test]
fn reserve_many_partly_granted_fails_after_close_and_wakes_the_receiver() {
    let (tx, mut rx) = mpsc::channel::<u32>(2);
    let held = tx.try_reserve().unwrap();
    let mut reserve = Box::pin(tx.reserve_many(2));
    assert!(poll_with(&mut reserve, std::task::Waker::noop()).is_pending());
    rx.close();
    drop(held);
    let counts = pending_recv!(rx);
    assert!(matches!(
        poll_with(&mut reserve, std::task::Waker::noop()),
        Poll::Ready(Err(_))
    ));
    assert_eq!(counts.wakes(), 1);
    assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected));
}

#[test]
fn dropping_a_bounded_receiver_drops_its_waker() {
    let (tx, mut rx) = mpsc::channel::<u32>(4);
    let (waker, counts) = counting_waker();
    assert!(rx.poll_recv(&mut Context::from_waker(&waker)).is_pending());
    drop(waker);
    assert!(
        !counts.dropped(),
        "the channel keeps the waker while the receiver waits"
    );
    drop(rx);
    assert!(
        counts.dropped(),
        "the sender is alive, but the waker is gone"
    );
    drop(tx);
}

#[test]
fn dropping_an_unbounded_receiver_drops_its_waker() {
    let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
    let (waker, counts) = counting_waker();
    assert!(rx.poll_recv(&mut Context::from_waker(&waker)).is_pending());
    drop(waker);
    drop(rx);
    assert!(counts.dropped());
    assert!(tx.send(1).is_err());
}

/// A message whose destructor counts itself and panics if `panics` is set.
struct Bomb {
    panics: bool,
    dropped: Arc<AtomicUsize>,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, Ordering::SeqCst);
        if self.panics {
            panic!("message destructor panicked");
        }
    }
}

/// Sends five messages (the second panics when dropped), drops the receiver with the sender still
/// alive, and checks that the panic reached the dropper and every message was dropped.
fn receiver_drop_drops_every_message(send: impl Fn(Bomb), drop_rx: impl FnOnce()) {
    let dropped = Arc::new(AtomicUsize::new(0));
    for i in 0..5 {
        send(Bomb {
            panics: i == 1,
            dropped: dropped.clone(),
        });
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(drop_rx));
    assert!(result.is_err(), "the destructor's panic propagates");
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        5,
        "every message was dropped"
    );
}

#[test]
fn dropping_a_small_bounded_receiver_drops_every_message_despite_a_panicking_one() {
    let (tx, rx) = mpsc::channel::<Bomb>(8);
    receiver_drop_drops_every_message(|bomb| tx.try_send(bomb).ok().unwrap(), || drop(rx));
    assert!(tx.is_closed());
}

#[test]
fn dropping_a_large_bounded_receiver_drops_every_message_despite_a_panicking_one() {
    // Past the preallocated-array limit: the block list holds the messages.
    let (tx, rx) = mpsc::channel::<Bomb>(10_000);
    receiver_drop_drops_every_message(|bomb| tx.try_send(bomb).ok().unwrap(), || drop(rx));
    assert_eq!(tx.capacity(), 10_000, "every slot came back");
}

#[test]
fn dropping_an_unbounded_receiver_drops_every_message_despite_a_panicking_one() {
    let (tx, rx) = mpsc::unbounded_channel::<Bomb>();
    receiver_drop_drops_every_message(|bomb| tx.send(bomb).ok().unwrap(), || drop(rx));
    assert!(tx.is_closed());
}
