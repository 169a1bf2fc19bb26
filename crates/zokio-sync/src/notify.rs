//! `Notify`: wake one task (storing a permit if none waits) or every waiting task.
//!
//! One atomic word holds the state (`EMPTY`, `WAITING` or `NOTIFIED`, i.e. a stored permit) and, above
//! it, a count of `notify_waiters` calls. `notify_one` with nobody waiting is a single CAS; waiters
//! queue FIFO in a [`WaitList`] under a mutex. A `Notified` future remembers the call count when it is
//! created, which is how it sees a `notify_waiters` that happened before its first poll.
//!
//! Every queued waiter gets a unique *ticket*. `notify_one` frees the front waiter's node outright
//! and publishes its ticket in `picked`, so the woken future completes on its next poll with one
//! atomic load instead of taking the lock a second time (a ping-pong over two `Notify`s would
//! otherwise lock three times per hand-off). A waiter that does not find its ticket there (a later
//! `notify_one` overwrote it, or it was woken some other way) takes the lock and looks at its slot:
//! a slot that is free, or holds another ticket, can only have been freed by a `notify_one`.
//! `notify_waiters` and `notify_last` still mark the node and leave freeing it to its future.
//!
//! # Locks and user code
//!
//! No waker is woken or dropped under the waiter mutex: notifications collect the wakers and wake
//! them after unlocking; a waker replaced by a newer poll, and the node of a cancelled
//! `Notified` (whose waker is still inside), are dropped after unlocking. `watch` and `Barrier`
//! wait through a `Notify`, so this covers them too.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::loom::{AtomicU64, AtomicUsize, Mutex, Ordering, lock};
use crate::waiters::WaitList;

const EMPTY: usize = 0;
const WAITING: usize = 1;
const NOTIFIED: usize = 2;
const STATE_MASK: usize = 3;
const CALL: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    One,
    All,
}

/// Which waiter a single notification goes to.
#[derive(Debug, Clone, Copy)]
enum End {
    Front,
    Back,
}

#[derive(Debug)]
struct Waiter {
    /// Unique among this `Notify`'s waiters; never 0 (so a fresh `picked` matches nobody).
    ticket: u64,
    waker: Option<Waker>,
    /// Set by `notify_waiters` (`All`) or `notify_last` (`One`); a `notify_one` frees the node
    /// instead.
    notified: Option<Kind>,
}

/// The queue and the ticket counter, under one mutex.
#[derive(Debug)]
struct Waiters {
    list: WaitList<Waiter>,
    next_ticket: u64,
}

impl Waiters {
    const fn new() -> Waiters {
        Waiters {
            list: WaitList::new(),
            next_ticket: 1,
        }
    }
}

