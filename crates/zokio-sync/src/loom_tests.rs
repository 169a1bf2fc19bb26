//! Model checks of the lock-free parts under every interleaving loom explores.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p zokio-sync --release --lib loom`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;

use crate::semaphore::AcquireFuture;
use crate::{Notify, Semaphore, broadcast, mpsc, oneshot, watch};

/// Bounded preemptions keep the larger models to seconds while still covering the races.
pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
    model_bounded(3, f);
}

/// [`model`] with another preemption bound, for the models with three threads and a spin.
pub(crate) fn model_bounded(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemptions);
    // The message queue (concurrent-queue) briefly spins while a concurrent push completes; each
    // spin is a loom branch, so allow more than the default.
    builder.max_branches = 100_000;
    builder.check(f);
}

pub(crate) fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    let waker = std::task::Waker::noop();
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

#[test]
fn loom_semaphore_release_wakes_acquirer() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || sem.add_permits(1))
        };
        let permit = block_on(sem.acquire()).unwrap();
        drop(permit);
        releaser.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn loom_semaphore_two_acquirers_share_one_permit() {
    model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let other = {
            let sem = sem.clone();
            thread::spawn(move || drop(block_on(sem.acquire()).unwrap()))
        };
        drop(block_on(sem.acquire()).unwrap());
        other.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn loom_semaphore_cancelled_waiter_passes_its_turn() {
    model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.try_acquire_many(1).unwrap();
        let mut mine = Box::pin(AcquireFuture::new(&sem.inner, 1));
        assert!(poll_once(&mut mine).is_pending());
        let other = {
            let sem = sem.clone();
            thread::spawn(move || drop(block_on(sem.acquire()).unwrap()))
        };
        drop(held);
        // Whether or not the permit reached us first, dropping passes it on: `other` finishes.
        drop(mine);
        other.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn loom_notify_one_is_never_lost() {
    model(|| {
        let notify = Arc::new(Notify::new());
        let notifier = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_one())
        };
        block_on(notify.notified());
        notifier.join().unwrap();
    });
}

#[test]
fn loom_notify_one_twice_wakes_two_waiters_on_the_ticket_path() {
    // Two threads queue (with `enable`) before a third notifies twice; the picks, the published
    // ticket and the re-polls then interleave freely, and both waits must end (a lost hand-off
    // deadlocks the model).
    use loom::sync::atomic::{AtomicUsize, Ordering};
    model_bounded(2, || {
        let notify = Arc::new(Notify::new());
        let queued = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let (notify, queued) = (notify.clone(), queued.clone());
            thread::spawn(move || {
                let mut notified = Box::pin(notify.notified());
                notified.as_mut().enable();
                queued.fetch_add(1, Ordering::SeqCst);
                block_on(notified);
            })
        };
        let notifier = {
            let (notify, queued) = (notify.clone(), queued.clone());
            thread::spawn(move || {
                while queued.load(Ordering::SeqCst) < 2 {
                    thread::yield_now();
                }
                notify.notify_one();
                notify.notify_one();
            })
        };
        let mut notified = Box::pin(notify.notified());
        notified.as_mut().enable();
        queued.fetch_add(1, Ordering::SeqCst);
        block_on(notified);
        waiter.join().unwrap();
        notifier.join().unwrap();
    });
}

#[test]
fn loom_notified_dropped_while_picked_passes_the_notification_on() {
    // A waiter registers and then gives up while `notify_one` runs: the notification either
    // completed it, or must reach the next waiter (as a forwarded pick or a stored permit).
    model(|| {
        let notify = Arc::new(Notify::new());
        let quitter = {
            let notify = notify.clone();
            thread::spawn(move || {
                let mut notified = Box::pin(notify.notified());
                let ready = poll_once(&mut notified).is_ready();
                drop(notified);
                ready
            })
        };
        notify.notify_one();
        if !quitter.join().unwrap() {
            block_on(notify.notified());
        }
    });
}

