//! The network workload: request/response round trips over loopback TCP.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};

use crate::rt::NetRt;

/// Size of every request and response.
pub const MESSAGE: usize = 64;

/// Open connections to an echo server running on the runtime.
pub struct EchoClients<R: NetRt> {
    streams: Vec<R::Stream>,
}

/// Echoes fixed-size messages until the peer goes away.
async fn echo<R: NetRt>(mut stream: R::Stream) {
    let mut buf = [0u8; MESSAGE];
    while R::read_exact(&mut stream, &mut buf).await.is_ok() {
        if R::write_all(&mut stream, &buf).await.is_err() {
            break;
        }
    }
}

/// Starts an echo server on 127.0.0.1 inside `rt` and opens `connections` connections to it.
pub fn connect_streams<R: NetRt>(rt: &R, connections: usize) -> Vec<R::Stream> {
    rt.block_on(async move {
        let listener = R::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .expect("bind loopback listener");
        let addr = R::local_addr(&listener).expect("listener address");
        R::spawn_detached(async move {
            for _ in 0..connections {
                let stream = R::accept(&listener).await.expect("accept");
                R::spawn_detached(echo::<R>(stream));
            }
        });
        let mut streams = Vec::with_capacity(connections);
        for _ in 0..connections {
            streams.push(R::connect(addr).await.expect("connect to loopback"));
        }
        streams
    })
}

/// One request/response round trip of [`MESSAGE`] bytes; `buf` holds the request and receives the
/// response.
pub async fn round_trip<R: NetRt>(stream: &mut R::Stream, buf: &mut [u8; MESSAGE]) {
    R::write_all(stream, buf).await.expect("write request");
    R::read_exact(stream, buf).await.expect("read response");
}

impl<R: NetRt> EchoClients<R> {
    /// Starts an echo server on 127.0.0.1 and opens `connections` connections to it.
    pub fn connect(rt: &R, connections: usize) -> Self {
        EchoClients {
            streams: connect_streams(rt, connections),
        }
    }

    /// Number of open connections.
    pub fn connections(&self) -> usize {
        self.streams.len()
    }

    /// Every connection, in its own task, does `rounds` round trips; returns when all are done.
    pub fn round_trips(&mut self, rt: &R, rounds: usize) {
        let streams = std::mem::take(&mut self.streams);
        self.streams = crate::workloads::run(rt, async move {
            let handles: Vec<_> = streams
                .into_iter()
                .enumerate()
                .map(|(i, mut stream)| {
                    R::spawn(async move {
                        let mut buf = [i as u8; MESSAGE];
                        for _ in 0..rounds {
                            round_trip::<R>(&mut stream, &mut buf).await;
                        }
                        assert_eq!(buf, [i as u8; MESSAGE], "echo returned other bytes");
                        stream
                    })
                })
                .collect();
            let mut streams = Vec::with_capacity(handles.len());
            for h in handles {
                streams.push(h.await);
            }
            streams
        });
    }
}

/// The [`RAW`](crate::RAW) reference of [`EchoClients`]: `connections` loopback connections with
/// both ends held by the calling thread, driven by blocking `std::net` calls. A round trip writes
/// the request on the client end, reads it and writes it back on the server end, then reads the
/// response on the client end: the four system calls of a round trip with no task, no readiness
/// wait and no thread hop (each read finds its data already there, so nothing blocks).
pub struct RawEcho {
    pairs: Vec<(TcpStream, TcpStream)>,
}

impl RawEcho {
    /// Opens `connections` connections to a listener on 127.0.0.1, `TCP_NODELAY` on both ends.
    pub fn connect(connections: usize) -> Self {
        let listener =
            TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).expect("bind loopback");
        let addr = listener.local_addr().expect("listener address");
        let pairs = (0..connections)
            .map(|_| {
                // The kernel completes the handshake before `accept`, so one thread can do both.
                let client = TcpStream::connect(addr).expect("connect to loopback");
                let (server, _) = listener.accept().expect("accept");
                client.set_nodelay(true).expect("nodelay");
                server.set_nodelay(true).expect("nodelay");
                (client, server)
            })
            .collect();
        RawEcho { pairs }
    }

    /// `rounds` round trips on every connection, as [`EchoClients::round_trips`] does.
    pub fn round_trips(&mut self, rounds: usize) {
        for (i, (client, server)) in self.pairs.iter_mut().enumerate() {
            let mut buf = [i as u8; MESSAGE];
            for _ in 0..rounds {
                client.write_all(&buf).expect("write request");
                server.read_exact(&mut buf).expect("read request");
                server.write_all(&buf).expect("write response");
                client.read_exact(&mut buf).expect("read response");
            }
            assert_eq!(buf, [i as u8; MESSAGE], "echo returned other bytes");
        }
    }
}
