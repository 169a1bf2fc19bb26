//! The state shared by both mpsc flavours.
//!
//! Messages travel through a lock-free [`ConcurrentQueue`] (a fixed array for small bounded
//! channels, a linked list of blocks otherwise). A bounded channel's capacity is a fair
//! [`BatchSemaphore`]: a sender takes a permit before pushing, and the receiver returns it after
//! popping, so senders waiting for room are served FIFO and a dropped `send` future passes its turn
//! on. The single receiver parks in an [`AtomicWaker`].

use std::task::{Context, Poll};

use concurrent_queue::ConcurrentQueue;

use crate::atomic_waker::AtomicWaker;
use crate::batch::BatchSemaphore;
use crate::loom::{AtomicBool, AtomicUsize, Ordering};
use crate::notify::Notify;

/// Largest bounded capacity backed by a preallocated array; larger ones use the block list.
const ARRAY_LIMIT: usize = 4096;

pub(crate) struct Chan<T> {
    queue: ConcurrentQueue<T>,
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

impl<T> Chan<T> {
    pub(crate) fn new(bound: Option<usize>) -> Chan<T> {
        let (queue, sem, bound) = match bound {
            Some(cap) => {
                let queue = if cap <= ARRAY_LIMIT {
                    ConcurrentQueue::bounded(cap)
                } else {
                    ConcurrentQueue::unbounded()
                };
                (queue, Some(BatchSemaphore::new(cap)), cap)
            }
            None => (ConcurrentQueue::unbounded(), None, usize::MAX),
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
        if self.queue.push(value).is_err() {
            // A permit guarantees a free slot: the receiver frees the slot before the permit.
            unreachable!("mpsc queue full despite a capacity permit");
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
    pub(crate) fn try_pop(&self) -> Option<T> {
        let value = self.queue.pop().ok()?;
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
        self.queue.len()
    }

    /// The receive path of both flavours: a message, `None` at the end, or `Pending`.
    pub(crate) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        if let Some(value) = self.try_pop() {
            coop.made_progress();
            return Poll::Ready(Some(value));
        }
        self.rx_waker.register(cx.waker());
        // Re-check after registering: a push in between may not have seen our waker.
        if let Some(value) = self.try_pop() {
            coop.made_progress();
            return Poll::Ready(Some(value));
        }
        if self.no_more_messages() {
            // Messages sent before the last sender left are visible now (Acquire above).
            let last = self.try_pop();
            coop.made_progress();
            return Poll::Ready(last);
        }
        Poll::Pending
    }

    /// Moves up to `limit` messages into `buffer`, waiting for at least one.
    pub(crate) fn poll_recv_many(
        &self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        match std::task::ready!(self.poll_recv(cx)) {
            None => Poll::Ready(0),
            Some(first) => {
                buffer.reserve(limit.min(self.len() + 1));
                buffer.push(first);
                let mut count = 1;
                while count < limit {
                    match self.try_pop() {
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
    pub(crate) fn try_recv(&self) -> Result<T, super::error::TryRecvError> {
        if let Some(value) = self.try_pop() {
            return Ok(value);
        }
        if self.no_more_messages() {
            return self
                .try_pop()
                .ok_or(super::error::TryRecvError::Disconnected);
        }
        Err(super::error::TryRecvError::Empty)
    }

    /// Receiver dropped: close and drop every buffered message now (this also returns permits).
    pub(crate) fn drop_rx(&self) {
        self.close_rx();
        while self.try_pop().is_some() {}
    }
}
