//! The state shared by both mpsc flavours.
//!
//! Messages travel through a lock-free queue: a fixed [`ConcurrentQueue`] array for small bounded
//! channels, our single-consumer block list ([`super::list`]) otherwise. A bounded channel's
//! capacity is a fair [`BatchSemaphore`]: a sender takes a permit before pushing, and the receiver
//! returns it after popping, so senders waiting for room are served FIFO and a dropped `send`
//! future passes its turn on. The single receiver parks in an [`AtomicWaker`].
//!
//! # Locks and user code
//!
//! The queues are lock-free, and messages are dropped with no lock held (the dropped receiver
//! drains them, the last handle frees the rest). The receiver's waker cell wakes and drops wakers
//! outside its registration state (see [`AtomicWaker`]); senders waiting for capacity wait in the
//! semaphore, which keeps wakers away from its lock (see [`crate::batch`]).
//!
//! # Closing
//!
//! A closed receiver keeps receiving until no message can come: every sender gone, or no capacity
//! permit still out. So every way a permit comes back (a permit sent or dropped, a `reserve` that
//! fails at the close or is cancelled with permits granted) wakes it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use concurrent_queue::ConcurrentQueue;

use crate::atomic_waker::AtomicWaker;
use crate::batch::{Acquire, BatchSemaphore, Closed};
use crate::loom::{AtomicBool, AtomicUsize, Ordering};
use crate::notify::Notify;

use super::list;

/// Largest bounded capacity backed by a preallocated array; larger ones use the block list.
const ARRAY_LIMIT: usize = 4096;

/// Where the messages wait.
enum Queue<T> {
    /// Preallocated array of a small bounded channel.
    Array(ConcurrentQueue<T>),
    /// Block list of the unbounded channel and of large bounded ones.
    List(list::Queue<T>),
}

/// The channel's shared state.
///
/// # Single receiver
///
/// The receive-side methods (`try_pop` and the methods built on it) are `unsafe`: the block list
/// allows one consumer at a time. Only the channel's receiver calls them, and it does so from
/// methods taking `&mut self` (or from its `Drop`); receivers are not `Clone`, and each `Chan` has
/// exactly one, so no two receive-side calls on one `Chan` overlap.
pub(crate) struct Chan<T> {
    queue: Queue<T>,
    /// Capacity permits of a bounded channel; `None` when unbounded.
    pub(crate) sem: Option<BatchSemaphore>,
    bound: usize,
    rx_waker: AtomicWaker,
    tx_count: AtomicUsize,
    weak_count: AtomicUsize,
    rx_closed: AtomicBool,
    /// Wakes `Sender::closed` futures when the receiver closes.
    closed_notify: Notify,
}

// A panic cannot leave a `Chan` half-updated where a handle used after `catch_unwind` would see
// it: messages move in and out whole through the lock-free queues, the counters and flags are
// single atomic operations, the receiver's waker cell is released even when a `Waker::clone`
// panics, the semaphore's lock ignores poisoning and its critical sections stay consistent, and
// a message's own `Drop` never runs inside one of our updates. So, as Tokio does for its
// channel, every handle is unwind safe whatever the message type (messages are moved through a
// handle, never shared by reference).
impl<T> std::panic::RefUnwindSafe for Chan<T> {}
impl<T> std::panic::UnwindSafe for Chan<T> {}

impl<T> Chan<T> {
    pub(crate) fn new(bound: Option<usize>) -> Chan<T> {
        let (queue, sem, bound) = match bound {
            Some(cap) => {
                let queue = if cap <= ARRAY_LIMIT {
                    Queue::Array(ConcurrentQueue::bounded(cap))
                } else {
                    Queue::List(list::Queue::new())
                };
                (queue, Some(BatchSemaphore::new(cap)), cap)
            }
            None => (Queue::List(list::Queue::new()), None, usize::MAX),
        };
        Chan {
            queue,
            sem,
            bound,
            rx_waker: AtomicWaker::new(),
            tx_count: AtomicUsize::new(1),
            weak_count: AtomicUsize::new(0),
            rx_closed: AtomicBool::new(false),
            closed_notify: Notify::new(),
        }
    }

    pub(crate) fn bound(&self) -> usize {
        self.bound
    }

    /// Pushes a message the caller is entitled to send (it holds a permit, or the channel is
    /// unbounded) and wakes the receiver.
    pub(crate) fn push(&self, value: T) {
        match &self.queue {
            Queue::List(queue) => queue.push(value),
            Queue::Array(queue) => {
                if queue.push(value).is_err() {
                    // A permit guarantees a free slot: the receiver frees the slot before the
                    // permit.
                    unreachable!("mpsc queue full despite a capacity permit");
                }
            }
        }
        self.rx_waker.wake();
    }

    /// Returns a capacity permit that was not used to send.
    pub(crate) fn release_permit(&self) {
        self.release_permits(1);
    }

