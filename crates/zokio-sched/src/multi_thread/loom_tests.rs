//! loom models of the local queue and of the idle/park protocol.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p zokio-sched --release --lib loom` (optionally with
//! `LOOM_MAX_PREEMPTIONS=2`). Under loom the queue holds 4 slots, so the models reach the full,
//! overflowing and wrapping states in a few operations.

use std::cell::RefCell;

use loom::sync::Notify;
use loom::sync::atomic::AtomicBool;
use loom::sync::atomic::AtomicUsize;
use loom::sync::atomic::Ordering::SeqCst;
use loom::thread;

use super::idle::Idle;
use super::loom::Arc;
use super::queue::{CAPACITY, Overflow, local};

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

/// The idle protocol never loses a wake-up: a task queued from outside while both workers go to sleep
/// (searching or not) is run, and the final wake-all leaves no worker stuck.
#[test]
fn loom_idle_no_lost_wakeup() {
    model(2, || {
        const WORKERS: usize = 2;
        let shared = Arc::new(Model {
            idle: Idle::new(WORKERS),
            pending: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            parkers: (0..WORKERS).map(|_| Notify::new()).collect(),
            done: Notify::new(),
        });
        let workers: Vec<_> = (0..WORKERS)
            .map(|index| {
                let shared = shared.clone();
                thread::spawn(move || shared.worker(index))
            })
            .collect();
        // Queue one task from outside, then notify.
        shared.pending.fetch_add(1, SeqCst);
        shared.notify_parked();
        // The task must be run: a lost wake-up leaves this wait blocked, which loom reports.
        shared.done.wait();
        shared.stop.store(true, SeqCst);
        shared.idle.unpark_all();
        for parker in &shared.parkers {
            parker.notify();
        }
        for worker in workers {
            worker.join().unwrap();
        }
    });
}

struct Model {
    idle: Idle,
    pending: AtomicUsize,
    stop: AtomicBool,
    parkers: Vec<Notify>,
    done: Notify,
}

impl Model {
    fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.parkers[index].notify();
        }
    }

    fn take_task(&self) -> bool {
        self.pending
            .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    fn worker(&self, index: usize) {
        let mut searching = false;
        loop {
            if self.stop.load(SeqCst) {
                return;
            }
            if !searching {
                searching = self.idle.transition_worker_to_searching();
            }
            if searching && self.take_task() {
                if self.idle.transition_worker_from_searching() {
                    self.notify_parked();
                }
                searching = false;
                self.done.notify();
                continue;
            }
            if self.idle.transition_worker_to_parked(index, searching)
                && self.pending.load(SeqCst) > 0
            {
                // The last searcher rescans before sleeping.
                self.notify_parked();
            }
            loop {
                self.parkers[index].wait();
                if self.stop.load(SeqCst) {
                    return;
                }
                if !self.idle.is_parked(index) {
                    // Notified: counted as searching by the notifier.
                    searching = true;
                    break;
                }
            }
        }
    }
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
