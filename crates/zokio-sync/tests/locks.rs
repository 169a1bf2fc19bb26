//! Mutex, RwLock and Semaphore behaviour: FIFO order, cancellation, closing, limits.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Exec, poll_once, yield_n};
use zokio_sync::{AcquireError, TryAcquireError};
use zokio_sync::{Mutex, MutexGuard, OwnedMutexGuard, RwLock, RwLockWriteGuard, Semaphore};

fn mutex_is_fifo_and_try_lock_does_not_barge<E: Exec>() {
    E::block_on(async {
        let mutex = Arc::new(Mutex::new(Vec::new()));
        let guard = mutex.lock().await;
        let mut waiters: Vec<_> = (0..3)
            .map(|i| {
                let mutex = mutex.clone();
                Box::pin(async move { mutex.lock_owned().await.push(i) })
            })
            .collect();
        for waiter in &mut waiters {
            assert!(poll_once(waiter).is_none());
        }
        drop(guard);
        // The lock went to the first waiter: a newcomer may not take it.
        assert!(mutex.try_lock().is_err());
        for waiter in &mut waiters {
            assert_eq!(poll_once(waiter), Some(()));
        }
        assert_eq!(*mutex.lock().await, vec![0, 1, 2]);
    });
}

fn dropped_lock_future_passes_the_lock_on<E: Exec>() {
    E::block_on(async {
        let mutex = Arc::new(Mutex::new(0));
        let guard = mutex.clone().lock_owned().await;
        let mut first = Box::pin(mutex.clone().lock_owned());
        let mut second = Box::pin(mutex.clone().lock_owned());
        assert!(poll_once(&mut first).is_none());
        assert!(poll_once(&mut second).is_none());
        drop(guard); // Granted to `first`, which never looks at it again.
        drop(first);
        let mut guard = poll_once(&mut second).expect("turn passed to the second waiter");
        *guard += 1;
        drop(guard);
        assert_eq!(*mutex.try_lock().unwrap(), 1);
    });
}

fn mutex_counts_exactly_under_contention<E: Exec>() {
    E::block_on(async {
        let mutex = Arc::new(Mutex::new(0u64));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let mutex = mutex.clone();
                E::spawn(async move {
                    for _ in 0..500 {
                        let mut guard = mutex.lock().await;
                        let value = *guard;
                        // Hold the lock across a yield: nobody else may get in.
                        futures_lite::future::yield_now().await;
                        *guard = value + 1;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
        assert_eq!(*mutex.lock().await, 4000);
    });
}

fn guards_map_and_owned_guards_work<E: Exec>() {
    E::block_on(async {
        let mutex = Arc::new(Mutex::new((1, String::from("x"))));
        {
            let mut text = MutexGuard::map(mutex.lock().await, |pair| &mut pair.1);
            text.push('y');
            assert!(mutex.try_lock().is_err(), "a mapped guard keeps the lock");
        }
        let guard = mutex.clone().lock_owned().await;
        assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&guard), &mutex));
        let mut number = OwnedMutexGuard::map(guard, |pair| &mut pair.0);
        *number += 41;
        drop(number);
        let guard = mutex.try_lock().unwrap();
        assert_eq!(*guard, (42, String::from("xy")));
        let guard = MutexGuard::try_map(guard, |_| None::<&mut u8>).unwrap_err();
        drop(guard);
        let mutex = Arc::try_unwrap(mutex).unwrap();
        assert_eq!(mutex.into_inner().0, 42);
    });
}

