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
//! - A worker that goes idle while some LIFO slot is occupied becomes the (single) **watcher**: it
//!   parks with a timeout of [`STUCK_AFTER`] instead of indefinitely. When it finds the same task in
//!   the same slot while the owner's poll count has not moved for at least [`STUCK_AFTER`], the owner is
//!   stuck in one poll: it takes the task with a compare-and-swap and runs it.
//! - A watcher that has seen every slot empty [`QUIET_CHECKS`] times in a row stops watching.
//! - When an owner fills an empty slot while nobody watches, it wakes one parked worker (which becomes
//!   the watcher), but only if a worker is parked and none is searching; both checks are plain loads
//!   on lines that are rarely written, so a busy ping-pong pays nothing extra. The owner's `SeqCst`
//!   swap followed by a `SeqCst` load of the watcher count, against the watcher's `SeqCst` decrement
//!   followed by a `SeqCst` recheck of the slots, guarantees that one of the two sees the other: a
//!   slot is never left occupied without either a watcher or a wake-up.

use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::time::{Duration, Instant};

use zokio_task::Runnable;

use super::shared::Shared;
use super::worker::Core;

/// How long a worker must stay in one poll before its LIFO task may be taken by another worker.
pub(crate) const STUCK_AFTER: Duration = Duration::from_micros(100);
/// Consecutive empty checks after which a watcher goes back to parking without a timeout.
pub(crate) const QUIET_CHECKS: u32 = 16;

/// A worker's view of the other workers' LIFO slots.
#[derive(Default)]
pub(crate) struct Watch {
    /// Per worker: the poll count and time at which its slot was first seen occupied at that count.
    seen: Vec<Option<(u64, Instant)>>,
    watching: bool,
    quiet: u32,
}

fn any_occupied(core: &Core, shared: &Shared) -> bool {
    shared
        .remotes
        .iter()
        .enumerate()
        .any(|(i, r)| i != core.index && r.hot.lifo.peek().is_some())
}

/// Called by an owner that just put a task into its empty LIFO slot: whether it must wake a worker to
/// watch over it.
pub(crate) fn needs_watcher(shared: &Shared) -> bool {
    if shared.config.disable_lifo_slot || shared.remotes.len() == 1 {
        return false;
    }
    shared.lifo_watchers.load(SeqCst) == 0 && shared.idle.has_idle_worker()
}

/// Takes the LIFO task of a worker that has been stuck in one poll for [`STUCK_AFTER`], if any.
pub(crate) fn steal_stuck(core: &mut Core, shared: &Shared) -> Option<Runnable> {
    observe(core, shared, true)
}

/// Records, for every occupied slot, since when its owner has been at its current poll count; takes
/// the task of an owner stuck for [`STUCK_AFTER`] when `steal` is set.
fn observe(core: &mut Core, shared: &Shared, steal: bool) -> Option<Runnable> {
    let n = shared.remotes.len();
    if n == 1 || shared.config.disable_lifo_slot {
        return None;
    }
    if core.watch.seen.len() != n {
        core.watch.seen = vec![None; n];
    }
    let mut now = None;
    for victim in 0..n {
        if victim == core.index {
            continue;
        }
        let hot = &shared.remotes[victim].hot;
        let Some(seen_task) = hot.lifo.peek() else {
            core.watch.seen[victim] = None;
            continue;
        };
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
    None
}

/// The timeout a worker about to park should use: [`STUCK_AFTER`] while it watches, `None` otherwise.
pub(crate) fn park_timeout(core: &mut Core, shared: &Shared) -> Option<Duration> {
    if shared.config.disable_lifo_slot || shared.remotes.len() == 1 {
        return None;
    }
    if any_occupied(core, shared) {
        core.watch.quiet = 0;
        if !core.watch.watching {
            // One watcher is enough.
            if shared
                .lifo_watchers
                .compare_exchange(0, 1, SeqCst, SeqCst)
                .is_err()
            {
                return None;
            }
            core.watch.watching = true;
        }
        // Start the clock now, so that the first check after the timeout can already act.
        observe(core, shared, false);
        return Some(STUCK_AFTER);
    }
    if !core.watch.watching {
        return None;
    }
    core.watch.quiet += 1;
    if core.watch.quiet < QUIET_CHECKS {
        return Some(STUCK_AFTER);
    }
    // A slot filled while we stop is caught by the recheck in `stop_watching`.
    stop_watching(core, shared);
    None
}

/// Stops watching (the worker leaves its park, or saw nothing for a while). If a slot turns out to be
/// occupied after the watcher count dropped, its owner may have seen the old count and not woken
/// anyone: watch on if parking, or hand the watch to a parked worker.
pub(crate) fn stop_watching(core: &mut Core, shared: &Shared) {
    if !core.watch.watching {
        return;
    }
    core.watch.watching = false;
    core.watch.quiet = 0;
    shared.lifo_watchers.fetch_sub(1, SeqCst);
    if any_occupied(core, shared) && needs_watcher(shared) {
        shared.notify_parked();
    }
}
