//! Helpers shared by the scheduler tests: a runtime wrapper, a oneshot flag, an unbounded channel and
//! drop counters. Nothing here depends on a reactor.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use zokio_sched::blocking::{self, BlockingPool};
use zokio_sched::multi_thread::{Config, MultiThread};
use zokio_sched::{Handle, ParkThread, Scheduler, ThreadConfig};

/// A multi-thread scheduler with its blocking pool, shut down on drop.
pub struct Rt {
    pub scheduler: Arc<MultiThread>,
    pub pool: BlockingPool,
    pub handle: Handle,
    pub threads_started: Arc<AtomicUsize>,
    pub threads_stopped: Arc<AtomicUsize>,
}

pub fn rt(workers: usize) -> Rt {
    rt_with({
        let mut config = Config::default();
        config.worker_threads = workers;
        config
    })
}

pub fn rt_with(mut config: Config) -> Rt {
    let started = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let (s, t) = (started.clone(), stopped.clone());
    config.threads = ThreadConfig::named("test-worker");
    config.threads.wrap = Arc::new(move |body| {
        s.fetch_add(1, Ordering::SeqCst);
        body();
        t.fetch_add(1, Ordering::SeqCst);
    });
    let pool = BlockingPool::new(blocking::Config::default());
    let scheduler = MultiThread::new(config, Box::new(ParkThread::new()), pool.spawner().clone())
        .expect("workers start");
    let handle = Handle::with_blocking(scheduler.clone(), pool.spawner().clone());
    Rt {
        scheduler,
        pool,
        handle,
        threads_started: started,
        threads_stopped: stopped,
    }
}

impl Rt {
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _enter = zokio_sched::context::enter(self.handle.clone());
        let mut out = None;
        let mut fut = Box::pin(async {
            out = Some(future.await);
        });
        self.scheduler.block_on(fut.as_mut());
        drop(fut);
        out.expect("block_on returns after the future completes")
    }

    pub fn spawn<F>(&self, future: F) -> zokio_task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    pub fn shutdown(&self, timeout: Duration) {
        self.scheduler.shutdown(timeout);
        self.pool.shutdown(timeout);
    }
}

impl Drop for Rt {
    fn drop(&mut self) {
        self.shutdown(Duration::from_secs(10));
    }
}

/// A one-shot signal: `wait()` completes once `set()` was called, from any thread.
#[derive(Clone, Default)]
pub struct Flag(Arc<Mutex<(bool, Vec<Waker>)>>);

impl Flag {
    pub fn new() -> Flag {
        Flag::default()
    }

    pub fn set(&self) {
        let wakers = {
            let mut state = self.0.lock().unwrap();
            state.0 = true;
            std::mem::take(&mut state.1)
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    pub fn is_set(&self) -> bool {
        self.0.lock().unwrap().0
    }

    /// How many pending `wait`s have registered their wakers.
    pub fn waiters(&self) -> usize {
        self.0.lock().unwrap().1.len()
    }

    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        let flag = self.clone();
        std::future::poll_fn(move |cx| {
            let mut state = flag.0.lock().unwrap();
            if state.0 {
                Poll::Ready(())
            } else {
                state.1.push(cx.waker().clone());
                Poll::Pending
            }
        })
    }

    /// Blocks the calling thread until set; panics after `limit`.
    pub fn wait_blocking(&self, limit: Duration) {
        assert!(self.wait_up_to(limit), "flag not set within {limit:?}");
    }

    /// Spins (yielding) until the flag is set or `limit` has passed; returns whether it was set.
    pub fn wait_up_to(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while !self.is_set() {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::yield_now();
        }
        true
    }
}

/// An unbounded multi-producer channel with one receiver.
pub struct Chan<T>(Arc<Mutex<(VecDeque<T>, Option<Waker>)>>);

impl<T> Clone for Chan<T> {
    fn clone(&self) -> Self {
        Chan(self.0.clone())
    }
}

impl<T: Send + 'static> Chan<T> {
    pub fn new() -> Chan<T> {
        Chan(Arc::new(Mutex::new((VecDeque::new(), None))))
    }

    pub fn send(&self, value: T) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.0.push_back(value);
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    pub fn recv(&self) -> impl Future<Output = T> + Send + 'static {
        let chan = self.clone();
        std::future::poll_fn(move |cx| {
            let mut state = chan.0.lock().unwrap();
            match state.0.pop_front() {
                Some(v) => Poll::Ready(v),
                None => {
                    state.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
    }
}

/// Counts drops of the values it hands out.
#[derive(Clone, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

pub struct Guard(Arc<AtomicUsize>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl DropCounter {
    pub fn guard(&self) -> Guard {
        Guard(self.0.clone())
    }

    pub fn dropped(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A future that never completes.
pub struct Forever;

impl Future for Forever {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// Spins (yielding the thread) until `cond` holds; panics after `limit`.
pub fn wait_until(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::yield_now();
    }
}

impl<T> Chan<T> {
    /// Whether a receiver waits (its waker is registered).
    pub fn has_waiter(&self) -> bool {
        self.0.lock().unwrap().1.is_some()
    }
}

/// Completes with `Some(output)`, or `None` once `limit` has passed (a guard against hangs: a
/// helper thread sets a flag after `limit`).
pub async fn with_timeout<F: Future>(future: F, limit: Duration) -> Option<F::Output> {
    let expired = Flag::new();
    let e = expired.clone();
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        e.set();
    });
    let mut future = std::pin::pin!(future);
    let mut expiry = std::pin::pin!(expired.wait());
    std::future::poll_fn(move |cx| {
        if let Poll::Ready(v) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if expiry.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

/// Busy-waits for `d` (a slow poll that does not yield).
pub fn spin_for(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}
