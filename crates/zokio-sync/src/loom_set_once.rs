//! Model checks of `SetOnce` (its lock-free slot) and of `OwnedNotified`.

use loom::future::block_on;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use crate::loom_tests::{model, model_bounded, poll_once};
use crate::{Notify, SetOnce};

#[test]
fn loom_set_once_wait_sees_a_concurrent_set() {
    model(|| {
        let once = Arc::new(SetOnce::new());
        let setter = {
            let once = once.clone();
            thread::spawn(move || once.set(7).unwrap())
        };
        // A missed wake-up deadlocks the model.
        assert_eq!(*block_on(once.wait()), 7);
        setter.join().unwrap();
    });
}

#[test]
fn loom_set_once_racing_sets_one_wins_and_the_loser_sees_its_value() {
    model_bounded(2, || {
        let once = Arc::new(SetOnce::new());
        let wins = Arc::new(AtomicUsize::new(0));
        let other = {
            let (once, wins) = (once.clone(), wins.clone());
            thread::spawn(move || {
                if once.set(1).is_ok() {
                    wins.fetch_add(1, Ordering::SeqCst);
                }
                *once.get().expect("set returned: the value is there")
            })
        };
        if once.set(2).is_ok() {
            wins.fetch_add(1, Ordering::SeqCst);
        }
        let mine = *once.get().expect("set returned: the value is there");
        let theirs = other.join().unwrap();
        assert_eq!(wins.load(Ordering::SeqCst), 1);
        assert_eq!(mine, theirs);
    });
}

#[test]
fn loom_owned_notified_moved_to_another_thread_gets_notify_one() {
    model(|| {
        let notify = std::sync::Arc::new(Notify::new());
        let mut notified = Box::pin(notify.clone().notified_owned());
        let enabled_with_permit = notified.as_mut().enable();
        assert!(!enabled_with_permit);
        let waiter = thread::spawn(move || block_on(notified));
        notify.notify_one();
        waiter.join().unwrap();
        // The notification was consumed, not stored.
        assert!(poll_once(&mut Box::pin(notify.clone().notified_owned())).is_pending());
    });
}

#[test]
fn loom_owned_notified_dropped_while_picked_passes_the_notification_on() {
    model(|| {
        let notify = std::sync::Arc::new(Notify::new());
        let quitter = {
            let notify = notify.clone();
            thread::spawn(move || {
                let mut notified = Box::pin(notify.notified_owned());
                let ready = poll_once(&mut notified).is_ready();
                drop(notified);
                ready
            })
        };
        notify.notify_one();
        if !quitter.join().unwrap() {
            block_on(notify.clone().notified_owned());
        }
    });
}
