//! The `unsafe` paths of every primitive, small enough for miri (`cargo xtask miri` runs this file
//! and the crate's unit tests under `cargo +nightly miri test`). No runtime, no I/O, no clock: each
//! test drives its futures with `futures_lite::future::block_on` or polls them by hand, and uses at
//! most a few OS threads, so that miri's interpreter can check every access for undefined behaviour
//! (use after free, data races, misaligned or out-of-bounds pointers, invalid provenance).
//!
//! The same tests run natively with the rest of the suite; there they are quick unit checks of the
//! exact counts (values dropped once, permits returned, messages in order).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Poll, Waker};
use std::thread;

use futures_lite::future::block_on;
use zokio_sync::{
    Barrier, Mutex, MutexGuard, Notify, OnceCell, RwLock, RwLockWriteGuard, Semaphore, SetOnce,
    broadcast, mpsc, oneshot, watch,
};

/// Counts its drops: every value a channel holds must be dropped exactly once.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn oneshot_in_place_state_send_receive_and_drops() {
    // `channel()` writes the shared state in place into a fresh `Arc` allocation.
    let (tx, rx) = oneshot::channel::<String>();
    tx.send("one".to_owned()).unwrap();
    assert_eq!(block_on(rx).unwrap(), "one");

    // Sent and never received: the value is dropped with the last handle.
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = oneshot::channel::<Counted>();
    assert!(tx.send(Counted(drops.clone())).is_ok());
    drop(rx);
    assert_eq!(drops.load(SeqCst), 1);

    // Receiver closed first: the value comes back in the error.
    let (tx, rx) = oneshot::channel::<Counted>();
    drop(rx);
    let back = tx.send(Counted(drops.clone())).unwrap_err();
    drop(back);
    assert_eq!(drops.load(SeqCst), 2);

    // Across threads, with the receiver waiting first.
    let (tx, rx) = oneshot::channel::<u32>();
    let sender = thread::spawn(move || tx.send(7).unwrap());
    assert_eq!(block_on(rx).unwrap(), 7);
    sender.join().unwrap();
}

#[test]
fn oneshot_waiting_receiver_is_woken_by_a_dropped_sender() {
    let (tx, rx) = oneshot::channel::<u32>();
    let mut rx = pin!(rx);
    assert!(poll_once(rx.as_mut()).is_pending());
    drop(tx);
    assert!(block_on(rx).is_err());
}

