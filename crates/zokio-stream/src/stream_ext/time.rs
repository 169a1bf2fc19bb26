//! The adapters that need a timer: [`Timeout`], [`TimeoutRepeating`], [`Throttle`],
//! [`ChunksTimeout`]. They run on the reactor's timer wheel (the one `zokio::time` re-exports).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_core::Stream;
use futures_core::stream::FusedStream;
use pin_project_lite::pin_project;
use zokio_reactor::time::{Instant, Interval, Sleep, sleep_until};

use super::Fuse;

/// `duration` from now, or about 30 years from now where that overflows (a "never").
fn deadline_after(duration: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(duration)
        .or_else(|| now.checked_add(Duration::from_secs(86_400 * 365 * 30)))
        .unwrap_or(now)
}

/// The error of [`Timeout`] and [`TimeoutRepeating`]: no item came in time.
///
/// Converts into an [`std::io::Error`] of kind `TimedOut`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl Elapsed {
    fn new() -> Self {
        Elapsed(())
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(_: Elapsed) -> std::io::Error {
        std::io::ErrorKind::TimedOut.into()
    }
}

pin_project! {
    /// The stream [`timeout`](crate::StreamExt::timeout) returns.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Timeout<S> {
        #[pin]
        stream: Fuse<S>,
        deadline: Sleep,
        duration: Duration,
        // Whether the current deadline may still report `Elapsed` (once per silence).
        armed: bool,
    }
}

impl<S: Stream> Timeout<S> {
    pub(crate) fn new(stream: S, duration: Duration) -> Self {
        Timeout {
            stream: Fuse::new(stream),
            deadline: sleep_until(deadline_after(duration)),
            duration,
            armed: true,
        }
    }
}

impl<S: Stream> Stream for Timeout<S> {
    type Item = Result<S::Item, Elapsed>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        if let Poll::Ready(item) = this.stream.poll_next(cx) {
            if item.is_some() {
                Pin::new(&mut *this.deadline).reset(deadline_after(*this.duration));
                *this.armed = true;
            }
            return Poll::Ready(item.map(Ok));
        }
        if *this.armed {
            ready!(Pin::new(&mut *this.deadline).poll(cx));
            *this.armed = false;
            return Poll::Ready(Some(Err(Elapsed::new())));
        }
        Poll::Pending
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // At most one `Elapsed` before each item and one after the last.
        let (lower, upper) = self.stream.size_hint();
        (
            lower,
            upper.and_then(|upper| upper.checked_mul(2)?.checked_add(1)),
        )
    }
}

impl<S: Stream> FusedStream for Timeout<S> {
    fn is_terminated(&self) -> bool {
        self.stream.is_terminated()
    }
}

pin_project! {
    /// The stream [`timeout_repeating`](crate::StreamExt::timeout_repeating) returns.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct TimeoutRepeating<S> {
        #[pin]
        stream: Fuse<S>,
        interval: Interval,
    }
}

impl<S: Stream> TimeoutRepeating<S> {
    pub(crate) fn new(stream: S, interval: Interval) -> Self {
        TimeoutRepeating {
            stream: Fuse::new(stream),
            interval,
        }
    }
}

impl<S: Stream> Stream for TimeoutRepeating<S> {
    type Item = Result<S::Item, Elapsed>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        if let Poll::Ready(item) = this.stream.poll_next(cx) {
            if item.is_some() {
                this.interval.reset();
            }
            return Poll::Ready(item.map(Ok));
        }
        ready!(this.interval.poll_tick(cx));
        Poll::Ready(Some(Err(Elapsed::new())))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // Any number of `Elapsed` errors.
        (self.stream.size_hint().0, None)
    }
}

impl<S: Stream> FusedStream for TimeoutRepeating<S> {
    fn is_terminated(&self) -> bool {
        self.stream.is_terminated()
    }
}

pin_project! {
    /// The stream [`throttle`](crate::StreamExt::throttle) returns.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Throttle<S> {
        #[pin]
        stream: S,
        delay: Sleep,
        duration: Duration,
        // Whether the pause after the last item is over (true before the first item).
        rested: bool,
    }
}

