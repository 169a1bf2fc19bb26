//! [`Sleep`]: a future that completes at a deadline.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use crate::handle::Handle;
use crate::time::Instant;
use crate::time::WakerId;

/// Waits until `duration` has elapsed.
///
/// The sleep completes no earlier than `duration` after this call, at the timer wheel's resolution
/// of 1/8 ms (the deadline is rounded up). `Duration::MAX` sleeps for about 30 years, without
/// overflow.
///
/// ```
/// use zokio_reactor::time::{self, Duration, Instant};
/// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
/// # reactor.block_on(async {
/// let start = Instant::now();
/// time::sleep(Duration::from_millis(10)).await;
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # });
/// ```
///
/// # Panics
///
/// Panics outside a reactor context or on a reactor without the timer driver.
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    // One lookup of the current reactor, for both the handle and the clock reading (reading
    // `Instant::now()` first would look the reactor up twice).
    let handle = Handle::current_time();
    let deadline = Instant::from_std(handle.inner.clock.now())
        .checked_add(duration)
        .unwrap_or_else(Instant::far_future);
    let mut sleep = Sleep::new(handle, deadline);
    // The clock was just read: a deadline a tick or more later than that reading cannot have
    // passed by the first poll unless time went by in between, and then the wheel fires the timer
    // at its next turn. Skipping the second reading saves a `clock_gettime` per sleep (about 7% of
    // a loop that inserts and fires 10,000 timers). A shorter sleep has likely passed by its first
    // poll, and completes there instead of waiting for the next tick.
    sleep.check_clock = duration < crate::driver::TICK;
    sleep
}

/// Waits until `deadline`. A deadline in the past completes at the first poll.
///
/// # Panics
///
/// Panics outside a reactor context or on a reactor without the timer driver.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(Handle::current_time(), deadline)
}

/// A future that completes at its deadline. Created by [`sleep`] and [`sleep_until`].
///
/// The timer is registered with the wheel at the first poll and removed when the `Sleep` is dropped
/// (O(1) either way). A `Sleep` can be moved to a new deadline with [`reset`](Sleep::reset).
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Sleep {
    handle: Handle,
    deadline: Instant,
    /// The wheel key, once registered.
    timer: Option<usize>,
    /// The waker last stored in the timer's state (so that re-polls with the same one store nothing).
    registered: Option<WakerId>,
    elapsed: bool,
    /// Whether the first poll reads the clock to complete a deadline that has passed at once,
    /// before filing a timer (see [`sleep`] for when it does not).
    check_clock: bool,
}

impl Sleep {
    fn new(handle: Handle, deadline: Instant) -> Sleep {
        Sleep {
            handle,
            deadline,
            timer: None,
            registered: None,
            elapsed: false,
            check_clock: true,
        }
    }

    /// The instant at which this sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has been reached (as observed by the last poll or the driver).
    pub fn is_elapsed(&self) -> bool {
        self.elapsed
    }

    /// Moves the sleep to `deadline`, whether or not it had completed. A task waiting on it is woken
    /// at the new deadline (at once if that has passed).
    ///
    /// ```
    /// use std::pin::pin;
    /// use zokio_reactor::time::{self, Duration, Instant};
    /// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
    /// # reactor.block_on(async {
    /// let mut sleep = pin!(time::sleep(Duration::from_secs(3600)));
    /// sleep.as_mut().reset(Instant::now() + Duration::from_millis(1));
    /// sleep.await;
    /// # });
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.get_mut();
        this.deadline = deadline;
        this.elapsed = false;
        this.check_clock = true;
        // The timer is armed again and may have lost its waker to an earlier firing.
        this.registered = None;
        if let Some(key) = this.timer {
            this.handle.inner.reset_timer(key, deadline.into_std());
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        // Spent also by an elapsed sleep, as in Tokio: a loop that awaits one (or a `select!` that
        // keeps picking it) must still yield.
        let coop = ready!(zokio_coop::poll_proceed(cx));
        if this.elapsed {
            coop.made_progress();
            return Poll::Ready(());
        }
        let inner = &this.handle.inner;
        if inner.is_shut_down() {
            panic!("a zokio timer was polled after its runtime shut down");
        }
        let fired = match this.timer {
            // A pending timer is polled without the wheel's lock (see `time::timers`).
            Some(key) => inner.poll_timer(key, cx.waker(), &mut this.registered),
            None => {
                if this.check_clock && this.deadline.into_std() <= inner.clock.now() {
                    true
                } else {
                    match inner.insert_timer(
                        this.deadline.into_std(),
                        cx.waker(),
                        &mut this.registered,
                    ) {
                        Some((key, fired)) => {
                            this.timer = Some(key);
                            fired
                        }
                        None => true,
                    }
                }
            }
        };
        if !fired {
            return Poll::Pending;
        }
        // Done with the timer: give its key back now rather than when the `Sleep` is dropped.
        if let Some(key) = this.timer.take() {
            inner.remove_timer(key);
        }
        this.elapsed = true;
        coop.made_progress();
        Poll::Ready(())
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.timer.take() {
            self.handle.inner.remove_timer(key);
        }
    }
}
