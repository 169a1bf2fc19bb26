//! Libraries written against `tokio::io` work on zokio's I/O types with no glue: tokio-util's
//! `Framed`, hyper 1 through hyper-util's `TokioIo`, and Tokio's own helpers re-exported as
//! `zokio::io`. None of this starts a Tokio runtime; that is checked too.

use std::convert::Infallible;
use std::future::poll_fn;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use futures_lite::StreamExt;
use futures_sink::Sink;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio_util::codec::{Framed, LinesCodec};
use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpStream};

const LIMIT: Duration = Duration::from_secs(60);

fn no_tokio_runtime() -> bool {
    tokio::runtime::Handle::try_current().is_err()
}

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// Sends one item through a `Sink` (tokio-util's `Framed` is a futures `Sink`).
async fn send<S: Sink<I> + Unpin, I>(sink: &mut S, item: I) -> Result<(), S::Error> {
    poll_fn(|cx| Pin::new(&mut *sink).poll_ready(cx)).await?;
    Pin::new(&mut *sink).start_send(item)?;
    poll_fn(|cx| Pin::new(&mut *sink).poll_flush(cx)).await
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_util_framed_lines_over_a_zokio_tcp_stream() {
    zokio::time::timeout(LIMIT, async {
        let (client, server) = tcp_pair().await;
        // The server upper-cases each line, on another zokio task.
        let echo = zokio::spawn(async move {
            assert!(no_tokio_runtime());
            let mut lines = Framed::new(server, LinesCodec::new());
            let mut count = 0;
            while let Some(line) = lines.next().await {
                send(&mut lines, line.unwrap().to_uppercase())
                    .await
                    .unwrap();
                count += 1;
            }
            count
        });
        let mut lines = Framed::new(client, LinesCodec::new());
        for word in ["alpha", "beta", "gamma"] {
            send(&mut lines, word.to_string()).await.unwrap();
            let reply = lines.next().await.unwrap().unwrap();
            assert_eq!(reply, word.to_uppercase());
        }
        // Half-close through the inner stream: the server's `Framed` ends.
        lines.get_mut().shutdown().await.unwrap();
        assert_eq!(echo.await.unwrap(), 3);
        assert!(lines.next().await.is_none());
    })
    .await
    .expect("within the time limit");
}

async fn hello(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    assert!(no_tokio_runtime(), "the service runs on a zokio task");
    let path = request.uri().path().to_owned();
    let body = request.into_body().collect().await.unwrap().to_bytes();
    let text = format!(
        "{path}: {} bytes: {}",
        body.len(),
        String::from_utf8_lossy(&body)
    );
    Ok(Response::new(Full::new(Bytes::from(text))))
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_http1_through_tokio_io_on_zokio_sockets() {
    zokio::time::timeout(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = zokio::spawn(async move {
            // One connection, several requests on it (keep-alive).
            let (stream, _) = listener.accept().await.unwrap();
            hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), hyper::service::service_fn(hello))
                .await
        });

        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        let driver = zokio::spawn(connection);
        for (path, body) in [("/one", "first"), ("/two", "")] {
            let request = Request::builder()
                .uri(path)
                .header(hyper::header::HOST, "localhost")
                .body(Full::new(Bytes::from(body)))
                .unwrap();
            // The connection takes the next request only once the previous exchange is done.
            sender.ready().await.unwrap();
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.status(), hyper::StatusCode::OK);
            let text = response.into_body().collect().await.unwrap().to_bytes();
            let expected = format!("{path}: {} bytes: {body}", body.len());
            assert_eq!(text, expected.as_bytes());
        }
        // Dropping the sender ends the client connection, and the server's with it.
        drop(sender);
        driver.await.unwrap().unwrap();
        server.await.unwrap().unwrap();
    })
    .await
    .expect("within the time limit");
}

