//! Rescuing the LIFO task of a worker stuck in a long poll: zokio's answer to tokio#4941.
//!
//! In Tokio the LIFO slot cannot be stolen, so a task woken into it waits for as long as its worker's
//! current poll runs, even while other workers sit idle. Making the slot stealable outright cost Tokio
//! so much message-passing throughput (every put and take became contended, and idle workers stole
//! tasks that were about to run anyway) that the change was reverted (tokio#8065, #8100). zokio keeps
//! the fast path and still bounds the delay:
//!
//! - The owner puts and takes with a swap on an `AtomicPtr` it alone writes in the common case (see
//!   [`LifoSlot`](super::shared::LifoSlot)); it publishes how many polls it has started with a plain
//!   store (a counter the metrics need anyway). No lock, no shared read-modify-write.
//! - One idle worker at a time is the **watcher**: it parks with a timeout of [`STUCK_AFTER`] instead
//!   of indefinitely. When it finds the same task in the same slot while the owner's poll count has
//!   not moved for at least [`STUCK_AFTER`], the owner is stuck in one poll: it takes the task with a
//!   compare-and-swap and runs it. The watch is a role of an *idle* worker: it is kept while the
//!   watcher searches for work (it checks for stuck slots then too) and given up when it starts to run
//!   a task, or after it has seen every slot empty [`QUIET_CHECKS`] times in a row. Only the watcher
//!   reads the other workers' slots, at most once per [`SCAN_EVERY`]: each read costs the owner a
//!   cache miss on its next put or poll.
//! - The role lives in one word, `Shared::lifo_watch`: [`NONE`], [`WANTED`] or [`WATCHING`]. When an
//!   owner fills an empty slot while the word is `NONE`, it sets `WANTED` and wakes one parked worker,
//!   but only if a worker is parked and none is searching (a searcher parks soon enough). The next
//!   worker to park takes the watch because it is `WANTED`, even if the slots look empty by then; a
//!   worker also takes it unasked when it parks while some slot is occupied and nobody watches.
//! - Why `WANTED` and the sticky role: a slot that is filled and emptied a million times a second (a
//!   chain of spawns, a ping-pong) looks empty to most single checks. When a woken worker took the
//!   watch only if it saw an occupied slot, and gave it up whenever it left its park, the fills of such
//!   a chain kept waking workers (a futex wake on the busy worker's thread each time, and a search
//!   that could steal the chain away). Kept, one wake serves the whole burst: on 16 cores, 3 to 8 per
//!   1000-link chain.
//! - The owner's checks are a plain load of the word (its line is written only when the role changes)
//!   and of the idle state, so a busy ping-pong pays nothing extra. The owner swaps the slot, then
//!   loads the word; a watcher that gives up the watch stores `NONE`, then rechecks every slot with a
//!   read-modify-write. Either that read-modify-write comes after the owner's swap in the slot's
//!   order and sees the task, or the owner's swap reads it and so sees the release: one of the two
//!   asks for a watcher, and a slot is never left occupied without either a watcher, a `WANTED` mark
//!   that the next parking worker honours, or a wake-up (the loom model
//!   `loom_lifo_watch_release_races_owner_fill` checks this hand-off).

use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::time::{Duration, Instant};

use zokio_task::Runnable;

use super::shared::Shared;
use super::worker::Core;

/// How long a worker must stay in one poll before its LIFO task may be taken by another worker.
pub(crate) const STUCK_AFTER: Duration = Duration::from_micros(100);
/// Consecutive empty checks after which a watcher goes back to parking without a timeout.
pub(crate) const QUIET_CHECKS: u32 = 16;

/// [`Shared::lifo_watch`]: nobody watches and nobody was asked to.
pub(crate) const NONE: usize = 0;
/// [`Shared::lifo_watch`]: an owner filled its slot while nobody watched; the next worker to park
/// watches.
pub(crate) const WANTED: usize = 1;
/// [`Shared::lifo_watch`]: a worker watches.
pub(crate) const WATCHING: usize = 2;

