//! The blocking pool: growth, reuse, retirement, panics and shutdown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use futures_lite::future::block_on;
use zokio_sched::blocking::{self, BlockingPool, Config};
use zokio_sched::{Handle, ParkThread, Scheduler, global_fifo::GlobalFifo};

fn pool(max_threads: usize, keep_alive: Duration) -> BlockingPool {
    let mut config = Config::default();
    config.max_threads = max_threads;
    config.keep_alive = keep_alive;
    BlockingPool::new(config)
}

/// Spins (yielding) until `cond` holds; panics after 10 s so a broken pool fails instead of hanging.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::yield_now();
    }
}

#[test]
fn returns_the_closure_result() {
    let pool = pool(4, Duration::from_secs(10));
    let handles: Vec<_> = (0..100)
        .map(|i| pool.spawner().spawn_blocking(move || i * 2))
        .collect();
    let sum: usize = handles.into_iter().map(|h| block_on(h).unwrap()).sum();
    assert_eq!(sum, (0..100).map(|i| i * 2).sum());
    assert!(pool.spawner().num_threads() <= 4);
}

#[test]
fn panic_becomes_join_error() {
    let pool = pool(2, Duration::from_secs(10));
    let err = block_on(pool.spawner().spawn_blocking(|| -> u32 { panic!("boom") })).unwrap_err();
    assert!(err.is_panic());
    assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
    // The thread survived the panic and still runs tasks.
    assert_eq!(block_on(pool.spawner().spawn_blocking(|| 7)).unwrap(), 7);
}

#[test]
fn grows_up_to_max_threads_then_queues() {
    let pool = pool(2, Duration::from_secs(10));
    let barrier = Arc::new(Barrier::new(3));
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Arc::new(std::sync::Mutex::new(release_rx));
    let mut handles = Vec::new();
    for _ in 0..2 {
        let barrier = barrier.clone();
        let release_rx = release_rx.clone();
        handles.push(pool.spawner().spawn_blocking(move || {
            barrier.wait();
            release_rx.lock().unwrap().recv().unwrap();
        }));
    }
    barrier.wait();
    let ran_third = Arc::new(AtomicUsize::new(0));
    let r = ran_third.clone();
    handles.push(pool.spawner().spawn_blocking(move || {
        r.fetch_add(1, Ordering::SeqCst);
    }));
    assert_eq!(pool.spawner().num_threads(), 2);
    assert_eq!(pool.spawner().queue_depth(), 1);
    assert_eq!(ran_third.load(Ordering::SeqCst), 0);
    release_tx.send(()).unwrap();
    release_tx.send(()).unwrap();
    for h in handles {
        block_on(h).unwrap();
    }
    assert_eq!(ran_third.load(Ordering::SeqCst), 1);
    assert_eq!(pool.spawner().num_threads(), 2);
}

#[test]
fn idle_thread_is_reused_not_duplicated() {
    let pool = pool(8, Duration::from_secs(10));
    block_on(pool.spawner().spawn_blocking(|| ())).unwrap();
    wait_until("the thread is idle", || {
        pool.spawner().num_idle_threads() == 1
    });
    for _ in 0..50 {
        block_on(pool.spawner().spawn_blocking(|| ())).unwrap();
        wait_until("the thread is idle", || {
            pool.spawner().num_idle_threads() == 1
        });
    }
    assert_eq!(pool.spawner().num_threads(), 1);
}

#[test]
fn idle_threads_retire_after_keep_alive() {
    let pool = pool(4, Duration::from_millis(20));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            pool.spawner()
                .spawn_blocking(|| std::thread::sleep(Duration::from_millis(5)))
        })
        .collect();
    for h in handles {
        block_on(h).unwrap();
    }
    // No check that threads are still alive here: 20 ms after the work a descheduled test thread
    // could find them retired already, which is the behaviour under test.
    wait_until("every thread retired", || pool.spawner().num_threads() == 0);
    // The pool starts threads again afterwards.
    assert_eq!(block_on(pool.spawner().spawn_blocking(|| 5)).unwrap(), 5);
}

