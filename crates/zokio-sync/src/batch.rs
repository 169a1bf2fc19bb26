//! The fair semaphore at the heart of `Semaphore`, `Mutex` and `RwLock`.
//!
//! Permits live in one atomic word together with two flags, so the uncontended paths (acquire with
//! permits available, release with nobody waiting) are a single compare-and-swap and never lock.
//! Waiters queue, strictly FIFO, in a [`WaitList`] under a mutex. The invariant that makes this fair is:
//!
//! > while the `WAITERS` flag is set, the atomic holds zero permits.
//!
//! A waiter that cannot be served entirely takes what is available and queues for the rest, and a
//! release while anyone waits hands its permits to the queue front-first under the lock. So a
//! newcomer on the fast path can never overtake a queued waiter, and a queued writer of an `RwLock`
//! (which needs every permit) blocks new readers: write preference falls out of FIFO order.
//!
//! # Locks and user code
//!
//! The waiter list's mutex is the only lock, and no waker runs or is dropped under it: served
//! waiters' wakers are collected into a [`WakeList`] and woken after unlocking; a waker replaced by
//! a newer poll, and the node of a waiter that fails or gives up (its waker still inside), are
//! dropped after unlocking too. `Semaphore`, `Mutex`, `RwLock`, `OnceCell` and the capacity of a
//! bounded mpsc channel all wait here, so this is how they keep wakers away from the lock.
//!
//! # Closing
//!
//! After [`BatchSemaphore::close`] every acquire that has not returned yet fails, including one
//! whose permits were all granted just before the close (as Tokio's): its grant goes back.

use std::fmt;
use std::task::{Context, Poll, Waker};

use crate::loom::{AtomicUsize, Mutex, MutexGuard, Ordering, lock};
use crate::waiters::{WaitList, WakeList};

const CLOSED: usize = 1;
const WAITERS: usize = 2;
const SHIFT: usize = 2;

/// The most permits a semaphore can hold. Leaves headroom above it so that adding two in-range
/// counts cannot wrap before the overflow check.
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

/// Why an acquire failed: the semaphore was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

/// Why a try-acquire failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TryAcquire {
    Closed,
    NoPermits,
}

#[derive(Debug)]
struct Waiter {
    /// Permits still missing; zero once granted.
    needed: usize,
    waker: Option<Waker>,
}

/// A fair, closable counting semaphore. See the module documentation.
pub(crate) struct BatchSemaphore {
    state: AtomicUsize,
    waiters: Mutex<WaitList<Waiter>>,
}

impl fmt::Debug for BatchSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .field("closed", &self.is_closed())
            .finish()
    }
}

#[track_caller]
fn assert_in_range(permits: usize) {
    assert!(
        permits <= MAX_PERMITS,
        "a semaphore may not have more than MAX_PERMITS ({MAX_PERMITS}) permits, got {permits}"
    );
}

impl BatchSemaphore {
    #[track_caller]
    pub(crate) fn new(permits: usize) -> BatchSemaphore {
        assert_in_range(permits);
        BatchSemaphore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    #[cfg(not(loom))]
    #[track_caller]
    pub(crate) const fn const_new(permits: usize) -> BatchSemaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits"
        );
        BatchSemaphore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    pub(crate) fn available_permits(&self) -> usize {
        self.state.load(Ordering::Acquire) >> SHIFT
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Takes `n` permits without waiting.
    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquire> {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            if state & CLOSED != 0 {
                return Err(TryAcquire::Closed);
            }
            // While anyone waits the atomic holds no permits, so this also refuses to barge.
            if state >> SHIFT < n {
                return Err(TryAcquire::NoPermits);
            }
            match self.state.compare_exchange_weak(
                state,
                state - (n << SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => state = actual,
            }
        }
    }

    /// Removes up to `n` available permits for good; returns how many were removed.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let take = n.min(state >> SHIFT);
            match self.state.compare_exchange_weak(
                state,
                state - (take << SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return take,
                Err(actual) => state = actual,
            }
        }
    }

