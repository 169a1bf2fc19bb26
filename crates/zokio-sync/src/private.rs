//! Support items for the macros. Not public API: only the macros may use them.

pub use std::future::{Future, poll_fn};
pub use std::pin::{Pin, pin};
pub use std::task::Poll;

use std::task::Context;

/// A random branch to start polling from, so that `select!` does not favour its first branch.
pub fn random_start(branches: u32) -> u32 {
    if branches <= 1 {
        0
    } else {
        fastrand::u32(..branches)
    }
}

/// A future and, once it completed, its output: the slots of `join!` and `try_join!`.
#[derive(Debug)]
pub enum MaybeDone<F: Future> {
    /// Still running.
    Future(F),
    /// Completed; the output waits to be taken.
    Done(F::Output),
    /// The output was taken (or the future failed in `try_join!`).
    Gone,
}

impl<F: Future + Unpin> MaybeDone<F> {
    /// Wraps a running future.
    pub fn new(future: F) -> MaybeDone<F> {
        MaybeDone::Future(future)
    }

    /// Polls the future if still running; returns whether the output is ready.
    pub fn poll_done(&mut self, cx: &mut Context<'_>) -> bool {
        match self {
            MaybeDone::Future(future) => match Pin::new(future).poll(cx) {
                Poll::Ready(output) => {
                    *self = MaybeDone::Done(output);
                    true
                }
                Poll::Pending => false,
            },
            MaybeDone::Done(_) | MaybeDone::Gone => true,
        }
    }

    /// Takes the output.
    ///
    /// # Panics
    ///
    /// If the future has not completed or the output was already taken.
    pub fn take_output(&mut self) -> F::Output {
        match std::mem::replace(self, MaybeDone::Gone) {
            MaybeDone::Done(output) => output,
            _ => panic!("join! output taken before completion"),
        }
    }
}

impl<T, E, F: Future<Output = Result<T, E>> + Unpin> MaybeDone<F> {
    /// Polls a fallible future: `Ok(done)`, or its error (taken out) as soon as it fails.
    pub fn poll_try(&mut self, cx: &mut Context<'_>) -> Result<bool, E> {
        if !self.poll_done(cx) {
            return Ok(false);
        }
        match self {
            MaybeDone::Done(Err(_)) => match std::mem::replace(self, MaybeDone::Gone) {
                MaybeDone::Done(Err(error)) => Err(error),
                _ => unreachable!(),
            },
            _ => Ok(true),
        }
    }

    /// Takes the success value of a completed fallible future.
    ///
    /// # Panics
    ///
    /// If the future has not completed successfully.
    pub fn take_ok(&mut self) -> T {
        match self.take_output() {
            Ok(value) => value,
            Err(_) => panic!("try_join! success value of a failed future"),
        }
    }
}
