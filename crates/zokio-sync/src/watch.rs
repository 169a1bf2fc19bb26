//! A single-value channel: receivers see the latest value and wait for changes.
//!
//! The value sits behind a reader-writer lock next to an atomic version (bumped by 2 on every send,
//! bit 0 marks "all senders gone"). Senders bump the version while still holding the write lock, so a
//! reader that loads the version under the read lock knows exactly which value it saw. Waiting
//! receivers park on a [`Notify`] that each send wakes with `notify_waiters`.
//!
//! # Locks and user code
//!
//! Waiting goes through [`Notify`], which wakes and drops wakers outside its lock, and every
//! notification is sent after the value's lock is released. The old value of `send` and
//! `send_replace` is dropped after the write lock is released. The closures of `send_modify` and
//! `send_if_modified`, and the predicate of `wait_for`, run with the value locked (they get a
//! reference to it), as in Tokio: they must not use the same channel.
//!
//! # Cooperative budget
//!
//! `changed`, `wait_for` and `Sender::closed` spend one unit of the budget per call, ready or
//! not, as Tokio's do.
//!
//! # Example
//!
//! ```
//! use zokio_sync::watch;
//!
//! # futures_lite::future::block_on(async {
//! let (tx, mut rx) = watch::channel("hello");
//! tx.send("world").unwrap();
//! rx.changed().await.unwrap();
//! assert_eq!(*rx.borrow_and_update(), "world");
//! # });
//! ```

use std::fmt;
use std::ops::Deref;

use crate::loom::{Arc, AtomicUsize, Ordering, RwLock, RwLockReadGuard};
use crate::notify::Notify;

const CLOSED: usize = 1;
const STEP: usize = 2;

/// Error types of the watch channel.
pub mod error {
    use std::fmt;

    /// No receiver exists; holds the value that could not be sent.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// let (tx, rx) = watch::channel(0);
    /// drop(rx);
    /// let err = tx.send(5).unwrap_err();
    /// assert_eq!(err.0, 5); // the value that was not stored
    /// assert_eq!(*tx.borrow(), 0);
    /// ```
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SendError").finish_non_exhaustive()
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl<T> std::error::Error for SendError<T> {}

    /// Every sender is gone (and, for `changed`, no unseen value is left).
    ///
    /// ```
    /// use zokio_sync::watch::{self, error::RecvError};
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = watch::channel(1);
    /// drop(tx);
    /// let err: RecvError = rx.changed().await.unwrap_err();
    /// assert_eq!(err.to_string(), "channel closed");
    /// # });
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}
}

use error::{RecvError, SendError};

struct Shared<T> {
    value: RwLock<T>,
    state: AtomicUsize,
    rx_count: AtomicUsize,
    tx_count: AtomicUsize,
    /// Receivers waiting in `changed`.
    notify_rx: Notify,
    /// Senders waiting in `closed`.
    notify_tx: Notify,
}

impl<T> Shared<T> {
    fn read(&self) -> RwLockReadGuard<'_, T> {
        match self.value.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// Creates a watch channel holding `init`.
///
/// ```
/// use zokio_sync::watch;
/// # futures_lite::future::block_on(async {
/// let (tx, rx) = watch::channel(String::from("idle"));
/// // The initial value counts as already seen.
/// assert!(!rx.has_changed().unwrap());
/// assert_eq!(*rx.borrow(), "idle");
/// tx.send("busy".into()).unwrap();
/// assert!(rx.has_changed().unwrap());
/// # });
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        state: AtomicUsize::new(0),
        rx_count: AtomicUsize::new(1),
        tx_count: AtomicUsize::new(1),
        notify_rx: Notify::new(),
        notify_tx: Notify::new(),
    });
    let rx = Receiver {
        shared: shared.clone(),
        version: 0,
    };
    (Sender { shared }, rx)
}

