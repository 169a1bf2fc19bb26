//! [`ChildStdin`], [`ChildStdout`], [`ChildStderr`]: a child's pipes on the reactor.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

use zokio_reactor::Async;

/// One end of a pipe, non-blocking and registered with the reactor. `File` is only the vehicle for
/// `Read`/`Write` on a descriptor (`&File` implements both); no regular file is involved.
#[derive(Debug)]
struct Pipe(Async<File>);

impl Pipe {
    fn new(fd: impl Into<OwnedFd>) -> io::Result<Pipe> {
        Ok(Pipe(Async::new(File::from(fd.into()))?))
    }

    /// Deregisters the pipe and makes it blocking again, as a descriptor handed to another process
    /// (or to synchronous code) expects.
    fn into_owned_fd(self) -> io::Result<OwnedFd> {
        let fd = OwnedFd::from(self.0.into_inner()?);
        let raw = fd.as_raw_fd();
        // SAFETY: `F_GETFL` only reads the flags of `raw`, a descriptor owned by `fd` for the call.
        let flags = unsafe { libc::fcntl(raw, libc::F_GETFL) };
        if flags < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: as above; `F_SETFL` changes only the status flags of a descriptor we own.
        if unsafe { libc::fcntl(raw, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(fd)
    }
}

macro_rules! pipe_common {
    ($name:ident, $std:ty) => {
        impl $name {
            /// Wraps a pipe end taken from a [`std::process::Child`], registering it with the
            /// current reactor.
            ///
            /// # Errors
            ///
            /// Fails outside a runtime with I/O enabled.
            pub fn from_std(std: $std) -> io::Result<$name> {
                Ok($name(Pipe::new(std)?))
            }

            /// Deregisters the pipe and returns its descriptor, in blocking mode again.
            ///
            /// # Errors
            ///
            /// If the descriptor's flags cannot be changed.
            pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
                self.0.into_owned_fd()
            }
        }

        impl AsFd for $name {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.0.0.as_fd()
            }
        }

        impl AsRawFd for $name {
            fn as_raw_fd(&self) -> RawFd {
                self.0.0.as_raw_fd()
            }
        }

        /// Lets the pipe become another child's stdin/stdout/stderr (in blocking mode again).
        impl TryFrom<$name> for Stdio {
            type Error = io::Error;

            fn try_from(pipe: $name) -> io::Result<Stdio> {
                Ok(Stdio::from(pipe.into_owned_fd()?))
            }
        }
    };
}

/// The write end of a child's standard input, from [`Child::stdin`](crate::Child::stdin).
/// Implements [`AsyncWrite`](futures_io::AsyncWrite); drop it to close the child's input.
#[derive(Debug)]
pub struct ChildStdin(Pipe);

/// The read end of a child's standard output, from [`Child::stdout`](crate::Child::stdout).
/// Implements [`AsyncRead`](futures_io::AsyncRead).
#[derive(Debug)]
pub struct ChildStdout(Pipe);

/// The read end of a child's standard error, from [`Child::stderr`](crate::Child::stderr).
/// Implements [`AsyncRead`](futures_io::AsyncRead).
#[derive(Debug)]
pub struct ChildStderr(Pipe);

pipe_common!(ChildStdin, std::process::ChildStdin);
pipe_common!(ChildStdout, std::process::ChildStdout);
pipe_common!(ChildStderr, std::process::ChildStderr);

impl futures_io::AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0.0).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Pipe writes are not buffered on our side: once written, the bytes are in the kernel.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // The descriptor closes on drop, which is what the child sees as end of input.
        Poll::Ready(Ok(()))
    }
}

macro_rules! async_read {
    ($name:ident) => {
        impl futures_io::AsyncRead for $name {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut self.get_mut().0.0).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &mut [io::IoSliceMut<'_>],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut self.get_mut().0.0).poll_read_vectored(cx, bufs)
            }
        }
    };
}

async_read!(ChildStdout);
async_read!(ChildStderr);
