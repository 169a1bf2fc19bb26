//! Reading a slot: the receive path shared by `recv`, `try_recv` and the receiver's drop.
//!
//! A receive first looks at its slot under the slot's lock alone. Only when the value is not
//! there does it take the `tail` lock, to tell "nothing new" from "overtaken" (and to queue its
//! waker); `T::clone` never runs under `tail`.

use std::task::Waker;

use super::error::TryRecvError;
use super::{Shared, Slot, Tail};
use crate::loom::{MutexGuard, Ordering, lock};

/// Reads the value at `*next`, or finds out why there is none. When there is none yet,
/// `register` runs under the `tail` lock (a receiver queues its waker there) and returns whatever
/// it displaced, which is dropped after the lock is released.
pub(super) fn try_read<T: Clone>(
    shared: &Shared<T>,
    next: &mut u64,
    register: impl FnOnce(&mut Tail) -> Option<Waker>,
) -> Result<T, TryRecvError> {
    loop {
        if let Some(value) = read_at(shared, next) {
            return Ok(value);
        }
        // Not there: either nothing new yet or we were overtaken. Senders write under `tail`, so
        // holding it gives a stable view.
        let mut tail = lock(&shared.tail);
        let result = match classify(shared, next, &tail) {
            // Written since we looked: read it again without the lock, so that `T::clone` never
            // runs under it (a clone may use this channel). At worst it is overwritten meanwhile
            // and the next round reports the lag.
            None => continue,
            Some(TryRecvError::Empty) => {
                let displaced = register(&mut tail);
                drop(tail);
                drop(displaced);
                return Err(TryRecvError::Empty);
            }
            Some(error) => error,
        };
        drop(tail);
        return Err(result);
    }
}

/// Clones the value at `*next` if it is there, moving `*next` past it.
#[inline]
fn read_at<T: Clone>(shared: &Shared<T>, next: &mut u64) -> Option<T> {
    let slot = lock_slot(shared, *next);
    if slot.pos != *next {
        return None;
    }
    let pos = *next;
    // Past the value before cloning it: a panicking `T::clone` propagates once, and the next
    // receive continues with the following value instead of panicking on this one forever.
    *next += 1;
    Some(take_copy(shared, slot, pos))
}

/// Clones the value at `pos` out of its locked slot and counts this receiver as done with it,
/// also when the clone panics. The last receiver takes the original out and drops it, once it holds
/// no lock (a destructor may use this channel).
fn take_copy<T: Clone>(shared: &Shared<T>, slot: MutexGuard<'_, Slot<T>>, pos: u64) -> T {
    struct Seen<'a, T> {
        shared: &'a Shared<T>,
        slot: Option<MutexGuard<'a, Slot<T>>>,
        pos: u64,
    }
    impl<T> Drop for Seen<'_, T> {
        fn drop(&mut self) {
            let Some(slot) = self.slot.take() else { return };
            let last = slot.remaining.fetch_sub(1, Ordering::AcqRel) == 1;
            drop(slot);
            if last {
                drop(release_value(self.shared, self.pos));
            }
        }
    }
    let seen = Seen {
        shared,
        slot: Some(slot),
        pos,
    };
    let value = match seen.slot.as_deref() {
        Some(Slot {
            value: Some(value), ..
        }) => value.clone(),
        _ => unreachable!("a written slot holds its value until every receiver saw it"),
    };
    drop(seen);
    value
}

/// Takes the value at `pos` out of its slot if every receiver has seen it (and it was not
/// overwritten meanwhile). The caller drops it, outside every lock.
pub(super) fn release_value<T>(shared: &Shared<T>, pos: u64) -> Option<T> {
    let mut slot = lock_slot(shared, pos);
    if slot.pos == pos && slot.remaining.load(Ordering::Acquire) == 0 {
        slot.value.take()
    } else {
        None
    }
}

/// Locks the slot of position `pos`. Lock order: `tail` (if taken) before a slot, and never two
/// slots at once.
pub(super) fn lock_slot<T>(shared: &Shared<T>, pos: u64) -> MutexGuard<'_, Slot<T>> {
    lock(&shared.buffer[(pos & shared.mask) as usize])
}

/// With the `tail` lock held: why there is no value at `*next` (moving `*next` to the oldest value
/// held if this receiver lagged), or `None` if there is one after all.
fn classify<T>(shared: &Shared<T>, next: &mut u64, tail: &Tail) -> Option<TryRecvError> {
    if lock_slot(shared, *next).pos == *next {
        return None;
    }
    if tail.pos == *next {
        return Some(if tail.closed {
            TryRecvError::Closed
        } else {
            TryRecvError::Empty
        });
    }
    // Our position was overwritten: skip to the oldest value still held.
    let oldest = tail.pos - (shared.mask + 1);
    let missed = oldest - *next;
    *next = oldest;
    Some(TryRecvError::Lagged(missed))
}
