//! [`ReceiverStream`] and [`UnboundedReceiverStream`].

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use zokio_sync::mpsc::{Receiver, UnboundedReceiver};

/// A [`Stream`] of the values sent on a bounded mpsc channel
/// ([`zokio::sync::mpsc::Receiver`](zokio_sync::mpsc::Receiver)). It ends when every sender is
/// gone and the buffer is drained.
///
/// ```
/// use zokio::sync::mpsc;
/// use zokio_stream::StreamExt;
/// use zokio_stream::wrappers::ReceiverStream;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), mpsc::error::SendError<u8>> {
/// let (tx, rx) = mpsc::channel(4);
/// tx.send(1).await?;
/// tx.send(2).await?;
/// drop(tx);
///
/// let mut stream = ReceiverStream::new(rx);
/// assert_eq!(stream.next().await, Some(1));
/// assert_eq!(stream.next().await, Some(2));
/// assert_eq!(stream.next().await, None);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ReceiverStream<T> {
    inner: Receiver<T>,
}

impl<T> ReceiverStream<T> {
    /// Wraps `receiver`.
    pub fn new(receiver: Receiver<T>) -> Self {
        ReceiverStream { inner: receiver }
    }

    /// Gives back the receiver.
    pub fn into_inner(self) -> Receiver<T> {
        self.inner
    }

    /// Closes the channel without dropping the receiver: sends fail from now on, values already
    /// sent (and those of outstanding permits) can still be received, and the stream ends after
    /// them.
    pub fn close(&mut self) {
        self.inner.close();
    }
}

impl<T> Stream for ReceiverStream<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.inner.poll_recv(cx)
    }

    /// `(buffered, None)` while senders remain; once the channel is closed, the upper bound also
    /// counts the values outstanding permits may still send.
    fn size_hint(&self) -> (usize, Option<usize>) {
        let buffered = self.inner.len();
        if self.inner.is_closed() {
            let in_use = self.inner.max_capacity() - self.inner.capacity();
            (buffered, Some(in_use.max(buffered)))
        } else {
            (buffered, None)
        }
    }
}

impl<T> AsRef<Receiver<T>> for ReceiverStream<T> {
    fn as_ref(&self) -> &Receiver<T> {
        &self.inner
    }
}

impl<T> AsMut<Receiver<T>> for ReceiverStream<T> {
    fn as_mut(&mut self) -> &mut Receiver<T> {
        &mut self.inner
    }
}

impl<T> From<Receiver<T>> for ReceiverStream<T> {
    fn from(receiver: Receiver<T>) -> Self {
        ReceiverStream::new(receiver)
    }
}

/// A [`Stream`] of the values sent on an unbounded mpsc channel
/// ([`zokio::sync::mpsc::UnboundedReceiver`](zokio_sync::mpsc::UnboundedReceiver)). It ends when
/// every sender is gone and the queue is drained.
///
/// ```
/// use zokio::sync::mpsc;
/// use zokio_stream::StreamExt;
/// use zokio_stream::wrappers::UnboundedReceiverStream;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), mpsc::error::SendError<u8>> {
/// let (tx, rx) = mpsc::unbounded_channel();
/// tx.send(1)?;
/// tx.send(2)?;
/// drop(tx);
///
/// let all: Vec<u8> = UnboundedReceiverStream::new(rx).collect().await;
/// assert_eq!(all, [1, 2]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct UnboundedReceiverStream<T> {
    inner: UnboundedReceiver<T>,
}

impl<T> UnboundedReceiverStream<T> {
    /// Wraps `receiver`.
    pub fn new(receiver: UnboundedReceiver<T>) -> Self {
        UnboundedReceiverStream { inner: receiver }
    }

    /// Gives back the receiver.
    pub fn into_inner(self) -> UnboundedReceiver<T> {
        self.inner
    }

    /// Closes the channel without dropping the receiver: sends fail from now on, values already
    /// sent can still be received, and the stream ends after them.
    pub fn close(&mut self) {
        self.inner.close();
    }
}

impl<T> Stream for UnboundedReceiverStream<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.inner.poll_recv(cx)
    }

    /// `(queued, None)` while senders remain, `(queued, Some(queued))` once the channel is closed.
    fn size_hint(&self) -> (usize, Option<usize>) {
        let queued = self.inner.len();
        if self.inner.is_closed() {
            (queued, Some(queued))
        } else {
            (queued, None)
        }
    }
}

impl<T> AsRef<UnboundedReceiver<T>> for UnboundedReceiverStream<T> {
    fn as_ref(&self) -> &UnboundedReceiver<T> {
        &self.inner
    }
}

impl<T> AsMut<UnboundedReceiver<T>> for UnboundedReceiverStream<T> {
    fn as_mut(&mut self) -> &mut UnboundedReceiver<T> {
        &mut self.inner
    }
}

impl<T> From<UnboundedReceiver<T>> for UnboundedReceiverStream<T> {
    fn from(receiver: UnboundedReceiver<T>) -> Self {
        UnboundedReceiverStream::new(receiver)
    }
}
