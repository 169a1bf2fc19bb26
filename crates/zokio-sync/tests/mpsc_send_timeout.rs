//! `mpsc::Sender::send_timeout`: on every executor (through the fallback timer), on zokio's own
//! timer, and under zokio's paused time.
#![cfg(not(loom))]

mod common;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use common::{Exec, poll_once, yield_n};
use zokio_sync::mpsc;
use zokio_sync::mpsc::error::SendTimeoutError;

/// Counts drops, so that a test can tell a value came back instead of being dropped.
struct Counted(Arc<AtomicUsize>, u32);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn times_out_with_the_value_when_full<E: Exec>() {
    E::block_on(async {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(Counted(drops.clone(), 1)).await.unwrap();
        let start = Instant::now();
        let err = tx
            .send_timeout(Counted(drops.clone(), 2), Duration::from_millis(50))
            .await
            .unwrap_err();
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(50),
            "timed out after {waited:?}"
        );
        assert!(
            waited < Duration::from_secs(30),
            "timed out after {waited:?}"
        );
        let SendTimeoutError::Timeout(value) = err else {
            panic!("expected Timeout, got {err:?}");
        };
        assert_eq!(value.1, 2);
        assert_eq!(drops.load(Ordering::SeqCst), 0, "nothing dropped yet");
        drop(value);
        // The timed-out sender left the queue: the slot freed by `recv` goes to the next sender.
        assert_eq!(rx.recv().await.map(|c| c.1), Some(1));
        assert_eq!(tx.capacity(), 1);
        tx.send_timeout(Counted(drops.clone(), 3), Duration::from_millis(50))
            .await
            .unwrap();
        assert_eq!(rx.recv().await.map(|c| c.1), Some(3));
        assert_eq!(drops.load(Ordering::SeqCst), 3);
    });
}

fn succeeds_when_space_frees_before_the_deadline<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(1).await.unwrap();
        let receiver = E::spawn(async move {
            let mut got = Vec::new();
            while let Some(value) = rx.recv().await {
                got.push(value);
            }
            got
        });
        let start = Instant::now();
        tx.send_timeout(2, Duration::from_secs(60)).await.unwrap();
        tx.send_timeout(3, Duration::from_secs(60)).await.unwrap();
        assert!(start.elapsed() < Duration::from_secs(30));
        drop(tx);
        assert_eq!(receiver.await, vec![1, 2, 3]);
    });
}

fn closed_gives_the_value_back<E: Exec>() {
    E::block_on(async {
        let (tx, rx) = mpsc::channel::<String>(1);
        drop(rx);
        let err = tx
            .send_timeout(String::from("a"), Duration::from_secs(60))
            .await
            .unwrap_err();
        assert_eq!(err, SendTimeoutError::Closed(String::from("a")));
        assert_eq!(err.to_string(), "channel closed");
        assert_eq!(err.into_inner(), "a");
    });
}

fn waiting_sender_sees_the_receiver_close<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(1).await.unwrap();
        let sender = E::spawn(async move { tx.send_timeout(2, Duration::from_secs(60)).await });
        // However far the sender got, closing the receiver must end its wait with `Closed`.
        yield_n(10).await;
        rx.close();
        let start = Instant::now();
        assert_eq!(sender.await, Err(SendTimeoutError::Closed(2)));
        assert!(start.elapsed() < Duration::from_secs(30));
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, None);
    });
}

fn zero_timeout_sends_only_with_room<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send_timeout(1, Duration::ZERO).await.unwrap();
        assert_eq!(
            tx.send_timeout(2, Duration::ZERO).await,
            Err(SendTimeoutError::Timeout(2))
        );
        // A huge timeout must not overflow the deadline computation; room makes it succeed.
        assert_eq!(rx.recv().await, Some(1));
        tx.send_timeout(3, Duration::MAX).await.unwrap();
        assert_eq!(rx.recv().await, Some(3));
    });
}

exec_tests!(
    times_out_with_the_value_when_full,
    succeeds_when_space_frees_before_the_deadline,
    closed_gives_the_value_back,
    waiting_sender_sees_the_receiver_close,
    zero_timeout_sends_only_with_room,
);

#[test]
fn error_formats_like_tokio() {
    let timeout = SendTimeoutError::Timeout(5);
    assert_eq!(timeout.to_string(), "timed out waiting on send operation");
    assert_eq!(format!("{timeout:?}"), "Timeout(..)");
    assert_eq!(format!("{:?}", SendTimeoutError::Closed(5)), "Closed(..)");
    let boxed: Box<dyn std::error::Error> = Box::new(SendTimeoutError::Closed(()));
    assert_eq!(boxed.to_string(), "channel closed");
    assert_eq!(timeout.into_inner(), 5);
}

/// A dropped `send_timeout` future gives up its place: the next queued sender gets the slot.
#[test]
fn dropped_future_passes_its_turn() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    let mut first = Box::pin(tx.send_timeout(2, Duration::from_secs(60)));
    // `Duration::MAX` overflows `Instant`: the wait must start without panicking.
    let mut second = Box::pin(tx.send_timeout(3, Duration::MAX));
    assert!(poll_once(&mut first).is_none());
    assert!(poll_once(&mut second).is_none());
    drop(first);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(poll_once(&mut second), Some(Ok(())));
    assert_eq!(rx.try_recv(), Ok(3));
    assert!(rx.try_recv().is_err(), "the dropped future sent nothing");
}

#[test]
fn spends_the_coop_budget_like_send() {
    let (tx, mut rx) = mpsc::channel(4);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    zokio_coop::with_budget(zokio_coop::Budget::units(1), || {
        let mut first = Box::pin(tx.send_timeout(1, Duration::from_secs(60)));
        assert_eq!(first.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
        let mut second = Box::pin(tx.send_timeout(2, Duration::from_secs(60)));
        assert!(second.as_mut().poll(&mut cx).is_pending(), "budget spent");
    });
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(rx.try_recv().is_err());
}

/// Inside a zokio runtime with the time driver, the wait runs on zokio's timer.
#[test]
fn times_out_on_zokio_timer() {
    let runtime = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (tx, _rx) = mpsc::channel(1);
        tx.send(1).await.unwrap();
        let start = zokio::time::Instant::now();
        let err = tx.send_timeout(2, Duration::from_millis(30)).await;
        assert_eq!(err, Err(SendTimeoutError::Timeout(2)));
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(30),
            "timed out after {waited:?}"
        );
        assert!(
            waited < Duration::from_secs(30),
            "timed out after {waited:?}"
        );
    });
}

/// With zokio's clock paused the timeout passes in virtual time: exactly the requested duration,
/// without waiting for it in real time.
#[test]
fn paused_time_times_out_after_exactly_the_virtual_duration() {
    let runtime = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let real_start = Instant::now();
    runtime.block_on(async {
        zokio::time::pause();
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(1).await.unwrap();
        let start = zokio::time::Instant::now();
        let err = tx.send_timeout(2, Duration::from_secs(3600)).await;
        assert_eq!(err, Err(SendTimeoutError::Timeout(2)));
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
        // Space freed before the (virtual) deadline: the send goes through without the clock
        // moving.
        let receiver = zokio::spawn(async move {
            zokio::time::sleep(Duration::from_secs(5)).await;
            let first = rx.recv().await;
            (first, rx.recv().await)
        });
        let start = zokio::time::Instant::now();
        tx.send_timeout(3, Duration::from_secs(10)).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert_eq!(receiver.await.unwrap(), (Some(1), Some(3)));
    });
    assert!(real_start.elapsed() < Duration::from_secs(60));
}
