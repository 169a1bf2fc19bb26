//! Which workers are searching for work and which are parked, and whom to wake for a new task.
//!
//! One atomic word packs `num_unparked << 16 | num_searching`; the list of parked workers sits behind a
//! mutex. The rules:
//!
//! - **Wake at most one worker per new task, and none while a worker is searching**: a searching
//!   worker will find the task (or wake someone when it stops searching, below). This is what keeps a
//!   burst of spawns from waking a herd.
//! - **At most about half the workers search at once**: more thieves than victims only contend.
//! - A notified worker starts *searching* (the notifier counts it as searching before waking it), so the
//!   next notify is suppressed until it has looked.
//! - **The last searcher to find work wakes one more worker if work is still waiting** (tokio#4383):
//!   a notify that was skipped because it was searching would otherwise be lost. Unlike Tokio, it
//!   looks first (see `Shared::notify_if_work_or_watch_pending`): having taken the only task there
//!   was, it wakes no one.
//! - **The last searcher to park rescans every queue** before sleeping, for the same reason.
//!
//! The read in [`Idle::worker_to_notify`] and the decrements in the searcher transitions are `SeqCst`
//! read-modify-writes on the same word: either the notifier sees the searcher gone (and wakes someone),
//! or the searcher's decrement is ordered after the notifier's, so it sees the task the notifier queued
//! before looking (and finds it in its rescan).

use std::sync::atomic::Ordering::SeqCst;

use crate::loom::{AtomicUsize, Mutex, lock};

const UNPARKED_SHIFT: usize = 16;
const SEARCHING_MASK: usize = (1 << UNPARKED_SHIFT) - 1;

pub(crate) struct Idle {
    state: AtomicUsize,
    /// Indices of the parked workers that have not been notified.
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

fn searching(state: usize) -> usize {
    state & SEARCHING_MASK
}

fn unparked(state: usize) -> usize {
    state >> UNPARKED_SHIFT
}

impl Idle {
    /// Bookkeeping for `num_workers` workers, all unparked and none searching.
    pub(crate) fn new(num_workers: usize) -> Idle {
        assert!(num_workers < SEARCHING_MASK, "too many workers");
        Idle {
            state: AtomicUsize::new(num_workers << UNPARKED_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    /// Picks a parked worker to wake for new work, or `None` when a worker is searching already or
    /// nobody is parked. The chosen worker is counted as unparked and searching.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_notify() {
            return None;
        }
        let mut sleepers = lock(&self.sleepers);
        // Checked again under the lock: another notifier may have woken someone meanwhile.
        if !self.should_notify() {
            return None;
        }
        let worker = sleepers.pop()?;
        self.state.fetch_add((1 << UNPARKED_SHIFT) | 1, SeqCst);
        Some(worker)
    }

    fn should_notify(&self) -> bool {
        // A read-modify-write rather than a load: it takes part in the total order of this word's
        // modifications, which the searcher transitions rely on (see the module docs).
        let state = self.state.fetch_add(0, SeqCst);
        searching(state) == 0 && unparked(state) < self.num_workers
    }

    /// Whether a notify would find a worker to wake right now (a plain load: cheap enough for a hot
    /// path that only needs a hint, followed by [`Idle::worker_to_notify`] when it says yes).
    pub(crate) fn has_idle_worker(&self) -> bool {
        let state = self.state.load(SeqCst);
        searching(state) == 0 && unparked(state) < self.num_workers
    }

    /// Records that `worker` parks. Returns `true` when it was the last searching worker: the caller
    /// must then rescan every queue for work that arrived while it searched.
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = lock(&self.sleepers);
        let dec = (1 << UNPARKED_SHIFT) | usize::from(is_searching);
        let previous = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
        is_searching && searching(previous) == 1
    }

