//! `Notify::notified_owned`: the same queue, fairness and cancellation as `notified`, from a
//! `'static` future.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::hooks::{poll_with, waker_on_drop, within_deadline};
use common::{Exec, poll_once};
use zokio_sync::Notify;
use zokio_sync::futures::OwnedNotified;

const _: () = {
    const fn send_sync_static<T: Send + Sync + Unpin + 'static>() {}
    send_sync_static::<OwnedNotified>();
};

fn owned_and_borrowed_waiters_share_one_fifo_queue<E: Exec>() {
    E::block_on(async {
        let notify = Arc::new(Notify::new());
        let mut a = Box::pin(notify.clone().notified_owned());
        let mut b = Box::pin(notify.notified());
        let mut c = Box::pin(notify.clone().notified_owned());
        assert!(poll_once(&mut a).is_none());
        assert!(poll_once(&mut b).is_none());
        assert!(poll_once(&mut c).is_none());
        notify.notify_one();
        assert!(poll_once(&mut c).is_none());
        assert!(poll_once(&mut b).is_none());
        assert_eq!(poll_once(&mut a), Some(()));
        notify.notify_last();
        assert!(poll_once(&mut b).is_none());
        assert_eq!(poll_once(&mut c), Some(()));
        notify.notify_one();
        assert_eq!(poll_once(&mut b), Some(()));
        // Three notifications, three completions: nothing stored.
        assert!(poll_once(&mut Box::pin(notify.clone().notified_owned())).is_none());
    });
}

fn owned_enable_takes_a_place_in_line_or_the_permit<E: Exec>() {
    E::block_on(async {
        let notify = Arc::new(Notify::new());
        let mut first = Box::pin(notify.clone().notified_owned());
        assert!(!first.as_mut().enable(), "nothing to take yet");
        let mut second = Box::pin(notify.clone().notified_owned());
        assert!(poll_once(&mut second).is_none());
        notify.notify_one();
        // Enabled before `second` was polled: first in line.
        assert!(poll_once(&mut second).is_none());
        assert_eq!(poll_once(&mut first), Some(()));
        assert!(
            first.as_mut().enable(),
            "a completed future stays completed"
        );

        // A stored permit is consumed by `enable` itself.
        notify.notify_one(); // to `second`
        notify.notify_one(); // stored
        let mut third = Box::pin(notify.clone().notified_owned());
        assert!(third.as_mut().enable());
        assert_eq!(poll_once(&mut third), Some(()));
        assert_eq!(poll_once(&mut second), Some(()));
        assert!(poll_once(&mut Box::pin(notify.clone().notified_owned())).is_none());
    });
}

fn owned_sees_notify_waiters_made_before_its_first_poll<E: Exec>() {
    E::block_on(async {
        let notify = Arc::new(Notify::new());
        let mut created = Box::pin(notify.clone().notified_owned());
        notify.notify_waiters();
        let mut later = Box::pin(notify.clone().notified_owned());
        assert_eq!(poll_once(&mut created), Some(()));
        assert!(
            poll_once(&mut later).is_none(),
            "notify_waiters stores nothing"
        );
    });
}

fn dropped_owned_waiter_forwards_its_notification<E: Exec>() {
    E::block_on(async {
        let notify = Arc::new(Notify::new());
        let mut a = Box::pin(notify.clone().notified_owned());
        let mut b = Box::pin(notify.notified());
        assert!(poll_once(&mut a).is_none());
        assert!(poll_once(&mut b).is_none());
        notify.notify_one(); // picks `a`...
        drop(a); // ...which passes it on to `b`
        assert_eq!(poll_once(&mut b), Some(()));
        // A queued owned waiter that gives up without a notification changes nothing.
        let mut c = Box::pin(notify.clone().notified_owned());
        assert!(poll_once(&mut c).is_none());
        drop(c);
        assert!(poll_once(&mut Box::pin(notify.clone().notified_owned())).is_none());
        assert_eq!(Arc::strong_count(&notify), 1, "every future let its Arc go");
    });
}

fn owned_waiters_moved_into_tasks_are_woken<E: Exec>() {
    E::block_on(async {
        let notify = Arc::new(Notify::new());
        let done = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for _ in 0..4 {
            // Queued here, awaited in the task: the future itself is what moves.
            let mut notified = Box::pin(notify.clone().notified_owned());
            assert!(!notified.as_mut().enable());
            let done = done.clone();
            handles.push(E::spawn(async move {
                notified.await;
                done.fetch_add(1, Ordering::SeqCst);
            }));
        }
        for _ in 0..4 {
            notify.notify_one();
        }
        for handle in handles {
            handle.await;
        }
        assert_eq!(done.load(Ordering::SeqCst), 4);
        assert_eq!(Arc::strong_count(&notify), 1);
    });
}

exec_tests!(
    owned_and_borrowed_waiters_share_one_fifo_queue,
    owned_enable_takes_a_place_in_line_or_the_permit,
    owned_sees_notify_waiters_made_before_its_first_poll,
    dropped_owned_waiter_forwards_its_notification,
    owned_waiters_moved_into_tasks_are_woken,
);

#[test]
fn owned_waiter_holding_the_last_arc_cancels_cleanly() {
    within_deadline(|| {
        let notify = Arc::new(Notify::new());
        let drops = Arc::new(AtomicUsize::new(0));
        let waker = {
            let drops = drops.clone();
            waker_on_drop(move || {
                drops.fetch_add(1, Ordering::SeqCst);
            })
        };
        let mut notified = Box::pin(notify.clone().notified_owned());
        assert!(poll_with(&mut notified, &waker).is_pending());
        drop(waker);
        drop(notify);
        // The queued node (with the waker) goes, then the last `Arc`, then the `Notify`.
        drop(notified);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn owned_waiter_cancelled_lets_its_waker_notify_on_drop() {
    within_deadline(|| {
        let notify = Arc::new(Notify::new());
        let notify2 = notify.clone();
        let waker = waker_on_drop(move || notify2.notify_one());
        let mut notified = Box::pin(notify.clone().notified_owned());
        assert!(poll_with(&mut notified, &waker).is_pending());
        drop(waker);
        // The waker is dropped after the lock is released, so its `notify_one` stores a permit.
        drop(notified);
        assert!(poll_once(&mut Box::pin(notify.clone().notified_owned())).is_some());
    });
}
