//! A hierarchical timing wheel: 6 levels of 64 slots of one tick (the driver sets it: 1/8 ms).
//!
//! Level `L` has slots `64^L` ticks wide, so the wheel spans `64^6` ticks (about 99 days) ahead of its
//! current time, `elapsed`. A timer goes to the level of the highest 6-bit digit in which its
//! deadline differs from `elapsed`, and to the slot named by that digit. When time reaches the start
//! of an occupied slot, the slot's timers either fire (deadline reached) or move down to a finer level.
//!
//! Timers live in a [`Slab`]; each slot is a doubly linked list threaded through the slab by index,
//! so insert and cancel are O(1) without `unsafe`. A timer's slab key is owned by its `Sleep` until the
//! `Sleep` removes it (firing only unlinks it), so a key can never be reused under a live owner.
//!
//! Deadlines beyond the wheel's span go to the top level and are re-filed each time their slot comes
//! round, which is also what keeps a `Duration::MAX` sleep from overflowing anything. A timer fires
//! when `elapsed >= deadline` and never earlier.
//!
//! # Wakers live elsewhere
//!
//! The wheel holds no wakers: it only files timers by deadline. Whether a timer fired, and the waker
//! of the task waiting on it, are in the timer's [`TimerState`](super::state::TimerState), which a
//! `Sleep` polls without the reactor's lock. [`process`](Wheel::process) and
//! [`fire_all`](Wheel::fire_all) report the keys of the timers that fire, and the caller
//! (`time::timers`) takes their wakers under the lock and wakes them after releasing it: a waker is
//! user code, whose `wake` or `Drop` may come back to the same wheel.

use slab::Slab;

const LEVELS: usize = 6;
const SLOT_BITS: u32 = 6;
const SLOTS: u64 = 1 << SLOT_BITS;
/// The span of the whole wheel in ticks: `64^6`.
const SPAN: u64 = 1 << (SLOT_BITS as u64 * LEVELS as u64);
const NIL: usize = usize::MAX;

#[derive(Debug)]
struct Entry {
    /// Deadline in ticks since the reactor's time origin.
    when: u64,
    fired: bool,
    linked: bool,
    level: u8,
    slot: u8,
    prev: usize,
    next: usize,
}

#[derive(Debug)]
struct Level {
    /// Bit `s` is set when slot `s` holds at least one timer.
    occupied: u64,
    heads: [usize; SLOTS as usize],
}

/// The wheel. See the module docs.
#[derive(Debug)]
pub(crate) struct Wheel {
    elapsed: u64,
    levels: [Level; LEVELS],
    entries: Slab<Entry>,
}

/// Where the next slot to process lies.
#[derive(Debug, Clone, Copy)]
struct Expiration {
    level: usize,
    slot: usize,
    deadline: u64,
}

