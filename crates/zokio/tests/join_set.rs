//! `zokio::task::JoinSet`: every way in and out of the set, aborting and detaching, cancel safety of
//! `join_next`, and spawning onto other runtimes and the blocking pool.

mod support;

use std::collections::HashSet;
use std::task::{Context, Poll};
use std::time::Duration;

use support::{DropCounter, panic_message};
use zokio::runtime::{Builder, Runtime};
use zokio::sync::oneshot;
use zokio::task::JoinSet;

fn runtimes() -> Vec<(&'static str, Runtime)> {
    support::runtimes()
}

#[test]
fn join_next_with_id_pairs_each_output_with_its_task() {
    for (name, rt) in runtimes() {
        rt.block_on(async {
            let mut set = JoinSet::new();
            let mut expected = HashSet::new();
            for i in 0..4u32 {
                let abort = set.spawn(async move { (zokio::task::id(), i) });
                expected.insert(abort.id());
            }
            assert_eq!(set.len(), 4);
            let mut ids = HashSet::new();
            while let Some(joined) = set.join_next_with_id().await {
                let (id, (inside, _)) = joined.unwrap();
                assert_eq!(id, inside, "{name}: the id is the task's own");
                ids.insert(id);
            }
            assert_eq!(ids, expected, "{name}");
            assert!(set.is_empty());
            assert!(set.join_next_with_id().await.is_none());
        });
    }
}

#[test]
fn try_join_next_takes_only_finished_tasks() {
    for (name, rt) in runtimes() {
        rt.block_on(async {
            let mut set = JoinSet::new();
            let (release, released) = oneshot::channel::<()>();
            set.spawn(async move {
                released.await.unwrap();
                "done"
            });
            assert!(
                set.try_join_next().is_none(),
                "{name}: nothing finished yet"
            );
            assert_eq!(set.len(), 1);
            release.send(()).unwrap();
            let output = loop {
                if let Some(output) = set.try_join_next() {
                    break output;
                }
                zokio::task::yield_now().await;
            };
            assert_eq!(output.unwrap(), "done", "{name}");
            assert!(set.try_join_next().is_none());
            assert!(set.is_empty());
        });
    }
}

#[test]
fn poll_join_next_is_pending_until_a_task_finishes() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let mut set = JoinSet::new();
        let (release, released) = oneshot::channel::<()>();
        set.spawn(async move { released.await.map(|()| 9) });
        // Pending while the task waits; the set's own waker is registered.
        let first = std::future::poll_fn(|cx: &mut Context<'_>| {
            Poll::Ready(set.poll_join_next(cx).is_pending())
        })
        .await;
        assert!(first);
        release.send(()).unwrap();
        let output = std::future::poll_fn(|cx| set.poll_join_next(cx)).await;
        assert_eq!(output.unwrap().unwrap().unwrap(), 9);
        let end = std::future::poll_fn(|cx| set.poll_join_next(cx)).await;
        assert!(end.is_none());
    });
}

#[test]
fn abort_all_cancels_every_task_and_they_stay_until_joined() {
    for (name, rt) in runtimes() {
        let drops = DropCounter::default();
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..3 {
                let token = drops.token();
                set.spawn(async move {
                    let _token = token;
                    std::future::pending::<()>().await
                });
            }
            set.abort_all();
            assert_eq!(set.len(), 3, "{name}: aborted tasks stay until joined");
            let mut cancelled = 0;
            while let Some(joined) = set.join_next().await {
                assert!(joined.unwrap_err().is_cancelled(), "{name}");
                cancelled += 1;
            }
            assert_eq!(cancelled, 3);
        });
        assert_eq!(drops.count(), 3, "{name}: every future dropped");
    }
}

#[test]
fn shutdown_aborts_and_waits_for_every_task() {
    for (name, rt) in runtimes() {
        let drops = DropCounter::default();
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..3 {
                let token = drops.token();
                set.spawn(async move {
                    let _token = token;
                    zokio::time::sleep(Duration::from_secs(3600)).await
                });
            }
            set.shutdown().await;
            assert!(set.is_empty(), "{name}");
            // Every future is dropped by the time `shutdown` returns.
            assert_eq!(drops.count(), 3, "{name}");
        });
    }
}

