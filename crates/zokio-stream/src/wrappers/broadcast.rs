//! [`BroadcastStream`].

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use zokio_sync::broadcast::Receiver;
use zokio_sync::broadcast::error::RecvError;

use crate::reusable::ReusableBoxFuture;

/// What [`BroadcastStream`] yields when it could not deliver a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BroadcastStreamRecvError {
    /// The receiver fell behind and this many values were overwritten before it saw them. The
    /// stream goes on with the oldest value still in the channel.
    Lagged(u64),
}

impl fmt::Display for BroadcastStreamRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BroadcastStreamRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
        }
    }
}

impl std::error::Error for BroadcastStreamRecvError {}

type Received<T> = (Result<T, RecvError>, Receiver<T>);

/// Waits for one value, then hands the receiver back with it.
async fn receive<T: Clone>(mut receiver: Receiver<T>) -> Received<T> {
    let result = receiver.recv().await;
    (result, receiver)
}

/// A [`Stream`] of the values sent on a broadcast channel
/// ([`zokio::sync::broadcast::Receiver`](zokio_sync::broadcast::Receiver)). A receiver that fell
/// behind gets an `Err(`[`BroadcastStreamRecvError::Lagged`]`)` item, then the oldest value still
/// held; the stream ends when every sender is gone and every value was received.
///
/// The receiver has no `poll_recv`, so the stream keeps its `recv` future in one box that it
/// allocates once and reuses for every value.
///
/// ```
/// use zokio::sync::broadcast;
/// use zokio_stream::StreamExt;
/// use zokio_stream::wrappers::BroadcastStream;
/// use zokio_stream::wrappers::errors::BroadcastStreamRecvError;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = broadcast::channel(2);
/// let mut stream = BroadcastStream::new(rx);
/// for n in 1..=3 {
///     tx.send(n).unwrap();
/// }
/// drop(tx);
/// // Capacity 2: value 1 was overwritten before the stream looked.
/// assert_eq!(stream.next().await, Some(Err(BroadcastStreamRecvError::Lagged(1))));
/// assert_eq!(stream.next().await, Some(Ok(2)));
/// assert_eq!(stream.next().await, Some(Ok(3)));
/// assert_eq!(stream.next().await, None);
/// # }
/// ```
pub struct BroadcastStream<T> {
    inner: ReusableBoxFuture<Receiver<T>, Received<T>>,
}

impl<T: Clone + Send + 'static> BroadcastStream<T> {
    /// Wraps `receiver`.
    pub fn new(receiver: Receiver<T>) -> Self {
        BroadcastStream {
            inner: ReusableBoxFuture::new(receive::<T>, receiver),
        }
    }
}

impl<T: Clone + Send + 'static> Stream for BroadcastStream<T> {
    type Item = Result<T, BroadcastStreamRecvError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let (result, receiver) = ready!(self.inner.poll(cx));
        // Closed stays closed: the restarted future reports it again on the next poll.
        self.inner.restart(receiver);
        match result {
            Ok(value) => Poll::Ready(Some(Ok(value))),
            Err(RecvError::Lagged(n)) => {
                Poll::Ready(Some(Err(BroadcastStreamRecvError::Lagged(n))))
            }
            Err(RecvError::Closed) => Poll::Ready(None),
        }
    }
}

impl<T> fmt::Debug for BroadcastStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BroadcastStream").finish_non_exhaustive()
    }
}

impl<T: Clone + Send + 'static> From<Receiver<T>> for BroadcastStream<T> {
    fn from(receiver: Receiver<T>) -> Self {
        BroadcastStream::new(receiver)
    }
}
