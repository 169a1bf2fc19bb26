//! `ThreadConfig` and `ParkHooks`, and what each scheduler does when the OS refuses to start its
//! threads: `MultiThread::new` and `GlobalFifo::with_threads` fail with the error after stopping
//! what they started, and the blocking pool cancels a task that no thread can run.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use zokio_sched::blocking::{self, BlockingPool, TaskObserver};
use zokio_sched::global_fifo::GlobalFifo;
use zokio_sched::multi_thread::{Config, MultiThread};
use zokio_sched::{Driver, ParkHooks, ParkThread, ThreadConfig, Unpark};

/// A stack no machine can map: the OS refuses the thread (`pthread_create` fails), and
/// `std::thread::Builder::spawn` returns the error.
const IMPOSSIBLE_STACK: usize = 1 << 60;

/// Threads that cannot start, counting the bodies that ever ran.
fn unstartable(ran: &Arc<AtomicUsize>) -> ThreadConfig {
    let mut threads = ThreadConfig::named("never-started");
    threads.stack_size = Some(IMPOSSIBLE_STACK);
    let ran = ran.clone();
    threads.wrap = Arc::new(move |body| {
        ran.fetch_add(1, Ordering::SeqCst);
        body();
    });
    threads
}

/// A `ParkThread` that counts its `shutdown` calls.
struct CountingDriver {
    inner: ParkThread,
    shutdowns: Arc<AtomicUsize>,
}

impl Driver for CountingDriver {
    fn park(&mut self, timeout: Option<Duration>) {
        self.inner.park(timeout);
    }

    fn unparker(&self) -> Arc<dyn Unpark> {
        self.inner.unparker()
    }

    fn shutdown(&mut self) {
        self.shutdowns.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_driver() -> (Box<dyn Driver>, Arc<AtomicUsize>) {
    let shutdowns = Arc::new(AtomicUsize::new(0));
    let driver = CountingDriver {
        inner: ParkThread::new(),
        shutdowns: shutdowns.clone(),
    };
    (Box::new(driver), shutdowns)
}

#[test]
fn thread_config_spawns_named_threads_inside_its_wrapper() {
    let wrapped = Arc::new(AtomicUsize::new(0));
    let mut config = ThreadConfig::named("configured");
    config.stack_size = Some(256 * 1024);
    let w = wrapped.clone();
    config.wrap = Arc::new(move |body| {
        w.fetch_add(1, Ordering::SeqCst);
        body();
    });
    let thread = config
        .spawn(|| assert_eq!(std::thread::current().name(), Some("configured")))
        .unwrap();
    thread.join().unwrap();
    assert_eq!(wrapped.load(Ordering::SeqCst), 1);
    let debug = format!("{config:?}");
    assert!(
        debug.starts_with("ThreadConfig { stack_size: Some(262144)"),
        "{debug}"
    );
    assert!(debug.ends_with(".. }"), "{debug}");

    let default = ThreadConfig::default();
    assert_eq!(default.stack_size, None);
    assert_eq!((default.name_fn)(), "zokio-runtime-worker");
}

#[test]
fn thread_config_spawn_reports_the_os_refusal() {
    let ran = Arc::new(AtomicUsize::new(0));
    let error = unstartable(&ran).spawn(|| ()).unwrap_err();
    assert_ne!(error.raw_os_error(), None, "an OS error: {error}");
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[test]
fn park_hooks_run_their_callbacks_when_set() {
    let (before, after) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let empty = ParkHooks::default();
    // Nothing set: nothing runs, and nothing fails.
    empty.before_park();
    empty.after_unpark();
    assert_eq!(
        format!("{empty:?}"),
        "ParkHooks { before_park: false, after_unpark: false }"
    );
    let mut hooks = ParkHooks::default();
    let b = before.clone();
    hooks.before_park = Some(Arc::new(move || {
        b.fetch_add(1, Ordering::SeqCst);
    }));
    let a = after.clone();
    hooks.after_unpark = Some(Arc::new(move || {
        a.fetch_add(10, Ordering::SeqCst);
    }));
    hooks.before_park();
    hooks.before_park();
    hooks.after_unpark();
    assert_eq!(before.load(Ordering::SeqCst), 2);
    assert_eq!(after.load(Ordering::SeqCst), 10);
    assert_eq!(
        format!("{hooks:?}"),
        "ParkHooks { before_park: true, after_unpark: true }"
    );
}

#[test]
fn multi_thread_whose_workers_cannot_start_fails_and_shuts_down() {
    let ran = Arc::new(AtomicUsize::new(0));
    let (driver, shutdowns) = counting_driver();
    let pool = BlockingPool::new(blocking::Config::default());
    let mut config = Config::default();
    config.worker_threads = 3;
    config.threads = unstartable(&ran);
    let start = Instant::now();
    let error = MultiThread::new(config, driver, pool.spawner().clone()).unwrap_err();
    assert_ne!(
        error.raw_os_error(),
        None,
        "the OS error comes back: {error}"
    );
    // It shut down what it had built without waiting out its 10 s bound: no worker ever ran.
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    assert_eq!(
        shutdowns.load(Ordering::SeqCst),
        1,
        "the driver was shut down"
    );
    assert!(pool.shutdown(Duration::from_secs(10)));
}

#[test]
fn global_fifo_whose_threads_cannot_start_fails_and_shuts_down() {
    let ran = Arc::new(AtomicUsize::new(0));
    let (driver, shutdowns) = counting_driver();
    let start = Instant::now();
    let error = GlobalFifo::with_threads(2, driver, unstartable(&ran)).unwrap_err();
    assert_ne!(error.raw_os_error(), None, "{error}");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    assert_eq!(shutdowns.load(Ordering::SeqCst), 1);
}

#[derive(Default)]
struct Observer {
    spawned: AtomicUsize,
    finished: AtomicUsize,
}

impl TaskObserver for Observer {
    fn spawned(&self) {
        self.spawned.fetch_add(1, Ordering::SeqCst);
    }

    fn finished(&self) {
        self.finished.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn blocking_task_that_no_thread_can_run_is_cancelled() {
    let ran = Arc::new(AtomicUsize::new(0));
    let observer = Arc::new(Observer::default());
    let mut config = blocking::Config::default();
    config.threads = unstartable(&ran);
    config.observer = Some(observer.clone());
    let pool = BlockingPool::new(config);
    let closure_ran = Arc::new(AtomicUsize::new(0));
    let c = closure_ran.clone();
    let handle = pool.spawner().spawn_blocking(move || {
        c.fetch_add(1, Ordering::SeqCst);
    });
    // Not left queued forever: the pool has no thread at all to run it.
    let error = futures_lite::future::block_on(handle).unwrap_err();
    assert!(error.is_cancelled());
    assert_eq!(closure_ran.load(Ordering::SeqCst), 0);
    assert_eq!(pool.spawner().num_threads(), 0);
    assert_eq!(pool.spawner().queue_depth(), 0);
    // The observer saw the task enter and leave the pool, once each.
    assert_eq!(observer.spawned.load(Ordering::SeqCst), 1);
    assert_eq!(observer.finished.load(Ordering::SeqCst), 1);
    assert!(pool.shutdown(Duration::from_secs(10)));
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}
