//! The unbounded mpsc channel: sending never waits.

use std::fmt;
use std::task::{Context, Poll};

use super::chan::{Chan, RxHandle};
use super::error::{SendError, TryRecvError};
use crate::loom::Arc;

/// Creates an unbounded channel: `send` never waits, so memory is the only limit.
///
/// ```
/// use zokio_sync::mpsc;
///
/// # futures_lite::future::block_on(async {
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// tx.send("a").unwrap();
/// drop(tx);
/// assert_eq!(rx.recv().await, Some("a"));
/// assert_eq!(rx.recv().await, None);
/// # });
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = Arc::new(Chan::new(None));
    (
        UnboundedSender { chan: chan.clone() },
        UnboundedReceiver {
            chan: RxHandle::new(chan),
        },
    )
}

/// The sending half of an unbounded channel.
///
/// ```
/// use zokio_sync::mpsc;
/// # futures_lite::future::block_on(async {
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// for i in 0..1000 {
///     tx.send(i).unwrap(); // never waits, whatever the backlog
/// }
/// assert_eq!(rx.len(), 1000);
/// assert_eq!(rx.recv().await, Some(0));
/// # });
/// ```
pub struct UnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

/// A sender that does not keep the channel open; see [`UnboundedSender::downgrade`].
///
/// ```
/// use zokio_sync::mpsc;
/// # futures_lite::future::block_on(async {
/// let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
/// let weak = tx.downgrade();
/// drop(tx); // weak senders do not keep the channel open
/// assert_eq!(rx.recv().await, None);
/// assert!(weak.upgrade().is_none());
/// # });
/// ```
pub struct WeakUnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of an unbounded channel.
///
/// ```
/// use zokio_sync::mpsc;
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// zokio::spawn(async move {
///     tx.send("event").unwrap();
/// });
/// assert_eq!(rx.recv().await, Some("event"));
/// assert_eq!(rx.recv().await, None); // the task's sender is gone
/// # });
/// ```
pub struct UnboundedReceiver<T> {
    chan: RxHandle<T>,
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver").finish_non_exhaustive()
    }
}

impl<T> UnboundedSender<T> {
    /// Sends `value` without waiting.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is closed.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// assert!(tx.send(1).is_ok());
    /// rx.close();
    /// assert_eq!(tx.send(2).unwrap_err().0, 2); // the value comes back
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.chan.is_rx_closed() {
            return Err(SendError(value));
        }
        self.chan.push(value);
        Ok(())
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
    /// let (tx, rx) = mpsc::unbounded_channel::<()>();
    /// let task = zokio::spawn(async move { tx.closed().await });
    /// drop(rx); // wakes `closed`
    /// task.await.unwrap();
    /// # });
    /// ```
    pub async fn closed(&self) {
        self.chan.closed().await
    }

    /// Whether the receiver is closed or dropped.
    ///
    /// ```
    /// let (tx, rx) = zokio_sync::mpsc::unbounded_channel::<()>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed()
    }

    /// Whether both senders feed the same channel.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// let (a, _ra) = mpsc::unbounded_channel::<u8>();
    /// let (b, _rb) = mpsc::unbounded_channel::<u8>();
    /// assert!(a.same_channel(&a.clone()));
    /// assert!(!a.same_channel(&b));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// A weak sender, which does not keep the channel open.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// let weak = tx.downgrade();
    /// if let Some(tx) = weak.upgrade() {
    ///     tx.send("via weak").unwrap();
    /// }
    /// assert_eq!(rx.try_recv(), Ok("via weak"));
    /// ```
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        self.chan.add_weak();
        WeakUnboundedSender {
            chan: self.chan.clone(),
        }
    }

    /// Number of strong senders.
    ///
    /// ```
    /// let (tx, _rx) = zokio_sync::mpsc::unbounded_channel::<()>();
    /// let _tx2 = tx.clone();
    /// let _weak = tx.downgrade(); // not counted
    /// assert_eq!(tx.strong_count(), 2);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Number of weak senders.
    ///
    /// ```
    /// let (tx, _rx) = zokio_sync::mpsc::unbounded_channel::<()>();
    /// let _weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> WeakUnboundedSender<T> {
    /// A strong sender if any is still alive.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// let (tx, _rx) = mpsc::unbounded_channel::<u8>();
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none()); // the last strong sender is gone
    /// ```
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.chan.upgrade().then(|| UnboundedSender {
            chan: self.chan.clone(),
        })
    }

    /// Number of strong senders of the channel.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    ///
    /// let (tx, _rx) = mpsc::unbounded_channel::<u8>();
    /// let weak = tx.downgrade();
    /// let _weak2 = weak.clone();
    /// assert_eq!((weak.strong_count(), weak.weak_count()), (1, 2));
    /// drop(tx);
    /// assert_eq!((weak.strong_count(), weak.weak_count()), (0, 2));
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Number of weak senders of the channel (this one included).
    ///
    /// ```
    /// let (tx, _rx) = zokio_sync::mpsc::unbounded_channel::<()>();
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.weak_count(), 1);
    /// drop(weak.clone());
    /// assert_eq!(weak.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_weak();
        WeakUnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for WeakUnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_weak();
    }
}

