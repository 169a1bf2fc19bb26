//! hyper-util's pooled client on `ZokioConnector`, hyper's runtime hooks on zokio, and the
//! absence of any Tokio runtime throughout.

use std::convert::Infallible;
use std::future::IntoFuture;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::rt::{Executor, Timer};
use hyper::{Request, Response};
use zokio::net::TcpListener;
use zokio_hyper::client::{self, ZokioConnector};
use zokio_hyper::{ZokioExecutor, ZokioIo, ZokioTimer};

const LIMIT: Duration = Duration::from_secs(60);

fn no_tokio_runtime() -> bool {
    tokio::runtime::Handle::try_current().is_err()
}

async fn hello(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    assert!(no_tokio_runtime());
    Ok(Response::new(Full::new(Bytes::from(format!(
        "hello {}",
        request.uri().path()
    )))))
}

/// A server that counts the connections it accepts; each is served by `zokio_hyper`'s builder.
async fn counting_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepts = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepts);
    zokio::spawn(async move {
        let builder = Arc::new(zokio_hyper::server::builder());
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            counter.fetch_add(1, Ordering::SeqCst);
            let builder = Arc::clone(&builder);
            zokio::spawn(async move {
                let service = hyper::service::service_fn(hello);
                let _ = builder
                    .serve_connection(ZokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (format!("http://{addr}"), accepts)
}

/// Lets a used connection get back to the pool.
async fn settle() {
    zokio::time::sleep(Duration::from_millis(50)).await;
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pooled_client_reuses_its_connection() {
    zokio::time::timeout(LIMIT, async {
        let (base, accepts) = counting_server().await;
        let client: client::Client<Empty<Bytes>> = client::builder().build(ZokioConnector::new());
        for i in 0..5 {
            let uri = format!("{base}/req{i}").parse().unwrap();
            let response = client.get(uri).await.unwrap();
            assert_eq!(response.status(), hyper::StatusCode::OK);
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, format!("hello /req{i}").as_bytes());
            assert!(no_tokio_runtime());
            // The connection goes back to the pool on a task of its own once the response is
            // read; a request sent before then races a checkout against a new connection.
            settle().await;
        }
        assert_eq!(accepts.load(Ordering::SeqCst), 1, "one pooled connection");

        // Concurrent requests open more connections, which then go back to the pool.
        let requests: Vec<_> = (0..4)
            .map(|i| {
                let client = client.clone();
                let uri: hyper::Uri = format!("{base}/c{i}").parse().unwrap();
                zokio::spawn(async move {
                    let response = client.get(uri).await.unwrap();
                    response.into_body().collect().await.unwrap().to_bytes()
                })
            })
            .collect();
        for (i, request) in requests.into_iter().enumerate() {
            assert_eq!(request.await.unwrap(), format!("hello /c{i}").as_bytes());
        }
        let opened = accepts.load(Ordering::SeqCst);
        assert!((1..=4).contains(&opened), "{opened} connections");
        settle().await;
        for _ in 0..4 {
            let response = client.get(format!("{base}/again").parse().unwrap()).await;
            response.unwrap().into_body().collect().await.unwrap();
            settle().await;
        }
        assert_eq!(accepts.load(Ordering::SeqCst), opened, "pooled again");
    })
    .await
    .expect("within the time limit");
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pooled_client_against_serve_over_http2() {
    zokio::time::timeout(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = zokio::spawn(
            zokio_hyper::serve(listener, hyper::service::service_fn(hello)).into_future(),
        );
        let client: client::Client<Empty<Bytes>> = client::builder()
            .http2_only(true)
            .build(ZokioConnector::new());
        let requests: Vec<_> = (0..8)
            .map(|i| {
                let client = client.clone();
                let uri: hyper::Uri = format!("http://{addr}/h2/{i}").parse().unwrap();
                zokio::spawn(async move {
                    let response = client.get(uri).await.unwrap();
                    assert_eq!(response.version(), hyper::Version::HTTP_2);
                    response.into_body().collect().await.unwrap().to_bytes()
                })
            })
            .collect();
        for (i, request) in requests.into_iter().enumerate() {
            assert_eq!(request.await.unwrap(), format!("hello /h2/{i}").as_bytes());
        }
        server.abort();
    })
    .await
    .expect("within the time limit");
}

#[zokio::test]
async fn connector_errors() {
    let client: client::Client<Empty<Bytes>> = client::builder().build(ZokioConnector::new());
    // Plain http only, unless `enforce_http(false)`.
    let err = client
        .get("https://127.0.0.1:1/".parse().unwrap())
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    // Nothing listens there (port 1 on loopback is refused).
    let err = client
        .get("http://127.0.0.1:1/".parse().unwrap())
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}

#[zokio::test(start_paused = true)]
async fn zokio_timer_sleeps_and_resets_on_paused_time() {
    let timer = ZokioTimer::new();
    let start = zokio::time::Instant::now();
    assert_eq!(timer.now(), start.into_std(), "hyper reads zokio's clock");

    timer.sleep(Duration::from_secs(10)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(10));

    // `reset` moves the sleep in place (no new allocation), earlier or later.
    let mut sleep = timer.sleep_until(timer.now() + Duration::from_secs(3600));
    let before: *const () = (&*sleep as *const dyn hyper::rt::Sleep).cast();
    timer.reset(&mut sleep, timer.now() + Duration::from_secs(5));
    let after: *const () = (&*sleep as *const dyn hyper::rt::Sleep).cast();
    assert_eq!(before, after, "reset in place");
    sleep.as_mut().await;
    assert_eq!(start.elapsed(), Duration::from_secs(15));

    // Sleeps race as expected on the virtual clock.
    let short = pin!(timer.sleep(Duration::from_millis(1500)));
    let long = timer.sleep(Duration::from_secs(7));
    zokio::select! {
        _ = short => {}
        _ = long => panic!("the longer sleep finished first"),
    }
    assert_eq!(start.elapsed(), Duration::from_millis(16_500));
}

#[test]
fn zokio_executor_spawns_on_zokio_without_a_tokio_runtime() {
    let rt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // With a handle, from outside the runtime.
    let executor = ZokioExecutor::with_handle(rt.handle().clone());
    let (tx, rx) = std::sync::mpsc::channel();
    executor.execute(async move {
        tx.send(no_tokio_runtime()).unwrap();
    });
    assert!(rx.recv_timeout(LIMIT).unwrap());
    // Without, from inside it; and a whole client/server exchange, checked inside and after.
    rt.block_on(async {
        let (tx, rx) = zokio::sync::oneshot::channel();
        ZokioExecutor::new().execute(async move {
            tx.send(no_tokio_runtime()).unwrap();
        });
        assert!(rx.await.unwrap());

        let (base, _) = counting_server().await;
        let client: client::Client<Empty<Bytes>> = client::builder().build(ZokioConnector::new());
        let response = client.get(base.parse().unwrap()).await.unwrap();
        assert!(no_tokio_runtime(), "in block_on");
        response.into_body().collect().await.unwrap();
    });
    assert!(no_tokio_runtime(), "after block_on");
}

/// A server that echoes every byte back until the client shuts its side down.
async fn echo_server() -> std::net::SocketAddr {
    use zokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    zokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            zokio::spawn(async move {
                let mut buf = [0; 1024];
                while let Ok(n) = stream.read(&mut buf).await {
                    if n == 0 || stream.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

fn connect(connector: &mut ZokioConnector, uri: &str) -> client::Connecting {
    use tower_service::Service;
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(connector.poll_ready(&mut cx).is_ready(), "always ready");
    connector.call(uri.parse().unwrap())
}

#[zokio::test]
async fn connector_yields_a_tcp_stream_with_tokio_and_hyper_traits() {
    use hyper_util::client::legacy::connect::Connection;
    use zokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};

    zokio::time::timeout(LIMIT, async {
        let addr = echo_server().await;
        let mut connector = ZokioConnector::default()
            .nodelay(false)
            .connect_timeout(Duration::from_secs(30));
        assert_eq!(
            format!("{connector:?}"),
            "ZokioConnector { enforce_http: true, nodelay: false, connect_timeout: Some(30s) }"
        );
        let connecting = connect(&mut connector, &format!("http://{addr}/"));
        assert_eq!(format!("{connecting:?}"), "Connecting { .. }");
        let mut stream = connecting.await.unwrap();
        assert_eq!(stream.get_ref().peer_addr().unwrap(), addr);
        let local = stream.get_ref().local_addr().unwrap();
        assert!(!stream.get_ref().nodelay().unwrap(), "nodelay(false) kept");
        assert!(!stream.connected().is_proxied());

        // Tokio's traits, for TLS connectors built on them.
        assert_eq!(
            stream.is_write_vectored(),
            AsyncWrite::is_write_vectored(stream.get_ref())
        );
        stream.write_all(b"ping").await.unwrap();
        let vectored = stream
            .write_vectored(&[std::io::IoSlice::new(b"-"), std::io::IoSlice::new(b"pong")])
            .await
            .unwrap();
        stream.flush().await.unwrap();
        let mut echoed = vec![0; 4 + vectored];
        stream.read_exact(&mut echoed).await.unwrap();
        assert_eq!(&echoed, &b"ping-pong"[..4 + vectored]);
        stream.shutdown().await.unwrap();
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty(), "everything echoed was read: {rest:?}");
        // The same socket, unwrapped (closed by now: only its own address is left to check).
        let tcp = stream.into_inner();
        assert_eq!(tcp.local_addr().unwrap(), local);

        // The default sets `TCP_NODELAY`.
        let stream = connect(&mut ZokioConnector::new(), &format!("http://{addr}/"))
            .await
            .unwrap();
        assert!(stream.get_ref().nodelay().unwrap());
    })
    .await
    .expect("within the time limit");
}

#[zokio::test]
async fn connector_refuses_what_it_cannot_connect_to() {
    let mut connector = ZokioConnector::new();
    let err = connect(&mut connector, "https://127.0.0.1:1/")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(err.to_string(), "not an http URI: https://127.0.0.1:1/");
    let err = connect(&mut connector.clone().enforce_http(false), "/no/authority")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(err.to_string(), "no host in URI: /no/authority");
    // Nothing listens on port 1 of the loopback address.
    let err = connect(&mut connector, "http://127.0.0.1:1/")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    // Without a port, `http` means 80 (refused on this machine's loopback, or answered there).
    match connect(&mut connector, "http://127.0.0.1/").await {
        Ok(stream) => assert_eq!(stream.get_ref().peer_addr().unwrap().port(), 80),
        Err(err) => assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused),
    }
}

#[zokio::test]
async fn connector_without_enforce_http_connects_https_uris_in_the_clear() {
    let addr = echo_server().await;
    let mut connector = ZokioConnector::new().enforce_http(false);
    let stream = connect(&mut connector, &format!("https://{addr}/"))
        .await
        .unwrap();
    assert_eq!(stream.get_ref().peer_addr().unwrap(), addr);
    // Without a port, `https` means 443 (refused on this machine's loopback, or answered there).
    match connect(&mut connector, "https://127.0.0.1/").await {
        Ok(stream) => assert_eq!(stream.get_ref().peer_addr().unwrap().port(), 443),
        Err(err) => assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused),
    }
}

/// A connection attempt that gets no answer (the listener's accept queue is full, so the kernel
/// drops the SYN) fails with `TimedOut` after the connect timeout.
#[zokio::test]
async fn connect_timeout_bounds_an_attempt_that_gets_no_answer() {
    let socket = zokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut connector = ZokioConnector::new().connect_timeout(Duration::from_millis(200));
    let mut held = Vec::new();
    let mut timed_out = None;
    // The first connections fill the queue (never accepted); a later one times out.
    for _ in 0..16 {
        match connect(&mut connector, &format!("http://{addr}/")).await {
            Ok(stream) => held.push(stream),
            Err(err) => {
                timed_out = Some(err);
                break;
            }
        }
    }
    let err = timed_out.expect("an attempt timed out");
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    assert_eq!(err.to_string(), format!("connecting to {addr} timed out"));
    assert!(!held.is_empty() && held.len() < 16);
    drop(listener);
}

#[zokio::test(start_paused = true)]
async fn zokio_timer_resets_a_foreign_sleep_by_replacing_it() {
    struct Foreign;
    impl std::future::Future for Foreign {
        type Output = ();
        fn poll(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            std::task::Poll::Pending
        }
    }
    impl hyper::rt::Sleep for Foreign {}

    let timer = ZokioTimer::new();
    let start = zokio::time::Instant::now();
    let mut sleep: std::pin::Pin<Box<dyn hyper::rt::Sleep>> = Box::pin(Foreign);
    timer.reset(&mut sleep, timer.now() + Duration::from_secs(2));
    // Not the foreign sleep any more (it never completes): one of ours, with that deadline.
    let ours = sleep
        .as_mut()
        .downcast_mut_pin::<zokio_hyper::ZokioSleep>()
        .expect("replaced by a ZokioSleep");
    assert_eq!(ours.deadline(), start + Duration::from_secs(2));
    sleep.as_mut().await;
    assert_eq!(start.elapsed(), Duration::from_secs(2));
}
