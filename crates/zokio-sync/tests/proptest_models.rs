//! Random operation sequences checked against simple sequential models.
//!
//! Futures are polled by hand with a no-op waker, so every interleaving is deterministic and the
//! model can say exactly which waiter must be ready after each step.
#![cfg(not(loom))]

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use proptest::prelude::*;
use zokio_sync::{Mutex, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};
use zokio_sync::{broadcast, mpsc, watch};

type BoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

fn poll<T>(future: &mut BoxFuture<T>) -> Option<T> {
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(value) => Some(value),
        Poll::Pending => None,
    }
}

#[derive(Debug, Clone)]
enum SemOp {
    TryAcquire(u32),
    Acquire(u32),
    Release(usize),
    Cancel(usize),
    Add(usize),
    Forget(usize),
    PollAll,
}

fn sem_op() -> impl Strategy<Value = SemOp> {
    prop_oneof![
        (1..4u32).prop_map(SemOp::TryAcquire),
        (1..4u32).prop_map(SemOp::Acquire),
        any::<usize>().prop_map(SemOp::Release),
        any::<usize>().prop_map(SemOp::Cancel),
        (0..4usize).prop_map(SemOp::Add),
        (0..3usize).prop_map(SemOp::Forget),
        Just(SemOp::PollAll),
    ]
}

/// A waiter in the real semaphore and its twin in the model.
struct SemWaiter {
    future: BoxFuture<Result<OwnedSemaphorePermit, zokio_sync::AcquireError>>,
    want: u32,
    granted: bool,
}

/// The model: `free` permits not held by anyone (including those set aside for the queue head),
/// a FIFO queue of requests, and granted requests in order.
struct SemModel {
    free: usize,
    queue: VecDeque<usize>,
}

