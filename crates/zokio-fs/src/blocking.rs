//! Running file system calls on the blocking pool.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use zokio_task::{JoinError, JoinHandle};

/// Starts `f` on the current runtime's blocking pool.
///
/// # Panics
///
/// Outside a zokio runtime, like every function of this crate.
#[track_caller]
pub(crate) fn spawn<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    zokio_sched::blocking::spawn_blocking(f)
}

/// Runs `f` on the blocking pool and returns its result; one trip.
#[track_caller]
pub(crate) fn asyncify<F, R>(f: F) -> impl Future<Output = io::Result<R>>
where
    F: FnOnce() -> io::Result<R> + Send + 'static,
    R: Send + 'static,
{
    // Spawn now (not at the first poll) so the panic for a missing runtime points at the caller.
    let handle = spawn(f);
    async move { join_error_to_io(handle.await)? }
}

/// A panicking closure is re-raised (our closures only call `std::fs`, which does not panic), and a
/// task cancelled by a shutting-down runtime becomes an I/O error.
pub(crate) fn join_error_to_io<R>(result: Result<R, zokio_task::JoinError>) -> io::Result<R> {
    match result {
        Ok(value) => Ok(value),
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => Err(io::Error::other(error)),
    }
}

/// Polls a trip's handle for an operation that has already spent its unit of the cooperative
/// budget, so that the handle's own poll does not spend a second one: one ready operation costs
/// one unit, as in Tokio (where the handle's poll is the only one).
pub(crate) fn poll_trip<R>(
    handle: &mut JoinHandle<R>,
    cx: &mut Context<'_>,
) -> Poll<Result<R, JoinError>> {
    zokio_coop::with_budget(zokio_coop::Budget::unconstrained(), || {
        Pin::new(handle).poll(cx)
    })
}
