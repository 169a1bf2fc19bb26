//! The pool's state, its threads' loop and its shutdown.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::thread::{JoinHandle as ThreadHandle, Thread};
use std::time::{Duration, Instant};

use zokio_task::{JoinHandle, Runnable, ScheduleInfo, SpawnMeta, TaskKind, TaskList};

use crate::thread_state::THREAD;

use super::Config;

/// A pool of threads for blocking work. See the [module docs](super).
///
/// Dropping the pool shuts it down and waits for the running tasks, as
/// [`BlockingPool::shutdown`] does without a time limit.
pub struct BlockingPool {
    spawner: Spawner,
    /// Set by an explicit [`BlockingPool::shutdown`], after which dropping the pool does not wait
    /// again: a caller that chose a timeout must not be blocked past it by the drop.
    shut_down: AtomicBool,
}

/// Spawns closures onto a [`BlockingPool`]; cheap to clone and usable from any thread.
#[derive(Clone)]
pub struct Spawner {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// `shutdown` waits here for the threads to exit.
    exited: Condvar,
    max_threads: usize,
    keep_alive: Duration,
    threads: crate::ThreadConfig,
    observer: Option<Arc<dyn super::TaskObserver>>,
    /// Blocking tasks are registered like any other task (the task API requires a list); nothing aborts
    /// them, since a closure cannot be interrupted.
    tasks: Arc<TaskList>,
}

struct State {
    queue: VecDeque<Runnable>,
    /// Threads started and not yet exited.
    num_threads: usize,
    /// The idle threads, most recently idle last: a new task goes to the last one (see the module
    /// docs). A thread is taken off this stack by exactly one party, under the lock: a spawner (which
    /// then mails it a task), shutdown (which mails it `Exit`), or the thread itself when it retires.
    idle: Vec<Arc<Mailbox>>,
    /// The threads a spawner took off `idle` and mailed a task, oldest first, some of which may not
    /// have woken to take it yet: a thread that runs out of work takes such a task over (see
    /// [`Inner::take_over_mail`]). An entry is dropped once looked at.
    mailed: VecDeque<Arc<Mailbox>>,
    shutdown: bool,
    /// Join handles of the running threads, by thread number.
    handles: HashMap<usize, ThreadHandle<()>>,
    next_thread_id: usize,
    /// The last thread that retired; the next one to retire joins it, so exited threads never pile up.
    last_retired: Option<ThreadHandle<()>>,
}

impl BlockingPool {
    /// A pool with `config`; it starts no thread until the first task arrives.
    pub fn new(config: Config) -> BlockingPool {
        let inner = Inner {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                num_threads: 0,
                idle: Vec::new(),
                mailed: VecDeque::new(),
                shutdown: false,
                handles: HashMap::new(),
                next_thread_id: 0,
                last_retired: None,
            }),
            exited: Condvar::new(),
            max_threads: config.max_threads.max(1),
            keep_alive: config.keep_alive,
            threads: config.threads,
            observer: config.observer,
            tasks: Arc::new(TaskList::new(4)),
        };
        BlockingPool {
            spawner: Spawner {
                inner: Arc::new(inner),
            },
            shut_down: AtomicBool::new(false),
        }
    }

    /// A handle that spawns onto this pool.
    pub fn spawner(&self) -> &Spawner {
        &self.spawner
    }

    /// Shuts the pool down: cancels every task spawned from now on, then waits up to `timeout` for
    /// the tasks spawned before, running or queued, to finish. Returns `true` if every thread exited in time;
    /// threads still running after `timeout` are left to finish on their own, and dropping the pool
    /// afterwards does not wait for them.
    ///
    /// Called from one of the pool's own threads, it waits for the others only.
    pub fn shutdown(&self, timeout: Duration) -> bool {
        self.shut_down.store(true, Ordering::Relaxed);
        self.spawner.inner.shutdown(timeout)
    }
}

impl Drop for BlockingPool {
    fn drop(&mut self) {
        if *self.shut_down.get_mut() {
            return;
        }
        // A pool dropped from one of its own threads cannot wait for itself.
        let timeout = if self.spawner.inner.is_pool_thread() {
            Duration::ZERO
        } else {
            Duration::MAX
        };
        self.spawner.inner.shutdown(timeout);
    }
}

impl fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingPool")
            .field("spawner", &self.spawner)
            .finish()
    }
}

