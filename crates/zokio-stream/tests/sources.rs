//! `iter`, `once`, `empty`, `pending`, `StreamNotifyClose` and `StreamMap`.

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use zokio_stream::{self as stream, Stream, StreamExt, StreamMap, StreamNotifyClose};

/// Counts wake-ups.
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[zokio::test]
async fn iter_once_empty() {
    let mut numbers = stream::iter(vec![1, 2, 3]);
    assert_eq!(numbers.size_hint(), (3, Some(3)));
    assert_eq!(numbers.next().await, Some(1));
    assert_eq!(numbers.size_hint(), (2, Some(2)));
    let rest: Vec<i32> = numbers.collect().await;
    assert_eq!(rest, [2, 3]);

    let mut one = stream::once("x");
    assert_eq!(one.size_hint(), (1, Some(1)));
    assert_eq!(one.next().await, Some("x"));
    assert_eq!(one.next().await, None);
    assert_eq!(one.size_hint(), (0, Some(0)));

    let mut none = stream::empty::<String>();
    assert_eq!(none.size_hint(), (0, Some(0)));
    assert_eq!(none.next().await, None);
    assert_eq!(none.next().await, None);
}

#[test]
fn iter_outside_zokio_yields_every_32_items() {
    let waker = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker_handle = Waker::from(waker.clone());
    let mut cx = Context::from_waker(&waker_handle);
    let mut numbers = stream::iter(0..100);
    let mut got = Vec::new();
    let mut pendings = 0;
    loop {
        match Pin::new(&mut numbers).poll_next(&mut cx) {
            Poll::Ready(Some(n)) => got.push(n),
            Poll::Ready(None) => break,
            Poll::Pending => {
                // Only after a full turn, and the stream woke itself.
                assert_eq!(got.len() % 32, 0);
                pendings += 1;
                assert_eq!(waker.0.load(Ordering::Relaxed), pendings);
            }
        }
    }
    assert_eq!(got, (0..100).collect::<Vec<_>>());
    assert_eq!(pendings, 3);
}

#[zokio::test]
async fn iter_in_a_zokio_task_lets_other_tasks_run() {
    let other_ran = Arc::new(AtomicBool::new(false));
    let flag = other_ran.clone();
    zokio::spawn(async move { flag.store(true, Ordering::Relaxed) });
    // On the current-thread runtime the spawned task only runs when this one yields; a long
    // ready stream must yield when the cooperative budget runs out.
    let mut numbers = stream::iter(0..10_000);
    let mut seen_before_other = 0;
    while let Some(_n) = numbers.next().await {
        if other_ran.load(Ordering::Relaxed) {
            break;
        }
        seen_before_other += 1;
    }
    assert!(other_ran.load(Ordering::Relaxed));
    assert!(seen_before_other < 10_000, "{seen_before_other}");
}

#[zokio::test(start_paused = true)]
async fn pending_never_yields() {
    let mut never = stream::pending::<u8>();
    assert_eq!(never.size_hint(), (0, None));
    let waited = zokio::time::timeout(Duration::from_secs(5), never.next()).await;
    assert!(waited.is_err());
}

#[zokio::test]
async fn notify_close_reports_the_end_once() {
    let mut noisy = StreamNotifyClose::new(stream::iter([1, 2]));
    assert_eq!(noisy.size_hint(), (3, Some(3)));
    assert_eq!(noisy.next().await, Some(Some(1)));
    assert_eq!(noisy.next().await, Some(Some(2)));
    assert_eq!(noisy.next().await, Some(None));
    assert_eq!(noisy.next().await, None);
    assert!(noisy.into_inner().is_none());
    let fresh = StreamNotifyClose::new(stream::iter([1]));
    assert!(fresh.into_inner().is_some());
}

#[zokio::test]
async fn stream_map_basics() {
    let mut map = StreamMap::new();
    assert!(map.is_empty());
    assert!(map.insert("a", stream::iter(vec![1, 2])).is_none());
    assert!(map.insert("b", stream::iter(vec![10])).is_none());
    // Replacing returns the old stream.
    let old = map.insert("b", stream::iter(vec![20, 30]));
    assert_eq!(old.unwrap().collect::<Vec<_>>().await, [10]);
    assert_eq!(map.len(), 2);
    assert!(map.contains_key("a"));
    assert!(!map.contains_key("c"));
    let mut keys: Vec<_> = map.keys().copied().collect();
    keys.sort();
    assert_eq!(keys, ["a", "b"]);
    assert_eq!(map.values().count(), 2);
    assert_eq!(map.values_mut().count(), 2);
    assert_eq!(map.iter().count(), 2);
    assert_eq!(map.iter_mut().count(), 2);
    assert_eq!(map.size_hint(), (4, Some(4)));

    let mut seen: Vec<(&str, i32)> = Vec::new();
    while let Some(entry) = map.next().await {
        seen.push(entry);
    }
    // Order within one key is kept.
    let a: Vec<i32> = seen
        .iter()
        .filter(|(k, _)| *k == "a")
        .map(|(_, n)| *n)
        .collect();
    let b: Vec<i32> = seen
        .iter()
        .filter(|(k, _)| *k == "b")
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(a, [1, 2]);
    assert_eq!(b, [20, 30]);
    assert!(map.is_empty(), "ended streams are removed");

    let mut map: StreamMap<u8, _> = (0..3).map(|k| (k, stream::iter(vec![k]))).collect();
    assert!(map.remove(&1).is_some());
    assert!(map.remove(&1).is_none());
    map.extend([(9, stream::iter(vec![9]))]);
    let mut items: Vec<(u8, u8)> = map.collect().await;
    items.sort();
    assert_eq!(items, [(0, 0), (2, 2), (9, 9)]);

    let mut cleared = StreamMap::with_capacity(4);
    assert!(cleared.capacity() >= 4);
    cleared.insert(1, stream::pending::<()>());
    cleared.clear();
    assert_eq!(cleared.next().await, None);
}

