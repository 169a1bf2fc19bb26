//! `zokio_hyper::serve` with an axum `Router` and a hyper service, over HTTP/1 and HTTP/2, and its
//! graceful shutdown. Clients are hyper's own connection-level clients on zokio sockets.

use std::convert::Infallible;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::Path;
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use zokio::net::{TcpListener, TcpStream};
use zokio_hyper::{ZokioExecutor, ZokioIo, ZokioTimer};

const LIMIT: Duration = Duration::from_secs(60);

fn no_tokio_runtime() -> bool {
    tokio::runtime::Handle::try_current().is_err()
}

fn router() -> Router {
    Router::new()
        .route(
            "/",
            get(|| async {
                assert!(no_tokio_runtime(), "handlers run on zokio");
                "hello"
            }),
        )
        .route(
            "/hello/{name}",
            get(|Path(name): Path<String>| async move { format!("hello, {name}") }),
        )
        .route(
            "/sum",
            post(|Json(numbers): Json<Vec<i64>>| async move {
                Json(serde_json::json!({ "sum": numbers.iter().sum::<i64>() }))
            }),
        )
}

/// Starts `serve` on a loopback port, with a graceful shutdown trigger.
async fn start_router() -> (
    SocketAddr,
    zokio::sync::oneshot::Sender<()>,
    zokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
    let server = zokio::spawn(
        zokio_hyper::serve(listener, router())
            .with_graceful_shutdown(async {
                stopped.await.ok();
            })
            .into_future(),
    );
    (addr, stop, server)
}

fn request(method: &str, path: &str, body: &str) -> Request<Full<Bytes>> {
    Request::builder()
        .method(method)
        .uri(format!("http://localhost{path}"))
        .header(hyper::header::HOST, "localhost")
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap()
}

async fn text(response: Response<Incoming>) -> (StatusCode, String) {
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// The routes, a JSON body, an extractor and a 404, in order on one sender (HTTP/1 or HTTP/2).
macro_rules! exercise_router {
    ($sender:expr) => {{
        let sender = &mut $sender;
        // hyper's connection-level senders take a request only once `ready` (HTTP/1: once the
        // previous exchange is over).
        macro_rules! send {
            ($request:expr) => {{
                sender.ready().await.unwrap();
                sender.send_request($request).await.unwrap()
            }};
        }
        let (status, body) = text(send!(request("GET", "/", ""))).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "hello"));
        let response = send!(request("GET", "/hello/zokio", ""));
        assert_eq!(text(response).await.1, "hello, zokio");
        let response = send!(request("POST", "/sum", "[1, 2, 39]"));
        let (status, body) = text(response).await;
        assert_eq!(status, StatusCode::OK);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["sum"], 42);
        let response = send!(request("GET", "/missing", ""));
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }};
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_router_over_http1() {
    zokio::time::timeout(LIMIT, async {
        let (addr, stop, server) = start_router().await;
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(ZokioIo::new(stream))
            .await
            .unwrap();
        let driver = zokio::spawn(connection);
        exercise_router!(sender);
        drop(sender);
        driver.await.unwrap().unwrap();
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    })
    .await
    .expect("within the time limit");
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_router_over_http2() {
    zokio::time::timeout(LIMIT, async {
        let (addr, stop, server) = start_router().await;
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) =
            hyper::client::conn::http2::Builder::new(ZokioExecutor::new())
                .timer(ZokioTimer::new())
                .handshake(ZokioIo::new(stream))
                .await
                .unwrap();
        let driver = zokio::spawn(connection);
        exercise_router!(sender);
        // Streams in parallel on the one connection.
        let requests: Vec<_> = (0..16)
            .map(|i| {
                let response = sender.send_request(request("GET", &format!("/hello/{i}"), ""));
                zokio::spawn(async move { text(response.await.unwrap()).await.1 })
            })
            .collect();
        for (i, request) in requests.into_iter().enumerate() {
            assert_eq!(request.await.unwrap(), format!("hello, {i}"));
        }
        // Graceful shutdown: GOAWAY, and the server finishes with the client still connected.
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        drop(sender);
        let _ = driver.await.unwrap();
    })
    .await
    .expect("within the time limit");
}

async fn echo(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    assert!(no_tokio_runtime(), "hyper services run on zokio");
    let body = request.into_body().collect().await.unwrap().to_bytes();
    Ok(Response::new(Full::new(body)))
}

