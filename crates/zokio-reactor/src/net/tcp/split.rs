//! Halves of a [`TcpStream`]: borrowed ([`ReadHalf`], [`WriteHalf`]) and owned
//! ([`OwnedReadHalf`], [`OwnedWriteHalf`]).
//!
//! The reactor keeps one waker slot per direction, so a read half and a write half never disturb
//! each other's wake-ups. The halves implement both Tokio's and the futures-io traits, like the
//! stream; shutting a write half down (`shutdown()`, or futures-io's `close()`) shuts the stream's
//! write direction down.

use std::error::Error;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::io::{impl_stream_read, impl_stream_write};
use crate::net::shutdown_write;
use crate::net::tcp::stream::TcpStream;

/// The reading half of a borrowed [`TcpStream`]. Created by [`TcpStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a>(pub(crate) &'a TcpStream);

/// The writing half of a borrowed [`TcpStream`]. Created by [`TcpStream::split`]. `shutdown()`
/// shuts the write direction down.
#[derive(Debug)]
pub struct WriteHalf<'a>(pub(crate) &'a TcpStream);

/// The owned reading half of a [`TcpStream`]. Created by [`TcpStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf {
    stream: Arc<TcpStream>,
}

/// The owned writing half of a [`TcpStream`]. Created by [`TcpStream::into_split`].
///
/// Dropping it shuts the write direction down (the peer reads EOF), unless
/// [`forget`](OwnedWriteHalf::forget) is called.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    stream: Arc<TcpStream>,
    shutdown_on_drop: bool,
}

pub(crate) fn into_split(stream: TcpStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let stream = Arc::new(stream);
    (
        OwnedReadHalf {
            stream: Arc::clone(&stream),
        },
        OwnedWriteHalf {
            stream,
            shutdown_on_drop: true,
        },
    )
}

/// The halves given to [`OwnedReadHalf::reunite`] came from different streams.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same TcpStream")
    }
}

impl Error for ReuniteError {}

impl OwnedReadHalf {
    /// Joins the halves back into a [`TcpStream`], if they come from the same one.
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !Arc::ptr_eq(&self.stream, &other.stream) {
            return Err(ReuniteError(self, other));
        }
        let mut other = other;
        other.shutdown_on_drop = false;
        let stream = Arc::clone(&other.stream);
        drop(other);
        drop(self);
        Ok(Arc::into_inner(stream)
            .expect("both halves were dropped, so this is the last reference"))
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    /// Receives data without removing it from the queue.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.peek(buf).await
    }
}

impl OwnedWriteHalf {
    /// Drops the half without shutting the write direction down.
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // Nothing to report to: the peer simply sees EOF, or the connection is already gone.
            let _ = shutdown_write(self.stream.io.get_ref());
        }
    }
}

impl_stream_read!(ReadHalf<'_>, |this| this.0);
impl_stream_write!(WriteHalf<'_>, |this| this.0);
impl_stream_read!(OwnedReadHalf, |this| this.stream);
impl_stream_write!(OwnedWriteHalf, |this| this.stream);