impl Spawner {
    /// Runs `f` on the pool; the handle returns its result, or a `JoinError` if it panicked or was
    /// cancelled by shutdown before it started.
    ///
    /// ```
    /// use zokio_sched::blocking::{BlockingPool, Config};
    ///
    /// let pool = BlockingPool::new(Config::default());
    /// let handle = pool.spawner().spawn_blocking(|| panic!("boom"));
    /// assert!(futures_lite::future::block_on(handle).unwrap_err().is_panic());
    /// ```
    ///
    /// With the `tracing` feature this is `#[track_caller]`: the task's span (kind `"blocking"`)
    /// records the caller.
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        if let Some(observer) = &self.inner.observer {
            observer.spawned();
        }
        let inner = Arc::clone(&self.inner);
        let (runnable, handle) = zokio_task::spawn_with_meta(
            BlockingTask(Some(f)),
            move |runnable: Runnable, _info: ScheduleInfo| inner.push(runnable),
            &self.inner.tasks,
            SpawnMeta::new(TaskKind::Blocking),
        );
        runnable.schedule();
        handle
    }

    /// The number of threads the pool runs now (busy or idle).
    pub fn num_threads(&self) -> usize {
        self.inner.lock().num_threads
    }

    /// The number of threads waiting for work.
    pub fn num_idle_threads(&self) -> usize {
        self.inner.lock().idle.len()
    }

    /// The number of tasks waiting for a thread.
    pub fn queue_depth(&self) -> usize {
        self.inner.lock().queue.len()
    }

    /// Whether shutdown has begun.
    pub fn is_shutdown(&self) -> bool {
        self.inner.lock().shutdown
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.lock();
        f.debug_struct("Spawner")
            .field("num_threads", &state.num_threads)
            .field("num_idle", &state.idle.len())
            .field("queue_depth", &state.queue.len())
            .field("shutdown", &state.shutdown)
            .finish()
    }
}

/// A closure as a future that completes on its first poll. Runs without a coop budget (none is set
/// on a pool thread), so budget-aware resources used inside it never force a yield.
struct BlockingTask<F>(Option<F>);

// The closure is never pinned: it is moved out and called.
impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self
            .0
            .take()
            .expect("a blocking task is polled once: it completes on its first poll");
        Poll::Ready(f())
    }
}

/// An idle thread's mailbox: how a spawner hands it a task directly, without the pool lock on the
/// receiving side.
struct Mailbox {
    thread: Thread,
    mail: Mutex<Mail>,
}

enum Mail {
    Empty,
    Task(Runnable),
    /// Shutdown took this thread off the idle stack: it exits.
    Exit,
    /// Another thread ran the task mailed here before this one woke: it goes back to the idle stack.
    TakenOver,
}

/// How an idle thread's wait ended.
enum Woken {
    Task(Runnable),
    Exit,
    /// The mailed task was taken over by another thread.
    TakenOver,
    /// Idle for the whole keep-alive; the thread has already unregistered itself.
    Retired,
}

impl Mailbox {
    /// Leaves `mail` and wakes the thread. Only the party that took the thread off the idle stack
    /// calls this, once, so a mailbox never holds two letters.
    fn deliver(&self, mail: Mail) {
        *self.mail.lock().unwrap_or_else(|p| p.into_inner()) = mail;
        // `unpark` leaves a token when the thread is not parked yet, so this wake-up is never lost; a
        // thread that is still on its way to `park` (it just went idle) costs no system call at all.
        self.thread.unpark();
    }

    fn take(&self) -> Mail {
        std::mem::replace(
            &mut *self.mail.lock().unwrap_or_else(|p| p.into_inner()),
            Mail::Empty,
        )
    }

