//! Notify, Barrier and OnceCell.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Exec, poll_once};
use zokio_sync::{Barrier, Notify, OnceCell, SetError};

fn notify_one_stores_a_single_permit<E: Exec>() {
    E::block_on(async {
        let notify = Notify::new();
        notify.notify_one();
        notify.notify_one();
        notify.notified().await; // The stored permit.
        let mut second = Box::pin(notify.notified());
        assert!(
            poll_once(&mut second).is_none(),
            "only one permit is stored"
        );
        notify.notify_one();
        assert_eq!(poll_once(&mut second), Some(()));
    });
}

fn notify_one_wakes_waiters_in_fifo_order<E: Exec>() {
    E::block_on(async {
        let notify = Notify::new();
        let mut a = Box::pin(notify.notified());
        let mut b = Box::pin(notify.notified());
        assert!(poll_once(&mut a).is_none());
        assert!(poll_once(&mut b).is_none());
        notify.notify_one();
        assert!(poll_once(&mut b).is_none());
        assert_eq!(poll_once(&mut a), Some(()));
        notify.notify_one();
        assert_eq!(poll_once(&mut b), Some(()));
    });
}

fn notify_waiters_reaches_unpolled_futures_and_stores_nothing<E: Exec>() {
    E::block_on(async {
        let notify = Notify::new();
        let mut polled = Box::pin(notify.notified());
        assert!(poll_once(&mut polled).is_none());
        let mut unpolled = Box::pin(notify.notified());
        notify.notify_waiters();
        let mut later = Box::pin(notify.notified());
        assert_eq!(poll_once(&mut polled), Some(()));
        assert_eq!(poll_once(&mut unpolled), Some(()));
        assert!(poll_once(&mut later).is_none(), "no permit stored");
    });
}

fn enable_registers_for_notify_one<E: Exec>() {
    E::block_on(async {
        let notify = Notify::new();
        let mut first = Box::pin(notify.notified());
        assert!(!first.as_mut().enable());
        let mut second = Box::pin(notify.notified());
        assert!(poll_once(&mut second).is_none());
        notify.notify_one();
        // `first` was enabled before `second` was polled, so it is first in line.
        assert!(poll_once(&mut second).is_none());
        assert_eq!(poll_once(&mut first), Some(()));
        notify.notify_one();
        let mut third = Box::pin(notify.notified());
        assert!(
            !third.as_mut().enable(),
            "the notification went to `second`, none stored"
        );
        assert_eq!(poll_once(&mut second), Some(()));
    });
}

fn dropped_notified_forwards_its_notification<E: Exec>() {
    E::block_on(async {
        let notify = Notify::new();
        let mut a = Box::pin(notify.notified());
        let mut b = Box::pin(notify.notified());
        assert!(poll_once(&mut a).is_none());
        assert!(poll_once(&mut b).is_none());
        notify.notify_one(); // Picks `a`...
        drop(a); // ...which passes it on.
        assert_eq!(poll_once(&mut b), Some(()));
        // And with nobody left, a forwarded notification becomes the permit.
        let mut c = Box::pin(notify.notified());
        assert!(poll_once(&mut c).is_none());
        notify.notify_one();
        drop(c);
        assert_eq!(poll_once(&mut Box::pin(notify.notified())), Some(()));
    });
}

