//! [`StreamNotifyClose`].

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use futures_core::stream::FusedStream;
use pin_project_lite::pin_project;

pin_project! {
    /// Turns a stream's end into an item: it yields `Some(item)` for each item, then one `None`,
    /// then ends. Useful in a [`StreamMap`](crate::StreamMap), which otherwise drops ended streams
    /// silently.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt, StreamNotifyClose};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut noisy = StreamNotifyClose::new(stream::iter([1]));
    /// assert_eq!(noisy.next().await, Some(Some(1)));
    /// assert_eq!(noisy.next().await, Some(None));
    /// assert_eq!(noisy.next().await, None);
    /// # }
    /// ```
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct StreamNotifyClose<S> {
        #[pin]
        inner: Option<S>,
    }
}

impl<S> StreamNotifyClose<S> {
    /// Wraps `stream`.
    pub fn new(stream: S) -> Self {
        StreamNotifyClose {
            inner: Some(stream),
        }
    }

    /// Gives back the inner stream, or `None` once it has ended.
    pub fn into_inner(self) -> Option<S> {
        self.inner
    }
}

impl<S: Stream> Stream for StreamNotifyClose<S> {
    type Item = Option<S::Item>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(stream) = self.as_mut().project().inner.as_pin_mut() else {
            return Poll::Ready(None);
        };
        let item = ready!(stream.poll_next(cx));
        if item.is_none() {
            self.project().inner.set(None);
        }
        Poll::Ready(Some(item))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            Some(stream) => {
                let (lower, upper) = stream.size_hint();
                (
                    lower.saturating_add(1),
                    upper.and_then(|upper| upper.checked_add(1)),
                )
            }
            None => (0, Some(0)),
        }
    }
}

impl<S: Stream> FusedStream for StreamNotifyClose<S> {
    fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }
}
