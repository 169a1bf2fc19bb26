//! The readiness API of [`UnixStream`] and its halves, from the macros of `net/tcp/ready.rs`.

use std::os::unix::net::SocketAddr;

use crate::net::tcp::ready::{read_half_readiness, stream_readiness, write_half_readiness};
use crate::net::unix::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, UnixStream, WriteHalf};

stream_readiness!(UnixStream);
read_half_readiness!(ReadHalf<'_>, |this| this.0, SocketAddr);
write_half_readiness!(WriteHalf<'_>, |this| this.0, SocketAddr);
read_half_readiness!(OwnedReadHalf, |this| this.0, SocketAddr);
write_half_readiness!(OwnedWriteHalf, |this| this.0, SocketAddr);