#[test]
fn shutdown_runs_the_tasks_queued_before_it_and_cancels_later_ones() {
    let pool = Arc::new(pool(1, Duration::from_secs(10)));
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let running = pool.spawner().spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        "finished"
    });
    started_rx.recv().unwrap();
    // The pool's one thread is busy: this task waits in the queue.
    let queued = pool.spawner().spawn_blocking(|| "queued ran");

    let p = pool.clone();
    let shutdown = std::thread::spawn(move || p.shutdown(Duration::from_secs(30)));
    wait_until("shutdown began", || pool.spawner().is_shutdown());
    let late = pool.spawner().spawn_blocking(|| "late ran");
    assert!(block_on(late).unwrap_err().is_cancelled());
    assert!(!running.is_finished());
    assert!(!queued.is_finished());
    release_tx.send(()).unwrap();
    assert!(shutdown.join().unwrap(), "every thread exited in time");
    assert_eq!(block_on(running).unwrap(), "finished");
    // Spawned before shutdown, so it ran (as on Tokio), and shutdown waited for it.
    assert_eq!(block_on(queued).unwrap(), "queued ran");
    assert_eq!(pool.spawner().num_threads(), 0);
}

#[test]
fn spawn_after_shutdown_is_cancelled() {
    let pool = pool(2, Duration::from_secs(10));
    assert!(pool.shutdown(Duration::from_secs(5)));
    assert!(pool.spawner().is_shutdown());
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    let handle = pool
        .spawner()
        .spawn_blocking(move || r.fetch_add(1, Ordering::SeqCst));
    assert!(block_on(handle).unwrap_err().is_cancelled());
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[test]
fn shutdown_timeout_keeps_its_bound_with_a_stuck_task() {
    let pool = pool(2, Duration::from_secs(10));
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let stuck = pool.spawner().spawn_blocking(move || {
        started_tx.send(()).unwrap();
        let _ = release_rx.recv();
    });
    started_rx.recv().unwrap();
    let start = Instant::now();
    assert!(!pool.shutdown(Duration::from_millis(100)));
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(100),
        "returned early: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "overran its bound: {elapsed:?}"
    );
    // Dropping the pool after a timed-out shutdown does not wait for the stuck task either.
    drop(pool);
    assert!(start.elapsed() < Duration::from_secs(5));
    release_tx.send(()).unwrap();
    block_on(stuck).unwrap();
}

#[test]
fn drop_waits_for_running_tasks() {
    let pool = pool(4, Duration::from_secs(10));
    let done = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(5));
    for _ in 0..4 {
        let done = done.clone();
        let barrier = barrier.clone();
        drop(pool.spawner().spawn_blocking(move || {
            barrier.wait();
            std::thread::sleep(Duration::from_millis(10));
            done.fetch_add(1, Ordering::SeqCst);
        }));
    }
    barrier.wait();
    drop(pool);
    assert_eq!(done.load(Ordering::SeqCst), 4);
}

#[test]
#[should_panic(expected = "`spawn_blocking` must be called from the context of a zokio runtime")]
fn spawn_blocking_outside_a_runtime_panics() {
    drop(blocking::spawn_blocking(|| ()));
}

#[test]
fn spawn_blocking_runs_in_the_callers_context() {
    let pool = pool(2, Duration::from_secs(10));
    let scheduler = GlobalFifo::new(1, Box::new(ParkThread::new())).unwrap();
    let handle = Handle::with_blocking(scheduler.clone(), pool.spawner().clone());
    let guard = zokio_sched::context::enter(handle);
    let nested = blocking::spawn_blocking(|| {
        // Both the scheduler and the pool are reachable from inside the closure.
        let task = zokio_sched::spawn(async { 1 });
        let inner = blocking::spawn_blocking(|| 2);
        block_on(task).unwrap() + block_on(inner).unwrap()
    });
    assert_eq!(block_on(nested).unwrap(), 3);
    drop(guard);
    scheduler.shutdown(Duration::from_secs(5));
    assert!(pool.shutdown(Duration::from_secs(5)));
}