impl SemModel {
    fn grant(&mut self, waiters: &mut [SemWaiter]) {
        while let Some(&id) = self.queue.front() {
            let want = waiters[id].want as usize;
            if self.free < want {
                break;
            }
            self.free -= want;
            waiters[id].granted = true;
            self.queue.pop_front();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn semaphore_matches_fifo_model(initial in 0..4usize, ops in prop::collection::vec(sem_op(), 1..60)) {
        let sem = Arc::new(Semaphore::new(initial));
        let mut model = SemModel { free: initial, queue: VecDeque::new() };
        let mut held: Vec<OwnedSemaphorePermit> = Vec::new();
        let mut waiters: Vec<SemWaiter> = Vec::new();
        let mut live: Vec<usize> = Vec::new();
        // Permits in existence (initial + added - forgotten).
        let mut total = initial;
        for op in ops {
            match op {
                SemOp::TryAcquire(n) => {
                    let real = sem.clone().try_acquire_many_owned(n);
                    let expect = model.queue.is_empty() && model.free >= n as usize;
                    prop_assert_eq!(real.is_ok(), expect);
                    if let Ok(permit) = real {
                        model.free -= n as usize;
                        held.push(permit);
                    }
                }
                SemOp::Acquire(n) => {
                    let mut future: BoxFuture<_> = Box::pin(sem.clone().acquire_many_owned(n));
                    let real = poll(&mut future);
                    let expect = model.queue.is_empty() && model.free >= n as usize;
                    prop_assert_eq!(real.is_some(), expect);
                    match real {
                        Some(permit) => {
                            model.free -= n as usize;
                            held.push(permit.unwrap());
                        }
                        None => {
                            model.queue.push_back(waiters.len());
                            live.push(waiters.len());
                            waiters.push(SemWaiter { future, want: n, granted: false });
                        }
                    }
                }
                SemOp::Release(i) if !held.is_empty() => {
                    let permit = held.swap_remove(i % held.len());
                    model.free += permit.num_permits();
                    drop(permit);
                    model.grant(&mut waiters);
                }
                SemOp::Cancel(i) if !live.is_empty() => {
                    let id = live.swap_remove(i % live.len());
                    let waiter = &mut waiters[id];
                    // Dropping the future returns whatever it was granted or set aside.
                    waiter.future = Box::pin(std::future::pending());
                    if waiter.granted {
                        model.free += waiter.want as usize;
                    } else {
                        model.queue.retain(|&q| q != id);
                    }
                    model.grant(&mut waiters);
                }
                SemOp::Add(n) => {
                    sem.add_permits(n);
                    model.free += n;
                    total += n;
                    model.grant(&mut waiters);
                }
                SemOp::Forget(n) => {
                    let expect = if model.queue.is_empty() { n.min(model.free) } else { 0 };
                    prop_assert_eq!(sem.forget_permits(n), expect);
                    model.free -= expect;
                    total -= expect;
                }
                SemOp::PollAll => {
                    let mut still = Vec::new();
                    for id in live.drain(..) {
                        let real = poll(&mut waiters[id].future);
                        prop_assert_eq!(real.is_some(), waiters[id].granted, "waiter {}", id);
                        match real {
                            Some(permit) => held.push(permit.unwrap()),
                            None => still.push(id),
                        }
                    }
                    live = still;
                }
                SemOp::Release(_) | SemOp::Cancel(_) => {}
            }
            let visible = if model.queue.is_empty() { model.free } else { 0 };
            prop_assert_eq!(sem.available_permits(), visible);
        }
        // Everything dropped: every permit that still exists comes back.
        drop(held);
        drop(waiters);
        prop_assert_eq!(sem.available_permits(), total);
    }

    #[test]
    fn mutex_matches_fifo_model(ops in prop::collection::vec(mutex_op(), 1..60)) {
        let mutex = Arc::new(Mutex::new(0u32));
        // Model: who holds the lock (guard index), and the FIFO queue of waiter ids.
        let mut guard: Option<OwnedMutexGuard<u32>> = None;
        let mut granted: Option<usize> = None;
        let mut queue: VecDeque<usize> = VecDeque::new();
        let mut waiters: Vec<Option<BoxFuture<OwnedMutexGuard<u32>>>> = Vec::new();
        let mut increments = 0;
        for op in ops {
            match op {
                MutexOp::Lock => {
                    let mut future: BoxFuture<_> = Box::pin(mutex.clone().lock_owned());
                    let free = guard.is_none() && granted.is_none() && queue.is_empty();
                    match poll(&mut future) {
                        Some(g) => {
                            prop_assert!(free);
                            guard = Some(g);
                        }
                        None => {
                            prop_assert!(!free);
                            queue.push_back(waiters.len());
                            waiters.push(Some(future));
                        }
                    }
                }
                MutexOp::TryLock => {
                    let free = guard.is_none() && granted.is_none() && queue.is_empty();
                    let real = mutex.clone().try_lock_owned();
                    prop_assert_eq!(real.is_ok(), free);
                    if let Ok(g) = real {
                        guard = Some(g);
                    }
                }
                MutexOp::Unlock => {
                    if let Some(mut g) = guard.take() {
                        *g += 1;
                        increments += 1;
                        drop(g);
                        granted = queue.pop_front();
                    }
                }
                MutexOp::Cancel(i) => {
                    let live: Vec<usize> = (0..waiters.len()).filter(|&w| waiters[w].is_some()).collect();
                    if !live.is_empty() {
                        let id = live[i % live.len()];
                        waiters[id] = None;
                        if granted == Some(id) {
                            granted = queue.pop_front();
                        } else {
                            queue.retain(|&q| q != id);
                        }
                    }
                }
                MutexOp::PollGranted => {
                    for (id, slot) in waiters.iter_mut().enumerate() {
                        let Some(future) = slot.as_mut() else { continue };
                        let real = poll(future);
                        prop_assert_eq!(real.is_some(), granted == Some(id));
                        if let Some(g) = real {
                            *slot = None;
                            granted = None;
                            guard = Some(g);
                        }
                    }
                }
            }
        }
        drop(guard);
        drop(waiters);
        prop_assert_eq!(*mutex.try_lock().unwrap(), increments);
    }

    #[test]
    fn mpsc_matches_queue_model(cap in 1..5usize, ops in prop::collection::vec(mpsc_op(), 1..80)) {
        let (tx, mut rx) = mpsc::channel::<u32>(cap);
        let mut model: VecDeque<u32> = VecDeque::new();
        let mut permits = Vec::new();
        let mut closed = false;
        let mut next = 0u32;
        for op in ops {
            match op {
                MpscOp::TrySend => {
                    next += 1;
                    let full = model.len() + permits.len() >= cap;
                    match tx.try_send(next) {
                        Ok(()) => {
                            prop_assert!(!closed && !full);
                            model.push_back(next);
                        }
                        Err(mpsc::error::TrySendError::Full(v)) => {
                            prop_assert!(!closed && full);
                            prop_assert_eq!(v, next);
                        }
                        Err(mpsc::error::TrySendError::Closed(v)) => {
                            prop_assert!(closed);
                            prop_assert_eq!(v, next);
                        }
                    }
                }
                MpscOp::Reserve => {
                    let full = model.len() + permits.len() >= cap;
                    match tx.try_reserve() {
                        Ok(permit) => {
                            prop_assert!(!closed && !full);
                            permits.push(permit);
                        }
                        Err(_) => prop_assert!(closed || full),
                    }
                }
                MpscOp::SendPermit => {
                    if let Some(permit) = permits.pop() {
                        next += 1;
                        permit.send(next);
                        model.push_back(next);
                    }
                }
                MpscOp::DropPermit => {
                    permits.pop();
                }
                MpscOp::Recv => {
                    let real = rx.try_recv();
                    match model.pop_front() {
                        Some(v) => prop_assert_eq!(real, Ok(v)),
                        None if closed && permits.is_empty() => {
                            prop_assert_eq!(real, Err(mpsc::error::TryRecvError::Disconnected));
                        }
                        None => prop_assert_eq!(real, Err(mpsc::error::TryRecvError::Empty)),
                    }
                }
                MpscOp::Close => {
                    rx.close();
                    closed = true;
                }
            }
            if !closed {
                prop_assert_eq!(tx.capacity(), cap - model.len() - permits.len());
            }
            prop_assert_eq!(rx.len(), model.len());
        }
        drop(permits);
        drop(tx);
        // Nothing lost: the rest drains in order, then the end.
        for v in model {
            prop_assert_eq!(rx.try_recv(), Ok(v));
        }
        prop_assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected));
    }

