//! The local run queue of a worker: a bounded ring with one producer (the owning worker) and any number
//! of stealers.
//!
//! # Layout
//!
//! `tail` is written only by the owner. `head` packs two `u32` positions into one `AtomicU64`:
//! - `real`: the next task to pop or steal;
//! - `steal`: the first slot a stealer is still copying out. `steal == real` when no steal is in
//!   progress.
//!
//! Positions are free-running `u32` counters (slot = position % capacity). They are 32 bits wide on
//! purpose: with 16-bit halves a stealer preempted between its two compare-and-swaps can see the
//! counters wrap all the way around and succeed on a stale value (the ABA failure of tokio#5041); with
//! 32 bits the owner would have to push four billion tasks in that window.
//!
//! # Operations
//!
//! - **push** (owner): write the slot at `tail`, then publish it with a release store of `tail + 1`.
//!   Room is counted from `steal`, not `real`: slots between them are still being read by a stealer.
//! - **pop** (owner): CAS `real` one forward (and `steal` with it when no steal is in progress).
//! - **steal half** (any thread): CAS `real` forward by half the tasks (rounded up), which claims them;
//!   copy them into the stealer's own queue; then CAS `steal` up to `real` to release the slots. A
//!   second stealer that sees `steal != real` backs off, so one victim has at most one stealer.
//! - **overflow** (owner, queue full, no steal in progress): claim every slot with one CAS, hand the
//!   **newer half** plus the new task to the global queue, and re-publish the older half (which stays
//!   in place) by advancing `tail`. Sending the newer half means that tasks this worker just took from
//!   the global queue (which sit at the front) are not bounced straight back into it (tokio#8029).

use std::mem::MaybeUninit;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

use crate::loom::{Arc, AtomicU32, AtomicU64, UnsafeCell};

/// Slots per local queue: 256 in production, 4 under loom so that models reach the full and
/// wrap-around states quickly.
pub(crate) const CAPACITY: usize = if cfg!(all(test, loom)) { 4 } else { 256 };
const MASK: usize = CAPACITY - 1;

/// Where an overflowing queue sends half of its tasks (the global inject queue).
pub(crate) trait Overflow<T> {
    /// Takes a batch of tasks, oldest first.
    fn push_batch(&self, tasks: impl Iterator<Item = T>);
}

struct Inner<T> {
    head: AtomicU64,
    tail: AtomicU32,
    buffer: Box<[UnsafeCell<MaybeUninit<T>>]>,
}

// SAFETY: the queue moves `T`s between threads (so `T: Send`), and every slot is accessed by exactly one
// thread at a time: the owner writes slots outside `[steal, tail)` and reads only a slot it claimed by
// CAS; a stealer reads only slots it claimed by CAS (see the module docs). Publishing goes through
// release stores/CASes and acquire loads of `head`/`tail`.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as for `Send`: shared access is mediated by the atomic protocol above.
unsafe impl<T: Send> Sync for Inner<T> {}

/// The owner's end of a local queue. Not `Clone`: there is one producer.
pub(crate) struct Local<T> {
    inner: Arc<Inner<T>>,
}

/// A stealer's end of a local queue.
pub(crate) struct Steal<T>(Arc<Inner<T>>);

impl<T> Clone for Steal<T> {
    fn clone(&self) -> Self {
        Steal(self.0.clone())
    }
}

/// A new empty queue: the owner's end and a stealer's end.
pub(crate) fn local<T>() -> (Local<T>, Steal<T>) {
    local_at(0)
}

/// A new empty queue whose positions start at `start` (tests start near `u32::MAX` to cross the
/// wrap-around).
pub(crate) fn local_at<T>(start: u32) -> (Local<T>, Steal<T>) {
    let buffer = (0..CAPACITY)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let inner = Arc::new(Inner {
        head: AtomicU64::new(pack(start, start)),
        tail: AtomicU32::new(start),
        buffer,
    });
    (
        Local {
            inner: inner.clone(),
        },
        Steal(inner),
    )
}

fn unpack(head: u64) -> (u32, u32) {
    ((head >> 32) as u32, head as u32)
}

fn pack(steal: u32, real: u32) -> u64 {
    (u64::from(steal) << 32) | u64::from(real)
}