/// Publishes new values; clone it for more producers.
///
/// ```
/// use zokio_sync::watch;
/// let (tx, rx) = watch::channel(0);
/// let tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send(2).unwrap(); // only the latest value is kept
/// assert_eq!(*rx.borrow(), 2);
/// assert_eq!(tx.sender_count(), 2);
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Reads the latest value and waits for changes.
///
/// ```
/// use zokio_sync::watch;
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx) = watch::channel(0);
/// let watcher = zokio::spawn(async move {
///     let mut seen = Vec::new();
///     while rx.changed().await.is_ok() {
///         seen.push(*rx.borrow_and_update());
///     }
///     seen // `changed` fails once the sender is gone
/// });
/// tx.send(10).unwrap();
/// # zokio::task::yield_now().await;
/// drop(tx);
/// let seen = watcher.await.unwrap();
/// assert_eq!(seen.last(), Some(&10)); // intermediate values may be skipped
/// # });
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version this receiver has seen.
    version: usize,
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Sender")
            .field("value", &*self.shared.read())
            .finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("value", &*self.shared.read())
            .finish()
    }
}

/// A read lock on the current value. Do not hold it across `.await` or while sending: senders
/// wait for it.
///
/// ```
/// use zokio_sync::watch;
/// let (tx, mut rx) = watch::channel(vec![1, 2]);
/// {
///     let r = rx.borrow();
///     assert_eq!(r.len(), 2); // `Deref` to the value
/// } // release it before sending
/// tx.send(vec![3]).unwrap();
/// assert!(rx.borrow_and_update().has_changed());
/// ```
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether the value was new to the receiver when it was borrowed.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// let (tx, mut rx) = watch::channel('a');
    /// assert!(!rx.borrow_and_update().has_changed());
    /// tx.send('b').unwrap();
    /// let r = rx.borrow_and_update();
    /// assert!(r.has_changed()); // it was new when borrowed
    /// assert_eq!(*r, 'b');
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Sender<T> {
    /// A sender with no receiver yet; use [`Sender::subscribe`] to add some.
    ///
    /// ```
    /// use zokio_sync::watch::Sender;
    /// let tx = Sender::new(0);
    /// assert_eq!(tx.receiver_count(), 0);
    /// assert!(tx.send(1).is_err()); // no receiver yet
    /// let rx = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow(), 2);
    /// ```
    pub fn new(init: T) -> Sender<T> {
        let (tx, _) = channel(init);
        tx
    }

    /// Replaces the value and notifies the receivers.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if there is no receiver (the value is not stored).
    ///
    /// ```
    /// use zokio_sync::watch;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = watch::channel(0);
    /// tx.send(1).unwrap();
    /// rx.changed().await.unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2); // no receiver: not stored
    /// assert_eq!(*tx.borrow(), 1);
    /// # });
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.rx_count.load(Ordering::Acquire) == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Modifies the value in place and notifies the receivers, with or without receivers.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// let (tx, rx) = watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2)); // no need to clone or rebuild the value
    /// assert!(rx.has_changed().unwrap());
    /// drop(rx);
    /// tx.send_modify(|v| v.push(3)); // works without receivers too
    /// assert_eq!(*tx.borrow(), [1, 2, 3]);
    /// ```
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Modifies the value in place; notifies the receivers only if `modify` returns `true`.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// let (tx, mut rx) = watch::channel(5);
    /// // Raise the value to at least 3; it is 5 already, so nothing changes.
    /// let changed = tx.send_if_modified(|v| {
    ///     let raise = *v < 3;
    ///     if raise {
    ///         *v = 3;
    ///     }
    ///     raise
    /// });
    /// assert!(!changed);
    /// assert!(!rx.has_changed().unwrap()); // receivers were not told
    /// assert!(tx.send_if_modified(|v| {
    ///     *v = 1;
    ///     true
    /// }));
    /// assert_eq!(*rx.borrow_and_update(), 1);
    /// ```
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        {
            let mut value = match self.shared.value.write() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            if !modify(&mut value) {
                return false;
            }
            // Bumped under the write lock: readers see the version that matches the value.
            self.shared.state.fetch_add(STEP, Ordering::SeqCst);
        }
        self.shared.notify_rx.notify_waiters();
        true
    }

    /// Stores `value` (with or without receivers), notifies the receivers and returns the old
    /// value.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// let (tx, rx) = watch::channel("old");
    /// assert_eq!(tx.send_replace("new"), "old");
    /// drop(rx);
    /// assert_eq!(tx.send_replace("newer"), "new"); // stored even without receivers
    /// assert_eq!(*tx.borrow(), "newer");
    /// ```
    pub fn send_replace(&self, value: T) -> T {
        let mut value = Some(value);
        let mut old = None;
        self.send_modify(|current| old = Some(std::mem::replace(current, value.take().unwrap())));
        old.expect("send_modify ran the closure")
    }

    /// The current value.
    ///
    /// ```
    /// let (tx, _rx) = zokio_sync::watch::channel(3);
    /// tx.send(4).unwrap();
    /// assert_eq!(*tx.borrow(), 4);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.read(),
            has_changed: false,
        }
    }

    /// A new receiver that considers the current value seen.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// let (tx, _rx) = watch::channel(1);
    /// tx.send(2).unwrap();
    /// let late = tx.subscribe();
    /// assert!(!late.has_changed().unwrap()); // 2 counts as seen for it
    /// assert_eq!(*late.borrow(), 2);
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.rx_count.fetch_add(1, Ordering::AcqRel);
        let version = self.shared.state.load(Ordering::SeqCst) & !CLOSED;
        Receiver {
            shared: self.shared.clone(),
            version,
        }
    }

    /// Number of receivers.
    ///
    /// ```
    /// let (tx, rx) = zokio_sync::watch::channel(());
    /// let rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.rx_count.load(Ordering::Acquire)
    }

    /// Number of senders.
    ///
    /// ```
    /// let (tx, _rx) = zokio_sync::watch::channel(());
    /// assert_eq!(tx.sender_count(), 1);
    /// let tx2 = tx.clone();
    /// assert_eq!(tx2.sender_count(), 2);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.shared.tx_count.load(Ordering::Acquire)
    }

    /// Whether every receiver is gone.
    ///
    /// ```
    /// let (tx, rx) = zokio_sync::watch::channel(0);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = watch::channel(0);
    /// let publisher = zokio::spawn(async move {
    ///     tx.closed().await; // returns once the last receiver is gone
    ///     tx.is_closed()
    /// });
    /// drop(rx);
    /// assert!(publisher.await.unwrap());
    /// # });
    /// ```
    pub async fn closed(&self) {
        // One unit per call, as Tokio's: a loop around a `closed()` that is already complete
        // must still yield now and then.
        crate::coop::consume_budget().await;
        loop {
            let notified = self.shared.notify_tx.notified();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }

    /// Whether both senders feed the same channel.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// let (a, _ra) = watch::channel(0);
    /// let (b, _rb) = watch::channel(0);
    /// assert!(a.same_channel(&a.clone()));
    /// assert!(!a.same_channel(&b));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
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
            self.shared.state.fetch_or(CLOSED, Ordering::SeqCst);
            self.shared.notify_rx.notify_waiters();
        }
    }
}