    #[test]
    fn broadcast_matches_log_model(cap_pow in 0..3u32, ops in prop::collection::vec(bcast_op(), 1..80)) {
        let cap = 1usize << cap_pow;
        let (tx, rx) = broadcast::channel::<u32>(cap);
        let mut receivers = vec![(rx, 0usize)];
        let mut log: Vec<u32> = Vec::new();
        for op in ops {
            match op {
                BcastOp::Send(v) => {
                    let real = tx.send(v);
                    if receivers.is_empty() {
                        prop_assert_eq!(real.unwrap_err().0, v);
                    } else {
                        prop_assert_eq!(real, Ok(receivers.len()));
                        log.push(v);
                    }
                }
                BcastOp::Recv(i) if !receivers.is_empty() => {
                    let n = receivers.len();
                    let (rx, next) = &mut receivers[i % n];
                    let real = rx.try_recv();
                    if *next == log.len() {
                        prop_assert_eq!(real, Err(broadcast::error::TryRecvError::Empty));
                    } else if log.len() - *next > cap {
                        let oldest = log.len() - cap;
                        prop_assert_eq!(real, Err(broadcast::error::TryRecvError::Lagged((oldest - *next) as u64)));
                        *next = oldest;
                    } else {
                        prop_assert_eq!(real, Ok(log[*next]));
                        *next += 1;
                    }
                }
                BcastOp::Subscribe => receivers.push((tx.subscribe(), log.len())),
                BcastOp::Drop(i) if !receivers.is_empty() => {
                    let n = receivers.len();
                    receivers.swap_remove(i % n);
                }
                BcastOp::Recv(_) | BcastOp::Drop(_) => {}
            }
            prop_assert_eq!(tx.receiver_count(), receivers.len());
        }
    }

