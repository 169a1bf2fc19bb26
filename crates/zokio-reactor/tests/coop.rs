//! The cooperative budget: every operation that Tokio budgets spends one unit here too, so a task
//! looping over a resource that is always ready still yields. Each test makes `N` operations ready,
//! runs them under a budget of `N` units, and checks that the next one returns `Pending` although
//! it is ready, and that it completes again with a fresh budget.

mod common;

use std::future::{Future, poll_fn};
use std::io::Write;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Duration;

use common::{paused_reactor, run};
use futures_io::{AsyncRead, AsyncWrite};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use zokio_coop::{Budget, with_budget};
use zokio_reactor::Async;
use zokio_reactor::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixStream};
use zokio_reactor::signal::unix::{SignalKind, signal};
use zokio_reactor::time::{self, Instant, MissedTickBehavior, interval_at, sleep};

const LIMIT: Duration = Duration::from_secs(30);
const N: u8 = 3;

/// Runs `op` `N` times under a budget of `N` units, expecting each to be ready; then expects the
/// next to be `Pending` for want of budget, and a retry with a fresh unit to be ready.
async fn budget_runs_out_after_n<T>(mut op: impl FnMut(&mut Context<'_>) -> Poll<T>) {
    poll_fn(|cx| {
        with_budget(Budget::units(N), || {
            for i in 0..N {
                assert!(op(cx).is_ready(), "operation {i} should be ready");
            }
            assert!(
                op(cx).is_pending(),
                "a ready operation must return Pending once the budget is spent"
            );
        });
        with_budget(Budget::units(1), || {
            assert!(op(cx).is_ready(), "ready again with a fresh budget");
        });
        Poll::Ready(())
    })
    .await
}

fn poll_future<F: Future>(future: F, cx: &mut Context<'_>) -> Poll<F::Output> {
    pin!(future).poll(cx)
}

async fn tcp_pair() -> (TcpStream, TcpStream, TcpListener) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server, listener)
}

#[test]
fn tcp_reads_and_writes_spend_the_budget() {
    run(LIMIT, async {
        let (mut client, mut server, _listener) = tcp_pair().await;
        client.write_all(&[7; 64]).await.unwrap();
        // Wait for the data, then read the rest one byte per operation.
        server.read_exact(&mut [0; 1]).await.unwrap();
        budget_runs_out_after_n(|cx| Pin::new(&mut server).poll_read(cx, &mut [0; 1])).await;
        budget_runs_out_after_n(|cx| Pin::new(&mut client).poll_write(cx, &[1])).await;
        budget_runs_out_after_n(|cx| poll_future(server.peek(&mut [0; 1]), cx)).await;
    });
}

#[test]
fn tcp_accept_spends_the_budget() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut clients = Vec::new();
        for _ in 0..2 * (N as usize + 1) {
            clients.push(TcpStream::connect(addr).await.unwrap());
        }
        budget_runs_out_after_n(|cx| listener.poll_accept(cx)).await;
        budget_runs_out_after_n(|cx| poll_future(listener.accept(), cx)).await;
    });
}

#[test]
fn udp_sends_and_receives_spend_the_budget() {
    run(LIMIT, async {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let target = server.local_addr().unwrap();
        for _ in 0..4 * (N as usize + 1) + 1 {
            client.send_to(b"x", target).await.unwrap();
        }
        server.recv_from(&mut [0; 8]).await.unwrap();
        budget_runs_out_after_n(|cx| {
            server.poll_recv_from(cx, &mut tokio::io::ReadBuf::new(&mut [0; 8]))
        })
        .await;
        budget_runs_out_after_n(|cx| poll_future(server.recv_from(&mut [0; 8]), cx)).await;
        client.connect(target).await.unwrap();
        budget_runs_out_after_n(|cx| poll_future(server.peek_from(&mut [0; 8]), cx)).await;
        budget_runs_out_after_n(|cx| client.poll_send_to(cx, b"y", target)).await;
        budget_runs_out_after_n(|cx| poll_future(client.send(b"z"), cx)).await;
    });
}

