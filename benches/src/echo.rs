//! The network workload: request/response round trips over loopback TCP.

use std::net::{Ipv4Addr, SocketAddr};

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
