//! hyper's runtime hooks on zokio: [`ZokioExecutor`] and [`ZokioTimer`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant as StdInstant};

use pin_project_lite::pin_project;
use zokio::runtime::Handle;
use zokio::time::Instant;

/// A [`hyper::rt::Executor`] that spawns hyper's background tasks (HTTP/2 connection and stream
/// tasks, the pooled client's connection tasks) as zokio tasks.
///
/// [`ZokioExecutor::new`] spawns on the runtime the caller is in when hyper calls it (as
/// `zokio::spawn` does); [`ZokioExecutor::with_handle`] spawns on a given runtime from anywhere.
///
/// ```
/// use hyper::rt::Executor;
/// use zokio_hyper::ZokioExecutor;
///
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = zokio::sync::oneshot::channel();
/// ZokioExecutor::new().execute(async move { tx.send(42).unwrap() });
/// assert_eq!(rx.await.unwrap(), 42);
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct ZokioExecutor {
    handle: Option<Handle>,
}

impl ZokioExecutor {
    /// An executor that spawns on the current zokio runtime (it panics, as `zokio::spawn` does,
    /// when hyper calls it outside of one).
    pub fn new() -> Self {
        ZokioExecutor { handle: None }
    }

    /// An executor that spawns on `handle`'s runtime, wherever it is called from.
    pub fn with_handle(handle: Handle) -> Self {
        ZokioExecutor {
            handle: Some(handle),
        }
    }
}

impl<F> hyper::rt::Executor<F> for ZokioExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        // The join handle detaches on drop: the task runs on.
        match &self.handle {
            Some(handle) => drop(handle.spawn(future)),
            None => drop(zokio::spawn(future)),
        }
    }
}

/// A [`hyper::rt::Timer`] on [`zokio::time`]: hyper's timeouts (`header_read_timeout`, HTTP/2
/// keep-alive pings, the pooled client's idle timeout) run on the zokio runtime's timer wheel.
///
/// It follows zokio's clock, so hyper's timeouts honour paused time
/// (`zokio::time::pause`, `#[zokio::test(start_paused = true)]`, with zokio's `test-util`
/// feature) and `zokio::time::advance`: [`Timer::now`](hyper::rt::Timer::now) is
/// [`zokio::time::Instant::now`], and [`reset`](hyper::rt::Timer::reset) moves the existing
/// sleep instead of allocating a new one.
///
/// Like `zokio::time::sleep`, its sleeps must be created and polled inside a zokio runtime with
/// the time driver enabled.
///
/// ```
/// use hyper::rt::Timer;
/// use std::time::Duration;
/// use zokio_hyper::ZokioTimer;
///
/// # zokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap().block_on(async {
/// let start = zokio::time::Instant::now();
/// ZokioTimer::new().sleep(Duration::from_secs(3600)).await; // paused: no real hour passes
/// assert!(start.elapsed() >= Duration::from_secs(3600));
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ZokioTimer {
    _private: (),
}

impl ZokioTimer {
    /// The timer.
    pub fn new() -> Self {
        ZokioTimer { _private: () }
    }
}

pin_project! {
    /// A [`hyper::rt::Sleep`] on [`zokio::time::Sleep`], made by [`ZokioTimer`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct ZokioSleep {
        #[pin]
        inner: zokio::time::Sleep,
    }
}

impl ZokioSleep {
    /// The instant at which the sleep completes, on zokio's clock.
    pub fn deadline(&self) -> Instant {
        self.inner.deadline()
    }

    /// Moves the sleep to `deadline`, whether or not it had completed.
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        self.project().inner.reset(deadline);
    }
}

impl Future for ZokioSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll(cx)
    }
}

impl hyper::rt::Sleep for ZokioSleep {}

impl hyper::rt::Timer for ZokioTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(ZokioSleep {
            inner: zokio::time::sleep(duration),
        })
    }

    fn sleep_until(&self, deadline: StdInstant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(ZokioSleep {
            inner: zokio::time::sleep_until(Instant::from_std(deadline)),
        })
    }

    fn now(&self) -> StdInstant {
        Instant::now().into_std()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: StdInstant) {
        match sleep.as_mut().downcast_mut_pin::<ZokioSleep>() {
            Some(ours) => ours.reset(Instant::from_std(new_deadline)),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}
