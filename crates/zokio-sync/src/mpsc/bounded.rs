//! The bounded mpsc channel: senders wait (FIFO) for capacity.

use std::fmt;
use std::task::{Context, Poll};
use std::time::Duration;

use super::chan::{Chan, Reserve};
use super::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use crate::batch::TryAcquire;
use crate::loom::Arc;

/// Creates a bounded channel holding at most `buffer` messages.
///
/// # Panics
///
/// If `buffer` is 0 or above [`Semaphore::MAX_PERMITS`](crate::Semaphore::MAX_PERMITS).
///
/// # Example
///
/// ```
/// use zokio_sync::mpsc;
///
/// # futures_lite::future::block_on(async {
/// let (tx, mut rx) = mpsc::channel(8);
/// tx.send(1).await.unwrap();
/// tx.try_send(2).unwrap();
/// drop(tx);
/// assert_eq!(rx.recv().await, Some(1));
/// assert_eq!(rx.recv().await, Some(2));
/// assert_eq!(rx.recv().await, None);
/// # });
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    let chan = Arc::new(Chan::new(Some(buffer)));
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// The sending half of a bounded channel; clone it for more producers.
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// A sender that does not keep the channel open; see [`Sender::downgrade`].
pub struct WeakSender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of a bounded channel.
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

/// A reserved slot: [`Permit::send`] cannot fail or wait. Dropping it returns the slot.
pub struct Permit<'a, T> {
    chan: &'a Chan<T>,
}

/// A reserved slot that owns its sender; see [`Sender::reserve_owned`].
pub struct OwnedPermit<T> {
    sender: Option<Sender<T>>,
}

macro_rules! debug_name {
    ($($ty:ident),*) => {$(
        impl<T> fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(concat!("mpsc::", stringify!($ty))).finish_non_exhaustive()
            }
        }
    )*};
}
debug_name!(Sender, WeakSender, Receiver, OwnedPermit);

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Permit").finish_non_exhaustive()
    }
}

impl<T> Sender<T> {
    fn sem(&self) -> &crate::batch::BatchSemaphore {
        self.chan
            .sem
            .as_ref()
            .expect("bounded channel has a semaphore")
    }

