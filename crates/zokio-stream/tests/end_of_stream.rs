//! What every adapter and source reports at the end of its stream: `FusedStream::is_terminated`
//! turns true exactly when the stream has ended (and, for the adapters that stop early, without
//! polling the inner stream again), `size_hint` is `(0, Some(0))` once nothing can come, unknown
//! bounds stay unknown, and a merge or a stream map with a pending side is pending, not ended.

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_util::stream::FusedStream;
use zokio_stream::{self as stream, Stream, StreamExt, StreamMap, StreamNotifyClose};

/// Polls once with a no-op waker.
fn poll_once<S: Stream + Unpin>(stream: &mut S) -> Poll<Option<S::Item>> {
    Pin::new(stream).poll_next(&mut Context::from_waker(Waker::noop()))
}

/// Yields its items, counting its polls, and panics if polled after it ended.
struct Counted<I> {
    items: I,
    polls: Rc<Cell<usize>>,
    ended: bool,
}

fn counted<I: Iterator>(items: I) -> (Counted<I>, Rc<Cell<usize>>) {
    let polls = Rc::new(Cell::new(0));
    let stream = Counted {
        items,
        polls: polls.clone(),
        ended: false,
    };
    (stream, polls)
}

impl<I: Iterator + Unpin> Stream for Counted<I> {
    type Item = I::Item;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        assert!(!self.ended, "polled after it ended");
        self.polls.set(self.polls.get() + 1);
        let item = self.items.next();
        self.ended = item.is_none();
        Poll::Ready(item)
    }
}

#[test]
fn sources_terminate_when_they_have_nothing_left() {
    let mut one = stream::once(1);
    assert!(!one.is_terminated());
    assert_eq!(poll_once(&mut one), Poll::Ready(Some(1)));
    assert!(one.is_terminated());

    let mut none = stream::empty::<u8>();
    assert!(none.is_terminated(), "empty is over before its first poll");
    let copy = none;
    #[allow(clippy::clone_on_copy)]
    let clone = none.clone();
    assert_eq!(poll_once(&mut none), Poll::Ready(None));
    assert_eq!(
        (format!("{copy:?}"), format!("{clone:?}")),
        ("Empty".into(), "Empty".into())
    );

    let mut never = stream::pending::<u8>();
    #[allow(clippy::clone_on_copy)]
    let mut clone = never.clone();
    assert_eq!(poll_once(&mut never), Poll::Pending);
    assert_eq!(poll_once(&mut clone), Poll::Pending);
    assert_eq!(format!("{never:?}"), "Pending");
    assert_eq!(never.size_hint(), (0, None));
}

#[test]
fn mapping_adapters_terminate_with_their_stream() {
    let mut mapped = stream::iter([1]).fuse().map(|n| n * 2);
    assert!(!mapped.is_terminated());
    assert_eq!(poll_once(&mut mapped), Poll::Ready(Some(2)));
    assert_eq!(poll_once(&mut mapped), Poll::Ready(None));
    assert!(mapped.is_terminated());

    let mut filtered = stream::iter([1, 2]).fuse().filter(|n| n % 2 == 0);
    assert_eq!(poll_once(&mut filtered), Poll::Ready(Some(2)));
    assert!(!filtered.is_terminated());
    assert_eq!(poll_once(&mut filtered), Poll::Ready(None));
    assert!(filtered.is_terminated());

    let mut filter_mapped = stream::iter(["1", "x"])
        .fuse()
        .filter_map(|s| s.parse::<u8>().ok());
    assert_eq!(poll_once(&mut filter_mapped), Poll::Ready(Some(1)));
    assert_eq!(poll_once(&mut filter_mapped), Poll::Ready(None));
    assert!(filter_mapped.is_terminated());

    let mut then = stream::iter([3]).fuse().then(|n| std::future::ready(n + 1));
    assert!(!then.is_terminated());
    assert_eq!(poll_once(&mut then), Poll::Ready(Some(4)));
    assert_eq!(poll_once(&mut then), Poll::Ready(None));
    assert!(then.is_terminated());
}

