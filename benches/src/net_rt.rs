//! The streaming and UDP workloads of the `net` suite, shared with the paired runs (the
//! request/response one is in [`echo`](crate::echo)).

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use crate::rt::{NetRt, SmolCt, TokioCt, ZokioCt};
use crate::workloads::run;

/// Size of each write of [`stream_round`].
pub const CHUNK: usize = 64 * 1024;
/// Client sockets of [`udp_setup`].
pub const UDP_CLIENTS: usize = 8;
/// Size of every datagram.
pub const DATAGRAM: usize = 64;

fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

/// A connected client whose peer task reads `total` bytes per round and acknowledges each round.
pub fn stream_pair<R: NetRt>(rt: &R, total: usize) -> Option<R::Stream> {
    let client = rt.block_on(async move {
        let listener = R::bind(loopback()).await.expect("bind");
        let addr = R::local_addr(&listener).expect("local addr");
        R::spawn_detached(async move {
            let mut server = R::accept(&listener).await.expect("accept");
            let mut buf = vec![0u8; CHUNK];
            loop {
                let mut left = total;
                while left > 0 {
                    let n = left.min(CHUNK);
                    if R::read_exact(&mut server, &mut buf[..n]).await.is_err() {
                        return;
                    }
                    left -= n;
                }
                if R::write_all(&mut server, &[1]).await.is_err() {
                    return;
                }
            }
        });
        R::connect(addr).await.expect("connect")
    });
    Some(client)
}

/// One round: writes `total` bytes in [`CHUNK`] writes and waits for the peer's acknowledgement.
pub fn stream_round<R: NetRt>(rt: &R, client: &mut Option<R::Stream>, total: usize) {
    let mut stream = client.take().expect("stream present between rounds");
    *client = Some(run(rt, async move {
        let chunk = vec![7u8; CHUNK];
        let mut left = total;
        while left > 0 {
            let n = left.min(CHUNK);
            R::write_all(&mut stream, &chunk[..n]).await.expect("write");
            left -= n;
        }
        let mut ack = [0u8; 1];
        R::read_exact(&mut stream, &mut ack).await.expect("ack");
        stream
    }));
}

/// UDP on top of [`NetRt`]: each runtime's own socket type.
pub trait UdpRt: NetRt {
    /// The runtime's UDP socket.
    type Udp: Send + Sync + 'static;

    /// Binds a socket to `addr`.
    fn udp_bind(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Udp>> + Send;
    /// The socket's local address.
    fn udp_addr(socket: &Self::Udp) -> SocketAddr;
    /// Sends one datagram to `to`.
    fn udp_send_to<'a>(
        socket: &'a Self::Udp,
        buf: &'a [u8],
        to: SocketAddr,
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a;
    /// Receives one datagram.
    fn udp_recv_from<'a>(
        socket: &'a Self::Udp,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<(usize, SocketAddr)>> + Send + 'a;
}

macro_rules! udp_rt {
    ($rt:ty, $socket:ty, $bind:expr, $addr:expr) => {
        impl UdpRt for $rt {
            type Udp = $socket;

            fn udp_bind(addr: SocketAddr) -> impl Future<Output = io::Result<$socket>> + Send {
                $bind(addr)
            }

            fn udp_addr(socket: &$socket) -> SocketAddr {
                $addr(socket).expect("udp local addr")
            }

            fn udp_send_to<'a>(
                socket: &'a $socket,
                buf: &'a [u8],
                to: SocketAddr,
            ) -> impl Future<Output = io::Result<usize>> + Send + 'a {
                socket.send_to(buf, to)
            }

            fn udp_recv_from<'a>(
                socket: &'a $socket,
                buf: &'a mut [u8],
            ) -> impl Future<Output = io::Result<(usize, SocketAddr)>> + Send + 'a {
                socket.recv_from(buf)
            }
        }
    };
}

async fn zokio_udp(addr: SocketAddr) -> io::Result<zokio::net::UdpSocket> {
    zokio::net::UdpSocket::bind(addr).await
}

async fn tokio_udp(addr: SocketAddr) -> io::Result<tokio::net::UdpSocket> {
    tokio::net::UdpSocket::bind(addr).await
}

async fn smol_udp(addr: SocketAddr) -> io::Result<async_io::Async<std::net::UdpSocket>> {
    async_io::Async::<std::net::UdpSocket>::bind(addr)
}

udp_rt!(
    ZokioCt,
    zokio::net::UdpSocket,
    zokio_udp,
    zokio::net::UdpSocket::local_addr
);
udp_rt!(
    TokioCt,
    tokio::net::UdpSocket,
    tokio_udp,
    tokio::net::UdpSocket::local_addr
);
udp_rt!(
    SmolCt,
    async_io::Async<std::net::UdpSocket>,
    smol_udp,
    |s: &async_io::Async<std::net::UdpSocket>| s.get_ref().local_addr()
);

/// Client sockets talking to an echo server task on the runtime.
pub struct UdpClients<R: UdpRt> {
    clients: Vec<std::sync::Arc<R::Udp>>,
    server: SocketAddr,
}

/// Starts a UDP echo server task on `rt` and binds [`UDP_CLIENTS`] client sockets.
pub fn udp_setup<R: UdpRt>(rt: &R) -> UdpClients<R> {
    rt.block_on(async {
        let server = R::udp_bind(loopback()).await.expect("bind udp server");
        let server_addr = R::udp_addr(&server);
        R::spawn_detached(async move {
            let mut buf = [0u8; DATAGRAM];
            while let Ok((n, from)) = R::udp_recv_from(&server, &mut buf).await {
                if R::udp_send_to(&server, &buf[..n], from).await.is_err() {
                    return;
                }
            }
        });
        let mut clients = Vec::new();
        for _ in 0..UDP_CLIENTS {
            let client = R::udp_bind(loopback()).await.expect("bind udp client");
            clients.push(std::sync::Arc::new(client));
        }
        UdpClients {
            clients,
            server: server_addr,
        }
    })
}

/// Each client, in its own task, does `rounds` sequential round trips of [`DATAGRAM`] bytes.
pub fn udp_rounds<R: UdpRt>(rt: &R, state: &mut UdpClients<R>, rounds: usize) {
    let clients = state.clients.clone();
    let server = state.server;
    run(rt, async move {
        let handles: Vec<_> = clients
            .into_iter()
            .enumerate()
            .map(|(i, client)| {
                R::spawn(async move {
                    let request = [i as u8; DATAGRAM];
                    let mut reply = [0u8; DATAGRAM];
                    for _ in 0..rounds {
                        R::udp_send_to(&client, &request, server)
                            .await
                            .expect("send");
                        let (n, _) = R::udp_recv_from(&client, &mut reply).await.expect("recv");
                        assert_eq!(&reply[..n], &request[..]);
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.await;
        }
    });
}
