//! A runtime-agnostic timeout: race a future against any deadline future.
//!
//! The runtime supplies the deadline (zokio plugs in its `Sleep`, and `zokio::time::timeout` is
//! built on [`Timeout`]); this crate only decides who wins.
//!
//! The few methods here that take a plain `Duration` (such as
//! [`mpsc::Sender::send_timeout`](crate::mpsc::Sender::send_timeout)) need a timer of their own.
//! A runtime may install one with [`set_sleep_hook`], so that those waits follow its clock (zokio
//! does, and its paused time applies); anywhere else they fall back to `futures-timer`'s global
//! timer thread, which works under any executor.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use zokio_sync::{mpsc, time::Timeout};
//!
//! # zokio::runtime::Runtime::new().unwrap().block_on(async {
//! let (tx, mut rx) = mpsc::channel::<u32>(1);
//! // Nothing arrives: the deadline (here zokio's sleep; any future works) wins.
//! let waited = Timeout::new(rx.recv(), zokio::time::sleep(Duration::from_millis(5))).await;
//! assert!(waited.is_err());
//! // A message is ready: the receive wins.
//! tx.send(9).await.unwrap();
//! let got = Timeout::new(rx.recv(), zokio::time::sleep(Duration::from_secs(60))).await;
//! assert_eq!(got, Ok(Some(9)));
//! # });
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

/// The deadline passed before the future completed.
///
/// ```
/// use zokio_sync::time::{Elapsed, Timeout};
/// # futures_lite::future::block_on(async {
/// let err: Elapsed = Timeout::new(std::future::pending::<()>(), async {}).await.unwrap_err();
/// assert_eq!(err.to_string(), "deadline has elapsed");
/// // Converts into an `io::Error` of kind `TimedOut`, for `?` in I/O code.
/// let io: std::io::Error = err.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(elapsed: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, elapsed)
    }
}

pin_project! {
    /// A future that completes with `Ok(output)` if `future` finishes first, or `Err(Elapsed)` once
    /// `deadline` completes. The future is polled first, so one that is ready when the deadline
    /// passes still wins.
    ///
    /// # Example
    ///
    /// ```
    /// use zokio_sync::time::{Elapsed, Timeout};
    ///
    /// # futures_lite::future::block_on(async {
    /// // A deadline that has already passed...
    /// let expired = std::future::ready(());
    /// // ...against a future that never completes.
    /// let result = Timeout::new(std::future::pending::<u8>(), expired).await;
    /// assert_eq!(result, Err::<u8, _>(Elapsed::new_for_runtime()));
    /// let result = Timeout::new(async { 3 }, std::future::pending::<()>()).await;
    /// assert_eq!(result, Ok(3));
    /// # });
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Timeout<F, D> {
        #[pin]
        future: F,
        #[pin]
        deadline: D,
    }
}

impl Elapsed {
    /// An `Elapsed` value, for runtimes that build their own timeout types on this error.
    ///
    /// ```
    /// use zokio_sync::time::Elapsed;
    /// // A runtime's own timeout future can report expiry with the shared error type.
    /// fn my_timeout_expired() -> Result<(), Elapsed> {
    ///     Err(Elapsed::new_for_runtime())
    /// }
    /// assert!(my_timeout_expired().is_err());
    /// ```
    pub fn new_for_runtime() -> Elapsed {
        Elapsed(())
    }
}

impl<F, D> Timeout<F, D> {
    /// Races `future` against `deadline`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_sync::time::Timeout;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (_tx, rx) = zokio_sync::oneshot::channel::<u8>();
    /// // Any future can be the deadline; here zokio's timer.
    /// let deadline = zokio::time::sleep(Duration::from_millis(10));
    /// assert!(Timeout::new(rx, deadline).await.is_err()); // nothing was sent in time
    /// # });
    /// ```
    pub fn new(future: F, deadline: D) -> Timeout<F, D> {
        Timeout { future, deadline }
    }

