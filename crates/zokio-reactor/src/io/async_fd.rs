//! [`Async`]: any descriptor, registered with the reactor.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::handle::Handle;
use crate::io::Interest;
use crate::io::readiness::{InterestWaiter, poll_budgeted, try_io_mask};
use crate::io::source::{Direction, ReadyEvent, Source};
use crate::io::{Waiter, poll_io, poll_io_stream, try_io};

/// A descriptor registered with the current reactor, in non-blocking mode.
///
/// Wrap any [`AsFd`] type (a pipe, an eventfd, a serial port, a netlink socket) and drive it with
/// [`read_with`](Async::read_with) and [`write_with`](Async::write_with): the closure runs the
/// non-blocking syscall, and a `WouldBlock` makes the call wait for the next readiness event. The
/// futures-io traits are implemented when `T` implements `Read`/`Write` (pipes, sockets, ttys).
/// Their `read`/`write` must not replace or close the descriptor.
///
/// Dropping an `Async` removes the descriptor from the poller *before* the inner value (and so the
/// descriptor) is dropped.
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use zokio_reactor::{Async, Reactor, ReactorConfig};
///
/// let mut reactor = Reactor::new(ReactorConfig::default()).unwrap();
/// reactor.block_on(async {
///     let (a, b) = UnixStream::pair().unwrap();
///     let (a, b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
///     a.write_with(|s| (&*s).write(b"hi")).await.unwrap();
///     let mut buf = [0u8; 2];
///     let n = b.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
///     assert_eq!(&buf[..n], b"hi");
/// });
/// ```
pub struct Async<T: AsFd> {
    source: Arc<Source>,
    handle: Handle,
    /// `None` only after `into_inner` took it.
    io: Option<T>,
}

impl<T: AsFd + fmt::Debug> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Async").field("io", &self.io).finish()
    }
}

fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    // SAFETY: `fcntl(F_GETFL)` only reads the flags of `raw`, which is a valid descriptor for the
    // lifetime of the borrow `fd`.
    let flags = unsafe { libc::fcntl(raw, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    if flags & libc::O_NONBLOCK == 0 {
        // SAFETY: as above; `F_SETFL` with the old flags plus O_NONBLOCK changes no ownership.
        if unsafe { libc::fcntl(raw, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

impl<T: AsFd> Async<T> {
    /// Puts `io` in non-blocking mode and registers it with the current reactor.
    ///
    /// # Errors
    ///
    /// Fails outside a reactor context, on a reactor without I/O, or if the poller rejects the
    /// descriptor (e.g. a regular file on Linux, which epoll does not support: `EPERM`).
    pub fn new(io: T) -> io::Result<Async<T>> {
        set_nonblocking(io.as_fd())?;
        Async::new_nonblocking(io, true)
    }

    /// Registers a descriptor that is already non-blocking. `optimistic` says whether the first
    /// operation may try the syscall before any event (false for a connect in progress).
    pub(crate) fn new_nonblocking(io: T, optimistic: bool) -> io::Result<Async<T>> {
        let handle = Handle::current_io()?;
        let source = handle.inner.register(io.as_fd(), optimistic)?;
        Ok(Async {
            source,
            handle,
            io: Some(io),
        })
    }

    /// The inner value.
    pub fn get_ref(&self) -> &T {
        self.io
            .as_ref()
            .expect("Async's inner value is present until into_inner")
    }

    /// The inner value, mutably.
    ///
    /// # Safety
    ///
    /// The caller must not replace or close the descriptor through this reference (for example with
    /// `std::mem::swap`): the reactor keeps it registered and deletes it from the poller on drop.
    pub unsafe fn get_mut(&mut self) -> &mut T {
        self.io
            .as_mut()
            .expect("Async's inner value is present until into_inner")
    }

    /// Deregisters the descriptor and returns the inner value (still in non-blocking mode).
    pub fn into_inner(mut self) -> io::Result<T> {
        let io = self
            .io
            .take()
            .expect("Async's inner value is present until into_inner");
        self.handle.inner.deregister(&self.source, io.as_fd());
        Ok(io)
    }

    /// Waits until the reactor considers the descriptor readable (or its read direction closed).
    ///
    /// Readiness is remembered until an operation through this `Async` ([`read_with`](Self::read_with),
    /// [`try_read_with`](Self::try_read_with), ...) returns `WouldBlock`; so after this returns, do
    /// the read through one of those, not directly on the descriptor, or it may return at once again.
    /// Only readiness the OS reported counts: a new `Async` is not readable until data arrives.
    pub async fn readable(&self) -> io::Result<()> {
        self.ready_event(Interest::READABLE.mask()).await.map(drop)
    }

    /// Waits until the reactor considers the descriptor writable; see [`readable`](Self::readable).
    pub async fn writable(&self) -> io::Result<()> {
        self.ready_event(Interest::WRITABLE.mask()).await.map(drop)
    }

    /// Poll version of [`readable`](Self::readable) with a single waker slot (one task at a time).
    ///
    /// Spends a unit of the task's cooperative budget when ready, like every operation here.
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready_event(cx, Interest::READABLE.mask())
            .map_ok(drop)
    }

    /// Poll version of [`writable`](Self::writable) with a single waker slot (one task at a time).
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready_event(cx, Interest::WRITABLE.mask())
            .map_ok(drop)
    }

    /// Waits for any readiness in `mask` (readiness bits, see `Interest::mask`); any number of
    /// tasks may wait at once. Spends a budget unit.
    pub(crate) async fn ready_event(&self, mask: usize) -> io::Result<ReadyEvent> {
        let fd = self.as_fd();
        let mut waiter = InterestWaiter::new(&self.source);
        poll_fn(|cx| waiter.poll_ready(cx, fd, mask)).await
    }

    /// Poll version of [`ready_event`](Self::ready_event) with the single waker slots.
    pub(crate) fn poll_ready_event(
        &self,
        cx: &mut Context<'_>,
        mask: usize,
    ) -> Poll<io::Result<ReadyEvent>> {
        poll_budgeted(&self.source, cx, self.as_fd(), mask, None)
    }

    /// Clears the readiness in `event` unless an event arrived since (the closed states stay).
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.source.clear_readiness(event);
    }

    /// Tokio's `try_io`: runs `op` once if any readiness of `mask` is set, else `WouldBlock`; a
    /// `WouldBlock` from `op` clears that readiness.
    pub(crate) fn try_io_mask<R>(
        &self,
        mask: usize,
        op: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        try_io_mask(&self.source, self.as_fd(), mask, || op(self.get_ref()))
    }

    /// Tokio's `async_io`: runs `op` whenever readiness of `mask` is seen, until it does not return
    /// `WouldBlock`. Any number of tasks may wait at once.
    pub(crate) async fn async_io_mask<R>(
        &self,
        mask: usize,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let io = self.get_ref();
        let mut waiter = InterestWaiter::new(&self.source);
        poll_fn(|cx| waiter.poll_io(cx, mask, || op(io))).await
    }

    /// [`poll_readable`](Self::poll_readable) without spending the budget, for an operation of
    /// this crate that has spent it already.
    pub(crate) fn poll_readable_unbudgeted(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.source.poll_ready(cx, Direction::Read).map_ok(drop)
    }

    /// Runs the non-blocking read `op` until it does not return `WouldBlock`, waiting for read
    /// readiness in between. Any number of tasks may wait at once.
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        let io = self.get_ref();
        let mut waiter = Waiter::new(&self.source, Direction::Read);
        poll_fn(|cx| waiter.poll_io(cx, || op(io))).await
    }

    /// Runs the non-blocking write `op` until it does not return `WouldBlock`, waiting for write
    /// readiness in between. Any number of tasks may wait at once.
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        let io = self.get_ref();
        let mut waiter = Waiter::new(&self.source, Direction::Write);
        poll_fn(|cx| waiter.poll_io(cx, || op(io))).await
    }

    /// Poll version of [`read_with`](Self::read_with) with a single waker slot: for one reading task
    /// at a time, as in an `AsyncRead` implementation.
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        poll_io(&self.source, cx, Direction::Read, || op(io))
    }

    /// Poll version of [`write_with`](Self::write_with) with a single waker slot.
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        poll_io(&self.source, cx, Direction::Write, || op(io))
    }

    /// [`poll_read_with`](Self::poll_read_with) for a stream socket reading into `len` bytes: a
    /// short read clears read readiness where that is safe (see `io::poll_io_stream`).
    pub(crate) fn poll_read_stream(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        mut op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let io = self.get_ref();
        if crate::io::SHORT_READ_DRAINS {
            poll_io_stream(&self.source, cx, Direction::Read, len, || op(io))
        } else {
            poll_io(&self.source, cx, Direction::Read, || op(io))
        }
    }

    /// [`poll_write_with`](Self::poll_write_with) for a stream socket writing `len` bytes.
    pub(crate) fn poll_write_stream(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        mut op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let io = self.get_ref();
        poll_io_stream(&self.source, cx, Direction::Write, len, || op(io))
    }

    /// Runs `op` once if the descriptor looks readable, else fails with `WouldBlock`. A `WouldBlock`
    /// from `op` clears the remembered readiness.
    pub fn try_read_with<R>(&self, op: impl FnOnce(&T) -> io::Result<R>) -> io::Result<R> {
        try_io(&self.source, Direction::Read, || op(self.get_ref()))
    }

    /// Runs `op` once if the descriptor looks writable, else fails with `WouldBlock`.
    pub fn try_write_with<R>(&self, op: impl FnOnce(&T) -> io::Result<R>) -> io::Result<R> {
        try_io(&self.source, Direction::Write, || op(self.get_ref()))
    }
}

