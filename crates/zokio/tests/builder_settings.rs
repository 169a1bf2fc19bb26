//! Every `Builder` setting, observed through what the runtime does with it: thread names and stack
//! sizes, the blocking pool's size and keep-alive, the scheduler's intervals and LIFO slot; the
//! settings that are refused (panics), the builds that fail, and the builder's `Debug`.

mod support;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::Poll;
use std::time::Duration;

use support::{finishes_within, wait_for};
use zokio::runtime::{Builder, Handle, UnhandledPanic};

fn thread_name() -> String {
    std::thread::current().name().unwrap_or_default().to_owned()
}

fn one_worker() -> Builder {
    let mut builder = Builder::new_multi_thread();
    builder.worker_threads(1);
    builder
}

#[test]
fn thread_name_fn_names_every_worker_and_blocking_thread() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name_fn(move || format!("numbered-{}", counter.fetch_add(1, SeqCst)))
        .build()
        .unwrap();
    let (worker, blocking) = rt.block_on(async {
        let worker = zokio::spawn(async { thread_name() }).await.unwrap();
        let blocking = zokio::task::spawn_blocking(thread_name).await.unwrap();
        (worker, blocking)
    });
    assert!(worker.starts_with("numbered-"), "worker named {worker:?}");
    assert!(
        blocking.starts_with("numbered-"),
        "blocking named {blocking:?}"
    );
    // Each thread asked the function for its own name: two workers and a blocking thread.
    assert_ne!(worker, blocking);
    assert!(calls.load(SeqCst) >= 3, "{} names made", calls.load(SeqCst));
}

#[test]
fn thread_name_names_the_blocking_threads_of_a_current_thread_runtime() {
    let rt = Builder::new_current_thread()
        .thread_name("cur-blocking")
        .build()
        .unwrap();
    let name = rt.block_on(rt.spawn_blocking(thread_name)).unwrap();
    assert_eq!(name, "cur-blocking");
}

/// Locals this large overflow a thread with the default 2 MiB stack (the process would abort).
const BIG_FRAME: usize = 8 << 20;

#[inline(never)]
fn deep_frame() -> u8 {
    let frame = [7u8; BIG_FRAME];
    std::hint::black_box(&frame)[BIG_FRAME - 1]
}

#[test]
fn thread_stack_size_applies_to_workers_and_blocking_threads() {
    let rt = one_worker().thread_stack_size(32 << 20).build().unwrap();
    let (on_worker, on_blocking) = rt.block_on(async {
        let on_worker = zokio::spawn(async { deep_frame() }).await.unwrap();
        let on_blocking = zokio::task::spawn_blocking(deep_frame).await.unwrap();
        (on_worker, on_blocking)
    });
    assert_eq!((on_worker, on_blocking), (7, 7));
}

#[test]
fn max_blocking_threads_caps_the_pool_and_queues_the_rest() {
    let rt = Builder::new_current_thread()
        .max_blocking_threads(2)
        .build()
        .unwrap();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let released = Arc::new(Mutex::new(released));
    let entered = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let (released, entered) = (Arc::clone(&released), Arc::clone(&entered));
            rt.spawn_blocking(move || {
                entered.fetch_add(1, SeqCst);
                released.lock().unwrap().recv().unwrap();
                i
            })
        })
        .collect();
    wait_for("two running and two queued blocking tasks", || {
        let metrics = rt.handle().metrics();
        metrics.num_blocking_threads == 2
            && metrics.blocking_queue_depth == 2
            && entered.load(SeqCst) == 2
    });
    // The two queued tasks cannot start while both threads are held (a third thread would have
    // been started with the task, before the wait above; the pause gives it time to show).
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(entered.load(SeqCst), 2);
    assert_eq!(rt.handle().metrics().blocking_queue_depth, 2);
    for _ in 0..4 {
        release.send(()).unwrap();
    }
    let outputs = rt.block_on(async {
        let mut outputs = Vec::new();
        for handle in handles {
            outputs.push(handle.await.unwrap());
        }
        outputs
    });
    assert_eq!(outputs, [0, 1, 2, 3]);
    assert_eq!(entered.load(SeqCst), 4);
    assert!(rt.handle().metrics().num_blocking_threads <= 2);
}

