//! `time::timeout` and `time::timeout_at`: the deadline, the output, and what cancellation drops.

mod support;

use std::future::Future;
use std::time::Duration;

use support::DropCounter;
use zokio::time::{self, Instant};

#[zokio::test(start_paused = true)]
async fn timeout_at_fails_at_the_deadline_and_drops_the_future() {
    let drops = DropCounter::default();
    let token = drops.token();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(10);
    let outcome = time::timeout_at(deadline, async move {
        let _token = token;
        std::future::pending::<()>().await
    })
    .await;
    let elapsed = outcome.unwrap_err();
    assert_eq!(elapsed.to_string(), "deadline has elapsed");
    assert_eq!(
        Instant::now(),
        deadline,
        "the paused clock jumped to the deadline"
    );
    assert_eq!(drops.count(), 1);
}

#[zokio::test(start_paused = true)]
async fn timeout_at_returns_the_output_of_a_future_done_in_time() {
    let deadline = Instant::now() + Duration::from_secs(10);
    let output = time::timeout_at(deadline, async {
        time::sleep(Duration::from_secs(9)).await;
        "in time"
    })
    .await;
    assert_eq!(output.unwrap(), "in time");
    assert!(Instant::now() < deadline);
}

#[zokio::test(start_paused = true)]
async fn a_deadline_already_past_still_polls_a_ready_future_first() {
    let past = Instant::now();
    time::advance(Duration::from_secs(1)).await;
    assert_eq!(time::timeout_at(past, async { 7 }).await.unwrap(), 7);
    assert!(
        time::timeout_at(past, std::future::pending::<()>())
            .await
            .is_err()
    );
}

#[zokio::test(start_paused = true)]
async fn dropping_a_timeout_drops_its_future() {
    let drops = DropCounter::default();
    let token = drops.token();
    let mut timeout = Box::pin(time::timeout(Duration::from_secs(5), async move {
        let _token = token;
        std::future::pending::<()>().await
    }));
    // Polled once: the inner future runs and the timer is armed.
    let first =
        std::future::poll_fn(|cx| std::task::Poll::Ready(timeout.as_mut().poll(cx).is_pending()))
            .await;
    assert!(first);
    drop(timeout);
    assert_eq!(drops.count(), 1);
}

#[zokio::test]
async fn timeout_accepts_into_future() {
    struct Answer;
    impl std::future::IntoFuture for Answer {
        type Output = u32;
        type IntoFuture = std::future::Ready<u32>;
        fn into_future(self) -> Self::IntoFuture {
            std::future::ready(42)
        }
    }
    assert_eq!(
        time::timeout(Duration::from_secs(1), Answer).await.unwrap(),
        42
    );
    let deadline = Instant::now() + Duration::from_secs(1);
    assert_eq!(time::timeout_at(deadline, Answer).await.unwrap(), 42);
}

/// zokio-sync's own timed waits (`send_timeout`) run on the runtime's clock, paused time included.
#[zokio::test(start_paused = true)]
async fn sync_timeouts_follow_the_paused_clock() {
    use zokio::sync::mpsc::{self, error::SendTimeoutError};
    let (tx, _rx) = mpsc::channel::<u8>(1);
    tx.send(1).await.unwrap();
    let wall = std::time::Instant::now();
    let start = Instant::now();
    let err = tx
        .send_timeout(2, Duration::from_secs(3600))
        .await
        .unwrap_err();
    assert_eq!(err, SendTimeoutError::Timeout(2));
    assert!(start.elapsed() >= Duration::from_secs(3600));
    assert!(wall.elapsed() < Duration::from_secs(60), "the clock jumped");
}

/// Without the runtime's time driver, zokio-sync's timed waits use its own timer, in real time.
#[test]
fn sync_timeouts_without_the_time_driver_use_real_time() {
    use zokio::sync::mpsc::{self, error::SendTimeoutError};
    let rt = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, _rx) = mpsc::channel::<u8>(1);
        tx.send(1).await.unwrap();
        let wall = std::time::Instant::now();
        let err = tx
            .send_timeout(2, Duration::from_millis(20))
            .await
            .unwrap_err();
        assert_eq!(err, SendTimeoutError::Timeout(2));
        assert!(wall.elapsed() >= Duration::from_millis(20));
    });
}