    /// Returns `n` permits, serving queued waiters first (FIFO).
    ///
    /// Inlined because every channel receive calls it: the common case is one compare-and-swap.
    ///
    /// # Panics
    ///
    /// If the count would exceed [`MAX_PERMITS`]; reported at the caller (`Semaphore::add_permits`
    /// is the public way in), so every function down to the checks tracks its caller.
    #[inline]
    #[track_caller]
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut state = self.state.load(Ordering::Acquire);
        while state & WAITERS == 0 {
            let permits = (state >> SHIFT).saturating_add(n);
            assert_in_range(permits);
            match self.state.compare_exchange_weak(
                state,
                state + (n << SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
        self.release_slow(n);
    }

    /// The part of [`BatchSemaphore::release`] that serves waiters; kept out of line so that the
    /// inlined fast path stays small.
    #[inline(never)]
    #[track_caller]
    fn release_slow(&self, n: usize) {
        // While anyone waits the atomic holds no permits (the invariant), so `n` alone decides
        // whether the count can overflow: checked here, before locking, so that the locked part
        // never panics with wakers collected.
        assert_in_range(n);
        self.release_locked(n, lock(&self.waiters));
    }

    /// Hands `n` permits to the queue front-first, then puts any rest into the atomic (clearing the
    /// `WAITERS` flag if the queue emptied). Wakes the served waiters after unlocking.
    fn release_locked<'a>(&'a self, mut n: usize, mut list: MutexGuard<'a, WaitList<Waiter>>) {
        let mut wakers = WakeList::new();
        loop {
            while n > 0 && wakers.can_push() {
                let Some(key) = list.front() else { break };
                let waiter = list.get_mut(key);
                let take = n.min(waiter.needed);
                waiter.needed -= take;
                n -= take;
                if waiter.needed == 0 {
                    let waker = waiter.waker.take();
                    list.unlink(key);
                    if let Some(waker) = waker {
                        wakers.push(waker);
                    }
                }
            }
            if list.is_empty() {
                self.put_back_and_clear_waiters(n);
                break;
            }
            if n == 0 {
                break;
            }
            // The wake list is full: wake outside the lock, then continue with a fresh lock.
            drop(list);
            wakers.wake_all();
            list = lock(&self.waiters);
        }
        drop(list);
        wakers.wake_all();
    }

    /// Called with the lock held and the queue empty.
    fn put_back_and_clear_waiters(&self, n: usize) {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let permits = (state >> SHIFT).saturating_add(n);
            assert_in_range(permits);
            let next = (state & !WAITERS) + (n << SHIFT);
            match self
                .state
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
    }

    /// Closes the semaphore: pending and future acquires fail; permits already held stay valid.
    pub(crate) fn close(&self) {
        self.state.fetch_or(CLOSED, Ordering::AcqRel);
        let mut wakers = WakeList::new();
        let mut list = lock(&self.waiters);
        loop {
            while wakers.can_push() {
                let Some(key) = list.front() else { break };
                let waker = list.get_mut(key).waker.take();
                list.unlink(key);
                if let Some(waker) = waker {
                    wakers.push(waker);
                }
            }
            if list.is_empty() {
                self.put_back_and_clear_waiters(0);
                break;
            }
            drop(list);
            wakers.wake_all();
            list = lock(&self.waiters);
        }
        drop(list);
        wakers.wake_all();
    }
}

/// The state of one acquire operation. The future types that own it call [`Acquire::poll_acquire`]
/// and, when dropped, [`Acquire::cancel`], which passes any partly or fully granted permits on.
#[derive(Debug)]
pub(crate) struct Acquire {
    requested: usize,
    /// Our node in the wait list, once queued.
    key: Option<usize>,
    /// Set once the result was returned: nothing to undo on drop.
    finished: bool,
}

impl Acquire {
    pub(crate) const fn new(requested: usize) -> Acquire {
        Acquire {
            requested,
            key: None,
            finished: false,
        }
    }

