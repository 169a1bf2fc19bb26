//! A multi-producer, multi-consumer channel where every receiver sees every value.
//!
//! Values go into a ring of `capacity` slots (rounded up to a power of two), each behind its own
//! mutex, under which receivers clone the value: one clone of a value at a time, so that `T` needs
//! only be `Send` (as with Tokio's channel, the handles are `Send` and `Sync` for `T: Send`; a
//! read lock shared by several cloning threads would need `T: Sync`). The write position and the
//! waiting receivers live under one `tail` mutex, which every send takes. A receiver that falls more
//! than `capacity` values behind has lost the oldest ones: its next `recv` returns
//! [`RecvError::Lagged`] with the number skipped and then continues from the oldest value still
//! held.
//!
//! Each receiver owns at most one node in the waiter list for its whole life and re-queues it when
//! it has to wait, so a receive that finds a value ready never takes the `tail` lock.
//!
//! Each slot counts the receivers that still have to see its value; the last one drops it, so a
//! value does not outlive its use (a receiver that lags or is dropped stops counting).
//!
//! # Locks and user code
//!
//! Wakers are woken after the `tail` lock is released (in batches); a receiver's waker that a
//! newer poll replaces, and the node of a dropped receiver, are dropped after it too. Values are
//! dropped with no lock held: an overwritten value after the send, a value every receiver has seen
//! by its last receiver. `T::clone` runs under the lock of its slot only, never under `tail`.
//!
//! A `T::clone` that panics propagates out of that one `recv`: the receiver has already moved past
//! the value (and stopped counting towards it), so its next `recv` returns the following value,
//! or `Lagged`, or `Closed`.
//!
//! # Example
//!
//! ```
//! use zokio_sync::broadcast;
//!
//! # futures_lite::future::block_on(async {
//! let (tx, mut rx1) = broadcast::channel(16);
//! let mut rx2 = tx.subscribe();
//! tx.send(10).unwrap();
//! assert_eq!(rx1.recv().await, Ok(10));
//! assert_eq!(rx2.recv().await, Ok(10));
//! # });
//! ```

use std::fmt;
use std::task::{Context, Poll, Waker};

use crate::loom::{Arc, AtomicUsize, Mutex, MutexGuard, Ordering, lock};
use crate::notify::Notify;
use crate::waiters::{WaitList, WakeList};

pub mod error;
mod read;
mod weak;

pub use weak::WeakSender;

use error::{RecvError, SendError, TryRecvError};
use read::{lock_slot, release_value, try_read};

struct Slot<T> {
    /// Position of the value held, or `u64::MAX` if never written.
    pos: u64,
    /// Receivers that have not taken this value yet.
    remaining: AtomicUsize,
    value: Option<T>,
}

struct Tail {
    /// Position the next value will get.
    pos: u64,
    rx_count: usize,
    closed: bool,
    waiters: WaitList<Option<Waker>>,
}

struct Shared<T> {
    buffer: Box<[Mutex<Slot<T>>]>,
    mask: u64,
    tail: Mutex<Tail>,
    /// Strong senders: the channel closes for receivers when this reaches zero.
    tx_count: AtomicUsize,
    /// Weak senders, for [`Sender::weak_count`] only.
    weak_count: AtomicUsize,
    /// Wakes [`Sender::closed`] futures when the last receiver leaves.
    no_receivers: Notify,
}

/// Creates a broadcast channel keeping the last `capacity` values (rounded up to a power of two).
///
/// # Panics
///
/// If `capacity` is 0 or larger than `usize::MAX / 2`.
///
/// ```
/// use zokio_sync::broadcast;
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx1) = broadcast::channel(8);
/// let mut rx2 = tx.subscribe();
/// let a = zokio::spawn(async move { rx1.recv().await });
/// let b = zokio::spawn(async move { rx2.recv().await });
/// assert_eq!(tx.send("news").unwrap(), 2); // two receivers will see it
/// assert_eq!(a.await.unwrap(), Ok("news"));
/// assert_eq!(b.await.unwrap(), Ok("news"));
/// # });
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let shared = new_shared(capacity, 1);
    let rx = Receiver {
        shared: shared.clone(),
        next: 0,
        waiter: None,
    };
    (Sender { shared }, rx)
}

/// The state of a new channel with one strong sender and `rx_count` receivers.
#[track_caller]
fn new_shared<T>(capacity: usize, rx_count: usize) -> Arc<Shared<T>> {
    assert!(
        capacity > 0,
        "broadcast channel capacity must be greater than 0"
    );
    assert!(
        capacity <= usize::MAX >> 1,
        "broadcast channel capacity too large"
    );
    let capacity = capacity.next_power_of_two();
    let buffer = (0..capacity)
        .map(|_| {
            Mutex::new(Slot {
                pos: u64::MAX,
                remaining: AtomicUsize::new(0),
                value: None,
            })
        })
        .collect();
    Arc::new(Shared {
        buffer,
        mask: capacity as u64 - 1,
        tail: Mutex::new(Tail {
            pos: 0,
            rx_count,
            closed: false,
            waiters: WaitList::new(),
        }),
        tx_count: AtomicUsize::new(1),
        weak_count: AtomicUsize::new(0),
        no_receivers: Notify::new(),
    })
}

