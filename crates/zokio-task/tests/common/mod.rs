//! Test executors and instrumented futures shared by the zokio-task integration tests.
//!
//! zokio-task knows no runtime, so these tests bring their own: a queue of runnables run on the test
//! thread ([`LocalExecutor`]) and a pool of std threads sharing one queue ([`ThreadPool`]). Both drain
//! and drop every runnable at the end (closing their [`TaskList`] first), so no test leaks a task,
//! which matters under miri's leak checker.
#![allow(dead_code)] // Each test file uses a different subset.

use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use zokio_task::{JoinHandle, Runnable, ScheduleInfo, TaskList};

/// Scales an iteration count down under miri, which is orders of magnitude slower.
pub const fn scaled(native: usize, miri: usize) -> usize {
    if cfg!(miri) { miri } else { native }
}

// ---------------------------------------------------------------------------------------------------
// Single-thread executor
// ---------------------------------------------------------------------------------------------------

/// What a schedule call saw, for tests of `ScheduleInfo`.
#[derive(Default)]
pub struct ScheduleLog {
    pub schedules: AtomicUsize,
    pub woken_while_running: AtomicUsize,
}

/// A FIFO of runnables, run one at a time on the calling thread.
pub struct LocalExecutor {
    queue: Arc<Mutex<VecDeque<Runnable>>>,
    list: Arc<TaskList>,
    pub log: Arc<ScheduleLog>,
}

impl LocalExecutor {
    pub fn new() -> LocalExecutor {
        LocalExecutor {
            queue: Arc::default(),
            list: Arc::new(TaskList::new(4)),
            log: Arc::default(),
        }
    }

    pub fn list(&self) -> &Arc<TaskList> {
        &self.list
    }

    /// Creates a task without scheduling its first runnable.
    pub fn spawn_unscheduled<F>(&self, future: F) -> (Runnable, JoinHandle<F::Output>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let queue = Arc::clone(&self.queue);
        let log = Arc::clone(&self.log);
        zokio_task::spawn(
            future,
            move |runnable: Runnable, info: ScheduleInfo| {
                log.schedules.fetch_add(1, SeqCst);
                if info.woken_while_running {
                    log.woken_while_running.fetch_add(1, SeqCst);
                }
                queue.lock().unwrap().push_back(runnable);
            },
            &self.list,
        )
    }

    /// Creates a task and queues it.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (runnable, handle) = self.spawn_unscheduled(future);
        runnable.schedule();
        handle
    }

    pub fn queued(&self) -> usize {
        self.queue.lock().unwrap().len()
    }

    /// Runs the first queued runnable; `false` when the queue was empty. Asserts that `run` never
    /// unwinds: zokio-task catches every panic.
    pub fn run_one(&self) -> bool {
        // Popped under the lock, run (or dropped) outside it.
        let next = self.queue.lock().unwrap().pop_front();
        match next {
            Some(runnable) => {
                let ran = catch_unwind(AssertUnwindSafe(|| runnable.run()));
                assert!(ran.is_ok(), "Runnable::run unwound into the executor");
                true
            }
            None => false,
        }
    }

    /// Runs until the queue is empty (bounded, so a task that yields forever fails the test).
    pub fn run_until_idle(&self) -> usize {
        let mut runs = 0;
        while self.run_one() {
            runs += 1;
            assert!(runs < 100_000, "executor never became idle");
        }
        runs
    }

    /// Takes every queued runnable out and drops it without running it, outside the lock.
    pub fn drop_queued(&self) -> usize {
        let drained: Vec<Runnable> = self.queue.lock().unwrap().drain(..).collect();
        let n = drained.len();
        drop(drained);
        n
    }

    /// Shutdown as a runtime does it: close the list (aborting every task), then drop what arrives.
    pub fn shutdown(&self) -> usize {
        let aborted = self.list.close_and_abort_all();
        while self.drop_queued() > 0 {}
        aborted
    }

    /// Polls `future` on this thread, running queued tasks whenever it is pending.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let flag = Arc::new(Flag::default());
        let waker = Waker::from(Arc::clone(&flag));
        let mut cx = Context::from_waker(&waker);
        for _ in 0..1_000_000 {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            while !flag.0.swap(false, SeqCst) {
                assert!(
                    self.run_one(),
                    "block_on: deadlock (nothing queued, never woken)"
                );
            }
        }
        panic!("block_on: future never completed");
    }
}

impl Drop for LocalExecutor {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A waker that sets a flag.
#[derive(Default)]
pub struct Flag(pub AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

/// Blocks the calling thread on `future` (woken by unpark), failing the test after 30 s instead of
/// hanging when a wake-up is lost.
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        let now = Instant::now();
        assert!(
            now < deadline,
            "block_on: not woken within 30 s (lost wake-up?)"
        );
        thread::park_timeout(deadline - now);
    }
}

/// Polls a `JoinHandle` (or any future) once with a no-op waker.
pub fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    Pin::new(future).poll(&mut cx)
}

// ---------------------------------------------------------------------------------------------------
// Multi-thread executor
// ---------------------------------------------------------------------------------------------------

struct PoolShared {
    queue: Mutex<(VecDeque<Runnable>, bool)>,
    ready: Condvar,
}

