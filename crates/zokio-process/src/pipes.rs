//! [`ChildStdin`], [`ChildStdout`], [`ChildStderr`]: a child's pipes on the reactor.
//!
//! Each implements Tokio's I/O traits and the futures-io ones. Both families call the same
//! [`Pipe`] methods, which go through the reactor's `poll_read_with`/`poll_write_with` and so spend
//! one unit of the cooperative budget per operation, whichever family it comes through.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll, ready};

use tokio::io::ReadBuf;
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

    /// Reads into the unfilled part of `buf`.
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.0
            .poll_read_with(cx, |file| read_into(file, buf))
            .map_ok(drop)
    }

    fn poll_read_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0
            .poll_read_with(cx, |mut file| file.read_vectored(bufs))
    }

    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.poll_write_with(cx, |mut file| file.write(buf))
    }

    fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0
            .poll_write_with(cx, |mut file| file.write_vectored(bufs))
    }

    /// Closes the pipe under the descriptor: the descriptor is made to refer to the write end of a
    /// new pipe whose read end is already closed, so the reader of the old pipe (the child) sees
    /// end of file while `as_fd` stays valid. The old pipe's epoll registration goes away with it.
    fn close_write_end(&self) -> io::Result<()> {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: `pipe` writes two descriptors into `fds`, an array of two ints.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `pipe` just created both descriptors; each is owned here alone.
        let (dead_read, dead_write) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        drop(dead_read);
        let fd = self.0.as_raw_fd();
        // SAFETY: `dead_write` is open, and `fd` is the pipe descriptor this `Pipe` owns; `dup2`
        // atomically closes what `fd` referred to and makes it a copy of `dead_write`. Nothing else
        // owns `fd`, so no one else's descriptor changes under them.
        if unsafe { libc::dup2(dead_write.as_raw_fd(), fd) } < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `F_SETFD` only sets the close-on-exec flag of `fd` (which `dup2` cleared), so that
        // the dead pipe is not inherited by later children. Should it fail, a child would merely
        // inherit a pipe nobody reads; nothing to report.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        Ok(())
    }
}

/// One `read(2)` into the unfilled part of `buf` (possibly uninitialised memory), advancing it.
fn read_into(file: &File, buf: &mut ReadBuf<'_>) -> io::Result<usize> {
    // SAFETY: `read` only writes into the slice; it never de-initialises a byte.
    let unfilled = unsafe { buf.unfilled_mut() };
    // SAFETY: the pointer and length describe `unfilled`, valid for writes and exclusively borrowed
    // for the call; the descriptor is open while `file` lives.
    let n = unsafe {
        libc::read(
            file.as_raw_fd(),
            unfilled.as_mut_ptr().cast(),
            unfilled.len(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = n as usize;
    // SAFETY: `read` returned `n`: the first `n` bytes of the unfilled part are initialised.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Ok(n)
}

macro_rules! pipe_common {
    ($name:ident, $std:ty, $make:expr) => {
        impl $name {
            /// Wraps a pipe end taken from a [`std::process::Child`], registering it with the
            /// current reactor.
            ///
            /// # Errors
            ///
            /// Fails outside a runtime with I/O enabled.
            pub fn from_std(std: $std) -> io::Result<$name> {
                Pipe::new(std).map($make)
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
///
/// Implements Tokio's [`AsyncWrite`](tokio::io::AsyncWrite) and futures-io's. Dropping it
/// closes the child's input; so does `shutdown().await` (futures-io: `close().await`), after which
/// writes fail with [`BrokenPipe`](io::ErrorKind::BrokenPipe). **This differs from Tokio**, whose
/// `ChildStdin::shutdown` does nothing and only a drop closes the pipe: with zokio a child reading
/// to end of input finishes after `shutdown`, which is what e.g. `copy_bidirectional` relies on.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
/// use std::process::Stdio;
/// # zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let mut child = zokio_process::Command::new("cat")
///     .stdin(Stdio::piped())
///     .stdout(Stdio::piped())
///     .spawn()?;
/// let mut stdin = child.stdin.take().unwrap();
/// stdin.write_all(b"ping").await?;
/// stdin.shutdown().await?; // end of input: cat exits
/// let mut out = String::new();
/// child.stdout.as_mut().unwrap().read_to_string(&mut out).await?;
/// assert_eq!(out, "ping");
/// assert!(child.wait().await?.success());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct ChildStdin(Pipe, /* closed by `shutdown` */ bool);

/// The read end of a child's standard output, from [`Child::stdout`](crate::Child::stdout).
/// Implements Tokio's [`AsyncRead`](tokio::io::AsyncRead) and futures-io's.
#[derive(Debug)]
pub struct ChildStdout(Pipe);

/// The read end of a child's standard error, from [`Child::stderr`](crate::Child::stderr).
/// Implements Tokio's [`AsyncRead`](tokio::io::AsyncRead) and futures-io's.
#[derive(Debug)]
pub struct ChildStderr(Pipe);

pipe_common!(ChildStdin, std::process::ChildStdin, |pipe| ChildStdin(
    pipe, false
));
pipe_common!(ChildStdout, std::process::ChildStdout, ChildStdout);
pipe_common!(ChildStderr, std::process::ChildStderr, ChildStderr);

impl ChildStdin {
    fn poll_write_inner(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.1 {
            return Poll::Ready(Err(closed_error()));
        }
        self.0.poll_write(cx, buf)
    }

    fn poll_write_vectored_inner(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.1 {
            return Poll::Ready(Err(closed_error()));
        }
        self.0.poll_write_vectored(cx, bufs)
    }

    /// Closes the child's input (once; later calls do nothing).
    fn shutdown_inner(&mut self) -> io::Result<()> {
        if !self.1 {
            self.0.close_write_end()?;
            self.1 = true;
        }
        Ok(())
    }
}

fn closed_error() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the child's stdin was shut down")
}

impl futures_io::AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_inner(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_inner(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Pipe writes are not buffered on our side: once written, the bytes are in the kernel.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.get_mut().shutdown_inner())
    }
}

impl tokio::io::AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_inner(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_inner(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.get_mut().shutdown_inner())
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
                let mut buf = ReadBuf::new(buf);
                ready!(self.0.poll_read(cx, &mut buf))?;
                Poll::Ready(Ok(buf.filled().len()))
            }

            fn poll_read_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &mut [io::IoSliceMut<'_>],
            ) -> Poll<io::Result<usize>> {
                self.0.poll_read_vectored(cx, bufs)
            }
        }

        impl tokio::io::AsyncRead for $name {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                self.0.poll_read(cx, buf)
            }
        }
    };
}

async_read!(ChildStdout);
async_read!(ChildStderr);
