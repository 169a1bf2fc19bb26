//! Adapters over two streams: [`Chain`] and [`Merge`].

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use futures_core::stream::FusedStream;
use pin_project_lite::pin_project;

use super::Fuse;

/// The size hint of two streams together.
fn add_size_hints(
    (lower_a, upper_a): (usize, Option<usize>),
    (lower_b, upper_b): (usize, Option<usize>),
) -> (usize, Option<usize>) {
    let upper = match (upper_a, upper_b) {
        (Some(a), Some(b)) => a.checked_add(b),
        _ => None,
    };
    (lower_a.saturating_add(lower_b), upper)
}

pin_project! {
    /// The stream [`chain`](crate::StreamExt::chain) returns.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Chain<A, B> {
        #[pin]
        first: Fuse<A>,
        #[pin]
        second: B,
    }
}

impl<A, B> Chain<A, B> {
    pub(crate) fn new(first: A, second: B) -> Self {
        Chain {
            first: Fuse::new(first),
            second,
        }
    }
}

impl<A, B> Stream for Chain<A, B>
where
    A: Stream,
    B: Stream<Item = A::Item>,
{
    type Item = A::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<A::Item>> {
        let this = self.project();
        // `first` is fused: once it ended this goes straight to `second`.
        match ready!(this.first.poll_next(cx)) {
            Some(item) => Poll::Ready(Some(item)),
            None => this.second.poll_next(cx),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        add_size_hints(self.first.size_hint(), self.second.size_hint())
    }
}

impl<A, B> FusedStream for Chain<A, B>
where
    A: Stream,
    B: FusedStream<Item = A::Item>,
{
    fn is_terminated(&self) -> bool {
        self.first.is_terminated() && self.second.is_terminated()
    }
}

pin_project! {
    /// The stream [`merge`](crate::StreamExt::merge) returns.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Merge<A, B> {
        #[pin]
        a: Fuse<A>,
        #[pin]
        b: Fuse<B>,
        // Which stream the next poll tries first; it alternates, so neither starves the other.
        a_first: bool,
    }
}

impl<A, B> Merge<A, B> {
    pub(crate) fn new(a: A, b: B) -> Self {
        Merge {
            a: Fuse::new(a),
            b: Fuse::new(b),
            a_first: true,
        }
    }
}

/// Polls `first`, then `second` if `first` had nothing; ends when both have ended.
fn poll_both<X, Y>(
    first: Pin<&mut Fuse<X>>,
    second: Pin<&mut Fuse<Y>>,
    cx: &mut Context<'_>,
) -> Poll<Option<X::Item>>
where
    X: Stream,
    Y: Stream<Item = X::Item>,
{
    let first_ended = match first.poll_next(cx) {
        Poll::Ready(Some(item)) => return Poll::Ready(Some(item)),
        Poll::Ready(None) => true,
        Poll::Pending => false,
    };
    match second.poll_next(cx) {
        Poll::Ready(Some(item)) => Poll::Ready(Some(item)),
        Poll::Ready(None) if first_ended => Poll::Ready(None),
        _ => Poll::Pending,
    }
}

impl<A, B> Stream for Merge<A, B>
where
    A: Stream,
    B: Stream<Item = A::Item>,
{
    type Item = A::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<A::Item>> {
        let this = self.project();
        let a_first = *this.a_first;
        *this.a_first = !a_first;
        if a_first {
            poll_both(this.a, this.b, cx)
        } else {
            poll_both(this.b, this.a, cx)
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        add_size_hints(self.a.size_hint(), self.b.size_hint())
    }
}

impl<A, B> FusedStream for Merge<A, B>
where
    A: Stream,
    B: Stream<Item = A::Item>,
{
    fn is_terminated(&self) -> bool {
        self.a.is_terminated() && self.b.is_terminated()
    }
}
