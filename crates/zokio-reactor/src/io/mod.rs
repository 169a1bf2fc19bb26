//! Readiness-based I/O on the reactor: [`Async`] wraps any descriptor.

mod async_fd;
mod interest;
pub(crate) mod readiness;
pub(crate) mod recv_buf;
pub(crate) mod source;
mod stream_traits;
pub mod unix;

pub use async_fd::Async;
pub use interest::{Interest, Ready};
pub(crate) use stream_traits::{impl_stream_read, impl_stream_write, poll_read_slice, recv_into};

use std::io;
use std::task::{Context, Poll, ready};

use source::{Direction, ReadyEvent, Source};

/// A task's place in a direction's waiter list, released on drop (also when the operation's future is
/// dropped mid-wait).
pub(crate) struct Waiter<'a> {
    source: &'a Source,
    direction: Direction,
    key: Option<usize>,
}

impl<'a> Waiter<'a> {
    pub(crate) fn new(source: &'a Source, direction: Direction) -> Waiter<'a> {
        Waiter {
            source,
            direction,
            key: None,
        }
    }

    /// Runs `op` once the direction is ready, retrying after every `WouldBlock`.
    pub(crate) fn poll_io<R>(
        &mut self,
        cx: &mut Context<'_>,
        op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let (source, direction, key) = (self.source, self.direction, &mut self.key);
        poll_io_loop(
            source,
            cx,
            |cx| source.poll_ready_shared(cx, direction, key),
            op,
            |_| false,
        )
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.source.remove_waiter(self.direction, key);
        }
    }
}

/// Runs `op` once `direction` is ready, with the single-slot waker of the `poll_*` methods.
pub(crate) fn poll_io<R>(
    source: &Source,
    cx: &mut Context<'_>,
    direction: Direction,
    op: impl FnMut() -> io::Result<R>,
) -> Poll<io::Result<R>> {
    poll_io_inner(source, cx, direction, op, |_| false)
}

/// [`poll_io`] for a transfer of `len` bytes on a *stream socket*: a transfer shorter than asked (but
/// not zero) means the socket's buffer is drained (a read) or full (a write), so the direction's
/// readiness is cleared at once, saving the syscall that would return `WouldBlock` next time (one
/// `recv` in three on a request/response connection). The kernel reports new data or buffer space
/// as a new edge, and one that arrives meanwhile has bumped the tick, so the clear then does
/// nothing.
///
/// For reads this relies on the sticky "read closed" readiness (`READ_CLOSED`, from `EPOLLRDHUP`):
/// a peer's FIN queued behind the data leaves it set through the clear, and a read proceeds on it
/// (and sees the EOF). Where the poller cannot report it, reads take no shortcut: see
/// [`SHORT_READ_DRAINS`].
pub(crate) fn poll_io_stream(
    source: &Source,
    cx: &mut Context<'_>,
    direction: Direction,
    len: usize,
    op: impl FnMut() -> io::Result<usize>,
) -> Poll<io::Result<usize>> {
    poll_io_inner(
        source,
        cx,
        direction,
        op,
        |result| matches!(result, Ok(n) if *n > 0 && *n < len),
    )
}

/// Whether a short read on a stream socket may clear read readiness: only where the poller reports
/// the peer's FIN as a sticky `READ_CLOSED` (epoll's `EPOLLRDHUP`).
pub(crate) const SHORT_READ_DRAINS: bool = cfg!(any(target_os = "linux", target_os = "android"));

fn poll_io_inner<R>(
    source: &Source,
    cx: &mut Context<'_>,
    direction: Direction,
    op: impl FnMut() -> io::Result<R>,
    drained: impl Fn(&io::Result<R>) -> bool,
) -> Poll<io::Result<R>> {
    poll_io_loop(
        source,
        cx,
        |cx| source.poll_ready(cx, direction),
        op,
        drained,
    )
}

/// The loop behind every readiness-driven operation: wait with `poll_ready` (the single waker slot or
/// a waiter list entry), run `op`, clear the readiness it saw on `WouldBlock` (or when `drained` says
/// the result proves it gone) and go round again.
fn poll_io_loop<R>(
    source: &Source,
    cx: &mut Context<'_>,
    mut poll_ready: impl FnMut(&mut Context<'_>) -> Poll<io::Result<ReadyEvent>>,
    mut op: impl FnMut() -> io::Result<R>,
    drained: impl Fn(&io::Result<R>) -> bool,
) -> Poll<io::Result<R>> {
    let coop = ready!(zokio_coop::poll_proceed(cx));
    loop {
        let event = ready!(poll_ready(cx))?;
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => source.clear_readiness(event),
            result => {
                if drained(&result) {
                    source.clear_readiness(event);
                }
                coop.made_progress();
                return Poll::Ready(result);
            }
        }
    }
}

/// Runs `op` once now if `direction` looks ready; `WouldBlock` (also when not ready) clears it.
pub(crate) fn try_io<R>(
    source: &Source,
    direction: Direction,
    op: impl FnOnce() -> io::Result<R>,
) -> io::Result<R> {
    let event = source.snapshot(direction)?;
    let Some(event) = event else {
        return Err(io::ErrorKind::WouldBlock.into());
    };
    let result = op();
    if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
        source.clear_readiness(event);
    }
    result
}
