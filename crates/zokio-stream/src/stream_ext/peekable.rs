//! [`Peekable`].

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use futures_core::stream::FusedStream;
use pin_project_lite::pin_project;

use super::Fuse;

pin_project! {
    /// The stream [`peekable`](crate::StreamExt::peekable) returns: it can look at its next item
    /// without taking it.
    #[must_use = "streams do nothing unless polled"]
    pub struct Peekable<S: Stream> {
        #[pin]
        stream: Fuse<S>,
        peeked: Option<S::Item>,
    }
}

impl<S> fmt::Debug for Peekable<S>
where
    S: Stream + fmt::Debug,
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Peekable")
            .field("stream", &self.stream)
            .field("peeked", &self.peeked)
            .finish()
    }
}

impl<S: Stream> Peekable<S> {
    pub(crate) fn new(stream: S) -> Self {
        Peekable {
            stream: Fuse::new(stream),
            peeked: None,
        }
    }

    /// The next item, without taking it: the next [`next`](crate::StreamExt::next) returns it.
    /// `None` once the stream has ended.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut numbers = stream::iter([1, 2]).peekable();
    /// assert_eq!(numbers.peek().await, Some(&1));
    /// assert_eq!(numbers.peek().await, Some(&1));
    /// assert_eq!(numbers.next().await, Some(1));
    /// assert_eq!(numbers.next().await, Some(2));
    /// assert_eq!(numbers.peek().await, None);
    /// # }
    /// ```
    pub async fn peek(&mut self) -> Option<&S::Item>
    where
        S: Unpin,
    {
        let mut this = Pin::new(self);
        poll_fn(|cx| this.as_mut().poll_fill(cx)).await;
        this.get_mut().peeked.as_ref()
    }

    /// As [`peek`](Self::peek), with a mutable reference to the item (changing it changes what
    /// `next` returns).
    pub async fn peek_mut(&mut self) -> Option<&mut S::Item>
    where
        S: Unpin,
    {
        let mut this = Pin::new(self);
        poll_fn(|cx| this.as_mut().poll_fill(cx)).await;
        this.get_mut().peeked.as_mut()
    }

    /// Polls for the next item without taking it; see [`peek_mut`](Self::peek_mut).
    pub fn poll_peek(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<&mut S::Item>> {
        let mut this = self;
        ready!(this.as_mut().poll_fill(cx));
        Poll::Ready(this.project().peeked.as_mut())
    }

    /// Makes sure `peeked` holds the next item, unless the stream has ended.
    fn poll_fill(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if this.peeked.is_none() {
            *this.peeked = ready!(this.stream.poll_next(cx));
        }
        Poll::Ready(())
    }
}

impl<S: Stream> Stream for Peekable<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        match this.peeked.take() {
            Some(item) => Poll::Ready(Some(item)),
            None => this.stream.poll_next(cx),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let peeked = usize::from(self.peeked.is_some());
        let (lower, upper) = self.stream.size_hint();
        (
            lower.saturating_add(peeked),
            upper.and_then(|upper| upper.checked_add(peeked)),
        )
    }
}

impl<S: Stream> FusedStream for Peekable<S> {
    fn is_terminated(&self) -> bool {
        self.peeked.is_none() && self.stream.is_terminated()
    }
}