#[test]
fn detached_tasks_keep_running_after_the_set_is_dropped() {
    for (name, rt) in runtimes() {
        let output = rt.block_on(async {
            let mut set = JoinSet::new();
            let (release, released) = oneshot::channel::<()>();
            let (report, reported) = oneshot::channel::<&str>();
            set.spawn(async move {
                released.await.unwrap();
                report.send("ran to the end").unwrap();
            });
            set.detach_all();
            assert!(set.is_empty(), "{name}");
            drop(set);
            release.send(()).unwrap();
            reported.await.unwrap()
        });
        assert_eq!(output, "ran to the end", "{name}");
    }
}

#[test]
fn dropping_the_set_aborts_its_tasks() {
    for (name, rt) in runtimes() {
        let drops = DropCounter::default();
        rt.block_on(async {
            let mut set = JoinSet::new();
            let token = drops.token();
            let abort = set.spawn(async move {
                let _token = token;
                std::future::pending::<()>().await
            });
            zokio::task::yield_now().await;
            drop(set);
            while !abort.is_finished() {
                zokio::task::yield_now().await;
            }
        });
        assert_eq!(drops.count(), 1, "{name}");
    }
}

#[test]
fn a_cancelled_join_next_loses_no_output() {
    for (name, rt) in runtimes() {
        rt.block_on(async {
            let mut set = JoinSet::new();
            let (release, released) = oneshot::channel::<()>();
            set.spawn(async move {
                released.await.unwrap();
                5
            });
            // Cancelled while it waits: the task stays in the set.
            let waited = zokio::time::timeout(Duration::from_millis(5), set.join_next()).await;
            assert!(waited.is_err(), "{name}");
            assert_eq!(set.len(), 1);
            release.send(()).unwrap();
            assert_eq!(set.join_next().await.unwrap().unwrap(), 5, "{name}");
        });
    }
}

#[test]
fn join_all_returns_every_output_and_resumes_a_panic() {
    for (name, rt) in runtimes() {
        let mut outputs = rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..5u32 {
                set.spawn(async move { i * i });
            }
            set.join_all().await
        });
        outputs.sort_unstable();
        assert_eq!(outputs, [0, 1, 4, 9, 16], "{name}");

        let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                let mut set = JoinSet::new();
                set.spawn(async { panic!("one task failed") });
                set.join_all().await
            })
        }))
        .unwrap_err();
        assert_eq!(panic_message(&*payload), "one task failed", "{name}");
    }
}

#[test]
fn spawn_on_runs_the_task_on_the_given_runtime() {
    let here = Builder::new_current_thread().build().unwrap();
    let there = Builder::new_multi_thread()
        .worker_threads(1)
        .name("there")
        .build()
        .unwrap();
    let target = there.handle().clone();
    let ran_on = here.block_on(async move {
        let mut set = JoinSet::new();
        set.spawn_on(
            async { zokio::runtime::Handle::current().name().map(str::to_owned) },
            &target,
        );
        set.join_next().await.unwrap().unwrap()
    });
    assert_eq!(ran_on.as_deref(), Some("there"));
}

#[test]
fn spawn_blocking_runs_on_the_blocking_pool() {
    for (name, rt) in runtimes() {
        let results = rt.block_on(async {
            let mut set = JoinSet::new();
            let test_thread = std::thread::current().id();
            set.spawn_blocking(move || std::thread::current().id() != test_thread);
            set.spawn_blocking(|| panic!("blocking failed"));
            let mut results = Vec::new();
            while let Some(joined) = set.join_next().await {
                results.push(joined.map_err(|e| panic_message(&*e.into_panic())));
            }
            results
        });
        assert_eq!(results.len(), 2, "{name}");
        assert!(results.contains(&Ok(true)), "{name}: {results:?}");
        assert!(
            results.contains(&Err("blocking failed".to_owned())),
            "{name}: {results:?}"
        );
    }
}

#[test]
#[should_panic(expected = "must be called from the context of a zokio runtime")]
fn spawn_outside_a_runtime_panics() {
    JoinSet::new().spawn(async {});
}

#[test]
fn default_is_empty_and_debug_shows_the_length() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let mut set: JoinSet<()> = JoinSet::default();
        assert!(set.is_empty());
        assert_eq!(format!("{set:?}"), "JoinSet { len: 0 }");
        set.spawn(std::future::pending());
        set.spawn(std::future::pending());
        assert_eq!(format!("{set:?}"), "JoinSet { len: 2 }");
    });
}
