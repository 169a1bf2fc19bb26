//! [`IntervalStream`].

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_core::stream::FusedStream;
use zokio_reactor::time::{Instant, Interval};

/// A [`Stream`] of the ticks of an [`Interval`](zokio_reactor::time::Interval) (the type
/// `zokio::time::interval` returns): each item is the instant the tick was scheduled for. It never
/// ends.
///
/// ```
/// use std::time::Duration;
/// use zokio::time::{self, Instant};
/// use zokio_stream::StreamExt;
/// use zokio_stream::wrappers::IntervalStream;
///
/// # #[zokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let start = Instant::now();
/// let ticks: Vec<Instant> = IntervalStream::new(time::interval(Duration::from_secs(1)))
///     .take(3)
///     .collect()
///     .await;
/// assert_eq!(ticks, [start, start + Duration::from_secs(1), start + Duration::from_secs(2)]);
/// # }
/// ```
#[derive(Debug)]
pub struct IntervalStream {
    inner: Interval,
}

impl IntervalStream {
    /// Wraps `interval`.
    pub fn new(interval: Interval) -> Self {
        IntervalStream { inner: interval }
    }

    /// Gives back the interval.
    pub fn into_inner(self) -> Interval {
        self.inner
    }
}

impl Stream for IntervalStream {
    type Item = Instant;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.inner.poll_tick(cx).map(Some)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}

impl FusedStream for IntervalStream {
    fn is_terminated(&self) -> bool {
        false
    }
}

impl AsRef<Interval> for IntervalStream {
    fn as_ref(&self) -> &Interval {
        &self.inner
    }
}

impl AsMut<Interval> for IntervalStream {
    fn as_mut(&mut self) -> &mut Interval {
        &mut self.inner
    }
}