    /// Returns `n` capacity permits that were not used to send.
    pub(crate) fn release_permits(&self, n: usize) {
        if let Some(sem) = &self.sem {
            sem.release(n);
        }
        if self.rx_closed.load(Ordering::Acquire) {
            // A closed receiver waits for outstanding permits before reporting the end.
            self.rx_waker.wake();
        }
    }

    pub(crate) fn is_rx_closed(&self) -> bool {
        self.rx_closed.load(Ordering::Acquire)
    }

    pub(crate) fn add_sender(&self) {
        self.tx_count.fetch_add(1, Ordering::Relaxed);
    }

    /// Drops a strong sender; the last one wakes the receiver so it sees the end.
    pub(crate) fn drop_sender(&self) {
        if self.tx_count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.rx_waker.wake();
        }
    }

    /// Turns a weak sender into a strong one if any strong one is left.
    pub(crate) fn upgrade(&self) -> bool {
        let mut count = self.tx_count.load(Ordering::Relaxed);
        loop {
            if count == 0 {
                return false;
            }
            match self.tx_count.compare_exchange_weak(
                count,
                count + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => count = actual,
            }
        }
    }

    pub(crate) fn strong_count(&self) -> usize {
        self.tx_count.load(Ordering::Acquire)
    }

    pub(crate) fn weak_count(&self) -> usize {
        self.weak_count.load(Ordering::Acquire)
    }

    pub(crate) fn add_weak(&self) {
        self.weak_count.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn drop_weak(&self) {
        self.weak_count.fetch_sub(1, Ordering::Relaxed);
    }

    /// Closes the receiving side: sends fail from now on, buffered messages stay receivable.
    pub(crate) fn close_rx(&self) {
        if self.rx_closed.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Some(sem) = &self.sem {
            sem.close();
        }
        self.closed_notify.notify_waiters();
    }

    /// Waits until the receiver closes.
    pub(crate) async fn closed(&self) {
        loop {
            // Created before the check: a close in between still reaches it.
            let notified = self.closed_notify.notified();
            if self.is_rx_closed() {
                return;
            }
            notified.await;
        }
    }

    /// Takes one message and returns its capacity permit.
    ///
    /// # Safety
    ///
    /// Called only by the channel's receiver (see [`Chan`]), never twice at the same time.
    unsafe fn try_pop(&self) -> Option<T> {
        let value = match &self.queue {
            // SAFETY: the caller is the single receiver, so this is the only `pop` running.
            Queue::List(queue) => unsafe { queue.pop() }?,
            Queue::Array(queue) => queue.pop().ok()?,
        };
        if let Some(sem) = &self.sem {
            sem.release(1);
        }
        Some(value)
    }

    /// True once no message can arrive any more: no strong sender left, or the receiver closed and
    /// no reserved permit is outstanding.
    fn no_more_messages(&self) -> bool {
        if self.tx_count.load(Ordering::Acquire) == 0 {
            return true;
        }
        self.is_rx_closed()
            && self
                .sem
                .as_ref()
                .is_none_or(|sem| sem.available_permits() == self.bound)
    }

    pub(crate) fn len(&self) -> usize {
        match &self.queue {
            Queue::List(queue) => queue.len(),
            Queue::Array(queue) => queue.len(),
        }
    }

    /// The receive path of both flavours: a message, `None` at the end, or `Pending`.
    ///
    /// # Safety
    ///
    /// As for [`Chan::try_pop`].
    unsafe fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        // SAFETY: our caller is the receiver, as `try_pop` requires.
        if let Some(value) = unsafe { self.try_pop() } {
            coop.made_progress();
            return Poll::Ready(Some(value));
        }
        self.rx_waker.register(cx.waker());
        // Re-check after registering: a push in between may not have seen our waker.
        // SAFETY: our caller is the receiver, as `try_pop` requires.
        if let Some(value) = unsafe { self.try_pop() } {
            coop.made_progress();
            return Poll::Ready(Some(value));
        }
        if self.no_more_messages() {
            // Messages sent before the last sender left are visible now (Acquire above).
            // SAFETY: our caller is the receiver, as `try_pop` requires.
            let last = unsafe { self.try_pop() };
            coop.made_progress();
            return Poll::Ready(last);
        }
        Poll::Pending
    }

    /// Moves up to `limit` messages into `buffer`, waiting for at least one.
    ///
    /// # Safety
    ///
    /// As for [`Chan::try_pop`].
    unsafe fn poll_recv_many(
        &self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        // SAFETY: our caller is the receiver, as `poll_recv` requires.
        match std::task::ready!(unsafe { self.poll_recv(cx) }) {
            None => Poll::Ready(0),
            Some(first) => {
                buffer.reserve(limit.min(self.len() + 1));
                buffer.push(first);
                let mut count = 1;
                while count < limit {
                    // SAFETY: our caller is the receiver, as `try_pop` requires.
                    match unsafe { self.try_pop() } {
                        Some(value) => buffer.push(value),
                        None => break,
                    }
                    count += 1;
                }
                Poll::Ready(count)
            }
        }
    }

    /// `try_recv` of both flavours.
    ///
    /// # Safety
    ///
    /// As for [`Chan::try_pop`].
    unsafe fn try_recv(&self) -> Result<T, super::error::TryRecvError> {
        // SAFETY: our caller is the receiver, as `try_pop` requires.
        if let Some(value) = unsafe { self.try_pop() } {
            return Ok(value);
        }
        if self.no_more_messages() {
            // SAFETY: our caller is the receiver, as `try_pop` requires.
            return unsafe { self.try_pop() }.ok_or(super::error::TryRecvError::Disconnected);
        }
        Err(super::error::TryRecvError::Empty)
    }

    /// Receiver dropped: close and drop every buffered message now (this also returns permits).
    ///
    /// # Safety
    ///
    /// As for [`Chan::try_pop`].
    unsafe fn drop_rx(&self) {
        self.close_rx();
        // Nothing will poll this receiver again: its waker goes now, not with the channel (which
        // lives on with its senders), and before the messages, whose destructors may panic.
        drop(self.rx_waker.take());

        /// Drops the messages left; dropped itself while unwinding from a message's destructor, it
        /// drops the rest, so one panicking destructor (whose panic propagates, as with Tokio)
        /// does not keep the others alive.
        struct Drain<'a, T>(&'a Chan<T>);
        impl<T> Drain<'_, T> {
            fn drain(&self) {
                // SAFETY: only `drop_rx` creates a `Drain`, and its caller is the receiver, as
                // `try_pop` requires; the drop-time drain runs after the first one stopped.
                while unsafe { self.0.try_pop() }.is_some() {}
            }
        }
        impl<T> Drop for Drain<'_, T> {
            fn drop(&mut self) {
                self.drain();
            }
        }
        let drain = Drain(self);
        drain.drain();
    }
}

