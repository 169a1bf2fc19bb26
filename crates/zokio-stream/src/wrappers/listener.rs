//! [`TcpListenerStream`] and [`UnixListenerStream`].

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use zokio_reactor::net::{TcpListener, TcpStream, UnixListener, UnixStream};

/// A [`Stream`] of the connections a [`TcpListener`](zokio_reactor::net::TcpListener) accepts
/// (the type `zokio::net::TcpListener`). It never ends; an accept error is an `Err` item, and the
/// stream goes on after it. The peer address is dropped (it is `peer_addr()` of the stream).
///
/// The listener has one waker slot for `poll_accept`: poll the stream from one task at a time.
///
/// ```
/// use zokio::net::{TcpListener, TcpStream};
/// use zokio_stream::StreamExt;
/// use zokio_stream::wrappers::TcpListenerStream;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// let mut incoming = TcpListenerStream::new(listener);
///
/// let client = TcpStream::connect(addr).await?;
/// let server = incoming.next().await.unwrap()?;
/// assert_eq!(server.peer_addr()?, client.local_addr()?);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TcpListenerStream {
    inner: TcpListener,
}

impl TcpListenerStream {
    /// Wraps `listener`.
    pub fn new(listener: TcpListener) -> Self {
        TcpListenerStream { inner: listener }
    }

    /// Gives back the listener.
    pub fn into_inner(self) -> TcpListener {
        self.inner
    }
}

impl Stream for TcpListenerStream {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner
            .poll_accept(cx)
            .map(|accepted| Some(accepted.map(|(stream, _)| stream)))
    }
}

impl AsRef<TcpListener> for TcpListenerStream {
    fn as_ref(&self) -> &TcpListener {
        &self.inner
    }
}

impl AsMut<TcpListener> for TcpListenerStream {
    fn as_mut(&mut self) -> &mut TcpListener {
        &mut self.inner
    }
}

/// A [`Stream`] of the connections a [`UnixListener`](zokio_reactor::net::UnixListener) accepts
/// (the type `zokio::net::UnixListener`). It never ends; an accept error is an `Err` item, and the
/// stream goes on after it.
///
/// The listener has one waker slot for `poll_accept`: poll the stream from one task at a time.
///
/// ```
/// use zokio::net::{UnixListener, UnixStream};
/// use zokio_stream::StreamExt;
/// use zokio_stream::wrappers::UnixListenerStream;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let dir = std::env::temp_dir().join(format!("zokio-stream-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("listener.sock");
/// # let _ = std::fs::remove_file(&path);
/// let mut incoming = UnixListenerStream::new(UnixListener::bind(&path)?);
///
/// let _client = UnixStream::connect(&path).await?;
/// let server = incoming.next().await.unwrap()?;
/// assert_eq!(server.local_addr()?.as_pathname(), Some(path.as_path()));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct UnixListenerStream {
    inner: UnixListener,
}

impl UnixListenerStream {
    /// Wraps `listener`.
    pub fn new(listener: UnixListener) -> Self {
        UnixListenerStream { inner: listener }
    }

    /// Gives back the listener.
    pub fn into_inner(self) -> UnixListener {
        self.inner
    }
}

impl Stream for UnixListenerStream {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner
            .poll_accept(cx)
            .map(|accepted| Some(accepted.map(|(stream, _)| stream)))
    }
}

impl AsRef<UnixListener> for UnixListenerStream {
    fn as_ref(&self) -> &UnixListener {
        &self.inner
    }
}

impl AsMut<UnixListener> for UnixListenerStream {
    fn as_mut(&mut self) -> &mut UnixListener {
        &mut self.inner
    }
}
