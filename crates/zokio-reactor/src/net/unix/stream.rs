//! [`UnixStream`].

use std::fmt;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::task::{Context, Poll};

use socket2::{Domain, SockAddr, Socket, Type};
use tokio::io::ReadBuf;

use crate::io::{Async, impl_stream_read, impl_stream_write, recv_into};
use crate::net::unix::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::net::{finish_connect, shutdown_write};

/// A Unix-domain stream connection. Implements Tokio's `AsyncRead`/`AsyncWrite` and the
/// futures-io ones (both run the same code); `shutdown()` (Tokio) or `close()` (futures-io) shuts
/// the write direction down.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio_reactor::net::UnixStream;
/// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
/// # reactor.block_on(async {
/// let (mut a, mut b) = UnixStream::pair()?;
/// a.write_all(b"hi").await?;
/// a.shutdown().await?;
/// let mut got = String::new();
/// b.read_to_string(&mut got).await?;
/// assert_eq!(got, "hi");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct UnixStream {
    pub(crate) io: Async<std::os::unix::net::UnixStream>,
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl UnixStream {
    /// Connects to the socket at `path`; on Linux and Android a path whose first byte is NUL
    /// (`"\0name"`) names the abstract socket `name`.
    ///
    /// # Errors
    ///
    /// `NotFound` without a socket file, `ConnectionRefused` without a listener, and other OS errors.
    pub async fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        let connected = match socket.connect(&SockAddr::unix(path)?) {
            // The usual case for Unix sockets: the connection is made at once.
            Ok(()) => true,
            Err(error) if error.raw_os_error() == Some(libc::EINPROGRESS) => false,
            Err(error) => return Err(error),
        };
        let io = Async::new_nonblocking(std::os::unix::net::UnixStream::from(socket), connected)?;
        if !connected {
            finish_connect(&io).await?;
        }
        Ok(UnixStream { io })
    }

    /// A connected pair of streams.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Registers a standard stream with the current reactor (switching it to non-blocking mode).
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: Async::new(stream)?,
        })
    }

    /// Deregisters the stream and returns it as a standard one, still in non-blocking mode.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        self.io.into_inner()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Waits until the stream may be readable; see [`Async::readable`].
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until the stream may be writable; see [`Async::writable`].
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// Reads without waiting; `WouldBlock` when no data is available.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_read_with(|mut stream| stream.read(buf))
    }

    /// Writes without waiting; `WouldBlock` when the buffer is full.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write_with(|mut stream| stream.write(buf))
    }

    /// Splits into halves that borrow the stream.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf(&*self), WriteHalf(&*self))
    }

    /// Splits into owned halves. Dropping the write half shuts the write direction down.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let stream = Arc::new(self);
        (OwnedReadHalf(Arc::clone(&stream)), OwnedWriteHalf(stream))
    }

    /// Polls a read into the unfilled part of `buf` (the reading side's single waker slot). Both
    /// trait families' `poll_read` end here.
    pub(crate) fn poll_read_inner(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let len = buf.remaining();
        self.io
            .poll_read_stream(cx, len, |stream| recv_into(stream, buf, 0))
            .map_ok(drop)
    }

    /// Polls a vectored read (futures-io only: Tokio's `AsyncRead` has no vectored form).
    pub(crate) fn poll_read_vectored_inner(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_read_with(cx, |mut stream| stream.read_vectored(bufs))
    }

    /// Polls a write of `buf` (the writing side's single waker slot).
    pub(crate) fn poll_write_inner(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_write_stream(cx, buf.len(), |mut stream| stream.write(buf))
    }

    /// Polls a vectored write of `bufs`.
    pub(crate) fn poll_write_vectored_inner(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_write_with(cx, |mut stream| stream.write_vectored(bufs))
    }

    /// Shuts the write direction down: `poll_shutdown` (Tokio) and `poll_close` (futures-io).
    pub(crate) fn shutdown_write_inner(&self) -> io::Result<()> {
        shutdown_write(&self.io)
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl_stream_read!(UnixStream, |this| this);
impl_stream_write!(UnixStream, |this| this);