    /// Tries to become a searcher; refused while half the workers or more are searching.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * searching(state) >= self.num_workers {
            return false;
        }
        // Racy on purpose: a few too many searchers now and then is harmless.
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// Stops searching. Returns `true` when this was the last searcher: if it found work, the caller
    /// must wake another worker.
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let previous = self.state.fetch_sub(1, SeqCst);
        debug_assert!(searching(previous) > 0);
        searching(previous) == 1
    }

    /// A parked worker woke up on its own (a timeout, or the driver returned). If it is still listed
    /// as a sleeper, it takes itself off the list and returns `true` (it was not notified, so it is not
    /// counted as searching); `false` means a notifier already unparked it (and counted it searching).
    pub(crate) fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = lock(&self.sleepers);
        match sleepers.iter().position(|&w| w == worker) {
            Some(index) => {
                sleepers.swap_remove(index);
                self.state.fetch_add(1 << UNPARKED_SHIFT, SeqCst);
                true
            }
            None => false,
        }
    }

    /// Whether `worker` is listed as parked (not yet notified).
    pub(crate) fn is_parked(&self, worker: usize) -> bool {
        lock(&self.sleepers).contains(&worker)
    }

    /// Takes every parked worker off the list, counting each as unparked and searching exactly as a
    /// notify would, and returns them for the caller to wake. Used at shutdown: keeping the counts in
    /// step here is what keeps later notifies working (tokio#8372, where a wake-all left the counts
    /// wrong and no worker was ever woken again).
    pub(crate) fn unpark_all(&self) -> Vec<usize> {
        let mut sleepers = lock(&self.sleepers);
        let woken = std::mem::take(&mut *sleepers);
        let n = woken.len();
        if n > 0 {
            self.state.fetch_add((n << UNPARKED_SHIFT) | n, SeqCst);
        }
        woken
    }

    /// `(num_unparked, num_searching)`, a snapshot for tests.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn counts(&self) -> (usize, usize) {
        let state = self.state.load(SeqCst);
        (unparked(state), searching(state))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Idle;

    #[test]
    fn at_most_half_the_workers_search() {
        let idle = Idle::new(4);
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_searching());
        assert_eq!(idle.counts(), (4, 2));
    }

    #[test]
    fn notify_is_skipped_while_someone_searches_and_the_last_searcher_is_told() {
        let idle = Idle::new(3);
        assert!(!idle.transition_worker_to_parked(2, false));
        assert!(idle.transition_worker_to_searching());
        // A searcher will find the work: nobody is woken.
        assert_eq!(idle.worker_to_notify(), None);
        // The searcher finds work and was the last one: it must wake someone, who is then available.
        assert!(idle.transition_worker_from_searching());
        assert_eq!(idle.worker_to_notify(), Some(2));
        assert_eq!(idle.counts(), (3, 1));
        // Only one wake per searcher: the next notify is suppressed.
        assert_eq!(idle.worker_to_notify(), None);
    }

    #[test]
    fn last_searcher_to_park_is_reported() {
        let idle = Idle::new(2);
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_parked(0, true));
        assert!(!idle.transition_worker_to_parked(1, false));
        assert_eq!(idle.counts(), (0, 0));
    }

    /// tokio#8372: a wake-all that bypassed the counts left them wrong and no worker was ever woken
    /// again. Here the wake-all counts every woken worker as notified, so the protocol continues.
    #[test]
    fn idle_bookkeeping_after_wake_all() {
        let idle = Idle::new(2);
        idle.transition_worker_to_parked(0, false);
        idle.transition_worker_to_parked(1, false);
        assert_eq!(idle.counts(), (0, 0));
        let mut woken = idle.unpark_all();
        woken.sort_unstable();
        assert_eq!(woken, vec![0, 1]);
        assert_eq!(idle.counts(), (2, 2));
        for worker in [0, 1] {
            // Woken workers are off the list and search, as after a notify.
            assert!(!idle.is_parked(worker));
            assert!(!idle.unpark_worker_by_id(worker));
        }
        assert!(!idle.transition_worker_from_searching());
        assert!(idle.transition_worker_from_searching());
        assert_eq!(idle.counts(), (2, 0));
        idle.transition_worker_to_parked(1, false);
        assert_eq!(
            idle.worker_to_notify(),
            Some(1),
            "notifies still work after a wake-all"
        );
        assert_eq!(idle.counts(), (2, 1));
    }

    #[test]
    fn a_worker_woken_by_its_driver_unlists_itself() {
        let idle = Idle::new(2);
        idle.transition_worker_to_parked(1, false);
        assert!(idle.is_parked(1));
        assert!(idle.unpark_worker_by_id(1));
        assert!(!idle.is_parked(1));
        assert_eq!(idle.counts(), (2, 0));
        assert_eq!(idle.worker_to_notify(), None);
    }
}
