//! The minimal `GlobalFifo` scheduler: the example of plugging a scheduler of your own into zokio.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{DropCounter, Flag, Forever, with_timeout};
use zokio_sched::global_fifo::GlobalFifo;
use zokio_sched::{Handle, ParkThread, Scheduler};

fn block_on<F: std::future::Future>(scheduler: &GlobalFifo, future: F) -> F::Output {
    let mut out = None;
    scheduler.block_on(
        Box::pin(async {
            out = Some(future.await);
        })
        .as_mut(),
    );
    out.unwrap()
}

#[test]
fn runs_spawned_and_nested_tasks() {
    let scheduler = GlobalFifo::new(2, Box::new(ParkThread::new())).unwrap();
    let handle = Handle::new(scheduler.clone());
    let count = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..500)
        .map(|_| {
            let count = count.clone();
            handle.spawn(async move {
                let inner = zokio_sched::spawn(async move {
                    count.fetch_add(1, Ordering::SeqCst);
                });
                inner.await.unwrap();
            })
        })
        .collect();
    let done = block_on(
        &scheduler,
        with_timeout(
            async move {
                for h in handles {
                    h.await.unwrap();
                }
            },
            Duration::from_secs(30),
        ),
    );
    assert!(done.is_some());
    assert_eq!(count.load(Ordering::SeqCst), 500);
    assert_eq!(scheduler.metrics().num_workers, 2);
    scheduler.shutdown(Duration::from_secs(10));
}

#[test]
fn tasks_woken_from_outside_run() {
    let scheduler = GlobalFifo::new(2, Box::new(ParkThread::new())).unwrap();
    let handle = Handle::new(scheduler.clone());
    let flags: Vec<Flag> = (0..100).map(|_| Flag::new()).collect();
    let handles: Vec<_> = flags.iter().map(|f| handle.spawn(f.wait())).collect();
    let setter = {
        let flags = flags.clone();
        std::thread::spawn(move || flags.iter().for_each(Flag::set))
    };
    setter.join().unwrap();
    let done = block_on(
        &scheduler,
        with_timeout(
            async move {
                for h in handles {
                    h.await.unwrap();
                }
            },
            Duration::from_secs(30),
        ),
    );
    assert!(done.is_some());
    scheduler.shutdown(Duration::from_secs(10));
}

#[test]
fn shutdown_drops_every_task() {
    let scheduler = GlobalFifo::new(2, Box::new(ParkThread::new())).unwrap();
    let handle = Handle::new(scheduler.clone());
    let drops = DropCounter::default();
    for _ in 0..50 {
        let guard = drops.guard();
        drop(handle.spawn(async move {
            let _guard = guard;
            Forever.await;
        }));
    }
    scheduler.shutdown(Duration::from_secs(10));
    assert_eq!(drops.dropped(), 50);
    assert!(scheduler.task_list().is_empty());
    // Spawning after shutdown cancels at once.
    let guard = drops.guard();
    let late = handle.spawn(async move {
        let _guard = guard;
    });
    assert!(
        futures_lite::future::block_on(late)
            .unwrap_err()
            .is_cancelled()
    );
    assert_eq!(drops.dropped(), 51);
}
