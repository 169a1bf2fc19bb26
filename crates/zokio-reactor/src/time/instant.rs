//! [`Instant`]: a monotonic instant on the reactor's clock.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::{Duration, Instant as StdInstant};

use crate::handle::Handle;

/// A point in time on the current reactor's clock.
///
/// Like [`std::time::Instant`], except that [`Instant::now`] respects paused time
/// ([`pause`](crate::time::pause), [`advance`](crate::time::advance)) inside a reactor context.
/// Outside one it reads the system's monotonic clock.
///
/// ```
/// use zokio_reactor::time::{Duration, Instant};
///
/// let start = Instant::now();
/// let later = start + Duration::from_millis(5);
/// assert_eq!(later.duration_since(start), Duration::from_millis(5));
/// assert_eq!(start.duration_since(later), Duration::ZERO);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(StdInstant);

impl Instant {
    /// The current time on the current reactor's clock.
    pub fn now() -> Instant {
        Instant(Handle::current_virtual_now().unwrap_or_else(StdInstant::now))
    }

    /// An instant far in the future (about 30 years), used for "never".
    pub(crate) fn far_future() -> Instant {
        Instant::now() + Duration::from_secs(86_400 * 365 * 30)
    }

    /// Converts a standard instant.
    pub fn from_std(std: StdInstant) -> Instant {
        Instant(std)
    }

    /// Converts into a standard instant.
    pub fn into_std(self) -> StdInstant {
        self.0
    }

    /// Time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_duration_since(earlier.0)
    }

    /// Time elapsed from `earlier` to `self`, or `None` if `earlier` is later.
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.0.checked_duration_since(earlier.0)
    }

    /// Time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_duration_since(earlier.0)
    }

    /// Time elapsed since `self`, on the current reactor's clock.
    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(*self)
    }

    /// `self + duration`, or `None` on overflow.
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_add(duration).map(Instant)
    }

    /// `self - duration`, or `None` on underflow.
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_sub(duration).map(Instant)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<StdInstant> for Instant {
    fn from(std: StdInstant) -> Instant {
        Instant(std)
    }
}

impl From<Instant> for StdInstant {
    fn from(instant: Instant) -> StdInstant {
        instant.0
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    ///
    /// On overflow, at the caller's location; use [`Instant::checked_add`] to handle it.
    #[track_caller]
    fn add(self, rhs: Duration) -> Instant {
        match self.checked_add(rhs) {
            Some(instant) => instant,
            None => panic!("overflow when adding a duration to an instant"),
        }
    }
}

impl AddAssign<Duration> for Instant {
    #[track_caller]
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    ///
    /// On underflow, at the caller's location; use [`Instant::checked_sub`] to handle it.
    #[track_caller]
    fn sub(self, rhs: Duration) -> Instant {
        match self.checked_sub(rhs) {
            Some(instant) => instant,
            None => panic!("overflow when subtracting a duration from an instant"),
        }
    }
}

impl SubAssign<Duration> for Instant {
    #[track_caller]
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    /// Saturates at zero, like [`Instant::duration_since`].
    fn sub(self, rhs: Instant) -> Duration {
        self.duration_since(rhs)
    }
}
