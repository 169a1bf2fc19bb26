//! Timers: [`sleep`], [`Interval`], the reactor's [`Instant`] and paused time.
//!
//! Timers live in a hierarchical wheel of 6 levels with 64 slots each at 1/8 ms resolution: insert
//! and cancel are O(1), and the driver's poll timeout is the start of the earliest occupied slot,
//! waited for to the nanosecond (`epoll_pwait2`; whole milliseconds where the kernel lacks it).
//! Deadlines are rounded *up* to the tick, so a timer never completes early, and one beyond the
//! wheel's span of about 99 days is re-filed until it is due, so `Duration::MAX` cannot overflow.
//!
//! # Paused time
//!
//! For tests, the clock can be paused ([`pause`], or `start_paused` in the
//! [`ReactorConfig`](crate::ReactorConfig)). It then moves only with [`advance`] and by
//! **auto-advance**: when the scheduler parks with no timeout (every task is idle), the driver first
//! collects ready I/O without blocking and, if nothing was woken, jumps the clock to the next timer
//! instead of sleeping. Tests of timeouts then run instantly and deterministically. A task that waits
//! on something outside the runtime (another thread, a blocking call) does not hold the clock back.
//! Auto-advance relies on the scheduler parking without a timeout only when *every* task is idle,
//! which is what the current-thread runtime does; paused time is meant for it.

pub(crate) mod clock;
mod instant;
mod interval;
mod sleep;
mod state;
pub(crate) mod timers;
mod wheel;

pub use instant::Instant;
pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub use sleep::{Sleep, sleep, sleep_until};
pub(crate) use state::WakerId;
pub use std::time::Duration;

use std::future::poll_fn;
use std::task::Poll;

use crate::handle::Handle;

/// Pauses the current reactor's clock.
///
/// ```
/// use zokio_reactor::time::{self, Duration, Instant};
/// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
/// # reactor.block_on(async {
/// time::pause();
/// let start = Instant::now();
/// time::sleep(Duration::from_secs(3600)).await; // returns at once: the clock jumps
/// assert_eq!(start.elapsed(), Duration::from_secs(3600));
/// # });
/// ```
///
/// # Panics
///
/// Panics if the clock is already paused, outside a reactor context, or without the timer driver.
#[track_caller]
pub fn pause() {
    Handle::current_time().inner.clock.pause();
}

/// Resumes a paused clock from where it stands.
///
/// # Panics
///
/// Panics if the clock is not paused, outside a reactor context, or without the timer driver.
#[track_caller]
pub fn resume() {
    Handle::current_time().inner.clock.resume();
}

/// Moves a paused clock forward by `duration`, completes the timers that fall due, then yields once
/// so that their tasks can run.
///
/// # Panics
///
/// Panics if the clock is not paused, outside a reactor context, or without the timer driver.
pub async fn advance(duration: Duration) {
    let handle = Handle::current_time();
    handle.inner.clock.advance(duration);
    handle.inner.fire_due_timers();
    let mut yielded = false;
    poll_fn(move |cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}
