//! Per-worker counters (for metrics) and the self-tuning of the global queue interval.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

/// Counters of one worker. Each is written only by the thread that holds the worker's core (a plain
/// load and store, no read-modify-write, so the hot path never contends), and read by anyone.
#[derive(Default)]
pub(crate) struct WorkerCounters {
    /// Task polls started. Also the LIFO-steal watchdog's clock: a worker whose count does not move
    /// is stuck in one poll.
    pub(crate) polls: AtomicU64,
    /// Tasks taken from other workers' queues.
    pub(crate) steals: AtomicU64,
    /// Successful steal operations (each takes up to half a queue).
    pub(crate) steal_operations: AtomicU64,
    /// Times the worker parked.
    pub(crate) parks: AtomicU64,
    /// Times the local queue overflowed into the global queue.
    pub(crate) overflows: AtomicU64,
    /// Tasks taken from a stuck worker's LIFO slot.
    pub(crate) lifo_steals: AtomicU64,
}

/// Adds `n` to a counter that only the calling thread writes.
#[inline(always)]
pub(crate) fn bump(counter: &AtomicU64, n: u64) {
    counter.store(counter.load(Relaxed).wrapping_add(n), Relaxed);
}

/// The mean poll time the adaptive interval aims to check the global queue within.
const TARGET_GLOBAL_QUEUE_LATENCY: Duration = Duration::from_micros(200);
/// Weight of one poll in the moving average of poll times.
const EWMA_ALPHA: f64 = 0.1;
/// Bounds of the adaptive interval; it starts at the historical fixed value.
const MIN_INTERVAL: u32 = 2;
const MAX_INTERVAL: u32 = 127;
pub(crate) const INITIAL_INTERVAL: u32 = 61;

/// Chooses how many ticks pass between two checks of the global queue.
///
/// The global queue must be checked often enough that a task there waits about
/// [`TARGET_GLOBAL_QUEUE_LATENCY`] at most, however long polls take: with fast polls (1 µs) that is
/// every 127 ticks (the cap; checking costs a lock), with slow ones (100 µs) every 2. The mean poll
/// time is an exponentially weighted moving average, measured per *batch* of polls (between two
/// parks or maintenance ticks) so the clock is read twice per batch, not per poll. A batch of `n`
/// polls weighs `1 - (1 - alpha)^n`, as if each poll had been averaged in one by one.
pub(crate) struct Tuner {
    ewma_poll_ns: f64,
    batch_start: Instant,
    batch_polls: u32,
    interval: u32,
}

impl Tuner {
    pub(crate) fn new() -> Tuner {
        Tuner {
            // The poll time that the initial interval corresponds to.
            ewma_poll_ns: TARGET_GLOBAL_QUEUE_LATENCY.as_nanos() as f64
                / f64::from(INITIAL_INTERVAL),
            batch_start: Instant::now(),
            batch_polls: 0,
            interval: INITIAL_INTERVAL,
        }
    }

    pub(crate) fn interval(&self) -> u32 {
        self.interval
    }

    pub(crate) fn start_batch(&mut self) {
        self.batch_start = Instant::now();
        self.batch_polls = 0;
    }

    #[inline(always)]
    pub(crate) fn polled(&mut self) {
        self.batch_polls = self.batch_polls.wrapping_add(1);
    }

    pub(crate) fn end_batch(&mut self) {
        if self.batch_polls == 0 {
            return;
        }
        let polls = self.batch_polls;
        let mean = self.batch_start.elapsed().as_nanos() as f64 / f64::from(polls);
        let weight = 1.0 - (1.0 - EWMA_ALPHA).powi(polls.min(1000) as i32);
        self.ewma_poll_ns = weight * mean + (1.0 - weight) * self.ewma_poll_ns;
        let ideal = TARGET_GLOBAL_QUEUE_LATENCY.as_nanos() as f64 / self.ewma_poll_ns.max(1.0);
        let ideal = (ideal as u32).clamp(MIN_INTERVAL, MAX_INTERVAL);
        // Small changes are noise; ignoring them keeps the interval stable.
        if ideal.abs_diff(self.interval) > 2 || ideal == MIN_INTERVAL || ideal == MAX_INTERVAL {
            self.interval = ideal;
        }
        self.batch_polls = 0;
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn slow_polls_shrink_the_interval_and_fast_ones_grow_it() {
        let mut tuner = Tuner::new();
        assert_eq!(tuner.interval(), INITIAL_INTERVAL);
        // Simulated batches: 10 polls taking 1 ms each.
        for _ in 0..20 {
            tuner.batch_start = Instant::now() - Duration::from_millis(10);
            tuner.batch_polls = 10;
            tuner.end_batch();
        }
        assert_eq!(tuner.interval(), MIN_INTERVAL);
        // Then 1000 polls in well under 1 µs each.
        for _ in 0..20 {
            tuner.batch_start = Instant::now();
            tuner.batch_polls = 1000;
            tuner.end_batch();
        }
        assert_eq!(tuner.interval(), MAX_INTERVAL);
    }
}
