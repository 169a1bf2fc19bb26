//! [`stdin`], [`stdout`] and [`stderr`]: the process's standard streams, through the blocking pool.
//!
//! A standard stream may be a terminal, a pipe, a socket or a regular file, and epoll refuses
//! regular files (`EPERM`), so these do not use the reactor: every operation is a trip to the
//! runtime's blocking pool, one at a time per handle, through std's own handles (so they interleave
//! with `println!` and `std::io::stdin()` line by line, as std's locking allows). See
//! [`Blocking`](super::blocking) for the buffering.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::ReadBuf;

use super::blocking::Blocking;

/// The standard input of the process, from [`stdin()`].
///
/// Implements Tokio's [`AsyncRead`](super::AsyncRead) and futures-io's. Each read is one blocking
/// read on the pool (of at most the caller's buffer, and 2 MiB), handed out from a buffer; it works
/// whether standard input is a terminal, a pipe or a regular file.
///
/// A read that waits for input holds a blocking-pool thread until input comes, and a runtime
/// shutting down waits for it (up to its shutdown timeout), as with Tokio. Use one `Stdin` per
/// program: two handles each buffer ahead, so their reads interleave unpredictably.
#[derive(Debug)]
pub struct Stdin {
    std: Blocking<io::Stdin>,
}

/// The standard output of the process, from [`stdout()`].
///
/// Implements Tokio's [`AsyncWrite`](super::AsyncWrite) and futures-io's. A write copies (up to
/// 2 MiB of) the bytes and returns; they are written on the blocking pool, and the next write or
/// `flush` waits for that (returning its error). Output goes through std's line-buffered
/// `Stdout`: **call `flush`** before relying on it having reached the file descriptor.
/// `shutdown` flushes (Tokio's does nothing).
///
/// Writes of separate `Stdout` handles, or of other threads, may interleave between the chunks of
/// a `write_all`; write whole lines per call where that matters.
#[derive(Debug)]
pub struct Stdout {
    std: Blocking<io::Stdout>,
}

/// The standard error of the process, from [`stderr()`]; behaves like [`Stdout`] (std's `Stderr`
/// is unbuffered, so `flush` has nothing of std's to push).
#[derive(Debug)]
pub struct Stderr {
    std: Blocking<io::Stderr>,
}

/// A handle to the process's standard input.
///
/// Must be used inside a zokio runtime (reads run on its blocking pool).
///
/// ```no_run
/// use zokio::io::{AsyncBufReadExt, BufReader};
///
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let mut lines = BufReader::new(zokio::io::stdin()).lines();
/// while let Some(line) = lines.next_line().await? {
///     println!("read: {line}");
/// }
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub fn stdin() -> Stdin {
    Stdin {
        std: Blocking::new(io::stdin()),
    }
}

/// A handle to the process's standard output.
///
/// Must be used inside a zokio runtime (writes run on its blocking pool).
///
/// ```
/// use zokio::io::AsyncWriteExt;
///
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let mut out = zokio::io::stdout();
/// out.write_all(b"hello from zokio\n").await?;
/// out.flush().await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub fn stdout() -> Stdout {
    Stdout {
        std: Blocking::new(io::stdout()),
    }
}

/// A handle to the process's standard error; see [`stdout()`].
///
/// ```
/// use zokio::io::AsyncWriteExt;
///
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let mut err = zokio::io::stderr();
/// err.write_all(b"warning: nothing happened\n").await?;
/// err.flush().await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub fn stderr() -> Stderr {
    Stderr {
        std: Blocking::new(io::stderr()),
    }
}

impl tokio::io::AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().std.poll_read(cx, buf)
    }
}

impl futures_io::AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(buf);
        ready!(self.get_mut().std.poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

/// Both write trait families on a standard output stream, calling the same [`Blocking`] methods.
macro_rules! write_impls {
    ($ty:ty) => {
        impl tokio::io::AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.get_mut().std.poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().std.poll_flush(cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().std.poll_flush(cx)
            }
        }

        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.get_mut().std.poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().std.poll_flush(cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().std.poll_flush(cx)
            }
        }
    };
}

write_impls!(Stdout);
write_impls!(Stderr);

macro_rules! fd_impls {
    ($ty:ty, $std:expr) => {
        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                // SAFETY: the standard descriptors (0, 1, 2) are open for the whole life of the
                // process (std's handles assume it too), so the borrow cannot outlive them.
                unsafe { BorrowedFd::borrow_raw(self.as_raw_fd()) }
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                $std.as_raw_fd()
            }
        }
    };
}

fd_impls!(Stdin, io::stdin());
fd_impls!(Stdout, io::stdout());
fd_impls!(Stderr, io::stderr());
