//! [`TcpStream`].

use std::fmt;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};
use std::time::Duration;

use socket2::{Domain, Protocol, SockRef, Socket, Type};
use tokio::io::ReadBuf;

use crate::io::{Async, impl_stream_read, impl_stream_write, recv_into};
use crate::net::addr::{ToSocketAddrs, each_addr};
use crate::net::tcp::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::net::{finish_connect, shutdown_write};

/// A TCP connection.
///
/// Reads and writes go through Tokio's [`AsyncRead`](tokio::io::AsyncRead) and
/// [`AsyncWrite`](tokio::io::AsyncWrite) traits (`zokio::io::{AsyncReadExt, AsyncWriteExt}`), and
/// equally through the futures-io ones (`futures_lite::{AsyncReadExt, AsyncWriteExt}`); both run
/// the same code. `shutdown()` (Tokio) or `close()` (futures-io) shuts the write direction down
/// (a half-close) and leaves reading open.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio_reactor::net::{TcpListener, TcpStream};
/// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
/// # reactor.block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let mut client = TcpStream::connect(listener.local_addr()?).await?;
/// let (mut server, _) = listener.accept().await?;
/// client.write_all(b"hello").await?;
/// client.shutdown().await?; // half-close: the server reads to EOF
/// let mut received = Vec::new();
/// server.read_to_end(&mut received).await?;
/// assert_eq!(received, b"hello");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct TcpStream {
    pub(crate) io: Async<std::net::TcpStream>,
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

fn in_progress(error: &io::Error) -> bool {
    error.raw_os_error() == Some(libc::EINPROGRESS) || error.kind() == io::ErrorKind::WouldBlock
}

impl TcpStream {
    /// Connects to `addr`, trying each resolved address in turn; fails with the last error.
    ///
    /// # Errors
    ///
    /// The OS error of the last attempt, e.g. `ConnectionRefused` when nothing listens.
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        each_addr(addr, |addr| async move {
            let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
            TcpStream::connect_socket(socket, addr).await
        })
        .await
    }

    /// Starts a non-blocking connect of `socket` to `addr` and waits for it to complete.
    pub(crate) async fn connect_socket(socket: Socket, addr: SocketAddr) -> io::Result<TcpStream> {
        socket.set_nonblocking(true)?;
        let connected = match socket.connect(&addr.into()) {
            Ok(()) => true,
            Err(error) if in_progress(&error) => false,
            Err(error) => return Err(error),
        };
        // Optimistic only if already connected: before that the socket is not writable.
        let io = Async::new_nonblocking(std::net::TcpStream::from(socket), connected)?;
        if !connected {
            finish_connect(&io).await?;
        }
        Ok(TcpStream { io })
    }

    /// Wraps a stream accepted or connected elsewhere, already non-blocking.
    pub(crate) fn from_nonblocking(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: Async::new_nonblocking(stream, true)?,
        })
    }

    /// Registers a standard stream with the current reactor (switching it to non-blocking mode).
    ///
    /// # Errors
    ///
    /// Fails outside a reactor context with I/O enabled.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: Async::new(stream)?,
        })
    }

    /// Deregisters the stream and returns it as a standard stream, still in non-blocking mode.
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        self.io.into_inner()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm when `true`).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets the IP time-to-live.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets `SO_LINGER`.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_linger(linger)
    }

    /// The `SO_LINGER` setting.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        SockRef::from(self.io.get_ref()).linger()
    }

    /// Receives data without removing it from the queue.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|stream| stream.peek(buf)).await
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

    /// Writes without waiting; `WouldBlock` when the send buffer is full.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write_with(|mut stream| stream.write(buf))
    }

    /// Polls a peek into `buf`: receives data without removing it from the queue, and returns how
    /// many bytes were copied (they are also marked filled in `buf`).
    ///
    /// Uses the reading side's single waker slot, like `poll_read`.
    pub fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_read_with(cx, |stream| recv_into(stream, buf, libc::MSG_PEEK))
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
        shutdown_write(self.io.get_ref())
    }

    /// Splits into halves that borrow the stream: one reads while the other writes.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf(&*self), WriteHalf(&*self))
    }

    /// Splits into owned halves, which can move to different tasks. Dropping the write half shuts the
    /// write direction down; [`OwnedReadHalf::reunite`] joins them again.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        crate::net::tcp::split::into_split(self)
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl_stream_read!(TcpStream, |this| this);
impl_stream_write!(TcpStream, |this| this);
