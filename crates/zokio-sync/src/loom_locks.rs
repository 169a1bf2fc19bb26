//! loom models of the locks built on the semaphore: RwLock, Barrier, OnceCell.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p zokio-sync --release --lib loom_locks`; `cargo
//! xtask loom` runs them too (its filter, `loom`, matches every test here).
//!
//! `RwLock`'s own data cell is a plain `std` cell that loom cannot see, so its models keep their
//! shared data in loom types: Relaxed atomics (only the lock orders them, so a lock that fails to
//! synchronise shows up as a stale or torn value) or a loom `UnsafeCell` (which reports any two
//! accesses the lock failed to order as a causality violation).

use std::task::Poll;

use loom::cell::UnsafeCell;
use loom::future::block_on;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use crate::loom_tests::{model, model_bounded, poll_once};
use crate::{Barrier, OnceCell, RwLock, RwLockWriteGuard, SetError};

// ---------------------------------------------------------------------------------------------
// RwLock
// ---------------------------------------------------------------------------------------------

/// Two fields a writer updates one after the other. Relaxed accesses: only the lock orders them.
struct Pair {
    a: AtomicUsize,
    b: AtomicUsize,
}

impl Pair {
    fn new() -> Pair {
        Pair {
            a: AtomicUsize::new(0),
            b: AtomicUsize::new(0),
        }
    }

    fn load(&self) -> (usize, usize) {
        (
            self.a.load(Ordering::Relaxed),
            self.b.load(Ordering::Relaxed),
        )
    }
}

/// A value whose every access loom checks against the others for a happens-before order.
struct Checked(UnsafeCell<usize>);

// SAFETY: test-only. The value is only reached through the `RwLock` under test; if the lock let two
// conflicting accesses overlap, loom's cell reports it instead of the model passing.
unsafe impl Sync for Checked {}

impl Checked {
    fn new(value: usize) -> Checked {
        Checked(UnsafeCell::new(value))
    }

    fn get(&self) -> usize {
        // SAFETY: called with a read or write lock held (see `Sync` above).
        self.0.with(|p| unsafe { *p })
    }

    fn set(&self, value: usize) {
        // SAFETY: called with the write lock held (see `Sync` above).
        self.0.with_mut(|p| unsafe { *p = value })
    }
}

#[test]
fn loom_rwlock_readers_see_a_write_whole_or_not_at_all() {
    model(|| {
        let lock = Arc::new(RwLock::new(Pair::new()));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || block_on(lock.read()).load())
            })
            .collect();
        {
            let guard = block_on(lock.write());
            guard.a.store(1, Ordering::Relaxed);
            guard.b.store(1, Ordering::Relaxed);
        }
        for reader in readers {
            let seen = reader.join().unwrap();
            assert!(seen == (0, 0) || seen == (1, 1), "torn read {seen:?}");
        }
        assert_eq!(block_on(lock.read()).load(), (1, 1));
    });
}

#[test]
fn loom_rwlock_writers_exclude_each_other() {
    model(|| {
        // `std`'s `Arc`: the owned guards take one.
        let lock = std::sync::Arc::new(RwLock::new(Checked::new(0)));
        let other = {
            let lock = lock.clone();
            thread::spawn(move || {
                let guard = block_on(lock.write_owned());
                guard.set(guard.get() + 1);
            })
        };
        {
            let guard = block_on(lock.write());
            guard.set(guard.get() + 1);
        }
        other.join().unwrap();
        assert_eq!(lock.try_read().unwrap().get(), 2);
    });
}

#[test]
fn loom_rwlock_queued_writer_blocks_new_readers() {
    model(|| {
        let lock = Arc::new(RwLock::new(Checked::new(0)));
        let first = lock.try_read().unwrap();
        let mut write = Box::pin(lock.write());
        assert!(poll_once(&mut write).is_pending());
        // A newcomer may not overtake the queued writer, neither on the fast path nor by queueing.
        assert!(lock.try_read().is_err());
        let mut late = Box::pin(lock.read());
        assert!(poll_once(&mut late).is_pending());
        drop(late);
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || block_on(lock.read()).get())
        };
        drop(first);
        block_on(write).set(1);
        // Whenever the reader arrived, the writer was queued ahead of it.
        assert_eq!(reader.join().unwrap(), 1);
        assert!(lock.try_write().is_ok());
    });
}

