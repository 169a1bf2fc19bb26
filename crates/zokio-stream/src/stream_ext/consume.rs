//! Futures that consume items: [`Next`], [`TryNext`], [`AllFuture`], [`AnyFuture`],
//! [`FoldFuture`].

use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use pin_project_lite::pin_project;

/// Items [`AllFuture`] and [`AnyFuture`] look at in one poll before they yield to the executor.
const ITEMS_PER_POLL: usize = 32;

pin_project! {
    /// The future [`next`](crate::StreamExt::next) returns.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Next<'a, S: ?Sized> {
        stream: &'a mut S,
        // `!Unpin`, as Tokio's, for compatibility with async trait methods.
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<'a, S: ?Sized> Next<'a, S> {
    pub(crate) fn new(stream: &'a mut S) -> Self {
        Next {
            stream,
            _pin: PhantomPinned,
        }
    }
}

impl<S: Stream + Unpin + ?Sized> Future for Next<'_, S> {
    type Output = Option<S::Item>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(&mut **self.project().stream).poll_next(cx)
    }
}

pin_project! {
    /// The future [`try_next`](crate::StreamExt::try_next) returns.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct TryNext<'a, S: ?Sized> {
        #[pin]
        next: Next<'a, S>,
    }
}

impl<'a, S: ?Sized> TryNext<'a, S> {
    pub(crate) fn new(stream: &'a mut S) -> Self {
        TryNext {
            next: Next::new(stream),
        }
    }
}

impl<T, E, S> Future for TryNext<'_, S>
where
    S: Stream<Item = Result<T, E>> + Unpin + ?Sized,
{
    type Output = Result<Option<T>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().next.poll(cx).map(Option::transpose)
    }
}

pin_project! {
    /// The future [`all`](crate::StreamExt::all) returns.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct AllFuture<'a, S: ?Sized, F> {
        stream: &'a mut S,
        f: F,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<'a, S: ?Sized, F> AllFuture<'a, S, F> {
    pub(crate) fn new(stream: &'a mut S, f: F) -> Self {
        AllFuture {
            stream,
            f,
            _pin: PhantomPinned,
        }
    }
}

impl<S, F> Future for AllFuture<'_, S, F>
where
    S: Stream + Unpin + ?Sized,
    F: FnMut(S::Item) -> bool,
{
    type Output = bool;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let this = self.project();
        let mut stream = Pin::new(&mut **this.stream);
        for _ in 0..ITEMS_PER_POLL {
            match ready!(stream.as_mut().poll_next(cx)) {
                Some(item) => {
                    if !(this.f)(item) {
                        return Poll::Ready(false);
                    }
                }
                None => return Poll::Ready(true),
            }
        }
        // Let other tasks run before looking at more.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

pin_project! {
    /// The future [`any`](crate::StreamExt::any) returns.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct AnyFuture<'a, S: ?Sized, F> {
        stream: &'a mut S,
        f: F,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<'a, S: ?Sized, F> AnyFuture<'a, S, F> {
    pub(crate) fn new(stream: &'a mut S, f: F) -> Self {
        AnyFuture {
            stream,
            f,
            _pin: PhantomPinned,
        }
    }
}

impl<S, F> Future for AnyFuture<'_, S, F>
where
    S: Stream + Unpin + ?Sized,
    F: FnMut(S::Item) -> bool,
{
    type Output = bool;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let this = self.project();
        let mut stream = Pin::new(&mut **this.stream);
        for _ in 0..ITEMS_PER_POLL {
            match ready!(stream.as_mut().poll_next(cx)) {
                Some(item) => {
                    if (this.f)(item) {
                        return Poll::Ready(true);
                    }
                }
                None => return Poll::Ready(false),
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

pin_project! {
    /// The future [`fold`](crate::StreamExt::fold) returns.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct FoldFuture<S, B, F> {
        #[pin]
        stream: S,
        acc: Option<B>,
        f: F,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<S, B, F> FoldFuture<S, B, F> {
    pub(crate) fn new(stream: S, init: B, f: F) -> Self {
        FoldFuture {
            stream,
            acc: Some(init),
            f,
            _pin: PhantomPinned,
        }
    }
}

impl<S, B, F> Future for FoldFuture<S, B, F>
where
    S: Stream,
    F: FnMut(B, S::Item) -> B,
{
    type Output = B;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<B> {
        let mut this = self.project();
        loop {
            let item = ready!(this.stream.as_mut().poll_next(cx));
            let acc = this
                .acc
                .take()
                .expect("`FoldFuture` polled after it completed");
            match item {
                Some(item) => *this.acc = Some((this.f)(acc, item)),
                None => return Poll::Ready(acc),
            }
        }
    }
}