#[test]
fn a_zokio_program_never_starts_a_tokio_runtime() {
    for rt in [
        zokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        zokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    ] {
        rt.block_on(async {
            assert!(no_tokio_runtime(), "in block_on");
            let on_task = zokio::spawn(async { no_tokio_runtime() }).await.unwrap();
            assert!(on_task, "in a task");
            let blocking = zokio::task::spawn_blocking(no_tokio_runtime).await.unwrap();
            assert!(blocking, "on the blocking pool");
            // Tokio's helpers run fine without one.
            let (mut a, mut b) = zokio::io::duplex(64);
            a.write_all(b"duplex").await.unwrap();
            let mut got = [0; 6];
            b.read_exact(&mut got).await.unwrap();
            assert_eq!(&got, b"duplex");
        });
        assert!(no_tokio_runtime(), "after block_on");
    }
}

#[zokio::test]
async fn tokio_helpers_re_exported_as_zokio_io() {
    zokio::time::timeout(LIMIT, tokio_helpers())
        .await
        .expect("within the time limit");
}

async fn tokio_helpers() {
    // `copy` from an in-memory duplex stream to a zokio socket, read at the other end meanwhile.
    let (mut client, mut server) = tcp_pair().await;
    let (mut near, mut far) = zokio::io::duplex(1024);
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    let expected = data.clone();
    let writer = zokio::spawn(async move {
        far.write_all(&data).await.unwrap();
        far.shutdown().await.unwrap();
    });
    let reader = zokio::spawn(async move {
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.unwrap();
        (got, server)
    });
    let copied = zokio::io::copy(&mut near, &mut client).await.unwrap();
    assert_eq!(copied, expected.len() as u64);
    client.shutdown().await.unwrap();
    writer.await.unwrap();
    let (got, server) = reader.await.unwrap();
    assert!(got == expected, "copied bytes differ");

    // `split` (Tokio's generic one), `BufReader`, `chain`, `take`, `empty`, `sink`, `repeat`.
    let (read, mut write) = zokio::io::split(server);
    write.write_all(b"reply\n").await.unwrap();
    write.shutdown().await.unwrap();
    let mut line = String::new();
    let mut reader = zokio::io::BufReader::new(client);
    zokio::io::AsyncBufReadExt::read_line(&mut reader, &mut line)
        .await
        .unwrap();
    assert_eq!(line, "reply\n");
    drop(read);
    let mut joined = Vec::new();
    (&b"ab"[..])
        .chain(zokio::io::repeat(b'z').take(3))
        .read_to_end(&mut joined)
        .await
        .unwrap();
    assert_eq!(joined, b"abzzz");
    let mut nothing = Vec::new();
    zokio::io::empty().read_to_end(&mut nothing).await.unwrap();
    assert!(nothing.is_empty());
    let n = zokio::io::copy(&mut &b"gone"[..], &mut zokio::io::sink())
        .await
        .unwrap();
    assert_eq!(n, 4);
    let (mut rx, mut tx) = zokio::io::simplex(16);
    tx.write_all(b"one way").await.unwrap();
    // The halves share one stream: end of file comes from `shutdown`, not from a drop.
    tx.shutdown().await.unwrap();
    let mut got = String::new();
    rx.read_to_string(&mut got).await.unwrap();
    assert_eq!(got, "one way");
}

#[zokio::test]
async fn the_futures_io_family_stays_available() {
    let (mut a, mut b) = zokio::net::UnixStream::pair().unwrap();
    // Call through the futures-lite traits explicitly: both families are implemented.
    zokio::io::futures::AsyncWriteExt::write_all(&mut a, b"futures")
        .await
        .unwrap();
    zokio::io::futures::AsyncWriteExt::close(&mut a)
        .await
        .unwrap();
    let mut got = String::new();
    zokio::io::futures::AsyncReadExt::read_to_string(&mut b, &mut got)
        .await
        .unwrap();
    assert_eq!(got, "futures");
}
