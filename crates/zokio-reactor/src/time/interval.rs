//! [`Interval`]: ticks at a fixed period.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use crate::time::{Instant, Sleep, sleep_until};

/// A tick is "missed" when it is observed later than its deadline by more than this.
const LATE_THRESHOLD: Duration = Duration::from_millis(5);

/// An interval whose first tick completes at once and then every `period`.
///
/// # Panics
///
/// Panics if `period` is zero, outside a reactor context, or without the timer driver.
///
/// ```
/// use zokio_reactor::time::{self, Duration, Instant};
/// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
/// # reactor.block_on(async {
/// let start = Instant::now();
/// let mut interval = time::interval(Duration::from_millis(2));
/// interval.tick().await; // at once
/// interval.tick().await;
/// interval.tick().await;
/// assert!(start.elapsed() >= Duration::from_millis(4));
/// # });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// An interval whose first tick completes at `start` and then every `period`.
///
/// # Panics
///
/// Panics if `period` is zero, outside a reactor context, or without the timer driver.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero");
    Interval {
        delay: sleep_until(start),
        period,
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does when ticks were missed (the task polled it too late).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back until caught up with the original schedule. The default.
    #[default]
    Burst,
    /// Start a new schedule one `period` after the late tick.
    Delay,
    /// Drop the missed ticks and continue at the next deadline of the original schedule.
    Skip,
}

impl MissedTickBehavior {
    /// The deadline after a tick that was due at `due` and observed at `now`, too late.
    fn next_deadline(self, due: Instant, now: Instant, period: Duration) -> Instant {
        let next = match self {
            MissedTickBehavior::Burst => due.checked_add(period),
            MissedTickBehavior::Delay => now.checked_add(period),
            MissedTickBehavior::Skip => {
                let late = now.duration_since(due).as_nanos();
                let into_period = late % period.as_nanos();
                // `into_period < period`, which fits in a u64 of nanoseconds for any sane period; a
                // larger one saturates (the deadline then lands at `now`, the next poll catches up).
                let into_period =
                    Duration::from_nanos(u64::try_from(into_period).unwrap_or(u64::MAX));
                now.checked_add(period.saturating_sub(into_period))
            }
        };
        next.unwrap_or_else(Instant::far_future)
    }
}

/// Ticks at a fixed period. Created by [`interval`] and [`interval_at`].
#[derive(Debug)]
pub struct Interval {
    delay: Sleep,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled instant.
    ///
    /// Cancel safe: dropping the future before it completes loses no tick.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick; see [`tick`](Self::tick).
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(Pin::new(&mut self.delay).poll(cx));
        let due = self.delay.deadline();
        let now = Instant::now();
        let next = if now.duration_since(due) > LATE_THRESHOLD {
            self.missed_tick_behavior
                .next_deadline(due, now, self.period)
        } else {
            due.checked_add(self.period)
                .unwrap_or_else(Instant::far_future)
        };
        Pin::new(&mut self.delay).reset(next);
        Poll::Ready(due)
    }

    /// Restarts the schedule: the next tick is one period from now.
    pub fn reset(&mut self) {
        // Through `reset_after`, which saturates: a period near `Duration::MAX` must not overflow.
        self.reset_after(self.period);
    }

    /// Restarts the schedule with a tick at once.
    pub fn reset_immediately(&mut self) {
        self.reset_at(Instant::now());
    }

    /// Restarts the schedule with the next tick after `after`.
    pub fn reset_after(&mut self, after: Duration) {
        self.reset_at(
            Instant::now()
                .checked_add(after)
                .unwrap_or_else(Instant::far_future),
        );
    }

    /// Restarts the schedule with the next tick at `deadline`.
    pub fn reset_at(&mut self, deadline: Instant) {
        Pin::new(&mut self.delay).reset(deadline);
    }

    /// What this interval does about missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets what this interval does about missed ticks.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }

    /// The period between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }
}