impl<T> UnboundedReceiver<T> {
    /// Receives the next message, or `None` once every sender is gone (or the receiver was closed)
    /// and the buffer is drained.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future took no message.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.recv().await, Some(1)); // in the order sent
    /// assert_eq!(rx.recv().await, Some(2));
    /// assert_eq!(rx.recv().await, None); // closed and drained
    /// # });
    /// ```
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.chan.poll_recv(cx)).await
    }

    /// Receives up to `limit` messages into `buffer` (waiting for at least one); 0 means closed and
    /// drained (or `limit` is 0).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future took no message.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// for c in "abcd".chars() {
    ///     tx.send(c).unwrap();
    /// }
    /// let mut buf = Vec::with_capacity(8);
    /// assert_eq!(rx.recv_many(&mut buf, 8).await, 4); // everything buffered, up to `limit`
    /// assert_eq!(buf, ['a', 'b', 'c', 'd']);
    /// drop(tx);
    /// assert_eq!(rx.recv_many(&mut buf, 8).await, 0);
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
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(()).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(()));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Receives from synchronous code, blocking the thread. Do not call it inside async code.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// let worker = std::thread::spawn(move || rx.blocking_recv());
    /// tx.send("hello").unwrap();
    /// assert_eq!(worker.join().unwrap(), Some("hello"));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::blocking::block_on(self.recv())
    }

    /// Like [`UnboundedReceiver::recv_many`], blocking the thread. Do not call it inside async
    /// code.
    ///
    /// # Panics
    ///
    /// When called from a thread that drives a zokio runtime (a worker or `block_on`).
    ///
    /// ```
    /// use zokio_sync::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// std::thread::spawn(move || {
    ///     for i in 0..3 {
    ///         tx.send(i).unwrap();
    ///     }
    /// })
    /// .join()
    /// .unwrap();
    /// let mut buffer = Vec::new();
    /// assert_eq!(rx.blocking_recv_many(&mut buffer, 2), 2);
    /// assert_eq!(rx.blocking_recv_many(&mut buffer, 2), 1);
    /// assert_eq!(buffer, [0, 1, 2]);
    /// // Every sender is gone and the buffer is drained.
    /// assert_eq!(rx.blocking_recv_many(&mut buffer, 2), 0);
    /// ```
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::blocking::block_on(self.recv_many(buffer, limit))
    }

    /// Polls for the next message (for hand-written futures).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// tx.send(8).unwrap();
    /// drop(tx);
    /// assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(8));
    /// assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, None);
    /// # });
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    /// Polls for up to `limit` messages (for hand-written futures); `Ready(0)` means closed and
    /// drained (or `limit` is 0).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// drop(tx);
    /// let mut buf = Vec::new();
    /// assert_eq!(poll_fn(|cx| rx.poll_recv_many(cx, &mut buf, 1)).await, 1);
    /// assert_eq!(poll_fn(|cx| rx.poll_recv_many(cx, &mut buf, 5)).await, 1);
    /// assert_eq!(poll_fn(|cx| rx.poll_recv_many(cx, &mut buf, 5)).await, 0); // drained
    /// assert_eq!(buf, [1, 2]);
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

    /// Closes the channel: sends fail from now on, buffered messages can still be received.
    ///
    /// ```
    /// use zokio_sync::mpsc;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// tx.send("kept").unwrap();
    /// rx.close();
    /// assert!(tx.send("refused").is_err());
    /// assert_eq!(rx.recv().await, Some("kept"));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    pub fn close(&mut self) {
        self.chan.close_rx();
    }

    /// Whether the channel is closed (receiver closed, or every sender gone).
    ///
    /// ```
    /// let (tx, mut rx) = zokio_sync::mpsc::unbounded_channel::<()>();
    /// assert!(!rx.is_closed());
    /// rx.close();
    /// assert!(rx.is_closed());
    /// drop(tx);
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed() || self.chan.strong_count() == 0
    }

    /// Number of buffered messages.
    ///
    /// ```
    /// let (tx, mut rx) = zokio_sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
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
    /// let (tx, mut rx) = zokio_sync::mpsc::unbounded_channel();
    /// assert!(rx.is_empty());
    /// tx.send(()).unwrap();
    /// assert!(!rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of strong senders.
    ///
    /// ```
    /// let (tx, rx) = zokio_sync::mpsc::unbounded_channel::<()>();
    /// assert_eq!(rx.sender_strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(rx.sender_strong_count(), 0);
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Number of weak senders.
    ///
    /// ```
    /// let (tx, rx) = zokio_sync::mpsc::unbounded_channel::<()>();
    /// let weak = tx.downgrade();
    /// assert_eq!(rx.sender_weak_count(), 1);
    /// drop(weak);
    /// assert_eq!(rx.sender_weak_count(), 0);
    /// ```
    pub fn sender_weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}