#[test]
fn map_while_stops_for_good_at_its_first_none() {
    let (inner, polls) = counted([1, 2, -1, 3].into_iter());
    let mut positive = inner.map_while(|n: i32| u32::try_from(n).ok());
    assert_eq!(positive.size_hint(), (0, None));
    assert_eq!(poll_once(&mut positive), Poll::Ready(Some(1)));
    assert_eq!(poll_once(&mut positive), Poll::Ready(Some(2)));
    assert!(!positive.is_terminated());
    assert_eq!(poll_once(&mut positive), Poll::Ready(None));
    assert!(positive.is_terminated());
    assert_eq!(positive.size_hint(), (0, Some(0)));
    // Ended: the inner stream, with an item left, is not polled again.
    assert_eq!(poll_once(&mut positive), Poll::Ready(None));
    assert_eq!(polls.get(), 3);
}

#[test]
fn take_and_take_while_end_without_polling_the_rest() {
    // An endless source: only the limit bounds it.
    let mut five = stream::iter(0..).take(5);
    assert_eq!(five.size_hint(), (5, Some(5)));
    let (inner, polls) = counted(0..);
    let mut two = inner.take(2);
    assert!(!two.is_terminated());
    assert_eq!(poll_once(&mut two), Poll::Ready(Some(0)));
    assert_eq!(poll_once(&mut two), Poll::Ready(Some(1)));
    assert!(two.is_terminated());
    assert_eq!(two.size_hint(), (0, Some(0)));
    assert_eq!(poll_once(&mut two), Poll::Ready(None));
    assert_eq!(polls.get(), 2, "not polled past the limit");
    assert_eq!(poll_once(&mut five), Poll::Ready(Some(0)));
    // The stream ends before the limit: the take ends with it.
    let mut short = stream::iter([1]).take(5);
    assert_eq!(poll_once(&mut short), Poll::Ready(Some(1)));
    assert!(!short.is_terminated());
    assert_eq!(poll_once(&mut short), Poll::Ready(None));
    assert!(short.is_terminated());

    let (inner, polls) = counted([1, 2, 10, 3].into_iter());
    let mut small = inner.take_while(|n| *n < 5);
    assert_eq!(small.size_hint(), (0, None));
    assert_eq!(poll_once(&mut small), Poll::Ready(Some(1)));
    assert_eq!(poll_once(&mut small), Poll::Ready(Some(2)));
    assert!(!small.is_terminated());
    assert_eq!(poll_once(&mut small), Poll::Ready(None));
    assert!(small.is_terminated());
    assert_eq!(small.size_hint(), (0, Some(0)));
    assert_eq!(poll_once(&mut small), Poll::Ready(None));
    assert_eq!(
        polls.get(),
        3,
        "the item after the first failure is never taken"
    );
}

#[test]
fn skip_and_skip_while_follow_their_stream_to_the_end() {
    let mut skipped = stream::iter([1, 2, 3]).fuse().skip(1);
    assert_eq!(skipped.size_hint(), (2, Some(2)));
    assert_eq!(poll_once(&mut skipped), Poll::Ready(Some(2)));
    assert_eq!(poll_once(&mut skipped), Poll::Ready(Some(3)));
    assert!(!skipped.is_terminated());
    assert_eq!(poll_once(&mut skipped), Poll::Ready(None));
    assert!(skipped.is_terminated());

    // The stream ends while still skipping.
    let mut all_skipped = stream::iter([1, 2]).fuse().skip_while(|_| true);
    assert_eq!(all_skipped.size_hint(), (0, Some(2)));
    assert_eq!(poll_once(&mut all_skipped), Poll::Ready(None));
    assert!(all_skipped.is_terminated());

    // Once skipping is over, the inner stream's hint is passed through whole.
    let mut rest = stream::iter([1, 5, 2, 3]).fuse().skip_while(|n| *n < 5);
    assert_eq!(poll_once(&mut rest), Poll::Ready(Some(5)));
    assert_eq!(rest.size_hint(), (2, Some(2)));
    assert_eq!(poll_once(&mut rest), Poll::Ready(Some(2)));
    assert_eq!(poll_once(&mut rest), Poll::Ready(Some(3)));
    assert_eq!(poll_once(&mut rest), Poll::Ready(None));
    assert!(rest.is_terminated());
}

