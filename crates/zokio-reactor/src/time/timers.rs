//! `Timers`: the wheel behind the reactor's lock, and the lock-free per-timer states beside it.
//!
//! | operation | takes the wheel lock |
//! |---|---|
//! | poll of a pending `Sleep` | no: two atomic loads, and a compare-and-swap when the waker changed |
//! | first poll (insert), `reset`, drop (remove) | yes, once |
//! | the driver firing due timers | yes, once per park |
//!
//! No waker is woken or dropped under the lock: the driver takes the wakers of the timers that fire
//! while it holds the lock (taking runs no user code) and wakes them after releasing it; a removed
//! timer's stale waker is dropped the same way. See `state.rs` for the fired flag and waker
//! protocol, and `wheel.rs` for the wheel itself.

use std::sync::{Mutex, MutexGuard};
use std::task::Waker;

use super::state::{TimerStates, WakerId};
use super::wheel::Wheel;

/// The reactor's timers. See the module docs.
#[derive(Debug)]
pub(crate) struct Timers {
    wheel: Mutex<Wheel>,
    states: TimerStates,
}

/// What [`Timers::insert`] did.
pub(crate) enum Inserted {
    /// Filed under this key.
    Key(usize),
    /// The deadline has already passed on the wheel: nothing was stored.
    Due,
}

impl Timers {
    pub(crate) fn new() -> Timers {
        Timers {
            wheel: Mutex::new(Wheel::new()),
            states: TimerStates::new(),
        }
    }

    /// The wheel, locked (poisoning carries no meaning: no user code runs under it).
    pub(crate) fn wheel(&self) -> MutexGuard<'_, Wheel> {
        self.wheel.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Files a timer for `when` (a wheel tick). The caller then polls it with [`Timers::poll`], which stores
    /// its waker.
    pub(crate) fn insert(&self, when: u64) -> Inserted {
        let mut wheel = self.wheel();
        match wheel.insert(when) {
            Some(key) => {
                self.states.ensure(key);
                self.states.get(key).arm();
                Inserted::Key(key)
            }
            None => Inserted::Due,
        }
    }

    /// Whether timer `key` has fired; if not, `waker` is woken when it does. Takes no lock.
    /// `registered` is the poller's note of its last registration (see `TimerState::poll`).
    pub(crate) fn poll(&self, key: usize, waker: &Waker, registered: &mut Option<WakerId>) -> bool {
        self.states.get(key).poll(waker, registered)
    }

    /// Moves timer `key` to `when`. Returns the waker to wake when `when` has already passed (the
    /// timer is then fired), for the caller to wake with no lock held.
    pub(crate) fn reset(&self, key: usize, when: u64) -> Result<(), Option<Waker>> {
        let mut wheel = self.wheel();
        let state = self.states.get(key);
        if wheel.reset(key, when) {
            state.arm();
            Ok(())
        } else {
            Err(state.fire())
        }
    }

    /// Removes timer `key`. Returns the waker it still held, to be dropped with no lock held.
    pub(crate) fn remove(&self, key: usize) -> Option<Waker> {
        let mut wheel = self.wheel();
        wheel.remove(key);
        self.states.get(key).take_waker()
    }

    /// Fires the timers due at `now` (a wheel tick) on a locked wheel, pushing their wakers onto `wakers`.
    pub(crate) fn process(&self, wheel: &mut Wheel, now: u64, wakers: &mut Vec<Waker>) {
        let mut fired = Vec::new();
        wheel.process(now, &mut fired);
        self.collect(fired, wakers);
    }

    /// Fires every timer (shutdown), pushing their wakers onto `wakers`.
    pub(crate) fn fire_all(&self, wakers: &mut Vec<Waker>) {
        let mut wheel = self.wheel();
        let mut fired = Vec::new();
        wheel.fire_all(&mut fired);
        self.collect(fired, wakers);
    }

    fn collect(&self, fired: Vec<usize>, wakers: &mut Vec<Waker>) {
        wakers.extend(
            fired
                .into_iter()
                .filter_map(|key| self.states.get(key).fire()),
        );
    }
}
