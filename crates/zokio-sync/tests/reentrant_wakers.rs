//! No user code under an internal lock: a waker that re-enters the same primitive when it is
//! dropped (replaced by a newer one, or left behind by a cancelled wait) or woken must not
//! deadlock it. Each scenario runs under a deadline, so a deadlock fails the test instead of
//! hanging it.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Poll, Waker};

use common::hooks::{poll_with, waker_on_drop, waker_on_wake, within_deadline};
use zokio_sync::{
    Barrier, Mutex, Notify, OnceCell, RwLock, Semaphore, broadcast, mpsc, oneshot, watch,
};

fn noop() -> &'static Waker {
    Waker::noop()
}

// ---------------------------------------------------------------------------------------------
// broadcast
// ---------------------------------------------------------------------------------------------

#[test]
fn broadcast_recv_replacing_its_waker_lets_the_old_one_send_on_drop() {
    within_deadline(|| {
        let (tx, mut rx) = broadcast::channel::<u32>(4);
        let tx2 = tx.clone();
        let old = waker_on_drop(move || {
            tx2.send(7).unwrap();
        });
        let mut recv = Box::pin(rx.recv());
        assert!(poll_with(&mut recv, &old).is_pending());
        drop(old);
        // Polling with another waker replaces (drops) the stored one, which sends.
        let _ = poll_with(&mut recv, noop());
        assert_eq!(poll_with(&mut recv, noop()), Poll::Ready(Ok(7)));
    });
}

#[test]
fn broadcast_receiver_dropped_while_waiting_lets_its_waker_send_on_drop() {
    within_deadline(|| {
        let (tx, mut rx) = broadcast::channel::<u32>(4);
        let mut other = tx.subscribe();
        let tx2 = tx.clone();
        let waker = waker_on_drop(move || {
            tx2.send(9).unwrap();
        });
        {
            let mut recv = Box::pin(rx.recv());
            assert!(poll_with(&mut recv, &waker).is_pending());
        }
        drop(waker);
        drop(rx);
        assert_eq!(other.try_recv(), Ok(9));
    });
}

#[test]
fn broadcast_wake_that_sends_again_reaches_the_receiver() {
    within_deadline(|| {
        let (tx, mut rx) = broadcast::channel::<u32>(4);
        let tx2 = tx.clone();
        let waker = waker_on_wake(move || {
            tx2.send(2).unwrap();
        });
        let mut recv = Box::pin(rx.recv());
        assert!(poll_with(&mut recv, &waker).is_pending());
        tx.send(1).unwrap();
        assert_eq!(poll_with(&mut recv, noop()), Poll::Ready(Ok(1)));
        drop(recv);
        assert_eq!(rx.try_recv(), Ok(2));
    });
}

// ---------------------------------------------------------------------------------------------
// Semaphore, Mutex, RwLock, OnceCell (the shared fair semaphore)
// ---------------------------------------------------------------------------------------------