/// A new task goes straight to the most recently idle thread (the top of the idle stack), so a
/// steady trickle of tasks keeps reusing one warm thread and the others can retire.
#[test]
fn new_task_goes_to_the_most_recently_idle_thread() {
    let pool = pool(8, Duration::from_secs(10));
    let (release_first, first_gate) = mpsc::channel::<()>();
    let (release_second, second_gate) = mpsc::channel::<()>();
    let both_running = Arc::new(Barrier::new(3));
    let b = both_running.clone();
    let first = pool.spawner().spawn_blocking(move || {
        b.wait();
        first_gate.recv().unwrap();
        std::thread::current().id()
    });
    let b = both_running.clone();
    let second = pool.spawner().spawn_blocking(move || {
        b.wait();
        second_gate.recv().unwrap();
        std::thread::current().id()
    });
    both_running.wait();
    assert_eq!(pool.spawner().num_threads(), 2);
    // The first thread goes idle first, the second one last.
    release_first.send(()).unwrap();
    let first_thread = block_on(first).unwrap();
    wait_until("the first thread is idle", || {
        pool.spawner().num_idle_threads() == 1
    });
    release_second.send(()).unwrap();
    let second_thread = block_on(second).unwrap();
    assert_ne!(first_thread, second_thread);
    wait_until("both threads are idle", || {
        pool.spawner().num_idle_threads() == 2
    });
    for _ in 0..20 {
        let ran_on = block_on(
            pool.spawner()
                .spawn_blocking(|| std::thread::current().id()),
        )
        .unwrap();
        assert_eq!(
            ran_on, second_thread,
            "the most recently idle thread runs it"
        );
        wait_until("the thread is idle again", || {
            pool.spawner().num_idle_threads() == 2
        });
    }
    assert_eq!(pool.spawner().num_threads(), 2);
    assert_eq!(pool.spawner().queue_depth(), 0);
}

/// Many threads spawning at once: every task runs exactly once, and a burst that finds idle threads
/// hands each task to one of them without starting more threads than the burst needs.
#[test]
fn concurrent_spawners_run_every_task_once() {
    let pool = pool(16, Duration::from_secs(10));
    let ran = Arc::new(AtomicUsize::new(0));
    std::thread::scope(|s| {
        for _ in 0..4 {
            let (spawner, ran) = (pool.spawner().clone(), ran.clone());
            s.spawn(move || {
                for _ in 0..5 {
                    let handles: Vec<_> = (0..50)
                        .map(|i| {
                            let ran = ran.clone();
                            spawner.spawn_blocking(move || {
                                ran.fetch_add(1, Ordering::SeqCst);
                                i
                            })
                        })
                        .collect();
                    let sum: usize = handles.into_iter().map(|h| block_on(h).unwrap()).sum();
                    assert_eq!(sum, (0..50).sum());
                }
            });
        }
    });
    assert_eq!(ran.load(Ordering::SeqCst), 4 * 5 * 50);
    assert!(pool.spawner().num_threads() <= 16);
    assert!(pool.shutdown(Duration::from_secs(5)));
    assert_eq!(pool.spawner().num_threads(), 0);
}

#[derive(Default)]
struct Observer {
    spawned: AtomicUsize,
    finished: AtomicUsize,
}

impl blocking::TaskObserver for Observer {
    fn spawned(&self) {
        self.spawned.fetch_add(1, Ordering::SeqCst);
    }

    fn finished(&self) {
        self.finished.fetch_add(1, Ordering::SeqCst);
    }
}

/// The observer hears of every task when it enters the pool and again once it has left it (run or
/// cancelled), and its output is ready by the time `finished` is called.
#[test]
fn observer_follows_every_task_in_and_out() {
    let observer = Arc::new(Observer::default());
    let mut config = Config::default();
    config.max_threads = 2;
    config.observer = Some(observer.clone());
    let pool = BlockingPool::new(config);
    let handles: Vec<_> = (0..10)
        .map(|i| pool.spawner().spawn_blocking(move || i))
        .collect();
    assert_eq!(observer.spawned.load(Ordering::SeqCst), 10);
    let sum: i32 = handles.into_iter().map(|h| block_on(h).unwrap()).sum();
    assert_eq!(sum, 45);
    wait_until("every task has left the pool", || {
        observer.finished.load(Ordering::SeqCst) == 10
    });
    assert!(pool.shutdown(Duration::from_secs(10)));
    // A task spawned after shutdown is cancelled, and still comes in and out once.
    assert!(
        block_on(pool.spawner().spawn_blocking(|| ()))
            .unwrap_err()
            .is_cancelled()
    );
    assert_eq!(observer.spawned.load(Ordering::SeqCst), 11);
    assert_eq!(observer.finished.load(Ordering::SeqCst), 11);
}

