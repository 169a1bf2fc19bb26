//! Runtime behaviour on every flavour: spawning, panics, aborts, shutdown, context errors.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::{DropCounter, runtimes};
use zokio::runtime::{Builder, Handle};
use zokio::task;

#[test]
fn spawn_and_await_many_tasks() {
    for (name, rt) in runtimes() {
        let total = rt.block_on(async {
            let handles: Vec<_> = (0..1000u64)
                .map(|i| zokio::spawn(async move { i }))
                .collect();
            let mut total = 0;
            for h in handles {
                total += h.await.unwrap();
            }
            total
        });
        assert_eq!(total, 499_500, "{name}");
    }
}

#[test]
fn panic_is_captured_and_the_runtime_keeps_running() {
    for (name, rt) in runtimes() {
        rt.block_on(async {
            let err = zokio::spawn(async { panic!("task exploded") })
                .await
                .unwrap_err();
            assert!(err.is_panic(), "{name}");
            assert!(err.to_string().contains("task exploded"), "{name}: {err}");
            assert_eq!(
                *err.into_panic().downcast::<&str>().unwrap(),
                "task exploded"
            );
            // The worker that polled the panicking task is still there.
            let after: Vec<_> = (0..16).map(|i| zokio::spawn(async move { i })).collect();
            for (i, h) in after.into_iter().enumerate() {
                assert_eq!(h.await.unwrap(), i, "{name}");
            }
        });
    }
}

#[test]
fn abort_idle_task_drops_its_future() {
    for (name, rt) in runtimes() {
        let drops = DropCounter::default();
        let token = drops.token();
        rt.block_on(async {
            let (started_tx, started_rx) = zokio::sync::oneshot::channel();
            let handle = zokio::spawn(async move {
                let _token = token;
                started_tx.send(()).unwrap();
                std::future::pending::<()>().await;
            });
            started_rx.await.unwrap();
            assert_eq!(drops.count(), 0, "{name}");
            handle.abort();
            let err = handle.await.unwrap_err();
            assert!(err.is_cancelled(), "{name}");
            assert_eq!(
                drops.count(),
                1,
                "{name}: the future was not dropped by the abort"
            );
        });
    }
}

#[test]
fn abort_running_task_takes_effect_at_its_next_yield() {
    for (name, rt) in runtimes() {
        rt.block_on(async {
            let polls = Arc::new(AtomicUsize::new(0));
            let p = polls.clone();
            let handle = zokio::spawn(async move {
                loop {
                    p.fetch_add(1, Ordering::SeqCst);
                    task::yield_now().await;
                }
            });
            while polls.load(Ordering::SeqCst) < 10 {
                task::yield_now().await;
            }
            handle.abort();
            assert!(handle.await.unwrap_err().is_cancelled(), "{name}");
            let after = polls.load(Ordering::SeqCst);
            for _ in 0..10 {
                task::yield_now().await;
            }
            assert_eq!(
                polls.load(Ordering::SeqCst),
                after,
                "{name}: polled after abort"
            );
        });
    }
}

#[test]
fn dropping_the_join_handle_detaches() {
    for (name, rt) in runtimes() {
        rt.block_on(async {
            let (tx, rx) = zokio::sync::oneshot::channel();
            drop(zokio::spawn(async move {
                task::yield_now().await;
                tx.send(5).unwrap();
            }));
            assert_eq!(rx.await.unwrap(), 5, "{name}");
        });
    }
}

#[test]
fn dropping_the_runtime_drops_every_future() {
    for (name, rt) in runtimes() {
        let drops = DropCounter::default();
        rt.block_on(async {
            for _ in 0..50 {
                let token = drops.token();
                zokio::spawn(async move {
                    let _token = token;
                    std::future::pending::<()>().await;
                });
            }
            // A pair of tasks that wait on each other: only the runtime's task list reaches them.
            let (tx_a, rx_a) = zokio::sync::oneshot::channel::<()>();
            let (tx_b, rx_b) = zokio::sync::oneshot::channel::<()>();
            let (ta, tb) = (drops.token(), drops.token());
            zokio::spawn(async move {
                let _keep = (ta, tx_b);
                let _ = rx_a.await;
            });
            zokio::spawn(async move {
                let _keep = (tb, tx_a);
                let _ = rx_b.await;
            });
            task::yield_now().await;
        });
        // Spawned but never run.
        let token = drops.token();
        let never = rt.spawn(async move {
            let _token = token;
        });
        drop(rt);
        assert_eq!(drops.count(), 53, "{name}");
        // A current-thread runtime runs nothing outside `block_on`, so the task never ran; a
        // multi-thread worker may have run it before the drop. Either way its future is gone.
        let result = futures_lite::future::block_on(never);
        match result {
            Ok(()) => assert_ne!(name, "current_thread", "it ran outside block_on"),
            Err(err) => assert!(err.is_cancelled(), "{name}: {err}"),
        }
    }
}

