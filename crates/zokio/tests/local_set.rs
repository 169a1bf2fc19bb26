//! `LocalSet`, `spawn_local` and `JoinSet::spawn_local`: `!Send` tasks on the thread that drives
//! the set, on every runtime flavour.

mod support;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use support::{DropCounter, finishes_within, panic_message, runtimes};
use zokio::sync::oneshot;
use zokio::task::{self, JoinHandle, JoinSet, LocalSet};

const LIMIT: Duration = Duration::from_secs(30);

fn current_thread() -> zokio::runtime::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn assert_send<T: Send>(_: &T) {}

/// Returns `Pending` once after waking itself, without touching the budget or asking for a
/// deferred wake-up: the kind of busy task that only the set's per-poll limit can interrupt.
async fn spin_once() {
    let mut done = false;
    std::future::poll_fn(move |cx| {
        if done {
            Poll::Ready(())
        } else {
            done = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

/// Records, when dropped, the thread it was dropped on.
struct RecordDropThread(Arc<Mutex<Vec<thread::ThreadId>>>);

impl Drop for RecordDropThread {
    fn drop(&mut self) {
        self.0.lock().unwrap().push(thread::current().id());
    }
}

#[test]
fn non_send_tasks_run_on_the_driving_thread_on_every_flavour() {
    for (name, rt) in runtimes() {
        let local = LocalSet::new();
        let me = thread::current().id();
        let log = Rc::new(RefCell::new(Vec::new()));
        let log2 = Rc::clone(&log);
        let out = local.block_on(&rt, async move {
            let mut handles = Vec::new();
            for i in 0..16u32 {
                let log = Rc::clone(&log2);
                handles.push(task::spawn_local(async move {
                    assert_eq!(thread::current().id(), me);
                    task::yield_now().await;
                    // Nested spawns go to the same set.
                    let inner = task::spawn_local(async move { i * 2 });
                    let doubled = inner.await.unwrap();
                    assert_eq!(thread::current().id(), me);
                    log.borrow_mut().push(doubled);
                    doubled
                }));
            }
            let mut sum = 0;
            for handle in handles {
                sum += handle.await.unwrap();
            }
            sum
        });
        assert_eq!(out, (0..16).map(|i| i * 2).sum::<u32>(), "{name}");
        let mut logged = log.borrow().clone();
        logged.sort_unstable();
        assert_eq!(logged, (0..16).map(|i| i * 2).collect::<Vec<_>>(), "{name}");
    }
}

#[test]
fn tasks_run_only_while_the_set_is_driven() {
    let rt = current_thread();
    let local = LocalSet::new();
    let steps = Rc::new(Cell::new(0));
    let (tx, rx) = oneshot::channel::<()>();
    let s = Rc::clone(&steps);
    let handle = local.spawn_local(async move {
        s.set(1);
        rx.await.unwrap();
        s.set(2);
    });
    assert_eq!(steps.get(), 0, "nothing runs before the set is driven");
    // Driving the runtime without the set does not run its tasks.
    rt.block_on(async {
        for _ in 0..10 {
            task::yield_now().await;
        }
    });
    assert_eq!(steps.get(), 0);

    local.block_on(&rt, task::yield_now());
    assert_eq!(steps.get(), 1);
    tx.send(()).unwrap();
    rt.block_on(async {
        for _ in 0..10 {
            task::yield_now().await;
        }
    });
    assert_eq!(steps.get(), 1, "woken, but the set is not driven");
    assert!(!handle.is_finished());

    local.block_on(&rt, async { handle.await.unwrap() });
    assert_eq!(steps.get(), 2);
}

#[test]
fn awaiting_the_set_runs_every_task_to_completion() {
    for (name, rt) in runtimes() {
        let local = LocalSet::new();
        let done = Rc::new(Cell::new(0));
        for i in 0..10 {
            let done = Rc::clone(&done);
            local.spawn_local(async move {
                // Woken from a worker (or the driver) on the multi-thread flavours.
                let (tx, rx) = oneshot::channel();
                zokio::spawn(async move { tx.send(i).unwrap() });
                assert_eq!(rx.await.unwrap(), i);
                let done2 = Rc::clone(&done);
                task::spawn_local(async move { done2.set(done2.get() + 1) });
                done.set(done.get() + 1);
            });
        }
        rt.block_on(local);
        assert_eq!(done.get(), 20, "{name}");
    }
}

#[test]
fn an_empty_set_completes_at_once() {
    let rt = current_thread();
    rt.block_on(LocalSet::new());
}

#[test]
fn pending_tasks_stay_in_the_set_after_run_until() {
    let rt = current_thread();
    let local = LocalSet::new();
    let (tx, rx) = oneshot::channel::<u8>();
    let handle = local.spawn_local(async move { rx.await.unwrap() + 1 });
    local.block_on(&rt, task::yield_now());
    assert!(!handle.is_finished());
    tx.send(41).unwrap();
    assert_eq!(local.block_on(&rt, handle).unwrap(), 42);
}

#[test]
fn woken_from_worker_threads() {
    for (name, rt) in runtimes() {
        let local = LocalSet::new();
        let me = thread::current().id();
        let count = local.block_on(&rt, async move {
            let mut senders = Vec::new();
            let mut handles = Vec::new();
            for i in 0..128usize {
                let (tx, rx) = oneshot::channel();
                senders.push(tx);
                let marker = Rc::new(i);
                handles.push(task::spawn_local(async move {
                    let got = rx.await.unwrap();
                    assert_eq!(thread::current().id(), me);
                    got + *marker - *marker
                }));
            }
            // Sent from a `Send` task, which runs on a worker on the multi-thread flavours.
            zokio::spawn(async move {
                for (i, tx) in senders.into_iter().enumerate() {
                    tx.send(i).unwrap();
                }
            })
            .await
            .unwrap();
            let mut count = 0;
            for (i, handle) in handles.into_iter().enumerate() {
                assert_eq!(handle.await.unwrap(), i);
                count += 1;
            }
            count
        });
        assert_eq!(count, 128, "{name}");
    }
}

/// The handle of a local task is `Send` when its output is, and can be awaited on a worker.
#[test]
fn join_handle_awaited_from_another_task() {
    let rt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let local = LocalSet::new();
    let me = thread::current().id();
    let out = local.block_on(&rt, async move {
        let (tx, rx) = oneshot::channel();
        let handle: JoinHandle<&'static str> = task::spawn_local(async move {
            let _not_send = Rc::new(());
            rx.await.unwrap();
            assert_eq!(thread::current().id(), me);
            "done"
        });
        assert_send(&handle);
        zokio::spawn(async move {
            tx.send(()).unwrap();
            handle.await.unwrap()
        })
        .await
        .unwrap()
    });
    assert_eq!(out, "done");
}

#[test]
fn task_ids_and_panics() {
    let rt = current_thread();
    let local = LocalSet::new();
    local.block_on(&rt, async {
        let handle = task::spawn_local(async { task::id() });
        let id = handle.id();
        assert_eq!(handle.await.unwrap(), id);
        assert_ne!(task::spawn_local(async {}).id(), id);

        let panicking = task::spawn_local(async {
            let value = Rc::new(3);
            if *value == 3 {
                panic!("local task panicked");
            }
        });
        let err = panicking.await.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(panic_message(&*err.into_panic()), "local task panicked");
        // The set goes on.
        assert_eq!(task::spawn_local(async { 5 }).await.unwrap(), 5);
    });
}

#[test]
fn spawn_local_outside_a_set_panics_with_advice() {
    let rt = current_thread();
    for inside_runtime in [false, true] {
        let attempt = || {
            catch_unwind(|| {
                task::spawn_local(async {});
            })
        };
        let payload = if inside_runtime {
            rt.block_on(async { attempt() })
        } else {
            attempt()
        }
        .unwrap_err();
        let message = panic_message(&*payload);
        assert!(
            message.starts_with(
                "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`"
            ),
            "{message}"
        );
        assert!(message.contains("LocalSet::run_until"), "{message}");
    }
    // The same through a `JoinSet`.
    let payload = catch_unwind(AssertUnwindSafe(|| {
        JoinSet::new().spawn_local(async {});
    }))
    .unwrap_err();
    assert!(panic_message(&*payload).starts_with("`spawn_local` called from outside"));
}

#[test]
fn enter_guard_spawns_onto_the_set() {
    let rt = current_thread();
    let local = LocalSet::new();
    let handle = {
        let _guard = local.enter();
        task::spawn_local(async { Rc::new(7) })
    };
    assert!(
        catch_unwind(|| task::spawn_local(async {})).is_err(),
        "the guard restored the previous state"
    );
    assert_eq!(*local.block_on(&rt, handle).unwrap(), 7);
}

/// A task woken by the runtime's driver while only an enter guard makes the set current (the
/// driver runs between two polls of the set) still wakes the set.
#[test]
fn timer_wake_under_an_enter_guard() {
    let rt = current_thread();
    let local = LocalSet::new();
    let _guard = local.enter();
    let (tx, rx) = oneshot::channel();
    local.block_on(&rt, async move {
        task::spawn_local(async move {
            zokio::time::sleep(Duration::ZERO).await;
            tx.send(()).unwrap();
        });
        rx.await.unwrap();
    });
}

/// Spawning onto a set from outside wakes whoever drives it.
#[test]
fn spawn_from_outside_wakes_the_driver() {
    let rt = current_thread();
    let local = LocalSet::new();
    rt.block_on(async {
        let mut run = std::pin::pin!(local.run_until(std::future::pending::<()>()));
        let mut spawned: Option<JoinHandle<u8>> = None;
        std::future::poll_fn(|cx| {
            assert!(run.as_mut().poll(cx).is_pending());
            match spawned.as_mut() {
                // Spawned after the set registered our waker: the spawn must wake us.
                None => {
                    spawned = Some(local.spawn_local(async { 9 }));
                    Poll::Pending
                }
                Some(handle) => Pin::new(handle)
                    .poll(cx)
                    .map(|out| assert_eq!(out.unwrap(), 9)),
            }
        })
        .await;
    });
}

#[test]
fn dropping_the_set_cancels_its_tasks_on_its_thread() {
    for (name, rt) in runtimes() {
        let local = LocalSet::new();
        let drops = DropCounter::default();
        let dropped_on = Arc::new(Mutex::new(Vec::new()));
        let rc = Rc::new(());
        let (_keep_tx, rx) = oneshot::channel::<()>();
        let mut handles = Vec::new();
        // Never started.
        {
            let (token, rc, record) = (
                drops.token(),
                Rc::clone(&rc),
                RecordDropThread(dropped_on.clone()),
            );
            handles.push(local.spawn_local(async move {
                let _keep = (token, rc, record);
                std::future::pending::<()>().await;
            }));
        }
        // Waiting on a channel whose sender lives on.
        {
            let (token, rc, record) = (
                drops.token(),
                Rc::clone(&rc),
                RecordDropThread(dropped_on.clone()),
            );
            handles.push(local.spawn_local(async move {
                let _keep = (token, rc, record);
                let _ = rx.await;
            }));
        }
        local.block_on(&rt, async {
            for _ in 0..4 {
                task::yield_now().await;
            }
        });
        // Queued (woken), not yet run again.
        {
            let (token, rc, record) = (
                drops.token(),
                Rc::clone(&rc),
                RecordDropThread(dropped_on.clone()),
            );
            handles.push(local.spawn_local(async move {
                let _keep = (token, rc, record);
            }));
        }
        assert_eq!(drops.count(), 0);
        drop(local);
        assert_eq!(drops.count(), 3, "{name}");
        assert_eq!(Rc::strong_count(&rc), 1, "{name}");
        let me = thread::current().id();
        assert_eq!(*dropped_on.lock().unwrap(), vec![me; 3], "{name}");
        for handle in handles {
            assert!(handle.is_finished());
            let err = rt.block_on(handle).unwrap_err();
            assert!(err.is_cancelled(), "{name}: {err}");
        }
    }
}

/// Destructors that run while the set is dropped may wake other tasks of the set and spawn new
/// ones; every one of them is dropped too, and the drop returns.
#[test]
fn drop_survives_destructors_that_wake_and_spawn() {
    finishes_within(LIMIT, "dropping the set", || {
        let rt = current_thread();
        let local = LocalSet::new();
        let drops = DropCounter::default();
        let (tx1, rx1) = oneshot::channel::<()>();
        let (tx2, rx2) = oneshot::channel::<()>();
        struct OnDrop<F: FnMut()>(F);
        impl<F: FnMut()> Drop for OnDrop<F> {
            fn drop(&mut self) {
                (self.0)();
            }
        }
        let token = drops.token();
        local.spawn_local(async move {
            let _token = token;
            let _ = rx2.await;
        });
        let token = drops.token();
        local.spawn_local(async move {
            let _token = token;
            let _ = rx1.await;
        });
        let spawned_in_drop = drops.clone();
        let mut tx1 = Some(tx1);
        let mut tx2 = Some(tx2);
        local.spawn_local(async move {
            let _wake_others = OnDrop(move || {
                // Wakes the two tasks above.
                let _ = tx1.take().unwrap().send(());
                let _ = tx2.take().unwrap().send(());
                let token = spawned_in_drop.token();
                let late = task::spawn_local(async move {
                    let _token = token;
                    unreachable!("spawned while the set is dropped: never polled");
                });
                drop(late);
            });
            std::future::pending::<()>().await;
        });
        local.block_on(&rt, task::yield_now());
        drop(local);
        assert_eq!(drops.count(), 3);
    });
}

/// A wake from another thread racing with the drop of the set: the drop waits for it, and every
/// future is dropped on the set's thread.
#[test]
fn drop_racing_with_remote_wakes() {
    finishes_within(LIMIT, "drop racing with remote wakes", || {
        let rounds = 200;
        for _ in 0..rounds {
            let local = LocalSet::new();
            let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
            let dropped_on = Arc::new(Mutex::new(Vec::new()));
            let record = RecordDropThread(dropped_on.clone());
            let s = Arc::clone(&slot);
            local.spawn_local(std::future::poll_fn(move |cx: &mut Context<'_>| {
                let _ = &record;
                *s.lock().unwrap() = Some(cx.waker().clone());
                Poll::<()>::Pending
            }));
            // Run the task once, so that its waker is in `slot`.
            let rt = current_thread();
            local.block_on(&rt, task::yield_now());
            let stop = Arc::new(AtomicBool::new(false));
            let (s, st) = (Arc::clone(&slot), Arc::clone(&stop));
            let waker_thread = thread::spawn(move || {
                while !st.load(SeqCst) {
                    let waker = s.lock().unwrap().clone();
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                }
            });
            drop(local);
            stop.store(true, SeqCst);
            waker_thread.join().unwrap();
            assert_eq!(*dropped_on.lock().unwrap(), vec![thread::current().id()]);
            slot.lock().unwrap().take();
        }
    });
}

#[test]
fn abort_from_another_thread() {
    let rt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let local = LocalSet::new();
    let drops = DropCounter::default();
    let dropped_on = Arc::new(Mutex::new(Vec::new()));
    let (token, record) = (drops.token(), RecordDropThread(dropped_on.clone()));
    let handle = local.spawn_local(async move {
        let _keep = (token, record);
        std::future::pending::<()>().await;
    });
    let abort = handle.abort_handle();
    let err = local.block_on(&rt, async move {
        task::yield_now().await;
        // From a worker thread.
        zokio::spawn(async move { abort.abort() }).await.unwrap();
        handle.await.unwrap_err()
    });
    assert!(err.is_cancelled());
    assert_eq!(drops.count(), 1);
    assert_eq!(*dropped_on.lock().unwrap(), [thread::current().id()]);
}

/// A set whose tasks keep waking themselves (without spending budget) still lets the runtime's
/// other tasks run: it returns to the runtime after a bounded number of polls.
#[test]
fn busy_local_tasks_do_not_starve_the_runtime() {
    finishes_within(LIMIT, "busy local tasks", || {
        let rt = current_thread();
        let local = LocalSet::new();
        let progress = Arc::new(AtomicUsize::new(0));
        local.block_on(&rt, async {
            let p = Arc::clone(&progress);
            // A `Send` task of the runtime, beside the set's tasks on the same thread.
            zokio::spawn(async move {
                for _ in 0..3 {
                    p.fetch_add(1, SeqCst);
                    task::yield_now().await;
                }
            });
            let mut busy = Vec::new();
            for _ in 0..4 {
                let p = Arc::clone(&progress);
                busy.push(task::spawn_local(async move {
                    let mut spins = 0u64;
                    while p.load(SeqCst) < 3 {
                        spin_once().await;
                        spins += 1;
                    }
                    spins
                }));
            }
            for handle in busy {
                assert!(handle.await.unwrap() > 0);
            }
        });
        assert_eq!(progress.load(SeqCst), 3);
    });
}

/// A local task that yields in a loop lets the runtime's other tasks (and its driver) in.
#[test]
fn yielding_local_task_lets_the_runtime_in() {
    finishes_within(LIMIT, "yielding local task", || {
        for (name, rt) in runtimes() {
            let local = LocalSet::new();
            let flag = Arc::new(AtomicBool::new(false));
            let yields = local.block_on(&rt, async {
                let f = Arc::clone(&flag);
                let (started_tx, started_rx) = zokio::sync::oneshot::channel();
                let waiter = task::spawn_local(async move {
                    // The flag cannot be set before this first check: the setter waits for this
                    // signal and then for a timer.
                    let _ = started_tx.send(());
                    let mut yields = 0u32;
                    while !f.load(SeqCst) {
                        task::yield_now().await;
                        yields += 1;
                    }
                    yields
                });
                let f = Arc::clone(&flag);
                // A timer, which only the driver fires.
                zokio::spawn(async move {
                    started_rx.await.unwrap();
                    zokio::time::sleep(Duration::from_millis(1)).await;
                    f.store(true, SeqCst);
                });
                waiter.await.unwrap()
            });
            assert!(yields > 0, "{name}");
        }
    });
}

/// Each local task is polled under its own cooperative budget: a task that spends budget in a
/// loop yields, and the set's other tasks run in between.
#[test]
fn local_tasks_spend_the_cooperative_budget() {
    let rt = current_thread();
    let local = LocalSet::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let (a, b) = (Rc::clone(&log), Rc::clone(&log));
    local.spawn_local(async move {
        for i in 0..1000 {
            zokio::task::consume_budget().await;
            if i % 100 == 0 {
                a.borrow_mut().push("a");
            }
        }
        a.borrow_mut().push("a done");
    });
    local.spawn_local(async move {
        b.borrow_mut().push("b");
    });
    rt.block_on(local);
    let log = log.borrow();
    let b_at = log.iter().position(|&e| e == "b").unwrap();
    assert!(
        b_at < log.len() - 1,
        "b ran while a was still looping: {log:?}"
    );
    assert!(
        b_at > 0,
        "a ran first and yielded only once its budget was spent: {log:?}"
    );
}

#[test]
fn block_in_place_panics_inside_a_set() {
    let rt = zokio::runtime::Runtime::new().unwrap();
    let expected = "can call blocking only when running on the multi-threaded runtime";
    // In the future given to `run_until`.
    let payload = catch_unwind(AssertUnwindSafe(|| {
        LocalSet::new().block_on(&rt, async { task::block_in_place(|| ()) })
    }))
    .unwrap_err();
    assert!(panic_message(&*payload).contains(expected));
    // In a local task.
    let local = LocalSet::new();
    let handle = local.spawn_local(async { task::block_in_place(|| ()) });
    let err = local.block_on(&rt, handle).unwrap_err();
    assert!(panic_message(&*err.into_panic()).contains(expected));
    // In the destructor of a task that the set's drop cancels.
    struct BlockInPlaceOnDrop;
    impl Drop for BlockInPlaceOnDrop {
        fn drop(&mut self) {
            task::block_in_place(|| ());
        }
    }
    let local = LocalSet::new();
    let handle = local.spawn_local(async {
        let _guard = BlockInPlaceOnDrop;
        std::future::pending::<()>().await;
    });
    local.block_on(&rt, task::yield_now());
    drop(local);
    let err = rt.block_on(handle).unwrap_err();
    assert!(panic_message(&*err.into_panic()).contains(expected));
    // Outside the set it still works on the multi-thread runtime.
    assert_eq!(rt.block_on(async { task::block_in_place(|| 1) }), 1);
}

#[test]
fn nested_sets_keep_their_tasks_apart() {
    let rt = current_thread();
    let outer = LocalSet::new();
    let ran = Rc::new(Cell::new(false));
    let (r, check) = (Rc::clone(&ran), Rc::clone(&ran));
    let ran_before_inner_was_driven = outer.block_on(&rt, async move {
        task::spawn_local(async move {
            let inner = LocalSet::new();
            // `run_until`'s future completes before the inner set runs anything.
            inner
                .run_until(async {
                    task::spawn_local(async move { r.set(true) });
                })
                .await;
            // The task went to `inner`, which nobody drives now: the outer set does not run it.
            for _ in 0..5 {
                task::yield_now().await;
            }
            let before = check.get();
            inner.await;
            assert!(check.get());
            before
        })
        .await
        .unwrap()
    });
    assert!(
        !ran_before_inner_was_driven,
        "the inner task ran on the outer set"
    );
    assert!(ran.get());
}

#[test]
fn join_set_spawn_local_and_spawn_local_on() {
    let rt = current_thread();
    let local = LocalSet::new();
    let mut set = JoinSet::new();
    for i in 0..3u32 {
        let v = Rc::new(i);
        set.spawn_local_on(async move { *v + 100 }, &local);
    }
    let mut outputs = local.block_on(&rt, async {
        for i in 0..3u32 {
            let v = Rc::new(i);
            set.spawn_local(async move { *v });
        }
        let mut outputs = Vec::new();
        while let Some(result) = set.join_next().await {
            outputs.push(result.unwrap());
        }
        outputs
    });
    outputs.sort_unstable();
    assert_eq!(outputs, [0, 1, 2, 100, 101, 102]);

    // Dropping the JoinSet aborts its local tasks.
    let drops = DropCounter::default();
    local.block_on(&rt, async {
        let mut set = JoinSet::new();
        for _ in 0..3 {
            let token = drops.token();
            set.spawn_local(async move {
                let _token = token;
                std::future::pending::<()>().await;
            });
        }
        task::yield_now().await;
        drop(set);
        task::yield_now().await;
    });
    assert_eq!(drops.count(), 3);
}

/// A set kept in a thread-local is dropped when its thread exits, with its tasks.
#[test]
fn set_in_a_thread_local_is_dropped_at_thread_exit() {
    let drops = DropCounter::default();
    let d = drops.clone();
    thread::spawn(move || {
        thread_local! {
            static SET: LocalSet = LocalSet::new();
        }
        let rt = current_thread();
        SET.with(|set| {
            let token = d.token();
            set.spawn_local(async move {
                let _token = token;
                std::future::pending::<()>().await;
            });
            set.block_on(&rt, task::yield_now());
        });
    })
    .join()
    .unwrap();
    assert_eq!(drops.count(), 1);
}

/// A task spawned through an enter guard that outlived its set is cancelled at once: its future is
/// dropped, on this thread, without being polled.
#[test]
fn spawning_through_a_guard_that_outlived_its_set_cancels_the_task() {
    let local = LocalSet::new();
    let guard = local.enter();
    drop(local);
    let polled = Rc::new(Cell::new(false));
    let drops = DropCounter::default();
    let (flag, token) = (Rc::clone(&polled), drops.token());
    let handle = task::spawn_local(async move {
        let _token = token;
        flag.set(true);
    });
    drop(guard);
    assert_eq!(drops.count(), 1, "the future was dropped at once");
    assert!(!polled.get(), "and never polled");
    let rt = current_thread();
    assert!(rt.block_on(handle).unwrap_err().is_cancelled());
}

#[test]
fn default_and_debug() {
    let local = LocalSet::default();
    assert_eq!(format!("{local:?}"), "LocalSet { live_tasks: 0, .. }");
    let handle = local.spawn_local(async { 1 });
    let guard = local.enter();
    assert_eq!(format!("{guard:?}"), "LocalEnterGuard { .. }");
    drop(guard);
    assert_eq!(format!("{local:?}"), "LocalSet { live_tasks: 1, .. }");
    let rt = current_thread();
    assert_eq!(local.block_on(&rt, handle).unwrap(), 1);
    assert_eq!(format!("{local:?}"), "LocalSet { live_tasks: 0, .. }");
}

/// `run_until` cancelled while its future waits: that future is dropped with it, and the set's
/// tasks stay in the set, to run the next time it is driven.
#[test]
fn a_cancelled_run_until_drops_its_future_and_keeps_the_tasks() {
    let rt = current_thread();
    let local = LocalSet::new();
    let drops = DropCounter::default();
    let (tx, rx) = oneshot::channel::<u32>();
    let polled = Rc::new(Cell::new(false));
    let flag = Rc::clone(&polled);
    let task = local.spawn_local(async move {
        flag.set(true);
        rx.await.unwrap() * 2
    });
    let token = drops.token();
    rt.block_on(async {
        let waited = zokio::time::timeout(
            Duration::from_millis(5),
            local.run_until(async move {
                let _token = token;
                std::future::pending::<()>().await
            }),
        )
        .await;
        assert!(waited.is_err());
    });
    assert_eq!(drops.count(), 1, "the future of run_until was dropped");
    assert!(polled.get(), "the task ran while the set was driven");
    tx.send(21).unwrap();
    assert_eq!(local.block_on(&rt, task).unwrap(), 42);
}
