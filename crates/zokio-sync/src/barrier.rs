//! `Barrier`: lets a fixed number of tasks wait for each other.
//!
//! The round's mutex guards two counters only: the leader releases the others through a
//! [`Notify`] after unlocking, and the waits are `Notify` waits (which keep wakers away from its
//! lock, see [`crate::notify`]).

use std::fmt;
use std::future::Future;

use crate::loom::{Mutex, lock};
use crate::notify::Notify;

/// A barrier for `n` tasks: each [`Barrier::wait`] blocks until `n` tasks have called it, then all
/// of them continue and the barrier resets for the next round.
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use zokio_sync::Barrier;
///
/// # futures_lite::future::block_on(async {
/// let barrier = Arc::new(Barrier::new(1));
/// // With n = 1 every caller is its own round, and its leader.
/// assert!(barrier.wait().await.is_leader());
/// # });
/// ```
///
/// Three threads, each running its own executor, meet before going on:
///
/// ```
/// use std::sync::Arc;
/// use zokio_sync::Barrier;
///
/// let barrier = Arc::new(Barrier::new(3));
/// let threads: Vec<_> = (0..3)
///     .map(|_| {
///         let barrier = barrier.clone();
///         std::thread::spawn(move || futures_lite::future::block_on(barrier.wait()))
///     })
///     .collect();
/// let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
/// assert_eq!(results.iter().filter(|r| r.is_leader()).count(), 1);
/// ```
pub struct Barrier {
    n: usize,
    state: Mutex<Round>,
    released: Notify,
}

#[derive(Debug)]
struct Round {
    arrived: usize,
    generation: u64,
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").field("n", &self.n).finish()
    }
}

/// What [`Barrier::wait`] returns: exactly one task per round is the leader.
///
/// ```
/// use futures_lite::future::zip;
/// use zokio_sync::Barrier;
/// # futures_lite::future::block_on(async {
/// let barrier = Barrier::new(2);
/// let (a, b) = zip(barrier.wait(), barrier.wait()).await;
/// // Exactly one of the two is the leader.
/// assert!(a.is_leader() ^ b.is_leader());
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this task was the one that completed the round (exactly one per round is).
    ///
    /// ```
    /// use zokio_sync::Barrier;
    /// # futures_lite::future::block_on(async {
    /// let barrier = Barrier::new(3);
    /// let results = futures_lite::future::zip(
    ///     futures_lite::future::zip(barrier.wait(), barrier.wait()),
    ///     barrier.wait(),
    /// )
    /// .await;
    /// let ((a, b), c) = results;
    /// let leaders = [a, b, c].iter().filter(|r| r.is_leader()).count();
    /// assert_eq!(leaders, 1);
    /// # });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier that releases its waiters in groups of `n`. A barrier of 0 behaves like one of 1.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::Barrier;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let barrier = Arc::new(Barrier::new(3));
    /// let mut tasks = Vec::new();
    /// for _ in 0..3 {
    ///     let barrier = barrier.clone();
    ///     tasks.push(zokio::spawn(async move { barrier.wait().await.is_leader() }));
    /// }
    /// let mut leaders = 0;
    /// for task in tasks {
    ///     leaders += task.await.unwrap() as usize;
    /// }
    /// assert_eq!(leaders, 1);
    /// # });
    /// ```
    pub fn new(n: usize) -> Barrier {
        Barrier {
            n: n.max(1),
            state: Mutex::new(Round {
                arrived: 0,
                generation: 0,
            }),
            released: Notify::new(),
        }
    }

    /// Waits until `n` tasks (this one included) are waiting, then releases them all. The task that
    /// arrives last is the leader.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: the arrival is counted at the first poll, and a dropped future still counts
    /// towards the current round.
    ///
    /// ```
    /// use futures_lite::future::{poll_once, zip};
    /// use zokio_sync::Barrier;
    /// # futures_lite::future::block_on(async {
    /// let barrier = Barrier::new(2);
    /// let mut first = Box::pin(barrier.wait());
    /// assert!(poll_once(&mut first).await.is_none()); // alone: waits
    /// let second = barrier.wait().await; // the second arrival completes the round
    /// assert!(second.is_leader());
    /// assert!(!first.await.is_leader());
    /// // The barrier resets: the next round needs two new arrivals.
    /// let (a, b) = zip(barrier.wait(), barrier.wait()).await;
    /// assert!(a.is_leader() != b.is_leader());
    /// # });
    /// ```
    pub async fn wait(&self) -> BarrierWaitResult {
        let (generation, notified) = {
            let mut round = lock(&self.state);
            round.arrived += 1;
            if round.arrived == self.n {
                round.arrived = 0;
                round.generation += 1;
                drop(round);
                self.released.notify_waiters();
                return BarrierWaitResult(true);
            }
            // Created under the lock, so the leader's `notify_waiters` (after it bumps the generation
            // under the same lock) is guaranteed to reach this future.
            (round.generation, self.released.notified())
        };
        let mut notified = std::pin::pin!(notified);
        loop {
            // Each wait spends one unit of every budget in force (Tokio's too, with `tokio-coop`),
            // as a waiter of Tokio's barrier does: polled through `crate::coop`, with `Notify`'s
            // own (zokio-only) spending switched off so that zokio's is not spent twice.
            std::future::poll_fn(|cx| {
                let coop = std::task::ready!(crate::coop::poll_proceed(cx));
                let released = zokio_coop::with_budget(zokio_coop::Budget::unconstrained(), || {
                    notified.as_mut().poll(cx)
                });
                if released.is_ready() {
                    coop.made_progress();
                }
                released
            })
            .await;
            if lock(&self.state).generation != generation {
                return BarrierWaitResult(false);
            }
            notified.set(self.released.notified());
        }
    }
}