impl Wheel {
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            levels: std::array::from_fn(|_| Level {
                occupied: 0,
                heads: [NIL; SLOTS as usize],
            }),
            entries: Slab::new(),
        }
    }

    /// How many timers the wheel holds, fired or not.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Adds a timer for `when` and returns its key; `None` if `when` has already passed (the caller
    /// completes at once and nothing is stored).
    pub(crate) fn insert(&mut self, when: u64) -> Option<usize> {
        if when <= self.elapsed {
            return None;
        }
        let key = self.entries.insert(Entry {
            when,
            fired: false,
            linked: false,
            level: 0,
            slot: 0,
            prev: NIL,
            next: NIL,
        });
        self.link(key);
        Some(key)
    }

    /// Whether timer `key` has fired (for tests; the reactor reads its `TimerState` instead).
    #[cfg(test)]
    pub(crate) fn is_fired(&self, key: usize) -> bool {
        self.entries[key].fired
    }

    /// Moves timer `key` to `when`. Returns `false` when `when` has already passed: the timer is then
    /// marked fired, and the caller fires its state.
    pub(crate) fn reset(&mut self, key: usize, when: u64) -> bool {
        self.unlink(key);
        let entry = &mut self.entries[key];
        entry.when = when;
        if when <= self.elapsed {
            entry.fired = true;
            return false;
        }
        entry.fired = false;
        self.link(key);
        true
    }

    /// Removes timer `key` (cancel or clean-up after firing); its key may be handed out again.
    pub(crate) fn remove(&mut self, key: usize) {
        self.unlink(key);
        self.entries.remove(key);
    }

    /// The deadline of the earliest occupied slot, in ticks. A slot is processed at its start, so this is
    /// a lower bound of the earliest timer; waking then may only re-file timers, never miss one.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.next_expiration().map(|e| e.deadline)
    }

    /// Advances the wheel to `now` (ticks), pushing the keys of timers that fire onto `fired`.
    pub(crate) fn process(&mut self, now: u64, fired: &mut Vec<usize>) {
        while let Some(expiration) = self.next_expiration() {
            if expiration.deadline > now {
                break;
            }
            self.elapsed = self.elapsed.max(expiration.deadline);
            let level = &mut self.levels[expiration.level];
            let mut key = std::mem::replace(&mut level.heads[expiration.slot], NIL);
            level.occupied &= !(1 << expiration.slot);
            while key != NIL {
                let entry = &mut self.entries[key];
                let next = entry.next;
                entry.linked = false;
                entry.prev = NIL;
                entry.next = NIL;
                if entry.when <= self.elapsed {
                    entry.fired = true;
                    fired.push(key);
                } else {
                    // Not due yet: file it again relative to the new `elapsed` (a finer level, or the
                    // top level once more for deadlines beyond the span).
                    self.link(key);
                }
                key = next;
            }
        }
        self.elapsed = self.elapsed.max(now);
    }

    /// Fires every timer regardless of its deadline (shutdown), pushing their keys onto `fired`.
    pub(crate) fn fire_all(&mut self, fired: &mut Vec<usize>) {
        for (key, entry) in self.entries.iter_mut() {
            entry.fired = true;
            entry.linked = false;
            fired.push(key);
        }
        for level in &mut self.levels {
            level.occupied = 0;
            level.heads = [NIL; SLOTS as usize];
        }
    }

    fn next_expiration(&self) -> Option<Expiration> {
        let mut best: Option<Expiration> = None;
        for (index, level) in self.levels.iter().enumerate() {
            if level.occupied == 0 {
                continue;
            }
            let shift = SLOT_BITS * index as u32;
            let slot_range = 1u64 << shift;
            let level_range = slot_range << SLOT_BITS;
            let now_slot = (self.elapsed >> shift) & (SLOTS - 1);
            let level_start = self.elapsed & !(level_range - 1);
            // Slots from the current one on are due in this turn of the level. (At levels above 0 the
            // current slot itself was emptied when time entered it, so anything there now is a
            // beyond-the-span timer, like everything behind it: due in the next turn.)
            let first_ahead = if index == 0 { now_slot } else { now_slot + 1 };
            let ahead = if first_ahead >= SLOTS {
                0
            } else {
                level.occupied & (u64::MAX << first_ahead)
            };
            let (slot, deadline) = if ahead != 0 {
                let slot = u64::from(ahead.trailing_zeros());
                (slot, level_start + slot * slot_range)
            } else {
                let slot = u64::from(level.occupied.trailing_zeros());
                let deadline = (level_start + slot * slot_range).saturating_add(level_range);
                (slot, deadline)
            };
            if best.is_none_or(|b| deadline < b.deadline) {
                best = Some(Expiration {
                    level: index,
                    slot: slot as usize,
                    deadline,
                });
            }
        }
        best
    }

    fn link(&mut self, key: usize) {
        let when = self.entries[key].when;
        let mut masked = (self.elapsed ^ when) | (SLOTS - 1);
        if masked >= SPAN {
            masked = SPAN - 1;
        }
        let significant = 63 - masked.leading_zeros();
        let level = (significant / SLOT_BITS) as usize;
        let slot = ((when >> (SLOT_BITS * level as u32)) & (SLOTS - 1)) as usize;
        let head = self.levels[level].heads[slot];
        if head != NIL {
            self.entries[head].prev = key;
        }
        let entry = &mut self.entries[key];
        entry.prev = NIL;
        entry.next = head;
        entry.linked = true;
        entry.level = level as u8;
        entry.slot = slot as u8;
        let level_ref = &mut self.levels[level];
        level_ref.heads[slot] = key;
        level_ref.occupied |= 1 << slot;
    }

    fn unlink(&mut self, key: usize) {
        let entry = &mut self.entries[key];
        if !entry.linked {
            return;
        }
        entry.linked = false;
        let (prev, next) = (entry.prev, entry.next);
        let (level, slot) = (entry.level as usize, entry.slot as usize);
        entry.prev = NIL;
        entry.next = NIL;
        if next != NIL {
            self.entries[next].prev = prev;
        }
        if prev != NIL {
            self.entries[prev].next = next;
        } else {
            let level = &mut self.levels[level];
            level.heads[slot] = next;
            if next == NIL {
                level.occupied &= !(1 << slot);
            }
        }
    }
}

#[cfg(test)]
#[path = "wheel_tests.rs"]
mod tests;
