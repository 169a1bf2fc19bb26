//! Cancellation at each await point: an accept, read, write, receive, readiness wait or sleep dropped
//! after its first `Pending` leaves the socket or timer working, with no byte lost or duplicated, and
//! leaks no waker: a wait with a waiter of its own releases the waker when dropped; a `poll_*`-based
//! one (a single slot per resource, as in Tokio) keeps the last one until the next `Pending` poll or
//! the resource's drop.

mod common;

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use common::run;
use zokio_reactor::io::Interest;
use zokio_reactor::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixStream};
use zokio_reactor::time::{Instant, interval, sleep};

const LIMIT: Duration = Duration::from_secs(30);

struct Counted;

impl Wake for Counted {
    fn wake(self: Arc<Self>) {}
}

/// A waker whose clones can be counted: `Arc::strong_count(&counter) - 1` is how many clones
/// something other than the test holds.
fn counted() -> (Arc<Counted>, Waker) {
    let counter = Arc::new(Counted);
    let waker = Waker::from(Arc::clone(&counter));
    (counter, waker)
}

/// Polls `future` once with a counted waker and expects `Pending` with the waker stored, then drops
/// the future and the test's waker. Returns the counter: 1 once nothing holds the waker any more.
fn poll_once_then_drop<F: Future>(what: &str, future: F) -> Arc<Counted> {
    let (counter, waker) = counted();
    let mut future = Box::pin(future);
    let poll = future.as_mut().poll(&mut Context::from_waker(&waker));
    assert!(poll.is_pending(), "{what}: expected Pending");
    assert!(
        Arc::strong_count(&counter) > 2,
        "{what}: Pending without keeping the waker"
    );
    drop(future);
    drop(waker);
    counter
}

/// For the waits with a waiter of their own (the `async fn`s): dropping the future releases the
/// waker at once.
fn cancel_after_first_pending<F: Future>(what: &str, future: F) {
    let counter = poll_once_then_drop(what, future);
    assert_eq!(
        Arc::strong_count(&counter),
        1,
        "{what}: the dropped future's waker was kept"
    );
}

/// For the `poll_*`-based operations (`AsyncRead`/`AsyncWrite`, an interval's tick), whose single
/// waker slot belongs to the resource, as in Tokio: the last waker stays there until a later
/// `Pending` poll replaces it or the resource is dropped. Returns the counter to check then.
fn cancel_single_slot<F: Future>(what: &str, future: F) -> Arc<Counted> {
    let counter = poll_once_then_drop(what, future);
    assert_eq!(
        Arc::strong_count(&counter),
        2,
        "{what}: one clone in the slot"
    );
    counter
}

fn assert_released(what: &str, counter: &Arc<Counted>) {
    assert_eq!(Arc::strong_count(counter), 1, "{what}: a waker was kept");
}

async fn tcp_pair(listener: &TcpListener) -> (TcpStream, TcpStream) {
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// Writes until the socket's send buffer (and the peer's receive buffer) is full; returns the count.
fn fill(stream: &TcpStream) -> usize {
    let chunk = [7u8; 64 * 1024];
    let mut total = 0;
    for _ in 0..100_000 {
        match stream.try_write(&chunk) {
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return total,
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the socket never filled up");
}

#[test]
fn cancelled_accepts_leave_the_listener_working() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        cancel_after_first_pending("accept", listener.accept());
        cancel_after_first_pending("accept again", listener.accept());
        // The connection made now is accepted by the next call.
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, from) = listener.accept().await.unwrap();
        assert_eq!(from, client.local_addr().unwrap());
        assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
    });
}

#[test]
fn cancelled_reads_lose_no_bytes() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (client, mut server) = tcp_pair(&listener).await;
        let mut buf = [0u8; 16];
        cancel_after_first_pending("readable", server.readable());
        cancel_after_first_pending("peek", server.peek(&mut buf));
        cancel_after_first_pending("ready", server.ready(Interest::READABLE));
        let tokio_read = {
            use tokio::io::AsyncReadExt;
            cancel_single_slot("tokio read", server.read(&mut buf))
        };
        client.try_write(b"after cancel").unwrap();
        let mut got = [0u8; 12];
        tokio::io::AsyncReadExt::read_exact(&mut server, &mut got)
            .await
            .unwrap();
        assert_eq!(&got, b"after cancel");
        drop((client, server));
        assert_released("tokio read", &tokio_read);

        let (a, mut b) = UnixStream::pair().unwrap();
        cancel_after_first_pending("unix readable", b.readable());
        let unix_read = {
            use tokio::io::AsyncReadExt;
            cancel_single_slot("unix tokio read", b.read(&mut buf))
        };
        a.try_write(b"unix").unwrap();
        let mut got = [0u8; 4];
        tokio::io::AsyncReadExt::read_exact(&mut b, &mut got)
            .await
            .unwrap();
        assert_eq!(&got, b"unix");
        drop((a, b));
        assert_released("unix tokio read", &unix_read);
    });
}

