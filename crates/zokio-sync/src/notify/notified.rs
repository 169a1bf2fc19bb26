//! The futures that wait on a [`Notify`]: [`Notified`] borrows it, [`OwnedNotified`] holds an
//! `Arc` to it. Both are thin shells around one state machine, [`Wait`], whose methods take the
//! `Notify` as an argument; so the two behave identically (same queue, same fairness, same
//! cancellation) from the same code.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::{CALL, EMPTY, End, Kind, NOTIFIED, Notify, STATE_MASK, WAITING, Waiter};
use crate::loom::{Ordering, lock};

/// Where a waiting future stands.
#[derive(Debug)]
enum WaitState {
    Init { calls: usize },
    Waiting { key: usize, ticket: u64 },
    Done,
}

/// The state machine of a future waiting on a `Notify`.
#[derive(Debug)]
struct Wait {
    state: WaitState,
}

impl Wait {
    /// Remembers the `notify_waiters` call count, so that a call made from now on completes us
    /// even before our first poll.
    #[inline]
    fn new(notify: &Notify) -> Wait {
        let calls = notify.state.load(Ordering::SeqCst) / CALL;
        Wait {
            state: WaitState::Init { calls },
        }
    }

    #[inline]
    fn poll(&mut self, notify: &Notify, cx: &mut Context<'_>) -> Poll<()> {
        // zokio's budget only: `tokio::sync::Notify` spends none of Tokio's (see `crate::coop`).
        let coop = std::task::ready!(zokio_coop::poll_proceed(cx));
        if self.register(notify, Some(cx.waker())) {
            coop.made_progress();
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Takes a stored permit or queues; returns whether the future is now notified.
    ///
    /// The lock-free checks stay small enough to inline into `poll`; the locked paths are split
    /// out so that a stored permit costs two atomic operations and nothing else.
    #[inline]
    fn register(&mut self, notify: &Notify, waker: Option<&Waker>) -> bool {
        match self.state {
            WaitState::Done => true,
            WaitState::Init { calls } => {
                if Self::take_permit(notify, calls) || self.queue(notify, calls, waker) {
                    self.state = WaitState::Done;
                    return true;
                }
                false
            }
            WaitState::Waiting { key, ticket } => {
                // The common wake-up: `notify_one` picked us and already freed our node.
                if notify.picked.load(Ordering::Acquire) == ticket
                    || Self::poll_queued(notify, key, ticket, waker)
                {
                    self.state = WaitState::Done;
                    return true;
                }
                false
            }
        }
    }

    /// Whether a `notify_waiters` since our creation or a stored permit (which this consumes)
    /// completes us; `false` means we must queue.
    #[inline]
    fn take_permit(notify: &Notify, calls: usize) -> bool {
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
    /// [`Wait::take_permit`]); returns `true` if we turned out to be notified after all.
    #[inline(never)]
    fn queue(&mut self, notify: &Notify, calls: usize, waker: Option<&Waker>) -> bool {
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
        self.state = WaitState::Waiting { key, ticket };
        false
    }

    /// A queued future's poll when `picked` did not name it: under the lock, reads its node (or
    /// finds it freed) and refreshes the stored waker. Returns whether it was notified.
    #[inline(never)]
    fn poll_queued(notify: &Notify, key: usize, ticket: u64, waker: Option<&Waker>) -> bool {
        let mut waiters = lock(&notify.waiters);
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

    /// The future's drop: a future still queued (or picked but not yet polled) leaves the queue.
    #[inline]
    fn cancel(&mut self, notify: &Notify) {
        if let WaitState::Waiting { key, ticket } = self.state {
            Self::leave_queue(notify, key, ticket);
        }
    }

    /// Frees a dropped future's node and passes on a `notify_one` it had received.
    #[inline(never)]
    fn leave_queue(notify: &Notify, key: usize, ticket: u64) {
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

/// A future waiting for a [`Notify`] notification. Created by [`Notify::notified`].
///
/// ```
/// use std::future::Future;
/// use zokio_sync::{Notified, Notify};
/// # futures_lite::future::block_on(async {
/// let notify = Notify::new();
/// let waiting: Notified<'_> = notify.notified();
/// fn is_future(_: &impl Future<Output = ()>) {}
/// is_future(&waiting);
/// notify.notify_waiters(); // `waiting` was created before this call
/// waiting.await;
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    wait: Wait,
}

impl<'a> Notified<'a> {
    pub(super) fn new(notify: &'a Notify) -> Notified<'a> {
        Notified {
            notify,
            wait: Wait::new(notify),
        }
    }

    /// Registers the future as a waiter without polling it, so that it can receive `notify_one`.
    /// Returns `true` if it was already notified (the next poll completes at once).
    ///
    /// ```
    /// use std::pin::pin;
    /// use zokio_sync::Notify;
    /// # futures_lite::future::block_on(async {
    /// let notify = Notify::new();
    /// let mut first = pin!(notify.notified());
    /// assert!(!first.as_mut().enable()); // queued, not yet notified
    /// let second = notify.notified(); // created later, never enabled
    /// notify.notify_one(); // reaches the enabled future, not `second`
    /// assert!(first.as_mut().enable()); // now it has been notified
    /// first.await;
    /// drop(second);
    /// # });
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        let this = self.get_mut();
        this.wait.register(this.notify, None)
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("state", &self.wait.state)
            .finish()
    }
}

impl Future for Notified<'_> {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.wait.poll(this.notify, cx)
    }
}

impl Drop for Notified<'_> {
    #[inline]
    fn drop(&mut self) {
        self.wait.cancel(self.notify);
    }
}

/// A future waiting for a [`Notify`] notification, holding the `Notify` through an [`Arc`]: it is
/// `'static`, so it can be stored or moved into a spawned task. Created by
/// [`Notify::notified_owned`]; it behaves exactly as [`Notified`] does.
///
/// ```
/// use std::sync::Arc;
/// use zokio_sync::Notify;
/// use zokio_sync::futures::OwnedNotified;
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let notify = Arc::new(Notify::new());
/// let wait: OwnedNotified = notify.clone().notified_owned();
/// // `'static`: it can move into a spawned task.
/// let task = zokio::spawn(wait);
/// notify.notify_waiters(); // `wait` was created before this call
/// task.await.unwrap();
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct OwnedNotified {
    notify: Arc<Notify>,
    wait: Wait,
}

impl OwnedNotified {
    pub(super) fn new(notify: Arc<Notify>) -> OwnedNotified {
        let wait = Wait::new(&notify);
        OwnedNotified { notify, wait }
    }

    /// Registers the future as a waiter without polling it, so that it can receive `notify_one`.
    /// Returns `true` if it was already notified (the next poll completes at once).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::Notify;
    /// # futures_lite::future::block_on(async {
    /// let notify = Arc::new(Notify::new());
    /// notify.notify_one(); // stored as a permit
    /// let mut wait = Box::pin(notify.clone().notified_owned());
    /// assert!(wait.as_mut().enable()); // takes the permit: already notified
    /// wait.await;
    /// # });
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        let this = self.get_mut();
        this.wait.register(&this.notify, None)
    }
}

impl fmt::Debug for OwnedNotified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedNotified")
            .field("state", &self.wait.state)
            .finish()
    }
}

impl Future for OwnedNotified {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.wait.poll(&this.notify, cx)
    }
}

impl Drop for OwnedNotified {
    #[inline]
    fn drop(&mut self) {
        self.wait.cancel(&self.notify);
    }
}
