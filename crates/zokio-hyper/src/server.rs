//! Serving HTTP/1 and HTTP/2 on a zokio [`TcpListener`]: [`serve`] and [`Serve`].

use std::error::Error as StdError;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::{Request, Response};
use hyper_util::server::conn::auto::{Builder, HttpServerConnExec};
use zokio::net::{TcpListener, TcpStream};
use zokio::task::JoinSet;

use crate::service::IntoHyperService;
use crate::{ZokioExecutor, ZokioIo, ZokioTimer};

type BoxError = Box<dyn StdError + Send + Sync>;
type Signal = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How long [`Serve`] lets open connections finish after its shutdown signal, by default.
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// hyper-util's protocol-detecting connection builder (HTTP/1 or HTTP/2, from the first bytes of
/// each connection), set up for zokio: [`ZokioExecutor`] for HTTP/2's tasks and [`ZokioTimer`] for
/// the HTTP/1 and HTTP/2 timeouts.
///
/// [`serve`] uses this by default; it is public for serving connections by hand, or to tune it
/// and pass it to [`Serve::builder`].
///
/// ```
/// let mut builder = zokio_hyper::server::builder();
/// builder.http1().max_buf_size(64 * 1024);
/// builder.http2().max_concurrent_streams(100);
/// ```
pub fn builder() -> Builder<ZokioExecutor> {
    let mut builder = Builder::new(ZokioExecutor::new());
    builder.http1().timer(ZokioTimer::new());
    builder.http2().timer(ZokioTimer::new());
    builder
}

/// Serves `service` on every connection `listener` accepts, over HTTP/1 or HTTP/2 (detected per
/// connection), each connection on its own zokio task. Await the returned [`Serve`] to run it.
///
/// `service` is a tower [`Service`](tower_service::Service), such as an axum `Router`, or a
/// hyper [`Service`](hyper::service::Service), such as `hyper::service::service_fn(..)`, for
/// `http::Request<hyper::body::Incoming>`; see [`IntoHyperService`]. Every connection gets a clone.
///
/// Without [`with_graceful_shutdown`](Serve::with_graceful_shutdown) the future runs until it is
/// dropped. Dropping it (or aborting its task) closes the listener and every open connection.
/// Accepted sockets get `TCP_NODELAY` unless [`tcp_nodelay(false)`](Serve::tcp_nodelay). An accept
/// error that concerns one connection (reset, aborted) is skipped; any other (out of file
/// descriptors, say) pauses accepting for a second.
///
/// ```
/// use std::convert::Infallible;
/// use http_body_util::Full;
/// use hyper::{Request, Response, body::{Bytes, Incoming}};
///
/// async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
///     Ok(Response::new(Full::new(Bytes::from("hello"))))
/// }
///
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
/// let server = zokio::spawn(
///     zokio_hyper::serve(listener, hyper::service::service_fn(hello))
///         .with_graceful_shutdown(async { stopped.await.ok(); })
///         .into_future(),
/// );
/// // ... clients talk to it ...
/// stop.send(()).unwrap();
/// server.await.unwrap()?;
/// # std::io::Result::Ok(()) }).unwrap();
/// # use std::future::IntoFuture;
/// ```
pub fn serve<S, M>(listener: TcpListener, service: S) -> Serve<S::Service>
where
    S: IntoHyperService<M>,
{
    Serve {
        listener,
        service: service.into_hyper_service(),
        builder: builder(),
        tcp_nodelay: true,
        drain_timeout: Some(DEFAULT_DRAIN_TIMEOUT),
        signal: None,
    }
}

/// A server being set up; made by [`serve`], run by awaiting it (it is [`IntoFuture`]).
///
/// Its future's output is `io::Result<()>`: `Ok(())` once a graceful shutdown has finished.
#[must_use = "a server does nothing until it is awaited"]
pub struct Serve<S> {
    listener: TcpListener,
    service: S,
    builder: Builder<ZokioExecutor>,
    tcp_nodelay: bool,
    drain_timeout: Option<Duration>,
    signal: Option<Signal>,
}

impl<S> fmt::Debug for Serve<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .field("tcp_nodelay", &self.tcp_nodelay)
            .field("drain_timeout", &self.drain_timeout)
            .field("graceful_shutdown", &self.signal.is_some())
            .finish_non_exhaustive()
    }
}