#[test]
fn loom_rwlock_dropped_write_lets_readers_in() {
    model(|| {
        let lock = std::sync::Arc::new(RwLock::new(Checked::new(7)));
        let held = lock.clone().try_read_owned().unwrap();
        let mut write = Box::pin(lock.write());
        assert!(poll_once(&mut write).is_pending());
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || block_on(lock.read()).get())
        };
        drop(write);
        // `held` still holds its read lock: the reader gets in only because the writer left.
        assert_eq!(reader.join().unwrap(), 7);
        assert!(lock.try_write().is_err());
        drop(held);
        assert!(lock.try_write().is_ok());
    });
}

#[test]
fn loom_rwlock_dropped_write_racing_the_last_reader_keeps_every_permit() {
    model(|| {
        let lock = std::sync::Arc::new(RwLock::new(Checked::new(0)));
        let held = lock.clone().try_read_owned().unwrap();
        let mut write = Box::pin(lock.write());
        assert!(poll_once(&mut write).is_pending());
        let releaser = thread::spawn(move || drop(held));
        // The writer may or may not have been granted every permit by now; either way they return.
        drop(write);
        releaser.join().unwrap();
        assert!(lock.try_write().is_ok());
    });
}

#[test]
fn loom_rwlock_downgrade_lets_a_queued_reader_in() {
    model(|| {
        let lock = Arc::new(RwLock::new(Checked::new(0)));
        let guard = lock.try_write().unwrap();
        let mut queued = Box::pin(lock.read());
        assert!(poll_once(&mut queued).is_pending());
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || block_on(lock.read()).get())
        };
        guard.set(5);
        let downgraded = RwLockWriteGuard::downgrade(guard);
        // Both readers get in while the downgraded guard is still held, and see the write.
        assert_eq!(block_on(queued).get(), 5);
        assert_eq!(reader.join().unwrap(), 5);
        assert_eq!(downgraded.get(), 5);
        assert!(lock.try_write().is_err());
        drop(downgraded);
        assert!(lock.try_write().is_ok());
    });
}

#[test]
fn loom_rwlock_downgraded_owned_guard_keeps_a_queued_writer_out() {
    model(|| {
        let lock = std::sync::Arc::new(RwLock::new(Checked::new(0)));
        let guard = lock.clone().try_write_owned().unwrap();
        let mut queued = Box::pin(lock.read());
        assert!(poll_once(&mut queued).is_pending());
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || {
                let guard = block_on(lock.write());
                let seen = guard.get();
                guard.set(seen + 10);
                seen
            })
        };
        guard.set(1);
        let downgraded = guard.downgrade();
        // The reader queued ahead of the writer gets in; the writer waits for both read guards.
        assert_eq!(block_on(queued).get(), 1);
        assert_eq!(downgraded.get(), 1);
        drop(downgraded);
        assert_eq!(writer.join().unwrap(), 1);
        assert_eq!(lock.try_read().unwrap().get(), 11);
    });
}

#[test]
fn loom_rwlock_max_readers_bounds_concurrent_readers() {
    model(|| {
        let lock = Arc::new(RwLock::with_max_readers(Checked::new(3), 2));
        let first = lock.try_read().unwrap();
        let second = lock.try_read().unwrap();
        assert!(lock.try_read().is_err());
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || block_on(lock.read()).get())
        };
        // The third reader gets the permit `first` gives back (loom reports a deadlock otherwise).
        drop(first);
        assert_eq!(reader.join().unwrap(), 3);
        assert!(lock.try_write().is_err());
        drop(second);
        assert!(lock.try_write().is_ok());
    });
}

// ---------------------------------------------------------------------------------------------
// Barrier
// ---------------------------------------------------------------------------------------------

/// `n` threads (this one included) each pass a barrier of `n` `GENERATIONS` times, with at most
/// `preemptions` preemptions. A thread cannot arrive twice in one generation, so everyone's k-th wait
/// belongs to generation k: each generation must have exactly one leader. A wait that never returned
/// would be reported by loom as a deadlock.
fn barrier_generations<const GENERATIONS: usize>(n: usize, preemptions: usize) {
    model_bounded(preemptions, move || {
        let barrier = Arc::new(Barrier::new(n));
        let pass = |barrier: &Barrier| -> [bool; GENERATIONS] {
            let mut leader = [false; GENERATIONS];
            for slot in &mut leader {
                *slot = block_on(barrier.wait()).is_leader();
            }
            leader
        };
        let others: Vec<_> = (1..n)
            .map(|_| {
                let barrier = barrier.clone();
                thread::spawn(move || pass(&barrier))
            })
            .collect();
        let mut results = vec![pass(&barrier)];
        results.extend(others.into_iter().map(|t| t.join().unwrap()));
        for generation in 0..GENERATIONS {
            let leaders = results.iter().filter(|r| r[generation]).count();
            assert_eq!(leaders, 1, "generation {generation}: {results:?}");
        }
    });
}

