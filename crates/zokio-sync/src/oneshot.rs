//! A channel for sending exactly one value between tasks.
//!
//! The shared state is one atomic word of four flags, and the protocol is lock-free:
//!
//! * `VALUE_SENT`: the sender finished (with a value, or by being dropped without one). After this
//!   the sender never touches the value again and the receiver may take it.
//! * `CLOSED`: the receiver was closed or dropped; a later `send` fails and gets its value back.
//! * `RX_TASK_SET` / `TX_TASK_SET`: the receiver's (sender's) waker cell holds a waker the other side
//!   may wake. A side changes its own waker only after clearing its bit with a CAS that also proves
//!   the other side has not finished; the other side reads the waker only if it saw the bit set at
//!   the moment it finished. So the two never touch a waker cell at the same time.
//!
//! There is no lock, so no user code can run under one: a side drops the waker it replaces while
//! its task bit is clear, and the value is dropped by whichever side ends up with it.
//!
//! # Example
//!
//! ```
//! use zokio_sync::oneshot;
//!
//! # futures_lite::future::block_on(async {
//! let (tx, rx) = oneshot::channel();
//! tx.send("done").unwrap();
//! assert_eq!(rx.await, Ok("done"));
//! # });
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::loom::{Arc, AtomicUsize, Ordering, UnsafeCell};

const RX_TASK_SET: usize = 1;
const VALUE_SENT: usize = 2;
const CLOSED: usize = 4;
const TX_TASK_SET: usize = 8;

/// Error types of the oneshot channel.
pub mod error {
    use std::fmt;

    /// The sender was dropped without sending; returned by awaiting the [`Receiver`](super::Receiver).
    ///
    /// ```
    /// use zokio_sync::oneshot::{self, error::RecvError};
    /// # futures_lite::future::block_on(async {
    /// let (tx, rx) = oneshot::channel::<u8>();
    /// drop(tx); // gone without sending
    /// let err: RecvError = rx.await.unwrap_err();
    /// assert_eq!(err.to_string(), "channel closed");
    /// # });
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
    ///
    /// ```
    /// use zokio_sync::oneshot::{self, error::TryRecvError};
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed)); // already taken
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TryRecvError {
        /// Nothing was sent yet.
        Empty,
        /// The sender is gone (or the value was already taken, or the receiver was closed).
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, TryRecvError};

struct Inner<T> {
    state: AtomicUsize,
    value: UnsafeCell<Option<T>>,
    rx_task: UnsafeCell<Option<Waker>>,
    tx_task: UnsafeCell<Option<Waker>>,
}

// SAFETY: the protocol in the module documentation gives each cell a single accessor at a time;
// the value crosses threads, so `T: Send` is required.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above; nobody gets `&T` from a shared `Inner`.
unsafe impl<T: Send> Sync for Inner<T> {}

/// A fresh channel's shared state.
///
/// Written in place into the allocation: `Arc::new` assembled it on the stack with 8-byte stores
/// and copied it with 16-byte loads, a store-forwarding stall that was the hottest spot of a
/// create/send/receive.
#[cfg(not(loom))]
fn new_inner<T>() -> Arc<Inner<T>> {
    let uninit = Arc::<Inner<T>>::new_uninit();
    // Not `Arc::get_mut`: its uniqueness check is a locked compare-exchange, and this `Arc` was
    // created on the line above.
    let slot = Arc::as_ptr(&uninit).cast_mut();
    // SAFETY: `uninit` was just allocated and never cloned or borrowed, so this is the only access
    // to its contents; `slot` points to properly aligned memory for one `MaybeUninit<Inner<T>>`.
    unsafe {
        slot.write(std::mem::MaybeUninit::new(Inner {
            state: AtomicUsize::new(0),
            value: UnsafeCell::new(None),
            rx_task: UnsafeCell::new(None),
            tx_task: UnsafeCell::new(None),
        }));
    }
    // SAFETY: the whole `Inner` was written just above.
    unsafe { uninit.assume_init() }
}

#[cfg(loom)]
fn new_inner<T>() -> Arc<Inner<T>> {
    Arc::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        rx_task: UnsafeCell::new(None),
        tx_task: UnsafeCell::new(None),
    })
}

