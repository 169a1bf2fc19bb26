//! loom models of the local queue, of the parker and of the LIFO slot and its watch hand-off, each
//! on its own. The idle protocol (searching, parking, notifying) is checked on the real worker loop
//! by the models of the whole scheduler in `loom_runtime.rs`.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p zokio-sched --release --lib loom` (optionally with
//! `LOOM_MAX_PREEMPTIONS=2`). Under loom the queue holds 4 slots, so the models reach the full,
//! overflowing and wrapping states in a few operations.

use std::cell::RefCell;

use loom::sync::Notify;
use loom::sync::atomic::Ordering::SeqCst;
use loom::thread;

use super::queue::{CAPACITY, Overflow, local};
use crate::loom::Arc;

struct Sink(RefCell<Vec<usize>>);

impl Overflow<usize> for Sink {
    fn push_batch(&self, tasks: impl Iterator<Item = usize>) {
        self.0.borrow_mut().extend(tasks);
    }
}

/// Runs a loom model with at most `preemptions` preemptions (unless `LOOM_MAX_PREEMPTIONS` says
/// otherwise), which keeps each model to seconds while covering the races of interest.
fn model(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(preemptions);
    }
    builder.check(f);
}

fn sink() -> Sink {
    Sink(RefCell::new(Vec::new()))
}

#[test]
fn loom_queue_steal_races_pop() {
    model(3, || {
        let (mut owner, steal) = local::<usize>();
        let out = sink();
        for i in 0..3 {
            owner.push_back_or_overflow(i, &out);
        }
        let thief = thread::spawn(move || {
            let (mut mine, _) = local::<usize>();
            let mut got = Vec::new();
            if let Some((task, _)) = steal.steal_into(&mut mine) {
                got.push(task);
                got.extend(std::iter::from_fn(|| mine.pop()));
            }
            got
        });
        let mut got: Vec<usize> = std::iter::from_fn(|| owner.pop()).collect();
        got.extend(thief.join().unwrap());
        got.sort_unstable();
        assert_eq!(got, vec![0, 1, 2]);
    });
}

#[test]
fn loom_queue_overflow_races_steal() {
    model(3, || {
        let (mut owner, steal) = local::<usize>();
        let out = sink();
        for i in 0..CAPACITY {
            owner.push_back_or_overflow(i, &out);
        }
        let thief = thread::spawn(move || {
            let (mut mine, _) = local::<usize>();
            let mut got = Vec::new();
            if let Some((task, _)) = steal.steal_into(&mut mine) {
                got.push(task);
                got.extend(std::iter::from_fn(|| mine.pop()));
            }
            got
        });
        // The queue is full: this push overflows, or lands in room the thief freed.
        owner.push_back_or_overflow(CAPACITY, &out);
        owner.push_back_or_overflow(CAPACITY + 1, &out);
        let mut got: Vec<usize> = std::iter::from_fn(|| owner.pop()).collect();
        got.extend(thief.join().unwrap());
        got.extend(out.0.into_inner());
        got.sort_unstable();
        assert_eq!(got, (0..CAPACITY + 2).collect::<Vec<_>>());
    });
}

#[test]
fn loom_queue_two_stealers() {
    model(3, || {
        let (mut owner, steal) = local::<usize>();
        let out = sink();
        for i in 0..CAPACITY {
            owner.push_back_or_overflow(i, &out);
        }
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let steal = steal.clone();
                thread::spawn(move || {
                    let (mut mine, _) = local::<usize>();
                    let mut got = Vec::new();
                    if let Some((task, _)) = steal.steal_into(&mut mine) {
                        got.push(task);
                        got.extend(std::iter::from_fn(|| mine.pop()));
                    }
                    got
                })
            })
            .collect();
        let mut got: Vec<usize> = owner.pop().into_iter().collect();
        for thief in thieves {
            got.extend(thief.join().unwrap());
        }
        got.extend(std::iter::from_fn(|| owner.pop()));
        got.sort_unstable();
        assert_eq!(got, (0..CAPACITY).collect::<Vec<_>>());
    });
}

/// ABA in the steal CAS (tokio#5041): while a thief is between claiming and releasing, the owner keeps
/// popping and pushing around the ring. The thief's release must still land on its own claim, and no
/// task may be lost or seen twice.
#[test]
fn loom_queue_steal_cas_aba() {
    model(2, || {
        let (mut owner, steal) = local::<usize>();
        let out = sink();
        owner.push_back_or_overflow(0, &out);
        owner.push_back_or_overflow(1, &out);
        let thief = thread::spawn(move || {
            let (mut mine, _) = local::<usize>();
            let mut got = Vec::new();
            if let Some((task, _)) = steal.steal_into(&mut mine) {
                got.push(task);
                got.extend(std::iter::from_fn(|| mine.pop()));
            }
            got
        });
        let mut got = Vec::new();
        for i in 2..2 + CAPACITY {
            got.extend(owner.pop());
            owner.push_back_or_overflow(i, &out);
        }
        got.extend(std::iter::from_fn(|| owner.pop()));
        got.extend(thief.join().unwrap());
        got.extend(out.0.into_inner());
        got.sort_unstable();
        assert_eq!(got, (0..2 + CAPACITY).collect::<Vec<_>>());
    });
}

