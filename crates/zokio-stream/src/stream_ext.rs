//! [`StreamExt`] and the types its methods return.

use std::future::Future;

use futures_core::Stream;

mod collect;
mod combine;
mod consume;
mod fuse;
mod limit;
mod map;
mod peekable;
#[cfg(feature = "time")]
pub(crate) mod time;

pub use collect::{Collect, FromStream};
pub use combine::{Chain, Merge};
pub use consume::{AllFuture, AnyFuture, FoldFuture, Next, TryNext};
pub use fuse::Fuse;
pub use limit::{Skip, SkipWhile, Take, TakeWhile};
pub use map::{Filter, FilterMap, Map, MapWhile, Then};
pub use peekable::Peekable;

#[cfg(feature = "time")]
use self::time::{ChunksTimeout, Throttle, Timeout, TimeoutRepeating};
#[cfg(feature = "time")]
use std::time::Duration;
#[cfg(feature = "time")]
use zokio_reactor::time::Interval;

/// Combinators for every [`Stream`], with the names and behaviour of `tokio_stream::StreamExt`.
///
/// It is implemented for all streams, `futures` ones included. `futures::StreamExt` has methods of
/// the same names: with both traits in scope, pick one by importing only it, or call
/// `StreamExt::next(&mut stream)`.
///
/// The time-based methods (`timeout`, `timeout_repeating`, `throttle`, `chunks_timeout`) need the
/// `time` feature (on by default) and must be called inside a zokio runtime with the time driver.
///
/// ```
/// use zokio_stream::{self as stream, StreamExt};
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut evens = stream::iter(1..=10).filter(|n| n % 2 == 0).skip(1).take(3);
/// while let Some(n) = evens.next().await {
///     println!("{n}"); // 4, 6, 8
/// }
/// # }
/// ```
pub trait StreamExt: Stream {
    /// The next item, or `None` once the stream has ended.
    ///
    /// As `async fn next(&mut self) -> Option<Self::Item>`. Cancel safe: dropping the future before
    /// it completes loses no item.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut numbers = stream::iter([1, 2]);
    /// assert_eq!(numbers.next().await, Some(1));
    /// assert_eq!(numbers.next().await, Some(2));
    /// assert_eq!(numbers.next().await, None);
    /// # }
    /// ```
    fn next(&mut self) -> Next<'_, Self>
    where
        Self: Unpin,
    {
        Next::new(self)
    }

    /// For a stream of `Result`s: the next `Ok` value as `Ok(Some(_))`, the next error as `Err`, or
    /// `Ok(None)` once the stream has ended.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut results = stream::iter([Ok(1), Err("bad")]);
    /// assert_eq!(results.try_next().await, Ok(Some(1)));
    /// assert_eq!(results.try_next().await, Err("bad"));
    /// assert_eq!(results.try_next().await, Ok(None));
    /// # }
    /// ```
    fn try_next<T, E>(&mut self) -> TryNext<'_, Self>
    where
        Self: Stream<Item = Result<T, E>> + Unpin,
    {
        TryNext::new(self)
    }

    /// Applies `f` to each item.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let words: Vec<String> = stream::iter([1, 2]).map(|n| n.to_string()).collect().await;
    /// assert_eq!(words, ["1", "2"]);
    /// # }
    /// ```
    fn map<T, F>(self, f: F) -> Map<Self, F>
    where
        F: FnMut(Self::Item) -> T,
        Self: Sized,
    {
        Map::new(self, f)
    }

    /// Applies `f` to each item while it returns `Some`; the stream ends at the first `None` (and
    /// the inner stream is not polled again).
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let halves: Vec<i32> = stream::iter([4, 8, 9, 10])
    ///     .map_while(|n| (n % 2 == 0).then_some(n / 2))
    ///     .collect()
    ///     .await;
    /// assert_eq!(halves, [2, 4]);
    /// # }
    /// ```
    fn map_while<T, F>(self, f: F) -> MapWhile<Self, F>
    where
        F: FnMut(Self::Item) -> Option<T>,
        Self: Sized,
    {
        MapWhile::new(self, f)
    }