#[test]
fn loom_notify_waiters_reaches_a_created_future() {
    model(|| {
        let notify = Arc::new(Notify::new());
        let flag = Arc::new(loom::sync::atomic::AtomicBool::new(false));
        let notifier = {
            let (notify, flag) = (notify.clone(), flag.clone());
            thread::spawn(move || {
                flag.store(true, loom::sync::atomic::Ordering::SeqCst);
                notify.notify_waiters();
            })
        };
        let notified = notify.notified();
        if !flag.load(loom::sync::atomic::Ordering::SeqCst) {
            block_on(notified);
        }
        notifier.join().unwrap();
    });
}

#[test]
fn loom_oneshot_send_then_receive() {
    model(|| {
        let (tx, rx) = oneshot::channel();
        let sender = thread::spawn(move || tx.send(5).unwrap());
        assert_eq!(block_on(rx), Ok(5));
        sender.join().unwrap();
    });
}

#[test]
fn loom_oneshot_dropped_sender_ends_the_wait() {
    model(|| {
        let (tx, rx) = oneshot::channel::<u8>();
        let sender = thread::spawn(move || drop(tx));
        assert!(block_on(rx).is_err());
        sender.join().unwrap();
    });
}

#[test]
fn loom_oneshot_close_races_send_without_losing_the_value() {
    model(|| {
        let (tx, mut rx) = oneshot::channel::<u8>();
        let sender = thread::spawn(move || tx.send(7));
        rx.close();
        let received = rx.try_recv().ok();
        let returned = sender.join().unwrap().err();
        // Exactly one side ends up with the value (or the receiver reads it after the join).
        let late = if received.is_none() && returned.is_none() {
            rx.try_recv().ok()
        } else {
            None
        };
        let copies = [received, returned, late].iter().flatten().count();
        assert_eq!(copies, 1);
    });
}

#[test]
fn loom_oneshot_sender_sees_close() {
    model(|| {
        let (mut tx, rx) = oneshot::channel::<u8>();
        let receiver = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        receiver.join().unwrap();
        assert!(tx.is_closed());
    });
}

#[test]
fn loom_mpsc_bounded_delivers_in_order() {
    model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        let sender = thread::spawn(move || {
            block_on(async {
                tx.send(1).await.unwrap();
                tx.send(2).await.unwrap();
            })
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        assert_eq!(block_on(rx.recv()), None);
        sender.join().unwrap();
    });
}

#[test]
fn loom_mpsc_last_sender_drop_after_send_is_seen() {
    model(|| {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let tx2 = tx.clone();
        let a = thread::spawn(move || tx.send(1).unwrap());
        let b = thread::spawn(move || drop(tx2));
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), None);
        a.join().unwrap();
        b.join().unwrap();
    });
}

/// A reservation granted its slot just before the receiver closed: whether it is cancelled or
/// fails on another thread, the slot comes back and the closed receiver sees the end.
#[test]
fn loom_mpsc_closed_receiver_ends_when_a_granted_reserve_gives_up() {
    for poll_it in [false, true] {
        model(move || {
            let (tx, mut rx) = mpsc::channel::<u32>(1);
            let held = tx.try_reserve().unwrap();
            let mut reserve = Box::pin(tx.clone().reserve_owned());
            assert!(poll_once(&mut reserve).is_pending());
            drop(held);
            rx.close();
            let other = thread::spawn(move || {
                if poll_it {
                    assert!(block_on(reserve).is_err());
                } else {
                    drop(reserve);
                }
            });
            assert_eq!(block_on(rx.recv()), None);
            other.join().unwrap();
            drop(tx);
        });
    }
}

#[test]
fn loom_broadcast_send_wakes_receiver() {
    model(|| {
        let (tx, mut rx) = broadcast::channel(2);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
        });
        assert_eq!(block_on(rx.recv()), Ok(1));
        assert_eq!(
            block_on(rx.recv()),
            Err(broadcast::error::RecvError::Closed)
        );
        sender.join().unwrap();
    });
}

#[test]
fn loom_watch_change_is_seen() {
    model(|| {
        let (tx, mut rx) = watch::channel(0);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
        });
        // Either we see the change, or the channel closes after it: never a lost update.
        loop {
            match block_on(rx.changed()) {
                Ok(()) => {
                    if *rx.borrow_and_update() == 1 {
                        break;
                    }
                }
                Err(_) => {
                    assert_eq!(*rx.borrow(), 1);
                    break;
                }
            }
        }
        sender.join().unwrap();
    });
}
