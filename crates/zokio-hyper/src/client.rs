//! hyper-util's pooled client on zokio: [`ZokioConnector`] and [`builder`].

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use zokio::net::TcpStream;

use crate::{ZokioExecutor, ZokioIo, ZokioTimer};

/// hyper-util's pooled client over [`ZokioConnector`].
pub type Client<B> = hyper_util::client::legacy::Client<ZokioConnector, B>;

/// hyper-util's client builder set up for zokio: [`ZokioExecutor`] for the connection tasks, and
/// [`ZokioTimer`] for the pool's idle timeout and HTTP/2 keep-alive. Finish it with
/// `.build(ZokioConnector::new())`, or [`Client`] with a body type:
///
/// ```
/// use http_body_util::{BodyExt, Empty};
/// use hyper::body::Bytes;
/// use zokio_hyper::client::{self, ZokioConnector};
///
/// # async fn f() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// let client: client::Client<Empty<Bytes>> = client::builder().build(ZokioConnector::new());
/// let response = client.get("http://127.0.0.1:8080/".parse()?).await?;
/// let body = response.into_body().collect().await?.to_bytes();
/// # Ok(()) }
/// ```
pub fn builder() -> hyper_util::client::legacy::Builder {
    let mut builder = hyper_util::client::legacy::Client::builder(ZokioExecutor::new());
    builder
        .pool_timer(ZokioTimer::new())
        .timer(ZokioTimer::new());
    builder
}

/// A connector for hyper-util's pooled [`Client`](hyper_util::client::legacy::Client): opens a
/// zokio [`TcpStream`] to the URI's host and port (80 by default), resolving names with
/// [`zokio::net::lookup_host`] and trying each address in turn.
///
/// It speaks plain `http`; for `https`, wrap it in a TLS connector (one that takes any
/// `tower::Service<Uri>` whose connections are `hyper::rt::Read + Write`) and call
/// [`enforce_http(false)`](ZokioConnector::enforce_http) so that it lets `https` URIs through.
///
/// ```
/// use zokio_hyper::client::ZokioConnector;
/// let connector = ZokioConnector::new().connect_timeout(std::time::Duration::from_secs(5));
/// ```
#[derive(Debug, Clone)]
pub struct ZokioConnector {
    enforce_http: bool,
    nodelay: bool,
    connect_timeout: Option<Duration>,
}

impl Default for ZokioConnector {
    fn default() -> Self {
        ZokioConnector::new()
    }
}

impl ZokioConnector {
    /// A connector for `http` URIs, with `TCP_NODELAY` and no connect timeout.
    pub fn new() -> Self {
        ZokioConnector {
            enforce_http: true,
            nodelay: true,
            connect_timeout: None,
        }
    }

    /// Whether URIs other than `http://` are refused (default `true`).
    pub fn enforce_http(mut self, enforce: bool) -> Self {
        self.enforce_http = enforce;
        self
    }

    /// Whether connections get `TCP_NODELAY` (default `true`).
    pub fn nodelay(mut self, nodelay: bool) -> Self {
        self.nodelay = nodelay;
        self
    }

    /// A limit on each connection attempt, per address (default none).
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    async fn connect(self, uri: Uri) -> io::Result<ZokioStream> {
        let invalid =
            |what: &str| io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {uri}"));
        if self.enforce_http && uri.scheme_str() != Some("http") {
            return Err(invalid("not an http URI"));
        }
        let host = uri.host().ok_or_else(|| invalid("no host in URI"))?;
        // An IPv6 literal comes bracketed.
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = match uri.port_u16() {
            Some(port) => port,
            None if uri.scheme_str() == Some("https") => 443,
            None => 80,
        };
        let mut last_error = None;
        for addr in zokio::net::lookup_host((host, port)).await? {
            match self.connect_addr(addr).await {
                Ok(stream) => {
                    if self.nodelay {
                        stream.set_nodelay(true)?;
                    }
                    return Ok(ZokioStream {
                        io: ZokioIo::new(stream),
                    });
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("no address for {host}"))
        }))
    }

    async fn connect_addr(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        match self.connect_timeout {
            None => TcpStream::connect(addr).await,
            Some(limit) => zokio::time::timeout(limit, TcpStream::connect(addr))
                .await
                .unwrap_or_else(|_| {
                    Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("connecting to {addr} timed out"),
                    ))
                }),
        }
    }
}

impl tower_service::Service<Uri> for ZokioConnector {
    type Response = ZokioStream;
    type Error = io::Error;
    type Future = Connecting;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Connecting {
        Connecting {
            inner: Box::pin(self.clone().connect(uri)),
        }
    }
}

/// The future of [`ZokioConnector`]'s connection.
#[must_use = "futures do nothing unless polled"]
pub struct Connecting {
    inner: Pin<Box<dyn Future<Output = io::Result<ZokioStream>> + Send>>,
}

impl fmt::Debug for Connecting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connecting").finish_non_exhaustive()
    }
}

impl Future for Connecting {
    type Output = io::Result<ZokioStream>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

/// A connection made by [`ZokioConnector`]: a zokio [`TcpStream`] with hyper's I/O traits and
/// hyper-util's [`Connection`].
#[derive(Debug)]
pub struct ZokioStream {
    io: ZokioIo<TcpStream>,
}

impl ZokioStream {
    /// The TCP stream.
    pub fn get_ref(&self) -> &TcpStream {
        self.io.inner()
    }

    /// Unwraps the TCP stream.
    pub fn into_inner(self) -> TcpStream {
        self.io.into_inner()
    }
}

impl Connection for ZokioStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for ZokioStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for ZokioStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        hyper::rt::Write::is_write_vectored(&self.io)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}

/// Tokio's I/O traits too, for TLS connectors built on tokio-rustls or tokio-native-tls.
impl tokio::io::AsyncRead for ZokioStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(self.io.inner_mut()).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for ZokioStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(self.io.inner_mut()).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.io.inner_mut()).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.io.inner_mut()).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.inner().is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(self.io.inner_mut()).poll_write_vectored(cx, bufs)
    }
}