/// The LIFO slot: the owner's take and a watcher's steal race for one task; exactly one of them gets
/// it, and a task the owner puts in afterwards is never lost nor taken twice. (The second task may
/// reuse the first one's address, in which case the watcher's stale compare-and-swap takes it: that is
/// a valid transfer of a runnable task, not a duplicate.)
#[test]
fn loom_lifo_steal_races_owner_take() {
    use super::shared::LifoSlot;
    use std::sync::atomic::AtomicUsize as StdAtomicUsize;

    model(3, || {
        let list = std::sync::Arc::new(zokio_task::TaskList::new(1));
        let ran = std::sync::Arc::new(StdAtomicUsize::new(0));
        let task = |ran: std::sync::Arc<StdAtomicUsize>| {
            let (runnable, handle) = zokio_task::spawn(
                async move {
                    ran.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                },
                |_runnable, _info| {},
                &list,
            );
            drop(handle);
            runnable
        };
        let slot = Arc::new(LifoSlot::new());
        assert!(slot.put(task(ran.clone())).is_none());
        let seen = slot.peek().expect("occupied");
        let watcher = {
            let slot = slot.clone();
            thread::spawn(move || slot.steal(seen).map(|t| t.run()).is_some())
        };
        let owner_took = slot.take().map(|t| t.run()).is_some();
        // The owner fills the slot again while the watcher may still be looking at the old task.
        assert!(slot.put(task(ran.clone())).is_none());
        let watcher_took = watcher.join().unwrap();
        let last_took = slot.take().map(|t| t.run()).is_some();
        let takes = [owner_took, watcher_took, last_took];
        assert_eq!(takes.iter().filter(|&&t| t).count(), 2, "{takes:?}");
        assert_eq!(ran.load(std::sync::atomic::Ordering::SeqCst), 2);
    });
}

/// A driver for the models: parking waits on a loom `Notify`, unparking notifies it.
struct NotifyDriver(std::sync::Arc<Notify>);

struct NotifyUnpark(std::sync::Arc<Notify>);

impl crate::Unpark for NotifyUnpark {
    fn unpark(&self) {
        self.0.notify();
    }
}

impl crate::Driver for NotifyDriver {
    fn park(&mut self, timeout: Option<std::time::Duration>) {
        if timeout != Some(std::time::Duration::ZERO) {
            self.0.wait();
        }
    }

    fn unparker(&self) -> std::sync::Arc<dyn crate::Unpark> {
        std::sync::Arc::new(NotifyUnpark(self.0.clone()))
    }
}

/// The parking protocol: two workers park, one of them on the shared driver and the other on its
/// thread parker (whichever wins the driver's try-lock), while a third thread unparks both. Whatever
/// the interleaving, both wake: an unpark that lands before, during or after the transition to parked
/// is never lost. A lost one leaves a thread blocked forever, which loom reports.
#[test]
fn loom_park_unpark_never_lost() {
    use super::park::{Parker, SharedDriver};

    model(3, || {
        let driver = std::sync::Arc::new(SharedDriver::new(Box::new(NotifyDriver(
            std::sync::Arc::new(Notify::new()),
        ))));
        let (mut a, mut b) = (Parker::new(driver.clone()), Parker::new(driver.clone()));
        let (wake_a, wake_b) = (a.unparker(), b.unparker());
        let ta = thread::spawn(move || a.park(None));
        let tb = thread::spawn(move || b.park(None));
        wake_a.unpark();
        wake_b.unpark();
        ta.join().unwrap();
        tb.join().unwrap();
    });
}

/// A parker notified twice before it parks twice returns once at once and then waits for the next
/// unpark: notifications do not pile up, and the second park is not lost either.
#[test]
fn loom_park_notifications_do_not_accumulate_but_are_kept() {
    use super::park::{Parker, SharedDriver};

    model(3, || {
        let driver = std::sync::Arc::new(SharedDriver::new(Box::new(NotifyDriver(
            std::sync::Arc::new(Notify::new()),
        ))));
        let mut parker = Parker::new(driver);
        let wake = parker.unparker();
        let waker = thread::spawn(move || {
            wake.unpark();
            wake.unpark();
            wake
        });
        parker.park(None);
        let wake = waker.join().unwrap();
        // Both unparks may have been folded into the first park: a fresh one is needed.
        wake.unpark();
        parker.park(None);
    });
}

/// The LIFO watch hand-off: the watcher gives its watch up (it is about to run a task) while an
/// owner fills its empty LIFO slot. Whatever the interleaving, the occupied slot ends up asked for
/// (`WANTED`, so the next worker to park watches it) and the parked worker is notified to become
/// that watcher: the owner's swap-then-check of the word and the watcher's release-then-recheck of
/// the slots cannot both miss each other.
#[test]
fn loom_lifo_watch_release_races_owner_fill() {
    use super::lifo_watch::{self, WANTED, WATCHING};

    model(3, || {
        let pool = crate::blocking::BlockingPool::new(crate::blocking::Config::default());
        let config = super::Config {
            worker_threads: 3,
            ..super::Config::default()
        };
        let driver = NotifyDriver(std::sync::Arc::new(Notify::new()));
        let (shared, mut cores) = super::build(&config, Box::new(driver), pool.spawner());
        // Worker 2 sleeps; worker 1 watches; worker 0 owns the slot.
        assert!(!shared.idle.transition_worker_to_parked(2, false));
        shared.lifo_watch.store(WATCHING, SeqCst);
        let mut watcher_core = cores.remove(1);
        watcher_core.watch.set_watching();
        let watcher = {
            let shared = shared.clone();
            thread::spawn(move || lifo_watch::stop_watching(&mut watcher_core, &shared))
        };
        let list = shared.tasks.clone();
        let (task, handle) = zokio_task::spawn(async {}, |_runnable, _info| {}, &list);
        drop(handle);
        assert!(shared.remotes[0].hot.lifo.put(task).is_none());
        if lifo_watch::needs_watcher(&shared) {
            shared.notify_parked();
        }
        watcher.join().unwrap();
        assert_eq!(shared.lifo_watch.load(SeqCst), WANTED);
        assert!(
            !shared.idle.is_parked(2),
            "the sleeping worker was notified"
        );
        drop(shared.remotes[0].hot.lifo.take());
    });
}
