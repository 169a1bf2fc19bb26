//! An idle multi-thread runtime uses no CPU: every worker sleeps in the kernel (one in the driver,
//! the others on their parkers). Its own test binary, since it measures the whole process.

use std::time::Duration;

fn process_cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: `usage` is valid, writable memory for one rusage, which getrusage fills on success.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    assert_eq!(rc, 0);
    // SAFETY: getrusage returned 0, so it initialised `usage`.
    let usage = unsafe { usage.assume_init() };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

#[test]
fn an_idle_multi_thread_runtime_uses_no_cpu() {
    let runtime = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    // Let the workers start and settle before measuring.
    runtime.block_on(async { zokio_reactor::time::sleep(Duration::from_millis(50)).await });
    let cpu_before = process_cpu_time();
    let wall = std::time::Instant::now();
    runtime.block_on(async {
        // A task that wakes once a second is "idle" for the whole second.
        zokio::spawn(zokio_reactor::time::sleep(Duration::from_secs(1)))
            .await
            .unwrap();
    });
    let cpu = process_cpu_time() - cpu_before;
    assert!(wall.elapsed() >= Duration::from_secs(1));
    // Busy-polling workers would burn seconds of CPU over one second; sleeping ones microseconds.
    assert!(
        cpu < Duration::from_millis(200),
        "idle runtime used {cpu:?} of CPU"
    );
}