#[test]
fn semaphore_acquire_replacing_its_waker_lets_the_old_one_release_on_drop() {
    within_deadline(|| {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.clone().try_acquire_owned().unwrap();
        let old = waker_on_drop(move || drop(held));
        let mut acquire = Box::pin(sem.acquire());
        assert!(poll_with(&mut acquire, &old).is_pending());
        drop(old);
        // The old waker's drop returns the permit, which goes to this very waiter.
        let _ = poll_with(&mut acquire, noop());
        let permit = match poll_with(&mut acquire, noop()) {
            Poll::Ready(permit) => permit.unwrap(),
            Poll::Pending => panic!("the released permit was not granted"),
        };
        drop(permit);
        drop(acquire);
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn semaphore_acquire_cancelled_lets_its_waker_release_on_drop() {
    within_deadline(|| {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.clone().try_acquire_owned().unwrap();
        let waker = waker_on_drop(move || drop(held));
        let mut acquire = Box::pin(sem.acquire());
        assert!(poll_with(&mut acquire, &waker).is_pending());
        let mut next = Box::pin(sem.acquire());
        assert!(poll_with(&mut next, noop()).is_pending());
        drop(waker);
        // Leaving the queue drops the waker, which returns the permit: it goes to `next`.
        drop(acquire);
        assert!(matches!(poll_with(&mut next, noop()), Poll::Ready(Ok(_))));
    });
}

#[test]
fn semaphore_wake_that_acquires_again_does_not_deadlock() {
    within_deadline(|| {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.try_acquire().unwrap();
        let sem2 = sem.clone();
        let woke = Arc::new(AtomicBool::new(false));
        let woke2 = woke.clone();
        let waker = waker_on_wake(move || {
            // Queued behind the waiter that was just served.
            let mut again = Box::pin(sem2.acquire());
            assert!(poll_with(&mut again, noop()).is_pending());
            woke2.store(true, Ordering::SeqCst);
        });
        let mut acquire = Box::pin(sem.acquire());
        assert!(poll_with(&mut acquire, &waker).is_pending());
        drop(held);
        assert!(woke.load(Ordering::SeqCst));
        assert!(poll_with(&mut acquire, noop()).is_ready());
    });
}

#[test]
fn mutex_lock_cancelled_lets_its_waker_unlock_on_drop() {
    within_deadline(|| {
        let mutex = Arc::new(Mutex::new(0));
        let guard = mutex.clone().try_lock_owned().unwrap();
        let waker = waker_on_drop(move || drop(guard));
        let mut lock = Box::pin(mutex.lock());
        assert!(poll_with(&mut lock, &waker).is_pending());
        let mut next = Box::pin(mutex.lock());
        assert!(poll_with(&mut next, noop()).is_pending());
        drop(waker);
        drop(lock);
        assert!(poll_with(&mut next, noop()).is_ready());
    });
}

#[test]
fn mutex_lock_replacing_its_waker_lets_the_old_one_unlock_on_drop() {
    within_deadline(|| {
        let mutex = Arc::new(Mutex::new(0));
        let guard = mutex.clone().try_lock_owned().unwrap();
        let old = waker_on_drop(move || drop(guard));
        let mut lock = Box::pin(mutex.lock());
        assert!(poll_with(&mut lock, &old).is_pending());
        drop(old);
        let _ = poll_with(&mut lock, noop());
        match poll_with(&mut lock, noop()) {
            Poll::Ready(mut guard) => *guard += 1,
            Poll::Pending => panic!("the lock was not handed over"),
        }
    });
}

#[test]
fn rwlock_write_replacing_its_waker_lets_the_old_one_unlock_on_drop() {
    within_deadline(|| {
        let lock = Arc::new(RwLock::new(0));
        let reader = lock.clone().try_read_owned().unwrap();
        let old = waker_on_drop(move || drop(reader));
        let mut write = Box::pin(lock.write());
        assert!(poll_with(&mut write, &old).is_pending());
        drop(old);
        let _ = poll_with(&mut write, noop());
        match poll_with(&mut write, noop()) {
            Poll::Ready(mut guard) => *guard = 1,
            Poll::Pending => panic!("the lock was not handed over"),
        }
        assert_eq!(*lock.try_read().unwrap(), 1);
    });
}

#[test]
fn rwlock_read_cancelled_lets_its_waker_unlock_on_drop() {
    within_deadline(|| {
        let lock = Arc::new(RwLock::new(0));
        let writer = lock.clone().try_write_owned().unwrap();
        let waker = waker_on_drop(move || drop(writer));
        let mut read = Box::pin(lock.read());
        assert!(poll_with(&mut read, &waker).is_pending());
        let mut next = Box::pin(lock.read());
        assert!(poll_with(&mut next, noop()).is_pending());
        drop(waker);
        drop(read);
        assert!(poll_with(&mut next, noop()).is_ready());
    });
}

#[test]
fn once_cell_waiter_cancelled_lets_its_waker_finish_the_initialiser() {
    within_deadline(|| {
        let cell = Arc::new(OnceCell::new());
        // The initialiser, parked half-way.
        let (go, wait) = oneshot::channel::<()>();
        let cell2 = cell.clone();
        let mut init = Box::pin(async move {
            cell2
                .get_or_init(|| async move {
                    wait.await.unwrap();
                    5
                })
                .await;
        });
        assert!(poll_with(&mut init, noop()).is_pending());
        // Dropping the initialiser (it never finishes) hands the turn to the next waiter.
        let waker = waker_on_drop(move || {
            drop(go);
            drop(init);
        });
        let mut waiter = Box::pin(cell.get_or_init(|| async { 6 }));
        assert!(poll_with(&mut waiter, &waker).is_pending());
        let mut next = Box::pin(cell.get_or_init(|| async { 7 }));
        assert!(poll_with(&mut next, noop()).is_pending());
        drop(waker);
        // Cancelling `waiter` drops its waker, which drops the initialiser: `next` initialises.
        drop(waiter);
        assert_eq!(poll_with(&mut next, noop()), Poll::Ready(&7));
    });
}

// ---------------------------------------------------------------------------------------------
// Notify, watch, Barrier
// ---------------------------------------------------------------------------------------------

#[test]
fn notified_replacing_its_waker_lets_the_old_one_notify_on_drop() {
    within_deadline(|| {
        let notify = Arc::new(Notify::new());
        let notify2 = notify.clone();
        let old = waker_on_drop(move || notify2.notify_one());
        let mut notified = Box::pin(notify.notified());
        assert!(poll_with(&mut notified, &old).is_pending());
        drop(old);
        let _ = poll_with(&mut notified, noop());
        assert!(poll_with(&mut notified, noop()).is_ready());
    });
}

#[test]
fn notified_cancelled_lets_its_waker_notify_on_drop() {
    within_deadline(|| {
        let notify = Arc::new(Notify::new());
        let notify2 = notify.clone();
        let waker = waker_on_drop(move || notify2.notify_waiters());
        let mut notified = Box::pin(notify.notified());
        assert!(poll_with(&mut notified, &waker).is_pending());
        drop(waker);
        drop(notified);
        // Nothing stored: `notify_waiters` leaves no permit.
        let mut next = Box::pin(notify.notified());
        assert!(poll_with(&mut next, noop()).is_pending());
    });
}

#[test]
fn notify_wake_that_notifies_again_does_not_deadlock() {
    within_deadline(|| {
        let notify = Arc::new(Notify::new());
        let notify2 = notify.clone();
        let waker = waker_on_wake(move || notify2.notify_one());
        let mut first = Box::pin(notify.notified());
        assert!(poll_with(&mut first, &waker).is_pending());
        notify.notify_one();
        assert!(poll_with(&mut first, noop()).is_ready());
        // The wake stored a permit for the next waiter.
        let mut second = Box::pin(notify.notified());
        assert!(poll_with(&mut second, noop()).is_ready());
    });
}

#[test]
fn watch_changed_replacing_its_waker_lets_the_old_one_send_on_drop() {
    within_deadline(|| {
        let (tx, mut rx) = watch::channel(0);
        let tx2 = tx.clone();
        let old = waker_on_drop(move || {
            tx2.send(1).unwrap();
        });
        let mut changed = Box::pin(rx.changed());
        assert!(poll_with(&mut changed, &old).is_pending());
        drop(old);
        let _ = poll_with(&mut changed, noop());
        assert_eq!(poll_with(&mut changed, noop()), Poll::Ready(Ok(())));
        drop(changed);
        assert_eq!(*rx.borrow(), 1);
    });
}

#[test]
fn watch_sender_dropped_by_a_waiting_receivers_waker_ends_the_wait() {
    within_deadline(|| {
        let (tx, mut rx) = watch::channel(0);
        let old = waker_on_drop(move || drop(tx));
        let mut changed = Box::pin(rx.changed());
        assert!(poll_with(&mut changed, &old).is_pending());
        drop(old);
        let _ = poll_with(&mut changed, noop());
        assert!(matches!(
            poll_with(&mut changed, noop()),
            Poll::Ready(Err(_))
        ));
    });
}

#[test]
fn barrier_wait_replacing_its_waker_lets_the_old_one_complete_the_round() {
    within_deadline(|| {
        let barrier = Arc::new(Barrier::new(2));
        let barrier2 = barrier.clone();
        let old = waker_on_drop(move || {
            let leader = futures_lite::future::block_on(barrier2.wait());
            assert!(leader.is_leader());
        });
        let mut wait = Box::pin(barrier.wait());
        assert!(poll_with(&mut wait, &old).is_pending());
        drop(old);
        let _ = poll_with(&mut wait, noop());
        match poll_with(&mut wait, noop()) {
            Poll::Ready(result) => assert!(!result.is_leader()),
            Poll::Pending => panic!("the round was completed"),
        }
    });
}

// ---------------------------------------------------------------------------------------------
// mpsc, oneshot
// ---------------------------------------------------------------------------------------------

#[test]
fn mpsc_send_replacing_its_waker_lets_the_old_one_receive_on_drop() {
    within_deadline(|| {
        let (tx, rx) = mpsc::channel::<u32>(1);
        tx.try_send(1).unwrap();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        let rx2 = rx.clone();
        // Receiving frees the slot, which goes to the waiting send.
        let old = waker_on_drop(move || {
            assert_eq!(rx2.lock().unwrap().try_recv(), Ok(1));
        });
        let mut send = Box::pin(tx.send(2));
        assert!(poll_with(&mut send, &old).is_pending());
        drop(old);
        let _ = poll_with(&mut send, noop());
        assert_eq!(poll_with(&mut send, noop()), Poll::Ready(Ok(())));
        assert_eq!(rx.lock().unwrap().try_recv(), Ok(2));
    });
}

#[test]
fn mpsc_send_cancelled_lets_its_waker_receive_on_drop() {
    within_deadline(|| {
        let (tx, rx) = mpsc::channel::<u32>(1);
        tx.try_send(1).unwrap();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        let rx2 = rx.clone();
        let waker = waker_on_drop(move || {
            assert_eq!(rx2.lock().unwrap().try_recv(), Ok(1));
        });
        let mut send = Box::pin(tx.send(2));
        assert!(poll_with(&mut send, &waker).is_pending());
        let mut next = Box::pin(tx.send(3));
        assert!(poll_with(&mut next, noop()).is_pending());
        drop(waker);
        // Cancelling `send` drops its waker, which frees a slot: it goes to `next`.
        drop(send);
        assert_eq!(poll_with(&mut next, noop()), Poll::Ready(Ok(())));
        assert_eq!(rx.lock().unwrap().try_recv(), Ok(3));
    });
}

#[test]
fn mpsc_recv_replacing_its_waker_lets_the_old_one_send_on_drop() {
    within_deadline(|| {
        let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
        let tx2 = tx.clone();
        let old = waker_on_drop(move || tx2.send(4).unwrap());
        assert!(
            rx.poll_recv(&mut std::task::Context::from_waker(&old))
                .is_pending()
        );
        drop(old);
        let (new, counts) = common::hooks::counting_waker();
        let polled = rx.poll_recv(&mut std::task::Context::from_waker(&new));
        // The message sent by the old waker's drop is either received now or announced to the new
        // waker: never lost.
        match polled {
            Poll::Ready(value) => assert_eq!(value, Some(4)),
            Poll::Pending => {
                assert_eq!(counts.wakes(), 1);
                assert_eq!(rx.try_recv(), Ok(4));
            }
        }
    });
}

#[test]
fn mpsc_wake_that_sends_again_reaches_the_receiver() {
    within_deadline(|| {
        let (tx, mut rx) = mpsc::channel::<u32>(4);
        let tx2 = tx.clone();
        let waker = waker_on_wake(move || tx2.try_send(2).unwrap());
        assert!(
            rx.poll_recv(&mut std::task::Context::from_waker(&waker))
                .is_pending()
        );
        tx.try_send(1).unwrap();
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.try_recv(), Ok(2));
    });
}

#[test]
fn oneshot_recv_replacing_its_waker_lets_the_old_one_send_on_drop() {
    within_deadline(|| {
        let (tx, mut rx) = oneshot::channel::<u32>();
        let old = waker_on_drop(move || tx.send(3).unwrap());
        assert!(poll_with(&mut rx, &old).is_pending());
        drop(old);
        let first = poll_with(&mut rx, noop());
        let value = match first {
            Poll::Ready(value) => value,
            Poll::Pending => match poll_with(&mut rx, noop()) {
                Poll::Ready(value) => value,
                Poll::Pending => panic!("the value sent on drop was lost"),
            },
        };
        assert_eq!(value, Ok(3));
    });
}
