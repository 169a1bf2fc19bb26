//! Wake-ups of more waiters than one batch holds. A primitive collects the wakers to wake under its
//! lock into a fixed-size buffer, wakes them after releasing the lock, and goes back for the rest:
//! every waiter past the first batch must be woken too, exactly once, and see the right result.
#![cfg(not(loom))]

mod common;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use common::hooks::{Counts, counting_waker};
use zokio_sync::{Semaphore, broadcast};

/// More than the 32 wakers one batch holds, and not a multiple of it.
const WAITERS: usize = 75;

/// Polls every future once with its own counting waker; each must be pending.
fn park_all<F: Future + Unpin>(futures: &mut [F]) -> Vec<std::sync::Arc<Counts>> {
    futures
        .iter_mut()
        .map(|future| {
            let (waker, counts) = counting_waker();
            assert!(
                Pin::new(future)
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending()
            );
            counts
        })
        .collect()
}

#[test]
fn closing_a_semaphore_wakes_and_fails_every_waiter() {
    let sem = Semaphore::new(0);
    let mut acquires: Vec<_> = (0..WAITERS).map(|_| Box::pin(sem.acquire())).collect();
    let counts = park_all(&mut acquires);
    sem.close();
    for (i, counts) in counts.iter().enumerate() {
        assert_eq!(counts.wakes(), 1, "waiter {i} woken once");
    }
    let mut cx = Context::from_waker(std::task::Waker::noop());
    for acquire in &mut acquires {
        assert!(matches!(
            acquire.as_mut().poll(&mut cx),
            Poll::Ready(Err(_))
        ));
    }
    drop(acquires);
    // The queue's wakers were all let go of.
    assert!(counts.iter().all(|counts| counts.dropped()));
    assert_eq!(sem.available_permits(), 0);
}

#[test]
fn one_broadcast_send_wakes_every_waiting_receiver() {
    let (tx, rx) = broadcast::channel::<u32>(4);
    let mut receivers: Vec<_> = (0..WAITERS).map(|_| rx.resubscribe()).collect();
    let mut recvs: Vec<_> = receivers.iter_mut().map(|rx| Box::pin(rx.recv())).collect();
    let counts = park_all(&mut recvs);
    assert_eq!(
        tx.send(7).unwrap(),
        WAITERS + 1,
        "the original receiver counts too"
    );
    for (i, counts) in counts.iter().enumerate() {
        assert_eq!(counts.wakes(), 1, "receiver {i} woken once");
    }
    let mut cx = Context::from_waker(std::task::Waker::noop());
    for recv in &mut recvs {
        assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Ok(7)));
    }
}
