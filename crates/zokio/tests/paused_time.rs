//! Paused time and the blocking pool: the clock never jumps while blocking work is in flight.

use std::time::Duration;

use zokio::time::{self, Instant};

#[zokio::test(start_paused = true)]
async fn paused_clock_does_not_auto_advance_while_spawn_blocking_runs() {
    let start = Instant::now();
    // The closure takes real time; with every task idle meanwhile, a clock that jumped to the next
    // timer would fire the timeout although the closure is still running.
    let result = time::timeout(
        Duration::from_secs(3),
        zokio::task::spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(50));
            "done"
        }),
    )
    .await;
    assert_eq!(result.expect("the timeout fired").unwrap(), "done");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "the paused clock moved by {:?}",
        start.elapsed()
    );
}

#[zokio::test(start_paused = true)]
async fn paused_clock_auto_advances_again_once_blocking_work_ends() {
    let wall = std::time::Instant::now();
    let start = Instant::now();
    // Never awaited: its end alone must let the runtime jump to the sleep's deadline.
    let blocking = zokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(5)));
    time::sleep(Duration::from_secs(3600)).await;
    assert!(start.elapsed() >= Duration::from_secs(3600));
    blocking.await.unwrap();
    assert!(
        wall.elapsed() < Duration::from_secs(60),
        "the runtime waited in real time instead of auto-advancing"
    );
}

#[zokio::test(start_paused = true)]
async fn paused_clock_auto_advances_after_a_blocking_task_panics() {
    let start = Instant::now();
    let result = time::timeout(
        Duration::from_secs(3),
        zokio::task::spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(5));
            panic!("blocking work failed");
        }),
    )
    .await;
    assert!(result.expect("the timeout fired").unwrap_err().is_panic());
    time::sleep(Duration::from_secs(10)).await;
    assert!(start.elapsed() >= Duration::from_secs(10));
}