/// Creates a oneshot channel.
///
/// ```
/// use zokio_sync::oneshot;
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = oneshot::channel();
/// zokio::spawn(async move {
///     let _ = tx.send(2 + 2); // the reply; ignored if nobody listens any more
/// });
/// assert_eq!(rx.await, Ok(4));
/// # });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = new_inner::<T>();
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver { inner: Some(inner) },
    )
}

/// Sends the value. Created by [`channel`].
///
/// ```
/// use zokio_sync::oneshot;
/// # futures_lite::future::block_on(async {
/// let (tx, rx) = oneshot::channel::<String>();
/// assert!(!tx.is_closed());
/// drop(rx);
/// assert!(tx.is_closed());
/// // Sending to a dropped receiver hands the value back.
/// assert_eq!(tx.send("lost".into()), Err("lost".to_string()));
/// # });
/// ```
pub struct Sender<T> {
    inner: Option<Arc<Inner<T>>>,
}

/// Receives the value: `.await` it. Created by [`channel`].
///
/// ```
/// use zokio_sync::oneshot;
/// # futures_lite::future::block_on(async {
/// let (tx, mut rx) = oneshot::channel();
/// // `&mut rx` can be awaited (e.g. in `select!`) without consuming the receiver.
/// let early = futures_lite::future::poll_once(&mut rx).await;
/// assert!(early.is_none());
/// tx.send('a').unwrap();
/// assert_eq!(rx.await, Ok('a'));
/// # });
/// ```
pub struct Receiver<T> {
    inner: Option<Arc<Inner<T>>>,
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Receiver").finish_non_exhaustive()
    }
}

/// Polls one side's waker registration. `own_bit` is that side's task bit, `done` the state bits
/// that end the wait. Returns `Ready(state)` once any of `done` is set.
fn poll_register<T>(
    inner: &Inner<T>,
    cell: &UnsafeCell<Option<Waker>>,
    own_bit: usize,
    done: usize,
    cx: &mut Context<'_>,
) -> Poll<usize> {
    let mut state = inner.state.load(Ordering::Acquire);
    if state & done != 0 {
        return Poll::Ready(state);
    }
    if state & own_bit != 0 {
        // SAFETY: the other side only reads this cell (to wake), so a concurrent read is fine.
        let same =
            unsafe { cell.with(|slot| (*slot).as_ref().is_some_and(|w| w.will_wake(cx.waker()))) };
        if same {
            return Poll::Pending;
        }
        // Take the cell back before replacing the waker; fails if the other side just finished.
        loop {
            if state & done != 0 {
                return Poll::Ready(state);
            }
            match inner.state.compare_exchange(
                state,
                state & !own_bit,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
    }
    // SAFETY: our bit is clear, so the other side will not read the cell until we set it again.
    unsafe { cell.with_mut(|slot| *slot = Some(cx.waker().clone())) };
    let state = inner.state.fetch_or(own_bit, Ordering::AcqRel);
    if state & done != 0 {
        // Finished before we published the waker: nobody will wake us, so do not wait.
        return Poll::Ready(state);
    }
    Poll::Pending
}

impl<T> Sender<T> {
    /// Sends `value`, consuming the sender.
    ///
    /// # Errors
    ///
    /// Gives the value back if the receiver was dropped or closed.
    ///
    /// ```
    /// use zokio_sync::oneshot;
    /// # futures_lite::future::block_on(async {
    /// let (tx, rx) = oneshot::channel();
    /// assert_eq!(tx.send(1), Ok(()));
    /// assert_eq!(rx.await, Ok(1));
    ///
    /// let (tx, rx) = oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(2), Err(2)); // nobody to receive it
    /// # });
    /// ```
    pub fn send(self, value: T) -> Result<(), T> {
        // The sender is finished either way; skipping its destructor (which would only find
        // `inner` taken) keeps a call off the hot path.
        let inner = std::mem::ManuallyDrop::new(self)
            .inner
            .take()
            .expect("sender used after send");
        // SAFETY: until we set VALUE_SENT the sender is the only one who may touch the value.
        unsafe { inner.value.with_mut(|slot| *slot = Some(value)) };
        let mut state = inner.state.load(Ordering::Acquire);
        loop {
            if state & CLOSED != 0 {
                // SAFETY: VALUE_SENT is not set, so the receiver will never read the value.
                let value = unsafe { inner.value.with_mut(|slot| (*slot).take()) };
                return Err(value.expect("value stored above"));
            }
            match inner.state.compare_exchange(
                state,
                state | VALUE_SENT,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        if state & RX_TASK_SET != 0 {
            // SAFETY: the receiver saw no VALUE_SENT when it set its bit and cannot clear it now
            // (its CAS fails on VALUE_SENT), so it does not write the cell while we read it.
            unsafe { inner.rx_task.with(|slot| wake_ref(&*slot)) };
        }
        Ok(())
    }

    /// Whether the receiver was dropped or closed.
    ///
    /// ```
    /// use zokio_sync::oneshot;
    /// let (tx, mut rx) = oneshot::channel::<()>();
    /// assert!(!tx.is_closed());
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|inner| inner.state.load(Ordering::Acquire) & CLOSED != 0)
    }

    /// Polls for the receiver going away.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::task::Poll;
    /// use zokio_sync::oneshot;
    /// # futures_lite::future::block_on(async {
    /// let (mut tx, rx) = oneshot::channel::<u8>();
    /// let still_open = poll_fn(|cx| Poll::Ready(tx.poll_closed(cx).is_pending())).await;
    /// assert!(still_open);
    /// drop(rx);
    /// poll_fn(|cx| tx.poll_closed(cx)).await; // completes: the receiver is gone
    /// # });
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        let inner = self.inner.as_ref().expect("sender used after send");
        let result = poll_register(inner, &inner.tx_task, TX_TASK_SET, CLOSED, cx).map(|_| ());
        if result.is_ready() {
            coop.made_progress();
        }
        result
    }

    /// Waits until the receiver is dropped or closed, e.g. to stop computing a reply nobody wants.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use zokio_sync::oneshot;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (mut tx, rx) = oneshot::channel::<u64>();
    /// let worker = zokio::spawn(async move {
    ///     zokio::select! {
    ///         _ = tx.closed() => "abandoned", // the receiver gave up
    ///         _ = std::future::pending::<()>() => unreachable!(),
    ///     }
    /// });
    /// drop(rx);
    /// assert_eq!(worker.await.unwrap(), "abandoned");
    /// # });
    /// ```
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await
    }
}

