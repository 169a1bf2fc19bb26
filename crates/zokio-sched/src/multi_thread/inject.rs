//! The global inject queue: tasks woken from outside the workers, and the overflow of local queues.
//!
//! A mutex-protected `VecDeque` with an atomic length, so that the hot "is there anything global?"
//! check of every worker is a single load, and a **closed** bit: once the scheduler shuts down a push is
//! refused and the caller drops the task (outside the lock), so a late wake-up can never strand a task
//! in a queue nobody drains (tokio#3978's leak).

use std::collections::VecDeque;
use std::sync::atomic::Ordering::{Acquire, Release};

use super::loom::{AtomicUsize, Mutex, lock};
use super::queue::Overflow;

pub(crate) struct Inject<T> {
    state: Mutex<State<T>>,
    /// Mirrors `state.queue.len()`; written under the lock, read without it.
    len: AtomicUsize,
}

struct State<T> {
    queue: VecDeque<T>,
    closed: bool,
}

impl<T> Inject<T> {
    pub(crate) fn new() -> Inject<T> {
        Inject {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                closed: false,
            }),
            len: AtomicUsize::new(0),
        }
    }

    /// The number of queued tasks (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.len.load(Acquire)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Queues `task`, or gives it back when the queue is closed: the caller must drop it after
    /// releasing any lock of its own.
    pub(crate) fn push(&self, task: T) -> Result<(), T> {
        let mut state = lock(&self.state);
        if state.closed {
            return Err(task);
        }
        state.queue.push_back(task);
        self.len.store(state.queue.len(), Release);
        Ok(())
    }

    /// Pops one task.
    pub(crate) fn pop(&self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let mut state = lock(&self.state);
        let task = state.queue.pop_front();
        self.len.store(state.queue.len(), Release);
        task
    }

    /// Pops up to `max` tasks (oldest first) and hands them to `f` as one batch, under the lock; `f`
    /// must not run user code. `None` when the queue is empty.
    pub(crate) fn pop_batch<R>(
        &self,
        max: usize,
        f: impl FnOnce(&mut std::collections::vec_deque::Drain<'_, T>) -> R,
    ) -> Option<R> {
        if max == 0 || self.is_empty() {
            return None;
        }
        let mut state = lock(&self.state);
        let n = max.min(state.queue.len());
        if n == 0 {
            return None;
        }
        let result = f(&mut state.queue.drain(..n));
        self.len.store(state.queue.len(), Release);
        Some(result)
    }

    /// Closes the queue; returns whether this call closed it.
    pub(crate) fn close(&self) -> bool {
        let mut state = lock(&self.state);
        !std::mem::replace(&mut state.closed, true)
    }

    /// Takes every queued task (at shutdown, after closing).
    pub(crate) fn drain(&self) -> VecDeque<T> {
        let mut state = lock(&self.state);
        self.len.store(0, Release);
        std::mem::take(&mut state.queue)
    }
}

impl<T> Overflow<T> for Inject<T> {
    /// Accepted even when closed: an overflow comes from a worker that still owns its core, and the
    /// shutdown drains this queue only after every core has stopped, so nothing pushed here leaks.
    /// (Dropping the tasks here instead would run their destructors inside the worker's queue
    /// operation, where a destructor's wake-up could not be handled.)
    fn push_batch(&self, tasks: impl Iterator<Item = T>) {
        let mut state = lock(&self.state);
        state.queue.extend(tasks);
        self.len.store(state.queue.len(), Release);
    }
}