/// The least time between two scans of the other workers' slots by the watcher. A watcher that keeps
/// being woken (by the notifies of a busy worker's pushes) would otherwise read every owner's slot and
/// poll count each time, and each read costs the owner a cache miss on its next put or poll; a quarter
/// of [`STUCK_AFTER`] keeps the rescue within about `STUCK_AFTER + SCAN_EVERY` of the stall.
pub(crate) const SCAN_EVERY: Duration = Duration::from_micros(25);

/// A worker's view of the other workers' LIFO slots.
#[derive(Default)]
pub(crate) struct Watch {
    /// Per worker: the poll count and time at which its slot was first seen occupied at that count.
    seen: Vec<Option<(u64, Instant)>>,
    pub(super) watching: bool,
    /// Scans in a row that found every slot empty.
    quiet: u32,
    last_scan: Option<Instant>,
}

impl Watch {
    /// Whether this worker is the watcher.
    pub(crate) fn is_watching(&self) -> bool {
        self.watching
    }

    /// Makes this worker the watcher without the protocol (for models that set the word themselves).
    #[cfg(all(test, loom))]
    pub(crate) fn set_watching(&mut self) {
        self.watching = true;
    }
}

fn any_occupied(core: &Core, shared: &Shared) -> bool {
    shared
        .remotes
        .iter()
        .enumerate()
        .any(|(i, r)| i != core.index && r.hot.lifo.peek().is_some())
}

/// [`any_occupied`] for a worker that has just released the watch: each slot is read with a
/// read-modify-write (see [`LifoSlot::is_occupied_now`](super::shared::LifoSlot::is_occupied_now)).
fn any_occupied_after_release(core: &Core, shared: &Shared) -> bool {
    shared
        .remotes
        .iter()
        .enumerate()
        .any(|(i, r)| i != core.index && r.hot.lifo.is_occupied_now())
}

/// Called by an owner that just put a task into its empty LIFO slot: whether it must wake a worker to
/// watch over it. Marks the watch [`WANTED`] when nobody watches, so that the next worker to park
/// takes it even when no worker can be woken now.
pub(crate) fn needs_watcher(shared: &Shared) -> bool {
    if shared.config.disable_lifo_slot || shared.remotes.len() == 1 {
        return false;
    }
    // A plain load first: while a watch is on (or already asked for) the line stays shared and the
    // owner writes nothing.
    if shared.lifo_watch.load(SeqCst) != NONE {
        return false;
    }
    shared
        .lifo_watch
        .compare_exchange(NONE, WANTED, SeqCst, SeqCst)
        .is_ok()
        && shared.idle.has_idle_worker()
}

/// The watcher takes the LIFO task of a worker that has been stuck in one poll for [`STUCK_AFTER`],
/// if any. Only the watcher looks (other searchers leave the owners' lines alone), and at most once
/// per [`SCAN_EVERY`].
pub(crate) fn steal_stuck(core: &mut Core, shared: &Shared) -> Option<Runnable> {
    if !core.watch.watching || !scan_due(core) {
        return None;
    }
    observe(core, shared, true)
}

fn scan_due(core: &mut Core) -> bool {
    let now = Instant::now();
    match core.watch.last_scan {
        Some(last) if now.saturating_duration_since(last) < SCAN_EVERY => false,
        _ => {
            core.watch.last_scan = Some(now);
            true
        }
    }
}

/// Scans the other workers' slots: records, for every occupied slot, since when its owner has been at
/// its current poll count, counts the scan as quiet when every slot is empty, and takes the task of an
/// owner stuck for [`STUCK_AFTER`] when `steal` is set.
fn observe(core: &mut Core, shared: &Shared, steal: bool) -> Option<Runnable> {
    let n = shared.remotes.len();
    if core.watch.seen.len() != n {
        core.watch.seen = vec![None; n];
    }
    let mut now = None;
    let mut occupied = false;
    for victim in 0..n {
        if victim == core.index {
            continue;
        }
        let hot = &shared.remotes[victim].hot;
        let Some(seen_task) = hot.lifo.peek() else {
            core.watch.seen[victim] = None;
            continue;
        };
        occupied = true;
        let polls = hot.counters.polls.load(Relaxed);
        let now = *now.get_or_insert_with(Instant::now);
        match core.watch.seen[victim] {
            Some((seen_polls, since)) if seen_polls == polls => {
                if steal && now.duration_since(since) >= STUCK_AFTER {
                    if let Some(task) = hot.lifo.steal(seen_task) {
                        core.watch.seen[victim] = None;
                        return Some(task);
                    }
                }
            }
            _ => core.watch.seen[victim] = Some((polls, now)),
        }
    }
    core.watch.quiet = if occupied { 0 } else { core.watch.quiet + 1 };
    None
}

