//! `SetOnce`: set at most once, read without waiting, waited for by tasks.
#![cfg(not(loom))]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use common::hooks::{counting_waker, poll_with};
use common::{Exec, poll_once};
use zokio_sync::{SetOnce, SetOnceError};

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<SetOnce<String>>();
    send_sync::<SetOnceError<String>>();
};

/// Counts how many of its values were dropped.
#[derive(Debug, Clone)]
struct Counted(u32, Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn set_once_then_refuse() {
    let once = SetOnce::new();
    assert!(!once.initialized());
    assert_eq!(once.get(), None);
    assert_eq!(once.set(5), Ok(()));
    assert!(once.initialized());
    assert_eq!(once.get(), Some(&5));
    let refused = once.set(6).unwrap_err();
    assert_eq!(refused, SetOnceError(6));
    assert_eq!(refused.0, 6);
    assert_eq!(refused.to_string(), "SetOnceError");
    let _: &dyn std::error::Error = &refused;
    assert_eq!(once.get(), Some(&5), "the first value stays");
    assert_eq!(once.into_inner(), Some(5));
}

#[test]
fn constructors_and_std_traits() {
    static EMPTY: SetOnce<u8> = SetOnce::const_new();
    static FULL: SetOnce<u8> = SetOnce::const_new_with(9);
    assert_eq!((EMPTY.get(), FULL.get()), (None, Some(&9)));
    assert_eq!(FULL.set(1), Err(SetOnceError(1)));
    // Called at run time they build the same cells.
    let (empty, full) = (SetOnce::const_new(), SetOnce::const_new_with(9u8));
    assert_eq!((empty.get(), full.get()), (None, Some(&9)));
    assert_eq!(empty.set(2), Ok(()));
    assert_eq!(full.set(2), Err(SetOnceError(2)));

    assert_eq!(SetOnce::new_with(Some(3)).get(), Some(&3));
    assert_eq!(SetOnce::<u8>::new_with(None).get(), None);
    assert_eq!(SetOnce::from(4).get(), Some(&4));
    assert_eq!(SetOnce::<u8>::default().get(), None);

    assert_eq!(
        format!("{:?}", SetOnce::from(3)),
        "SetOnce { value: Some(3) }"
    );
    assert_eq!(
        format!("{:?}", SetOnce::<u8>::new()),
        "SetOnce { value: None }"
    );

    let full = SetOnce::from(String::from("x"));
    let copy = full.clone();
    assert_eq!(copy.get().map(String::as_str), Some("x"));
    assert_eq!(full, copy);
    let empty_copy = SetOnce::<String>::new().clone();
    assert!(!empty_copy.initialized());
    assert_eq!(
        empty_copy.set(String::from("later")),
        Ok(()),
        "a clone is a new cell"
    );

    assert_eq!(SetOnce::<u8>::new(), SetOnce::new());
    assert_ne!(SetOnce::from(1), SetOnce::new());
    assert_ne!(SetOnce::from(1), SetOnce::from(2));
}

#[test]
fn values_are_dropped_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let counted = |n| Counted(n, drops.clone());

    drop(SetOnce::<Counted>::new());
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "an empty cell drops nothing"
    );

    let once = SetOnce::new();
    once.set(counted(1)).unwrap();
    let refused = once.set(counted(2)).unwrap_err();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "the refused value is handed back, not dropped"
    );
    assert_eq!(refused.0.0, 2);
    drop(refused);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(once);
    assert_eq!(drops.load(Ordering::SeqCst), 2);

    let taken = SetOnce::new_with(Some(counted(3))).into_inner().unwrap();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        2,
        "into_inner moves the value out"
    );
    assert_eq!(taken.0, 3);
    drop(taken);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
    assert!(SetOnce::<Counted>::new().into_inner().is_none());

    drop(SetOnce::from(counted(4)).clone());
    assert_eq!(
        drops.load(Ordering::SeqCst),
        5,
        "the clone and the original"
    );
}

#[test]
fn wait_returns_at_once_when_set_and_wakes_when_set_later() {
    let once = SetOnce::from(1);
    assert_eq!(poll_once(&mut Box::pin(once.wait())), Some(&1));

    let once = SetOnce::new();
    let (waker, counts) = counting_waker();
    let mut first = Box::pin(once.wait());
    let mut second = Box::pin(once.wait());
    assert!(poll_with(&mut first, &waker).is_pending());
    assert!(poll_with(&mut second, &waker).is_pending());
    // A waiter that gives up changes nothing for the others.
    let mut quitter = Box::pin(once.wait());
    assert!(poll_with(&mut quitter, &waker).is_pending());
    drop(quitter);
    once.set(7).unwrap();
    assert_eq!(counts.wakes(), 2);
    assert_eq!(poll_with(&mut first, &waker), std::task::Poll::Ready(&7));
    assert_eq!(poll_with(&mut second, &waker), std::task::Poll::Ready(&7));
    drop((first, second, waker));
    assert!(counts.dropped(), "no clone of the waker is left behind");
}

fn tasks_waiting_on_other_threads_all_get_the_value<E: Exec>() {
    E::block_on(async {
        let once = Arc::new(SetOnce::<String>::new());
        let started = Arc::new(zokio_sync::Barrier::new(5));
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let (once, started) = (once.clone(), started.clone());
                E::spawn(async move {
                    started.wait().await;
                    once.wait().await.clone()
                })
            })
            .collect();
        started.wait().await;
        once.set(String::from("go")).unwrap();
        for waiter in waiters {
            assert_eq!(waiter.await, "go");
        }
    });
}

exec_tests!(tasks_waiting_on_other_threads_all_get_the_value);

#[test]
fn racing_setters_one_wins_and_every_loser_sees_the_winner() {
    for _ in 0..50 {
        let once = Arc::new(SetOnce::new());
        let start = Arc::new(Barrier::new(4));
        let setters: Vec<_> = (0..4u32)
            .map(|i| {
                let (once, start) = (once.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    let result = once.set(i);
                    // Whoever won, the value is there once `set` has returned.
                    let seen = *once.get().expect("set returned, so the value is set");
                    (result.is_ok(), seen)
                })
            })
            .collect();
        let results: Vec<_> = setters.into_iter().map(|t| t.join().unwrap()).collect();
        let winners: Vec<_> = (0..4u32).filter(|&i| results[i as usize].0).collect();
        assert_eq!(winners.len(), 1, "exactly one set wins: {results:?}");
        assert!(results.iter().all(|&(_, seen)| seen == winners[0]));
        assert_eq!(once.get(), Some(&winners[0]));
    }
}
