//! The HTTP workload: a hyper hello-world server on each runtime, and one client for all of them.
//!
//! - The server runs on the runtime under test (its multi-thread set-up): zokio serves with
//!   `zokio_hyper::serve`, Tokio with hyper-util's `auto::Builder` on `TokioExecutor`, `TokioIo`
//!   and `TokioTimer` (the accept loop `axum::serve` runs). Both detect the protocol per
//!   connection, serve `serve_connection_with_upgrades`, set `TCP_NODELAY` and give hyper a timer
//!   (so HTTP/1's default 30 s header read timeout is armed on both), so only the runtime differs.
//! - The client is the same for every runtime: raw HTTP/1.1 keep-alive `GET`s, one request in
//!   flight per connection, over [`CONNECTIONS`] loopback connections, on a Tokio current-thread
//!   runtime driven by the bench thread (not the server's threads).

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::rt::{Rt, TokioMt, ZokioMt};

/// Open client connections.
pub const CONNECTIONS: usize = 32;

/// The response body.
pub const BODY: &[u8] = b"Hello, World!";

/// The request every client sends.
const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nhost: localhost\r\n\r\n";

/// The hello-world service, the same for every runtime.
pub async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(BODY))))
}

fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

/// A runtime that can serve the hello-world service.
pub trait HttpRt: Rt {
    /// Starts the server on a loopback port inside the runtime; returns its address.
    fn start_server(&self) -> SocketAddr;
}

impl HttpRt for ZokioMt {
    fn start_server(&self) -> SocketAddr {
        self.block_on(async {
            let listener = zokio::net::TcpListener::bind(loopback())
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("local addr");
            let service = hyper::service::service_fn(hello);
            Self::spawn_detached(async move {
                zokio_hyper::serve(listener, service).await.expect("serve");
            });
            addr
        })
    }
}

impl HttpRt for TokioMt {
    fn start_server(&self) -> SocketAddr {
        use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
        use hyper_util::server::conn::auto::Builder;

        self.block_on(async {
            let listener = tokio::net::TcpListener::bind(loopback())
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("local addr");
            let mut builder = Builder::new(TokioExecutor::new());
            builder.http1().timer(TokioTimer::new());
            builder.http2().timer(TokioTimer::new());
            let builder = std::sync::Arc::new(builder);
            Self::spawn_detached(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let builder = builder.clone();
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(hello);
                        let _ = builder
                            .serve_connection_with_upgrades(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
            addr
        })
    }
}

/// Client connections to a hello-world server on runtime `R`, and the client's own runtime.
///
/// Fields drop in order: the connections, then the client's runtime, then the server's.
pub struct HelloClients<R: HttpRt> {
    streams: Vec<(tokio::net::TcpStream, Vec<u8>)>,
    client: tokio::runtime::Runtime,
    _server: R,
}

impl<R: HttpRt> HelloClients<R> {
    /// Starts the server on `server` and opens `connections` keep-alive connections to it.
    pub fn connect(server: R, connections: usize) -> Self {
        let addr = server.start_server();
        let client = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("client runtime");
        let streams = client.block_on(async {
            let mut streams = Vec::with_capacity(connections);
            for _ in 0..connections {
                let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                streams.push((stream, Vec::with_capacity(4096)));
            }
            streams
        });
        HelloClients {
            streams,
            client,
            _server: server,
        }
    }

    /// Every connection sends `requests` requests, one at a time, and reads every response;
    /// returns when all are done.
    pub fn requests(&mut self, requests: usize) {
        let streams = std::mem::take(&mut self.streams);
        self.streams = self.client.block_on(async move {
            let tasks: Vec<_> = streams
                .into_iter()
                .map(|(mut stream, mut buf)| {
                    tokio::spawn(async move {
                        for _ in 0..requests {
                            stream.write_all(REQUEST).await.expect("write request");
                            read_response(&mut stream, &mut buf)
                                .await
                                .expect("read response");
                        }
                        (stream, buf)
                    })
                })
                .collect();
            let mut streams = Vec::with_capacity(tasks.len());
            for task in tasks {
                streams.push(task.await.expect("client task"));
            }
            streams
        });
    }
}

/// Reads one `200 OK` response with body [`BODY`]; `buf` carries bytes over between calls.
async fn read_response(stream: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> io::Result<()> {
    loop {
        if let Some(len) = complete_response(buf)? {
            buf.drain(..len);
            return Ok(());
        }
        if stream.read_buf(buf).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
}

/// The length of the complete response at the start of `buf`, if it is all there.
fn complete_response(buf: &[u8]) -> io::Result<Option<usize>> {
    let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("{what}: {head}"));
    if !head.starts_with("HTTP/1.1 200 ") {
        return Err(bad("not 200 OK"));
    }
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .ok_or_else(|| bad("no content-length"))?;
    let total = head_end + 4 + length;
    if buf.len() < total {
        return Ok(None);
    }
    if &buf[head_end + 4..total] != BODY {
        return Err(bad("unexpected body"));
    }
    Ok(Some(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello_world<R: HttpRt>() {
        let mut clients = HelloClients::connect(R::build(), 4);
        clients.requests(3);
        clients.requests(2);
    }

    #[test]
    fn hello_world_on_zokio() {
        hello_world::<ZokioMt>();
    }

    #[test]
    fn hello_world_on_tokio() {
        hello_world::<TokioMt>();
    }

    #[test]
    fn responses_are_parsed_across_reads() {
        let response =
            b"HTTP/1.1 200 OK\r\ncontent-length: 13\r\ndate: x\r\n\r\nHello, World!HTTP/1.1";
        assert_eq!(complete_response(&response[..20]).unwrap(), None);
        assert_eq!(complete_response(&response[..60]).unwrap(), None);
        assert_eq!(
            complete_response(response).unwrap(),
            Some(response.len() - 8)
        );
        assert!(complete_response(b"HTTP/1.1 404 Not Found\r\n\r\n").is_err());
    }
}
