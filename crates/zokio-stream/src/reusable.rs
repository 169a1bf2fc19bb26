//! [`ReusableBoxFuture`]: one heap allocation per stream for wrappers of types that only have an
//! `async fn` to wait with (broadcast `recv`, watch `changed`).
//!
//! The future owns its receiver (an `async fn` borrowing it could not be stored next to it) and
//! hands it back with the result; the stream then starts the next wait *in the same allocation*:
//! [`Pin::set`] drops the finished future in place and writes the new one there. The future's type
//! cannot be named (it is an `async fn`'s), so the allocation is a trait object whose concrete type
//! also holds the function that makes the next future, which keeps all of this free of `unsafe`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

/// A boxed future of output `O`, restarted in place from an argument `A` (the receiver it returned).
pub(crate) struct ReusableBoxFuture<A, O> {
    inner: Pin<Box<dyn Restart<A, O> + Send + Sync>>,
}

/// The object-safe face of [`Slot`].
trait Restart<A, O> {
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<O>;
    fn restart(self: Pin<&mut Self>, arg: A);
}

pin_project! {
    /// A future and the function that makes its successors.
    struct Slot<F, A> {
        #[pin]
        future: F,
        make: fn(A) -> F,
    }
}

impl<F: Future, A> Restart<A, F::Output> for Slot<F, A> {
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().future.poll(cx)
    }

    fn restart(self: Pin<&mut Self>, arg: A) {
        let mut this = self.project();
        let next = (this.make)(arg);
        // Drops the old future in place, then moves the new one into its memory.
        this.future.set(next);
    }
}

impl<A: 'static, O: 'static> ReusableBoxFuture<A, O> {
    /// Allocates the box and starts the first future, `make(arg)`.
    pub(crate) fn new<F>(make: fn(A) -> F, arg: A) -> Self
    where
        F: Future<Output = O> + Send + Sync + 'static,
    {
        ReusableBoxFuture {
            inner: Box::pin(Slot {
                future: make(arg),
                make,
            }),
        }
    }
}

impl<A, O> ReusableBoxFuture<A, O> {
    /// Polls the current future. Do not poll it again after it completed, before [`Self::restart`].
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<O> {
        self.inner.as_mut().poll(cx)
    }

    /// Replaces the current future with `make(arg)`, reusing its allocation.
    pub(crate) fn restart(&mut self, arg: A) {
        self.inner.as_mut().restart(arg);
    }
}

impl<A, O> fmt::Debug for ReusableBoxFuture<A, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReusableBoxFuture").finish_non_exhaustive()
    }
}