impl<T: AsFd> Async<T> {
    /// The source and the inner value, borrowed apart: for the futures-io impls, whose `read`/`write`
    /// take `&mut T` (they must not replace or close the descriptor; see the type's docs).
    fn source_and_io(&mut self) -> (&Source, &mut T) {
        let io = self
            .io
            .as_mut()
            .expect("Async's inner value is present until into_inner");
        (&self.source, io)
    }
}

impl<T: AsFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_fd().as_raw_fd()
    }
}

impl<T: AsFd> AsFd for Async<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsFd> Drop for Async<T> {
    fn drop(&mut self) {
        if let Some(io) = &self.io {
            // Delete from the poller while the descriptor is still open; `io` closes it afterwards.
            self.handle.inner.deregister(&self.source, io.as_fd());
        }
    }
}

impl<T: AsFd + Read + Unpin> futures_io::AsyncRead for Async<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let (source, io) = self.get_mut().source_and_io();
        poll_io(source, cx, Direction::Read, || io.read(buf))
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        let (source, io) = self.get_mut().source_and_io();
        poll_io(source, cx, Direction::Read, || io.read_vectored(bufs))
    }
}

impl<T: AsFd + Write + Unpin> futures_io::AsyncWrite for Async<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let (source, io) = self.get_mut().source_and_io();
        poll_io(source, cx, Direction::Write, || io.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let (source, io) = self.get_mut().source_and_io();
        poll_io(source, cx, Direction::Write, || io.write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let (source, io) = self.get_mut().source_and_io();
        // Tried before any readiness check: pipes and sockets have nothing to flush, and a send
        // buffer that filled up earlier (write readiness cleared) must not make `flush` or `close`
        // wait for the peer to read. Only a `WouldBlock` from the flush itself waits.
        match io.flush() {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                poll_io(source, cx, Direction::Write, || io.flush())
            }
            result => Poll::Ready(result),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}