    #[test]
    fn watch_matches_version_model(ops in prop::collection::vec(watch_op(), 1..60)) {
        let (tx, rx) = watch::channel(0u32);
        let mut value = 0u32;
        let mut version = 0usize;
        let mut receivers = vec![(rx, 0usize)];
        for op in ops {
            match op {
                WatchOp::Send(v) => {
                    let real = tx.send(v);
                    if receivers.is_empty() {
                        prop_assert!(real.is_err());
                    } else {
                        prop_assert!(real.is_ok());
                        value = v;
                        version += 1;
                    }
                }
                WatchOp::Modify(keep) => {
                    let changed = tx.send_if_modified(|v| {
                        if keep {
                            *v += 1;
                        }
                        keep
                    });
                    prop_assert_eq!(changed, keep);
                    if keep {
                        value += 1;
                        version += 1;
                    }
                }
                WatchOp::Check(i) if !receivers.is_empty() => {
                    let n = receivers.len();
                    let (rx, seen) = &mut receivers[i % n];
                    prop_assert_eq!(rx.has_changed().unwrap(), *seen != version);
                    let borrowed = rx.borrow_and_update();
                    prop_assert_eq!(*borrowed, value);
                    prop_assert_eq!(borrowed.has_changed(), *seen != version);
                    *seen = version;
                }
                WatchOp::Subscribe => receivers.push((tx.subscribe(), version)),
                WatchOp::Drop(i) if !receivers.is_empty() => {
                    let n = receivers.len();
                    receivers.swap_remove(i % n);
                }
                WatchOp::Check(_) | WatchOp::Drop(_) => {}
            }
            prop_assert_eq!(*tx.borrow(), value);
            prop_assert_eq!(tx.receiver_count(), receivers.len());
        }
    }
}

#[derive(Debug, Clone)]
enum MutexOp {
    Lock,
    TryLock,
    Unlock,
    Cancel(usize),
    PollGranted,
}

fn mutex_op() -> impl Strategy<Value = MutexOp> {
    prop_oneof![
        Just(MutexOp::Lock),
        Just(MutexOp::TryLock),
        Just(MutexOp::Unlock),
        any::<usize>().prop_map(MutexOp::Cancel),
        Just(MutexOp::PollGranted),
    ]
}

#[derive(Debug, Clone)]
enum MpscOp {
    TrySend,
    Reserve,
    SendPermit,
    DropPermit,
    Recv,
    Close,
}

fn mpsc_op() -> impl Strategy<Value = MpscOp> {
    prop_oneof![
        4 => Just(MpscOp::TrySend),
        2 => Just(MpscOp::Reserve),
        2 => Just(MpscOp::SendPermit),
        1 => Just(MpscOp::DropPermit),
        4 => Just(MpscOp::Recv),
        1 => Just(MpscOp::Close),
    ]
}

#[derive(Debug, Clone)]
enum BcastOp {
    Send(u32),
    Recv(usize),
    Subscribe,
    Drop(usize),
}

fn bcast_op() -> impl Strategy<Value = BcastOp> {
    prop_oneof![
        4 => any::<u32>().prop_map(BcastOp::Send),
        4 => any::<usize>().prop_map(BcastOp::Recv),
        1 => Just(BcastOp::Subscribe),
        1 => any::<usize>().prop_map(BcastOp::Drop),
    ]
}

#[derive(Debug, Clone)]
enum WatchOp {
    Send(u32),
    Modify(bool),
    Check(usize),
    Subscribe,
    Drop(usize),
}

fn watch_op() -> impl Strategy<Value = WatchOp> {
    prop_oneof![
        3 => any::<u32>().prop_map(WatchOp::Send),
        2 => any::<bool>().prop_map(WatchOp::Modify),
        4 => any::<usize>().prop_map(WatchOp::Check),
        1 => Just(WatchOp::Subscribe),
        1 => any::<usize>().prop_map(WatchOp::Drop),
    ]
}