#[test]
fn blocking_lock_from_threads() {
    let mutex = Arc::new(Mutex::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let mutex = mutex.clone();
            std::thread::spawn(move || {
                for _ in 0..1000 {
                    *mutex.blocking_lock() += 1;
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(*mutex.blocking_lock(), 4000);
}

fn rwlock_readers_share_and_writer_is_preferred<E: Exec>() {
    E::block_on(async {
        let lock = Arc::new(RwLock::new(0));
        let r1 = lock.read().await;
        let r2 = lock.read().await;
        assert_eq!(*r1 + *r2, 0);
        let mut writer = Box::pin(lock.clone().write_owned());
        assert!(poll_once(&mut writer).is_none());
        // A writer is queued: a new reader must wait behind it.
        assert!(lock.try_read().is_err());
        let mut late_reader = Box::pin(lock.clone().read_owned());
        assert!(poll_once(&mut late_reader).is_none());
        drop(r1);
        assert!(poll_once(&mut writer).is_none(), "one reader still inside");
        drop(r2);
        let mut guard = poll_once(&mut writer).expect("writer after the readers");
        *guard = 5;
        assert!(poll_once(&mut late_reader).is_none());
        drop(guard);
        assert_eq!(*poll_once(&mut late_reader).unwrap(), 5);
    });
}

fn rwlock_max_readers_and_downgrade<E: Exec>() {
    E::block_on(async {
        let lock = RwLock::with_max_readers(1, 2);
        let a = lock.read().await;
        let b = lock.read().await;
        assert!(lock.try_read().is_err(), "only two readers allowed");
        drop((a, b));
        let mut writer = lock.write().await;
        *writer += 1;
        let reader = RwLockWriteGuard::downgrade(writer);
        assert_eq!(*reader, 2);
        let other = lock.try_read().expect("downgraded guard admits readers");
        assert!(lock.try_write().is_err());
        drop((reader, other));
        assert_eq!(lock.into_inner(), 2);
    });
}

#[test]
#[should_panic(expected = "between 1 and")]
fn rwlock_rejects_zero_readers() {
    let _ = RwLock::with_max_readers((), 0);
}

fn semaphore_large_request_is_not_overtaken<E: Exec>() {
    E::block_on(async {
        let sem = Arc::new(Semaphore::new(0));
        let mut big = Box::pin(sem.clone().acquire_many_owned(3));
        let mut small = Box::pin(sem.clone().acquire_owned());
        assert!(poll_once(&mut big).is_none());
        assert!(poll_once(&mut small).is_none());
        sem.add_permits(1);
        assert!(
            poll_once(&mut small).is_none(),
            "small may not overtake the big request"
        );
        assert_eq!(
            sem.available_permits(),
            0,
            "permits went to the queue front"
        );
        sem.add_permits(2);
        let big = poll_once(&mut big).unwrap().unwrap();
        assert_eq!(big.num_permits(), 3);
        assert!(poll_once(&mut small).is_none());
        sem.add_permits(1);
        assert!(poll_once(&mut small).unwrap().is_ok());
        drop(big);
        assert_eq!(sem.available_permits(), 4);
    });
}

fn semaphore_cancel_returns_partial_grant<E: Exec>() {
    E::block_on(async {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.clone().acquire_owned().await.unwrap();
        let mut want_two = Box::pin(sem.clone().acquire_many_owned(2));
        let mut behind = Box::pin(sem.clone().acquire_owned());
        assert!(poll_once(&mut want_two).is_none());
        assert!(poll_once(&mut behind).is_none());
        sem.add_permits(1); // One of the two is now set aside for `want_two`.
        assert_eq!(sem.available_permits(), 0);
        drop(want_two); // ...and passes to `behind`.
        let permit = poll_once(&mut behind).unwrap().unwrap();
        drop(permit);
        drop(held);
        assert_eq!(sem.available_permits(), 2);
    });
}

fn semaphore_close_fails_waiters_but_keeps_permits<E: Exec>() {
    E::block_on(async {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.try_acquire().unwrap();
        let waiter = {
            let sem = sem.clone();
            E::spawn(async move { sem.acquire().await.map(|_| ()) })
        };
        yield_n(10).await;
        sem.close();
        assert!(sem.is_closed());
        assert_eq!(waiter.await, Err::<(), _>(acquire_error(&sem).await));
        assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
        drop(held);
        assert_eq!(sem.available_permits(), 1);
    });
}

async fn acquire_error(sem: &Semaphore) -> AcquireError {
    sem.acquire().await.unwrap_err()
}

fn semaphore_forget_and_split<E: Exec>() {
    E::block_on(async {
        let sem = Semaphore::new(5);
        let mut permit = sem.acquire_many(3).await.unwrap();
        let one = permit.split(1).unwrap();
        assert!(permit.split(5).is_none());
        assert_eq!(permit.num_permits(), 2);
        one.forget();
        assert_eq!(sem.forget_permits(10), 2);
        assert_eq!(sem.available_permits(), 0);
        let mut again = sem.try_acquire_many(0).unwrap();
        again.merge(permit);
        assert_eq!(again.num_permits(), 2);
        drop(again);
        assert_eq!(sem.available_permits(), 2);
        assert_eq!(
            sem.try_acquire_many(3).unwrap_err(),
            TryAcquireError::NoPermits
        );
    });
}

#[test]
#[should_panic(expected = "MAX_PERMITS")]
fn semaphore_new_above_max_panics() {
    let _ = Semaphore::new(Semaphore::MAX_PERMITS + 1);
}

#[test]
#[should_panic(expected = "MAX_PERMITS")]
fn semaphore_add_above_max_panics() {
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    sem.add_permits(1);
}

#[test]
fn semaphore_max_permits_is_accepted() {
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    assert_eq!(sem.available_permits(), Semaphore::MAX_PERMITS);
    assert_eq!(Semaphore::MAX_PERMITS, usize::MAX >> 3);
}

#[test]
fn acquire_spends_the_coop_budget() {
    let sem = Semaphore::new(10);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    zokio_coop::with_budget(zokio_coop::Budget::units(2), || {
        let mut permits = Vec::new();
        for _ in 0..2 {
            let mut acquire = Box::pin(sem.acquire());
            match acquire.as_mut().poll(&mut cx) {
                std::task::Poll::Ready(permit) => permits.push(permit.unwrap()),
                std::task::Poll::Pending => panic!("budget left"),
            }
        }
        let mut acquire = Box::pin(sem.acquire());
        assert!(acquire.as_mut().poll(&mut cx).is_pending(), "budget spent");
    });
    assert_eq!(sem.available_permits(), 10);
}

use std::future::Future;

fn semaphore_limits_observed_concurrency<E: Exec>() {
    E::block_on(async {
        let sem = Arc::new(Semaphore::new(3));
        let inside = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (sem, inside, peak) = (sem.clone(), inside.clone(), peak.clone());
                E::spawn(async move {
                    for _ in 0..200 {
                        let _permit = sem.acquire().await.unwrap();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        futures_lite::future::yield_now().await;
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
        let peak = peak.load(Ordering::SeqCst);
        assert!(peak <= 3, "observed {peak} holders of 3 permits");
        assert!(peak >= 1);
        assert_eq!(sem.available_permits(), 3);
    });
}

exec_tests!(
    mutex_is_fifo_and_try_lock_does_not_barge,
    dropped_lock_future_passes_the_lock_on,
    mutex_counts_exactly_under_contention,
    guards_map_and_owned_guards_work,
    rwlock_readers_share_and_writer_is_preferred,
    rwlock_max_readers_and_downgrade,
    semaphore_large_request_is_not_overtaken,
    semaphore_cancel_returns_partial_grant,
    semaphore_close_fails_waiters_but_keeps_permits,
    semaphore_forget_and_split,
    semaphore_limits_observed_concurrency,
);

#[test]
fn many_waiters_are_served_in_batches() {
    // More waiters than one wake batch (32): both the release and the close paths must loop.
    let sem = Arc::new(Semaphore::new(0));
    let mut waiters: Vec<_> = (0..100)
        .map(|_| Box::pin(sem.clone().acquire_owned()))
        .collect();
    for waiter in &mut waiters {
        assert!(poll_once(waiter).is_none());
    }
    sem.add_permits(70);
    let (served, rest) = waiters.split_at_mut(70);
    let permits: Vec<_> = served
        .iter_mut()
        .map(|waiter| poll_once(waiter).unwrap().unwrap())
        .collect();
    assert!(poll_once(&mut rest[0]).is_none());
    sem.close();
    for waiter in rest {
        assert!(poll_once(waiter).unwrap().is_err());
    }
    drop(waiters);
    assert_eq!(sem.available_permits(), 0);
    drop(permits);
    assert_eq!(sem.available_permits(), 70);
}

#[test]
fn semaphore_acquire_granted_before_close_fails_after_it_and_returns_the_permits() {
    let sem = Semaphore::new(2);
    let held = sem.try_acquire().unwrap();
    let mut acquire = Box::pin(sem.acquire_many(2));
    // Takes the free permit and queues for the other, which `held` then hands over.
    assert!(poll_once(&mut acquire).is_none());
    drop(held);
    sem.close();
    assert!(
        matches!(poll_once(&mut acquire), Some(Err(AcquireError { .. }))),
        "an acquire that had not returned before the close fails"
    );
    drop(acquire);
    assert_eq!(sem.available_permits(), 2, "its grant went back");
}