    /// Runs the future `f` returns for each item, one at a time, and yields its output.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let squares: Vec<u64> = stream::iter([2u64, 3])
    ///     .then(|n| async move {
    ///         zokio::task::yield_now().await;
    ///         n * n
    ///     })
    ///     .collect()
    ///     .await;
    /// assert_eq!(squares, [4, 9]);
    /// # }
    /// ```
    fn then<F, Fut>(self, f: F) -> Then<Self, Fut, F>
    where
        F: FnMut(Self::Item) -> Fut,
        Fut: Future,
        Self: Sized,
    {
        Then::new(self, f)
    }

    /// Interleaves the items of `self` and `other` as they arrive; ends when both have ended.
    ///
    /// When both are ready, the two take turns: each poll tries first the stream the previous poll
    /// tried second.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let merged: Vec<i32> = stream::iter([1, 3, 5]).merge(stream::iter([2, 4])).collect().await;
    /// assert_eq!(merged, [1, 2, 3, 4, 5]);
    /// # }
    /// ```
    fn merge<U>(self, other: U) -> Merge<Self, U>
    where
        U: Stream<Item = Self::Item>,
        Self: Sized,
    {
        Merge::new(self, other)
    }

    /// Keeps the items for which `f` returns `true`.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let odd: Vec<i32> = stream::iter(1..=6).filter(|n| n % 2 == 1).collect().await;
    /// assert_eq!(odd, [1, 3, 5]);
    /// # }
    /// ```
    fn filter<F>(self, f: F) -> Filter<Self, F>
    where
        F: FnMut(&Self::Item) -> bool,
        Self: Sized,
    {
        Filter::new(self, f)
    }

    /// Applies `f` to each item and keeps the `Some` results.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let numbers: Vec<u8> = stream::iter(["1", "x", "3"])
    ///     .filter_map(|s| s.parse().ok())
    ///     .collect()
    ///     .await;
    /// assert_eq!(numbers, [1, 3]);
    /// # }
    /// ```
    fn filter_map<T, F>(self, f: F) -> FilterMap<Self, F>
    where
        F: FnMut(Self::Item) -> Option<T>,
        Self: Sized,
    {
        FilterMap::new(self, f)
    }

    /// A stream that returns `None` forever once `self` has returned `None` once, without polling
    /// `self` again.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut fused = stream::once(1).fuse();
    /// assert_eq!(fused.next().await, Some(1));
    /// assert_eq!(fused.next().await, None);
    /// assert_eq!(fused.next().await, None);
    /// # }
    /// ```
    fn fuse(self) -> Fuse<Self>
    where
        Self: Sized,
    {
        Fuse::new(self)
    }

    /// The first `n` items. The inner stream is not polled once `n` items were taken.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let first: Vec<u32> = stream::iter(1..).take(3).collect().await;
    /// assert_eq!(first, [1, 2, 3]);
    /// # }
    /// ```
    fn take(self, n: usize) -> Take<Self>
    where
        Self: Sized,
    {
        Take::new(self, n)
    }

    /// Items while `f` returns `true`; the stream ends at the first item for which it returns
    /// `false` (that item is dropped).
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let small: Vec<i32> = stream::iter([1, 2, 5, 1]).take_while(|n| *n < 3).collect().await;
    /// assert_eq!(small, [1, 2]);
    /// # }
    /// ```
    fn take_while<F>(self, f: F) -> TakeWhile<Self, F>
    where
        F: FnMut(&Self::Item) -> bool,
        Self: Sized,
    {
        TakeWhile::new(self, f)
    }

    /// Drops the first `n` items.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let rest: Vec<i32> = stream::iter(1..=5).skip(3).collect().await;
    /// assert_eq!(rest, [4, 5]);
    /// # }
    /// ```
    fn skip(self, n: usize) -> Skip<Self>
    where
        Self: Sized,
    {
        Skip::new(self, n)
    }

    /// Drops items while `f` returns `true`; from the first item for which it returns `false`, every
    /// item passes.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let rest: Vec<i32> = stream::iter([1, 2, 5, 1]).skip_while(|n| *n < 3).collect().await;
    /// assert_eq!(rest, [5, 1]);
    /// # }
    /// ```
    fn skip_while<F>(self, f: F) -> SkipWhile<Self, F>
    where
        F: FnMut(&Self::Item) -> bool,
        Self: Sized,
    {
        SkipWhile::new(self, f)
    }