/// A pool of std threads sharing one queue. Dropping it stops the workers, closes the list and drops
/// whatever is left.
pub struct ThreadPool {
    shared: Arc<PoolShared>,
    list: Arc<TaskList>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl ThreadPool {
    pub fn new(threads: usize) -> ThreadPool {
        let shared = Arc::new(PoolShared {
            queue: Mutex::new((VecDeque::new(), false)),
            ready: Condvar::new(),
        });
        let workers = (0..threads)
            .map(|_| {
                let shared = Arc::clone(&shared);
                thread::spawn(move || worker(&shared))
            })
            .collect();
        ThreadPool {
            shared,
            list: Arc::new(TaskList::new(4)),
            workers,
        }
    }

    pub fn list(&self) -> &Arc<TaskList> {
        &self.list
    }

    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let shared = Arc::clone(&self.shared);
        let (runnable, handle) = zokio_task::spawn(
            future,
            move |runnable: Runnable, _info: ScheduleInfo| {
                let mut queue = shared.queue.lock().unwrap();
                // After shutdown nobody runs the queue: hand the runnable back to be dropped below,
                // outside the lock.
                if queue.1 {
                    drop(queue);
                    drop(runnable);
                    return;
                }
                queue.0.push_back(runnable);
                drop(queue);
                shared.ready.notify_one();
            },
            &self.list,
        );
        runnable.schedule();
        handle
    }
}

fn worker(shared: &PoolShared) {
    loop {
        let runnable = {
            let mut queue = shared.queue.lock().unwrap();
            loop {
                if queue.1 {
                    return;
                }
                if let Some(runnable) = queue.0.pop_front() {
                    break runnable;
                }
                queue = shared.ready.wait(queue).unwrap();
            }
        };
        let ran = catch_unwind(AssertUnwindSafe(|| runnable.run()));
        assert!(ran.is_ok(), "Runnable::run unwound into a worker");
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shared.queue.lock().unwrap().1 = true;
        self.shared.ready.notify_all();
        for worker in self.workers.drain(..) {
            worker.join().unwrap();
        }
        self.list.close_and_abort_all();
        let left: Vec<Runnable> = self.shared.queue.lock().unwrap().0.drain(..).collect();
        drop(left);
    }
}

// ---------------------------------------------------------------------------------------------------
// Instrumented futures
// ---------------------------------------------------------------------------------------------------

/// Counts polls and drops of the futures it wraps.
#[derive(Debug, Default)]
pub struct Counters {
    pub polls: AtomicUsize,
    pub drops: AtomicUsize,
}

impl Counters {
    pub fn new() -> Arc<Counters> {
        Arc::default()
    }
    pub fn polls(&self) -> usize {
        self.polls.load(SeqCst)
    }
    pub fn drops(&self) -> usize {
        self.drops.load(SeqCst)
    }
}

/// Wraps a future, counting its polls and its drop.
pub struct Tracked<F> {
    inner: Pin<Box<F>>,
    counters: Arc<Counters>,
}

pub fn tracked<F: Future>(counters: &Arc<Counters>, inner: F) -> Tracked<F> {
    Tracked {
        inner: Box::pin(inner),
        counters: Arc::clone(counters),
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.counters.polls.fetch_add(1, SeqCst);
        self.inner.as_mut().poll(cx)
    }
}

impl<F> Drop for Tracked<F> {
    fn drop(&mut self) {
        self.counters.drops.fetch_add(1, SeqCst);
    }
}

/// A one-shot gate: futures from [`Gate::wait`] stay pending until [`Gate::open`]. The waker is kept
/// in the gate, outside the task, as a real resource would keep it.
#[derive(Default)]
pub struct Gate {
    open: AtomicBool,
    wakers: Mutex<Vec<Waker>>,
}

impl Gate {
    pub fn new() -> Arc<Gate> {
        Arc::default()
    }

    pub fn open(&self) {
        self.open.store(true, SeqCst);
        let wakers = std::mem::take(&mut *self.wakers.lock().unwrap());
        for waker in wakers {
            waker.wake();
        }
    }

    pub fn wait(self: &Arc<Gate>) -> impl Future<Output = ()> + Send + 'static {
        let gate = Arc::clone(self);
        std::future::poll_fn(move |cx| {
            if gate.open.load(SeqCst) {
                return Poll::Ready(());
            }
            gate.wakers.lock().unwrap().push(cx.waker().clone());
            if gate.open.load(SeqCst) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

/// Returns `Pending` once after waking itself: a yield.
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

/// Panics when dropped; counts its drops first.
#[derive(Debug)]
pub struct PanicOnDrop(pub Arc<Counters>);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        self.0.drops.fetch_add(1, SeqCst);
        panic!("PanicOnDrop dropped");
    }
}

/// A future that stays pending forever and keeps the only waker of its task in its own state: the
/// reference cycle that a task registry has to break at shutdown.
pub struct SelfWaking {
    waker: Option<Waker>,
}

pub fn self_waking() -> SelfWaking {
    SelfWaking { waker: None }
}

impl Future for SelfWaking {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// A future that owns `guard` as a plain field, so `guard` is dropped when (and only when) the future
/// itself is dropped: never inside `poll`, not even when `inner` panics. (A local of an `async` block
/// would be dropped inside the poll that completes or unwinds the block instead.)
pub struct WithGuard<G, F> {
    guard: G,
    inner: Pin<Box<F>>,
}

pub fn with_guard<G, F: Future>(guard: G, inner: F) -> WithGuard<G, F> {
    WithGuard {
        guard,
        inner: Box::pin(inner),
    }
}

impl<G: Unpin, F: Future> Future for WithGuard<G, F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _ = &self.guard;
        self.inner.as_mut().poll(cx)
    }
}
