//! Networking on loopback, each runtime in its current-thread set-up (one thread, so that the I/O
//! drivers rather than cross-thread scheduling are compared), plus request/response on the
//! multi-thread set-ups:
//!
//! - `net/tcp_request_response` and `net/tcp_request_response_mt`: 64-byte request/response round
//!   trips on 50 connections to an echo server on the same runtime; op = one round trip.
//! - `net/tcp_stream`: one connection streaming 64 KiB writes to a reader, acknowledged at the end;
//!   throughput in bytes.
//! - `net/udp_round_trip`: 8 clients each doing sequential 64-byte round trips to a UDP echo server;
//!   op = one round trip.
//!
//! Connections and servers are set up once per runtime, outside the measurement. smol runs on
//! async-io's `Async` types under its executor. The request/response groups also have a `raw`
//! function: the same round trips over blocking `std::net` sockets, both ends of every connection
//! on the bench thread (write request, read it, write response, read it: no wait, no hop).

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use benches::echo::{EchoClients, RawEcho};
use benches::rt::{NetRt, SmolCt, SmolMt, TokioCt, TokioMt, ZokioCt, ZokioMt};
use benches::workloads::run;
use benches::{bench_raw, bench_with, in_turn, size};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};

const CONNECTIONS: usize = 50;
const CHUNK: usize = 64 * 1024;
const UDP_CLIENTS: usize = 8;
const DATAGRAM: usize = 64;

fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

fn request_response<R: NetRt>(g: &mut BenchmarkGroup<'_, WallTime>, rounds: usize) {
    bench_with::<R, _, _>(
        g,
        |rt| EchoClients::<R>::connect(rt, CONNECTIONS),
        |rt, clients| clients.round_trips(rt, rounds),
    );
}

fn request_response_raw(g: &mut BenchmarkGroup<'_, WallTime>, rounds: usize) {
    bench_raw(
        g,
        || RawEcho::connect(CONNECTIONS),
        |clients| clients.round_trips(rounds),
    );
}

/// A connected client whose peer task reads `total` bytes per round and acknowledges each round.
fn stream_pair<R: NetRt>(rt: &R, total: usize) -> Option<R::Stream> {
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

fn stream_round<R: NetRt>(rt: &R, client: &mut Option<R::Stream>, total: usize) {
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

fn streaming<R: NetRt>(g: &mut BenchmarkGroup<'_, WallTime>, total: usize) {
    bench_with::<R, _, _>(
        g,
        |rt| stream_pair(rt, total),
        |rt, client| stream_round(rt, client, total),
    );
}

/// UDP on top of [`NetRt`]: each runtime's own socket type.
trait UdpRt: NetRt {
    type Udp: Send + Sync + 'static;

    fn udp_bind(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Udp>> + Send;
    fn udp_addr(socket: &Self::Udp) -> SocketAddr;
    fn udp_send_to<'a>(
        socket: &'a Self::Udp,
        buf: &'a [u8],
        to: SocketAddr,
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a;
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
struct UdpClients<R: UdpRt> {
    clients: Vec<std::sync::Arc<R::Udp>>,
    server: SocketAddr,
}

fn udp_setup<R: UdpRt>(rt: &R) -> UdpClients<R> {
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

fn udp_rounds<R: UdpRt>(rt: &R, state: &mut UdpClients<R>, rounds: usize) {
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

fn udp<R: UdpRt>(g: &mut BenchmarkGroup<'_, WallTime>, rounds: usize) {
    bench_with::<R, _, _>(g, udp_setup::<R>, |rt, state| udp_rounds(rt, state, rounds));
}

fn net(c: &mut Criterion) {
    let rounds = size(20, 5);
    let mut g = c.benchmark_group("net/tcp_request_response");
    g.throughput(Throughput::Elements((CONNECTIONS * rounds) as u64));
    in_turn!(&mut g, |g| [
        request_response::<ZokioCt>(g, rounds),
        request_response::<TokioCt>(g, rounds),
        request_response::<SmolCt>(g, rounds),
        request_response_raw(g, rounds),
    ]);
    g.finish();

    let mut g = c.benchmark_group("net/tcp_request_response_mt");
    g.throughput(Throughput::Elements((CONNECTIONS * rounds) as u64));
    in_turn!(&mut g, |g| [
        request_response::<ZokioMt>(g, rounds),
        request_response::<TokioMt>(g, rounds),
        request_response::<SmolMt>(g, rounds),
        request_response_raw(g, rounds),
    ]);
    g.finish();

    let total = size(32 << 20, 4 << 20);
    let mut g = c.benchmark_group("net/tcp_stream");
    g.throughput(Throughput::Bytes(total as u64));
    in_turn!(&mut g, |g| [
        streaming::<ZokioCt>(g, total),
        streaming::<TokioCt>(g, total),
        streaming::<SmolCt>(g, total),
    ]);
    g.finish();

    let rounds = size(100, 20);
    let mut g = c.benchmark_group("net/udp_round_trip");
    g.throughput(Throughput::Elements((UDP_CLIENTS * rounds) as u64));
    in_turn!(&mut g, |g| [
        udp::<ZokioCt>(g, rounds),
        udp::<TokioCt>(g, rounds),
        udp::<SmolCt>(g, rounds),
    ]);
    g.finish();
}

fn main() {
    let mut c = benches::criterion();
    net(&mut c);
    c.final_summary();
}