/// Lets one task wake others: [`Notify::notify_one`] wakes the first waiter (or, when nobody waits,
/// stores a single permit that the next [`Notify::notified`] consumes at once), and
/// [`Notify::notify_waiters`] wakes every task waiting right now.
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use zokio_sync::Notify;
///
/// # futures_lite::future::block_on(async {
/// let notify = Arc::new(Notify::new());
/// // No one waits yet: the permit is stored...
/// notify.notify_one();
/// // ...and consumed here without blocking.
/// notify.notified().await;
/// # });
/// ```
pub struct Notify {
    state: AtomicUsize,
    /// Ticket of the waiter the latest `notify_one` picked (and whose node it freed).
    picked: AtomicU64,
    waiters: Mutex<Waiters>,
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify").finish_non_exhaustive()
    }
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl Notify {
    /// A new `Notify` with no stored permit.
    pub fn new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            picked: AtomicU64::new(0),
            waiters: Mutex::new(Waiters::new()),
        }
    }

    /// A new `Notify`, usable in `static`s.
    #[cfg(not(loom))]
    pub const fn const_new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            picked: AtomicU64::new(0),
            waiters: Mutex::new(Waiters::new()),
        }
    }

    /// A future that completes on the next notification.
    ///
    /// It already receives [`Notify::notify_waiters`] calls made after this returns, even before its
    /// first poll. To also be first in line for [`Notify::notify_one`] before polling, call
    /// [`Notified::enable`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a future dropped after it was picked by `notify_one` but before it completed passes
    /// the notification on to the next waiter (or stores it as the permit), so none is lost.
    pub fn notified(&self) -> Notified<'_> {
        let calls = self.state.load(Ordering::SeqCst) / CALL;
        Notified {
            notify: self,
            state: NotifiedState::Init { calls },
        }
    }

    /// Wakes the task that has waited longest, or stores one permit if nobody waits (several calls
    /// still store only one).
    pub fn notify_one(&self) {
        self.notify(End::Front);
    }

    /// Like [`Notify::notify_one`], but wakes the task that started waiting most recently.
    pub fn notify_last(&self) {
        self.notify(End::Back);
    }

    #[inline]
    fn notify(&self, end: End) {
        let mut state = self.state.load(Ordering::SeqCst);
        while state & STATE_MASK != WAITING {
            let next = (state & !STATE_MASK) | NOTIFIED;
            match self
                .state
                .compare_exchange(state, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
        self.notify_waiting(end);
    }

    /// [`Notify::notify`] when someone waits: picks a waiter under the lock, wakes it after.
    #[inline(never)]
    fn notify_waiting(&self, end: End) {
        let mut waiters = lock(&self.waiters);
        let waker = self.notify_locked(&mut waiters, end);
        drop(waiters);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// `notify_one`/`notify_last` with the waiter lock held; returns the waker to wake after
    /// unlocking.
    fn notify_locked(&self, waiters: &mut Waiters, end: End) -> Option<Waker> {
        let mut state = self.state.load(Ordering::SeqCst);
        if state & STATE_MASK != WAITING {
            // Everyone left; while we hold the lock only the lock-free EMPTY<->NOTIFIED moves race.
            loop {
                let next = (state & !STATE_MASK) | NOTIFIED;
                match self
                    .state
                    .compare_exchange(state, next, Ordering::SeqCst, Ordering::SeqCst)
                {
                    Ok(_) => return None,
                    Err(actual) => state = actual,
                }
            }
        }
        let list = &mut waiters.list;
        let waker = match end {
            End::Front => {
                // Free the node and publish its ticket: the future's next poll sees it with one
                // load. Release pairs with that load, so whatever the caller wrote before
                // `notify_one` is visible to the woken task.
                let waiter = list.remove(list.front()?);
                self.picked.store(waiter.ticket, Ordering::Release);
                waiter.waker
            }
            End::Back => {
                // Rare enough to keep the node: the future finds `notified` under the lock.
                let key = list.back()?;
                let waiter = list.get_mut(key);
                waiter.notified = Some(Kind::One);
                let waker = waiter.waker.take();
                list.unlink(key);
                waker
            }
        };
        if list.is_empty() {
            // WAITING only changes under the lock, so a plain store cannot lose an update.
            self.state
                .store((state & !STATE_MASK) | EMPTY, Ordering::SeqCst);
        }
        waker
    }

    /// Wakes every task waiting right now (and every [`Notified`] created before this call). Stores
    /// no permit: a later `notified()` waits for the next notification.
    pub fn notify_waiters(&self) {
        let mut waiters = lock(&self.waiters);
        let list = &mut waiters.list;
        let state = self.state.load(Ordering::SeqCst);
        if state & STATE_MASK != WAITING {
            self.state.fetch_add(CALL, Ordering::SeqCst);
            return;
        }
        let mut wakers = Vec::with_capacity(list.len());
        while let Some(key) = list.front() {
            let waiter = list.get_mut(key);
            waiter.notified = Some(Kind::All);
            if let Some(waker) = waiter.waker.take() {
                wakers.push(waker);
            }
            list.unlink(key);
        }
        self.state
            .store((state & !STATE_MASK) + CALL, Ordering::SeqCst);
        drop(waiters);
        for waker in wakers {
            waker.wake();
        }
    }
}

#[derive(Debug)]
enum NotifiedState {
    Init { calls: usize },
    Waiting { key: usize, ticket: u64 },
    Done,
}

/// A future waiting for a [`Notify`] notification. Created by [`Notify::notified`].
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    state: NotifiedState,
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("state", &self.state)
            .finish()
    }
}

