//! The reactor's clock, which tests can pause and move by hand.
//!
//! While the clock runs normally it *is* the system's monotonic clock. Once paused it reads a stored
//! instant that only [`advance`](crate::time::advance) (or the driver's auto-advance) moves; after
//! [`resume`](crate::time::resume) it runs again from where it stood, so it may lag behind the system
//! clock from then on. A flag keeps the common case (never paused) to a single atomic load.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant as StdInstant;

#[derive(Debug)]
pub(crate) struct Clock {
    /// Set once the clock has been paused; from then on reads go through `state`.
    virtualized: AtomicBool,
    /// Mirrors `state.unfrozen.is_none()` for lock-free checks in the driver.
    paused: AtomicBool,
    /// The reading at creation: time zero of the timer wheel's millisecond grid.
    origin: StdInstant,
    /// Set by runtimes whose scheduler cannot tell when every task is idle (several workers):
    /// auto-advance would then jump the clock while a task still runs, so pausing is refused.
    pause_forbidden: AtomicBool,
    /// Work in flight outside the runtime's tasks (blocking-pool closures) that may still wake a
    /// task: while it is non-zero the driver never auto-advances a paused clock, since "every task
    /// is idle" does not mean nothing will happen (a `timeout` around `spawn_blocking` would fire).
    auto_advance_inhibitors: AtomicUsize,
    state: Mutex<ClockState>,
}

#[derive(Debug)]
struct ClockState {
    /// The clock's reading when it was last paused or advanced.
    base: StdInstant,
    /// When the clock last resumed, on the system clock; `None` while paused.
    unfrozen: Option<StdInstant>,
}

impl Clock {
    pub(crate) fn new(start_paused: bool) -> Clock {
        let now = StdInstant::now();
        Clock {
            virtualized: AtomicBool::new(start_paused),
            paused: AtomicBool::new(start_paused),
            pause_forbidden: AtomicBool::new(false),
            auto_advance_inhibitors: AtomicUsize::new(0),
            origin: now,
            state: Mutex::new(ClockState {
                base: now,
                unfrozen: if start_paused { None } else { Some(now) },
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClockState> {
        // The state is two plain values that are never left half-updated; poisoning carries no meaning.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The clock's current reading.
    pub(crate) fn now(&self) -> StdInstant {
        self.virtual_now().unwrap_or_else(StdInstant::now)
    }

    /// The reading of a clock that has been paused at least once, else `None`.
    pub(crate) fn virtual_now(&self) -> Option<StdInstant> {
        if !self.virtualized.load(Ordering::Acquire) {
            return None;
        }
        let state = self.lock();
        Some(match state.unfrozen {
            None => state.base,
            Some(since) => state.base + since.elapsed(),
        })
    }

    /// The reading at creation.
    pub(crate) fn origin(&self) -> StdInstant {
        self.origin
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    #[track_caller]
    pub(crate) fn forbid_pause(&self) {
        self.pause_forbidden
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    #[track_caller]
    pub(crate) fn pause(&self) {
        if self
            .pause_forbidden
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            panic!(
                "time::pause() needs a current-thread runtime: with several workers, one idle \
                 worker cannot tell that the others are idle, so paused time could jump while a \
                 task still runs"
            );
        }
        let mut state = self.lock();
        let Some(since) = state.unfrozen else {
            panic!("time is already paused");
        };
        // Snap up to the wheel's millisecond grid, so that `now + whole milliseconds` deadlines fall
        // on it and auto-advance lands on them exactly (the clock moves forward by under 1 ms).
        let now = state.base + since.elapsed();
        let since_origin = now.saturating_duration_since(self.origin);
        let snapped =
            since_origin.as_millis() + u128::from(since_origin.subsec_nanos() % 1_000_000 != 0);
        let snapped = u64::try_from(snapped).map_or(now, |ms| {
            self.origin
                .checked_add(std::time::Duration::from_millis(ms))
                .unwrap_or(now)
        });
        state.base = snapped.max(now);
        state.unfrozen = None;
        self.virtualized.store(true, Ordering::Release);
        self.paused.store(true, Ordering::Release);
    }

    #[track_caller]
    pub(crate) fn resume(&self) {
        let mut state = self.lock();
        if state.unfrozen.is_some() {
            panic!("time is not paused");
        }
        state.unfrozen = Some(StdInstant::now());
        self.paused.store(false, Ordering::Release);
    }

    /// Holds auto-advance off until a matching [`Clock::allow_auto_advance`].
    pub(crate) fn inhibit_auto_advance(&self) {
        self.auto_advance_inhibitors.fetch_add(1, Ordering::AcqRel);
    }

    /// Releases one [`Clock::inhibit_auto_advance`].
    pub(crate) fn allow_auto_advance(&self) {
        let before = self.auto_advance_inhibitors.fetch_sub(1, Ordering::AcqRel);
        debug_assert!(
            before > 0,
            "allow_auto_advance without inhibit_auto_advance"
        );
    }

    /// Whether the driver may jump a paused clock to the next timer now.
    pub(crate) fn may_auto_advance(&self) -> bool {
        self.auto_advance_inhibitors.load(Ordering::Acquire) == 0
    }

    /// Moves a paused clock forward by `by`.
    #[track_caller]
    pub(crate) fn advance(&self, by: std::time::Duration) {
        let mut state = self.lock();
        if state.unfrozen.is_some() {
            panic!("time is not paused: call zokio::time::pause() before advance()");
        }
        state.base = state
            .base
            .checked_add(by)
            .expect("advancing the paused clock overflowed Instant");
    }

    /// Moves a paused clock forward to `to`, if it is later than the clock's reading; a running
    /// clock (resumed since the driver looked) is left alone. Used by the driver's auto-advance.
    pub(crate) fn advance_to(&self, to: StdInstant) {
        let mut state = self.lock();
        if state.unfrozen.is_none() && to > state.base {
            state.base = to;
        }
    }
}
