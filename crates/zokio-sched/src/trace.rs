//! The `tracing` events of the schedulers (feature `tracing`; see the crate docs, "Tracing").
//!
//! Each is a plain function, called where the event happens, outside every lock of the scheduler
//! (a subscriber may run arbitrary code). The task spans themselves are `zokio-task`'s.

/// A scheduler has started: its workers run (or, for the current-thread one, it is ready).
pub(crate) fn runtime_started(flavor: &'static str, workers: usize, name: Option<&str>) {
    tracing::debug!(
        target: "zokio::runtime",
        flavor,
        workers,
        name,
        "runtime started"
    );
}

/// A scheduler has shut down: its tasks are cancelled, and its threads have exited unless
/// `timed_out`.
pub(crate) fn runtime_shutdown(
    flavor: &'static str,
    workers: usize,
    name: Option<&str>,
    timed_out: bool,
) {
    tracing::debug!(
        target: "zokio::runtime",
        flavor,
        workers,
        name,
        timed_out,
        "runtime shut down"
    );
}