fn notify_wakes_a_task_on_another_thread<E: Exec>() {
    E::block_on(async {
        let notify = Arc::new(Notify::new());
        let done = Arc::new(AtomicUsize::new(0));
        let (ready_tx, mut ready_rx) = zokio_sync::mpsc::channel(4);
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let (notify, done, ready_tx) = (notify.clone(), done.clone(), ready_tx.clone());
                E::spawn(async move {
                    let mut notified = std::pin::pin!(notify.notified());
                    notified.as_mut().enable();
                    ready_tx.send(()).await.unwrap();
                    notified.await;
                    done.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        for _ in 0..4 {
            ready_rx.recv().await.unwrap();
        }
        for _ in 0..4 {
            notify.notify_one();
        }
        for waiter in waiters {
            waiter.await;
        }
        assert_eq!(done.load(Ordering::SeqCst), 4);
    });
}

fn barrier_releases_groups_with_one_leader<E: Exec>() {
    E::block_on(async {
        let barrier = Arc::new(Barrier::new(4));
        let leaders = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (barrier, leaders) = (barrier.clone(), leaders.clone());
                E::spawn(async move {
                    if barrier.wait().await.is_leader() {
                        leaders.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
        assert_eq!(leaders.load(Ordering::SeqCst), 2, "two rounds of four");
    });
}

fn once_cell_runs_one_initialiser<E: Exec>() {
    E::block_on(async {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let (cell, runs) = (cell.clone(), runs.clone());
                E::spawn(async move {
                    *cell
                        .get_or_init(|| async move {
                            runs.fetch_add(1, Ordering::SeqCst);
                            futures_lite::future::yield_now().await;
                            i
                        })
                        .await
                })
            })
            .collect();
        let mut values = Vec::new();
        for task in tasks {
            values.push(task.await);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(values.iter().all(|v| *v == values[0]));
        assert_eq!(cell.get(), Some(&values[0]));
    });
}

fn once_cell_failed_or_cancelled_init_lets_the_next_one_run<E: Exec>() {
    E::block_on(async {
        let cell = OnceCell::<u32>::new();
        let failed: Result<&u32, &str> = cell.get_or_try_init(|| async { Err("nope") }).await;
        assert_eq!(failed, Err("nope"));
        assert!(!cell.initialized());
        {
            let mut stuck = Box::pin(cell.get_or_init(std::future::pending));
            assert!(poll_once(&mut stuck).is_none());
            assert_eq!(cell.set(1), Err(SetError::InitializingError(1)));
        } // Cancelled while initialising.
        assert_eq!(*cell.get_or_init(|| async { 7 }).await, 7);
        assert!(cell.set(8).unwrap_err().is_already_init_err());
        assert_eq!(cell.into_inner(), Some(7));
    });
}

#[test]
fn once_cell_drops_its_value_once() {
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let cell = OnceCell::new();
    assert!(cell.set(Counted(drops.clone())).is_ok());
    let rejected = cell.set(Counted(drops.clone())).unwrap_err().into_inner();
    drop(rejected);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(cell);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    let mut cell = OnceCell::new_with(Some(Counted(drops.clone())));
    let taken = cell.take();
    assert!(taken.is_some() && cell.get().is_none());
    drop(cell);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    drop(taken);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

exec_tests!(
    notify_one_stores_a_single_permit,
    notify_one_wakes_waiters_in_fifo_order,
    notify_waiters_reaches_unpolled_futures_and_stores_nothing,
    enable_registers_for_notify_one,
    dropped_notified_forwards_its_notification,
    notify_wakes_a_task_on_another_thread,
    barrier_releases_groups_with_one_leader,
    once_cell_runs_one_initialiser,
    once_cell_failed_or_cancelled_init_lets_the_next_one_run,
);

#[test]
fn notify_last_wakes_the_newest_waiter() {
    let notify = Notify::new();
    let mut old = Box::pin(notify.notified());
    let mut new = Box::pin(notify.notified());
    assert!(poll_once(&mut old).is_none());
    assert!(poll_once(&mut new).is_none());
    notify.notify_last();
    assert!(poll_once(&mut old).is_none());
    assert_eq!(poll_once(&mut new), Some(()));
    notify.notify_last();
    assert_eq!(poll_once(&mut old), Some(()));
    // With nobody waiting it stores the permit like notify_one.
    notify.notify_last();
    assert_eq!(poll_once(&mut Box::pin(notify.notified())), Some(()));
}

static SHUTDOWN: Notify = Notify::const_new();

#[test]
fn const_new_and_default_build_a_notify_with_no_stored_permit() {
    // Static, and called at run time; `Default` too: none of them starts with a permit stored.
    let local = Notify::const_new();
    let default = Notify::default();
    for notify in [&SHUTDOWN, &local, &default] {
        let mut waiting = Box::pin(notify.notified());
        assert!(poll_once(&mut waiting).is_none(), "nothing stored yet");
        notify.notify_one();
        assert_eq!(poll_once(&mut waiting), Some(()));
    }
}

#[test]
fn enable_after_a_poll_keeps_the_queued_place_and_the_stored_waker() {
    use std::future::Future;
    use std::task::Context;

    let notify = Notify::new();
    let (waker, counts) = common::hooks::counting_waker();
    let mut first = std::pin::pin!(notify.notified());
    assert!(
        first
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );
    let mut second = std::pin::pin!(notify.notified());
    assert!(!second.as_mut().enable(), "queued behind the first");
    // Enabling the first again (it has no waker to give) changes nothing.
    assert!(!first.as_mut().enable());
    assert!(!first.as_mut().enable());
    notify.notify_one();
    assert_eq!(
        counts.wakes(),
        1,
        "the waker of the first poll was kept and woken"
    );
    assert!(
        first.as_mut().enable(),
        "the first in line got the notification"
    );
    assert!(!second.as_mut().enable(), "not the second");
    notify.notify_one();
    assert!(second.as_mut().enable());
}
