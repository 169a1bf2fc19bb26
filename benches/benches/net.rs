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

use benches::echo::{EchoClients, RawEcho};
use benches::net_rt::{UDP_CLIENTS, UdpRt, stream_pair, stream_round, udp_rounds, udp_setup};
use benches::rt::{NetRt, SmolCt, SmolMt, TokioCt, TokioMt, ZokioCt, ZokioMt};
use benches::{bench_raw, bench_with, in_turn, size};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};

const CONNECTIONS: usize = 50;

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

fn streaming<R: NetRt>(g: &mut BenchmarkGroup<'_, WallTime>, total: usize) {
    bench_with::<R, _, _>(
        g,
        |rt| stream_pair(rt, total),
        |rt, client| stream_round(rt, client, total),
    );
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
