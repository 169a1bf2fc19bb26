//! `StreamExt`'s combinators: exact items, order, early stops, fusing and size hints.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, LinkedList, VecDeque};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use zokio_stream::{self as stream, Stream, StreamExt};

/// A stream of scripted polls that counts how often it is polled and panics if polled after it
/// returned `None` (so fusing and early stops are checked).
struct Script<T> {
    steps: VecDeque<Poll<Option<T>>>,
    polls: Rc<Cell<usize>>,
    ended: bool,
}

impl<T> Script<T> {
    fn new(steps: impl IntoIterator<Item = Poll<Option<T>>>) -> (Self, Rc<Cell<usize>>) {
        let polls = Rc::new(Cell::new(0));
        let script = Script {
            steps: steps.into_iter().collect(),
            polls: polls.clone(),
            ended: false,
        };
        (script, polls)
    }

    fn items(items: impl IntoIterator<Item = T>) -> (Self, Rc<Cell<usize>>) {
        Self::new(items.into_iter().map(|item| Poll::Ready(Some(item))))
    }
}

impl<T> Unpin for Script<T> {}

impl<T> Stream for Script<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        assert!(!self.ended, "polled after it ended");
        self.polls.set(self.polls.get() + 1);
        match self.steps.pop_front() {
            Some(Poll::Pending) => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Some(Poll::Ready(Some(item))) => Poll::Ready(Some(item)),
            Some(Poll::Ready(None)) | None => {
                self.ended = true;
                Poll::Ready(None)
            }
        }
    }
}

/// Polls once with a no-op waker.
fn poll_once<S: Stream + Unpin>(stream: &mut S) -> Poll<Option<S::Item>> {
    Pin::new(stream).poll_next(&mut Context::from_waker(Waker::noop()))
}

#[zokio::test]
async fn next_and_try_next() {
    let mut numbers = stream::iter([1, 2]);
    assert_eq!(numbers.next().await, Some(1));
    assert_eq!(numbers.next().await, Some(2));
    assert_eq!(numbers.next().await, None);

    let mut results = stream::iter([Ok(1), Err("e"), Ok(2)]);
    assert_eq!(results.try_next().await, Ok(Some(1)));
    assert_eq!(results.try_next().await, Err("e"));
    assert_eq!(results.try_next().await, Ok(Some(2)));
    assert_eq!(results.try_next().await, Ok(None));
}

#[zokio::test]
async fn map_filter_and_friends() {
    let mapped: Vec<String> = stream::iter([1, 2, 3])
        .map(|n| format!("#{n}"))
        .collect()
        .await;
    assert_eq!(mapped, ["#1", "#2", "#3"]);

    let filtered: Vec<i32> = stream::iter(1..=10).filter(|n| n % 3 == 0).collect().await;
    assert_eq!(filtered, [3, 6, 9]);

    let parsed: Vec<i32> = stream::iter(["4", "-", "2", ""])
        .filter_map(|s| s.parse().ok())
        .collect()
        .await;
    assert_eq!(parsed, [4, 2]);

    let then: Vec<i32> = stream::iter([1, 2, 3])
        .then(|n| async move {
            zokio::task::yield_now().await;
            n * 10
        })
        .collect()
        .await;
    assert_eq!(then, [10, 20, 30]);
}

#[zokio::test]
async fn map_while_stops_at_the_first_none_and_polls_no_more() {
    let (script, polls) = Script::items([2, 4, 5, 6]);
    let mut halves = script.map_while(|n: i32| (n % 2 == 0).then_some(n / 2));
    assert_eq!(halves.next().await, Some(1));
    assert_eq!(halves.next().await, Some(2));
    assert_eq!(halves.next().await, None);
    assert_eq!(halves.next().await, None);
    assert_eq!(polls.get(), 3);
    assert_eq!(halves.size_hint(), (0, Some(0)));
}

#[zokio::test]
async fn take_stops_polling_after_n() {
    let (script, polls) = Script::items(1..=100);
    let mut first = script.take(2);
    assert_eq!(first.size_hint(), (0, Some(2)));
    assert_eq!(first.next().await, Some(1));
    assert_eq!(first.next().await, Some(2));
    assert_eq!(first.next().await, None);
    assert_eq!(polls.get(), 2);

    assert_eq!(stream::iter(1..=5).take(10).size_hint(), (5, Some(5)));
    assert_eq!(stream::iter(1..).take(3).size_hint(), (3, Some(3)));
    let none: Vec<i32> = stream::iter(1..=5).take(0).collect().await;
    assert!(none.is_empty());
}

