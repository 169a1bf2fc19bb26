//! `Notify`: wake one task (storing a permit if none waits) or every waiting task.
//!
//! One atomic word holds the state (`EMPTY`, `WAITING` or `NOTIFIED`, i.e. a stored permit) and, above
//! it, a count of `notify_waiters` calls. `notify_one` with nobody waiting is a single CAS; waiters
//! queue FIFO in a [`WaitList`] under a mutex. A `Notified` future remembers the call count when it is
//! created, which is how it sees a `notify_waiters` that happened before its first poll.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::loom::{AtomicUsize, Mutex, MutexGuard, Ordering, lock};
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
    waker: Option<Waker>,
    notified: Option<Kind>,
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
    waiters: Mutex<WaitList<Waiter>>,
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
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// A new `Notify`, usable in `static`s.
    #[cfg(not(loom))]
    pub const fn const_new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(WaitList::new()),
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
        let mut list = lock(&self.waiters);
        let waker = self.notify_locked(&mut list, end);
        drop(list);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// `notify_one`/`notify_last` with the waiter lock held; returns the waker to wake after
    /// unlocking.
    fn notify_locked(
        &self,
        list: &mut MutexGuard<'_, WaitList<Waiter>>,
        end: End,
    ) -> Option<Waker> {
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
        let key = match end {
            End::Front => list.front()?,
            End::Back => list.back()?,
        };
        let waiter = list.get_mut(key);
        waiter.notified = Some(Kind::One);
        let waker = waiter.waker.take();
        list.unlink(key);
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
        let mut list = lock(&self.waiters);
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
        drop(list);
        for waker in wakers {
            waker.wake();
        }
    }
}

#[derive(Debug)]
enum NotifiedState {
    Init { calls: usize },
    Waiting { key: usize },
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
    fn register(&mut self, waker: Option<&Waker>) -> bool {
        let notify = self.notify;
        match self.state {
            NotifiedState::Done => true,
            NotifiedState::Init { calls } => {
                let mut state = notify.state.load(Ordering::SeqCst);
                let mut list = None;
                loop {
                    if state / CALL != calls {
                        self.state = NotifiedState::Done;
                        return true;
                    }
                    if state & STATE_MASK == NOTIFIED {
                        let next = state & !STATE_MASK;
                        match notify.state.compare_exchange(
                            state,
                            next,
                            Ordering::SeqCst,
                            Ordering::SeqCst,
                        ) {
                            Ok(_) => {
                                self.state = NotifiedState::Done;
                                return true;
                            }
                            Err(actual) => state = actual,
                        }
                        continue;
                    }
                    // Nothing stored: queue under the lock (then re-check, the state may have moved).
                    let Some(list) = list.as_mut() else {
                        list = Some(lock(&notify.waiters));
                        state = notify.state.load(Ordering::SeqCst);
                        continue;
                    };
                    let next = (state & !STATE_MASK) | WAITING;
                    match notify.state.compare_exchange(
                        state,
                        next,
                        Ordering::SeqCst,
                        Ordering::SeqCst,
                    ) {
                        Ok(_) => {
                            let key = list.push_back(Waiter {
                                waker: waker.cloned(),
                                notified: None,
                            });
                            self.state = NotifiedState::Waiting { key };
                            return false;
                        }
                        Err(actual) => state = actual,
                    }
                }
            }
            NotifiedState::Waiting { key } => {
                let mut list = lock(&notify.waiters);
                let waiter = list.get_mut(key);
                if waiter.notified.is_some() {
                    list.remove(key);
                    self.state = NotifiedState::Done;
                    return true;
                }
                if let Some(waker) = waker {
                    match &mut waiter.waker {
                        Some(old) if old.will_wake(waker) => {}
                        slot => *slot = Some(waker.clone()),
                    }
                }
                false
            }
        }
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
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
    fn drop(&mut self) {
        let NotifiedState::Waiting { key } = self.state else {
            return;
        };
        let notify = self.notify;
        let mut list = lock(&notify.waiters);
        let waiter = list.remove(key);
        let mut forward = None;
        if waiter.notified == Some(Kind::One) {
            // We were picked but never completed: hand the notification on.
            forward = notify.notify_locked(&mut list, End::Front);
        } else if waiter.notified.is_none() && list.is_empty() {
            let state = notify.state.load(Ordering::SeqCst);
            if state & STATE_MASK == WAITING {
                notify
                    .state
                    .store((state & !STATE_MASK) | EMPTY, Ordering::SeqCst);
            }
        }
        drop(list);
        if let Some(waker) = forward {
            waker.wake();
        }
    }
}
