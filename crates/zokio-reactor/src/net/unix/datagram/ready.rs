//! [`UnixDatagram`]'s readiness API and the `try_`, `poll_` and buffer forms of its operations, on
//! the socket's `Async` as in `udp/ready.rs` (same waiting, same budget).

use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

use bytes::BufMut;
use tokio::io::ReadBuf;

use crate::io::recv_buf::{into_buf_mut, into_read_buf, recv, zeroed};
use crate::io::{Interest, Ready};
use crate::net::UnixDatagram;
use crate::net::unix::abstract_addr;

/// A destination: a path, or (Linux and Android) the abstract name a `"\0name"` path stands for.
enum Target<'a> {
    Path(&'a Path),
    Addr(SocketAddr),
}

impl<'a> Target<'a> {
    fn new(path: &'a Path) -> io::Result<Target<'a>> {
        Ok(match abstract_addr(path)? {
            Some(addr) => Target::Addr(addr),
            None => Target::Path(path),
        })
    }

    fn send(&self, socket: &std::os::unix::net::UnixDatagram, buf: &[u8]) -> io::Result<usize> {
        match self {
            Target::Path(path) => socket.send_to(buf, path),
            Target::Addr(addr) => socket.send_to_addr(buf, addr),
        }
    }
}

/// One `recvfrom(2)` into `dst` through std (the only maker of a Unix `SocketAddr`), so into
/// zeroed memory.
fn recv_from_unix(
    socket: &std::os::unix::net::UnixDatagram,
    dst: &mut [std::mem::MaybeUninit<u8>],
) -> io::Result<(usize, SocketAddr)> {
    socket.recv_from(zeroed(dst))
}

impl UnixDatagram {
    /// Waits until the socket is ready for any of `interest` and says for what (see
    /// [`UdpSocket::ready`](crate::net::UdpSocket::ready)).
    ///
    /// ```
    /// use zokio_reactor::io::Interest;
    /// use zokio_reactor::net::UnixDatagram;
    /// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
    /// # reactor.block_on(async {
    /// let (a, b) = UnixDatagram::pair()?;
    /// assert!(a.ready(Interest::WRITABLE).await?.is_writable());
    /// a.try_send(b"one")?;
    /// b.readable().await?;
    /// let mut buf = [0; 8];
    /// assert_eq!(b.try_recv(&mut buf)?, 3);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// When the reactor has shut down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        let event = self.io.ready_event(interest.mask()).await?;
        Ok(Ready::from_bits(event.ready))
    }

    /// Waits until a datagram may be received: `ready(Interest::READABLE)`.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until a datagram may be sent: `ready(Interest::WRITABLE)`.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// Polls for read readiness, in the read direction's single waker slot.
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_readable(cx)
    }

    /// Polls for write readiness, in the write direction's single waker slot.
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_writable(cx)
    }

    /// Polls a send to the connected peer (a single waker slot: one polling task at a time).
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |socket| socket.send(buf))
    }

    /// Polls a send to the socket at `target` (a `"\0name"` path names an abstract socket).
    pub fn poll_send_to<P: AsRef<Path>>(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: P,
    ) -> Poll<io::Result<usize>> {
        let target = Target::new(target.as_ref())?;
        self.io
            .poll_write_with(cx, |socket| target.send(socket, buf))
    }

    /// Sends to the socket at `target` without waiting; `WouldBlock` when it cannot now.
    pub fn try_send_to<P: AsRef<Path>>(&self, buf: &[u8], target: P) -> io::Result<usize> {
        let target = Target::new(target.as_ref())?;
        self.io.try_write_with(|socket| target.send(socket, buf))
    }

    /// Polls a receive from the connected peer into `buf`'s unfilled part, which it advances.
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io
            .poll_read_with(cx, |socket| into_read_buf(buf, |dst| recv(socket, dst, 0)))
    }

    /// Polls a receive into `buf`'s unfilled part, returning the sender's address.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_read_with(cx, |socket| {
            into_read_buf(buf, |dst| recv_from_unix(socket, dst))
        })
    }

    /// Receives a datagram and its sender without waiting; `WouldBlock` when nothing is queued.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_read_with(|socket| socket.recv_from(buf))
    }

    /// Receives a datagram from the connected peer into `buf`'s free space (one chunk of it),
    /// advancing `buf`; returns the datagram's length.
    ///
    /// ```
    /// use zokio_reactor::net::UnixDatagram;
    /// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
    /// # reactor.block_on(async {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"abc").await?;
    /// let mut buf = Vec::with_capacity(16);
    /// assert_eq!(b.recv_buf(&mut buf).await?, 3);
    /// assert_eq!(buf, b"abc");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .read_with(|socket| into_buf_mut(buf, |dst| recv(socket, dst, 0)).map(|(n, ())| n))
            .await
    }

    /// [`recv_buf`](Self::recv_buf) without waiting; `WouldBlock` when nothing is queued.
    pub fn try_recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .try_read_with(|socket| into_buf_mut(buf, |dst| recv(socket, dst, 0)).map(|(n, ())| n))
    }

    /// Receives a datagram into `buf`'s free space, advancing `buf`; returns its length and sender.
    pub async fn recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io
            .read_with(|socket| into_buf_mut(buf, |dst| recv_from_unix(socket, dst)))
            .await
    }

    /// [`recv_buf_from`](Self::recv_buf_from) without waiting; `WouldBlock` when nothing is queued.
    pub fn try_recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_read_with(|socket| into_buf_mut(buf, |dst| recv_from_unix(socket, dst)))
    }

    /// Runs `f` once if the socket is ready for `interest`, else fails with `WouldBlock`; a
    /// `WouldBlock` from `f` clears the readiness.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.try_io_mask(interest.mask(), |_| f())
    }

    /// Runs `f` whenever the socket is ready for `interest`, until it returns something other than
    /// `WouldBlock`.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.async_io_mask(interest.mask(), |_| f()).await
    }
}

impl TryFrom<std::os::unix::net::UnixDatagram> for UnixDatagram {
    type Error = io::Error;

    /// [`UnixDatagram::from_std`].
    fn try_from(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(socket)
    }
}