#[test]
fn loom_barrier_two_threads_two_generations() {
    barrier_generations::<2>(2, 3);
}

/// Three threads find lost wake-ups that two do not: with the waiter's `Notified` created after the
/// round lock is released (a leader's `notify_waiters` can then slip in between), only this model
/// fails; loom's search backtracks from each object's last access only and misses the window with two.
#[test]
fn loom_barrier_three_threads_one_generation() {
    barrier_generations::<1>(3, 3);
}

/// Three threads through two generations explode past the usual bound (over five minutes at 3, about
/// 25 s at 2 on a loaded 2-core machine); the cross-generation races themselves are covered at bound 3
/// by the two-thread model above.
#[test]
fn loom_barrier_three_threads_two_generations() {
    barrier_generations::<2>(3, 1);
}

// ---------------------------------------------------------------------------------------------
// OnceCell
// ---------------------------------------------------------------------------------------------

/// Runs `get_or_init` with an initialiser that counts its runs and yields `value`.
fn init_counted(cell: &OnceCell<usize>, runs: &AtomicUsize, value: usize) -> usize {
    *block_on(cell.get_or_init(|| async move {
        runs.fetch_add(1, Ordering::SeqCst);
        value
    }))
}

#[test]
fn loom_once_cell_racing_get_or_init_runs_one_initialiser() {
    model(|| {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let other = {
            let (cell, runs) = (cell.clone(), runs.clone());
            thread::spawn(move || init_counted(&cell, &runs, 2))
        };
        let mine = init_counted(&cell, &runs, 1);
        let theirs = other.join().unwrap();
        assert_eq!(mine, theirs);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(cell.get(), Some(&mine));
    });
}

#[test]
fn loom_once_cell_set_races_get_or_init() {
    model(|| {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let setter = {
            let cell = cell.clone();
            thread::spawn(move || cell.set(1))
        };
        let seen = init_counted(&cell, &runs, 2);
        match setter.join().unwrap() {
            // `set` won: the initialiser never ran and `get_or_init` returned the set value.
            Ok(()) => {
                assert_eq!(seen, 1);
                assert_eq!(runs.load(Ordering::SeqCst), 0);
            }
            // The initialiser won (finished or still running when `set` came): `set` gave its value
            // back.
            Err(err) => {
                assert!(matches!(
                    err,
                    SetError::AlreadyInitializedError(1) | SetError::InitializingError(1)
                ));
                assert_eq!(seen, 2);
                assert_eq!(runs.load(Ordering::SeqCst), 1);
            }
        }
        assert_eq!(cell.get(), Some(&seen));
    });
}

#[test]
fn loom_once_cell_cancelled_initialiser_lets_another_initialise() {
    model(|| {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(AtomicUsize::new(0));
        // Start initialising first, so that we certainly hold the init permit when cancelled.
        let mut stuck = Box::pin(cell.get_or_init(std::future::pending::<usize>));
        assert!(poll_once(&mut stuck).is_pending());
        let other = {
            let (cell, runs) = (cell.clone(), runs.clone());
            thread::spawn(move || init_counted(&cell, &runs, 2))
        };
        drop(stuck);
        assert_eq!(other.join().unwrap(), 2);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(cell.get(), Some(&2));
    });
}

#[test]
fn loom_once_cell_cancel_racing_get_or_init() {
    model(|| {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let other = {
            let (cell, runs) = (cell.clone(), runs.clone());
            thread::spawn(move || init_counted(&cell, &runs, 2))
        };
        {
            // Never finishes by itself: it runs a never-ending initialiser, waits behind the other
            // thread's, or has found its value.
            let mut stuck = Box::pin(cell.get_or_init(std::future::pending::<usize>));
            if let Poll::Ready(value) = poll_once(&mut stuck) {
                assert_eq!(*value, 2);
            }
        }
        assert_eq!(other.join().unwrap(), 2);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(cell.get(), Some(&2));
    });
}

#[test]
fn loom_once_cell_failed_initialiser_lets_another_initialise() {
    model(|| {
        let cell = Arc::new(OnceCell::new());
        let other = {
            let cell = cell.clone();
            thread::spawn(move || *block_on(cell.get_or_init(|| async { 2 })))
        };
        let failed = block_on(cell.get_or_try_init(|| async { Err::<usize, &str>("no") }));
        // Either our initialiser ran and failed, or the other thread had already set the value.
        match failed {
            Ok(value) => assert_eq!(*value, 2),
            Err(err) => assert_eq!(err, "no"),
        }
        assert_eq!(other.join().unwrap(), 2);
        assert_eq!(cell.get(), Some(&2));
    });
}
