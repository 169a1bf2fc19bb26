//! The time combinators, on paused time: exact instants, exact items.

use std::time::Duration;

use zokio::sync::mpsc;
use zokio::time::{Instant, advance, interval, interval_at, sleep};
use zokio_stream::wrappers::{IntervalStream, UnboundedReceiverStream};
use zokio_stream::{self as stream, Elapsed, Stream, StreamExt};

const MS: Duration = Duration::from_millis(1);

/// Sends `(at, value)` pairs at those offsets from now, from a spawned task; the stream ends after
/// the last one.
fn scheduled<T: Send + 'static>(plan: Vec<(u64, T)>) -> impl Stream<Item = T> {
    let (tx, rx) = mpsc::unbounded_channel();
    let start = Instant::now();
    zokio::spawn(async move {
        for (at, value) in plan {
            zokio::time::sleep_until(start + MS * at as u32).await;
            tx.send(value).unwrap();
        }
    });
    UnboundedReceiverStream::new(rx)
}

/// Milliseconds since `start`.
fn since(start: Instant) -> u128 {
    start.elapsed().as_millis()
}

#[zokio::test(start_paused = true)]
async fn timeout_reports_each_silence_once() {
    let start = Instant::now();
    let items = scheduled(vec![(10, 'a'), (150, 'b'), (160, 'c'), (500, 'd')]);
    let mut timed = std::pin::pin!(items.timeout(100 * MS));
    let mut log = Vec::new();
    while let Some(item) = timed.next().await {
        // `None` for an `Elapsed` error.
        log.push((since(start), item.ok()));
    }
    assert_eq!(
        log,
        [
            (10, Some('a')),
            (110, None),
            (150, Some('b')),
            (160, Some('c')),
            (260, None),
            (500, Some('d')),
        ]
    );
}

#[zokio::test(start_paused = true)]
async fn timeout_passes_items_and_ends_with_the_stream() {
    let fast: Vec<_> = stream::iter(1..=3).timeout(MS).collect().await;
    assert_eq!(fast, [Ok(1), Ok(2), Ok(3)]);
    let elapsed: Elapsed = stream::pending::<()>()
        .timeout(MS)
        .next()
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(elapsed.to_string(), "deadline has elapsed");
    let err: std::io::Error = elapsed.into();
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    assert_eq!(stream::iter(0..4).timeout(MS).size_hint(), (4, Some(9)));
}

#[zokio::test(start_paused = true)]
async fn timeout_repeating_reports_every_tick_of_silence() {
    let start = Instant::now();
    let period = 100 * MS;
    // Never ends: silence after 'b'.
    let items = scheduled(vec![(250, 'a'), (300, 'b')]).chain(stream::pending());
    let timed = items.timeout_repeating(interval_at(start + period, period));
    let mut timed = std::pin::pin!(timed);
    let mut log = Vec::new();
    while let Some(item) = timed.next().await {
        log.push((since(start), item.is_ok()));
        if log.len() == 6 {
            break;
        }
    }
    // Ticks at 100 and 200; 'a' at 250 resets the interval (next tick 350), 'b' at 300 resets it
    // again (next tick 400, then 500, ...).
    assert_eq!(
        log,
        [
            (100, false),
            (200, false),
            (250, true),
            (300, true),
            (400, false),
            (500, false),
        ]
    );
}

#[zokio::test(start_paused = true)]
async fn throttle_spaces_items() {
    let start = Instant::now();
    let mut throttled = std::pin::pin!(stream::iter(1..=3).throttle(50 * MS));
    let mut log = Vec::new();
    while let Some(n) = throttled.next().await {
        log.push((since(start), n));
    }
    assert_eq!(log, [(0, 1), (50, 2), (100, 3)]);
    // The end is seen after one more pause.
    assert_eq!(since(start), 150);
}

#[zokio::test(start_paused = true)]
async fn throttle_does_not_delay_items_that_come_slowly() {
    let start = Instant::now();
    let items = scheduled(vec![(100, 1), (300, 2)]);
    let mut throttled = std::pin::pin!(items.throttle(50 * MS));
    assert_eq!(throttled.next().await, Some(1));
    assert_eq!(since(start), 100);
    assert_eq!(throttled.next().await, Some(2));
    assert_eq!(since(start), 300);
}

#[zokio::test(start_paused = true)]
async fn throttle_of_zero_passes_everything_at_once() {
    let start = Instant::now();
    let all: Vec<i32> = stream::iter(1..=5).throttle(Duration::ZERO).collect().await;
    assert_eq!(all, [1, 2, 3, 4, 5]);
    assert_eq!(since(start), 0);
    let mut throttled = stream::iter([1]).throttle(MS);
    assert_eq!(throttled.get_ref().size_hint(), (1, Some(1)));
    assert_eq!(throttled.get_mut().size_hint(), (1, Some(1)));
    assert_eq!(throttled.into_inner().size_hint(), (1, Some(1)));
}

#[zokio::test(start_paused = true)]
async fn chunks_timeout_by_size_by_time_and_at_the_end() {
    let start = Instant::now();
    let items = scheduled(vec![
        (0, 1),
        (0, 2),
        (0, 3),
        (10, 4),
        (200, 5),
        (250, 6),
        (260, 7),
    ]);
    let mut chunks = std::pin::pin!(items.chunks_timeout(3, 100 * MS));
    let mut log = Vec::new();
    while let Some(chunk) = chunks.next().await {
        log.push((since(start), chunk));
    }
    assert_eq!(
        log,
        [
            (0, vec![1, 2, 3]), // full
            (110, vec![4]),     // 100 ms after its first item
            (260, vec![5, 6, 7]),
        ]
    );
}

