//! A multi-producer, single-consumer FIFO queue made of linked blocks: the message store of the
//! unbounded channel and of bounded channels too large for a preallocated array.
//!
//! # Shape
//!
//! Every message gets a position from one `fetch_add` on `tail`. Position `i` lives in slot
//! `i % BLOCK_CAP` of the block whose `start` is `i` rounded down to a multiple of `BLOCK_CAP`.
//! Blocks form a singly linked list; a producer whose block does not exist yet appends it with a
//! CAS on the last block's `next` (the loser of that race takes the winner's block and hangs its
//! own allocation further down the list, where a later position will need it). Producers start
//! their walk at `block_tail`, a hint that trails the newest block.
//!
//! A producer writes its value, then sets the slot's own `ready` flag with a plain Release store
//! (no read-modify-write, so producers of neighbouring slots do not contend on one word). The
//! single consumer reads that flag (Acquire) and takes the value: no CAS on the receive path,
//! because nobody competes for the head.
//!
//! # Freeing a block
//!
//! The consumer may free a block `B` only when no producer can still touch it. Two kinds of
//! producer touch `B`: those that write one of its slots, and those that walk through it (reading
//! `start` and `next`, or appending after it) on their way to a later block.
//!
//! * Writers are done once the consumer has taken every slot of `B`: each writer's last access is
//!   the Release store of its slot's `ready` flag that the consumer read with Acquire.
//! * Walkers start at a `block_tail` they loaded. `block_tail` moves past `B` only once every slot
//!   of `B` is ready (so no writer of `B` still needs to find it), with a CAS by one producer, the
//!   *releaser*. Right after that CAS the releaser reads `tail` with a read-modify-write (AcqRel)
//!   and stores the result in `B.observed_tail`, then sets `B.released` (Release).
//!
//!   Claim: every producer `P` whose load of `block_tail` returned `B` or an earlier block holds a
//!   position below `observed_tail`. `P` claimed its position (an AcqRel `fetch_add` on `tail`)
//!   before that load. If the releaser's RMW on `tail` came before `P`'s in `tail`'s modification
//!   order, `P`'s Acquire RMW would read from the release sequence the releaser's RMW heads, so the
//!   releaser's CAS on `block_tail` would happen before `P`'s load, and coherence would forbid that
//!   load from returning a value older than the CAS wrote. So `P`'s RMW comes first and the
//!   releaser's RMW reads a `tail` above `P`'s position. Producers whose load returned a later
//!   block never go back to `B`.
//!
//!   The consumer frees `B` only once `released` is set and it has taken every position below
//!   `observed_tail`. Each such position's producer finished walking before writing its value, and
//!   the consumer saw the value's ready flag with Acquire, so all those walks happen before the
//!   free. The releaser itself holds a position below `observed_tail` and touches `B` last when it
//!   sets `released`, before writing its own value.
//!
//! A block that is never released (producers stopped before walking past it) stays linked until the
//! queue is dropped; the consumer frees blocks strictly in order, so it retries at its next block
//! boundary.
//!
//! # Single consumer
//!
//! [`Queue::pop`] is `unsafe`: its caller promises that no other `pop` runs at the same time. The
//! channel calls it only from methods of its one receiver, which is not `Clone` and receives
//! through `&mut self` (or in `Drop`), so two pops of the same channel can never overlap.

use std::mem::MaybeUninit;
use std::ptr;

use crate::loom::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, UnsafeCell};

/// Slots per block. Under loom the blocks are tiny so that the models cross block boundaries.
#[cfg(loom)]
pub(crate) const BLOCK_CAP: usize = 2;
#[cfg(all(not(loom), target_pointer_width = "64"))]
pub(crate) const BLOCK_CAP: usize = 32;
#[cfg(all(not(loom), not(target_pointer_width = "64")))]
pub(crate) const BLOCK_CAP: usize = 16;

const SLOT_MASK: usize = BLOCK_CAP - 1;

struct Slot<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    /// Set (Release) once `value` is written.
    ready: AtomicBool,
}

struct Block<T> {
    /// First position stored here. Written only before the block is published; an `UnsafeCell` so
    /// that loom checks every read against the block's free.
    start: UnsafeCell<usize>,
    next: AtomicPtr<Block<T>>,
    /// Set (Release) once `block_tail` moved past the block and `observed_tail` is valid.
    released: AtomicBool,
    /// `tail` as read by the releaser; see the module docs.
    observed_tail: AtomicUsize,
    slots: [Slot<T>; BLOCK_CAP],
}

impl<T> Block<T> {
    fn alloc(start: usize) -> *mut Block<T> {
        Box::into_raw(Box::new(Block {
            start: UnsafeCell::new(start),
            next: AtomicPtr::new(ptr::null_mut()),
            released: AtomicBool::new(false),
            observed_tail: AtomicUsize::new(0),
            slots: std::array::from_fn(|_| Slot {
                value: UnsafeCell::new(MaybeUninit::uninit()),
                ready: AtomicBool::new(false),
            }),
        }))
    }