#[zokio::test]
async fn take_while_skip_and_skip_while() {
    let (script, polls) = Script::items([1, 2, 7, 1, 2]);
    let small: Vec<i32> = script.take_while(|n| *n < 5).collect().await;
    assert_eq!(small, [1, 2]);
    assert_eq!(polls.get(), 3, "stops at the first failing item");

    let rest: Vec<i32> = stream::iter(1..=5).skip(2).collect().await;
    assert_eq!(rest, [3, 4, 5]);
    let nothing: Vec<i32> = stream::iter(1..=2).skip(5).collect().await;
    assert!(nothing.is_empty());
    assert_eq!(stream::iter(1..=5).skip(2).size_hint(), (3, Some(3)));

    // Items after the first failing one pass even if they match again.
    let tail: Vec<i32> = stream::iter([1, 2, 7, 1, 2])
        .skip_while(|n| *n < 5)
        .collect()
        .await;
    assert_eq!(tail, [7, 1, 2]);
}

#[zokio::test]
async fn chain_runs_the_second_after_the_first() {
    let (first, first_polls) = Script::items([1, 2]);
    let mut both = first.chain(stream::iter([3, 4]));
    let mut seen = Vec::new();
    while let Some(n) = both.next().await {
        seen.push(n);
    }
    assert_eq!(seen, [1, 2, 3, 4]);
    // The first stream saw one `None` and was not polled again.
    assert_eq!(first_polls.get(), 3);
    assert_eq!(
        stream::iter([1, 2]).chain(stream::iter([3])).size_hint(),
        (3, Some(3))
    );
}

#[zokio::test]
async fn merge_alternates_when_both_are_ready() {
    let merged: Vec<i32> = stream::iter([1, 3, 5, 7, 9])
        .merge(stream::iter([2, 4]))
        .collect()
        .await;
    assert_eq!(merged, [1, 2, 3, 4, 5, 7, 9]);
}

#[zokio::test]
async fn merge_takes_whichever_is_ready_and_ends_after_both() {
    let (a, a_polls) = Script::new([Poll::Pending, Poll::Ready(Some('a')), Poll::Ready(None)]);
    let (b, _) = Script::new([Poll::Ready(Some('b')), Poll::Pending, Poll::Ready(None)]);
    let mut merged = a.merge(b);
    // Poll 1: a first (Pending), then b ('b').
    assert_eq!(poll_once(&mut merged), Poll::Ready(Some('b')));
    // Poll 2: b first (Pending), then a ('a').
    assert_eq!(poll_once(&mut merged), Poll::Ready(Some('a')));
    // Poll 3: a ended, b ended: the end.
    assert_eq!(poll_once(&mut merged), Poll::Ready(None));
    assert_eq!(poll_once(&mut merged), Poll::Ready(None));
    assert_eq!(
        a_polls.get(),
        3,
        "a fused stream is not polled after its end"
    );
}

#[zokio::test]
async fn fuse_never_polls_an_ended_stream_again() {
    let (script, polls) = Script::items([1]);
    let mut fused = script.fuse();
    assert_eq!(fused.next().await, Some(1));
    assert_eq!(fused.next().await, None);
    assert_eq!(fused.next().await, None);
    assert_eq!(polls.get(), 2);
    assert_eq!(fused.size_hint(), (0, Some(0)));
    assert!(futures_core::stream::FusedStream::is_terminated(&fused));
}

#[zokio::test]
async fn all_and_any_stop_early() {
    let mut numbers = stream::iter([2, 4, 5, 6, 8]);
    assert!(!numbers.all(|n| n % 2 == 0).await);
    assert_eq!(numbers.next().await, Some(6), "`all` stopped right after 5");

    let mut numbers = stream::iter([1, 3, 4, 5]);
    assert!(numbers.any(|n| n % 2 == 0).await);
    assert_eq!(numbers.next().await, Some(5), "`any` stopped right after 4");

    assert!(stream::empty::<i32>().all(|_| false).await);
    assert!(!stream::empty::<i32>().any(|_| true).await);
    assert!(stream::iter(0..1000).all(|n| n < 1000).await);
}