#[zokio::test(start_paused = true)]
async fn chunks_timeout_flushes_the_partial_chunk_when_the_stream_ends() {
    let start = Instant::now();
    let chunks: Vec<Vec<i32>> = stream::iter(1..=5)
        .chunks_timeout(2, Duration::from_secs(60))
        .collect()
        .await;
    assert_eq!(chunks, [vec![1, 2], vec![3, 4], vec![5]]);
    assert_eq!(since(start), 0);

    let none: Vec<Vec<i32>> = stream::empty().chunks_timeout(2, MS).collect().await;
    assert!(none.is_empty(), "no empty chunk");
}

#[zokio::test(start_paused = true)]
async fn chunks_timeout_into_remainder() {
    let items = scheduled(vec![(0, 1), (1000, 2)]);
    let mut chunks = std::pin::pin!(items.chunks_timeout(5, Duration::from_secs(10)));
    // The first item is buffered, the chunk is not due yet.
    assert!(zokio::time::timeout(100 * MS, chunks.next()).await.is_err());
    assert_eq!(chunks.as_mut().into_remainder(), [1]);
}

#[test]
#[should_panic(expected = "`max_size` must be non-zero")]
fn chunks_timeout_of_zero_panics() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let _ = stream::iter([1]).chunks_timeout(0, MS);
    });
}

#[zokio::test(start_paused = true)]
async fn interval_stream_ticks_on_schedule() {
    let start = Instant::now();
    let mut ticks = IntervalStream::new(interval(100 * MS));
    assert_eq!(ticks.size_hint(), (usize::MAX, None));
    assert_eq!(ticks.next().await, Some(start));
    assert_eq!(ticks.next().await, Some(start + 100 * MS));
    assert_eq!(since(start), 100);
    // A missed tick fires at once (the default behaviour is `Burst`).
    advance(250 * MS).await;
    assert_eq!(ticks.next().await, Some(start + 200 * MS));
    assert_eq!(ticks.as_ref().period(), 100 * MS);
    ticks.as_mut().reset();
    let interval = ticks.into_inner();
    assert_eq!(interval.period(), 100 * MS);
}

#[zokio::test(start_paused = true)]
async fn time_combinators_follow_advance() {
    // With a task that is not idle, time moves only by `advance`.
    let mut timed = std::pin::pin!(stream::pending::<()>().timeout(Duration::from_secs(1)));
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    assert!(timed.as_mut().poll_next(&mut cx).is_pending());
    advance(Duration::from_millis(999)).await;
    assert!(timed.as_mut().poll_next(&mut cx).is_pending());
    advance(MS).await;
    assert!(matches!(
        timed.as_mut().poll_next(&mut cx),
        std::task::Poll::Ready(Some(Err(Elapsed { .. })))
    ));
    // Reported once per silence.
    sleep(Duration::from_secs(5)).await;
    assert!(timed.as_mut().poll_next(&mut cx).is_pending());
}

#[zokio::test(start_paused = true)]
async fn time_adapters_end_with_their_stream_and_expose_it() {
    use futures_util::stream::FusedStream;

    let mut timed = stream::iter([1]).timeout(Duration::from_secs(1));
    assert!(!timed.is_terminated());
    assert_eq!(timed.next().await, Some(Ok(1)));
    assert_eq!(timed.next().await, None);
    assert!(timed.is_terminated());

    let mut repeating = stream::iter([1, 2]).timeout_repeating(interval(100 * MS));
    // Any number of `Elapsed` may come between the items.
    assert_eq!(repeating.size_hint(), (2, None));
    assert!(!repeating.is_terminated());
    assert_eq!(repeating.next().await, Some(Ok(1)));
    assert_eq!(repeating.next().await, Some(Ok(2)));
    assert_eq!(repeating.next().await, None);
    assert!(repeating.is_terminated());

    let mut chunks = std::pin::pin!(stream::iter([1, 2, 3]).chunks_timeout(2, 10 * MS));
    let debug = format!("{chunks:?}");
    assert!(debug.starts_with("ChunksTimeout { stream: Fuse"), "{debug}");
    assert!(
        debug.ends_with("duration: 10ms, items: [], max_size: 2 }"),
        "{debug}"
    );
    assert!(!chunks.is_terminated());
    assert_eq!(chunks.next().await, Some(vec![1, 2]));
    assert_eq!(chunks.next().await, Some(vec![3]));
    assert_eq!(chunks.next().await, None);
    assert!(chunks.is_terminated());

    // The throttled stream, pinned, is the very inner stream: an item taken through it bypasses
    // the throttle and is not seen again.
    let mut throttled = std::pin::pin!(stream::iter([1, 2, 3]).throttle(100 * MS));
    assert_eq!(throttled.as_mut().get_pin_mut().next().await, Some(1));
    let start = Instant::now();
    assert_eq!(throttled.next().await, Some(2));
    assert_eq!(
        since(start),
        0,
        "the first item through the throttle is not delayed"
    );
    assert_eq!(throttled.next().await, Some(3));
    assert_eq!(since(start), 100);

    let ticks = IntervalStream::new(interval(MS));
    assert!(!ticks.is_terminated(), "an interval never ends");
}