    /// Whether every slot was written, so that no producer still needs to find this block.
    fn is_full(&self) -> bool {
        // Backwards: the last slots are the likeliest to be still unwritten.
        self.slots
            .iter()
            .rev()
            .all(|slot| slot.ready.load(Ordering::Acquire))
    }

    fn start(&self) -> usize {
        // SAFETY: `start` is written only while the block is unpublished (by its allocator alone),
        // and the block reached this thread through an Acquire load of a pointer published with
        // Release, so this read sees the final value and races with no write.
        self.start.with(|start| unsafe { *start })
    }

    /// Frees a block whose slots hold no value any more.
    ///
    /// # Safety
    ///
    /// `block` came from [`Block::alloc`], is unreachable for every other thread (see the module
    /// docs) and is not used again.
    unsafe fn free(block: *mut Block<T>) {
        // SAFETY: the caller hands over sole ownership of a live allocation from `Box::into_raw`.
        let block = unsafe { Box::from_raw(block) };
        // Exclusive accesses that let loom check that every producer's reads and writes of this
        // block happen before the free; they compile to nothing otherwise.
        block.start.with_mut(|_| ());
        for slot in &block.slots {
            slot.value.with_mut(|_| ());
        }
    }
}

/// Keeps the producers' hot fields off the consumer's cache line.
#[repr(align(128))]
struct Padded<T>(T);

/// The consumer's cursor.
struct Rx<T> {
    /// Block holding position `index` (or the block before it, until the consumer steps over).
    head: *mut Block<T>,
    /// Oldest block not freed yet; blocks from here up to `head` wait for their release.
    free_head: *mut Block<T>,
    /// Next position to take.
    index: usize,
}

/// Multi-producer, single-consumer FIFO queue; see the module docs.
pub(crate) struct Queue<T> {
    /// Next position to hand out.
    tail: Padded<AtomicUsize>,
    /// Where producers start walking: at or before the block of any position not yet written.
    block_tail: AtomicPtr<Block<T>>,
    /// Positions taken by the consumer, mirrored from `rx.index` for [`Queue::len`].
    popped: Padded<AtomicUsize>,
    rx: UnsafeCell<Rx<T>>,
}

// SAFETY: the queue owns the `T`s it holds and hands each to exactly one thread (the consumer, or
// the dropping thread), so sending the queue sends `T`s.
unsafe impl<T: Send> Send for Queue<T> {}
// SAFETY: through `&Queue` producers only move `T`s in, and the single consumer (guaranteed by
// `pop`'s contract) moves them out; a `T` is never shared, so `T: Send` suffices. All shared
// bookkeeping is atomic, and the consumer's cursor is touched only by the consumer.
unsafe impl<T: Send> Sync for Queue<T> {}

impl<T> Queue<T> {
    pub(crate) fn new() -> Queue<T> {
        let first = Block::alloc(0);
        Queue {
            tail: Padded(AtomicUsize::new(0)),
            block_tail: AtomicPtr::new(first),
            popped: Padded(AtomicUsize::new(0)),
            rx: UnsafeCell::new(Rx {
                head: first,
                free_head: first,
                index: 0,
            }),
        }
    }

    /// Appends `value`. Lock-free: it waits for nobody.
    pub(crate) fn push(&self, value: T) {
        // Acquire half: see the claim in the module docs.
        let index = self.tail.0.fetch_add(1, Ordering::AcqRel);
        let block = self.find_block(index);
        // SAFETY: our position is below every `observed_tail` of the blocks we can reach, so the
        // consumer frees none of them before it took our value (module docs), and it takes it only
        // after seeing the ready flag we set last.
        let slot = unsafe { &(*block).slots[index & SLOT_MASK] };
        slot.value.with_mut(|value_slot| {
            // SAFETY: the `fetch_add` gave this position to us alone, and the consumer reads the
            // slot only after the ready flag below is set, so nobody else accesses it now.
            unsafe { value_slot.write(MaybeUninit::new(value)) };
        });
        slot.ready.store(true, Ordering::Release);
    }

    /// Walks from `block_tail` to the block holding `index`, appending blocks as needed, and moves
    /// `block_tail` past the fully written blocks it passes.
    fn find_block(&self, index: usize) -> *mut Block<T> {
        let target = index & !SLOT_MASK;
        let mut block = self.block_tail.load(Ordering::Acquire);
        // Only a contiguous run of full blocks right at `block_tail` may be released.
        let mut may_release = true;
        loop {
            // SAFETY: reached from the `block_tail` we loaded after claiming `index`, so it stays
            // allocated until our value is taken (module docs).
            let current = unsafe { &*block };
            let start = current.start();
            if start == target {
                return block;
            }
            let mut next = current.next.load(Ordering::Acquire);
            if next.is_null() {
                next = self.grow(current, start);
            }
            if may_release {
                may_release = current.is_full() && self.release(current, block, next);
            }
            block = next;
        }
    }

