//! Adapters that cut a stream short: [`Take`], [`TakeWhile`], [`Skip`], [`SkipWhile`].

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use futures_core::stream::FusedStream;
use pin_project_lite::pin_project;

pin_project! {
    /// The stream [`take`](crate::StreamExt::take) returns.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Take<S> {
        #[pin]
        stream: S,
        remaining: usize,
    }
}

impl<S> Take<S> {
    pub(crate) fn new(stream: S, n: usize) -> Self {
        Take {
            stream,
            remaining: n,
        }
    }
}

impl<S: Stream> Stream for Take<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        if *this.remaining == 0 {
            // Done: the inner stream is not polled again.
            return Poll::Ready(None);
        }
        let item = ready!(this.stream.poll_next(cx));
        *this.remaining = match item {
            Some(_) => *this.remaining - 1,
            None => 0,
        };
        Poll::Ready(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.remaining == 0 {
            return (0, Some(0));
        }
        let (lower, upper) = self.stream.size_hint();
        let lower = lower.min(self.remaining);
        let upper = match upper {
            Some(upper) => upper.min(self.remaining),
            None => self.remaining,
        };
        (lower, Some(upper))
    }
}

impl<S: Stream> FusedStream for Take<S> {
    fn is_terminated(&self) -> bool {
        self.remaining == 0
    }
}

pin_project! {
    /// The stream [`take_while`](crate::StreamExt::take_while) returns.
    #[must_use = "streams do nothing unless polled"]
    pub struct TakeWhile<S, F> {
        #[pin]
        stream: S,
        predicate: F,
        done: bool,
    }
}

impl<S: fmt::Debug, F> fmt::Debug for TakeWhile<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TakeWhile")
            .field("stream", &self.stream)
            .field("done", &self.done)
            .finish()
    }
}

impl<S, F> TakeWhile<S, F> {
    pub(crate) fn new(stream: S, predicate: F) -> Self {
        TakeWhile {
            stream,
            predicate,
            done: false,
        }
    }
}

impl<S, F> Stream for TakeWhile<S, F>
where
    S: Stream,
    F: FnMut(&S::Item) -> bool,
{
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        let item = ready!(this.stream.poll_next(cx)).filter(|item| (this.predicate)(item));
        *this.done = item.is_none();
        Poll::Ready(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            (0, Some(0))
        } else {
            (0, self.stream.size_hint().1)
        }
    }
}

impl<S, F> FusedStream for TakeWhile<S, F>
where
    S: Stream,
    F: FnMut(&S::Item) -> bool,
{
    fn is_terminated(&self) -> bool {
        self.done
    }
}

pin_project! {
    /// The stream [`skip`](crate::StreamExt::skip) returns.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Skip<S> {
        #[pin]
        stream: S,
        remaining: usize,
    }
}

impl<S> Skip<S> {
    pub(crate) fn new(stream: S, n: usize) -> Self {
        Skip {
            stream,
            remaining: n,
        }
    }
}

impl<S: Stream> Stream for Skip<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        while *this.remaining > 0 {
            match ready!(this.stream.as_mut().poll_next(cx)) {
                Some(_) => *this.remaining -= 1,
                None => return Poll::Ready(None),
            }
        }
        this.stream.poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (lower, upper) = self.stream.size_hint();
        (
            lower.saturating_sub(self.remaining),
            upper.map(|upper| upper.saturating_sub(self.remaining)),
        )
    }
}

impl<S: FusedStream> FusedStream for Skip<S> {
    fn is_terminated(&self) -> bool {
        self.stream.is_terminated()
    }
}

pin_project! {
    /// The stream [`skip_while`](crate::StreamExt::skip_while) returns.
    #[must_use = "streams do nothing unless polled"]
    pub struct SkipWhile<S, F> {
        #[pin]
        stream: S,
        // `None` once an item failed the predicate: from then on every item passes.
        predicate: Option<F>,
    }
}

impl<S: fmt::Debug, F> fmt::Debug for SkipWhile<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SkipWhile")
            .field("stream", &self.stream)
            .field("skipping", &self.predicate.is_some())
            .finish()
    }
}

impl<S, F> SkipWhile<S, F> {
    pub(crate) fn new(stream: S, predicate: F) -> Self {
        SkipWhile {
            stream,
            predicate: Some(predicate),
        }
    }
}

impl<S, F> Stream for SkipWhile<S, F>
where
    S: Stream,
    F: FnMut(&S::Item) -> bool,
{
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        let Some(predicate) = this.predicate.as_mut() else {
            return this.stream.poll_next(cx);
        };
        loop {
            match ready!(this.stream.as_mut().poll_next(cx)) {
                Some(item) if predicate(&item) => {}
                Some(item) => {
                    *this.predicate = None;
                    return Poll::Ready(Some(item));
                }
                None => return Poll::Ready(None),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (lower, upper) = self.stream.size_hint();
        if self.predicate.is_some() {
            (0, upper)
        } else {
            (lower, upper)
        }
    }
}

impl<S, F> FusedStream for SkipWhile<S, F>
where
    S: FusedStream,
    F: FnMut(&S::Item) -> bool,
{
    fn is_terminated(&self) -> bool {
        self.stream.is_terminated()
    }
}