/// Sends values to every receiver; clone it for more producers.
///
/// ```
/// use zokio_sync::broadcast;
/// let (tx, mut rx) = broadcast::channel(4);
/// let tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send(2).unwrap();
/// assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(1), Ok(2)));
/// drop(tx);
/// assert!(!rx.is_closed()); // `tx2` still keeps it open
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Receives every value sent after it subscribed.
///
/// ```
/// use zokio_sync::broadcast;
/// # futures_lite::future::block_on(async {
/// let (tx, mut early) = broadcast::channel(4);
/// tx.send(1).unwrap();
/// let mut late = tx.subscribe(); // sees only what is sent from now on
/// tx.send(2).unwrap();
/// assert_eq!(early.recv().await, Ok(1));
/// assert_eq!(early.recv().await, Ok(2));
/// assert_eq!(late.recv().await, Ok(2));
/// # });
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    next: u64,
    /// This receiver's node in the waiter list, reused across waits.
    waiter: Option<usize>,
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

/// Unlinks every waiter and wakes them, in batches, outside the lock.
fn wake_all<'a>(mut tail: MutexGuard<'a, Tail>, tail_lock: &'a Mutex<Tail>) {
    let mut wakers = WakeList::new();
    loop {
        while wakers.can_push() {
            let Some(key) = tail.waiters.front() else {
                break;
            };
            let waker = tail.waiters.get_mut(key).take();
            tail.waiters.unlink(key);
            if let Some(waker) = waker {
                wakers.push(waker);
            }
        }
        let more = !tail.waiters.is_empty();
        drop(tail);
        wakers.wake_all();
        if !more {
            return;
        }
        tail = lock(tail_lock);
    }
}

impl<T> Sender<T> {
    /// Creates a sender with no receiver yet (sends fail until [`Sender::subscribe`] makes one);
    /// see [`channel`] for `capacity`.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 or larger than `usize::MAX / 2`.
    ///
    /// # Example
    ///
    /// ```
    /// use zokio_sync::broadcast::Sender;
    ///
    /// let tx = Sender::new(4);
    /// assert!(tx.send(1).is_err());
    /// let mut rx = tx.subscribe();
    /// assert_eq!(tx.send(2), Ok(1));
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// ```
    #[track_caller]
    pub fn new(capacity: usize) -> Sender<T> {
        Sender {
            shared: new_shared(capacity, 0),
        }
    }

