//! Every argument of `#[zokio::test]` and `#[zokio::main]`, checked through the runtime each one
//! builds. (The bad arguments are the compile-fail cases of `compile_fail.rs`.)

use std::time::Duration;

use zokio::runtime::Handle;

/// The runtime's worker count, from inside it.
fn workers() -> usize {
    Handle::current().metrics().num_workers
}

#[zokio::test]
async fn test_defaults_to_one_current_thread_runtime() {
    assert_eq!(workers(), 1);
    let here = std::thread::current().id();
    let there = zokio::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_eq!(here, there, "tasks run on the test's own thread");
    assert_eq!(Handle::current().name(), None);
}

#[zokio::test(flavor = "current_thread")]
async fn current_thread_flavour() {
    assert_eq!(workers(), 1);
    let here = std::thread::current().id();
    assert_eq!(
        zokio::spawn(async { std::thread::current().id() })
            .await
            .unwrap(),
        here
    );
}

#[zokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn multi_thread_flavour_with_worker_threads() {
    assert_eq!(workers(), 3);
    let here = std::thread::current().id();
    let there = zokio::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_ne!(here, there, "tasks run on the workers");
}

#[zokio::test(flavor = "multi_thread")]
async fn multi_thread_flavour_defaults_to_one_worker_per_core() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(workers(), cores);
}

#[zokio::test(start_paused = true)]
async fn start_paused_true_pauses_the_clock() {
    let wall = std::time::Instant::now();
    let start = zokio::time::Instant::now();
    zokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(start.elapsed() >= Duration::from_secs(3600));
    assert!(wall.elapsed() < Duration::from_secs(60));
}

#[zokio::test(start_paused = false)]
async fn start_paused_false_keeps_the_clock_running() {
    let wall = std::time::Instant::now();
    zokio::time::sleep(Duration::from_millis(20)).await;
    assert!(wall.elapsed() >= Duration::from_millis(20));
}

#[zokio::test(flavor = "multi_thread", start_paused = false)]
async fn start_paused_false_is_allowed_on_multi_thread() {
    assert!(workers() >= 1);
}

#[zokio::test(name = "macro-named")]
async fn name_names_the_runtime() {
    assert_eq!(Handle::current().name(), Some("macro-named"));
}

#[zokio::test(unhandled_panic = "ignore")]
async fn unhandled_panic_ignore_keeps_the_runtime_running() {
    let err = zokio::spawn(async { panic!("ignored") }).await.unwrap_err();
    assert!(err.is_panic());
    assert_eq!(zokio::spawn(async { 1 }).await.unwrap(), 1);
}

#[test]
fn unhandled_panic_shutdown_runtime_stops_the_runtime() {
    #[zokio::main(
        flavor = "multi_thread",
        worker_threads = 1,
        unhandled_panic = "shutdown_runtime"
    )]
    async fn run() {
        zokio::spawn(async { panic!("fatal") });
        std::future::pending::<()>().await
    }
    let payload = std::panic::catch_unwind(run).unwrap_err();
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default();
    assert!(
        message.contains("configured to shut down on unhandled panic"),
        "{message}"
    );
}

mod renamed {
    // The zokio crate under another name, as a program that renames it in Cargo.toml sees it.
    pub use zokio as runtime_crate;

    #[zokio::test(crate = "crate::renamed::runtime_crate", name = "renamed")]
    async fn crate_names_the_zokio_crate() {
        assert_eq!(
            crate::renamed::runtime_crate::runtime::Handle::current().name(),
            Some("renamed")
        );
    }
}

#[zokio::test]
async fn test_may_return_a_result() -> Result<(), std::num::ParseIntError> {
    let n: u8 = "12".parse()?;
    assert_eq!(n, 12);
    Ok(())
}

#[test]
fn main_defaults_to_the_multi_thread_flavour() {
    #[zokio::main]
    async fn run() -> usize {
        workers()
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(run(), cores);
}

#[test]
fn main_returns_the_body_output_and_takes_arguments() {
    #[zokio::main(flavor = "current_thread", name = "main-named")]
    async fn run(base: u32, add: &u32) -> (u32, Option<String>) {
        let name = Handle::current().name().map(str::to_owned);
        let add = *add;
        (zokio::spawn(async move { base + add }).await.unwrap(), name)
    }
    assert_eq!(run(40, &2), (42, Some("main-named".to_owned())));
}

#[test]
fn main_without_an_output_runs_its_body() {
    static RAN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    #[zokio::main(worker_threads = 2)]
    async fn run() {
        assert_eq!(workers(), 2);
        RAN.store(true, std::sync::atomic::Ordering::SeqCst);
    }
    run();
    assert!(RAN.load(std::sync::atomic::Ordering::SeqCst));
}

struct Counter {
    start: u32,
}

impl Counter {
    #[zokio::main(flavor = "current_thread", start_paused = true)]
    async fn count_after(&self, delay: Duration) -> u32 {
        zokio::time::sleep(delay).await;
        self.start + 1
    }
}

#[test]
fn main_on_a_method_that_takes_self() {
    let counter = Counter { start: 41 };
    assert_eq!(counter.count_after(Duration::from_secs(3600)), 42);
}
