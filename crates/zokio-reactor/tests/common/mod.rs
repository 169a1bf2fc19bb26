//! Test harness: a reactor per test and a tiny join-all executor that polls only woken futures.
#![allow(dead_code)]

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use zokio_reactor::{Reactor, ReactorConfig};

pub fn reactor() -> Reactor {
    Reactor::new(ReactorConfig::default()).expect("reactor")
}

pub fn paused_reactor() -> Reactor {
    Reactor::new(ReactorConfig {
        start_paused: true,
        ..ReactorConfig::default()
    })
    .expect("reactor")
}

/// Runs `future` on a fresh reactor, failing the test if it takes longer than `limit`.
pub fn run<F: Future>(limit: Duration, future: F) -> F::Output {
    let mut reactor = reactor();
    reactor.block_on(with_limit(limit, future))
}

/// Fails with a panic if `future` is not done within `limit` of real time.
pub async fn with_limit<F: Future>(limit: Duration, future: F) -> F::Output {
    let deadline = std::time::Instant::now() + limit;
    let guard = zokio_reactor::time::sleep_until(deadline.into());
    futures_lite::future::or(future, async move {
        guard.await;
        panic!("test exceeded its time limit of {limit:?}");
    })
    .await
}

struct Child {
    woken: AtomicBool,
    parent: Arc<Mutex<Option<Waker>>>,
}

impl Wake for Child {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        if let Some(parent) = self.parent.lock().unwrap().as_ref() {
            parent.wake_by_ref();
        }
    }
}

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// Awaits every future concurrently; returns the outputs in input order.
pub async fn join_all<T>(futures: Vec<BoxFuture<T>>) -> Vec<T> {
    let parent = Arc::new(Mutex::new(None::<Waker>));
    let mut children: Vec<(Option<BoxFuture<T>>, Arc<Child>, Waker)> = futures
        .into_iter()
        .map(|future| {
            let child = Arc::new(Child {
                woken: AtomicBool::new(true),
                parent: Arc::clone(&parent),
            });
            let waker = Waker::from(Arc::clone(&child));
            (Some(future), child, waker)
        })
        .collect();
    let mut outputs: Vec<Option<T>> = children.iter().map(|_| None).collect();
    let mut left = children.len();
    poll_fn(|cx: &mut Context<'_>| {
        *parent.lock().unwrap() = Some(cx.waker().clone());
        for (index, (future, child, waker)) in children.iter_mut().enumerate() {
            if future.is_none() || !child.woken.swap(false, Ordering::AcqRel) {
                continue;
            }
            let mut child_cx = Context::from_waker(waker);
            if let Poll::Ready(output) = future.as_mut().unwrap().as_mut().poll(&mut child_cx) {
                outputs[index] = Some(output);
                *future = None;
                left -= 1;
            }
        }
        if left == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}

/// The calling thread's CPU time.
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is supported on every
    // platform this crate builds for.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