    /// Waits for capacity, then sends `value`.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped before it completes, the message was not sent (it is dropped with
    /// the future) and the sender's place in the capacity queue passes to the next sender. Use
    /// [`Sender::reserve`] to keep the message when racing in `select!`.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is closed.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        match Reserve::new(&self.chan, self.sem(), 1).await {
            Ok(()) => {
                self.chan.push(value);
                Ok(())
            }
            Err(_) => Err(SendError(value)),
        }
    }

    /// Waits at most `timeout` for capacity, then sends `value`.
    ///
    /// The wait runs on the runtime's timer when the runtime installed one (zokio does, so paused
    /// time applies), and on a runtime-agnostic timer thread otherwise. A channel with room sends
    /// at once without starting any timer. Like [`Sender::send`], it spends the task's
    /// cooperative budget.
    ///
    /// # Cancel safety
    ///
    /// Same as [`Sender::send`]: if the future is dropped before it completes, the message was not
    /// sent (it is dropped with the future) and the sender's place in the capacity queue passes to
    /// the next sender.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] if the channel stayed full for `timeout`,
    /// [`SendTimeoutError::Closed`] if the receiver is closed; both hand the value back.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_sync::mpsc::{self, error::SendTimeoutError};
    ///
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::channel(1);
    /// tx.send_timeout(1, Duration::from_millis(10)).await.unwrap();
    /// // Full: the second message comes back once the timeout has passed.
    /// let err = tx.send_timeout(2, Duration::from_millis(10)).await.unwrap_err();
    /// assert_eq!(err, SendTimeoutError::Timeout(2));
    /// assert_eq!(rx.recv().await, Some(1));
    /// # });
    /// ```
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        let acquire = Reserve::new(&self.chan, self.sem(), 1);
        // `Timeout` polls the acquire first, so a granted permit wins over a deadline that passed
        // at the same time; when the deadline wins, dropping the acquire passes on anything it had
        // been granted.
        match crate::time::Timeout::new(acquire, crate::time::Sleep::new(timeout)).await {
            Ok(Ok(())) => {
                self.chan.push(value);
                Ok(())
            }
            Ok(Err(_)) => Err(SendTimeoutError::Closed(value)),
            Err(_) => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// Sends `value` if there is capacity right now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], both with the value.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.sem().try_acquire(1) {
            Ok(()) => {
                self.chan.push(value);
                Ok(())
            }
            Err(TryAcquire::NoPermits) => Err(TrySendError::Full(value)),
            Err(TryAcquire::Closed) => Err(TrySendError::Closed(value)),
        }
    }

    /// Sends from synchronous code, blocking the thread while the channel is full. Do not call it
    /// inside async code.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is closed.
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        crate::blocking::block_on(self.send(value))
    }

    /// Waits for capacity and reserves one slot.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `reserve` future leaves the queue and passes on the slot if it had
    /// already been granted one.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is closed.
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        match Reserve::new(&self.chan, self.sem(), 1).await {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(_) => Err(SendError(())),
        }
    }

    /// Waits for capacity and reserves `n` slots at once (FIFO with the other senders); the
    /// iterator hands them out one [`Permit`] at a time and returns the unused ones when dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future leaves the queue and passes on any slots already set aside.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is closed or `n` exceeds the channel's capacity.
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        if n > self.chan.bound() {
            return Err(SendError(()));
        }
        match Reserve::new(&self.chan, self.sem(), n).await {
            Ok(()) => Ok(PermitIterator {
                chan: &self.chan,
                n,
            }),
            Err(_) => Err(SendError(())),
        }
    }

    /// Reserves `n` slots if they are free right now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] (also when `n` exceeds the capacity) or [`TrySendError::Closed`].
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        if n > self.chan.bound() {
            return Err(TrySendError::Full(()));
        }
        match self.sem().try_acquire(n) {
            Ok(()) => Ok(PermitIterator {
                chan: &self.chan,
                n,
            }),
            Err(TryAcquire::NoPermits) => Err(TrySendError::Full(())),
            Err(TryAcquire::Closed) => Err(TrySendError::Closed(())),
        }
    }

    /// Reserves one slot if there is capacity right now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`].
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match self.sem().try_acquire(1) {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(TryAcquire::NoPermits) => Err(TrySendError::Full(())),
            Err(TryAcquire::Closed) => Err(TrySendError::Closed(())),
        }
    }

    /// Like [`Sender::reserve`], but the permit owns the sender (so it is `'static`).
    ///
    /// # Cancel safety
    ///
    /// Same as [`Sender::reserve`].
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is closed.
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        match Reserve::new(&self.chan, self.sem(), 1).await {
            Ok(()) => Ok(OwnedPermit { sender: Some(self) }),
            Err(_) => Err(SendError(())),
        }
    }

    /// Like [`Sender::try_reserve`], but the permit owns the sender.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the sender.
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Self>> {
        match self.sem().try_acquire(1) {
            Ok(()) => Ok(OwnedPermit { sender: Some(self) }),
            Err(TryAcquire::NoPermits) => Err(TrySendError::Full(self)),
            Err(TryAcquire::Closed) => Err(TrySendError::Closed(self)),
        }
    }

    /// Waits until the receiver is closed or dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        self.chan.closed().await
    }

    /// Whether the receiver is closed or dropped.
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed()
    }

    /// Free capacity right now.
    pub fn capacity(&self) -> usize {
        self.sem().available_permits()
    }

    /// The capacity the channel was created with.
    pub fn max_capacity(&self) -> usize {
        self.chan.bound()
    }

    /// A [`WeakSender`], which does not keep the channel open.
    pub fn downgrade(&self) -> WeakSender<T> {
        self.chan.add_weak();
        WeakSender {
            chan: self.chan.clone(),
        }
    }

    /// Whether both senders feed the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// Number of strong senders.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Number of weak senders.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> WeakSender<T> {
    /// A strong [`Sender`] if any is still alive.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.upgrade().then(|| Sender {
            chan: self.chan.clone(),
        })
    }

    /// Number of strong senders.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Number of weak senders.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_weak();
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.chan.drop_weak();
    }
}