/// Waits for `n` capacity permits of a bounded channel: the future behind `send`, `reserve` and
/// their variants.
///
/// A wait that fails (the receiver closed) or is cancelled gives back whatever it had been
/// granted. A closed receiver waits for exactly those outstanding permits before `recv` returns
/// `None`, so both cases wake it.
pub(crate) struct Reserve<'a, T> {
    chan: &'a Chan<T>,
    sem: &'a BatchSemaphore,
    state: Acquire,
}

impl<'a, T> Reserve<'a, T> {
    pub(crate) fn new(chan: &'a Chan<T>, sem: &'a BatchSemaphore, n: usize) -> Reserve<'a, T> {
        Reserve {
            chan,
            sem,
            state: Acquire::new(n),
        }
    }
}

impl<T> Future for Reserve<'_, T> {
    type Output = Result<(), Closed>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Closed>> {
        let this = self.get_mut();
        let result = std::task::ready!(this.state.poll_acquire(this.sem, cx));
        if result.is_err() {
            // Only `close_rx` closes the semaphore. Any grant went back inside `poll_acquire`.
            this.chan.rx_waker.wake();
        }
        Poll::Ready(result)
    }
}

impl<T> Drop for Reserve<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if self.state.cancel(self.sem) && self.chan.is_rx_closed() {
            self.chan.rx_waker.wake();
        }
    }
}

/// The receive side of a channel: the one owner allowed to call [`Chan`]'s receive methods.
///
/// The channel's queue is single-consumer: its receive methods (`try_pop` and what builds on it)
/// must never run twice at the same time. This handle is that guarantee, stated once: exactly one
/// is made per channel (by `channel()`/`unbounded_channel()`, for its `Receiver`), it is not
/// `Clone`, and every receive method takes `&mut self`, so no two receive calls can overlap; its
/// `Drop` drains the queue, which no receive call can follow either.
pub(crate) struct RxHandle<T> {
    chan: crate::loom::Arc<Chan<T>>,
}

impl<T> RxHandle<T> {
    /// The receive side of `chan`. Call it once per channel.
    pub(crate) fn new(chan: crate::loom::Arc<Chan<T>>) -> RxHandle<T> {
        RxHandle { chan }
    }

    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // SAFETY: the single receive side, borrowed mutably (see the type's docs).
        unsafe { self.chan.poll_recv(cx) }
    }

    pub(crate) fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        // SAFETY: the single receive side, borrowed mutably (see the type's docs).
        unsafe { self.chan.poll_recv_many(cx, buffer, limit) }
    }

    pub(crate) fn try_recv(&mut self) -> Result<T, super::error::TryRecvError> {
        // SAFETY: the single receive side, borrowed mutably (see the type's docs).
        unsafe { self.chan.try_recv() }
    }
}

impl<T> std::ops::Deref for RxHandle<T> {
    type Target = crate::loom::Arc<Chan<T>>;

    fn deref(&self) -> &crate::loom::Arc<Chan<T>> {
        &self.chan
    }
}

impl<T> Drop for RxHandle<T> {
    fn drop(&mut self) {
        // SAFETY: the single receive side, being dropped: no receive call can run any more.
        unsafe { self.chan.drop_rx() };
    }
}