impl<T> Receiver<T> {
    /// The current value, without marking it seen.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// let (tx, rx) = watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// assert!(rx.has_changed().unwrap()); // `borrow` does not mark it seen
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.read();
        let version = self.shared.state.load(Ordering::SeqCst) & !CLOSED;
        Ref {
            guard,
            has_changed: version != self.version,
        }
    }

    /// The current value, marking it seen (so [`Receiver::changed`] waits for the next one).
    ///
    /// ```
    /// use zokio_sync::watch;
    /// let (tx, mut rx) = watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 1);
    /// assert!(!rx.has_changed().unwrap()); // now seen
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        read_and_update(&self.shared, &mut self.version)
    }

    /// Whether a value this receiver has not seen is available.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// let (tx, mut rx) = watch::channel(0);
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// rx.mark_unchanged();
    /// drop(tx);
    /// assert!(rx.has_changed().is_err()); // every sender is gone
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state.load(Ordering::SeqCst);
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(state & !CLOSED != self.version)
    }

    /// Makes the current value count as unseen.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// # futures_lite::future::block_on(async {
    /// let (_tx, mut rx) = watch::channel("config");
    /// rx.mark_changed();
    /// rx.changed().await.unwrap(); // returns at once: the value counts as new
    /// assert_eq!(*rx.borrow_and_update(), "config");
    /// # });
    /// ```
    pub fn mark_changed(&mut self) {
        self.version = self.version.wrapping_sub(STEP);
    }

    /// Makes the current value count as seen.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// let (tx, mut rx) = watch::channel(0);
    /// tx.send(1).unwrap();
    /// rx.mark_unchanged(); // skip it without borrowing
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.version = self.shared.state.load(Ordering::SeqCst) & !CLOSED;
    }

    /// Waits for a value this receiver has not seen yet and marks it seen. Returns at once if one is
    /// already there.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone and no unseen value is left.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future changes nothing.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = watch::channel(0);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// rx.changed().await.unwrap(); // one wake-up for both sends
    /// assert_eq!(*rx.borrow_and_update(), 2);
    /// tx.send(3).unwrap();
    /// drop(tx);
    /// assert!(rx.changed().await.is_ok()); // the unseen 3 is still delivered
    /// assert!(rx.changed().await.is_err()); // then: closed
    /// # });
    /// ```
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        crate::coop::consume_budget().await;
        wait_changed(&self.shared, &mut self.version).await
    }

    /// Waits until the value satisfies `predicate` (checking the current value first) and returns it,
    /// marked seen.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone before the predicate holds.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, mut rx) = watch::channel(0);
    /// zokio::spawn(async move {
    ///     for progress in [25, 50, 100] {
    ///         tx.send(progress).unwrap();
    ///     }
    /// });
    /// let done = rx.wait_for(|p| *p >= 100).await.unwrap();
    /// assert_eq!(*done, 100);
    /// # });
    /// ```
    pub async fn wait_for(
        &mut self,
        mut predicate: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        // One unit per call, however many values it looks at (the predicate may hold at once).
        crate::coop::consume_budget().await;
        let shared = &*self.shared;
        loop {
            {
                // Scoped so the (non-`Send`) guard is not held across the `.await` below.
                let current = read_and_update(shared, &mut self.version);
                if predicate(&current) {
                    return Ok(current);
                }
            }
            wait_changed(shared, &mut self.version).await?;
        }
    }

    /// Whether both receivers listen to the same channel.
    ///
    /// ```
    /// use zokio_sync::watch;
    /// let (tx, rx) = watch::channel(0);
    /// let (_other_tx, other_rx) = watch::channel(0);
    /// assert!(rx.same_channel(&tx.subscribe()));
    /// assert!(!rx.same_channel(&other_rx));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

fn read_and_update<'a, T>(shared: &'a Shared<T>, seen: &mut usize) -> Ref<'a, T> {
    let guard = shared.read();
    let version = shared.state.load(Ordering::SeqCst) & !CLOSED;
    let has_changed = version != *seen;
    *seen = version;
    Ref { guard, has_changed }
}

/// Waits for a version other than `*seen` and records it. Spends no budget of its own: its callers
/// spend one unit per call.
async fn wait_changed<T>(shared: &Shared<T>, seen: &mut usize) -> Result<(), RecvError> {
    loop {
        // Created before the check, so a send in between still wakes it.
        let notified = shared.notify_rx.notified();
        let state = shared.state.load(Ordering::SeqCst);
        let version = state & !CLOSED;
        if version != *seen {
            *seen = version;
            return Ok(());
        }
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        notified.await;
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.rx_count.fetch_add(1, Ordering::AcqRel);
        Receiver {
            shared: self.shared.clone(),
            version: self.version,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.rx_count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.notify_tx.notify_waiters();
        }
    }
}
