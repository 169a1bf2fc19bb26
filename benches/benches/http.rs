//! HTTP on loopback: a hyper hello-world server (HTTP/1.1, keep-alive) on each runtime's
//! multi-thread set-up, measured in requests per second.
//!
//! - `http/hello_world`: 32 client connections each send `GET /` and read the 13-byte response,
//!   one request in flight per connection; op = one request. zokio serves with
//!   `zokio_hyper::serve`; Tokio with hyper-util's `auto::Builder` on `TokioExecutor`, `TokioIo`
//!   and `TokioTimer`. The client is the same raw-HTTP client for both, on its own Tokio
//!   current-thread runtime on the bench thread (see `benches/src/http.rs`).
//!
//! smol has no column here: hyper on smol needs the smol-hyper adapter crate, which is not part of
//! these benches. Server and connections are set up once per runtime, outside the measurement.

use benches::http::{CONNECTIONS, HelloClients, HttpRt};
use benches::rt::{TokioMt, ZokioMt};
use benches::{in_turn, size};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};

fn hello_world<R: HttpRt>(g: &mut BenchmarkGroup<'_, WallTime>, requests: usize) {
    let mut clients: Option<HelloClients<R>> = None;
    g.bench_function(R::NAME, |b| {
        let clients = clients.get_or_insert_with(|| HelloClients::connect(R::build(), CONNECTIONS));
        b.iter(|| clients.requests(requests));
    });
    // Server, connections and both runtimes go before the next runtime's function runs.
    drop(clients);
}

fn http(c: &mut Criterion) {
    let requests = size(100, 25);
    let mut g = c.benchmark_group("http/hello_world");
    g.throughput(Throughput::Elements((CONNECTIONS * requests) as u64));
    in_turn!(&mut g, |g| [
        hello_world::<ZokioMt>(g, requests),
        hello_world::<TokioMt>(g, requests),
    ]);
    g.finish();
}

fn main() {
    let mut c = benches::criterion();
    http(&mut c);
    c.final_summary();
}