fn wake_ref(waker: &Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake_by_ref();
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else {
            return;
        };
        // Finish without a value: the receiver sees VALUE_SENT with an empty cell.
        let state = inner.state.fetch_or(VALUE_SENT, Ordering::AcqRel);
        if state & RX_TASK_SET != 0 && state & VALUE_SENT == 0 {
            // SAFETY: as in `send`.
            unsafe { inner.rx_task.with(|slot| wake_ref(&*slot)) };
        }
    }
}

impl<T> Receiver<T> {
    fn take_value(inner: &Inner<T>) -> Option<T> {
        // SAFETY: called only after observing VALUE_SENT (Acquire): the sender is done with the cell.
        unsafe { inner.value.with_mut(|slot| (*slot).take()) }
    }

    /// Closes the channel without dropping the receiver: the sender's `send` fails from now on, but a
    /// value sent before still arrives through [`Receiver::try_recv`] or `.await`.
    ///
    /// ```
    /// use zokio_sync::oneshot;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1)); // refused after the close
    /// assert!(rx.await.is_err());
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// tx.send(2).unwrap();
    /// rx.close(); // a value sent before the close still arrives
    /// assert_eq!(rx.await, Ok(2));
    /// # });
    /// ```
    pub fn close(&mut self) {
        let Some(inner) = self.inner.as_ref() else {
            return;
        };
        let state = inner.state.fetch_or(CLOSED, Ordering::AcqRel);
        if state & TX_TASK_SET != 0 && state & (VALUE_SENT | CLOSED) == 0 {
            // SAFETY: symmetric to the sender waking us: the sender cannot clear its bit now that
            // CLOSED is set, so it does not write its cell.
            unsafe { inner.tx_task.with(|slot| wake_ref(&*slot)) };
        }
    }