    /// Whether `f` returns `true` for every item; stops at the first `false`. `true` for an empty
    /// stream.
    ///
    /// As `async fn all(&mut self, f) -> bool`. It looks at up to 32 items per poll, then yields.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// assert!(stream::iter([2, 4]).all(|n| n % 2 == 0).await);
    /// let mut numbers = stream::iter([2, 3, 4]);
    /// assert!(!numbers.all(|n| n % 2 == 0).await);
    /// assert_eq!(numbers.next().await, Some(4)); // stopped right after 3
    /// # }
    /// ```
    fn all<F>(&mut self, f: F) -> AllFuture<'_, Self, F>
    where
        Self: Unpin,
        F: FnMut(Self::Item) -> bool,
    {
        AllFuture::new(self, f)
    }

    /// Whether `f` returns `true` for some item; stops at the first `true`. `false` for an empty
    /// stream.
    ///
    /// As `async fn any(&mut self, f) -> bool`. It looks at up to 32 items per poll, then yields.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// assert!(stream::iter([1, 4, 5]).any(|n| n % 2 == 0).await);
    /// assert!(!stream::iter([1, 3]).any(|n| n % 2 == 0).await);
    /// # }
    /// ```
    fn any<F>(&mut self, f: F) -> AnyFuture<'_, Self, F>
    where
        Self: Unpin,
        F: FnMut(Self::Item) -> bool,
    {
        AnyFuture::new(self, f)
    }

    /// The items of `self`, then those of `other`.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let both: Vec<i32> = stream::iter([1, 2]).chain(stream::iter([3])).collect().await;
    /// assert_eq!(both, [1, 2, 3]);
    /// # }
    /// ```
    fn chain<U>(self, other: U) -> Chain<Self, U>
    where
        U: Stream<Item = Self::Item>,
        Self: Sized,
    {
        Chain::new(self, other)
    }

    /// Combines every item into an accumulator, starting from `init`.
    ///
    /// As `async fn fold<B, F>(self, init: B, f: F) -> B`.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sum = stream::iter(1..=4).fold(0, |acc, n| acc + n).await;
    /// assert_eq!(sum, 10);
    /// # }
    /// ```
    fn fold<B, F>(self, init: B, f: F) -> FoldFuture<Self, B, F>
    where
        Self: Sized,
        F: FnMut(B, Self::Item) -> B,
    {
        FoldFuture::new(self, init, f)
    }

    /// Collects every item into a collection: a `Vec`, `VecDeque`, `String`, set, map, ... (see
    /// [`FromStream`]).
    ///
    /// For a stream of `Result<T, E>`, collecting into `Result<C, E>` stops at the first error and
    /// returns it; otherwise it returns `Ok` with every value.
    ///
    /// As `async fn collect<C>(self) -> C`.
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let all: Vec<i32> = stream::iter([1, 2, 3]).collect().await;
    /// assert_eq!(all, [1, 2, 3]);
    ///
    /// let text: String = stream::iter(["zo", "kio"]).collect().await;
    /// assert_eq!(text, "zokio");
    ///
    /// let ok: Result<Vec<i32>, &str> = stream::iter([Ok(1), Ok(2)]).collect().await;
    /// assert_eq!(ok, Ok(vec![1, 2]));
    /// let failed: Result<Vec<i32>, &str> = stream::iter([Ok(1), Err("no"), Ok(3)]).collect().await;
    /// assert_eq!(failed, Err("no"));
    /// # }
    /// ```
    fn collect<T>(self) -> Collect<Self, T, T::Partial>
    where
        T: FromStream<Self::Item>,
        Self: Sized,
    {
        Collect::new(self)
    }

    /// Yields `Err(Elapsed)` when no item came for `duration`, then keeps waiting.
    ///
    /// The clock starts when `timeout` is called and restarts at each item; one error is reported
    /// per silence (the next comes only after another item and another silence). The stream ends
    /// when `self` ends. For an error after each `duration` of silence, see
    /// [`timeout_repeating`](Self::timeout_repeating).
    ///
    /// Needs the `time` feature and a zokio runtime with the time driver.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let slow = stream::iter([1, 2]).then(|n| async move {
    ///     zokio::time::sleep(Duration::from_millis(if n == 2 { 500 } else { 10 })).await;
    ///     n
    /// });
    /// let items: Vec<_> = slow.timeout(Duration::from_millis(100)).collect().await;
    /// assert_eq!(items.len(), 3);
    /// assert_eq!(items[0], Ok(1));
    /// assert!(items[1].is_err()); // 100 ms without an item
    /// assert_eq!(items[2], Ok(2));
    /// # }
    /// ```
    #[cfg(feature = "time")]
    fn timeout(self, duration: Duration) -> Timeout<Self>
    where
        Self: Sized,
    {
        Timeout::new(self, duration)
    }

