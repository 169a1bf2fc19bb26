//! [`TcpListener`].

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

use socket2::{Domain, Protocol, Socket, Type};

use crate::io::Async;
use crate::net::addr::{ToSocketAddrs, each_addr};
use crate::net::tcp::TcpStream;

/// The backlog of [`TcpListener::bind`]; `TcpSocket::listen` takes any.
const DEFAULT_BACKLOG: i32 = 1024;

/// A TCP socket that accepts connections.
///
/// When `accept` fails, for example with `EMFILE` (out of file descriptors), the error is returned
/// and the listener stays usable: the pending connection remains queued, and the next `accept` retries
/// the syscall at once instead of waiting for another readiness event.
///
/// ```
/// use zokio_reactor::net::{TcpListener, TcpStream};
/// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
/// # reactor.block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let client = TcpStream::connect(listener.local_addr()?).await?;
/// let (server, peer) = listener.accept().await?;
/// assert_eq!(peer, client.local_addr()?);
/// assert_eq!(server.peer_addr()?, client.local_addr()?);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct TcpListener {
    io: Async<std::net::TcpListener>,
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl TcpListener {
    /// Binds to `addr` (each resolved address in turn) and listens, with `SO_REUSEADDR` set as the
    /// standard library does.
    ///
    /// # Errors
    ///
    /// `AddrInUse` when another socket holds the address, and other OS errors.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        each_addr(addr, |addr| async move {
            let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
            socket.set_reuse_address(true)?;
            socket.bind(&addr.into())?;
            socket.listen(DEFAULT_BACKLOG)?;
            TcpListener::from_socket(socket)
        })
        .await
    }

    pub(crate) fn from_socket(socket: Socket) -> io::Result<TcpListener> {
        socket.set_nonblocking(true)?;
        Ok(TcpListener {
            io: Async::new_nonblocking(std::net::TcpListener::from(socket), true)?,
        })
    }

    /// Registers a standard listener with the current reactor (switching it to non-blocking mode).
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: Async::new(listener)?,
        })
    }

    /// Deregisters the listener and returns it as a standard one, still in non-blocking mode.
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        self.io.into_inner()
    }

    /// Accepts a connection. Any number of tasks may wait at once.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.io.read_with(accept_nonblocking).await?;
        Ok((TcpStream::from_nonblocking(stream)?, addr))
    }

    /// Polls for a connection (a single waker slot: one polling task at a time).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.io
            .poll_read_with(cx, accept_nonblocking)
            .map(|result| {
                let (stream, addr) = result?;
                Ok((TcpStream::from_nonblocking(stream)?, addr))
            })
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets the IP time-to-live of accepted connections.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

/// Accepts one connection that is already non-blocking and close-on-exec: one `accept4` call on
/// Linux and Android (std's `accept` plus `set_nonblocking` would be two system calls per
/// connection), `accept` and then `fcntl` elsewhere.
fn accept_nonblocking(
    listener: &std::net::TcpListener,
) -> io::Result<(std::net::TcpStream, SocketAddr)> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let (socket, addr) =
            socket2::SockRef::from(listener).accept4(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)?;
        let addr = addr.as_socket().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "accept returned an address that is not IPv4 or IPv6",
            )
        })?;
        Ok((socket.into(), addr))
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let (stream, addr) = listener.accept()?;
        stream.set_nonblocking(true)?;
        Ok((stream, addr))
    }
}
