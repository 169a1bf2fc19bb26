//! Halves of a [`UnixStream`]: borrowed and owned.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::net::shutdown_write;
use crate::net::unix::UnixStream;

/// The reading half of a borrowed [`UnixStream`]. Created by [`UnixStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a>(pub(crate) &'a UnixStream);

/// The writing half of a borrowed [`UnixStream`]. Created by [`UnixStream::split`].
#[derive(Debug)]
pub struct WriteHalf<'a>(pub(crate) &'a UnixStream);

/// The owned reading half of a [`UnixStream`]. Created by [`UnixStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf(pub(crate) Arc<UnixStream>);

/// The owned writing half of a [`UnixStream`]. Created by [`UnixStream::into_split`]. Dropping it
/// shuts the write direction down.
#[derive(Debug)]
pub struct OwnedWriteHalf(pub(crate) Arc<UnixStream>);

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        // The peer sees EOF; if the connection is already gone there is nothing to report.
        let _ = shutdown_write(&self.0.io);
    }
}

macro_rules! read_impl {
    ($ty:ty) => {
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.0.poll_read_inner(cx, buf)
            }
        }
    };
}

macro_rules! write_impl {
    ($ty:ty) => {
        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.0.poll_write_inner(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(shutdown_write(&self.0.io))
            }
        }
    };
}

read_impl!(ReadHalf<'_>);
write_impl!(WriteHalf<'_>);
read_impl!(OwnedReadHalf);
write_impl!(OwnedWriteHalf);