impl<T> Inner<T> {
    /// Moves the task out of the slot at `position`.
    ///
    /// # Safety
    /// The caller must have claimed `position` (it lies in a range it took from `head` by CAS, or the
    /// caller is the owner and the position lies in `[real, tail)` with no stealer able to reach it),
    /// and the slot must have been written and published by a release store of `tail`.
    unsafe fn read(&self, position: u32) -> T {
        // SAFETY: per the contract, nobody else accesses this slot now and it holds an initialised `T`.
        self.buffer[position as usize & MASK].with(|slot| unsafe { (*slot).assume_init_read() })
    }

    /// Writes `task` into the slot at `position`.
    ///
    /// # Safety
    /// Only the owner may call it, for a position in `[tail, steal + CAPACITY)`, which no stealer reads.
    unsafe fn write(&self, position: u32, task: T) {
        // SAFETY: per the contract the slot is free and only this thread touches it until `tail` is
        // published past it.
        self.buffer[position as usize & MASK].with_mut(|slot| unsafe { (*slot).write(task) });
    }

    fn len(&self) -> u32 {
        let (_, real) = unpack(self.head.load(Acquire));
        let tail = self.tail.load(Acquire);
        tail.wrapping_sub(real)
    }
}

impl<T> Local<T> {
    /// The number of tasks in the queue.
    pub(crate) fn len(&self) -> usize {
        self.inner.len() as usize
    }

    /// Whether the queue holds any task.
    pub(crate) fn has_tasks(&self) -> bool {
        self.inner.len() > 0
    }

    /// How many tasks can be pushed without overflowing.
    pub(crate) fn remaining_slots(&self) -> usize {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        // Only the owner writes `tail`.
        let tail = self.inner.tail.load(Relaxed);
        CAPACITY - tail.wrapping_sub(steal) as usize
    }

    /// Pushes `task` to the back, or, when the queue is full, moves half of it plus `task` to
    /// `overflow`. Returns whether it overflowed.
    pub(crate) fn push_back_or_overflow<O: Overflow<T>>(
        &mut self,
        mut task: T,
        overflow: &O,
    ) -> bool {
        loop {
            let head = self.inner.head.load(Acquire);
            let (steal, real) = unpack(head);
            let tail = self.inner.tail.load(Relaxed);
            if tail.wrapping_sub(steal) < CAPACITY as u32 {
                // SAFETY: owner, and `tail < steal + CAPACITY`.
                unsafe { self.inner.write(tail, task) };
                self.inner.tail.store(tail.wrapping_add(1), Release);
                return false;
            }
            if steal != real {
                // A stealer is about to free half the queue; meanwhile only this task goes global.
                overflow.push_batch(std::iter::once(task));
                return true;
            }
            match self.push_overflow(task, real, tail, overflow) {
                Ok(()) => return true,
                // A stealer moved `head` first: retry, there may be room now.
                Err(back) => task = back,
            }
        }
    }

    /// Claims the whole (full) queue, sends its newer half and `task` to `overflow`, and keeps the older
    /// half. Fails, returning `task`, if a stealer moved `head` first.
    fn push_overflow<O: Overflow<T>>(
        &mut self,
        task: T,
        real: u32,
        tail: u32,
        overflow: &O,
    ) -> Result<(), T> {
        const HALF: u32 = (CAPACITY / 2) as u32;
        debug_assert_eq!(tail.wrapping_sub(real), CAPACITY as u32);
        // Claim every slot: a stealer holding the old `head` now fails its CAS.
        let claimed = pack(tail, tail);
        if self
            .inner
            .head
            .compare_exchange(pack(real, real), claimed, AcqRel, Relaxed)
            .is_err()
        {
            return Err(task);
        }
        let inner = &*self.inner;
        let newer = (HALF..CAPACITY as u32).map(move |i| {
            // SAFETY: the CAS above claimed `[real, tail)` for the owner; each position is read once.
            unsafe { inner.read(real.wrapping_add(i)) }
        });
        overflow.push_batch(newer.chain(std::iter::once(task)));
        // The older half never moved: positions `tail..tail + HALF` are the same slots as
        // `real..real + HALF` (the ring wrapped exactly once), so publishing them is enough.
        self.inner.tail.store(tail.wrapping_add(HALF), Release);
        Ok(())
    }