    /// Sends `value` to every current receiver and returns how many there are. Never waits: when the
    /// ring is full the oldest value is overwritten and slow receivers will see `Lagged`.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if there is no receiver.
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, rx) = broadcast::channel(2);
    /// let rx2 = rx.resubscribe();
    /// assert_eq!(tx.send(10).unwrap(), 2); // how many receivers will see it
    /// for i in 0..5 {
    ///     tx.send(i).unwrap(); // never blocks, even with nobody reading
    /// }
    /// drop((rx, rx2));
    /// assert_eq!(tx.send(99).unwrap_err().0, 99);
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut tail = lock(&self.shared.tail);
        if tail.rx_count == 0 {
            return Err(SendError(value));
        }
        let pos = tail.pos;
        let old = {
            let mut slot = lock_slot(&self.shared, pos);
            slot.pos = pos;
            slot.remaining.store(tail.rx_count, Ordering::Release);
            slot.value.replace(value)
        };
        tail.pos += 1;
        let receivers = tail.rx_count;
        if tail.waiters.is_empty() {
            drop(tail);
        } else {
            wake_all(tail, &self.shared.tail);
        }
        // The overwritten value is dropped outside every lock.
        drop(old);
        Ok(receivers)
    }

    /// A new receiver that sees values sent from now on.
    ///
    /// ```
    /// use zokio_sync::broadcast::{self, error::TryRecvError};
    /// let (tx, _rx) = broadcast::channel(4);
    /// tx.send("before").unwrap();
    /// let mut rx = tx.subscribe();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty)); // earlier values are not replayed
    /// tx.send("after").unwrap();
    /// assert_eq!(rx.try_recv(), Ok("after"));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        new_receiver(&self.shared)
    }

    /// Number of receivers.
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, rx) = broadcast::channel::<()>(1);
    /// let rx2 = tx.subscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        lock(&self.shared.tail).rx_count
    }

    /// Number of values still held: sent, not yet seen by every receiver that existed when it was
    /// sent, and not yet overwritten.
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, mut rx) = broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1); // the only receiver has seen 1
    /// ```
    pub fn len(&self) -> usize {
        let tail = lock(&self.shared.tail);
        let oldest = tail.pos.saturating_sub(self.shared.mask + 1);
        (oldest..tail.pos)
            .filter(|&pos| {
                let slot = lock_slot(&self.shared, pos);
                slot.pos == pos && slot.remaining.load(Ordering::Acquire) > 0
            })
            .count()
    }

    /// Whether [`Sender::len`] is 0.
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, mut rx) = broadcast::channel(4);
    /// assert!(tx.is_empty());
    /// tx.send(()).unwrap();
    /// assert!(!tx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether both senders feed the same channel.
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (a, _ra) = broadcast::channel::<u8>(1);
    /// let (b, _rb) = broadcast::channel::<u8>(1);
    /// assert!(a.same_channel(&a.clone()));
    /// assert!(!a.same_channel(&b));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Waits until the channel has no receiver left (at once if it has none now). A later
    /// [`Sender::subscribe`] opens it again.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses nothing.
    ///
    /// # Example
    ///
    /// ```
    /// use zokio_sync::broadcast;
    ///
    /// # futures_lite::future::block_on(async {
    /// let (tx, rx) = broadcast::channel::<u8>(4);
    /// let mut closed = Box::pin(tx.closed());
    /// assert!(futures_lite::future::poll_once(&mut closed).await.is_none());
    /// drop(rx);
    /// closed.await;
    /// # });
    /// ```
    pub async fn closed(&self) {
        loop {
            // Created before the check: a last receiver leaving in between still reaches it.
            let notified = self.shared.no_receivers.notified();
            if lock(&self.shared.tail).rx_count == 0 {
                return;
            }
            notified.await;
        }
    }

    /// A [`WeakSender`], which does not keep the channel open.
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, mut rx) = broadcast::channel(2);
    /// let weak = tx.downgrade();
    /// let again = weak.upgrade().unwrap(); // a strong sender while one lives
    /// again.send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        self.shared.weak_count.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }

    /// Number of strong senders.
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, _rx) = broadcast::channel::<()>(1);
    /// let _weak = tx.downgrade(); // weak senders are not counted
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.tx_count.load(Ordering::Acquire)
    }

    /// Number of weak senders.
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, _rx) = broadcast::channel::<()>(1);
    /// assert_eq!(tx.weak_count(), 0);
    /// let weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// drop(weak);
    /// assert_eq!(tx.weak_count(), 0);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.weak_count.load(Ordering::Acquire)
    }
}

fn new_receiver<T>(shared: &Arc<Shared<T>>) -> Receiver<T> {
    let mut tail = lock(&shared.tail);
    tail.rx_count += 1;
    let next = tail.pos;
    drop(tail);
    Receiver {
        shared: shared.clone(),
        next,
        waiter: None,
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.tx_count.fetch_add(1, Ordering::Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.tx_count.fetch_sub(1, Ordering::AcqRel) == 1 {
            let mut tail = lock(&self.shared.tail);
            tail.closed = true;
            wake_all(tail, &self.shared.tail);
        }
    }
}

impl<T: Clone> Receiver<T> {
    /// Takes the next value if there is one.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`], [`TryRecvError::Lagged`] or [`TryRecvError::Closed`].
    ///
    /// ```
    /// use zokio_sync::broadcast::{self, error::TryRecvError};
    /// let (tx, mut rx) = broadcast::channel(4);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty)); // never waits
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1)); // buffered values outlive the senders
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        try_read(&self.shared, &mut self.next, |_| None)
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        let waiter = &mut self.waiter;
        let result = try_read(&self.shared, &mut self.next, |tail| {
            // Still empty under the lock: queue (or re-queue) our node. A waker it replaces is
            // returned, to be dropped once the lock is released.
            match *waiter {
                Some(key) => {
                    let slot = tail.waiters.get_mut(key);
                    let displaced = match slot {
                        Some(old) if old.will_wake(cx.waker()) => None,
                        _ => slot.replace(cx.waker().clone()),
                    };
                    tail.waiters.relink(key);
                    displaced
                }
                None => {
                    *waiter = Some(tail.waiters.push_back(Some(cx.waker().clone())));
                    None
                }
            }
        });
        let result = match result {
            Ok(value) => Ok(value),
            Err(TryRecvError::Empty) => return Poll::Pending,
            Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
            Err(TryRecvError::Closed) => Err(RecvError::Closed),
        };
        coop.made_progress();
        Poll::Ready(result)
    }

    /// Receives the next value.
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`] if this receiver fell more than `capacity` values behind (the next call
    /// continues with the oldest value held), [`RecvError::Closed`] once all senders are gone and
    /// every value was received.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future received nothing, and the next call gets the same value.
    ///
    /// ```
    /// use zokio_sync::broadcast::{self, error::RecvError};
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, mut rx) = broadcast::channel(16);
    /// let consumer = zokio::spawn(async move {
    ///     let mut got = Vec::new();
    ///     loop {
    ///         match rx.recv().await {
    ///             Ok(v) => got.push(v),
    ///             Err(RecvError::Lagged(_)) => continue, // skipped some; keep going
    ///             Err(RecvError::Closed) => break got,
    ///         }
    ///     }
    /// });
    /// for i in 0..3 {
    ///     tx.send(i).unwrap();
    /// }
    /// drop(tx);
    /// assert_eq!(consumer.await.unwrap(), [0, 1, 2]);
    /// # });
    /// ```
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Receives from synchronous code, blocking the thread. Do not call it inside async code.
    ///
    /// # Errors
    ///
    /// As for [`Receiver::recv`].
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, mut rx) = broadcast::channel(4);
    /// let reader = std::thread::spawn(move || {
    ///     let first = rx.blocking_recv();
    ///     let end = rx.blocking_recv();
    ///     (first, end)
    /// });
    /// tx.send(7).unwrap();
    /// drop(tx);
    /// let (first, end) = reader.join().unwrap();
    /// assert_eq!(first, Ok(7));
    /// assert_eq!(end, Err(broadcast::error::RecvError::Closed));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        crate::blocking::block_on(self.recv())
    }
}

