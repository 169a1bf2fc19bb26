//! Everything here is a `futures_core::Stream`: `futures::StreamExt` works on zokio-stream's
//! streams and wrappers, and `zokio_stream::StreamExt` works on `futures` streams.

use std::time::Duration;

use zokio::sync::{broadcast, mpsc, watch};
use zokio_stream::wrappers::{
    BroadcastStream, IntervalStream, ReceiverStream, UnboundedReceiverStream, WatchStream,
};

#[zokio::test(start_paused = true)]
async fn futures_stream_ext_on_the_wrappers() {
    use futures_util::StreamExt as _;

    let (tx, rx) = mpsc::channel(4);
    tx.send(1).await.unwrap();
    tx.send(2).await.unwrap();
    drop(tx);
    let doubled: Vec<i32> = ReceiverStream::new(rx).map(|n| n * 2).collect().await;
    assert_eq!(doubled, [2, 4]);

    let (tx, rx) = mpsc::unbounded_channel();
    tx.send("a").unwrap();
    drop(tx);
    let mut stream = UnboundedReceiverStream::new(rx);
    assert_eq!(stream.next().await, Some("a"));
    assert_eq!(stream.next().await, None);

    let (tx, rx) = broadcast::channel(4);
    tx.send(5).unwrap();
    drop(tx);
    let items: Vec<_> = BroadcastStream::new(rx).collect().await;
    assert_eq!(items, [Ok(5)]);

    let (tx, rx) = watch::channel(1);
    let mut watched = WatchStream::new(rx);
    assert_eq!(watched.next().await, Some(1));
    tx.send(2).unwrap();
    assert_eq!(watched.next().await, Some(2));

    let ticks = IntervalStream::new(zokio::time::interval(Duration::from_millis(10)));
    assert_eq!(ticks.take(3).count().await, 3);

    // `futures`' own combinators mix with ours.
    let (tx_a, rx_a) = mpsc::unbounded_channel();
    let (tx_b, rx_b) = mpsc::unbounded_channel();
    tx_a.send(1).unwrap();
    tx_b.send(2).unwrap();
    drop((tx_a, tx_b));
    let mut both: Vec<i32> = futures_util::stream::select(
        UnboundedReceiverStream::new(rx_a),
        UnboundedReceiverStream::new(rx_b),
    )
    .collect()
    .await;
    both.sort();
    assert_eq!(both, [1, 2]);
}

#[zokio::test(start_paused = true)]
async fn futures_stream_ext_on_zokio_stream_adapters() {
    use futures_util::StreamExt as _;

    let evens: Vec<i32> = zokio_stream::iter(1..=6)
        .filter(|n| std::future::ready(n % 2 == 0))
        .collect()
        .await;
    assert_eq!(evens, [2, 4, 6]);

    // A zokio-stream adapter, driven by `futures`' `next`.
    let mut chunks = Box::pin(zokio_stream::StreamExt::chunks_timeout(
        zokio_stream::iter(1..=3),
        2,
        Duration::from_secs(1),
    ));
    assert_eq!(chunks.next().await, Some(vec![1, 2]));
    assert_eq!(chunks.next().await, Some(vec![3]));
    assert_eq!(chunks.next().await, None);

    let merged =
        zokio_stream::StreamExt::merge(zokio_stream::iter([1, 3]), zokio_stream::iter([2]));
    assert_eq!(merged.collect::<Vec<_>>().await, [1, 2, 3]);
}

#[zokio::test]
async fn zokio_stream_ext_on_futures_streams() {
    use zokio_stream::StreamExt as _;

    let counted = futures_util::stream::unfold(0, |n| async move { (n < 3).then_some((n, n + 1)) });
    let mut counted = std::pin::pin!(counted);
    assert_eq!(counted.next().await, Some(0));
    let rest: Vec<i32> = counted.map(|n| n * 10).collect().await;
    assert_eq!(rest, [10, 20]);

    let repeated: Vec<u8> = futures_util::stream::repeat(7).take(3).collect().await;
    assert_eq!(repeated, [7, 7, 7]);
}

#[zokio::test]
async fn both_traits_by_path() {
    let mut numbers = zokio_stream::iter([1, 2]);
    assert_eq!(zokio_stream::StreamExt::next(&mut numbers).await, Some(1));
    assert_eq!(futures_util::StreamExt::next(&mut numbers).await, Some(2));
}
