//! loom models of the current-thread scheduler's wake-up fence (module docs, "Lost wake-ups").
//!
//! The real [`CurrentThread`] runs `block_on` on the model's main thread and parks on a
//! [`ParkThread`] driver (a loom mutex and condition variable), while another thread wakes it: the
//! owner stores `parked`, fences and rechecks its queues and the `block_on` future's flag; a waker
//! queues its task (or sets the flag), fences and reads `parked`. A wake-up lost between the two
//! leaves the owner parked for good, which loom reports as a deadlock. The models:
//!
//! - `loom_current_thread_remote_spawn_while_owner_parks`: a task spawned from another thread (the
//!   inject queue's side of the protocol); shutdown then drops its future exactly once.
//! - `loom_current_thread_remote_wake_of_block_on_while_owner_parks`: the `block_on` future woken
//!   from another thread (the wake flag's side).
//!
//! Both were checked to fail without the fence in `Shared::notify_owner`, and without the one
//! between the owner's store of `parked` and its recheck.
//!
//! What they change from production: nothing in the scheduler's code. Under loom the flags, the
//! fence and the thread-locals that mark the core's owner come from the loom facade
//! (`crate::loom`), so that each modelled thread has its own; the owner's "driving a runtime" mark
//! (zokio-coop's, a `std` thread-local) is only ever set by the model's main thread.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use loom::thread;

use super::{Config, CurrentThread};
use crate::{Handle, ParkThread, Scheduler};

/// Runs a loom model with at most `preemptions` preemptions (unless `LOOM_MAX_PREEMPTIONS` says
/// otherwise).
fn model(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(preemptions);
    }
    builder.max_branches = 100_000;
    builder.check(f);
}

/// Polls `future` to completion with `block_on`.
fn block_on(scheduler: &CurrentThread, future: impl Future<Output = ()>) {
    let mut future = std::pin::pin!(future);
    scheduler.block_on(future.as_mut());
}

/// Ready once the flag in `done` is set; stores its waker beside the flag otherwise.
struct WaitFor {
    /// Whether the task ran, and the waker to wake when it does.
    done: Arc<Mutex<(bool, Option<Waker>)>>,
}

impl Future for WaitFor {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut done = self.done.lock().unwrap();
        if done.0 {
            return Poll::Ready(());
        }
        done.1 = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Counts its drop.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A task spawned from another thread while the owner runs out of work and parks is run: the
/// spawner's inject push, fence and read of `parked` race with the owner's store of `parked`, fence
/// and recheck of the inject queue. Then shutdown drops the task's future exactly once.
#[test]
fn loom_current_thread_remote_spawn_while_owner_parks() {
    model(2, || {
        let scheduler = Arc::new(CurrentThread::new(
            Box::new(ParkThread::new()),
            Config::default(),
        ));
        let handle = Handle::new(scheduler.clone());
        // The task runs on the owner's thread, where the `block_on` future waits for it: this state
        // is only ever touched there.
        let done = Arc::new(Mutex::new((false, None::<Waker>)));
        let drops = Arc::new(AtomicUsize::new(0));
        let spawner = {
            let (done, guard) = (done.clone(), DropCount(drops.clone()));
            thread::spawn(move || {
                drop(handle.spawn(async move {
                    let _guard = guard;
                    let waker = {
                        let mut done = done.lock().unwrap();
                        done.0 = true;
                        done.1.take()
                    };
                    waker.into_iter().for_each(Waker::wake);
                }));
            })
        };
        block_on(&scheduler, WaitFor { done });
        spawner.join().unwrap();
        scheduler.shutdown(Duration::from_secs(1));
        assert_eq!(drops.load(SeqCst), 1, "the task's future is dropped once");
        assert_eq!(scheduler.task_list().len(), 0);
    });
}

/// The `block_on` future woken from another thread while the owner parks: the waker's store of the
/// future's flag, fence and read of `parked` race with the owner's store, fence and recheck of the
/// flag.
#[test]
fn loom_current_thread_remote_wake_of_block_on_while_owner_parks() {
    model(2, || {
        let scheduler = CurrentThread::new(Box::new(ParkThread::new()), Config::default());
        // Shared with another thread: a loom mutex, so that loom sees the hand-over of the waker.
        let state = Arc::new(loom::sync::Mutex::new((false, None::<Waker>)));
        let waker = {
            let state = state.clone();
            thread::spawn(move || {
                let waker = {
                    let mut state = state.lock().unwrap();
                    state.0 = true;
                    state.1.take()
                };
                waker.into_iter().for_each(Waker::wake);
            })
        };
        block_on(
            &scheduler,
            std::future::poll_fn(|cx| {
                let mut state = state.lock().unwrap();
                if state.0 {
                    return Poll::Ready(());
                }
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }),
        );
        waker.join().unwrap();
        scheduler.shutdown(Duration::from_secs(1));
    });
}