    /// Takes a task that waits here for a thread that has not woken yet, leaving `TakenOver` so
    /// that the thread, once it wakes, goes back to the idle stack.
    fn take_over(&self) -> Option<Runnable> {
        let mut mail = self.mail.lock().unwrap_or_else(|p| p.into_inner());
        match std::mem::replace(&mut *mail, Mail::TakenOver) {
            Mail::Task(runnable) => Some(runnable),
            other => {
                // Nothing to take (empty, an exit, or taken already): leave it as it was.
                *mail = other;
                None
            }
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic never happens while the lock is held (tasks run outside it); recover anyway.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn is_pool_thread(&self) -> bool {
        // The thread's state records the pool a thread serves (its address), to detect a pool
        // dropped from one of its own threads.
        THREAD.try_with(|t| t.blocking_pool.get()).unwrap_or(0) == self as *const Inner as usize
    }

    /// Runs a task on this pool thread, then tells the observer it left the pool.
    fn run_task(&self, runnable: Runnable) {
        runnable.run();
        if let Some(observer) = &self.observer {
            observer.finished();
        }
    }

    /// Cancels a task that will never run (dropping it wakes its `JoinHandle`); call it with no lock
    /// held.
    fn cancel(&self, runnable: Runnable) {
        drop(runnable);
        if let Some(observer) = &self.observer {
            observer.finished();
        }
    }

    /// The schedule function of every blocking task.
    fn push(self: &Arc<Inner>, runnable: Runnable) {
        let mut state = self.lock();
        if state.shutdown {
            drop(state);
            // Dropped outside the lock: cancelling a task wakes its JoinHandle's waker.
            self.cancel(runnable);
            return;
        }
        if let Some(idle) = state.idle.pop() {
            // The most recently idle thread: likely still awake, and warm in cache.
            state.mailed.push_back(Arc::clone(&idle));
            drop(state);
            idle.deliver(Mail::Task(runnable));
            return;
        }
        state.queue.push_back(runnable);
        if state.num_threads >= self.max_threads {
            // Every thread is busy and the pool is full: the task waits for the next free thread.
            #[cfg(feature = "tracing")]
            {
                let (queue_depth, num_threads) = (state.queue.len(), state.num_threads);
                drop(state);
                tracing::trace!(
                    target: "zokio::blocking",
                    queue_depth,
                    num_threads,
                    "blocking task queued, pool full"
                );
            }
            return;
        }
        let id = state.next_thread_id;
        state.next_thread_id += 1;
        let pool = Arc::clone(self);
        match self.threads.spawn(move || pool.run(id)) {
            Ok(handle) => {
                state.num_threads += 1;
                state.handles.insert(id, handle);
                #[cfg(feature = "tracing")]
                {
                    let (queue_depth, num_threads) = (state.queue.len(), state.num_threads);
                    drop(state);
                    tracing::debug!(
                        target: "zokio::blocking",
                        thread = id,
                        num_threads,
                        max_threads = self.max_threads,
                        queue_depth,
                        "blocking thread started"
                    );
                }
            }
            Err(_error) if state.num_threads > 0 => {
                // The OS refused a thread; the running ones will get to the task.
                #[cfg(feature = "tracing")]
                {
                    let num_threads = state.num_threads;
                    drop(state);
                    tracing::warn!(
                        target: "zokio::blocking",
                        error = %_error,
                        num_threads,
                        "blocking thread could not be started"
                    );
                }
            }
            Err(_error) => {
                // No thread at all to run it: cancel the task (its JoinHandle reports a cancellation)
                // rather than leave it queued forever.
                let runnable = state.queue.pop_back();
                drop(state);
                #[cfg(feature = "tracing")]
                tracing::warn!(
                    target: "zokio::blocking",
                    error = %_error,
                    num_threads = 0,
                    "blocking thread could not be started"
                );
                if let Some(runnable) = runnable {
                    self.cancel(runnable);
                }
            }
        }
    }

    /// A task mailed to a thread that has not taken it yet, for a thread that has run out of work
    /// (called under the pool lock). A burst of spawns mails each task to a different idle thread,
    /// and on a busy machine the last of them can wait tens of microseconds to be scheduled, while
    /// a thread that has just finished its own task is running already: like a shared queue, this
    /// lets whichever thread is awake first run the task. Entries whose mail was taken are
    /// dropped; one whose task is not delivered yet is dropped too (its thread will run it).
    fn take_over_mail(state: &mut State) -> Option<Runnable> {
        while let Some(mailbox) = state.mailed.pop_front() {
            if let Some(runnable) = mailbox.take_over() {
                return Some(runnable);
            }
        }
        None
    }

    /// The body of every pool thread.
    fn run(self: Arc<Inner>, id: usize) {
        let _ = THREAD.try_with(|t| t.blocking_pool.set(Arc::as_ptr(&self) as usize));
        let mailbox = Arc::new(Mailbox {
            thread: std::thread::current(),
            mail: Mutex::new(Mail::Empty),
        });
        let mut state = self.lock();
        loop {
            while let Some(runnable) = state.queue.pop_front() {
                drop(state);
                self.run_task(runnable);
                state = self.lock();
            }
            if let Some(runnable) = Inner::take_over_mail(&mut state) {
                drop(state);
                self.run_task(runnable);
                state = self.lock();
                continue;
            }
            if state.shutdown {
                break;
            }
            state.idle.push(Arc::clone(&mailbox));
            drop(state);
            match self.wait(&mailbox, id) {
                // Mailed before shutdown began (`push` checks under the lock), so it runs even if
                // shutdown has begun since, like every task spawned before it.
                Woken::Task(runnable) => self.run_task(runnable),
                Woken::Exit | Woken::TakenOver => {}
                Woken::Retired => return,
            }
            state = self.lock();
        }
        // Shutdown: the handle stays in `handles` for `shutdown` to join.
        state.num_threads -= 1;
        self.exited.notify_all();
        #[cfg(feature = "tracing")]
        {
            let (num_threads, idle_threads) = (state.num_threads, state.idle.len());
            drop(state);
            tracing::debug!(
                target: "zokio::blocking",
                thread = id,
                num_threads,
                idle_threads,
                reason = "shutdown",
                "blocking thread retired"
            );
        }
    }

    /// Waits, idle, for mail; retires after the keep-alive if nobody took the thread off the stack.
    fn wait(&self, mailbox: &Arc<Mailbox>, id: usize) -> Woken {
        let mut deadline = Instant::now().checked_add(self.keep_alive);
        loop {
            match mailbox.take() {
                Mail::Task(runnable) => return Woken::Task(runnable),
                Mail::Exit => return Woken::Exit,
                Mail::TakenOver => return Woken::TakenOver,
                Mail::Empty => {}
            }
            let Some(until) = deadline else {
                // No keep-alive bound, or the thread was claimed and its mail is on the way.
                std::thread::park();
                continue;
            };
            let left = until.saturating_duration_since(Instant::now());
            if !left.is_zero() {
                // May return early (a stale token, a spurious wake-up): the loop checks again.
                std::thread::park_timeout(left);
                continue;
            }
            let mut state = self.lock();
            let Some(position) = state.idle.iter().position(|m| Arc::ptr_eq(m, mailbox)) else {
                // Someone took this thread off the stack a moment ago: its mail is on the way.
                deadline = None;
                continue;
            };
            // Idle for the whole keep-alive: retire, joining the previous retiree.
            state.idle.remove(position);
            let own = state.handles.remove(&id);
            let previous = std::mem::replace(&mut state.last_retired, own);
            state.num_threads -= 1;
            self.exited.notify_all();
            #[cfg(feature = "tracing")]
            let (num_threads, idle_threads) = (state.num_threads, state.idle.len());
            drop(state);
            #[cfg(feature = "tracing")]
            tracing::debug!(
                target: "zokio::blocking",
                thread = id,
                num_threads,
                idle_threads,
                reason = "keep_alive",
                "blocking thread retired"
            );
            if let Some(previous) = previous {
                let _ = previous.join();
            }
            return Woken::Retired;
        }
    }

    fn shutdown(&self, timeout: Duration) -> bool {
        let mut state = self.lock();
        state.shutdown = true;
        // Tasks spawned before shutdown still run: the busy threads take the queue before they
        // check the flag, and each queued task started a thread or waits for a busy one. Only with
        // no thread at all (the OS refused every one) would a queued task never run; it is
        // cancelled then, rather than left for a JoinHandle that would wait forever.
        let stranded = if state.num_threads == 0 {
            std::mem::take(&mut state.queue)
        } else {
            VecDeque::new()
        };
        // Idle threads exist only while the queue is empty (a thread goes idle after finding it
        // empty, and a spawn mails an idle thread before it queues): they have nothing left to run.
        let idle = std::mem::take(&mut state.idle);
        drop(state);
        for mailbox in idle {
            mailbox.deliver(Mail::Exit);
        }
        // Cancelled outside the lock: dropping a Runnable wakes the task's JoinHandle.
        for runnable in stranded {
            self.cancel(runnable);
        }

        let deadline = Instant::now().checked_add(timeout);
        let mut state = self.lock();
        // A pool thread that shuts its own pool down cannot wait for itself to exit.
        let waited_for = usize::from(self.is_pool_thread());
        while state.num_threads > waited_for {
            let left = match deadline {
                Some(deadline) => deadline.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(60 * 60 * 24 * 365),
            };
            if left.is_zero() {
                #[cfg(feature = "tracing")]
                {
                    let num_threads = state.num_threads;
                    drop(state);
                    tracing::debug!(
                        target: "zokio::blocking",
                        timed_out = true,
                        num_threads,
                        "blocking pool shut down"
                    );
                }
                return false;
            }
            state = self
                .exited
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        let handles: Vec<_> = state.handles.drain().map(|(_, h)| h).collect();
        let retired = state.last_retired.take();
        #[cfg(feature = "tracing")]
        let num_threads = state.num_threads;
        drop(state);
        let me = std::thread::current().id();
        for handle in handles.into_iter().chain(retired) {
            // Every thread has left its loop: joining only waits for its exit (and the wrapper's
            // `on_thread_stop`), which is bounded.
            if handle.thread().id() != me {
                let _ = handle.join();
            }
        }
        #[cfg(feature = "tracing")]
        tracing::debug!(
            target: "zokio::blocking",
            timed_out = false,
            num_threads,
            "blocking pool shut down"
        );
        true
    }
}

#[cfg(test)]
mod tests;
