//! Streams made from nothing or from plain values: [`iter`], [`once`], [`empty`], [`pending`].

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use futures_core::stream::FusedStream;

/// Items an [`Iter`] yields in a row before it yields to the executor, where no zokio budget is
/// tracked (outside a zokio task, or under another executor).
const ITEMS_PER_TURN: u8 = 32;

/// A stream over the items of an iterator. Created by [`iter`].
#[derive(Debug, Clone)]
#[must_use = "streams do nothing unless polled"]
pub struct Iter<I> {
    iter: I,
    /// Items yielded since the last forced yield (only counted without a zokio budget).
    streak: u8,
}

impl<I> Unpin for Iter<I> {}

/// Turns an iterator into a stream that is always ready.
///
/// Every item spends a unit of the zokio task's cooperative budget, so a loop over a long iterator
/// still lets other tasks run; outside a zokio task the stream returns `Pending` (after waking
/// itself) every 32 items instead.
///
/// ```
/// use zokio_stream::{self as stream, StreamExt};
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut numbers = stream::iter(vec![17, 19]);
/// assert_eq!(numbers.next().await, Some(17));
/// assert_eq!(numbers.next().await, Some(19));
/// assert_eq!(numbers.next().await, None);
/// # }
/// ```
pub fn iter<I: IntoIterator>(iter: I) -> Iter<I::IntoIter> {
    Iter {
        iter: iter.into_iter(),
        streak: 0,
    }
}

impl<I: Iterator> Stream for Iter<I> {
    type Item = I::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        if zokio_coop::current().remaining().is_none() {
            // No budget to spend: take turns by count instead.
            if self.streak >= ITEMS_PER_TURN {
                self.streak = 0;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            self.streak += 1;
            return Poll::Ready(self.iter.next());
        }
        let coop = ready!(zokio_coop::poll_proceed(cx));
        let item = self.iter.next();
        coop.made_progress();
        Poll::Ready(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.size_hint()
    }
}

/// A stream that yields one item, then ends. Created by [`once`].
#[derive(Debug, Clone)]
#[must_use = "streams do nothing unless polled"]
pub struct Once<T> {
    value: Option<T>,
}

impl<T> Unpin for Once<T> {}

/// A stream that yields `value` once, then ends.
///
/// ```
/// use zokio_stream::{self as stream, StreamExt};
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut one = stream::once(1);
/// assert_eq!(one.next().await, Some(1));
/// assert_eq!(one.next().await, None);
/// # }
/// ```
pub fn once<T>(value: T) -> Once<T> {
    Once { value: Some(value) }
}

impl<T> Stream for Once<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<T>> {
        Poll::Ready(self.value.take())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::from(self.value.is_some());
        (n, Some(n))
    }
}

impl<T> FusedStream for Once<T> {
    fn is_terminated(&self) -> bool {
        self.value.is_none()
    }
}

/// A stream that ends at once. Created by [`empty`].
#[must_use = "streams do nothing unless polled"]
pub struct Empty<T>(PhantomData<fn() -> T>);

impl<T> fmt::Debug for Empty<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Empty")
    }
}

impl<T> Clone for Empty<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Empty<T> {}

impl<T> Unpin for Empty<T> {}

/// A stream that yields no item: its first poll returns `None`.
///
/// ```
/// use zokio_stream::{self as stream, StreamExt};
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut none = stream::empty::<i32>();
/// assert_eq!(none.next().await, None);
/// # }
/// ```
pub const fn empty<T>() -> Empty<T> {
    Empty(PhantomData)
}

impl<T> Stream for Empty<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<T>> {
        Poll::Ready(None)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(0))
    }
}

impl<T> FusedStream for Empty<T> {
    fn is_terminated(&self) -> bool {
        true
    }
}

/// A stream that never yields anything and never ends. Created by [`pending`].
#[must_use = "streams do nothing unless polled"]
pub struct Pending<T>(PhantomData<fn() -> T>);

impl<T> fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pending")
    }
}

impl<T> Clone for Pending<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Pending<T> {}

impl<T> Unpin for Pending<T> {}

/// A stream that is never ready: every poll returns `Pending`, and nothing ever wakes it.
///
/// ```
/// use std::time::Duration;
/// use zokio_stream::{self as stream, StreamExt};
///
/// # #[zokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let mut never = stream::pending::<i32>();
/// let waited = zokio::time::timeout(Duration::from_secs(1), never.next()).await;
/// assert!(waited.is_err());
/// # }
/// ```
pub const fn pending<T>() -> Pending<T> {
    Pending(PhantomData)
}

impl<T> Stream for Pending<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<T>> {
        Poll::Pending
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, None)
    }
}