    /// Pops the task at the front.
    pub(crate) fn pop(&mut self) -> Option<T> {
        let mut head = self.inner.head.load(Acquire);
        let real = loop {
            let (steal, real) = unpack(head);
            let tail = self.inner.tail.load(Relaxed);
            if real == tail {
                return None;
            }
            let next_real = real.wrapping_add(1);
            let next = if steal == real {
                pack(next_real, next_real)
            } else {
                pack(steal, next_real)
            };
            match self
                .inner
                .head
                .compare_exchange(head, next, AcqRel, Acquire)
            {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: the CAS claimed `real`, which lies below `tail` and was published by the owner (us).
        Some(unsafe { self.inner.read(real) })
    }
}

impl<T> Drop for Local<T> {
    fn drop(&mut self) {
        // Tasks still queued are dropped with the queue (at shutdown they are drained before this).
        while self.pop().is_some() {}
    }
}

impl<T> Steal<T> {
    /// The number of tasks in the queue (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.0.len() as usize
    }

    /// Whether the queue looks empty (a snapshot).
    pub(crate) fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// Steals half of this queue's tasks (rounded up) into `dst`, returning one of them to run now and
    /// how many were stolen in all. `dst` must be the caller's own queue; nothing is stolen when it is
    /// more than half full.
    pub(crate) fn steal_into(&self, dst: &mut Local<T>) -> Option<(T, usize)> {
        let dst_tail = dst.inner.tail.load(Relaxed);
        let (dst_steal, _) = unpack(dst.inner.head.load(Acquire));
        if dst_tail.wrapping_sub(dst_steal) > (CAPACITY / 2) as u32 {
            return None;
        }
        let n = self.steal_into_inner(dst, dst_tail);
        if n == 0 {
            return None;
        }
        let last = dst_tail.wrapping_add(n - 1);
        // SAFETY: `steal_into_inner` wrote `[dst_tail, dst_tail + n)` of our own queue and has not
        // published them; the last one is taken back here and never published.
        let task = unsafe { dst.inner.read(last) };
        if n > 1 {
            dst.inner.tail.store(last, Release);
        }
        Some((task, n as usize))
    }

    fn steal_into_inner(&self, dst: &mut Local<T>, dst_tail: u32) -> u32 {
        let src = &*self.0;
        let mut prev = src.head.load(Acquire);
        let (first, n) = loop {
            let (steal, real) = unpack(prev);
            if steal != real {
                // Another stealer is at work on this queue.
                return 0;
            }
            let tail = src.tail.load(Acquire);
            let available = tail.wrapping_sub(real);
            let n = available - available / 2;
            if n == 0 {
                return 0;
            }
            let next = pack(steal, real.wrapping_add(n));
            match src.head.compare_exchange(prev, next, AcqRel, Acquire) {
                Ok(_) => {
                    prev = next;
                    break (real, n);
                }
                Err(actual) => prev = actual,
            }
        };
        debug_assert!(n as usize <= CAPACITY / 2);
        for i in 0..n {
            // SAFETY: `[first, first + n)` was claimed by the CAS above (the owner cannot overwrite
            // it while `steal` stays at `first`), and its slots were published by the owner's release
            // store of `tail`, which our acquire load saw.
            let task = unsafe { src.read(first.wrapping_add(i)) };
            // SAFETY: `dst` is our own queue (we are its owner), it had at least `CAPACITY / 2` free
            // slots (checked by the caller), and `n <= CAPACITY / 2`.
            unsafe { dst.inner.write(dst_tail.wrapping_add(i), task) };
        }
        // Release the slots: move `steal` up to wherever `real` is now (the owner may have popped).
        loop {
            let (_, real) = unpack(prev);
            let next = pack(real, real);
            match src.head.compare_exchange(prev, next, AcqRel, Acquire) {
                Ok(_) => return n,
                Err(actual) => {
                    debug_assert_eq!(unpack(actual).0, first);
                    prev = actual;
                }
            }
        }
    }
}