/// A current-thread runtime (it starts no thread of its own) whose blocking threads are counted.
fn counting_starts(keep_alive: Duration) -> (zokio::runtime::Runtime, Arc<AtomicUsize>) {
    let started = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&started);
    let rt = Builder::new_current_thread()
        .thread_keep_alive(keep_alive)
        .on_thread_start(move || {
            counter.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    (rt, started)
}

#[test]
fn an_idle_blocking_thread_exits_after_the_keep_alive() {
    let (rt, started) = counting_starts(Duration::from_millis(10));
    rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    wait_for("the idle blocking thread to exit", || {
        rt.handle().metrics().num_blocking_threads == 0
    });
    // The next blocking task needs a thread of its own again.
    rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    assert_eq!(started.load(SeqCst), 2);
}

#[test]
fn an_idle_blocking_thread_is_reused_within_the_keep_alive() {
    let (rt, started) = counting_starts(Duration::from_secs(3600));
    let first = rt
        .block_on(rt.spawn_blocking(|| std::thread::current().id()))
        .unwrap();
    wait_for("the blocking thread to go idle", || {
        rt.handle().metrics().num_idle_blocking_threads == 1
    });
    let second = rt
        .block_on(rt.spawn_blocking(|| std::thread::current().id()))
        .unwrap();
    assert_eq!(first, second, "the idle thread ran the second task");
    assert_eq!(started.load(SeqCst), 1);
    assert_eq!(rt.handle().metrics().num_blocking_threads, 1);
}

/// How many polls a task that keeps waking itself gets between a timer falling due and the timer's
/// task running: the runtime looks at its timers (and I/O) every `event_interval` task polls. At most
/// `cap` polls are counted.
fn busy_polls_before_a_due_timer_fires(builder: &mut Builder, cap: usize) -> usize {
    let rt = builder.enable_all().build().unwrap();
    rt.block_on(async move {
        let armed = Arc::new(AtomicBool::new(false));
        let fired = Arc::new(AtomicBool::new(false));
        let (arm, fire) = (Arc::clone(&armed), Arc::clone(&fired));
        let sleeper = zokio::spawn(async move {
            let mut sleep = pin!(zokio::time::sleep(Duration::from_millis(1)));
            std::future::poll_fn(|cx| {
                let polled = sleep.as_mut().poll(cx);
                // The timer is registered by its first poll.
                arm.store(true, SeqCst);
                polled
            })
            .await;
            fire.store(true, SeqCst);
        });
        let busy = zokio::spawn(async move {
            let (mut polls, mut waited) = (0, false);
            std::future::poll_fn(move |cx| {
                if fired.load(SeqCst) || polls >= cap {
                    return Poll::Ready(polls);
                }
                if armed.load(SeqCst) {
                    if waited {
                        polls += 1;
                    } else {
                        // Past the timer's deadline from here on.
                        std::thread::sleep(Duration::from_millis(5));
                        waited = true;
                    }
                }
                cx.waker().wake_by_ref();
                Poll::Pending
            })
            .await
        });
        let polls = busy.await.unwrap();
        sleeper.await.unwrap();
        polls
    })
}

#[test]
fn event_interval_sets_how_often_a_busy_runtime_polls_its_timers() {
    for (name, flavour) in [
        (
            "current_thread",
            Builder::new_current_thread as fn() -> Builder,
        ),
        ("multi_thread(1)", one_worker),
    ] {
        finishes_within(Duration::from_secs(60), name, move || {
            let often = busy_polls_before_a_due_timer_fires(flavour().event_interval(1), 100_000);
            assert!(often <= 20, "{name}: {often} polls with event_interval(1)");
            let rarely =
                busy_polls_before_a_due_timer_fires(flavour().event_interval(5_000), 100_000);
            assert!(
                (1_000..100_000).contains(&rarely),
                "{name}: {rarely} polls with event_interval(5000)"
            );
        });
    }
}

/// How many more polls a task that keeps waking itself (in the worker's own queue) gets after a
/// task is spawned from another thread (into the global queue) and before that task runs. At most
/// `cap` polls are counted.
fn local_polls_before_a_remote_task_runs(builder: &mut Builder, cap: usize) -> usize {
    let rt = builder.build().unwrap();
    rt.block_on(async move {
        let handle = Handle::current();
        let polls = Arc::new(AtomicUsize::new(0));
        let seen: Arc<OnceLock<usize>> = Arc::default();
        let (p, s) = (Arc::clone(&polls), Arc::clone(&seen));
        zokio::spawn(async move {
            std::future::poll_fn(move |cx| {
                let n = p.fetch_add(1, SeqCst) + 1;
                if s.get().is_some() || n >= cap {
                    return Poll::Ready(());
                }
                if n == 3 {
                    // From a thread outside the runtime: the task goes to the global queue.
                    let (handle, p, s) = (handle.clone(), Arc::clone(&p), Arc::clone(&s));
                    std::thread::spawn(move || {
                        drop(handle.spawn(async move {
                            let _ = s.set(p.load(SeqCst));
                        }))
                    })
                    .join()
                    .unwrap();
                }
                cx.waker().wake_by_ref();
                Poll::Pending
            })
            .await
        })
        .await
        .unwrap();
        // With the local task gone, the remote one runs next (if it has not yet).
        while seen.get().is_none() {
            zokio::task::yield_now().await;
        }
        seen.get().unwrap() - 3
    })
}

#[test]
fn global_queue_interval_sets_how_often_the_global_queue_goes_first() {
    for (name, flavour) in [
        (
            "current_thread",
            Builder::new_current_thread as fn() -> Builder,
        ),
        ("multi_thread(1)", one_worker),
    ] {
        finishes_within(Duration::from_secs(60), name, move || {
            let at_once =
                local_polls_before_a_remote_task_runs(flavour().global_queue_interval(1), 100_000);
            assert!(at_once <= 2, "{name}: {at_once} polls with interval 1");
            let later = local_polls_before_a_remote_task_runs(
                flavour().global_queue_interval(1_000),
                100_000,
            );
            assert!(
                (500..=1_000).contains(&later),
                "{name}: {later} polls with interval 1000"
            );
        });
    }
}

/// The order in which three tasks spawned by a task on the only worker run.
fn run_order_of_spawned_tasks(builder: &mut Builder) -> Vec<u32> {
    let rt = builder.worker_threads(1).build().unwrap();
    rt.block_on(async {
        let order = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&order);
        let handles = zokio::spawn(async move {
            (1..=3)
                .map(|i| {
                    let log = Arc::clone(&log);
                    zokio::spawn(async move { log.lock().unwrap().push(i) })
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        for handle in handles {
            handle.await.unwrap();
        }
        order.lock().unwrap().clone()
    })
}

#[test]
fn disable_lifo_slot_runs_spawned_tasks_in_fifo_order() {
    // With the LIFO slot, the last task spawned runs first (it is in the slot when the spawner
    // returns); without it, they run in the order they were spawned.
    assert_eq!(
        run_order_of_spawned_tasks(&mut Builder::new_multi_thread()),
        [3, 1, 2]
    );
    assert_eq!(
        run_order_of_spawned_tasks(Builder::new_multi_thread().disable_lifo_slot()),
        [1, 2, 3]
    );
}

#[test]
#[should_panic(expected = "max_blocking_threads must be greater than 0")]
fn zero_max_blocking_threads_is_refused() {
    Builder::new_current_thread().max_blocking_threads(0);
}

#[test]
#[should_panic(expected = "global_queue_interval must be greater than 0")]
fn zero_global_queue_interval_is_refused() {
    Builder::new_multi_thread().global_queue_interval(0);
}

#[test]
#[should_panic(expected = "event_interval must be greater than 0")]
fn zero_event_interval_is_refused() {
    Builder::new_current_thread().event_interval(0);
}

#[test]
fn start_paused_without_the_time_driver_is_invalid_input() {
    let err = Builder::new_current_thread()
        .enable_io()
        .start_paused(true)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("requires the time driver"),
        "{err}"
    );
}

#[test]
fn start_paused_with_a_custom_scheduler_is_invalid_input() {
    let err = Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .scheduler(|driver, threads| {
            let fifo: Arc<dyn zokio::runtime::scheduler::Scheduler> =
                zokio::runtime::scheduler::GlobalFifo::with_threads(1, driver, threads)?;
            Ok(fifo)
        })
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("current-thread scheduler"),
        "{err}"
    );
}

#[test]
fn a_failing_custom_scheduler_fails_the_build_and_releases_its_threads() {
    type Outcome = Result<(), bool>;
    let (report, reports) = std::sync::mpsc::channel::<Outcome>();
    let started: Arc<Mutex<Option<std::thread::JoinHandle<()>>>> = Arc::default();
    let slot = Arc::clone(&started);
    let err = Builder::new_multi_thread()
        .scheduler(move |_driver, threads| {
            let report = report.clone();
            // A thread started before the failure: it waits for the build to finish first.
            let thread = threads.spawn(move || {
                let context = Handle::try_current()
                    .map(drop)
                    .map_err(|e| e.is_missing_context());
                report.send(context).unwrap();
            })?;
            *slot.lock().unwrap() = Some(thread);
            Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "no scheduler today",
            ))
        })
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
    assert_eq!(err.to_string(), "no scheduler today");
    // The failed build released the thread, which ran its body outside any runtime.
    let thread = started.lock().unwrap().take().expect("the thread started");
    thread.join().unwrap();
    assert_eq!(reports.recv().unwrap(), Err(true));
}