    /// Appends a block after `last` (whose `next` was null) and returns `last`'s successor.
    fn grow(&self, last: &Block<T>, start: usize) -> *mut Block<T> {
        let new = Block::alloc(start.wrapping_add(BLOCK_CAP));
        match last
            .next
            .compare_exchange(ptr::null_mut(), new, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => new,
            Err(winner) => {
                self.append_spare(winner, new);
                winner
            }
        }
    }

    /// Hangs `spare` (unpublished, ours) at the end of the list instead of freeing it.
    fn append_spare(&self, mut at: *mut Block<T>, spare: *mut Block<T>) {
        loop {
            // SAFETY: `at` is at or after our own block's predecessor, reached by walking from our
            // `block_tail`, so it is still allocated (module docs).
            let current = unsafe { &*at };
            let start = current.start().wrapping_add(BLOCK_CAP);
            // SAFETY: `spare` is not published yet, so this thread is its only user.
            unsafe { &*spare }.start.with_mut(|s| {
                // SAFETY: as above, nobody else can access the unpublished block.
                unsafe { *s = start };
            });
            match current.next.compare_exchange(
                ptr::null_mut(),
                spare,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(next) => at = next,
            }
        }
    }

    /// Moves `block_tail` from `block` (every slot written) to `next`; on success records the
    /// observed tail and marks the block released. Returns whether it moved.
    fn release(&self, current: &Block<T>, block: *mut Block<T>, next: *mut Block<T>) -> bool {
        if self
            .block_tail
            .compare_exchange(block, next, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return false;
        }
        // A read-modify-write, not a load: the claim in the module docs needs it to be ordered in
        // `tail`'s modification order against every producer's `fetch_add`.
        let observed = self.tail.0.fetch_add(0, Ordering::AcqRel);
        current.observed_tail.store(observed, Ordering::Relaxed);
        current.released.store(true, Ordering::Release);
        true
    }

    /// Takes the oldest value, if its producer finished writing it.
    ///
    /// # Safety
    ///
    /// No other call of `pop` on this queue may run at the same time (single consumer).
    pub(crate) unsafe fn pop(&self) -> Option<T> {
        self.rx.with_mut(|rx| {
            // SAFETY: the caller guarantees that only this thread is in `pop`, the only user of
            // `rx` besides `Drop` (which has `&mut self`).
            let rx = unsafe { &mut *rx };
            self.pop_from(rx)
        })
    }

    fn pop_from(&self, rx: &mut Rx<T>) -> Option<T> {
        // SAFETY: the consumer frees only blocks before `head`.
        let mut head = unsafe { &*rx.head };
        if head.start() != rx.index & !SLOT_MASK {
            // Every slot of `head` was taken: step into the next block if it exists.
            let next = head.next.load(Ordering::Acquire);
            if next.is_null() {
                return None;
            }
            rx.head = next;
            // SAFETY: `next` was published with a Release CAS and is freed only by this consumer,
            // after `head` moves past it.
            head = unsafe { &*next };
            self.reclaim(rx);
        }
        let slot = &head.slots[rx.index & SLOT_MASK];
        if !slot.ready.load(Ordering::Acquire) {
            return None;
        }
        let value = slot.value.with(|value| {
            // SAFETY: the Acquire load saw the ready flag its producer set after writing the slot,
            // and the position is taken only once (the consumer moves on right after).
            unsafe { value.read().assume_init() }
        });
        rx.index = rx.index.wrapping_add(1);
        self.popped.0.store(rx.index, Ordering::Release);
        Some(value)
    }

    /// Frees the blocks before `head` that no producer can touch any more, oldest first.
    fn reclaim(&self, rx: &mut Rx<T>) {
        while rx.free_head != rx.head {
            // SAFETY: blocks from `free_head` on are not freed yet.
            let block = unsafe { &*rx.free_head };
            if !block.released.load(Ordering::Acquire) {
                return;
            }
            let observed = block.observed_tail.load(Ordering::Relaxed);
            // Every position below `observed_tail` must have been taken (wrapping comparison).
            if (rx.index.wrapping_sub(observed) as isize) < 0 {
                return;
            }
            let next = block.next.load(Ordering::Acquire);
            // SAFETY: released and every walker's position taken: no producer can reach it (module
            // docs), all its values were taken, and the consumer drops its last pointer here.
            unsafe { Block::free(rx.free_head) };
            rx.free_head = next;
        }
    }