    pub(crate) fn poll_acquire(
        &mut self,
        sem: &BatchSemaphore,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Closed>> {
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        let result = match self.key {
            None => self.first_poll(sem, cx),
            Some(key) => self.poll_queued(sem, key, cx),
        };
        if result.is_ready() {
            self.finished = true;
            coop.made_progress();
        }
        result
    }

    fn first_poll(
        &mut self,
        sem: &BatchSemaphore,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Closed>> {
        match sem.try_acquire(self.requested) {
            Ok(()) => return Poll::Ready(Ok(())),
            Err(TryAcquire::Closed) => return Poll::Ready(Err(Closed)),
            Err(TryAcquire::NoPermits) => {}
        }
        let mut list = lock(&sem.waiters);
        let mut state = sem.state.load(Ordering::Acquire);
        loop {
            if state & CLOSED != 0 {
                return Poll::Ready(Err(Closed));
            }
            let available = state >> SHIFT;
            if available >= self.requested {
                // Only possible with nobody queued (the invariant), so taking them is fair.
                let next = state - (self.requested << SHIFT);
                match sem.state.compare_exchange_weak(
                    state,
                    next,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => return Poll::Ready(Ok(())),
                    Err(actual) => state = actual,
                }
            } else {
                // Take what there is and queue for the rest; the atomic keeps zero permits.
                let next = (state & CLOSED) | WAITERS;
                match sem.state.compare_exchange_weak(
                    state,
                    next,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => {
                        self.key = Some(list.push_back(Waiter {
                            needed: self.requested - available,
                            waker: Some(cx.waker().clone()),
                        }));
                        return Poll::Pending;
                    }
                    Err(actual) => state = actual,
                }
            }
        }
    }

    fn poll_queued(
        &mut self,
        sem: &BatchSemaphore,
        key: usize,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Closed>> {
        let mut list = lock(&sem.waiters);
        let closed = sem.state.load(Ordering::Acquire) & CLOSED != 0;
        if !closed && list.is_linked(key) {
            let waiter = list.get_mut(key);
            let old = match &mut waiter.waker {
                Some(waker) if waker.will_wake(cx.waker()) => None,
                slot => slot.replace(cx.waker().clone()),
            };
            drop(list);
            // The replaced waker is dropped only now: its destructor may use this semaphore.
            drop(old);
            return Poll::Pending;
        }
        // Granted in full, or closed. A closed semaphore fails every acquire that has not
        // returned yet, even one granted before the close (as Tokio's does): the grant goes back.
        let waiter = list.remove(key);
        self.key = None;
        if waiter.needed == 0 && !closed {
            drop(list);
            return Poll::Ready(Ok(()));
        }
        let granted = self.requested - waiter.needed;
        drop(list);
        // Still linked if the close has not unlinked it yet: its waker is dropped here, unlocked.
        drop(waiter);
        sem.release(granted);
        Poll::Ready(Err(Closed))
    }

    /// Undoes an unfinished acquire: leaves the queue and passes on whatever was already granted.
    /// Returns whether it gave any permits back (so that a channel can tell its closed receiver).
    ///
    /// Inlined because every acquire future runs it on drop, and almost always it has nothing to do.
    #[inline]
    pub(crate) fn cancel(&mut self, sem: &BatchSemaphore) -> bool {
        if self.finished {
            return false;
        }
        self.finished = true;
        let Some(key) = self.key.take() else {
            return false;
        };
        Self::leave_queue(self.requested, key, sem)
    }

    /// The queued part of [`Acquire::cancel`]: unlinks our node and passes on its partial grant.
    #[inline(never)]
    fn leave_queue(requested: usize, key: usize, sem: &BatchSemaphore) -> bool {
        let mut list = lock(&sem.waiters);
        let waiter = list.remove(key);
        let granted = requested - waiter.needed;
        if granted > 0 || list.is_empty() {
            // Also runs with nothing granted when we were the last waiter, to clear `WAITERS`.
            sem.release_locked(granted, list);
        } else {
            drop(list);
        }
        // A waiter still queued holds its waker: dropped only now that the lock is released.
        drop(waiter);
        granted > 0
    }
}