#[zokio::test]
async fn stream_map_is_fair_to_always_ready_streams() {
    let mut map = StreamMap::new();
    for key in 0..4 {
        map.insert(key, stream::iter(std::iter::repeat(key)));
    }
    let mut counts = [0usize; 4];
    for _ in 0..400 {
        let (key, item) = map.next().await.unwrap();
        assert_eq!(key, item);
        counts[key] += 1;
    }
    assert_eq!(counts, [100; 4], "each poll starts at the next stream");
}

/// A stream that ends after a given number of pending polls, counting its polls.
struct EndsAfter {
    pendings: usize,
    polls: Rc<Cell<usize>>,
}

impl Stream for EndsAfter {
    type Item = ();

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.polls.set(self.polls.get() + 1);
        if self.pendings == 0 {
            return Poll::Ready(None);
        }
        self.pendings -= 1;
        Poll::Pending
    }
}

#[test]
fn stream_map_polls_each_stream_once_per_poll_while_removing_ended_ones() {
    // Every mix of ending and pending streams, from every start position: each stream is polled
    // exactly once per map poll, and the ended ones leave the map.
    for len in 1..=5usize {
        for ending_mask in 0u32..(1 << len) {
            for rotation in 0..len {
                let mut map = StreamMap::new();
                let counters: Vec<_> = (0..len).map(|_| Rc::new(Cell::new(0))).collect();
                for (key, polls) in counters.iter().enumerate() {
                    let ends = ending_mask & (1 << key) != 0;
                    map.insert(
                        key,
                        EndsAfter {
                            // The ending ones end at the poll after the `rotation` warm-up polls.
                            pendings: if ends { rotation } else { usize::MAX },
                            polls: polls.clone(),
                        },
                    );
                }
                let mut cx = Context::from_waker(Waker::noop());
                // Warm-up polls move the rotating start; nothing ends yet.
                for _ in 0..rotation {
                    assert_eq!(Pin::new(&mut map).poll_next(&mut cx), Poll::Pending);
                }
                for polls in &counters {
                    assert_eq!(polls.get(), rotation);
                    polls.set(0);
                }
                let result = Pin::new(&mut map).poll_next(&mut cx);
                for (key, polls) in counters.iter().enumerate() {
                    assert_eq!(
                        polls.get(),
                        1,
                        "len {len} mask {ending_mask:b} rotation {rotation} key {key}"
                    );
                }
                let ended = ending_mask.count_ones() as usize;
                assert_eq!(map.len(), len - ended);
                let mut left: Vec<usize> = map.keys().copied().collect();
                left.sort();
                let expected: Vec<usize> =
                    (0..len).filter(|k| ending_mask & (1 << k) == 0).collect();
                assert_eq!(left, expected);
                if ended == len {
                    assert_eq!(result, Poll::Ready(None));
                } else {
                    assert_eq!(result, Poll::Pending);
                }
            }
        }
    }
}

#[zokio::test]
async fn stream_map_next_many() {
    let mut map = StreamMap::new();
    map.insert("x", stream::iter(vec![1, 2, 3]));
    let mut buffer = Vec::new();
    assert_eq!(map.next_many(&mut buffer, 2).await, 2);
    assert_eq!(buffer, [("x", 1), ("x", 2)]);
    assert_eq!(map.next_many(&mut buffer, 0).await, 0);
    assert_eq!(map.next_many(&mut buffer, 10).await, 1);
    assert_eq!(buffer, [("x", 1), ("x", 2), ("x", 3)]);
    assert_eq!(map.next_many(&mut buffer, 10).await, 0, "empty map");
}

#[zokio::test]
async fn stream_map_with_notify_close_sees_each_end() {
    let mut map = StreamMap::new();
    map.insert(1, StreamNotifyClose::new(stream::iter(vec!['a'])));
    map.insert(2, StreamNotifyClose::new(stream::iter(vec![])));
    let mut events: Vec<(i32, Option<char>)> = map.collect().await;
    events.sort();
    assert_eq!(events, [(1, None), (1, Some('a')), (2, None)]);
}
