//! The runtime abstraction the workloads are written against, and its implementations.
//!
//! Every workload is written once, generic over [`Rt`], so zokio, tokio and smol execute exactly
//! the same code and differ only in what the trait methods call. Spawning is a static method (like
//! `tokio::spawn`): tasks spawn children without carrying a runtime handle, which each runtime
//! resolves from its own thread-local context.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

mod smol_rt;
mod tokio_rt;
mod zokio_rt;

pub use smol_rt::{SmolCt, SmolMt};
pub use tokio_rt::{TokioCt, TokioMt};
pub use zokio_rt::{ZokioCt, ZokioMt};

/// A configured async runtime, as the benches drive it.
pub trait Rt: Sized + 'static {
    /// Runtime name, used as the criterion function id (`zokio`, `tokio` or `smol`).
    const NAME: &'static str;

    /// Awaits a spawned task's output (a panic in the task is re-raised by the awaiting task).
    type JoinHandle<T: Send + 'static>: Future<Output = T> + Send + 'static;
    /// Sending half of a one-shot channel.
    type OneshotTx<T: Send + 'static>: Send + 'static;
    /// Receiving half of a one-shot channel.
    type OneshotRx<T: Send + 'static>: Send + 'static;

    /// Builds the runtime in its normal configuration for this flavour.
    fn build() -> Self;

    /// Runs `f` to completion on the calling thread, inside the runtime's context.
    fn block_on<F: Future>(&self, f: F) -> F::Output;

    /// Spawns from outside the runtime (the calling thread is not one of its workers).
    fn spawn_outside<F>(&self, f: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns from inside the runtime (a task or a `block_on` future).
    fn spawn<F>(f: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns a task nobody awaits (it keeps running after its handle is gone).
    fn spawn_detached<F>(f: F)
    where
        F: Future<Output = ()> + Send + 'static;

    /// Runs a blocking closure on the runtime's blocking pool.
    fn spawn_blocking<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;

    /// Yields to the scheduler once.
    fn yield_now() -> impl Future<Output = ()> + Send;

    /// Creates a one-shot channel.
    fn oneshot<T: Send + 'static>() -> (Self::OneshotTx<T>, Self::OneshotRx<T>);

    /// Sends the value (the receiver is still alive in every workload).
    fn send<T: Send + 'static>(tx: Self::OneshotTx<T>, value: T);

    /// Receives the value.
    fn recv<T: Send + 'static>(rx: Self::OneshotRx<T>) -> impl Future<Output = T> + Send;
}

/// TCP on top of [`Rt`], for the network workloads.
pub trait NetRt: Rt {
    /// A bound TCP listener.
    type Listener: Send + Sync + 'static;
    /// A connected TCP stream.
    type Stream: Send + 'static;

    /// Binds a listener.
    fn bind(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Listener>> + Send;

    /// The address the listener is bound to.
    fn local_addr(listener: &Self::Listener) -> io::Result<SocketAddr>;

    /// Accepts one connection, with `TCP_NODELAY` set.
    fn accept(
        listener: &Self::Listener,
    ) -> impl Future<Output = io::Result<Self::Stream>> + Send + '_;

    /// Connects to `addr`, with `TCP_NODELAY` set.
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>> + Send;

    /// Reads exactly `buf.len()` bytes.
    fn read_exact<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;

    /// Writes all of `buf`.
    fn write_all<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;
}

/// Files and timers on top of [`NetRt`], for the headline file I/O and mixed workloads.
///
/// The names carry a `file_`/`_for` prefix or suffix so that they never clash with the helper
/// traits of individual bench targets, which may add their own `read_exact` or `sleep`.
pub trait HeadlineRt: NetRt {
    /// An open async file.
    type File: Send + 'static;

    /// Opens an existing file for reading and writing.
    fn open_rw_file(path: PathBuf) -> impl Future<Output = io::Result<Self::File>> + Send;

    /// Moves the file position back to the start.
    fn file_rewind(file: &mut Self::File) -> impl Future<Output = io::Result<()>> + Send + '_;

    /// Reads exactly `buf.len()` bytes at the current position.
    fn file_read_exact<'a>(
        file: &'a mut Self::File,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;

    /// Writes all of `buf` at the current position.
    fn file_write_all<'a>(
        file: &'a mut Self::File,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;

    /// Waits until every buffered write has reached the OS.
    fn file_flush(file: &mut Self::File) -> impl Future<Output = io::Result<()>> + Send + '_;

    /// Sleeps on the runtime's timer.
    fn sleep_for(duration: Duration) -> impl Future<Output = ()> + Send;
}

/// Worker threads of every multi-thread runtime: one per logical CPU, as each runtime documents
/// for its default multi-thread set-up, unless `ZOKIO_BENCH_WORKERS` names a count (how the
/// scaling runs measure 2, 4, 8 and 16 workers with one binary).
pub fn worker_threads() -> usize {
    workers_from(std::env::var("ZOKIO_BENCH_WORKERS").ok().as_deref())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Parses a `ZOKIO_BENCH_WORKERS` value; a missing, unparsable or zero count means "the default".
fn workers_from(value: Option<&str>) -> Option<usize> {
    value?.trim().parse().ok().filter(|&n: &usize| n > 0)
}

#[cfg(test)]
mod tests {
    use super::workers_from;

    #[test]
    fn worker_override_parses_positive_counts_only() {
        assert_eq!(workers_from(Some("16")), Some(16));
        assert_eq!(workers_from(Some(" 4 ")), Some(4));
        assert_eq!(workers_from(Some("0")), None);
        assert_eq!(workers_from(Some("many")), None);
        assert_eq!(workers_from(None), None);
    }
}
