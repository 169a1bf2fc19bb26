//! Asynchronous signal handling: [`ctrl_c`] and [`unix::signal`].
//!
//! Signals are delivered through the reactor: a process-wide handler (installed with
//! `signal-hook-registry`, so it coexists with other libraries' handlers) writes to a socket that each
//! listener watches with its reactor. Every listener of a signal sees every delivery, subject to
//! **coalescing**: deliveries that arrive before a listener calls `recv` again may count as one (never
//! as none), as the operating system itself merges repeated standard signals. How many `recv`s a burst
//! produces is therefore between one and the number of deliveries.
//!
//! Installing a handler is permanent for the process: after the first listener of `SIGINT` is
//! created, Ctrl-C no longer terminates the process by default, even once every listener is gone.

mod registry;
pub mod unix;

use std::io;

/// Completes when the process receives `SIGINT` (Ctrl-C) after this call.
///
/// # Errors
///
/// Fails outside a reactor context with I/O enabled, or if the handler cannot be installed.
///
/// ```no_run
/// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
/// # reactor.block_on(async {
/// zokio_reactor::signal::ctrl_c().await.unwrap();
/// println!("ctrl-c received, shutting down");
/// # });
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut signal = unix::signal(unix::SignalKind::interrupt())?;
    match signal.recv().await {
        Some(()) => Ok(()),
        None => Err(io::Error::other(
            "the reactor shut down while waiting for ctrl-c",
        )),
    }
}
