//! The bounded mpsc channel: senders wait (FIFO) for capacity.

use std::fmt;
use std::task::{Context, Poll};
use std::time::Duration;

use super::chan::{Chan, Reserve, RxHandle};
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
    (
        Sender { chan: chan.clone() },
        Receiver {
            chan: RxHandle::new(chan),
        },
    )
}

/// The sending half of a bounded channel; clone it for more producers.
///
/// ```
/// use zokio_sync::mpsc;
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx) = mpsc::channel(4);
/// for id in 0..3 {
///     let tx = tx.clone(); // one clone per producer
///     zokio::spawn(async move { tx.send(id).await.unwrap() });
/// }
/// drop(tx); // the channel closes when the last clone is gone
/// let mut got = Vec::new();
/// while let Some(id) = rx.recv().await {
///     got.push(id);
/// }
/// got.sort();
/// assert_eq!(got, [0, 1, 2]);
/// # });
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// A sender that does not keep the channel open; see [`Sender::downgrade`].
///
/// ```
/// use zokio_sync::mpsc;
/// # futures_lite::future::block_on(async {
/// let (tx, mut rx) = mpsc::channel::<u8>(1);
/// let weak = tx.downgrade();
/// drop(tx); // only a weak sender left: the channel is closed
/// assert_eq!(rx.recv().await, None);
/// assert!(weak.upgrade().is_none());
/// # });
/// ```
pub struct WeakSender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of a bounded channel.
///
/// ```
/// use zokio_sync::mpsc;
/// # futures_lite::future::block_on(async {
/// let (tx, mut rx) = mpsc::channel(2);
/// tx.send("a").await.unwrap();
/// tx.send("b").await.unwrap();
/// drop(tx);
/// // Buffered messages are still delivered after the senders are gone.
/// assert_eq!(rx.recv().await, Some("a"));
/// assert_eq!(rx.recv().await, Some("b"));
/// assert_eq!(rx.recv().await, None);
/// # });
/// ```
pub struct Receiver<T> {
    chan: RxHandle<T>,
}

/// A reserved slot: [`Permit::send`] cannot fail or wait. Dropping it returns the slot.
///
/// ```
/// use zokio_sync::mpsc;
/// # futures_lite::future::block_on(async {
/// let (tx, mut rx) = mpsc::channel(1);
/// let permit = tx.reserve().await.unwrap(); // holds the only slot
/// assert!(tx.try_send(0).is_err());
/// permit.send(1); // cannot fail now
/// assert_eq!(rx.recv().await, Some(1));
/// drop(tx.reserve().await.unwrap()); // an unused permit gives the slot back
/// assert_eq!(tx.capacity(), 1);
/// # });
/// ```
pub struct Permit<'a, T> {
    chan: &'a Chan<T>,
}