    /// Number of positions handed out and not yet taken (a push in progress counts).
    pub(crate) fn len(&self) -> usize {
        let popped = self.popped.0.load(Ordering::Acquire);
        self.tail.0.load(Ordering::Acquire).wrapping_sub(popped)
    }
}

impl<T> Drop for Queue<T> {
    fn drop(&mut self) {
        let tail = self.tail.0.load(Ordering::Acquire);
        self.rx.with_mut(|rx| {
            // SAFETY: `&mut self`: no producer or consumer is left.
            let rx = unsafe { &mut *rx };
            // Drop the values not taken: positions `index..tail`, starting in `head`.
            let mut block = rx.head;
            let mut index = rx.index;
            while index != tail && !block.is_null() {
                // SAFETY: blocks from `free_head` on are allocated until the loop below.
                let current = unsafe { &*block };
                if current.start() != index & !SLOT_MASK {
                    block = current.next.load(Ordering::Acquire);
                    continue;
                }
                let slot = &current.slots[index & SLOT_MASK];
                if slot.ready.load(Ordering::Acquire) {
                    slot.value.with_mut(|value| {
                        // SAFETY: written (ready flag) and never taken (at or after `index`).
                        unsafe { (*value).assume_init_drop() };
                    });
                }
                index = index.wrapping_add(1);
            }
            // Then free every block, including spares appended past the tail.
            let mut block = rx.free_head;
            while !block.is_null() {
                // SAFETY: still allocated, freed just below.
                let next = unsafe { &*block }.next.load(Ordering::Acquire);
                // SAFETY: nobody else is left, every value was taken or dropped above, and the
                // list visits each block once.
                unsafe { Block::free(block) };
                block = next;
            }
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize as StdAtomicUsize;

    /// Counts its drops in a shared counter.
    struct Counted(Arc<StdAtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    fn pop<T>(queue: &Queue<T>) -> Option<T> {
        // SAFETY: each test pops from one thread only.
        unsafe { queue.pop() }
    }

    #[test]
    fn fifo_across_block_boundaries() {
        let queue = Queue::new();
        for i in 0..1000 {
            queue.push(i);
        }
        assert_eq!(queue.len(), 1000);
        for i in 0..1000 {
            assert_eq!(pop(&queue), Some(i));
        }
        assert_eq!(pop(&queue), None);
        assert_eq!(queue.len(), 0);
    }

    #[test]
    fn interleaved_push_pop_keeps_order() {
        let queue = Queue::new();
        let mut next_out = 0;
        for i in 0..500 {
            queue.push(i);
            if i % 3 == 0 {
                assert_eq!(pop(&queue), Some(next_out));
                next_out += 1;
            }
        }
        while let Some(v) = pop(&queue) {
            assert_eq!(v, next_out);
            next_out += 1;
        }
        assert_eq!(next_out, 500);
    }

    #[test]
    fn drop_drops_unconsumed_values_exactly_once() {
        let drops = Arc::new(StdAtomicUsize::new(0));
        let queue = Queue::new();
        let total = 3 * BLOCK_CAP + 5;
        for _ in 0..total {
            queue.push(Counted(drops.clone()));
        }
        let consumed = BLOCK_CAP + 3;
        for _ in 0..consumed {
            drop(pop(&queue).unwrap());
        }
        assert_eq!(drops.load(std::sync::atomic::Ordering::Relaxed), consumed);
        drop(queue);
        assert_eq!(drops.load(std::sync::atomic::Ordering::Relaxed), total);
    }

    #[test]
    fn many_producers_each_value_received_once() {
        const PRODUCERS: usize = 4;
        // Fewer under miri, whose interpreter is orders of magnitude slower.
        const PER: usize = if cfg!(miri) { 200 } else { 20_000 };
        let queue = Arc::new(Queue::new());
        let handles: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let queue = queue.clone();
                std::thread::spawn(move || {
                    for i in 0..PER {
                        queue.push(p * PER + i);
                    }
                })
            })
            .collect();
        let mut seen = vec![false; PRODUCERS * PER];
        let mut last = [None::<usize>; PRODUCERS];
        let mut received = 0;
        // Bounded: every iteration either receives or yields, and the producers always finish.
        let mut idle_rounds = 0u64;
        while received < PRODUCERS * PER {
            match pop(&queue) {
                Some(v) => {
                    assert!(!seen[v], "value {v} received twice");
                    seen[v] = true;
                    // Per-producer FIFO.
                    let p = v / PER;
                    assert!(last[p].is_none_or(|l| l < v));
                    last[p] = Some(v);
                    received += 1;
                }
                None => {
                    idle_rounds += 1;
                    assert!(idle_rounds < 1_000_000_000, "producers stalled");
                    std::thread::yield_now();
                }
            }
        }
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(pop(&queue), None);
        assert!(seen.iter().all(|&s| s));
    }
}
