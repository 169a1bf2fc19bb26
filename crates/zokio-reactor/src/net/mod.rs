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
