//! Networking on the reactor: TCP, UDP and Unix-domain sockets, and name resolution.
//!
//! Sockets register with the reactor that is current when they are created (see
//! [`Handle::enter`](crate::Handle::enter)). Errors are the OS's [`std::io::Error`]s
//! (`AddrInUse`, `ConnectionRefused`, ...); nothing here panics on an I/O failure.

mod addr;
pub mod tcp;
mod udp;
pub mod unix;

pub use addr::{ToSocketAddrs, lookup_host};
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};

use std::io;
use std::net::Shutdown;
use std::os::fd::AsFd;

use socket2::SockRef;

use crate::io::Async;

/// Waits for a non-blocking `connect` on a stream socket (TCP or Unix) to complete: the socket turns
/// writable, then `SO_ERROR` holds the outcome.
pub(crate) async fn finish_connect<T: AsFd>(io: &Async<T>) -> io::Result<()> {
    io.write_with(|socket| {
        let socket = SockRef::from(socket);
        if let Some(error) = socket.take_error()? {
            return Err(error);
        }
        match socket.peer_addr() {
            Ok(_) => Ok(()),
            // Spurious readiness: the connect is still in progress.
            Err(error) if error.kind() == io::ErrorKind::NotConnected => {
                Err(io::ErrorKind::WouldBlock.into())
            }
            Err(error) => Err(error),
        }
    })
    .await
}

/// Shuts a stream socket's write direction down; a peer that already went away is not an error here.
pub(crate) fn shutdown_write<T: AsFd>(socket: &T) -> io::Result<()> {
    match SockRef::from(socket).shutdown(Shutdown::Write) {
        Err(error) if error.kind() == io::ErrorKind::NotConnected => Ok(()),
        result => result,
    }
}