    /// Yields `Err(Elapsed)` at every tick of `interval` with no item in between.
    ///
    /// Each item resets the interval (its next tick is one period later). Unlike
    /// [`timeout`](Self::timeout), the errors repeat for as long as the silence lasts. Mind that a
    /// fresh [`interval`](zokio_reactor::time::interval) ticks at once; use
    /// [`interval_at`](zokio_reactor::time::interval_at) to start one period later.
    ///
    /// Needs the `time` feature and a zokio runtime with the time driver.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::{Instant, interval_at};
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let period = Duration::from_millis(100);
    /// let late = stream::iter([1]).then(|n| async move {
    ///     zokio::time::sleep(Duration::from_millis(250)).await;
    ///     n
    /// });
    /// let items: Vec<_> = late
    ///     .timeout_repeating(interval_at(Instant::now() + period, period))
    ///     .take(3)
    ///     .collect()
    ///     .await;
    /// assert!(items[0].is_err()); // at 100 ms
    /// assert!(items[1].is_err()); // at 200 ms
    /// assert_eq!(items[2], Ok(1)); // at 250 ms
    /// # }
    /// ```
    #[cfg(feature = "time")]
    fn timeout_repeating(self, interval: Interval) -> TimeoutRepeating<Self>
    where
        Self: Sized,
    {
        TimeoutRepeating::new(self, interval)
    }

    /// Passes items on no faster than one per `duration`: after each item the stream waits
    /// `duration` before it polls `self` again. The first item passes at once; a zero `duration`
    /// throttles nothing.
    ///
    /// Needs the `time` feature and a zokio runtime with the time driver.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::Instant;
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let items: Vec<i32> = stream::iter([1, 2, 3])
    ///     .throttle(Duration::from_millis(50))
    ///     .collect()
    ///     .await;
    /// assert_eq!(items, [1, 2, 3]);
    /// // Two pauses between the items, and one more before the end is seen.
    /// assert!(start.elapsed() >= Duration::from_millis(150));
    /// # }
    /// ```
    #[cfg(feature = "time")]
    fn throttle(self, duration: Duration) -> Throttle<Self>
    where
        Self: Sized,
    {
        Throttle::new(self, duration)
    }

    /// Groups items into `Vec`s of up to `max_size`: a chunk is yielded when it is full, or when
    /// `duration` has passed since its first item, or when `self` ends (a last, partial chunk).
    /// Empty chunks are never yielded.
    ///
    /// Needs the `time` feature and a zokio runtime with the time driver.
    ///
    /// # Panics
    ///
    /// If `max_size` is zero.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let items = stream::iter(1..=3).chain(stream::iter([4, 5]).then(|n| async move {
    ///     zokio::time::sleep(Duration::from_secs(1)).await;
    ///     n
    /// }));
    /// let mut chunks = std::pin::pin!(items.chunks_timeout(2, Duration::from_millis(100)));
    /// assert_eq!(chunks.next().await, Some(vec![1, 2])); // full
    /// assert_eq!(chunks.next().await, Some(vec![3])); // 100 ms after its first item
    /// assert_eq!(chunks.next().await, Some(vec![4]));
    /// assert_eq!(chunks.next().await, Some(vec![5])); // the stream ended
    /// assert_eq!(chunks.next().await, None);
    /// # }
    /// ```
    #[cfg(feature = "time")]
    #[track_caller]
    fn chunks_timeout(self, max_size: usize, duration: Duration) -> ChunksTimeout<Self>
    where
        Self: Sized,
    {
        ChunksTimeout::new(self, max_size, duration)
    }

    /// A stream whose next item can be looked at without taking it; see [`Peekable::peek`].
    ///
    /// ```
    /// use zokio_stream::{self as stream, StreamExt};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut numbers = stream::iter([1, 2]).peekable();
    /// assert_eq!(numbers.peek().await, Some(&1));
    /// assert_eq!(numbers.next().await, Some(1));
    /// # }
    /// ```
    fn peekable(self) -> Peekable<Self>
    where
        Self: Sized,
    {
        Peekable::new(self)
    }
}

impl<S: Stream + ?Sized> StreamExt for S {}
