//! A runtime-agnostic timeout: race a future against any deadline future.
//!
//! The runtime supplies the deadline (zokio plugs in its `Sleep`, and `zokio::time::timeout` is
//! built on [`Timeout`]); this crate only decides who wins.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

/// The deadline passed before the future completed.
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
    pub fn new_for_runtime() -> Elapsed {
        Elapsed(())
    }
}

impl<F, D> Timeout<F, D> {
    /// Races `future` against `deadline`.
    pub fn new(future: F, deadline: D) -> Timeout<F, D> {
        Timeout { future, deadline }
    }

    /// The inner future.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The inner future, mutably.
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// Consumes the timeout and returns the inner future.
    pub fn into_inner(self) -> F {
        self.future
    }

    /// The deadline future.
    pub fn deadline(&self) -> &D {
        &self.deadline
    }

    /// The pinned deadline future, e.g. to reset a timer in place.
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
