//! Unit tests of the current-thread scheduler, on the plain `ParkThread` driver.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use super::{Config, CurrentThread};
use crate::{Handle, ParkThread, Scheduler, context};

fn runtime() -> (Arc<CurrentThread>, Handle) {
    let sched = Arc::new(CurrentThread::new(
        Box::new(ParkThread::new()),
        Config::default(),
    ));
    let handle = Handle::new(sched.clone());
    (sched, handle)
}

fn block_on<F: Future>(handle: &Handle, future: F) -> F::Output {
    let _enter = context::enter(handle.clone());
    let mut output = None;
    {
        let mut wrapper = std::pin::pin!(async { output = Some(future.await) });
        let wrapper: Pin<&mut dyn Future<Output = ()>> = wrapper.as_mut();
        handle.scheduler().block_on(wrapper);
    }
    output.unwrap()
}

/// Returns `Pending` once after waking itself: a yield.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn spawned_tasks_run_and_return_output() {
    let (sched, handle) = runtime();
    let total = block_on(&handle, async {
        let handles: Vec<_> = (0..100u64)
            .map(|i| crate::spawn(async move { i * 2 }))
            .collect();
        let mut total = 0;
        for h in handles {
            total += h.await.unwrap();
        }
        total
    });
    assert_eq!(total, 9900);
    sched.shutdown(Duration::ZERO);
}

#[test]
fn yielding_task_goes_behind_the_others() {
    let (sched, handle) = runtime();
    let order = Arc::new(Mutex::new(Vec::new()));
    block_on(&handle, {
        let order = order.clone();
        async move {
            let a = {
                let order = order.clone();
                crate::spawn(async move {
                    order.lock().unwrap().push("a1");
                    YieldOnce(false).await;
                    order.lock().unwrap().push("a2");
                })
            };
            let b = {
                let order = order.clone();
                crate::spawn(async move {
                    order.lock().unwrap().push("b");
                })
            };
            a.await.unwrap();
            b.await.unwrap();
        }
    });
    assert_eq!(*order.lock().unwrap(), ["a1", "b", "a2"]);
    sched.shutdown(Duration::ZERO);
}

#[test]
fn remote_spawn_wakes_a_parked_runtime() {
    let (sched, handle) = runtime();
    let remote = handle.clone();
    let value = block_on(&handle, async move {
        // The runtime parks while awaiting: only the other thread's spawn can make progress.
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let join = remote.spawn(async { 41 + 1 });
            tx.send(join).unwrap();
        });
        let join = loop {
            match rx.try_recv() {
                Ok(join) => break join,
                Err(_) => YieldOnce(false).await,
            }
        };
        thread.join().unwrap();
        join.await.unwrap()
    });
    assert_eq!(value, 42);
    sched.shutdown(Duration::ZERO);
}

#[test]
fn wake_from_another_thread_unparks_block_on() {
    let (sched, handle) = runtime();
    let value = block_on(&handle, async {
        let (tx, rx) = std::sync::mpsc::channel::<std::task::Waker>();
        let flag = Arc::new(AtomicUsize::new(0));
        let f = flag.clone();
        let thread = std::thread::spawn(move || {
            let waker = rx.recv().unwrap();
            f.store(7, Ordering::SeqCst);
            waker.wake();
        });
        let mut sent = Some(tx);
        std::future::poll_fn(|cx| {
            if let Some(tx) = sent.take() {
                tx.send(cx.waker().clone()).unwrap();
            }
            match flag.load(Ordering::SeqCst) {
                0 => Poll::Pending,
                v => Poll::Ready(v),
            }
        })
        .await
        .to_owned()
            + {
                thread.join().unwrap();
                0
            }
    });
    assert_eq!(value, 7);
    sched.shutdown(Duration::ZERO);
}

#[test]
fn shutdown_drops_every_future_including_idle_cycles() {
    let (sched, handle) = runtime();
    let drops = Arc::new(AtomicUsize::new(0));
    block_on(&handle, {
        let drops = drops.clone();
        async move {
            for _ in 0..10 {
                let counter = DropCounter(drops.clone());
                // Never woken again: only the task list can find it at shutdown.
                crate::spawn(async move {
                    let _counter = counter;
                    std::future::pending::<()>().await;
                });
            }
            // Spawned but never polled.
            YieldOnce(false).await;
        }
    });
    let counter = DropCounter(drops.clone());
    let never_run = handle.spawn(async move {
        let _counter = counter;
    });
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    sched.shutdown(Duration::ZERO);
    assert_eq!(drops.load(Ordering::SeqCst), 11);
    assert!(sched.task_list().is_empty());
    let err = futures_lite::future::block_on(never_run).unwrap_err();
    assert!(err.is_cancelled());
}

#[test]
fn spawn_after_shutdown_is_cancelled() {
    let (sched, handle) = runtime();
    sched.shutdown(Duration::ZERO);
    let drops = Arc::new(AtomicUsize::new(0));
    let counter = DropCounter(drops.clone());
    let join = handle.spawn(async move {
        let _counter = counter;
        1
    });
    // The cancelled task sits in the inject queue until something runs or drops it.
    sched.shutdown(Duration::ZERO);
    drop(sched);
    drop(handle);
    let err = futures_lite::future::block_on(join).unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
#[should_panic(expected = "Cannot start a runtime from within a runtime")]
fn nested_block_on_panics() {
    let (_sched, handle) = runtime();
    let inner = handle.clone();
    block_on(&handle, async move {
        block_on(&inner, async {});
    });
}

#[test]
fn panicking_task_does_not_stop_the_runtime() {
    let (sched, handle) = runtime();
    let (err, after) = block_on(&handle, async {
        let err = crate::spawn(async { panic!("boom") }).await.unwrap_err();
        let after = crate::spawn(async { 5 }).await.unwrap();
        (err, after)
    });
    assert!(err.is_panic());
    assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
    assert_eq!(after, 5);
    sched.shutdown(Duration::ZERO);
}

#[test]
fn inject_queue_is_not_starved_by_a_busy_local_queue() {
    let (sched, handle) = runtime();
    let remote = handle.clone();
    let done = block_on(&handle, async move {
        let stop = Arc::new(AtomicUsize::new(0));
        // A task that keeps yielding keeps the local queue non-empty forever.
        let spinner = {
            let stop = stop.clone();
            crate::spawn(async move {
                let mut spins = 0u64;
                while stop.load(Ordering::SeqCst) == 0 && spins < 10_000_000 {
                    YieldOnce(false).await;
                    spins += 1;
                }
                spins
            })
        };
        let from_outside = std::thread::spawn(move || remote.spawn(async { 9 }))
            .join()
            .unwrap();
        let value = from_outside.await.unwrap();
        stop.store(1, Ordering::SeqCst);
        let spins = spinner.await.unwrap();
        assert!(
            spins < 10_000_000,
            "the remote task only ran after the spinner gave up"
        );
        value
    });
    assert_eq!(done, 9);
    sched.shutdown(Duration::ZERO);
}

#[test]
fn runtime_stays_usable_after_block_on_panics() {
    let (sched, handle) = runtime();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        block_on(&handle, async { panic!("main future panics") })
    }));
    assert!(panicked.is_err());
    // The core must have been put back: spawned tasks run again.
    let value = block_on(&handle, async { crate::spawn(async { 5 }).await.unwrap() });
    assert_eq!(value, 5);
    sched.shutdown(Duration::ZERO);
}