/// A reserved slot that owns its sender; see [`Sender::reserve_owned`].
///
/// ```
/// use zokio_sync::mpsc;
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx) = mpsc::channel(1);
/// let permit = tx.reserve_owned().await.unwrap(); // owns the sender: `'static`
/// zokio::spawn(async move {
///     let _tx = permit.send("reply"); // the sender comes back
/// });
/// assert_eq!(rx.recv().await, Some("reply"));
/// # });
/// ```
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
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, mut rx) = mpsc::channel(1);
    /// tx.send(1).await.unwrap();
    /// // Full: this send waits until the receiver makes room.
    /// let second = zokio::spawn({
    ///     let tx = tx.clone();
    ///     async move { tx.send(2).await }
    /// });
    /// assert_eq!(rx.recv().await, Some(1));
    /// assert!(second.await.unwrap().is_ok());
    /// assert_eq!(rx.recv().await, Some(2));
    /// drop(rx);
    /// assert_eq!(tx.send(3).await.unwrap_err().0, 3); // closed: value handed back
    /// # });
    /// ```
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
    ///
    /// ```
    /// use zokio_sync::mpsc::{self, error::TrySendError};
    /// let (tx, mut rx) = mpsc::channel(1);
    /// assert!(tx.try_send('a').is_ok());
    /// assert_eq!(tx.try_send('b'), Err(TrySendError::Full('b'))); // never waits
    /// assert_eq!(rx.try_recv(), Ok('a'));
    /// rx.close();
    /// assert_eq!(tx.try_send('c'), Err(TrySendError::Closed('c')));
    /// ```
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
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let producer = std::thread::spawn(move || {
    ///     for i in 0..3 {
    ///         tx.blocking_send(i).unwrap(); // blocks the thread while full
    ///     }
    /// });
    /// let mut got = Vec::new();
    /// while let Some(i) = rx.recv().await {
    ///     got.push(i);
    /// }
    /// producer.join().unwrap();
    /// assert_eq!(got, [0, 1, 2]);
    /// # });
    /// ```
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
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::channel(1);
    /// // Reserve first, build the message only once a slot is certain.
    /// let permit = tx.reserve().await.unwrap();
    /// permit.send(format!("job {}", 1));
    /// assert_eq!(rx.recv().await.as_deref(), Some("job 1"));
    /// rx.close();
    /// assert!(tx.reserve().await.is_err());
    /// # });
    /// ```
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
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::channel(4);
    /// let permits = tx.reserve_many(3).await.unwrap();
    /// assert_eq!(tx.capacity(), 1);
    /// for (permit, word) in permits.zip(["x", "y", "z"]) {
    ///     permit.send(word);
    /// }
    /// assert_eq!(rx.len(), 3);
    /// assert!(tx.reserve_many(5).await.is_err()); // more than the capacity: never possible
    /// # });
    /// ```
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
    ///
    /// ```
    /// use zokio_sync::mpsc::{self, error::TrySendError};
    /// let (tx, _rx) = mpsc::channel::<u8>(2);
    /// let two = tx.try_reserve_many(2).unwrap();
    /// assert_eq!(two.len(), 2);
    /// assert_eq!(tx.try_reserve_many(1).unwrap_err(), TrySendError::Full(()));
    /// drop(two); // unused slots go back
    /// assert_eq!(tx.capacity(), 2);
    /// ```
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
    ///
    /// ```
    /// use zokio_sync::mpsc::{self, error::TrySendError};
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let permit = tx.try_reserve().unwrap();
    /// assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Full(()));
    /// permit.send(5);
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
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
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let permit = tx.clone().reserve_owned().await.unwrap();
    /// let tx_back = permit.send(1); // the sender is handed back
    /// assert!(tx_back.same_channel(&tx));
    /// assert_eq!(rx.recv().await, Some(1));
    /// # });
    /// ```
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
    ///
    /// ```
    /// use zokio_sync::mpsc::{self, error::TrySendError};
    /// let (tx, _rx) = mpsc::channel::<u8>(1);
    /// let held = tx.clone().try_reserve_owned().unwrap();
    /// match tx.try_reserve_owned() {
    ///     Err(TrySendError::Full(tx)) => assert_eq!(tx.capacity(), 0), // the sender comes back
    ///     _ => unreachable!(),
    /// }
    /// drop(held);
    /// ```
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
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = mpsc::channel::<u8>(1);
    /// let watcher = zokio::spawn(async move {
    ///     tx.closed().await; // e.g. stop producing once nobody listens
    ///     tx.is_closed()
    /// });
    /// drop(rx);
    /// assert!(watcher.await.unwrap());
    /// # });
    /// ```
    pub async fn closed(&self) {
        self.chan.closed().await
    }

    /// Whether the receiver is closed or dropped.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// let (tx, mut rx) = mpsc::channel::<()>(1);
    /// assert!(!tx.is_closed());
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed()
    }

    /// Free capacity right now.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// let (tx, mut rx) = mpsc::channel(3);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.capacity(), 2);
    /// let _permit = tx.try_reserve().unwrap(); // reserved slots count as used
    /// assert_eq!(tx.capacity(), 1);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.capacity(), 2);
    /// ```
    pub fn capacity(&self) -> usize {
        self.sem().available_permits()
    }

    /// The capacity the channel was created with.
    ///
    /// ```
    /// let (tx, _rx) = zokio_sync::mpsc::channel(3);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.max_capacity(), 3); // fixed, however full it is
    /// assert_eq!(tx.capacity(), 2);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.chan.bound()
    }

    /// A [`WeakSender`], which does not keep the channel open.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let weak = tx.downgrade();
    /// weak.upgrade().unwrap().try_send(1).unwrap(); // works while `tx` lives
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        self.chan.add_weak();
        WeakSender {
            chan: self.chan.clone(),
        }
    }

    /// Whether both senders feed the same channel.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// let (a, _ra) = mpsc::channel::<u8>(1);
    /// let (b, _rb) = mpsc::channel::<u8>(1);
    /// assert!(a.same_channel(&a.clone()));
    /// assert!(!a.same_channel(&b));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// Number of strong senders.
    ///
    /// ```
    /// let (tx, _rx) = zokio_sync::mpsc::channel::<()>(1);
    /// let _weak = tx.downgrade(); // not counted
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Number of weak senders.
    ///
    /// ```
    /// let (tx, _rx) = zokio_sync::mpsc::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// drop(weak);
    /// assert_eq!(tx.weak_count(), 0);
    /// ```
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
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// let (tx, _rx) = mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// let strong = weak.upgrade().unwrap();
    /// assert!(strong.same_channel(&tx));
    /// drop((tx, strong));
    /// assert!(weak.upgrade().is_none()); // once every strong sender is gone
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.upgrade().then(|| Sender {
            chan: self.chan.clone(),
        })
    }

    /// Number of strong senders.
    ///
    /// ```
    /// let (tx, _rx) = zokio_sync::mpsc::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(weak.strong_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Number of weak senders.
    ///
    /// ```
    /// let (tx, _rx) = zokio_sync::mpsc::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// let _weak2 = weak.clone();
    /// assert_eq!(weak.weak_count(), 2);
    /// ```
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
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let permit = tx.reserve().await.unwrap();
    /// rx.close(); // closing does not void a permit already held
    /// permit.send("still delivered");
    /// assert_eq!(rx.recv().await, Some("still delivered"));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
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
///
/// ```
/// use zokio_sync::mpsc;
/// # futures_lite::future::block_on(async {
/// let (tx, mut rx) = mpsc::channel(3);
/// let mut permits = tx.reserve_many(3).await.unwrap();
/// permits.next().unwrap().send(1);
/// assert_eq!(permits.len(), 2);
/// drop(permits); // the two unused slots return to the channel
/// assert_eq!(tx.capacity(), 2);
/// assert_eq!(rx.recv().await, Some(1));
/// # });
/// ```
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
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let tx = tx.reserve_owned().await.unwrap().send(1);
    /// let tx = tx.try_reserve_owned().unwrap_err().into_inner(); // full again
    /// drop(tx);
    /// assert_eq!(rx.recv().await, Some(1));
    /// # });
    /// ```
    pub fn send(mut self, value: T) -> Sender<T> {
        let sender = self.sender.take().expect("permit holds its sender");
        sender.chan.push(value);
        sender
    }

    /// Gives the slot back without sending and returns the sender.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// let (tx, _rx) = mpsc::channel::<u8>(1);
    /// let permit = tx.try_reserve_owned().unwrap();
    /// let tx = permit.release(); // nothing sent; the slot is free again
    /// assert_eq!(tx.capacity(), 1);
    /// ```
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
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, mut rx) = mpsc::channel(8);
    /// zokio::spawn(async move {
    ///     for word in ["one", "two"] {
    ///         tx.send(word).await.unwrap();
    ///     }
    /// }); // `tx` dropped at the end of the task
    /// assert_eq!(rx.recv().await, Some("one")); // waits for a message
    /// assert_eq!(rx.recv().await, Some("two"));
    /// assert_eq!(rx.recv().await, None); // closed and drained
    /// # });
    /// ```
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.chan.poll_recv(cx)).await
    }

    /// Receives up to `limit` messages into `buffer` (waiting for at least one) and returns how many;
    /// 0 means the channel is closed and drained (or `limit` is 0).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future took no message.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::channel(8);
    /// for i in 0..5 {
    ///     tx.send(i).await.unwrap();
    /// }
    /// drop(tx);
    /// let mut batch = Vec::new();
    /// assert_eq!(rx.recv_many(&mut batch, 3).await, 3); // at most `limit`
    /// assert_eq!(rx.recv_many(&mut batch, 3).await, 2); // appends
    /// assert_eq!(batch, [0, 1, 2, 3, 4]);
    /// assert_eq!(rx.recv_many(&mut batch, 3).await, 0); // closed and drained
    /// # });
    /// ```
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.chan.poll_recv_many(cx, buffer, limit)).await
    }

    /// Takes a message if one is buffered.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] or, once closed and drained, [`TryRecvError::Disconnected`].
    ///
    /// ```
    /// use zokio_sync::mpsc::{self, error::TryRecvError};
    /// let (tx, mut rx) = mpsc::channel(2);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty)); // never waits
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Receives from synchronous code, blocking the thread. Do not call it inside async code.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// let (tx, mut rx) = mpsc::channel(4);
    /// let consumer = std::thread::spawn(move || {
    ///     let mut sum = 0;
    ///     while let Some(n) = rx.blocking_recv() {
    ///         sum += n;
    ///     }
    ///     sum
    /// });
    /// for n in 1..=4 {
    ///     tx.blocking_send(n).unwrap();
    /// }
    /// drop(tx);
    /// assert_eq!(consumer.join().unwrap(), 10);
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::blocking::block_on(self.recv())
    }

    /// Like [`Receiver::recv_many`], blocking the thread.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// let (tx, mut rx) = mpsc::channel(4);
    /// for n in [1, 2, 3] {
    ///     tx.try_send(n).unwrap();
    /// }
    /// let mut buf = Vec::new();
    /// assert_eq!(rx.blocking_recv_many(&mut buf, 10), 3);
    /// assert_eq!(buf, [1, 2, 3]);
    /// ```
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::blocking::block_on(self.recv_many(buffer, limit))
    }

    /// Polls for the next message (for hand-written futures).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::task::Poll;
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let idle = poll_fn(|cx| Poll::Ready(rx.poll_recv(cx).is_pending())).await;
    /// assert!(idle); // nothing yet: `Pending`, with the waker registered
    /// tx.send(3).await.unwrap();
    /// assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(3));
    /// # });
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    /// Polls for up to `limit` messages (for hand-written futures).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::channel(4);
    /// tx.send('a').await.unwrap();
    /// tx.send('b').await.unwrap();
    /// let mut buf = Vec::new();
    /// let n = poll_fn(|cx| rx.poll_recv_many(cx, &mut buf, 8)).await;
    /// assert_eq!((n, buf), (2, vec!['a', 'b']));
    /// # });
    /// ```
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.chan.poll_recv_many(cx, buffer, limit)
    }

    /// Closes the channel: sends fail from now on, but buffered messages (and those sent through
    /// permits already reserved) can still be received.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::channel(2);
    /// tx.send(1).await.unwrap();
    /// rx.close();
    /// assert!(tx.send(2).await.is_err()); // refused from now on
    /// assert_eq!(rx.recv().await, Some(1)); // what was buffered still arrives
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    pub fn close(&mut self) {
        self.chan.close_rx();
    }

    /// Whether the channel is closed (receiver closed, or every sender gone).
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// let (tx, mut rx) = mpsc::channel::<()>(1);
    /// assert!(!rx.is_closed());
    /// drop(tx); // every sender gone
    /// assert!(rx.is_closed());
    ///
    /// let (_tx, mut rx) = mpsc::channel::<()>(1);
    /// rx.close();
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed() || self.chan.strong_count() == 0
    }

    /// Number of buffered messages.
    ///
    /// ```
    /// let (tx, mut rx) = zokio_sync::mpsc::channel(4);
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Whether no message is buffered.
    ///
    /// ```
    /// let (tx, mut rx) = zokio_sync::mpsc::channel(1);
    /// assert!(rx.is_empty());
    /// tx.try_send(()).unwrap();
    /// assert!(!rx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Free capacity right now.
    ///
    /// ```
    /// let (tx, rx) = zokio_sync::mpsc::channel(2);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.capacity(), 1);
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan
            .sem
            .as_ref()
            .map_or(0, |sem| sem.available_permits())
    }

    /// The capacity the channel was created with.
    ///
    /// ```
    /// let (tx, rx) = zokio_sync::mpsc::channel(2);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.max_capacity(), 2);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.chan.bound()
    }

    /// Number of strong senders.
    ///
    /// ```
    /// let (tx, rx) = zokio_sync::mpsc::channel::<()>(1);
    /// let tx2 = tx.clone();
    /// assert_eq!(rx.sender_strong_count(), 2);
    /// drop((tx, tx2));
    /// assert_eq!(rx.sender_strong_count(), 0);
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Number of weak senders.
    ///
    /// ```
    /// let (tx, rx) = zokio_sync::mpsc::channel::<()>(1);
    /// let _weak = tx.downgrade();
    /// assert_eq!(rx.sender_weak_count(), 1);
    /// ```
    pub fn sender_weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}