#[test]
fn all_yields_after_32_items() {
    let (script, polls) = Script::items(0..100);
    let mut script = script;
    let mut all = std::pin::pin!(script.all(|_| true));
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(all.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(polls.get(), 32);
    assert_eq!(all.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(polls.get(), 64);
    assert_eq!(all.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(all.as_mut().poll(&mut cx), Poll::Ready(true));
}

#[zokio::test]
async fn fold_accumulates_in_order() {
    let text = stream::iter(["a", "b", "c"])
        .fold(String::new(), |mut acc, s| {
            acc.push_str(s);
            acc
        })
        .await;
    assert_eq!(text, "abc");
    assert_eq!(stream::empty::<u8>().fold(7, |_, _| 0).await, 7);
}

#[zokio::test]
async fn collect_into_every_collection() {
    let v: Vec<i32> = stream::iter([3, 1, 2]).collect().await;
    assert_eq!(v, [3, 1, 2]);
    let d: VecDeque<i32> = stream::iter([3, 1, 2]).collect().await;
    assert_eq!(d, [3, 1, 2]);
    let l: LinkedList<i32> = stream::iter([3, 1, 2]).collect().await;
    assert_eq!(l.into_iter().collect::<Vec<_>>(), [3, 1, 2]);
    let b: Box<[i32]> = stream::iter([3, 1, 2]).collect().await;
    assert_eq!(&*b, [3, 1, 2]);
    let s: BTreeSet<i32> = stream::iter([3, 1, 2, 1]).collect().await;
    assert_eq!(s.into_iter().collect::<Vec<_>>(), [1, 2, 3]);
    let h: HashSet<i32> = stream::iter([3, 1, 3]).collect().await;
    assert_eq!(h.len(), 2);
    let heap: BinaryHeap<i32> = stream::iter([3, 1, 2]).collect().await;
    assert_eq!(heap.into_sorted_vec(), [1, 2, 3]);
    let m: BTreeMap<&str, i32> = stream::iter([("b", 2), ("a", 1), ("b", 3)]).collect().await;
    assert_eq!(m.into_iter().collect::<Vec<_>>(), [("a", 1), ("b", 3)]);
    let hm: HashMap<&str, i32> = stream::iter([("x", 1)]).collect().await;
    assert_eq!(hm["x"], 1);
    let text: String = stream::iter(["zo", "k", "io"]).collect().await;
    assert_eq!(text, "zokio");
    let owned: String = stream::iter([String::from("a"), String::from("b")])
        .collect()
        .await;
    assert_eq!(owned, "ab");
    let (): () = stream::iter([(), ()]).collect().await;
}

#[zokio::test]
async fn collect_results_stops_at_the_first_error() {
    let ok: Result<Vec<i32>, String> = stream::iter([Ok(1), Ok(2)]).collect().await;
    assert_eq!(ok, Ok(vec![1, 2]));

    let (script, polls) = Script::items([Ok(1), Err("first"), Ok(3), Err("second")]);
    let failed: Result<Vec<i32>, &str> = script.collect().await;
    assert_eq!(failed, Err("first"));
    assert_eq!(polls.get(), 2, "not polled past the error");

    let nested: Result<String, ()> = stream::iter([Ok("a"), Ok("b")]).collect().await;
    assert_eq!(nested.as_deref(), Ok("ab"));
    let empty: Result<Vec<i32>, ()> = stream::empty().collect().await;
    assert_eq!(empty, Ok(vec![]));
}

#[zokio::test]
async fn peekable_peeks_without_taking() {
    let mut numbers = stream::iter([1, 2]).peekable();
    assert_eq!(numbers.size_hint(), (2, Some(2)));
    assert_eq!(numbers.peek().await, Some(&1));
    assert_eq!(numbers.peek().await, Some(&1));
    assert_eq!(numbers.size_hint(), (2, Some(2)));
    if let Some(first) = numbers.peek_mut().await {
        *first = 10;
    }
    assert_eq!(numbers.next().await, Some(10));
    assert_eq!(numbers.next().await, Some(2));
    assert_eq!(numbers.peek().await, None);
    assert_eq!(numbers.next().await, None);

    // `poll_peek` leaves a pending stream pending, then holds what arrives.
    let (script, polls) = Script::new([Poll::Pending, Poll::Ready(Some(5))]);
    let mut peekable = script.peekable();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(Pin::new(&mut peekable).poll_peek(&mut cx).is_pending());
    assert_eq!(
        Pin::new(&mut peekable).poll_peek(&mut cx),
        Poll::Ready(Some(&mut 5))
    );
    assert_eq!(poll_once(&mut peekable), Poll::Ready(Some(5)));
    assert_eq!(polls.get(), 2);
}

#[zokio::test]
async fn then_runs_one_future_at_a_time() {
    let running = Rc::new(Cell::new(0));
    let most = Rc::new(Cell::new(0));
    let (r, m) = (running.clone(), most.clone());
    let out: Vec<i32> = stream::iter(0..5)
        .then(move |n| {
            let (r, m) = (r.clone(), m.clone());
            async move {
                r.set(r.get() + 1);
                m.set(m.get().max(r.get()));
                zokio::task::yield_now().await;
                r.set(r.get() - 1);
                n
            }
        })
        .collect()
        .await;
    assert_eq!(out, [0, 1, 2, 3, 4]);
    assert_eq!(most.get(), 1);
}

#[test]
fn any_yields_after_32_items() {
    let (script, polls) = Script::items(0..100);
    let mut script = script;
    let mut any = std::pin::pin!(script.any(|n| n == 70));
    let mut cx = Context::from_waker(Waker::noop());
    // A stream that is always ready does not hold the task: `any` yields after each 32 items.
    assert_eq!(any.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(polls.get(), 32);
    assert_eq!(any.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(polls.get(), 64);
    assert_eq!(any.as_mut().poll(&mut cx), Poll::Ready(true));
    assert_eq!(polls.get(), 71, "not polled past the match");
}

#[test]
fn adapters_debug_show_their_state() {
    let empty = stream::empty::<u8>;
    assert_eq!(format!("{:?}", empty().map(|n| n)), "Map { stream: Empty }");
    assert_eq!(
        format!("{:?}", empty().map_while(Some)),
        "MapWhile { stream: Empty, done: false }"
    );
    assert_eq!(
        format!("{:?}", empty().then(std::future::ready)),
        "Then { stream: Empty, running: false }"
    );
    assert_eq!(
        format!("{:?}", empty().filter(|_| true)),
        "Filter { stream: Empty }"
    );
    assert_eq!(
        format!("{:?}", empty().filter_map(Some)),
        "FilterMap { stream: Empty }"
    );
    assert_eq!(
        format!("{:?}", empty().take_while(|_| true)),
        "TakeWhile { stream: Empty, done: false }"
    );
    assert_eq!(
        format!("{:?}", empty().skip_while(|_| true)),
        "SkipWhile { stream: Empty, skipping: true }"
    );
    assert_eq!(
        format!("{:?}", empty().peekable()),
        "Peekable { stream: Fuse { stream: Some(Empty) }, peeked: None }"
    );
    assert_eq!(
        format!("{:?}", empty().collect::<Vec<u8>>()),
        "Collect { stream: Empty, partial: Some([]) }"
    );

    // The state changes show: a map_while that ended, a then with a future running, a peeked item,
    // a skip_while done skipping.
    let mut ended = stream::iter([0u8]).map_while(|_| None::<u8>);
    assert_eq!(poll_once(&mut ended), Poll::Ready(None));
    assert!(format!("{ended:?}").ends_with("done: true }"));
    let mut running = stream::iter([1u8]).then(|_| std::future::pending::<u8>());
    assert_eq!(poll_once(&mut running), Poll::Pending);
    assert!(format!("{running:?}").ends_with("running: true }"));
    let mut peeked = stream::iter([5u8]).peekable();
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(
        Pin::new(&mut peeked).poll_peek(&mut cx),
        Poll::Ready(Some(&mut 5))
    );
    assert!(format!("{peeked:?}").ends_with("peeked: Some(5) }"));
    let mut skipped = stream::iter([1u8, 9]).skip_while(|n| *n < 5);
    assert_eq!(poll_once(&mut skipped), Poll::Ready(Some(9)));
    assert!(format!("{skipped:?}").ends_with("skipping: false }"));
}
