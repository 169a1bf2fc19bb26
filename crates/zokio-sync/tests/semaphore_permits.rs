//! `OwnedSemaphorePermit`'s bookkeeping: `split`, `merge`, `forget` and `semaphore`, checked
//! against the semaphore's count after every step, and a waiter served by the permits that come
//! back.
#![cfg(not(loom))]

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::task::Context;

use common::hooks::counting_waker;
use zokio_sync::Semaphore;

#[test]
fn owned_split_takes_part_of_the_permits_or_nothing() {
    let sem = Arc::new(Semaphore::new(5));
    let mut permit = sem.clone().try_acquire_many_owned(4).unwrap();
    assert!(permit.split(5).is_none(), "more than it holds");
    assert!(
        permit.split(usize::MAX).is_none(),
        "more than a permit can count"
    );
    assert_eq!(permit.num_permits(), 4, "a refused split takes nothing");
    let part = permit.split(3).unwrap();
    assert_eq!((permit.num_permits(), part.num_permits()), (1, 3));
    assert!(Arc::ptr_eq(part.semaphore(), &sem), "same semaphore");
    drop(part);
    assert_eq!(
        sem.available_permits(),
        4,
        "the split-off part releases its own"
    );
    let empty = permit.split(0).unwrap();
    assert_eq!(empty.num_permits(), 0);
    drop(empty);
    assert_eq!(sem.available_permits(), 4);
    drop(permit);
    assert_eq!(sem.available_permits(), 5);
}

#[test]
fn owned_merge_releases_everything_once() {
    let sem = Arc::new(Semaphore::new(3));
    let mut a = sem.clone().try_acquire_owned().unwrap();
    let b = sem.clone().try_acquire_many_owned(2).unwrap();
    a.merge(b);
    assert_eq!(a.num_permits(), 3);
    assert_eq!(
        sem.available_permits(),
        0,
        "the merged-in permit released nothing"
    );
    drop(a);
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn owned_forget_never_returns_the_permits() {
    let sem = Arc::new(Semaphore::new(2));
    let permit = sem.clone().try_acquire_owned().unwrap();
    permit.forget();
    assert_eq!(sem.available_permits(), 1);
    assert_eq!(
        Arc::strong_count(&sem),
        1,
        "forgetting drops the semaphore's handle"
    );
}

#[test]
fn a_dropped_owned_permit_serves_a_waiting_acquire() {
    let sem = Arc::new(Semaphore::new(2));
    let mut held = sem.clone().try_acquire_many_owned(2).unwrap();
    let (waker, counts) = counting_waker();
    let mut waiting = pin!(sem.clone().acquire_many_owned(2));
    assert!(
        waiting
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );
    let one = held.split(1).unwrap();
    drop(one);
    assert_eq!(counts.wakes(), 0, "one permit is not enough for the waiter");
    assert_eq!(
        sem.available_permits(),
        0,
        "it was handed to the waiter, not left free"
    );
    drop(held);
    assert_eq!(counts.wakes(), 1);
    let granted = match waiting.as_mut().poll(&mut Context::from_waker(&waker)) {
        std::task::Poll::Ready(Ok(permit)) => permit,
        other => panic!("expected the permits, got {other:?}"),
    };
    assert_eq!(granted.num_permits(), 2);
}