    /// The inner future.
    ///
    /// ```
    /// use zokio_sync::time::Timeout;
    /// let (tx, rx) = zokio_sync::oneshot::channel::<u8>();
    /// let t = Timeout::new(rx, std::future::pending::<()>());
    /// assert!(t.get_ref().is_empty()); // look at the inner receiver
    /// tx.send(1).unwrap();
    /// assert!(!t.get_ref().is_empty());
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The inner future, mutably.
    ///
    /// ```
    /// use zokio_sync::time::Timeout;
    /// # futures_lite::future::block_on(async {
    /// let (tx, rx) = zokio_sync::oneshot::channel::<u8>();
    /// let mut t = Timeout::new(rx, std::future::pending::<()>());
    /// t.get_mut().close(); // act on the inner receiver
    /// assert_eq!(tx.send(1), Err(1));
    /// assert!(t.await.unwrap().is_err()); // in time, but the channel was closed
    /// # });
    /// ```
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// Consumes the timeout and returns the inner future.
    ///
    /// ```
    /// use zokio_sync::time::Timeout;
    /// # futures_lite::future::block_on(async {
    /// let t = Timeout::new(async { "inner" }, std::future::pending::<()>());
    /// // Take the future back and run it without a deadline.
    /// assert_eq!(t.into_inner().await, "inner");
    /// # });
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }

    /// The deadline future.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_sync::time::Timeout;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let t = Timeout::new(async {}, zokio::time::sleep(Duration::from_secs(5)));
    /// let left = t.deadline().deadline() - zokio::time::Instant::now();
    /// assert!(left <= Duration::from_secs(5));
    /// # });
    /// ```
    pub fn deadline(&self) -> &D {
        &self.deadline
    }

    /// The pinned deadline future, e.g. to reset a timer in place.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::{Instant, sleep};
    /// use zokio_sync::time::Timeout;
    /// # zokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build()
    /// #     .unwrap().block_on(async {
    /// let start = Instant::now();
    /// let never = std::future::pending::<()>();
    /// let mut t = Box::pin(Timeout::new(never, sleep(Duration::from_secs(1))));
    /// // Push the deadline back, in place.
    /// t.as_mut().deadline_pin_mut().reset(start + Duration::from_secs(3));
    /// assert!(t.await.is_err());
    /// assert!(start.elapsed() >= Duration::from_secs(3));
    /// # });
    /// ```
    pub fn deadline_pin_mut(self: Pin<&mut Self>) -> Pin<&mut D> {
        self.project().deadline
    }
}

impl<F: Future, D: Future> Future for Timeout<F, D> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let had_budget = zokio_coop::has_budget_remaining();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        // If the inner future spent the last of the budget, still check the deadline: otherwise a
        // busy future could keep its timeout from ever firing.
        let deadline = if had_budget && !zokio_coop::has_budget_remaining() {
            zokio_coop::with_budget(zokio_coop::Budget::unconstrained(), || {
                this.deadline.poll(cx)
            })
        } else {
            this.deadline.poll(cx)
        };
        match deadline {
            Poll::Ready(_) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A runtime's timer for this crate: a future that completes once `Duration` has passed on the
/// runtime's clock, or `None` when the calling thread is not inside that runtime (the caller then
/// uses the fallback timer).
#[doc(hidden)]
pub type SleepHook = fn(Duration) -> Option<Pin<Box<dyn Future<Output = ()> + Send>>>;

static SLEEP_HOOK: OnceLock<SleepHook> = OnceLock::new();

/// Installs the runtime timer used by this crate's timed operations. Only the first hook installed
/// in a process is kept; returns whether this call installed it. Meant for runtimes, not for
/// applications.
#[doc(hidden)]
pub fn set_sleep_hook(hook: SleepHook) -> bool {
    SLEEP_HOOK.set(hook).is_ok()
}

/// A wait of `duration`, from its first poll, on the runtime's timer when one is installed and
/// current, else on the fallback timer. Nothing is registered until the first poll, so a timed
/// operation that succeeds at once never touches a timer.
pub(crate) struct Sleep {
    duration: Duration,
    state: SleepState,
}

enum SleepState {
    NotStarted,
    Runtime(Pin<Box<dyn Future<Output = ()> + Send>>),
    Fallback(futures_timer::Delay),
    /// The deadline lies past what `Instant` can represent: it never comes.
    Never,
}

impl Sleep {
    pub(crate) fn new(duration: Duration) -> Sleep {
        Sleep {
            duration,
            state: SleepState::NotStarted,
        }
    }

    fn start(duration: Duration) -> SleepState {
        if let Some(sleep) = SLEEP_HOOK.get().and_then(|hook| hook(duration)) {
            return SleepState::Runtime(sleep);
        }
        // `Delay::new` adds to `Instant::now()` without checking for overflow.
        if Instant::now().checked_add(duration).is_none() {
            return SleepState::Never;
        }
        SleepState::Fallback(futures_timer::Delay::new(duration))
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if let SleepState::NotStarted = this.state {
            if this.duration.is_zero() {
                return Poll::Ready(());
            }
            this.state = Sleep::start(this.duration);
        }
        match &mut this.state {
            SleepState::NotStarted => unreachable!("the timer was started above"),
            SleepState::Runtime(sleep) => sleep.as_mut().poll(cx),
            SleepState::Fallback(delay) => Pin::new(delay).poll(cx),
            SleepState::Never => Poll::Pending,
        }
    }
}