#[test]
fn config_pool_and_spawner_debug_show_their_state() {
    let config = Config::default();
    assert_eq!(config.max_threads, blocking::DEFAULT_MAX_THREADS);
    assert_eq!(config.keep_alive, blocking::DEFAULT_KEEP_ALIVE);
    let debug = format!("{config:?}");
    assert!(
        debug.starts_with("Config { max_threads: 512, keep_alive: 10s, threads: ThreadConfig"),
        "{debug}"
    );
    assert!(debug.ends_with("observer: false }"), "{debug}");

    let pool = pool(1, Duration::from_secs(10));
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let busy = pool.spawner().spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
    });
    started_rx.recv().unwrap();
    let queued = pool.spawner().spawn_blocking(|| ());
    assert_eq!(
        format!("{:?}", pool.spawner()),
        "Spawner { num_threads: 1, num_idle: 0, queue_depth: 1, shutdown: false }"
    );
    assert_eq!(
        format!("{pool:?}"),
        "BlockingPool { spawner: Spawner { num_threads: 1, num_idle: 0, queue_depth: 1, shutdown: false } }"
    );
    release_tx.send(()).unwrap();
    block_on(busy).unwrap();
    block_on(queued).unwrap();
    assert!(pool.shutdown(Duration::from_secs(10)));
    assert!(format!("{:?}", pool.spawner()).ends_with("shutdown: true }"));
}

/// With no keep-alive bound (`Duration::MAX`) an idle thread waits for work without a timeout: it
/// is reused for the next task and stopped by shutdown, never retired.
#[test]
fn unbounded_keep_alive_keeps_the_idle_thread_until_shutdown() {
    let pool = pool(4, Duration::MAX);
    let first = block_on(
        pool.spawner()
            .spawn_blocking(|| std::thread::current().id()),
    )
    .unwrap();
    wait_until("the thread is idle", || {
        pool.spawner().num_idle_threads() == 1
    });
    let second = block_on(
        pool.spawner()
            .spawn_blocking(|| std::thread::current().id()),
    )
    .unwrap();
    assert_eq!(first, second, "the idle thread ran the next task");
    wait_until("the thread is idle again", || {
        pool.spawner().num_idle_threads() == 1
    });
    assert_eq!(pool.spawner().num_threads(), 1);
    let start = Instant::now();
    assert!(pool.shutdown(Duration::from_secs(10)));
    assert!(start.elapsed() < Duration::from_secs(5), "shutdown woke it");
    assert_eq!(pool.spawner().num_threads(), 0);
}

/// A pool dropped from one of its own threads shuts down without waiting for that thread (which
/// would wait for itself), and the thread exits once its task is over.
#[test]
fn pool_dropped_from_its_own_thread_does_not_wait_for_itself() {
    let pool = pool(2, Duration::from_secs(10));
    let spawner = pool.spawner().clone();
    let slot = Arc::new(std::sync::Mutex::new(Some(pool)));
    let s = slot.clone();
    let dropped = spawner.spawn_blocking(move || {
        let pool = s.lock().unwrap().take().expect("the pool");
        drop(pool);
        "dropped"
    });
    assert_eq!(block_on(dropped).unwrap(), "dropped");
    assert!(slot.lock().unwrap().is_none());
    assert!(spawner.is_shutdown());
    assert!(
        block_on(spawner.spawn_blocking(|| ()))
            .unwrap_err()
            .is_cancelled()
    );
    wait_until("the pool thread exited", || spawner.num_threads() == 0);
}

/// `shutdown` called on a pool thread waits for the pool's other threads, not for itself.
#[test]
fn shutdown_from_a_pool_thread_waits_for_the_others_only() {
    let pool = Arc::new(pool(2, Duration::from_secs(10)));
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let other = pool.spawner().spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        "other finished"
    });
    started_rx.recv().unwrap();
    let p = pool.clone();
    let shutting_down = pool.spawner().spawn_blocking(move || {
        let all_exited = p.shutdown(Duration::from_secs(30));
        (all_exited, p.spawner().num_threads())
    });
    wait_until("shutdown began", || pool.spawner().is_shutdown());
    assert!(!shutting_down.is_finished(), "it waits for the busy thread");
    release_tx.send(()).unwrap();
    assert_eq!(block_on(other).unwrap(), "other finished");
    // It returned once only itself was left.
    assert_eq!(block_on(shutting_down).unwrap(), (true, 1));
    wait_until("the last thread exited", || {
        pool.spawner().num_threads() == 0
    });
}