#[test]
fn mpsc_values_in_order_and_dropped_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::unbounded_channel::<Counted>();
    // Enough to cross a block boundary of the unbounded list.
    for _ in 0..40 {
        tx.send(Counted(drops.clone()))
            .unwrap_or_else(|_| panic!("open"));
    }
    for _ in 0..10 {
        drop(rx.try_recv().unwrap());
    }
    assert_eq!(drops.load(SeqCst), 10);
    drop((tx, rx));
    assert_eq!(
        drops.load(SeqCst),
        40,
        "the 30 still queued are dropped with the channel"
    );

    let (tx, mut rx) = mpsc::channel::<u32>(2);
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..5 {
                    block_on(tx.send(p * 100 + i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut got = Vec::new();
    while let Some(v) = block_on(rx.recv()) {
        got.push(v);
    }
    for p in producers {
        p.join().unwrap();
    }
    let per_producer = |p: u32| {
        got.iter()
            .copied()
            .filter(|v| v / 100 == p)
            .collect::<Vec<_>>()
    };
    assert_eq!(per_producer(0), [0, 1, 2, 3, 4]);
    assert_eq!(per_producer(1), [100, 101, 102, 103, 104]);
}

#[test]
fn mpsc_permits_and_a_cancelled_reserve() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let permit = block_on(tx.reserve()).unwrap();
    {
        // Full: a second reserve waits, and is then dropped while waiting.
        let mut waiting = pin!(tx.reserve());
        assert!(poll_once(waiting.as_mut()).is_pending());
    }
    permit.send(3);
    assert_eq!(block_on(rx.recv()), Some(3));
    let owned = block_on(tx.clone().reserve_owned()).unwrap();
    owned.send(4);
    assert_eq!(block_on(rx.recv()), Some(4));
}

#[test]
fn notify_waiters_in_the_intrusive_list() {
    let notify = Notify::new();
    let mut first = pin!(notify.notified());
    let mut second = pin!(notify.notified());
    first.as_mut().enable();
    second.as_mut().enable();
    notify.notify_one();
    assert!(poll_once(first.as_mut()).is_ready());
    assert!(poll_once(second.as_mut()).is_pending());
    notify.notify_waiters();
    assert!(poll_once(second.as_mut()).is_ready());

    // A waiter dropped while queued unlinks itself.
    {
        let mut dropped = pin!(notify.notified());
        dropped.as_mut().enable();
    }
    notify.notify_one();
    // The stored permit completes the next one at once.
    assert!(poll_once(pin!(notify.notified())).is_ready());

    let notify = Arc::new(Notify::new());
    let waiter = {
        let notify = notify.clone();
        thread::spawn(move || block_on(notify.notified_owned()))
    };
    notify.notify_one();
    waiter.join().unwrap();
}

#[test]
fn semaphore_permits_return_exactly() {
    let sem = Arc::new(Semaphore::new(2));
    let a = block_on(sem.acquire()).unwrap();
    let b = sem.clone().try_acquire_owned().unwrap();
    assert_eq!(sem.available_permits(), 0);
    {
        let mut waiting = pin!(sem.acquire_many(2));
        assert!(poll_once(waiting.as_mut()).is_pending());
        drop(a);
        assert!(
            poll_once(waiting.as_mut()).is_pending(),
            "one permit is not two"
        );
    }
    assert_eq!(
        sem.available_permits(),
        1,
        "the cancelled wait gave its share back"
    );
    drop(b);
    assert_eq!(sem.available_permits(), 2);
    sem.close();
    assert!(block_on(sem.acquire()).is_err());
}

#[test]
fn mutex_and_rwlock_guards_including_mapped_and_owned() {
    let mutex = Arc::new(Mutex::new((1u32, String::from("a"))));
    {
        let guard = block_on(mutex.lock());
        let mut mapped = MutexGuard::map(guard, |pair| &mut pair.1);
        mapped.push('b');
    }
    let owned = block_on(mutex.clone().lock_owned());
    assert_eq!(owned.1, "ab");
    drop(owned);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let mutex = mutex.clone();
            thread::spawn(move || {
                for _ in 0..5 {
                    block_on(mutex.lock()).0 += 1;
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(block_on(mutex.lock()).0, 11);

    let lock = Arc::new(RwLock::new(vec![1, 2, 3]));
    {
        let r1 = block_on(lock.read());
        let r2 = lock.try_read().unwrap();
        assert_eq!(r1.len() + r2.len(), 6);
        assert!(lock.try_write().is_err());
    }
    {
        let w = block_on(lock.write());
        let mut first = RwLockWriteGuard::map(w, |v| &mut v[0]);
        *first = 10;
    }
    let downgraded = block_on(lock.clone().write_owned()).downgrade();
    assert_eq!(downgraded[0], 10);
}

#[test]
fn broadcast_and_watch_values_reach_every_receiver() {
    let (tx, mut rx1) = broadcast::channel::<String>(2);
    let mut rx2 = tx.subscribe();
    tx.send("x".to_owned()).unwrap();
    tx.send("y".to_owned()).unwrap();
    tx.send("z".to_owned()).unwrap();
    // Capacity 2: the oldest is gone for both.
    assert!(matches!(
        rx1.try_recv(),
        Err(broadcast::error::TryRecvError::Lagged(1))
    ));
    assert_eq!(rx1.try_recv().unwrap(), "y");
    assert_eq!(
        block_on(rx2.recv()),
        Err(broadcast::error::RecvError::Lagged(1))
    );
    assert_eq!(block_on(rx2.recv()).unwrap(), "y");
    assert_eq!(block_on(rx2.recv()).unwrap(), "z");
    drop(tx);
    assert_eq!(rx1.try_recv().unwrap(), "z");
    assert!(block_on(rx1.recv()).is_err());

    let (tx, mut rx) = watch::channel(0u32);
    let watcher = thread::spawn(move || {
        block_on(rx.wait_for(|v| *v == 3)).unwrap();
    });
    for v in 1..=3 {
        tx.send(v).unwrap();
    }
    watcher.join().unwrap();
}

#[test]
fn once_cells_initialise_once() {
    let cell = Arc::new(OnceCell::<String>::new());
    let inits = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (cell, inits) = (cell.clone(), inits.clone());
            thread::spawn(move || {
                block_on(cell.get_or_init(|| async {
                    inits.fetch_add(1, SeqCst);
                    "v".to_owned()
                }))
                .clone()
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), "v");
    }
    assert_eq!(inits.load(SeqCst), 1);

    let once = SetOnce::new();
    assert!(once.set(String::from("first")).is_ok());
    assert_eq!(once.set(String::from("second")).unwrap_err().0, "second");
    assert_eq!(block_on(once.wait()), "first");
}

#[test]
fn barrier_releases_every_waiter_once() {
    let barrier = Arc::new(Barrier::new(2));
    let other = {
        let barrier = barrier.clone();
        thread::spawn(move || block_on(barrier.wait()).is_leader())
    };
    let here = block_on(barrier.wait()).is_leader();
    let there = other.join().unwrap();
    assert!(here ^ there, "exactly one leader");
}
