//! Per-timer state that a `Sleep` reads without the wheel's lock.
//!
//! The wheel (behind the reactor's lock) files timers by deadline; whether a timer has fired, and the
//! waker of the task waiting on it, live here instead, in a [`TimerState`] per wheel key: an atomic
//! flag and an [`AtomicWaker`]. Polling a pending `Sleep` is then two atomic loads and, when the
//! task's waker changed, a compare-and-swap; only inserting, moving and removing a timer take the
//! lock. The driver, which fires timers under the lock, sets the flag *then* takes the waker; a poll
//! registers its waker *then* checks the flag, so one of the two always sees the other.
//!
//! # Stable addresses without a lock
//!
//! [`TimerStates`] is a segmented array indexed by wheel key: segment `s` holds `BASE << s` states,
//! so 40 segments cover every key a `Slab` can hand out, and a segment, once allocated, never moves
//! or shrinks until the reactor is dropped. Segments are allocated under the wheel's lock, when the
//! key that needs them is inserted, and published with a release store; a reader holds a key only
//! after its insert, so its acquire load of the segment pointer always finds it. No allocation
//! happens per timer: a key's state is reused by the next timer that gets the key.

use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::task::Waker;

use atomic_waker::AtomicWaker;

/// The states in segment 0; segment `s` holds `BASE << s`.
const BASE: usize = 64;
/// Enough segments for any key below `BASE * (2^SEGMENTS - 1)`, far beyond any live timer count.
const SEGMENTS: usize = 40;

/// One timer's fired flag and waker. See the module docs.
///
/// On a cache-line pair of its own: timers of different tasks (and threads) sit side by side in the
/// arena, and registering a waker writes the line, so neighbours would otherwise contend for it.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct TimerState {
    fired: AtomicBool,
    waker: AtomicWaker,
}

impl TimerState {
    /// Makes the state ready for a new (or moved) timer: not fired. Called under the wheel's lock.
    pub(crate) fn arm(&self) {
        self.fired.store(false, Ordering::Release);
    }

    /// Marks the timer fired and takes its waker, for the caller to wake once the wheel's lock is
    /// released. Called under the wheel's lock.
    pub(crate) fn fire(&self) -> Option<Waker> {
        self.fired.store(true, Ordering::Release);
        self.waker.take()
    }

    /// Takes the waker a removed timer still held (to be dropped outside the lock).
    pub(crate) fn take_waker(&self) -> Option<Waker> {
        self.waker.take()
    }

    /// Whether the timer has fired; if not, makes `waker` the one its firing wakes. Lock-free.
    ///
    /// `registered` is the poller's note of the waker it registered last (see [`WakerId`]): when
    /// `waker` is that one, it is still in place (only firing and removal take it out, and firing
    /// sets the flag first), so the poll is a single load with no write to the shared line. The
    /// poller must forget its note whenever the timer is armed again.
    pub(crate) fn poll(&self, waker: &Waker, registered: &mut Option<WakerId>) -> bool {
        if self.fired.load(Ordering::Acquire) {
            return true;
        }
        let id = WakerId::of(waker);
        if *registered == Some(id) {
            return false;
        }
        self.waker.register(waker);
        *registered = Some(id);
        // Fired between the check and the registration: the firing may have found no waker.
        self.fired.load(Ordering::Acquire)
    }
}

/// What makes two wakers the same for `Waker::will_wake`: the data pointer and the vtable, kept as
/// numbers. While a waker with this identity sits in a [`TimerState`], its data is alive, so the
/// identity cannot be reused by another waker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WakerId(usize, usize);

impl WakerId {
    fn of(waker: &Waker) -> WakerId {
        WakerId(
            waker.data() as usize,
            std::ptr::from_ref(waker.vtable()) as usize,
        )
    }
}

/// The [`TimerState`]s of a wheel, by key. See the module docs.
pub(crate) struct TimerStates {
    segments: [AtomicPtr<TimerState>; SEGMENTS],
}

impl std::fmt::Debug for TimerStates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let allocated = self
            .segments
            .iter()
            .filter(|s| !s.load(Ordering::Relaxed).is_null())
            .count();
        f.debug_struct("TimerStates")
            .field("segments", &allocated)
            .finish()
    }
}

/// The segment of `key` and its index there.
fn locate(key: usize) -> (usize, usize) {
    let block = key / BASE + 1;
    let segment = (usize::BITS - 1 - block.leading_zeros()) as usize;
    let first = BASE * ((1 << segment) - 1);
    (segment, key - first)
}

fn segment_len(segment: usize) -> usize {
    BASE << segment
}

impl TimerStates {
    pub(crate) fn new() -> TimerStates {
        TimerStates {
            segments: std::array::from_fn(|_| AtomicPtr::new(std::ptr::null_mut())),
        }
    }

    /// Makes sure `key` has a state. Called under the wheel's lock (so never by two threads at once),
    /// before `key` is handed to anyone.
    pub(crate) fn ensure(&self, key: usize) {
        let (segment, _) = locate(key);
        let slot = &self.segments[segment];
        if !slot.load(Ordering::Relaxed).is_null() {
            return;
        }
        let states: Box<[TimerState]> = (0..segment_len(segment))
            .map(|_| TimerState::default())
            .collect();
        slot.store(
            Box::into_raw(states).cast::<TimerState>(),
            Ordering::Release,
        );
    }

    /// The state of `key`, which [`TimerStates::ensure`] has covered.
    pub(crate) fn get(&self, key: usize) -> &TimerState {
        let (segment, index) = locate(key);
        let first = self.segments[segment].load(Ordering::Acquire);
        assert!(!first.is_null(), "timer key {key} has no state");
        // SAFETY: a non-null segment pointer comes from `Box::into_raw` of a slice of
        // `segment_len(segment)` states (`ensure`), published with a release store that this acquire
        // load reads; `index < segment_len(segment)` by `locate`; the slice is freed only in `drop`,
        // which needs `&mut self`, so it outlives the returned borrow of `self`.
        unsafe { &*first.add(index) }
    }
}

impl Drop for TimerStates {
    fn drop(&mut self) {
        for (segment, slot) in self.segments.iter_mut().enumerate() {
            let first = *slot.get_mut();
            if first.is_null() {
                continue;
            }
            let len = segment_len(segment);
            // SAFETY: `first` came from `Box::into_raw` of a `Box<[TimerState]>` of `len` elements
            // (`ensure`), and is turned back into that box once, here; no borrow of it is alive
            // (`&mut self`).
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(first, len)) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_onto_consecutive_segments_without_gaps() {
        let mut expected = (0, 0);
        for key in 0..100_000 {
            let located = locate(key);
            assert_eq!(located, expected, "key {key}");
            expected.1 += 1;
            if expected.1 == segment_len(expected.0) {
                expected = (expected.0 + 1, 0);
            }
        }
        let (last, _) = locate(1 << 40);
        assert!(last < SEGMENTS);
    }

    #[test]
    fn a_poll_after_fire_sees_it_and_a_fire_after_poll_takes_the_waker() {
        let states = TimerStates::new();
        states.ensure(70);
        let state = states.get(70);
        state.arm();
        let waker = Waker::noop();
        let mut registered = None;
        assert!(!state.poll(waker, &mut registered));
        assert!(registered.is_some());
        assert!(
            !state.poll(waker, &mut registered),
            "the same waker: nothing to store"
        );
        assert!(state.fire().is_some(), "the registered waker is handed out");
        assert!(state.poll(waker, &mut registered));
        state.arm();
        registered = None;
        assert!(!state.poll(waker, &mut registered));
        assert!(state.take_waker().is_some());
    }
}