#[test]
fn unix_sockets_spend_the_budget() {
    run(LIMIT, async {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        a.write_all(&[7; 64]).await.unwrap();
        budget_runs_out_after_n(|cx| Pin::new(&mut b).poll_read(cx, &mut [0; 1])).await;
        budget_runs_out_after_n(|cx| Pin::new(&mut a).poll_write(cx, &[1])).await;

        let (c, d) = UnixDatagram::pair().unwrap();
        for _ in 0..N + 1 {
            c.send(b"x").await.unwrap();
        }
        budget_runs_out_after_n(|cx| poll_future(d.recv(&mut [0; 8]), cx)).await;
        budget_runs_out_after_n(|cx| poll_future(c.send(b"y"), cx)).await;
    });
}

#[test]
fn async_fd_readiness_and_operations_spend_the_budget() {
    run(LIMIT, async {
        let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
        let a = Async::new(a).unwrap();
        b.write_all(&[7; 64]).unwrap();
        // Readiness is remembered until an operation returns `WouldBlock`: every poll is ready.
        budget_runs_out_after_n(|cx| a.poll_readable(cx)).await;
        budget_runs_out_after_n(|cx| a.poll_writable(cx)).await;
        budget_runs_out_after_n(|cx| poll_future(a.readable(), cx)).await;
        budget_runs_out_after_n(|cx| poll_future(a.writable(), cx)).await;
        budget_runs_out_after_n(|cx| {
            a.poll_read_with(cx, |mut s| std::io::Read::read(&mut s, &mut [0; 1]))
        })
        .await;
        budget_runs_out_after_n(|cx| {
            poll_future(
                a.read_with(|mut s| std::io::Read::read(&mut s, &mut [0; 1])),
                cx,
            )
        })
        .await;
    });
}

#[test]
fn an_elapsed_sleep_spends_the_budget() {
    run(LIMIT, async {
        let mut elapsed = sleep(Duration::ZERO);
        (&mut elapsed).await;
        assert!(elapsed.is_elapsed());
        // Awaiting it again (e.g. a `select!` arm that keeps winning) must still yield.
        budget_runs_out_after_n(|cx| Pin::new(&mut elapsed).poll(cx)).await;
        // A sleep whose deadline has passed but was never polled.
        budget_runs_out_after_n(|cx| poll_future(sleep(Duration::ZERO), cx)).await;
    });
}

#[test]
fn interval_ticks_spend_the_budget() {
    let mut reactor = paused_reactor();
    reactor.block_on(async {
        let mut interval = interval_at(Instant::now(), Duration::from_millis(1));
        interval.set_missed_tick_behavior(MissedTickBehavior::Burst);
        // A hundred ticks fall due at once: each is ready at its poll.
        time::advance(Duration::from_millis(100)).await;
        budget_runs_out_after_n(|cx| interval.poll_tick(cx)).await;
        budget_runs_out_after_n(|cx| poll_future(interval.tick(), cx)).await;
    });
}

#[test]
fn signal_deliveries_spend_the_budget() {
    run(LIMIT, async {
        // One delivery reaches every listener; `2N + 2` listeners give that many ready receives.
        let kind = SignalKind::user_defined2();
        let mut listeners: Vec<_> = (0..2 * (N as usize + 1))
            .map(|_| signal(kind).unwrap())
            .collect();
        // SAFETY: `raise` only sends SIGUSR2 to this thread, whose handler `signal` installed above.
        assert_eq!(unsafe { libc::raise(libc::SIGUSR2) }, 0);
        let (first, second) = listeners.split_at_mut(N as usize + 1);
        let mut next = 0;
        budget_runs_out_after_n(|cx| {
            let poll = first[next].poll_recv(cx);
            if poll.is_ready() {
                next += 1;
            }
            poll
        })
        .await;
        let mut next = 0;
        budget_runs_out_after_n(|cx| {
            let poll = poll_future(second[next].recv(), cx);
            if poll.is_ready() {
                next += 1;
            }
            poll
        })
        .await;
    });
}
