//! [`WatchStream`].

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use zokio_sync::watch::Receiver;
use zokio_sync::watch::error::RecvError;

use crate::reusable::ReusableBoxFuture;

type Changed<T> = (Result<(), RecvError>, Receiver<T>);

/// Waits for a value the receiver has not seen, then hands the receiver back.
async fn changed<T>(mut receiver: Receiver<T>) -> Changed<T> {
    let result = receiver.changed().await;
    (result, receiver)
}

/// A [`Stream`] of the values of a watch channel
/// ([`zokio::sync::watch::Receiver`](zokio_sync::watch::Receiver)): it yields the latest value
/// each time it changes. Values replaced before the stream looked are skipped. It ends when every
/// sender is gone (after the last value it had not seen yet).
///
/// [`WatchStream::new`] starts with the current value; [`WatchStream::from_changes`] waits for the
/// next change first. The receiver has no `poll_changed`, so the stream keeps its `changed` future
/// in one box that it allocates once and reuses.
///
/// ```
/// use zokio::sync::watch;
/// use zokio_stream::StreamExt;
/// use zokio_stream::wrappers::WatchStream;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = watch::channel("hello");
/// let mut stream = WatchStream::new(rx);
/// assert_eq!(stream.next().await, Some("hello"));
///
/// tx.send("bye").unwrap();
/// assert_eq!(stream.next().await, Some("bye"));
/// drop(tx);
/// assert_eq!(stream.next().await, None);
/// # }
/// ```
pub struct WatchStream<T> {
    inner: ReusableBoxFuture<Receiver<T>, Changed<T>>,
}

impl<T: Clone + Send + Sync + 'static> WatchStream<T> {
    /// Wraps `receiver`; the first item is the value it holds now, seen or not.
    pub fn new(mut receiver: Receiver<T>) -> Self {
        // Unseen, so that the first `changed` returns at once.
        receiver.mark_changed();
        WatchStream {
            inner: ReusableBoxFuture::new(changed::<T>, receiver),
        }
    }

    /// Wraps `receiver`; the first item is the first value sent after this call (or one the
    /// receiver had not seen yet).
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// use zokio::sync::watch;
    /// use zokio_stream::{Stream, StreamExt};
    /// use zokio_stream::wrappers::WatchStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = watch::channel(1);
    /// let mut stream = WatchStream::from_changes(rx);
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(std::pin::Pin::new(&mut stream).poll_next(&mut cx).is_pending());
    ///
    /// tx.send(2).unwrap();
    /// assert_eq!(stream.next().await, Some(2));
    /// # }
    /// ```
    pub fn from_changes(receiver: Receiver<T>) -> Self {
        WatchStream {
            inner: ReusableBoxFuture::new(changed::<T>, receiver),
        }
    }
}

impl<T: Clone + Send + Sync + 'static> Stream for WatchStream<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let (result, mut receiver) = ready!(self.inner.poll(cx));
        let item = match result {
            Ok(()) => Some(receiver.borrow_and_update().clone()),
            Err(_) => None,
        };
        self.inner.restart(receiver);
        Poll::Ready(item)
    }
}

impl<T> fmt::Debug for WatchStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchStream").finish_non_exhaustive()
    }
}

impl<T: Clone + Send + Sync + 'static> From<Receiver<T>> for WatchStream<T> {
    fn from(receiver: Receiver<T>) -> Self {
        WatchStream::new(receiver)
    }
}