impl<S> Serve<S> {
    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Shuts the server down gracefully once `signal` completes: it stops accepting (the listener
    /// is closed), asks every open connection to finish (HTTP/1 connections close after the
    /// response in flight, idle ones at once; HTTP/2 connections send GOAWAY and finish their open
    /// streams), waits for them for at most the [drain timeout](Serve::drain_timeout), closes the
    /// ones left, and then the server's future completes with `Ok(())`.
    pub fn with_graceful_shutdown<F>(mut self, signal: F) -> Self
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.signal = Some(Box::pin(signal));
        self
    }

    /// How long a graceful shutdown waits for open connections before closing them: `None` waits
    /// for as long as they take. [`DEFAULT_DRAIN_TIMEOUT`] (30 s) by default.
    pub fn drain_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.drain_timeout = timeout.into();
        self
    }

    /// Whether accepted sockets get `TCP_NODELAY` (default `true`).
    pub fn tcp_nodelay(mut self, nodelay: bool) -> Self {
        self.tcp_nodelay = nodelay;
        self
    }

    /// Serves with `builder` instead of the default [`builder()`]: to set HTTP/1 or HTTP/2 options,
    /// or to serve one protocol only (`http1_only()`, `http2_only()`). Give it [`ZokioTimer`] for
    /// the timeouts, as [`builder()`] does.
    ///
    /// ```
    /// # async fn f(listener: zokio::net::TcpListener, router: axum::Router) -> std::io::Result<()> {
    /// let mut builder = zokio_hyper::server::builder();
    /// builder.http1().header_read_timeout(std::time::Duration::from_secs(5));
    /// zokio_hyper::serve(listener, router).builder(builder).await
    /// # }
    /// ```
    pub fn builder(mut self, builder: Builder<ZokioExecutor>) -> Self {
        self.builder = builder;
        self
    }
}

impl<S, B> IntoFuture for Serve<S>
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    ZokioExecutor: HttpServerConnExec<S::Future, B>,
{
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

impl<S, B> Serve<S>
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    ZokioExecutor: HttpServerConnExec<S::Future, B>,
{
    async fn run(self) -> io::Result<()> {
        let Serve {
            listener,
            service,
            builder,
            tcp_nodelay,
            drain_timeout,
            signal,
        } = self;
        let builder = Arc::new(builder);
        let graceful = signal.is_some();
        let mut signal = signal.unwrap_or_else(|| Box::pin(std::future::pending()));
        // `true` asks every connection to finish.
        let (stop_tx, stop_rx) = zokio::sync::watch::channel(false);
        let mut connections = JoinSet::new();
        loop {
            // Forget the connections that have finished.
            while connections.try_join_next().is_some() {}
            let stream = zokio::select! {
                biased;
                _ = &mut signal => break,
                stream = accept(&listener) => stream,
            };
            if tcp_nodelay {
                // Best effort: the peer may already be gone.
                let _ = stream.set_nodelay(true);
            }
            let service = service.clone();
            let builder = Arc::clone(&builder);
            let stop = graceful.then(|| stop_rx.clone());
            connections.spawn(serve_connection(builder, stream, service, stop));
        }

        // Graceful shutdown: stop accepting, ask the connections to finish, wait for them.
        drop(listener);
        // No receiver left only means no connection is open.
        let _ = stop_tx.send(true);
        let drain = async { while connections.join_next().await.is_some() {} };
        match drain_timeout {
            None => drain.await,
            Some(limit) => {
                if zokio::time::timeout(limit, drain).await.is_err() {
                    connections.shutdown().await;
                }
            }
        }
        Ok(())
    }
}

/// Accepts the next connection, skipping errors.
async fn accept(listener: &TcpListener) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => return stream,
            Err(e) if is_connection_error(&e) => continue,
            // Out of file descriptors, say: give connections time to close before trying again.
            Err(_) => zokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

/// An accept error about one connection only.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Serves one connection; with `stop`, finishes it gracefully once `stop` turns `true` (or its
/// sender is gone).
async fn serve_connection<S, B>(
    builder: Arc<Builder<ZokioExecutor>>,
    stream: TcpStream,
    service: S,
    stop: Option<zokio::sync::watch::Receiver<bool>>,
) where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    ZokioExecutor: HttpServerConnExec<S::Future, B>,
{
    let mut connection =
        pin!(builder.serve_connection_with_upgrades(ZokioIo::new(stream), service));
    // Connection errors (a client that goes away mid-request, a malformed request) concern that
    // client only: the connection ends, the server goes on.
    let Some(mut stop) = stop else {
        let _ = connection.await;
        return;
    };
    zokio::select! {
        biased;
        _ = connection.as_mut() => return,
        _ = stop.changed() => {}
    }
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}
