//! The readiness API's machinery (`ready(interest)`, `poll_read_ready`, `try_io`, `async_io`, and
//! `AsyncFd`'s guards), on top of [`Source`].
//!
//! # Guessed readiness is checked before it is reported
//!
//! Sockets start *optimistic*: both directions are assumed ready, so that the first read or write
//! tries the syscall at once (its `WouldBlock` corrects the guess for free). A pure readiness wait
//! has no syscall of its own to correct it, and Tokio reports only readiness the OS reported, so a
//! fresh, empty socket must not look readable. Before a wait returns a guessed direction it asks
//! the OS once with a zero-timeout `poll(2)`: a confirmed guess becomes ordinary readiness, a wrong
//! one is cleared (under the tick rule, like a `WouldBlock`), and the wait goes on. This costs one
//! `poll(2)` per direction per socket at most, and only for programs that use the readiness API
//! before the first event.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::task::{Context, Poll, ready};

use crate::io::source::{Direction, ReadyEvent, Source, bits};

/// A task's entries in the waiter lists of the directions it waits for, released on drop.
pub(crate) struct InterestWaiter<'a> {
    source: &'a Source,
    keys: [Option<usize>; 2],
}

impl<'a> InterestWaiter<'a> {
    pub(crate) fn new(source: &'a Source) -> InterestWaiter<'a> {
        InterestWaiter {
            source,
            keys: [None, None],
        }
    }

    /// Waits for any readiness bit of `mask`, guesses checked, spending a unit of the budget.
    pub(crate) fn poll_ready(
        &mut self,
        cx: &mut Context<'_>,
        fd: BorrowedFd<'_>,
        mask: usize,
    ) -> Poll<io::Result<ReadyEvent>> {
        poll_budgeted(self.source, cx, fd, mask, Some(&mut self.keys))
    }

    /// Runs `op` once some readiness of `mask` is seen, until it does not return `WouldBlock`
    /// (whose readiness it clears): the loop of every other operation, with this waiter's entries.
    pub(crate) fn poll_io<R>(
        &mut self,
        cx: &mut Context<'_>,
        mask: usize,
        op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let (source, keys) = (self.source, &mut self.keys);
        super::poll_io_loop(
            source,
            cx,
            |cx| source.poll_mask(cx, mask, Some(&mut *keys)),
            op,
            |_| false,
        )
    }
}

impl Drop for InterestWaiter<'_> {
    fn drop(&mut self) {
        for (index, direction) in [Direction::Read, Direction::Write].into_iter().enumerate() {
            if let Some(key) = self.keys[index] {
                self.source.remove_waiter(direction, key);
            }
        }
    }
}

/// [`poll_checked`] spending a unit of the cooperative budget when ready (refunded on an error, as in
/// Tokio). `keys`: the waiter list entries, or `None` for the single slots of the `poll_*` methods.
pub(crate) fn poll_budgeted(
    source: &Source,
    cx: &mut Context<'_>,
    fd: BorrowedFd<'_>,
    mask: usize,
    keys: Option<&mut [Option<usize>; 2]>,
) -> Poll<io::Result<ReadyEvent>> {
    let coop = ready!(zokio_coop::poll_proceed(cx));
    let event = ready!(poll_checked(source, cx, fd, mask, keys))?;
    coop.made_progress();
    Poll::Ready(Ok(event))
}

/// Waits for any readiness bit of `mask`; guessed directions are confirmed with the OS first (see
/// the module docs), so the event returned holds only readiness the OS reported.
fn poll_checked(
    source: &Source,
    cx: &mut Context<'_>,
    fd: BorrowedFd<'_>,
    mask: usize,
    mut keys: Option<&mut [Option<usize>; 2]>,
) -> Poll<io::Result<ReadyEvent>> {
    loop {
        let event = ready!(source.poll_mask(cx, mask, keys.as_deref_mut()))?;
        if event.guessed == 0 {
            return Poll::Ready(Ok(event));
        }
        let confirmed = probe(fd, event.guessed);
        source.settle_guesses(event, confirmed);
        if confirmed == event.guessed {
            return Poll::Ready(Ok(event.confirmed()));
        }
        // A guess was wrong and is cleared (or an event came meanwhile): look again, which either
        // finds other readiness or stores the waker.
    }
}

/// Which of the directions in `guessed` (`READABLE`/`WRITABLE` bits) the descriptor is ready for
/// now, by a zero-timeout `poll(2)`. If the call fails, every guess stands: the operation that
/// follows will tell.
fn probe(fd: BorrowedFd<'_>, guessed: usize) -> usize {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const READ_EVENTS: libc::c_short = libc::POLLIN | libc::POLLPRI | libc::POLLRDHUP;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    const READ_EVENTS: libc::c_short = libc::POLLIN | libc::POLLPRI;
    let mut events = 0;
    if guessed & bits::READABLE != 0 {
        events |= READ_EVENTS;
    }
    if guessed & bits::WRITABLE != 0 {
        events |= libc::POLLOUT;
    }
    let mut pollfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events,
        revents: 0,
    };
    // SAFETY: `pollfd` is one valid, initialised entry, and `fd` is open for the borrow's lifetime;
    // a zero timeout never blocks.
    let rc = unsafe { libc::poll(&mut pollfd, 1, 0) };
    if rc < 0 {
        return guessed;
    }
    let revents = pollfd.revents;
    let failed = revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0;
    let mut confirmed = 0;
    if failed || revents & READ_EVENTS != 0 {
        confirmed |= bits::READABLE;
    }
    if failed || revents & libc::POLLOUT != 0 {
        confirmed |= bits::WRITABLE;
    }
    confirmed & guessed
}

/// Tokio's `try_io`: runs `op` once if any readiness of `mask` is set (guesses checked first, as
/// `op` may be any code), else fails with `WouldBlock`; a `WouldBlock` from `op` clears the
/// readiness it ran on.
pub(crate) fn try_io_mask<R>(
    source: &Source,
    fd: BorrowedFd<'_>,
    mask: usize,
    op: impl FnOnce() -> io::Result<R>,
) -> io::Result<R> {
    let event = loop {
        let Some(event) = source.snapshot_mask(mask)? else {
            return Err(io::ErrorKind::WouldBlock.into());
        };
        if event.guessed == 0 {
            break event;
        }
        let confirmed = probe(fd, event.guessed);
        source.settle_guesses(event, confirmed);
        if confirmed == event.guessed {
            break event.confirmed();
        }
    };
    let result = op();
    if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
        source.clear_readiness(event);
    }
    result
}