impl<S> Throttle<S> {
    pub(crate) fn new(stream: S, duration: Duration) -> Self {
        Throttle {
            stream,
            delay: sleep_until(deadline_after(duration)),
            duration,
            rested: true,
        }
    }

    /// The inner stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The inner stream, mutably. Taking items from it directly bypasses the throttle.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// The inner stream, pinned.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut S> {
        self.project().stream
    }

    /// Gives back the inner stream.
    pub fn into_inner(self) -> S {
        self.stream
    }
}

impl<S: Stream> Stream for Throttle<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let throttled = !this.duration.is_zero();
        if throttled && !*this.rested {
            ready!(Pin::new(&mut *this.delay).poll(cx));
            *this.rested = true;
        }
        let item = ready!(this.stream.poll_next(cx));
        if item.is_some() && throttled {
            Pin::new(&mut *this.delay).reset(deadline_after(*this.duration));
            *this.rested = false;
        }
        Poll::Ready(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.stream.size_hint()
    }
}

pin_project! {
    /// The stream [`chunks_timeout`](crate::StreamExt::chunks_timeout) returns.
    #[must_use = "streams do nothing unless polled"]
    pub struct ChunksTimeout<S: Stream> {
        #[pin]
        stream: Fuse<S>,
        // Started by the first item of a chunk.
        deadline: Option<Sleep>,
        duration: Duration,
        items: Vec<S::Item>,
        max_size: usize,
    }
}

impl<S> fmt::Debug for ChunksTimeout<S>
where
    S: Stream + fmt::Debug,
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunksTimeout")
            .field("stream", &self.stream)
            .field("deadline", &self.deadline)
            .field("duration", &self.duration)
            .field("items", &self.items)
            .field("max_size", &self.max_size)
            .finish()
    }
}

impl<S: Stream> ChunksTimeout<S> {
    #[track_caller]
    pub(crate) fn new(stream: S, max_size: usize, duration: Duration) -> Self {
        assert!(max_size > 0, "`max_size` must be non-zero");
        ChunksTimeout {
            stream: Fuse::new(stream),
            deadline: None,
            duration,
            items: Vec::new(),
            max_size,
        }
    }

    /// Takes the items of the chunk being filled, if any.
    pub fn into_remainder(self: Pin<&mut Self>) -> Vec<S::Item> {
        let this = self.project();
        *this.deadline = None;
        std::mem::take(this.items)
    }
}

impl<S: Stream> Stream for ChunksTimeout<S> {
    type Item = Vec<S::Item>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Vec<S::Item>>> {
        let mut this = self.project();
        loop {
            match this.stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    if this.items.is_empty() {
                        *this.deadline = Some(sleep_until(deadline_after(*this.duration)));
                        this.items.reserve_exact(*this.max_size);
                    }
                    this.items.push(item);
                    if this.items.len() >= *this.max_size {
                        *this.deadline = None;
                        return Poll::Ready(Some(std::mem::take(this.items)));
                    }
                }
                Poll::Ready(None) => {
                    // The inner stream is fused: the next poll comes straight back here.
                    *this.deadline = None;
                    if this.items.is_empty() {
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(std::mem::take(this.items)));
                }
                Poll::Pending => break,
            }
        }
        if this.items.is_empty() {
            return Poll::Pending;
        }
        if let Some(deadline) = this.deadline.as_mut() {
            ready!(Pin::new(deadline).poll(cx));
        }
        *this.deadline = None;
        Poll::Ready(Some(std::mem::take(this.items)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let partial = usize::from(!self.items.is_empty());
        let (lower, upper) = self.stream.size_hint();
        (
            (lower / self.max_size).saturating_add(partial),
            upper.and_then(|upper| upper.checked_add(partial)),
        )
    }
}

impl<S: Stream> FusedStream for ChunksTimeout<S> {
    fn is_terminated(&self) -> bool {
        self.items.is_empty() && self.stream.is_terminated()
    }
}
