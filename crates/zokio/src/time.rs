//! Time: sleeps, intervals and timeouts, on the runtime's timer wheel.
//!
//! Needs a runtime with the time driver (`enable_time()` or `enable_all()`).
//!
//! ```
//! use zokio::time::{self, Duration};
//!
//! # zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! time::sleep(Duration::from_millis(1)).await;
//! let slow = time::sleep(Duration::from_secs(60));
//! assert!(time::timeout(Duration::from_millis(1), slow).await.is_err());
//! # });
//! ```

use std::future::IntoFuture;

pub use std::time::Duration;
pub use zokio_reactor::time::{
    Instant, Interval, MissedTickBehavior, Sleep, interval, interval_at, sleep, sleep_until,
};

cfg_test_util! {
    pub use zokio_reactor::time::{advance, pause, resume};
}

/// Errors of the time module.
pub mod error {
    pub use zokio_sync::time::Elapsed;
}

/// A future that fails with [`error::Elapsed`] if its inner future does not complete in time.
/// Created by [`timeout`] and [`timeout_at`].
pub type Timeout<F> = zokio_sync::time::Timeout<F, Sleep>;

/// Awaits `future` for at most `duration`.
///
/// # Cancel safety
///
/// Dropping the `Timeout` drops the inner future; it is as cancel safe as that future.
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    zokio_sync::time::Timeout::new(future.into_future(), sleep(duration))
}

/// Awaits `future` until `deadline` at most.
#[track_caller]
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    zokio_sync::time::Timeout::new(future.into_future(), sleep_until(deadline))
}
