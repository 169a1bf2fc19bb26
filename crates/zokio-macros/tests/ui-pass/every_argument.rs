//! Every argument, in each of its valid forms, expands to code that compiles, and the `main`
//! functions run with the runtime they ask for. (The `test` functions are only compiled here:
//! `attributes.rs` runs them.)

use std::time::Duration;

use zokio::runtime::Handle;

#[zokio::test]
async fn test_with_defaults() {}

#[zokio::test(
    flavor = "multi_thread",
    worker_threads = 2,
    start_paused = false,
    name = "t",
    unhandled_panic = "ignore",
    crate = "zokio"
)]
async fn test_with_every_argument() -> Result<(), std::io::Error> {
    Ok(())
}

#[zokio::test(
    flavor = "current_thread",
    start_paused = true,
    unhandled_panic = "shutdown_runtime"
)]
async fn test_paused() {}

#[zokio::main]
async fn multi_thread_by_default() -> usize {
    Handle::current().metrics().num_workers
}

#[zokio::main(flavor = "multi_thread", worker_threads = 2, name = "two")]
async fn two_workers() -> (usize, Option<String>) {
    let handle = Handle::current();
    (
        handle.metrics().num_workers,
        handle.name().map(str::to_owned),
    )
}

#[zokio::main(
    flavor = "current_thread",
    start_paused = true,
    unhandled_panic = "ignore",
    crate = "::zokio"
)]
async fn paused_hour() -> bool {
    let wall = std::time::Instant::now();
    zokio::time::sleep(Duration::from_secs(3600)).await;
    zokio::spawn(async { panic!("ignored") }).await.is_err()
        && wall.elapsed() < Duration::from_secs(60)
}

#[zokio::main(flavor = "current_thread", unhandled_panic = "shutdown_runtime")]
async fn stops_on_a_panic() {
    zokio::spawn(async { panic!("fatal") });
    std::future::pending::<()>().await
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(multi_thread_by_default(), cores);
    assert_eq!(two_workers(), (2, Some("two".to_owned())));
    // The panics below are expected: keep them off stderr.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    assert!(paused_hour());
    let stopped = std::panic::catch_unwind(stops_on_a_panic);
    std::panic::set_hook(hook);
    assert!(stopped.is_err());
}
