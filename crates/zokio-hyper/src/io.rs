//! [`ZokioIo`]: hyper's I/O traits over Tokio's, for zokio's sockets.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pin_project! {
    /// Adapts a type with Tokio's I/O traits ([`AsyncRead`], [`AsyncWrite`]) to hyper's
    /// ([`hyper::rt::Read`], [`hyper::rt::Write`]), and back.
    ///
    /// zokio's [`TcpStream`](zokio::net::TcpStream), [`UnixStream`](zokio::net::UnixStream) and its
    /// other I/O types implement Tokio's traits, so this is all hyper needs to talk over them. It
    /// does what hyper-util's `TokioIo` does, without hyper-util's `tokio` feature (which would
    /// compile Tokio's scheduler and timer in).
    ///
    /// ```
    /// use zokio_hyper::ZokioIo;
    ///
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = zokio::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let io = ZokioIo::new(stream); // hyper::rt::Read + hyper::rt::Write
    /// assert!(io.inner().peer_addr().is_ok());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    #[derive(Debug)]
    pub struct ZokioIo<T> {
        #[pin]
        inner: T,
    }
}

impl<T> ZokioIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        ZokioIo { inner }
    }

    /// The wrapped I/O object.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped I/O object, mutably.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps it.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead> hyper::rt::Read for ZokioIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: Tokio's `ReadBuf` never de-initializes bytes and only reports as filled the
        // bytes it has initialized, so the slice handed to it may be uninitialized.
        let mut tbuf = ReadBuf::uninit(unsafe { buf.as_mut() });
        match self.project().inner.poll_read(cx, &mut tbuf) {
            Poll::Ready(Ok(())) => {
                let n = tbuf.filled().len();
                // SAFETY: the first `n` bytes of the cursor's unfilled part were just filled
                // (so initialized) by the read above.
                unsafe { buf.advance(n) };
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl<T: AsyncWrite> hyper::rt::Write for ZokioIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }
}

/// The other way round: a hyper I/O object (an upgraded connection, say) as Tokio's
/// [`AsyncRead`], for Tokio-trait code such as tokio-util's codecs.
impl<T: hyper::rt::Read> AsyncRead for ZokioIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        tbuf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let filled = tbuf.filled().len();
        let n = {
            // SAFETY: hyper's `ReadBuf` never de-initializes bytes either, and reports as filled
            // only bytes it has initialized.
            let mut hbuf = hyper::rt::ReadBuf::uninit(unsafe { tbuf.unfilled_mut() });
            match hyper::rt::Read::poll_read(self.project().inner, cx, hbuf.unfilled()) {
                Poll::Ready(Ok(())) => hbuf.filled().len(),
                other => return other,
            }
        };
        // SAFETY: the `n` bytes after the filled part were just initialized by the read above.
        unsafe { tbuf.assume_init(filled + n) };
        tbuf.set_filled(filled + n);
        Poll::Ready(Ok(()))
    }
}

/// The other way round: a hyper I/O object as Tokio's [`AsyncWrite`].
impl<T: hyper::rt::Write> AsyncWrite for ZokioIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        hyper::rt::Write::poll_write(self.project().inner, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        hyper::rt::Write::poll_flush(self.project().inner, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        hyper::rt::Write::poll_shutdown(self.project().inner, cx)
    }

    fn is_write_vectored(&self) -> bool {
        hyper::rt::Write::is_write_vectored(&self.inner)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        hyper::rt::Write::poll_write_vectored(self.project().inner, cx, bufs)
    }
}