#[zokio::test]
async fn hyper_service_fn_on_a_current_thread_runtime() {
    zokio::time::timeout(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = zokio::spawn(
            zokio_hyper::serve(listener, hyper::service::service_fn(echo)).into_future(),
        );
        for _ in 0..2 {
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(ZokioIo::new(stream))
                    .await
                    .unwrap();
            let driver = zokio::spawn(connection);
            for body in ["one", "two", ""] {
                sender.ready().await.unwrap();
                let response = sender
                    .send_request(request("POST", "/", body))
                    .await
                    .unwrap();
                assert_eq!(text(response).await, (StatusCode::OK, body.to_owned()));
            }
            drop(sender);
            driver.await.unwrap().unwrap();
        }
        // Without a shutdown signal the server runs until it is dropped.
        server.abort();
        assert!(server.await.unwrap_err().is_cancelled());
    })
    .await
    .expect("within the time limit");
}

/// A router whose `/slow` handler reports that it started, then waits to be released.
fn slow_router(
    started: zokio::sync::mpsc::Sender<()>,
    release: zokio::sync::watch::Receiver<bool>,
) -> Router {
    Router::new().route(
        "/slow",
        get(move || {
            let started = started.clone();
            let mut release = release.clone();
            async move {
                started.send(()).await.unwrap();
                release.wait_for(|go| *go).await.unwrap();
                "finished"
            }
        }),
    )
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_drains_an_in_flight_request() {
    zokio::time::timeout(LIMIT, async {
        let (started_tx, mut started) = zokio::sync::mpsc::channel(1);
        let (release, release_rx) = zokio::sync::watch::channel(false);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
        let server = zokio::spawn(
            zokio_hyper::serve(listener, slow_router(started_tx, release_rx))
                .with_graceful_shutdown(async {
                    stopped.await.ok();
                })
                .into_future(),
        );

        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(ZokioIo::new(stream))
            .await
            .unwrap();
        let driver = zokio::spawn(connection);
        let in_flight = zokio::spawn(sender.send_request(request("GET", "/slow", "")));
        started.recv().await.unwrap();

        // Shut down while the request is in flight: the listener closes, the server waits.
        stop.send(()).unwrap();
        let mut refused = false;
        for _ in 0..200 {
            if TcpStream::connect(addr).await.is_err() {
                refused = true;
                break;
            }
            zokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(refused, "the listener is closed once shutdown starts");
        zokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !server.is_finished(),
            "the server waits for the request in flight"
        );

        // The request completes in full, then the connection and the server end.
        release.send(true).unwrap();
        let response = in_flight.await.unwrap().unwrap();
        assert_eq!(
            text(response).await,
            (StatusCode::OK, "finished".to_owned())
        );
        server.await.unwrap().unwrap();
        driver.await.unwrap().unwrap();
    })
    .await
    .expect("within the time limit");
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_is_bounded_by_the_drain_timeout() {
    zokio::time::timeout(LIMIT, async {
        let (started_tx, mut started) = zokio::sync::mpsc::channel(1);
        // Never released.
        let (_release, release_rx) = zokio::sync::watch::channel(false);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
        let server = zokio::spawn(
            zokio_hyper::serve(listener, slow_router(started_tx, release_rx))
                .with_graceful_shutdown(async {
                    stopped.await.ok();
                })
                .drain_timeout(Duration::from_millis(200))
                .into_future(),
        );
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(ZokioIo::new(stream))
            .await
            .unwrap();
        let driver = zokio::spawn(connection);
        let in_flight = zokio::spawn(sender.send_request(request("GET", "/slow", "")));
        started.recv().await.unwrap();

        let start = std::time::Instant::now();
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(150),
            "waited for the drain timeout: {took:?}"
        );
        // The connection was closed under the request.
        assert!(in_flight.await.unwrap().is_err());
        let _ = driver.await.unwrap();
    })
    .await
    .expect("within the time limit");
}

#[zokio::test(start_paused = true)]
async fn header_read_timeout_runs_on_paused_zokio_time() {
    use zokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut builder = zokio_hyper::server::builder();
    builder
        .http1()
        .header_read_timeout(Duration::from_secs(3600));
    let _server = zokio::spawn(
        zokio_hyper::serve(listener, router())
            .builder(builder)
            .into_future(),
    );
    let real = std::time::Instant::now();
    let virtual_start = zokio::time::Instant::now();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // Half a request: the server waits for the rest of the headers, for an hour of zokio's time.
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: localhost\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    // Ends (with a 408 response or none) when the server gives up on the connection.
    let _ = stream.read_to_end(&mut rest).await;
    let waited = virtual_start.elapsed();
    assert!(
        waited >= Duration::from_secs(3600),
        "virtual wait {waited:?}"
    );
    assert!(
        real.elapsed() < Duration::from_secs(60),
        "paused time, no real hour"
    );
    if !rest.is_empty() {
        assert!(
            rest.starts_with(b"HTTP/1.1 408"),
            "{}",
            String::from_utf8_lossy(&rest)
        );
    }

    // A whole request on a new connection is answered.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("hello"), "{response}");
}

#[zokio::test]
async fn serve_reports_its_settings_and_address() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serve = zokio_hyper::serve(listener, router());
    assert_eq!(serve.local_addr().unwrap(), addr);
    let debug = format!("{serve:?}");
    assert!(debug.starts_with("Serve { listener: "), "{debug}");
    assert!(
        debug.ends_with(
            "tcp_nodelay: true, drain_timeout: Some(30s), graceful_shutdown: false, .. }"
        ),
        "{debug}"
    );
    let serve = serve
        .tcp_nodelay(false)
        .drain_timeout(None)
        .with_graceful_shutdown(std::future::pending());
    let debug = format!("{serve:?}");
    assert!(
        debug.ends_with("tcp_nodelay: false, drain_timeout: None, graceful_shutdown: true, .. }"),
        "{debug}"
    );
    assert_eq!(
        zokio_hyper::server::DEFAULT_DRAIN_TIMEOUT,
        Duration::from_secs(30)
    );
}

