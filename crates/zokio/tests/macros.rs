//! `#[zokio::test]` in each of its forms.

#[zokio::test]
async fn current_thread_by_default() {
    let on_test_thread = std::thread::current().id();
    let ran_on = zokio::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_eq!(
        ran_on, on_test_thread,
        "the default test flavour is current_thread"
    );
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_flavor() {
    let on_test_thread = std::thread::current().id();
    let ran_on = zokio::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_ne!(ran_on, on_test_thread, "tasks run on the workers");
}

#[zokio::test]
async fn returns_a_result() -> Result<(), std::io::Error> {
    let value: u32 = "7".parse().map_err(std::io::Error::other)?;
    assert_eq!(value, 7);
    Ok(())
}

#[zokio::test(start_paused = true)]
async fn start_paused_runs_timers_instantly() {
    let start = std::time::Instant::now();
    zokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    assert!(start.elapsed() < std::time::Duration::from_secs(60));
}

#[zokio::test(name = "named-by-the-macro")]
async fn name_argument_names_the_runtime() {
    assert_eq!(
        zokio::runtime::Handle::current().name(),
        Some("named-by-the-macro")
    );
}

#[test]
#[should_panic(expected = "configured to shut down on unhandled panic")]
fn unhandled_panic_argument_shuts_the_runtime_down() {
    #[zokio::main(flavor = "current_thread", unhandled_panic = "shutdown_runtime")]
    async fn run() {
        zokio::spawn(async { panic!("a task failed") });
        std::future::pending::<()>().await
    }
    run();
}

struct Service {
    base: u32,
}

impl Service {
    #[zokio::main(flavor = "current_thread")]
    async fn run(&self, add: u32) -> u32 {
        let base = self.base;
        zokio::spawn(async move { base + add }).await.unwrap()
    }
}

#[test]
fn main_attribute_on_a_method_that_takes_self() {
    let service = Service { base: 40 };
    assert_eq!(service.run(2), 42);
}