impl Notified<'_> {
    /// Registers the future as a waiter without polling it, so that it can receive `notify_one`.
    /// Returns `true` if it was already notified (the next poll completes at once).
    pub fn enable(self: Pin<&mut Self>) -> bool {
        self.get_mut().register(None)
    }

    /// Takes a stored permit or queues; returns whether the future is now notified.
    ///
    /// The lock-free checks stay small enough to inline into `poll`; the locked paths are split
    /// out so that a stored permit costs two atomic operations and nothing else.
    fn register(&mut self, waker: Option<&Waker>) -> bool {
        match self.state {
            NotifiedState::Done => true,
            NotifiedState::Init { calls } => {
                if self.take_permit(calls) || self.queue(calls, waker) {
                    self.state = NotifiedState::Done;
                    return true;
                }
                false
            }
            NotifiedState::Waiting { key, ticket } => {
                // The common wake-up: `notify_one` picked us and already freed our node.
                if self.notify.picked.load(Ordering::Acquire) == ticket
                    || self.poll_queued(key, ticket, waker)
                {
                    self.state = NotifiedState::Done;
                    return true;
                }
                false
            }
        }
    }

    /// Whether a `notify_waiters` since our creation or a stored permit (which this consumes)
    /// completes us; `false` means we must queue.
    #[inline]
    fn take_permit(&self, calls: usize) -> bool {
        let notify = self.notify;
        let mut state = notify.state.load(Ordering::SeqCst);
        loop {
            if state / CALL != calls {
                return true;
            }
            if state & STATE_MASK != NOTIFIED {
                return false;
            }
            match notify.state.compare_exchange(
                state,
                state & !STATE_MASK,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
    }

    /// Queues under the lock, re-checking the state there (it may have moved since
    /// [`Notified::take_permit`]); returns `true` if we turned out to be notified after all.
    #[inline(never)]
    fn queue(&mut self, calls: usize, waker: Option<&Waker>) -> bool {
        let notify = self.notify;
        let mut waiters = lock(&notify.waiters);
        let mut state = notify.state.load(Ordering::SeqCst);
        loop {
            if state / CALL != calls {
                return true;
            }
            let next = match state & STATE_MASK {
                // Only holders of the lock move WAITING (and the call count) away, so no CAS.
                WAITING => break,
                NOTIFIED => state & !STATE_MASK,
                _ => (state & !STATE_MASK) | WAITING,
            };
            match notify
                .state
                .compare_exchange(state, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) if state & STATE_MASK == NOTIFIED => return true,
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        let ticket = waiters.next_ticket;
        waiters.next_ticket += 1;
        let key = waiters.list.push_back(Waiter {
            ticket,
            waker: waker.cloned(),
            notified: None,
        });
        self.state = NotifiedState::Waiting { key, ticket };
        false
    }

    /// A queued future's poll when `picked` did not name it: under the lock, reads its node (or
    /// finds it freed) and refreshes the stored waker. Returns whether it was notified.
    #[inline(never)]
    fn poll_queued(&mut self, key: usize, ticket: u64, waker: Option<&Waker>) -> bool {
        let mut waiters = lock(&self.notify.waiters);
        let Some(waiter) = waiters.list.try_get_mut(key).filter(|w| w.ticket == ticket) else {
            // Our node is gone, and only `notify_one` frees a waiting node; the lock (taken by
            // that `notify_one` too) orders its writes before our return.
            return true;
        };
        if waiter.notified.is_some() {
            let node = waiters.list.remove(key);
            drop(waiters);
            // Its waker was taken by the notifier; dropped unlocked all the same.
            drop(node);
            return true;
        }
        let old = match (waker, &mut waiter.waker) {
            (Some(waker), Some(old)) if old.will_wake(waker) => None,
            (Some(waker), slot) => slot.replace(waker.clone()),
            (None, _) => None,
        };
        drop(waiters);
        // The replaced waker is dropped only now: its destructor may use this `Notify`.
        drop(old);
        false
    }
}

impl Future for Notified<'_> {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // zokio's budget only: `tokio::sync::Notify` spends none of Tokio's (see `crate::coop`).
        let coop = std::task::ready!(zokio_coop::poll_proceed(cx));
        if self.get_mut().register(Some(cx.waker())) {
            coop.made_progress();
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Notified<'_> {
    #[inline]
    fn drop(&mut self) {
        if let NotifiedState::Waiting { key, ticket } = self.state {
            self.leave_queue(key, ticket);
        }
    }
}

impl Notified<'_> {
    /// Drop of a future still queued (or picked but not yet polled): frees its node and passes
    /// on a `notify_one` it had received.
    #[inline(never)]
    fn leave_queue(&mut self, key: usize, ticket: u64) {
        let notify = self.notify;
        let mut waiters = lock(&notify.waiters);
        // Our node, kept until the lock is released: a waiter still queued owns its waker, whose
        // destructor may use this `Notify`.
        let mut node = None;
        let notified = match waiters.list.try_get_mut(key) {
            Some(waiter) if waiter.ticket == ticket => {
                node.insert(waiters.list.remove(key)).notified
            }
            // Freed by a `notify_one` (see `register`).
            _ => Some(Kind::One),
        };
        let mut forward = None;
        if notified == Some(Kind::One) {
            // We were picked but never completed: hand the notification on.
            forward = notify.notify_locked(&mut waiters, End::Front);
        } else if notified.is_none() && waiters.list.is_empty() {
            let state = notify.state.load(Ordering::SeqCst);
            if state & STATE_MASK == WAITING {
                notify
                    .state
                    .store((state & !STATE_MASK) | EMPTY, Ordering::SeqCst);
            }
        }
        drop(waiters);
        drop(node);
        if let Some(waker) = forward {
            waker.wake();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    use super::{Notified, Notify};

    fn poll(notified: &mut Pin<Box<Notified<'_>>>) -> Poll<()> {
        notified
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn woken_waiter_whose_slot_was_reused_still_completes_once() {
        let notify = Notify::new();
        let mut a = Box::pin(notify.notified());
        assert_eq!(poll(&mut a), Poll::Pending);
        // `a` is picked and its node freed; a later pick overwrites the published ticket.
        notify.notify_one();
        let mut c = Box::pin(notify.notified());
        assert_eq!(poll(&mut c), Poll::Pending);
        notify.notify_one();
        // `d` now sits in the slot `a` (and then `c`) had.
        let mut d = Box::pin(notify.notified());
        assert_eq!(poll(&mut d), Poll::Pending);
        // `a` takes the locked path, finds another ticket in its slot and completes...
        assert_eq!(poll(&mut a), Poll::Ready(()));
        assert_eq!(poll(&mut c), Poll::Ready(()));
        drop((a, c));
        // ...without disturbing `d`, which still waits for its own notification.
        assert_eq!(poll(&mut d), Poll::Pending);
        notify.notify_one();
        assert_eq!(poll(&mut d), Poll::Ready(()));
        // Nothing was left over as a stored permit.
        let mut e = Box::pin(notify.notified());
        assert_eq!(poll(&mut e), Poll::Pending);
    }

    #[test]
    fn picked_waiter_dropped_after_a_newer_pick_forwards_exactly_once() {
        let notify = Notify::new();
        let mut a = Box::pin(notify.notified());
        let mut b = Box::pin(notify.notified());
        let mut c = Box::pin(notify.notified());
        for f in [&mut a, &mut b, &mut c] {
            assert_eq!(poll(f), Poll::Pending);
        }
        notify.notify_one(); // picks a
        notify.notify_one(); // picks b; `picked` no longer names a
        drop(a); // a's notification goes to c
        assert_eq!(poll(&mut b), Poll::Ready(()));
        assert_eq!(poll(&mut c), Poll::Ready(()));
        drop((b, c));
        // Two notifications, two completions: no permit stored.
        let mut d = Box::pin(notify.notified());
        assert_eq!(poll(&mut d), Poll::Pending);
    }

    #[test]
    fn notify_last_and_notify_waiters_waiters_complete_through_their_nodes() {
        let notify = Notify::new();
        let mut a = Box::pin(notify.notified());
        let mut b = Box::pin(notify.notified());
        assert_eq!(poll(&mut a), Poll::Pending);
        assert_eq!(poll(&mut b), Poll::Pending);
        notify.notify_last();
        assert_eq!(poll(&mut a), Poll::Pending);
        assert_eq!(poll(&mut b), Poll::Ready(()));
        notify.notify_waiters();
        assert_eq!(poll(&mut a), Poll::Ready(()));
    }
}
