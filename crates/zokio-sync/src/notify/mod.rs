//! `Notify`: wake one task (storing a permit if none waits) or every waiting task.
//!
//! One atomic word holds the state (`EMPTY`, `WAITING` or `NOTIFIED`, i.e. a stored permit) and, above
//! it, a count of `notify_waiters` calls. `notify_one` with nobody waiting is a single CAS; waiters
//! queue FIFO in a [`WaitList`] under a mutex. A `Notified` future remembers the call count when it is
//! created, which is how it sees a `notify_waiters` that happened before its first poll.
//! `Notified` (which borrows the `Notify`) and `OwnedNotified` (which holds an `Arc` to it) run the
//! same state machine, in [`notified`].
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
//! `Notified` (whose waker is still inside), are dropped after unlocking; an `OwnedNotified`
//! drops its `Arc` (maybe the last one) only after that. `watch` and `Barrier`
//! wait through a `Notify`, so this covers them too.

use std::fmt;
use std::sync::Arc;
use std::task::Waker;

use crate::loom::{AtomicU64, AtomicUsize, Mutex, Ordering, lock};
use crate::waiters::WaitList;

mod notified;

pub use notified::{Notified, OwnedNotified};

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
    ///
    /// ```
    /// use futures_lite::future::poll_once;
    /// use std::pin::pin;
    /// # futures_lite::future::block_on(async {
    /// let notify = zokio_sync::Notify::new();
    /// // Fresh: no permit stored, so a wait does not complete by itself.
    /// assert!(poll_once(pin!(notify.notified())).await.is_none());
    /// # });
    /// ```
    pub fn new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            picked: AtomicU64::new(0),
            waiters: Mutex::new(Waiters::new()),
        }
    }

    /// A new `Notify`, usable in `static`s.
    ///
    /// ```
    /// use zokio_sync::Notify;
    ///
    /// static WAKE: Notify = Notify::const_new();
    /// # futures_lite::future::block_on(async {
    /// WAKE.notify_one();
    /// WAKE.notified().await; // the stored permit
    /// # });
    /// ```
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
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::Notify;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let notify = Arc::new(Notify::new());
    /// let waiter = zokio::spawn({
    ///     let notify = notify.clone();
    ///     async move {
    ///         notify.notified().await; // parks until notified
    ///         "woken"
    ///     }
    /// });
    /// # zokio::task::yield_now().await;
    /// notify.notify_one();
    /// assert_eq!(waiter.await.unwrap(), "woken");
    /// # });
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified::new(self)
    }

    /// Like [`Notify::notified`], but the future holds an [`Arc`] to the `Notify` instead of a
    /// borrow, so it is `'static` (and `Send`): it can be kept in a struct or moved into another
    /// task. It waits in the same queue, with the same fairness and cancel safety.
    ///
    /// # Example
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::Notify;
    ///
    /// # futures_lite::future::block_on(async {
    /// let notify = Arc::new(Notify::new());
    /// let mut waiter = Box::pin(notify.clone().notified_owned());
    /// // Queue it now, so that it is first in line for `notify_one`.
    /// assert!(!waiter.as_mut().enable());
    /// notify.notify_one();
    /// waiter.await;
    /// # });
    /// ```
    pub fn notified_owned(self: Arc<Self>) -> OwnedNotified {
        OwnedNotified::new(self)
    }

    /// Wakes the task that has waited longest, or stores one permit if nobody waits (several calls
    /// still store only one).
    ///
    /// ```
    /// use futures_lite::future::poll_once;
    /// use std::pin::pin;
    /// use zokio_sync::Notify;
    /// # futures_lite::future::block_on(async {
    /// let notify = Notify::new();
    /// notify.notify_one();
    /// notify.notify_one(); // at most one permit is stored
    /// notify.notified().await; // consumes it at once
    /// assert!(poll_once(pin!(notify.notified())).await.is_none());
    /// # });
    /// ```
    pub fn notify_one(&self) {
        self.notify(End::Front);
    }

    /// Like [`Notify::notify_one`], but wakes the task that started waiting most recently.
    ///
    /// ```
    /// use futures_lite::future::poll_once;
    /// use std::pin::pin;
    /// use zokio_sync::Notify;
    /// # futures_lite::future::block_on(async {
    /// let notify = Notify::new();
    /// let mut older = pin!(notify.notified());
    /// let mut newer = pin!(notify.notified());
    /// older.as_mut().enable();
    /// newer.as_mut().enable();
    /// notify.notify_last(); // goes to the most recent waiter
    /// assert!(poll_once(newer).await.is_some());
    /// assert!(poll_once(older.as_mut()).await.is_none());
    /// # });
    /// ```
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
    ///
    /// ```
    /// use futures_lite::future::poll_once;
    /// use std::pin::pin;
    /// use zokio_sync::Notify;
    /// # futures_lite::future::block_on(async {
    /// let notify = Notify::new();
    /// let a = notify.notified(); // created before the call: both see it
    /// let b = notify.notified();
    /// notify.notify_waiters();
    /// a.await;
    /// b.await;
    /// // No permit was stored for later waiters.
    /// assert!(poll_once(pin!(notify.notified())).await.is_none());
    /// # });
    /// ```
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