/// The timeout a worker about to park should use: [`STUCK_AFTER`] while it watches, `None` otherwise.
/// Takes the watch when it is [`WANTED`], or unasked when nobody watches and some slot is occupied.
pub(crate) fn park_timeout(core: &mut Core, shared: &Shared) -> Option<Duration> {
    if shared.config.disable_lifo_slot || shared.remotes.len() == 1 {
        return None;
    }
    if !core.watch.watching {
        let mut state = shared.lifo_watch.load(SeqCst);
        loop {
            // Only when nobody watches are the slots scanned: a parking worker leaves the owners'
            // lines alone while a watch is on.
            let take = state == WANTED || (state == NONE && any_occupied(core, shared));
            if !take {
                return None;
            }
            // One watcher is enough: the compare-and-swap decides between workers parking at once.
            // It fails, too, when an owner has just asked for the watch: take it as asked.
            match shared
                .lifo_watch
                .compare_exchange(state, WATCHING, SeqCst, SeqCst)
            {
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        core.watch.watching = true;
        core.watch.quiet = 0;
        core.watch.last_scan = None;
    }
    if scan_due(core) {
        // Starts the clock of every occupied slot, so that the first check after the timeout can
        // already act.
        observe(core, shared, false);
    }
    if core.watch.quiet >= QUIET_CHECKS {
        release(core, shared);
        // A slot filled just before the release may have been seen by its owner as watched (and so
        // not announced): this worker is parking anyway, so it watches on.
        if !any_occupied_after_release(core, shared)
            || shared
                .lifo_watch
                .compare_exchange(NONE, WATCHING, SeqCst, SeqCst)
                .is_err()
        {
            return None;
        }
        core.watch.watching = true;
    }
    Some(STUCK_AFTER)
}

/// Gives the watch up because the worker is about to run a task, which keeps it from watching. A slot
/// found occupied after the release may belong to an owner that saw the old state and did not ask for
/// a watcher: ask on its behalf.
#[inline]
pub(crate) fn stop_watching(core: &mut Core, shared: &Shared) {
    if core.watch.watching {
        hand_over(core, shared);
    }
}

#[cold]
fn hand_over(core: &mut Core, shared: &Shared) {
    release(core, shared);
    if any_occupied_after_release(core, shared) && needs_watcher(shared) {
        shared.notify_parked();
    }
}

fn release(core: &mut Core, shared: &Shared) {
    core.watch.watching = false;
    core.watch.quiet = 0;
    // Only the watcher changes the word while it is `WATCHING`.
    shared.lifo_watch.store(NONE, SeqCst);
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::Ordering::SeqCst;
    use std::time::{Duration, Instant};

    use zokio_task::Runnable;

    use super::{
        NONE, QUIET_CHECKS, STUCK_AFTER, WANTED, WATCHING, needs_watcher, park_timeout,
        steal_stuck, stop_watching,
    };
    use crate::ParkThread;
    use crate::blocking::{self, BlockingPool};
    use crate::multi_thread::shared::Shared;
    use crate::multi_thread::worker::Core;
    use crate::multi_thread::{Config, build};

    /// A scheduler's shared state and cores with no thread started: the test plays the workers.
    #[allow(clippy::vec_box)] // The cores as `build` makes them.
    fn setup(workers: usize) -> (BlockingPool, Arc<Shared>, Vec<Box<Core>>) {
        let pool = BlockingPool::new(blocking::Config::default());
        let config = Config {
            worker_threads: workers,
            ..Config::default()
        };
        let (shared, cores) = build(&config, Box::new(ParkThread::new()), pool.spawner());
        (pool, shared, cores)
    }

    fn task(shared: &Shared) -> Runnable {
        let (runnable, _handle) = zokio_task::spawn(async {}, |_, _| {}, &shared.tasks);
        runnable
    }

    fn state(shared: &Shared) -> usize {
        shared.lifo_watch.load(SeqCst)
    }

    #[test]
    fn one_request_per_watch_and_the_next_parker_takes_it_with_every_slot_empty() {
        let (_pool, shared, mut cores) = setup(2);
        assert_eq!(state(&shared), NONE);
        // Nobody is parked: no wake-up, but the watch is asked for.
        assert!(!needs_watcher(&shared));
        assert_eq!(state(&shared), WANTED);
        // Asked for already: later fills neither ask nor wake again.
        assert!(!needs_watcher(&shared));
        assert_eq!(state(&shared), WANTED);
        // Worker 1 parks with every slot empty and still takes the watch.
        assert!(!shared.idle.transition_worker_to_parked(1, false));
        assert_eq!(park_timeout(&mut cores[1], &shared), Some(STUCK_AFTER));
        assert_eq!(state(&shared), WATCHING);
        assert!(cores[1].watch.is_watching());
        assert!(!needs_watcher(&shared), "a watch is on");
        // Running a task ends the watch; with worker 1 still listed as parked, the next fill wakes.
        stop_watching(&mut cores[1], &shared);
        assert_eq!(state(&shared), NONE);
        assert!(!cores[1].watch.is_watching());
        assert!(needs_watcher(&shared));
        assert_eq!(state(&shared), WANTED);
    }

    #[test]
    fn the_watch_ends_after_quiet_scans_and_is_taken_unasked_for_an_occupied_slot() {
        let (_pool, shared, mut cores) = setup(2);
        shared.lifo_watch.store(WANTED, SeqCst);
        for scan in 1..QUIET_CHECKS {
            // Make every call scan (the rate limit is not under test here).
            cores[1].watch.last_scan = None;
            assert_eq!(park_timeout(&mut cores[1], &shared), Some(STUCK_AFTER));
            assert_eq!(cores[1].watch.quiet, scan);
        }
        cores[1].watch.last_scan = None;
        assert_eq!(park_timeout(&mut cores[1], &shared), None);
        assert_eq!(state(&shared), NONE);
        assert!(!cores[1].watch.is_watching());
        // Nobody watches and worker 0's slot is occupied: worker 1 watches without being asked, and
        // the occupied slot keeps its scans from counting as quiet.
        assert!(shared.remotes[0].hot.lifo.put(task(&shared)).is_none());
        for _ in 0..2 * QUIET_CHECKS {
            cores[1].watch.last_scan = None;
            assert_eq!(park_timeout(&mut cores[1], &shared), Some(STUCK_AFTER));
        }
        assert_eq!(cores[1].watch.quiet, 0);
        assert_eq!(state(&shared), WATCHING);
        drop(shared.remotes[0].hot.lifo.take());
    }

    #[test]
    fn only_the_watcher_takes_a_stuck_task_and_at_most_once_per_scan_interval() {
        let (_pool, shared, mut cores) = setup(3);
        assert!(shared.remotes[0].hot.lifo.put(task(&shared)).is_none());
        // Worker 1 watches; its first scan starts the clock of worker 0's slot.
        shared.lifo_watch.store(WANTED, SeqCst);
        assert_eq!(park_timeout(&mut cores[1], &shared), Some(STUCK_AFTER));
        let (polls, _) = cores[1].watch.seen[0].expect("the occupied slot was seen");
        // Pretend the owner has been at this poll count for longer than the bound.
        cores[1].watch.seen[0] = Some((polls, Instant::now() - 2 * STUCK_AFTER));
        // Worker 2 is not the watcher: it leaves the slot alone.
        assert!(steal_stuck(&mut cores[2], &shared).is_none());
        // The watcher scanned just now: it waits for the next scan. (The scan is dated an hour ahead,
        // which reads as zero time elapsed: a test slowed down by a sanitizer or a loaded machine can
        // take longer than `SCAN_EVERY` between two lines.)
        cores[1].watch.last_scan = Some(Instant::now() + Duration::from_secs(3600));
        assert!(steal_stuck(&mut cores[1], &shared).is_none());
        cores[1].watch.last_scan = None;
        let stolen = steal_stuck(&mut cores[1], &shared).expect("the stuck task is taken");
        assert!(shared.remotes[0].hot.lifo.peek().is_none());
        drop(stolen);
    }
}