#[test]
fn a_worker_thread_the_os_refuses_fails_the_build() {
    finishes_within(Duration::from_secs(30), "failed build", || {
        // No machine has the address space for a 1 PiB stack: the OS refuses the first worker.
        let err = Builder::new_multi_thread()
            .worker_threads(2)
            .thread_stack_size(1 << 50)
            .enable_all()
            .build()
            .unwrap_err();
        assert_ne!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
        // Nothing of the failed runtime is left current, and a new one builds fine.
        assert!(Handle::try_current().is_err());
        let rt = one_worker().build().unwrap();
        assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
    });
}

#[test]
fn debug_shows_the_settings() {
    let mut builder = Builder::new_multi_thread();
    builder
        .worker_threads(3)
        .enable_all()
        .max_blocking_threads(5)
        .thread_keep_alive(Duration::from_secs(2))
        .global_queue_interval(11)
        .event_interval(7)
        .disable_lifo_slot()
        .name("debugged")
        .unhandled_panic(UnhandledPanic::ShutdownRuntime);
    let debug = format!("{builder:?}");
    assert!(debug.starts_with("Builder { ") && debug.ends_with(", .. }"));
    for field in [
        "kind: MultiThread",
        "enable_io: true",
        "enable_time: true",
        "start_paused: false",
        "worker_threads: Some(3)",
        "max_blocking_threads: 5",
        "thread_keep_alive: 2s",
        "global_queue_interval: Some(11)",
        "event_interval: 7",
        "disable_lifo_slot: true",
        r#"name: Some("debugged")"#,
        "unhandled_panic: ShutdownRuntime",
    ] {
        assert!(debug.contains(field), "{field} missing from {debug}");
    }
    let defaults = format!("{:?}", Builder::new_current_thread());
    for field in [
        "kind: CurrentThread",
        "enable_io: false",
        "worker_threads: None",
        "max_blocking_threads: 512",
        "thread_keep_alive: 10s",
        "global_queue_interval: None",
        "disable_lifo_slot: false",
        "name: None",
        "unhandled_panic: Ignore",
    ] {
        assert!(defaults.contains(field), "{field} missing from {defaults}");
    }
}
