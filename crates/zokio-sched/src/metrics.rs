//! Runtime metrics: a snapshot of what a scheduler is doing, cheap enough to leave on.
//!
//! The multi-thread scheduler keeps its counters per worker, each written only by the thread that
//! holds the worker (a plain store, no shared read-modify-write on the hot path); taking a snapshot
//! reads them all.

/// A snapshot of a runtime's state, from [`Scheduler::metrics`](crate::Scheduler::metrics).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// The number of worker threads (1 for a current-thread scheduler).
    pub num_workers: usize,
    /// Tasks spawned and not yet finished.
    pub num_alive_tasks: usize,
    /// Tasks waiting in the global (inject) queue.
    pub global_queue_depth: usize,
    /// Threads of the blocking pool, busy or idle.
    pub num_blocking_threads: usize,
    /// Threads of the blocking pool waiting for work.
    pub num_idle_blocking_threads: usize,
    /// Blocking tasks waiting for a thread.
    pub blocking_queue_depth: usize,
    /// Per-worker counters, indexed by worker (empty when the scheduler keeps none).
    pub workers: Vec<WorkerMetrics>,
}

/// The counters of one worker. Counts are totals since the runtime started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerMetrics {
    /// Task polls.
    pub polls: u64,
    /// Tasks this worker stole from other workers' queues.
    pub steals: u64,
    /// Steal operations that took at least one task.
    pub steal_operations: u64,
    /// Times this worker parked for lack of work.
    pub parks: u64,
    /// Times this worker's local queue overflowed into the global queue.
    pub overflows: u64,
    /// Tasks this worker took from the LIFO slot of a worker stuck in a long poll.
    pub lifo_steals: u64,
    /// Tasks in this worker's local queue now.
    pub local_queue_depth: usize,
}

impl RuntimeMetrics {
    /// Metrics with only the worker and task counts set, for schedulers that keep no counters.
    pub fn basic(num_workers: usize, num_alive_tasks: usize) -> RuntimeMetrics {
        RuntimeMetrics {
            num_workers,
            num_alive_tasks,
            ..RuntimeMetrics::default()
        }
    }

    /// The sum of every worker's polls.
    pub fn total_polls(&self) -> u64 {
        self.workers.iter().map(|w| w.polls).sum()
    }

    /// The sum of every worker's steals.
    pub fn total_steals(&self) -> u64 {
        self.workers.iter().map(|w| w.steals).sum()
    }
}