/// Starts `serve` with the slow router, `tcp_nodelay(false)` and no drain timeout, and one request
/// in flight on `/slow`. Returns the server's address, its stop trigger, the server task, the
/// request in flight, the client connection's task and the handler's release.
async fn slow_server_without_drain_timeout() -> (
    SocketAddr,
    zokio::sync::oneshot::Sender<()>,
    zokio::task::JoinHandle<std::io::Result<()>>,
    zokio::task::JoinHandle<hyper::Result<Response<Incoming>>>,
    zokio::task::JoinHandle<hyper::Result<()>>,
    zokio::sync::watch::Sender<bool>,
) {
    let (started_tx, mut started) = zokio::sync::mpsc::channel(1);
    let (release, release_rx) = zokio::sync::watch::channel(false);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
    let server = zokio::spawn(
        zokio_hyper::serve(listener, slow_router(started_tx, release_rx))
            .tcp_nodelay(false)
            .drain_timeout(None)
            .with_graceful_shutdown(async {
                stopped.await.ok();
            })
            .into_future(),
    );
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(ZokioIo::new(stream))
        .await
        .unwrap();
    let driver = zokio::spawn(connection);
    let in_flight = zokio::spawn(sender.send_request(request("GET", "/slow", "")));
    started.recv().await.unwrap();
    (addr, stop, server, in_flight, driver, release)
}

/// Waits (bounded) until connecting to `addr` is refused: the server has closed its listener.
async fn until_refused(addr: SocketAddr) {
    for _ in 0..500 {
        if TcpStream::connect(addr).await.is_err() {
            return;
        }
        zokio::task::yield_now().await;
    }
    panic!("the listener is still open");
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_without_a_drain_timeout_waits_as_long_as_it_takes() {
    zokio::time::timeout(LIMIT, async {
        let (addr, stop, server, in_flight, driver, release) =
            slow_server_without_drain_timeout().await;
        stop.send(()).unwrap();
        until_refused(addr).await;
        // The handler is still held: the server cannot have finished draining.
        assert!(!server.is_finished());
        release.send(true).unwrap();
        let response = in_flight.await.unwrap().unwrap();
        assert_eq!(
            text(response).await,
            (StatusCode::OK, "finished".to_owned())
        );
        server.await.unwrap().unwrap();
        driver.await.unwrap().unwrap();
    })
    .await
    .expect("within the time limit");
}

/// Aborting the server while it drains (cancellation at that await point) closes the connections
/// it was waiting for.
#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborting_a_draining_server_closes_its_connections() {
    zokio::time::timeout(LIMIT, async {
        let (addr, stop, server, in_flight, driver, _release) =
            slow_server_without_drain_timeout().await;
        stop.send(()).unwrap();
        until_refused(addr).await;
        assert!(!server.is_finished());
        server.abort();
        assert!(server.await.unwrap_err().is_cancelled());
        // The connection was dropped with the server: the request fails, the client ends.
        assert!(in_flight.await.unwrap().is_err());
        let _ = driver.await.unwrap();
    })
    .await
    .expect("within the time limit");
}
