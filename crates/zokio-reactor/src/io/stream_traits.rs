//! Both families of I/O traits, `tokio::io` and `futures-io`, on the stream sockets and their
//! halves, from one implementation.
//!
//! Each stream type ([`TcpStream`](crate::net::TcpStream), [`UnixStream`](crate::net::UnixStream))
//! has one crate-private poll method per operation (`poll_read_inner` into a [`ReadBuf`],
//! `poll_write_inner`, the vectored forms and `shutdown_write_inner`). The macros here implement
//! both trait families on the stream and on its halves by calling those methods, so a read through
//! `tokio::io::AsyncRead` and one through `futures_io::AsyncRead` run the same code and spend the
//! same unit of the cooperative budget (inside [`poll_io`](super::poll_io)). The futures-io read
//! wraps its initialised slice in a [`ReadBuf`] ([`poll_read_slice`]).

use std::io;
use std::os::fd::AsFd;
use std::task::{Poll, ready};

use socket2::SockRef;
use tokio::io::ReadBuf;

/// The futures-io `poll_read` in terms of a [`ReadBuf`] read: `poll` fills a `ReadBuf` over `buf`,
/// and the number of bytes it filled is the result.
pub(crate) fn poll_read_slice(
    buf: &mut [u8],
    poll: impl FnOnce(&mut ReadBuf<'_>) -> Poll<io::Result<()>>,
) -> Poll<io::Result<usize>> {
    let mut buf = ReadBuf::new(buf);
    ready!(poll(&mut buf))?;
    Poll::Ready(Ok(buf.filled().len()))
}

/// One `recv(2)` with `flags` into the unfilled part of `buf` (which may be uninitialised memory),
/// advancing `buf` by the bytes received. Returns that count.
pub(crate) fn recv_into<T: AsFd>(
    socket: &T,
    buf: &mut ReadBuf<'_>,
    flags: libc::c_int,
) -> io::Result<usize> {
    // SAFETY: `recv` only writes into the slice it is given; it never de-initialises a byte, which
    // is the one thing the caller of `unfilled_mut` must not do.
    let unfilled = unsafe { buf.unfilled_mut() };
    let n = SockRef::from(socket).recv_with_flags(unfilled, flags)?;
    // SAFETY: `recv` returned `n`, so it initialised the first `n` bytes of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Ok(n)
}

/// Implements `futures_io::AsyncRead` and `tokio::io::AsyncRead` on `$ty`, whose `$stream`
/// (an expression of `$this: &$ty`) is a stream with `poll_read_inner` and
/// `poll_read_vectored_inner`.
macro_rules! impl_stream_read {
    ($ty:ty, |$this:ident| $stream:expr) => {
        impl ::futures_io::AsyncRead for $ty {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut [u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $crate::io::poll_read_slice(buf, |buf| $stream.poll_read_inner(cx, buf))
            }

            fn poll_read_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &mut [::std::io::IoSliceMut<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $stream.poll_read_vectored_inner(cx, bufs)
            }
        }

        impl ::tokio::io::AsyncRead for $ty {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut ::tokio::io::ReadBuf<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                let $this = &*self;
                $stream.poll_read_inner(cx, buf)
            }
        }
    };
}

/// Implements `futures_io::AsyncWrite` and `tokio::io::AsyncWrite` on `$ty`, whose `$stream` is a
/// stream with `poll_write_inner`, `poll_write_vectored_inner` and `shutdown_write_inner`.
///
/// Flushing does nothing (a socket has no user-space buffer); `poll_close` (futures-io) and
/// `poll_shutdown` (Tokio) shut the write direction down, so the peer reads end of file while this
/// side can still read.
macro_rules! impl_stream_write {
    ($ty:ty, |$this:ident| $stream:expr) => {
        impl ::futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $stream.poll_write_inner(cx, buf)
            }

            fn poll_write_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $stream.poll_write_vectored_inner(cx, bufs)
            }

            fn poll_flush(
                self: ::std::pin::Pin<&mut Self>,
                _cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                ::std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: ::std::pin::Pin<&mut Self>,
                _cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                let $this = &*self;
                ::std::task::Poll::Ready($stream.shutdown_write_inner())
            }
        }

        impl ::tokio::io::AsyncWrite for $ty {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $stream.poll_write_inner(cx, buf)
            }

            fn poll_write_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $stream.poll_write_vectored_inner(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(
                self: ::std::pin::Pin<&mut Self>,
                _cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                ::std::task::Poll::Ready(Ok(()))
            }

            fn poll_shutdown(
                self: ::std::pin::Pin<&mut Self>,
                _cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                let $this = &*self;
                ::std::task::Poll::Ready($stream.shutdown_write_inner())
            }
        }
    };
}

pub(crate) use {impl_stream_read, impl_stream_write};