    /// Takes the value if it has been sent.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing was sent yet, [`TryRecvError::Closed`] if the sender is gone,
    /// the receiver was closed, or the value was already taken. After the value or `Closed` the
    /// receiver is terminated: polling it panics.
    ///
    /// ```
    /// use zokio_sync::oneshot::{self, error::TryRecvError};
    /// let (tx, mut rx) = oneshot::channel::<i32>();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty)); // never waits
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let inner = self.inner.as_ref().ok_or(TryRecvError::Closed)?;
        let state = inner.state.load(Ordering::Acquire);
        if state & VALUE_SENT != 0 {
            let value = Self::take_value(inner);
            self.inner = None;
            value.ok_or(TryRecvError::Closed)
        } else if state & CLOSED != 0 {
            // Ended for good, as when the value was taken: `.await` on it now panics (as Tokio's).
            self.inner = None;
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Waits for the value from synchronous code, blocking the thread. Do not call it inside async
    /// code.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the sender was dropped without sending.
    ///
    /// ```
    /// use zokio_sync::oneshot;
    /// let (tx, rx) = oneshot::channel();
    /// let sender = std::thread::spawn(move || tx.send("from a thread").unwrap());
    /// assert_eq!(rx.blocking_recv(), Ok("from a thread"));
    /// sender.join().unwrap();
    ///
    /// let (tx, rx) = oneshot::channel::<()>();
    /// drop(tx);
    /// assert!(rx.blocking_recv().is_err());
    /// ```
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        crate::blocking::block_on(self)
    }

    /// Whether the receiver has completed (returned its result, or `try_recv` ended it), so that
    /// it must not be polled again.
    ///
    /// ```
    /// use zokio_sync::oneshot;
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = oneshot::channel();
    /// tx.send(1).unwrap();
    /// assert!(!rx.is_terminated());
    /// assert_eq!((&mut rx).await, Ok(1));
    /// assert!(rx.is_terminated()); // polling it again would panic
    /// # });
    /// ```
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// Whether no value is waiting to be received: nothing was sent yet, the sender was dropped
    /// without sending, the receiver was closed before a value came, or the value was already
    /// received. An empty receiver is not necessarily safe to poll: see
    /// [`Receiver::is_terminated`].
    ///
    /// ```
    /// use zokio_sync::oneshot;
    ///
    /// # futures_lite::future::block_on(async {
    /// let (tx, mut rx) = oneshot::channel();
    /// assert!(rx.is_empty());
    /// tx.send(1).unwrap();
    /// assert!(!rx.is_empty());
    /// assert_eq!((&mut rx).await, Ok(1));
    /// assert!(rx.is_empty() && rx.is_terminated());
    /// # });
    /// ```
    pub fn is_empty(&self) -> bool {
        let Some(inner) = self.inner.as_ref() else {
            return true;
        };
        if inner.state.load(Ordering::Acquire) & VALUE_SENT == 0 {
            return true;
        }
        // SAFETY: VALUE_SENT was observed (Acquire), so the sender is done with the value cell;
        // the only other accessor is this receiver taking the value, which needs `&mut self`.
        unsafe { inner.value.with(|slot| (*slot).is_none()) }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.close();
    }
}

/// The receiver was polled after it had completed (returned `Ready`, or been ended by
/// [`Receiver::try_recv`]): a bug in the caller, reported as Tokio does.
#[cold]
#[inline(never)]
fn polled_after_completion() -> ! {
    panic!(
        "`oneshot::Receiver` called after complete: it already returned its result (from `.await`, \
         a poll or `try_recv`). Poll it only until it completes; `is_terminated()` tells whether it \
         has (in a `select!` loop, disable its branch with `if !rx.is_terminated()`)."
    )
}

/// Awaiting the receiver yields the value, or [`RecvError`] if the sender was dropped without
/// sending.
///
/// # Panics
///
/// If polled again after it completed (returned `Ready`, or [`Receiver::try_recv`] returned the
/// value or [`TryRecvError::Closed`]), as Tokio's does.
///
/// # Cancel safety
///
/// Cancel safe: `&mut receiver` can be awaited in `select!` and polled again later; the value is
/// only taken when it is returned.
impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(inner) = self.inner.as_ref() else {
            polled_after_completion()
        };
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        let state = std::task::ready!(poll_register(
            inner,
            &inner.rx_task,
            RX_TASK_SET,
            VALUE_SENT | CLOSED,
            cx
        ));
        coop.made_progress();
        let result = if state & VALUE_SENT != 0 {
            Self::take_value(inner).ok_or(RecvError(()))
        } else {
            Err(RecvError(()))
        };
        self.inner = None;
        Poll::Ready(result)
    }
}