#[test]
fn chain_and_merge_terminate_when_both_sides_have() {
    let mut chained = stream::iter([1]).chain(stream::once(2));
    assert!(!chained.is_terminated());
    assert_eq!(poll_once(&mut chained), Poll::Ready(Some(1)));
    assert_eq!(poll_once(&mut chained), Poll::Ready(Some(2)));
    assert_eq!(poll_once(&mut chained), Poll::Ready(None));
    assert!(chained.is_terminated());
    // An unbounded side makes the upper bound unknown; lower bounds still add up.
    let endless = stream::iter(0..).chain(stream::once(0));
    assert_eq!(endless.size_hint(), (usize::MAX, None));

    let mut merged = stream::iter([1]).merge(stream::empty());
    assert!(!merged.is_terminated());
    assert_eq!(poll_once(&mut merged), Poll::Ready(Some(1)));
    assert_eq!(poll_once(&mut merged), Poll::Ready(None));
    assert!(merged.is_terminated());
}

#[test]
fn merge_with_a_pending_side_is_pending_not_ended() {
    // Either order: one side ended, the other pending.
    let mut ended_first = stream::empty::<u8>().merge(stream::pending());
    let mut pending_first = stream::pending::<u8>().merge(stream::empty());
    for _ in 0..2 {
        assert_eq!(poll_once(&mut ended_first), Poll::Pending);
        assert_eq!(poll_once(&mut pending_first), Poll::Pending);
    }
    assert!(!ended_first.is_terminated());
    assert!(!pending_first.is_terminated());
    // Both pending.
    let mut both = stream::pending::<u8>().merge(stream::pending());
    assert_eq!(poll_once(&mut both), Poll::Pending);
    assert_eq!(both.size_hint(), (0, None));
}

#[test]
fn peekable_is_not_terminated_while_an_item_is_peeked() {
    let mut peekable = stream::iter([1]).fuse().peekable();
    assert_eq!(
        futures_util::FutureExt::now_or_never(Pin::new(&mut peekable).peek()),
        Some(Some(&1))
    );
    assert!(!peekable.is_terminated());
    assert_eq!(poll_once(&mut peekable), Poll::Ready(Some(1)));
    assert_eq!(poll_once(&mut peekable), Poll::Ready(None));
    assert!(peekable.is_terminated());
}

#[test]
fn notify_close_hints_nothing_after_the_end() {
    let mut closing = StreamNotifyClose::new(stream::iter([7]));
    assert_eq!(closing.size_hint(), (2, Some(2)), "the item and the close");
    assert!(!closing.is_terminated());
    assert_eq!(poll_once(&mut closing), Poll::Ready(Some(Some(7))));
    assert_eq!(poll_once(&mut closing), Poll::Ready(Some(None)));
    assert!(closing.is_terminated());
    assert_eq!(closing.size_hint(), (0, Some(0)));
    assert_eq!(poll_once(&mut closing), Poll::Ready(None));
}

#[test]
fn stream_map_next_many_with_pending_streams() {
    let mut map: StreamMap<&str, Pin<Box<dyn Stream<Item = u8>>>> = StreamMap::default();
    assert!(map.is_empty());
    map.insert("never", Box::pin(stream::pending()));
    let mut buffer = Vec::new();
    let mut cx = Context::from_waker(Waker::noop());
    // Nothing ready at all: pending, nothing added.
    assert_eq!(map.poll_next_many(&mut cx, &mut buffer, 4), Poll::Pending);
    assert!(buffer.is_empty());
    // One item ready, then only pending streams: what is there comes back at once.
    map.insert("one", Box::pin(stream::once(1)));
    assert_eq!(map.poll_next_many(&mut cx, &mut buffer, 4), Poll::Ready(1));
    assert_eq!(buffer, [("one", 1)]);
    // A pending stream makes the map's upper bound unknown.
    assert_eq!(map.size_hint(), (0, None));
}
