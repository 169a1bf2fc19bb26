//! [`UdpSocket`]'s readiness API and the `try_`, `poll_`, peek and buffer forms of its operations.
//!
//! Everything goes through the socket's `Async` and its inner functions: the async forms wait in
//! the waiter lists (any number of tasks), the `poll_` forms use the direction's single waker slot,
//! and both spend a unit of the cooperative budget; the `try_` forms run the syscall once if the
//! direction looks ready and spend nothing, as in Tokio.

use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use bytes::BufMut;
use socket2::SockRef;
use tokio::io::ReadBuf;

use crate::io::recv_buf::{into_buf_mut, into_read_buf, ip_addr, recv, recv_from_ip};
use crate::io::{Interest, Ready};
use crate::net::UdpSocket;

impl UdpSocket {
    /// Waits until the socket is ready for any of `interest` and says for what. Any number of tasks
    /// may wait at once. Readiness is the OS's report: a new socket with nothing queued is not
    /// readable.
    ///
    /// The readiness stays until an operation returns `WouldBlock`, so follow it with a `try_`
    /// method and go round again on `WouldBlock`:
    ///
    /// ```
    /// use zokio_reactor::io::Interest;
    /// use zokio_reactor::net::UdpSocket;
    /// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
    /// # reactor.block_on(async {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send(b"ping").await?;
    /// let mut buf = [0; 8];
    /// let n = loop {
    ///     let ready = b.ready(Interest::READABLE).await?;
    ///     assert!(ready.is_readable());
    ///     match b.try_recv(&mut buf) {
    ///         Ok(n) => break n,
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///         Err(e) => return Err(e),
    ///     }
    /// };
    /// assert_eq!(&buf[..n], b"ping");
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

    /// Polls for read readiness, in the read direction's single waker slot (shared with
    /// [`poll_recv`](Self::poll_recv) and the other `poll_` receives).
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

    /// Sends to the connected peer without waiting; `WouldBlock` when it cannot now.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write_with(|socket| socket.send(buf))
    }

    /// Polls a receive from the connected peer into `buf`'s unfilled part, which it advances by
    /// the datagram's length (a longer datagram is truncated).
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io
            .poll_read_with(cx, |socket| into_read_buf(buf, |dst| recv(socket, dst, 0)))
    }

    /// Receives from the connected peer without waiting; `WouldBlock` when nothing is queued.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_read_with(|socket| socket.recv(buf))
    }

    /// Polls a receive into `buf`'s unfilled part, returning the sender's address.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use tokio::io::ReadBuf; // `tokio::io::ReadBuf`
    /// use zokio_reactor::net::UdpSocket;
    /// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
    /// # reactor.block_on(async {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"hello", b.local_addr()?).await?;
    /// let mut storage = [0u8; 16];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// let from = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
    /// assert_eq!((buf.filled(), from), (&b"hello"[..], a.local_addr()?));
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_read_with(cx, |socket| {
            into_read_buf(buf, |dst| recv_from_ip(socket, dst, 0))
        })
    }

    /// Receives a datagram from the connected peer into `buf`'s free space (one chunk of it, as
    /// `BufMut::chunk_mut` gives), advancing `buf`; returns the datagram's length.
    ///
    /// ```
    /// use zokio_reactor::net::UdpSocket;
    /// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
    /// # reactor.block_on(async {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send_to(b"abc", b.local_addr()?).await?;
    /// let mut buf = Vec::with_capacity(64);
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
            .read_with(|socket| into_buf_mut(buf, |dst| recv_from_ip(socket, dst, 0)))
            .await
    }

    /// [`recv_buf_from`](Self::recv_buf_from) without waiting; `WouldBlock` when nothing is queued.
    pub fn try_recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_read_with(|socket| into_buf_mut(buf, |dst| recv_from_ip(socket, dst, 0)))
    }

    /// Receives from the connected peer without removing the datagram from the queue.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|socket| socket.peek(buf)).await
    }

    /// Polls a [`peek`](Self::peek) into `buf`'s unfilled part.
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io.poll_read_with(cx, |socket| {
            into_read_buf(buf, |dst| recv(socket, dst, libc::MSG_PEEK))
        })
    }

    /// [`peek`](Self::peek) without waiting; `WouldBlock` when nothing is queued.
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_read_with(|socket| socket.peek(buf))
    }

    /// Polls a peek into `buf`'s unfilled part, returning the sender's address; the datagram stays
    /// queued.
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_read_with(cx, |socket| {
            into_read_buf(buf, |dst| recv_from_ip(socket, dst, libc::MSG_PEEK))
        })
    }

    /// Peeks at the next datagram and its sender without waiting; `WouldBlock` when nothing is
    /// queued.
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_read_with(|socket| socket.peek_from(buf))
    }

    /// The sender of the next datagram, which stays queued (no buffer needed).
    ///
    /// ```
    /// use zokio_reactor::net::UdpSocket;
    /// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
    /// # reactor.block_on(async {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"x", b.local_addr()?).await?;
    /// assert_eq!(b.peek_sender().await?, a.local_addr()?);
    /// let mut buf = [0; 1];
    /// assert_eq!(b.try_recv_from(&mut buf)?, (1, a.local_addr()?)); // still queued
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.read_with(peek_sender).await
    }

    /// Polls [`peek_sender`](Self::peek_sender) (the read direction's single waker slot).
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_read_with(cx, peek_sender)
    }

    /// [`peek_sender`](Self::peek_sender) without waiting; `WouldBlock` when nothing is queued.
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.try_read_with(peek_sender)
    }

    /// Runs `f` (a non-blocking operation on this socket, e.g. through its descriptor) once if the
    /// socket is ready for `interest`, else fails with `WouldBlock`; a `WouldBlock` from `f` clears
    /// the readiness.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.try_io_mask(interest.mask(), |_| f())
    }

    /// Runs `f` whenever the socket is ready for `interest`, until it returns something other than
    /// `WouldBlock`; spends a unit of the cooperative budget like the other operations.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.async_io_mask(interest.mask(), |_| f()).await
    }
}

/// The next datagram's sender, the datagram left queued.
fn peek_sender(socket: &std::net::UdpSocket) -> io::Result<SocketAddr> {
    ip_addr(&SockRef::from(socket).peek_sender()?)
}