impl<T> Receiver<T> {
    /// A new receiver that sees values sent from now on.
    ///
    /// ```
    /// use zokio_sync::broadcast::{self, error::TryRecvError};
    /// let (tx, mut rx) = broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut fresh = rx.resubscribe(); // starts at the tail, not at `rx`'s position
    /// assert_eq!(fresh.try_recv(), Err(TryRecvError::Empty));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        new_receiver(&self.shared)
    }

    /// Number of values sent that this receiver has not received yet (more than the capacity once
    /// it lagged).
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, mut rx) = broadcast::channel(2);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// for i in 2..=4 {
    ///     tx.send(i).unwrap();
    /// }
    /// assert_eq!(rx.len(), 4); // more than the capacity: it lagged
    /// ```
    pub fn len(&self) -> usize {
        let tail = lock(&self.shared.tail);
        (tail.pos - self.next) as usize
    }

    /// Whether [`Receiver::len`] is 0.
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, mut rx) = broadcast::channel(2);
    /// assert!(rx.is_empty());
    /// tx.send(0).unwrap();
    /// assert!(!rx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether both receivers listen to the same channel.
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, rx) = broadcast::channel::<u8>(1);
    /// let (_tx2, other) = broadcast::channel::<u8>(1);
    /// assert!(rx.same_channel(&tx.subscribe()));
    /// assert!(!rx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Whether every strong sender is gone. Values still buffered can be received even then.
    ///
    /// # Example
    ///
    /// ```
    /// use zokio_sync::broadcast;
    ///
    /// let (tx, mut rx) = broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.tx_count.load(Ordering::Acquire) == 0
    }

    /// Number of strong senders.
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, rx) = broadcast::channel::<()>(1);
    /// let tx2 = tx.clone();
    /// assert_eq!(rx.sender_strong_count(), 2);
    /// drop((tx, tx2));
    /// assert_eq!(rx.sender_strong_count(), 0);
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.shared.tx_count.load(Ordering::Acquire)
    }

    /// Number of weak senders.
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, rx) = broadcast::channel::<()>(1);
    /// let _weak = tx.downgrade();
    /// assert_eq!(rx.sender_weak_count(), 1);
    /// ```
    pub fn sender_weak_count(&self) -> usize {
        self.shared.weak_count.load(Ordering::Acquire)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut released = Vec::new();
        let mut tail = lock(&self.shared.tail);
        tail.rx_count -= 1;
        let last = tail.rx_count == 0;
        // Our node's waker is dropped after unlocking: its destructor may use this channel.
        let node = self.waiter.take().map(|key| tail.waiters.remove(key));
        // Stop counting towards the values this receiver never took. Senders are excluded by
        // `tail`, so the positions are stable.
        let oldest = tail.pos.saturating_sub(self.shared.mask + 1);
        for pos in self.next.max(oldest)..tail.pos {
            let slot = lock_slot(&self.shared, pos);
            if slot.pos == pos && slot.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                drop(slot);
                released.extend(release_value(&self.shared, pos));
            }
        }
        drop(tail);
        drop(node);
        if last {
            self.shared.no_receivers.notify_waiters();
        }
        // Values are dropped outside the lock: their destructors may use this channel.
        drop(released);
    }
}