#[test]
fn a_cancelled_write_leaves_the_stream_consistent() {
    run(LIMIT, async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (mut client, mut server) = tcp_pair(&listener).await;
        let filled = fill(&client);
        cancel_after_first_pending("writable", client.writable());
        cancel_after_first_pending("ready", client.ready(Interest::WRITABLE));
        let tail = [9u8; 1000];
        // A write that cannot start writes nothing: cancelling it loses or duplicates nothing.
        let tokio_write = cancel_single_slot("tokio write", client.write(&tail));

        // The peer drains the buffer while the next write of the tail completes.
        let expected = filled + tail.len();
        let (written, received) = futures_lite::future::zip(
            async {
                client.write_all(&tail).await.unwrap();
                client.shutdown().await.unwrap();
            },
            async {
                let mut all = Vec::with_capacity(expected);
                server.read_to_end(&mut all).await.unwrap();
                all
            },
        )
        .await;
        let () = written;
        assert_eq!(received.len(), expected);
        assert!(received[..filled].iter().all(|&b| b == 7));
        assert!(received[filled..].iter().all(|&b| b == 9));
        drop(client);
        assert_released("tokio write", &tokio_write);
    });
}

#[test]
fn cancelled_datagram_receives_leave_the_socket_working() {
    run(LIMIT, async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut buf = [0u8; 8];
        cancel_after_first_pending("recv_from", b.recv_from(&mut buf));
        cancel_after_first_pending("peek_from", b.peek_from(&mut buf));
        a.send_to(b"udp", b.local_addr().unwrap()).await.unwrap();
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"udp"[..], a.local_addr().unwrap()));

        let (x, y) = UnixDatagram::pair().unwrap();
        cancel_after_first_pending("unix recv", y.recv(&mut buf));
        x.send(b"unix").await.unwrap();
        assert_eq!(y.recv(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf[..4], b"unix");
    });
}

#[test]
fn cancelled_sleeps_and_ticks_leave_the_timers_working() {
    run(LIMIT, async {
        cancel_after_first_pending("sleep", sleep(Duration::from_secs(3600)));
        let mut ticks = interval(Duration::from_secs(3600));
        ticks.tick().await; // the first tick is immediate
        let tick = cancel_single_slot("tick", ticks.tick());
        drop(ticks);
        assert_released("tick", &tick);
        // Timers keep firing in order after the cancellations.
        let start = Instant::now();
        sleep(Duration::from_millis(5)).await;
        assert!(start.elapsed() >= Duration::from_millis(5));
        let mut short = interval(Duration::from_millis(2));
        short.tick().await;
        short.tick().await;
        assert!(start.elapsed() >= Duration::from_millis(7));
    });
}

#[test]
fn a_readiness_guard_wait_cancelled_keeps_no_waker() {
    run(LIMIT, async {
        let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let fd = zokio_reactor::io::unix::AsyncFd::new(a).unwrap();
        cancel_after_first_pending("async_fd readable", fd.readable());
        cancel_after_first_pending("async_fd ready", fd.ready(Interest::READABLE));
        std::io::Write::write_all(&mut b, b"z").unwrap();
        let mut guard = fd.readable().await.unwrap();
        let mut buf = [0u8; 2];
        let n = guard
            .try_io(|fd| std::io::Read::read(&mut fd.get_ref(), &mut buf))
            .unwrap()
            .unwrap();
        assert_eq!(&buf[..n], b"z");
        // Drained: the next read would block, which clears the readiness.
        assert!(
            guard
                .try_io(|fd| std::io::Read::read(&mut fd.get_ref(), &mut buf))
                .is_err()
        );
        drop(guard);
        // The single-slot poll form keeps the latest waker only: a second poll replaces the first.
        let (first, first_waker) = counted();
        let (second, second_waker) = counted();
        assert!(
            fd.poll_read_ready(&mut Context::from_waker(&first_waker))
                .is_pending()
        );
        drop(first_waker);
        assert_eq!(Arc::strong_count(&first), 2);
        assert!(
            fd.poll_read_ready(&mut Context::from_waker(&second_waker))
                .is_pending()
        );
        drop(second_waker);
        assert_eq!(Arc::strong_count(&first), 1, "the replaced waker was kept");
        assert_eq!(Arc::strong_count(&second), 2);
        drop(fd);
        assert_released("a dropped AsyncFd", &second);
    });
}
