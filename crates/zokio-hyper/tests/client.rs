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
