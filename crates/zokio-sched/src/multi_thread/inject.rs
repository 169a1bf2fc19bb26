//! The global inject queue: tasks woken from outside the workers, and the overflow of local queues.
//!
//! A lock-free unbounded MPMC queue (`concurrent-queue`): the spawning thread and every worker push
//! and pop with atomic operations only, so remote spawning does not serialise on one mutex (the
//! `Mutex<VecDeque>` it replaces was taken by the spawner and every worker's refill, which cost
//! remote spawning its scaling past a few workers). Its `is_empty`/`len` are plain loads of the head
//! and tail indices, which keeps the hot "is there anything global?" check of every worker cheap.
//!
//! At shutdown the queue is **closed**: a push is then refused and the caller drops the task
//! (outside any lock), so a late wake-up can never strand a task in a queue nobody drains
//! (tokio#3978's leak). The overflow of a worker that still runs after a shutdown gave up waiting
//! for it goes to a small locked side list instead (dropping it there would run a destructor in the
//! middle of the worker's queue operation); nothing drains that list once the shutdown is over, as
//! nothing waits for such a worker either.

use std::sync::Mutex;

use concurrent_queue::ConcurrentQueue;

use super::queue::Overflow;

pub(crate) struct Inject<T> {
    queue: ConcurrentQueue<T>,
    /// Overflow that arrived after the queue closed (see the module docs).
    late: Mutex<Vec<T>>,
}

impl<T> Inject<T> {
    pub(crate) fn new() -> Inject<T> {
        Inject {
            queue: ConcurrentQueue::unbounded(),
            late: Mutex::new(Vec::new()),
        }
    }

    /// The number of queued tasks (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Queues `task`, or gives it back when the queue is closed: the caller must drop it after
    /// releasing any lock of its own.
    pub(crate) fn push(&self, task: T) -> Result<(), T> {
        self.queue
            .push(task)
            .map_err(|refused| refused.into_inner())
    }

    /// Pops one task.
    pub(crate) fn pop(&self) -> Option<T> {
        if self.queue.is_empty() {
            return None;
        }
        self.queue.pop().ok()
    }

    /// Closes the queue; returns whether this call closed it.
    pub(crate) fn close(&self) -> bool {
        self.queue.close()
    }

    /// Takes every queued task (at shutdown), and the late overflow.
    pub(crate) fn drain(&self) -> Vec<T> {
        let mut tasks: Vec<T> = self.queue.try_iter().collect();
        tasks.append(&mut self.late.lock().unwrap_or_else(|p| p.into_inner()));
        tasks
    }
}

impl<T> Overflow<T> for Inject<T> {
    /// Accepted even when closed (into the late list): the tasks come from a worker's own queue
    /// operation, where dropping them (and running their destructors) could not be handled.
    fn push_batch(&self, tasks: impl Iterator<Item = T>) {
        for task in tasks {
            if let Err(refused) = self.queue.push(task) {
                self.late
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(refused.into_inner());
            }
        }
    }
}