#[test]
fn remote_spawn_wakes_a_parked_runtime() {
    for (name, rt) in runtimes() {
        let handle = rt.handle().clone();
        let value = rt.block_on(async move {
            let (tx, rx) = zokio::sync::oneshot::channel();
            let thread = std::thread::spawn(move || {
                let join = handle.spawn(async move {
                    tx.send(11).unwrap();
                });
                drop(join);
            });
            let v = rx.await.unwrap();
            thread.join().unwrap();
            v
        });
        assert_eq!(value, 11, "{name}");
    }
}

#[test]
fn task_ids_are_unique_and_visible_inside() {
    for (name, rt) in runtimes() {
        rt.block_on(async {
            assert!(
                task::try_id().is_none(),
                "{name}: block_on's future is not a task"
            );
            let handles: Vec<_> = (0..100)
                .map(|_| zokio::spawn(async { task::id() }))
                .collect();
            let mut ids = std::collections::HashSet::new();
            for h in handles {
                let expected = h.id();
                let id = h.await.unwrap();
                assert_eq!(id, expected, "{name}");
                assert!(ids.insert(id), "{name}: duplicate id");
            }
        });
    }
}

#[test]
fn join_set_returns_in_completion_order_and_aborts_all() {
    for (name, rt) in runtimes() {
        rt.block_on(async {
            let mut set = task::JoinSet::new();
            let (tx, rx) = zokio::sync::oneshot::channel::<()>();
            set.spawn(async move {
                rx.await.unwrap();
                "second"
            });
            set.spawn(async { "first" });
            assert_eq!(set.len(), 2);
            assert_eq!(set.join_next().await.unwrap().unwrap(), "first", "{name}");
            tx.send(()).unwrap();
            assert_eq!(set.join_next().await.unwrap().unwrap(), "second", "{name}");
            assert!(set.join_next().await.is_none());

            let drops = DropCounter::default();
            for _ in 0..10 {
                let token = drops.token();
                set.spawn(async move {
                    let _token = token;
                    std::future::pending::<&str>().await
                });
            }
            set.abort_all();
            let mut cancelled = 0;
            while let Some(res) = set.join_next().await {
                assert!(res.unwrap_err().is_cancelled());
                cancelled += 1;
            }
            assert_eq!(cancelled, 10, "{name}");
            assert_eq!(drops.count(), 10, "{name}");
            assert!(set.is_empty());
        });
    }
}

#[test]
fn spawn_blocking_returns_value_and_panics() {
    for (name, rt) in runtimes() {
        rt.block_on(async {
            let v = task::spawn_blocking(|| 2 + 2).await.unwrap();
            assert_eq!(v, 4, "{name}");
            let err = task::spawn_blocking(|| panic!("blocking boom"))
                .await
                .unwrap_err();
            assert!(err.is_panic(), "{name}");
        });
    }
}

#[test]
#[should_panic(expected = "must be called from the context of a zokio runtime")]
fn spawn_outside_a_runtime_panics_with_a_clear_message() {
    drop(zokio::spawn(async {}));
}

#[test]
#[should_panic(expected = "must be called from the context of a zokio runtime")]
fn handle_current_outside_a_runtime_panics() {
    let _ = Handle::current();
}

#[test]
fn block_on_inside_a_runtime_panics_instead_of_deadlocking() {
    for (name, rt) in runtimes() {
        let inner = Builder::new_current_thread().build().unwrap();
        let result = rt.block_on(async {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.block_on(async {})))
        });
        let payload = result.expect_err(name);
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap();
        assert!(
            msg.contains("Cannot start a runtime from within a runtime"),
            "{name}: {msg}"
        );
    }
}

#[test]
fn enter_makes_spawn_work_from_plain_code() {
    let rt = Builder::new_current_thread().build().unwrap();
    let handle = {
        let _guard = rt.enter();
        zokio::spawn(async { 3 })
    };
    assert_eq!(rt.block_on(handle).unwrap(), 3);
}

#[test]
#[should_panic(expected = "worker_threads must be greater than 0")]
fn zero_worker_threads_is_a_clear_panic() {
    Builder::new_multi_thread().worker_threads(0);
}