impl<T> Permit<'_, T> {
    /// Sends through the reserved slot; never waits, never fails (after [`Receiver::close`] the
    /// message is still delivered).
    pub fn send(self, value: T) {
        self.chan.push(value);
        std::mem::forget(self);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.chan.release_permit();
    }
}

/// Slots reserved by [`Sender::reserve_many`]: yields one [`Permit`] per slot; slots not taken
/// are returned when this is dropped.
pub struct PermitIterator<'a, T> {
    chan: &'a Chan<T>,
    n: usize,
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::PermitIterator")
            .field("remaining", &self.n)
            .finish()
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.n == 0 {
            return None;
        }
        self.n -= 1;
        Some(Permit { chan: self.chan })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n, Some(self.n))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        if self.n > 0 {
            self.chan.release_permits(self.n);
        }
    }
}

impl<T> OwnedPermit<T> {
    /// Sends through the reserved slot and returns the sender.
    pub fn send(mut self, value: T) -> Sender<T> {
        let sender = self.sender.take().expect("permit holds its sender");
        sender.chan.push(value);
        sender
    }

    /// Gives the slot back without sending and returns the sender.
    pub fn release(mut self) -> Sender<T> {
        let sender = self.sender.take().expect("permit holds its sender");
        sender.chan.release_permit();
        sender
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = &self.sender {
            sender.chan.release_permit();
        }
    }
}

impl<T> Receiver<T> {
    /// Receives the next message, or `None` once the channel is closed and drained (all senders
    /// gone, or [`Receiver::close`] called and no reserved permit left).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped (e.g. another `select!` branch won), no message was
    /// taken from the channel.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| {
            // SAFETY: the receiver (not `Clone`, one per channel) polls through `&mut self`, so
            // this is the channel's only receive-side call running.
            unsafe { self.chan.poll_recv(cx) }
        })
        .await
    }

    /// Receives up to `limit` messages into `buffer` (waiting for at least one) and returns how many;
    /// 0 means the channel is closed and drained (or `limit` is 0).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future took no message.
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| {
            // SAFETY: the receiver (not `Clone`, one per channel) polls through `&mut self`, so
            // this is the channel's only receive-side call running.
            unsafe { self.chan.poll_recv_many(cx, buffer, limit) }
        })
        .await
    }

    /// Takes a message if one is buffered.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] or, once closed and drained, [`TryRecvError::Disconnected`].
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        // SAFETY: `&mut self` of the channel's only receiver: no other receive-side call runs.
        unsafe { self.chan.try_recv() }
    }

    /// Receives from synchronous code, blocking the thread. Do not call it inside async code.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::blocking::block_on(self.recv())
    }

    /// Like [`Receiver::recv_many`], blocking the thread.
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::blocking::block_on(self.recv_many(buffer, limit))
    }

    /// Polls for the next message (for hand-written futures).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // SAFETY: `&mut self` of the channel's only receiver: no other receive-side call runs.
        unsafe { self.chan.poll_recv(cx) }
    }

    /// Polls for up to `limit` messages (for hand-written futures).
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        // SAFETY: `&mut self` of the channel's only receiver: no other receive-side call runs.
        unsafe { self.chan.poll_recv_many(cx, buffer, limit) }
    }

    /// Closes the channel: sends fail from now on, but buffered messages (and those sent through
    /// permits already reserved) can still be received.
    pub fn close(&mut self) {
        self.chan.close_rx();
    }

    /// Whether the channel is closed (receiver closed, or every sender gone).
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed() || self.chan.strong_count() == 0
    }

    /// Number of buffered messages.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Whether no message is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Free capacity right now.
    pub fn capacity(&self) -> usize {
        self.chan
            .sem
            .as_ref()
            .map_or(0, |sem| sem.available_permits())
    }

    /// The capacity the channel was created with.
    pub fn max_capacity(&self) -> usize {
        self.chan.bound()
    }

    /// Number of strong senders.
    pub fn sender_strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Number of weak senders.
    pub fn sender_weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // SAFETY: the channel's only receiver is being dropped: no other receive-side call runs.
        unsafe { self.chan.drop_rx() };
    }
}
