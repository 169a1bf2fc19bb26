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