#[test]
fn start_paused_without_time_is_an_invalid_input_error() {
    let err = Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

/// Auto-advance needs every task idle, which one parked worker of several cannot know: a paused
/// clock would jump an hour ahead while another worker still runs a task.
#[test]
fn start_paused_on_multi_thread_is_an_invalid_input_error() {
    let err = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("current-thread"), "{err}");
}

#[test]
fn shutdown_timeout_keeps_its_bound_with_a_stuck_blocking_task() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        // Stuck until the test ends.
        let _ = rx.recv();
    });
    started_rx.recv().unwrap();
    let start = std::time::Instant::now();
    rt.shutdown_timeout(Duration::from_millis(100));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    drop(tx);
}

#[test]
fn thread_hooks_run_on_worker_threads() {
    let started = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let (s, t) = (started.clone(), stopped.clone());
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("hooked")
        .on_thread_start(move || {
            s.fetch_add(1, Ordering::SeqCst);
        })
        .on_thread_stop(move || {
            t.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    let name = rt.block_on(async {
        zokio::spawn(async { std::thread::current().name().map(str::to_owned) })
            .await
            .unwrap()
    });
    assert_eq!(name.as_deref(), Some("hooked"));
    drop(rt);
    assert!(started.load(Ordering::SeqCst) >= 2);
    assert_eq!(
        started.load(Ordering::SeqCst),
        stopped.load(Ordering::SeqCst)
    );
}

#[test]
fn metrics_count_workers_tasks_and_polls() {
    for (name, rt) in runtimes() {
        rt.block_on(async {
            for _ in 0..100 {
                zokio::spawn(async {}).await.unwrap();
            }
        });
        let metrics = rt.handle().metrics();
        let expected_workers = match name {
            "current_thread" => 1,
            "multi_thread(1)" => 1,
            _ => 4,
        };
        assert_eq!(metrics.num_workers, expected_workers, "{name}");
        assert_eq!(metrics.workers.len(), expected_workers, "{name}");
        assert!(metrics.total_polls() >= 100, "{name}: {metrics:?}");
        assert_eq!(metrics.num_alive_tasks, 0, "{name}");
    }
}

#[test]
fn a_custom_scheduler_runs_tasks_with_the_runtime_context() {
    use zokio::runtime::scheduler::GlobalFifo;

    let rt = Builder::new_multi_thread()
        .scheduler(|driver, threads| {
            let fifo: Arc<dyn zokio::runtime::scheduler::Scheduler> =
                GlobalFifo::with_threads(2, driver, threads)?;
            Ok(fifo)
        })
        .thread_name("fifo-worker")
        .enable_all()
        .build()
        .unwrap();
    let (name, nested, slept) = rt.block_on(async {
        zokio::spawn(async {
            // Inside a task on the custom scheduler's thread: spawn and timers work.
            let nested = zokio::spawn(async { 5 }).await.unwrap();
            zokio::time::sleep(Duration::from_millis(1)).await;
            (
                std::thread::current().name().map(str::to_owned),
                nested,
                true,
            )
        })
        .await
        .unwrap()
    });
    assert_eq!(name.as_deref(), Some("fifo-worker"));
    assert_eq!(nested, 5);
    assert!(slept);
}

#[test]
fn block_in_place_panics_on_a_current_thread_runtime() {
    let rt = Builder::new_current_thread().build().unwrap();
    let result = rt.block_on(async { std::panic::catch_unwind(|| task::block_in_place(|| 1)) });
    assert!(result.is_err());
}

#[test]
fn block_in_place_keeps_other_tasks_running() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, rx) = std::sync::mpsc::channel::<u32>();
        // The blocking closure waits for a task that must run meanwhile.
        let blocker = zokio::spawn(async move {
            task::block_in_place(move || rx.recv_timeout(Duration::from_secs(20)).unwrap())
        });
        let sender = zokio::spawn(async move {
            task::yield_now().await;
            tx.send(9).unwrap();
        });
        sender.await.unwrap();
        assert_eq!(blocker.await.unwrap(), 9);
    });
}

#[test]
fn time_pause_on_a_multi_thread_runtime_panics() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let result = rt.block_on(async {
        std::panic::catch_unwind(zokio::time::pause).map_err(|payload| {
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        })
    });
    let message = result.unwrap_err();
    assert!(
        message.contains("needs a current-thread runtime"),
        "{message}"
    );
}

#[test]
fn time_pause_on_a_current_thread_runtime_jumps_idle_sleeps() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        zokio::time::pause();
        let start = zokio::time::Instant::now();
        zokio::time::sleep(Duration::from_secs(3600)).await;
        assert!(start.elapsed() >= Duration::from_secs(3600));
    });
}
