//! A reactor that shuts down (or is dropped) with operations pending: every waiter is woken and
//! its operation fails instead of hanging, later operations on the same sockets fail too, a timer
//! polled afterwards panics with a clear message, and sockets outliving the reactor still close.

mod common;

use std::future::Future;
use std::io::{self, Read};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use common::reactor;
use zokio_coop::driver::Driver;
use zokio_reactor::io::Interest;
use zokio_reactor::io::unix::AsyncFd;
use zokio_reactor::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use zokio_reactor::{Async, Reactor};

/// A waker that records that it was woken.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn flag() -> (Arc<Flag>, Waker) {
    let flag = Arc::new(Flag(AtomicBool::new(false)));
    let waker = Waker::from(Arc::clone(&flag));
    (flag, waker)
}

type Pending<'a> = Pin<Box<dyn Future<Output = io::Result<()>> + 'a>>;

fn is_shutdown_error(error: &io::Error) -> bool {
    error.to_string().contains("shut down")
}

/// Connected TCP pair, a UDP socket, a Unix pair and an `AsyncFd`, all on `reactor`.
struct Sockets {
    listener: TcpListener,
    client: TcpStream,
    server: TcpStream,
    udp: UdpSocket,
    unix: UnixStream,
    unix_peer: UnixStream,
    fd: AsyncFd<std::os::unix::net::UnixStream>,
    fd_peer: std::os::unix::net::UnixStream,
    raw: Async<std::os::unix::net::UnixStream>,
    raw_peer: std::os::unix::net::UnixStream,
}

fn sockets(reactor: &mut Reactor) -> Sockets {
    let _enter = reactor.handle().enter();
    reactor.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (unix, unix_peer) = UnixStream::pair().unwrap();
        let (a, fd_peer) = std::os::unix::net::UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let fd = AsyncFd::new(a).unwrap();
        let (b, raw_peer) = std::os::unix::net::UnixStream::pair().unwrap();
        let raw = Async::new(b).unwrap();
        Sockets {
            listener,
            client,
            server,
            udp,
            unix,
            unix_peer,
            fd,
            fd_peer,
            raw,
            raw_peer,
        }
    })
}

/// Every kind of wait that can be pending on a socket with nothing to do.
fn pending_operations(s: &Sockets) -> Vec<(&'static str, Pending<'_>)> {
    vec![
        (
            "accept",
            Box::pin(async { s.listener.accept().await.map(drop) }),
        ),
        ("tcp readable", Box::pin(s.client.readable())),
        (
            "tcp peek",
            Box::pin(async { s.server.peek(&mut [0; 4]).await.map(drop) }),
        ),
        (
            "udp recv_from",
            Box::pin(async { s.udp.recv_from(&mut [0; 4]).await.map(drop) }),
        ),
        ("unix readable", Box::pin(s.unix.readable())),
        (
            "async_fd ready",
            Box::pin(async { s.fd.ready(Interest::READABLE).await.map(drop) }),
        ),
        (
            "async_fd readable",
            Box::pin(async { s.fd.readable().await.map(drop) }),
        ),
        (
            "async read_with",
            Box::pin(async { s.raw.read_with(|mut s| s.read(&mut [0; 4])).await.map(drop) }),
        ),
    ]
}

fn check_woken_and_failed(mut pending: Vec<(&'static str, Pending<'_>)>, shut_down: impl FnOnce()) {
    let flags: Vec<(Arc<Flag>, Waker)> = pending.iter().map(|_| flag()).collect();
    for ((name, op), (_, waker)) in pending.iter_mut().zip(&flags) {
        let mut cx = Context::from_waker(waker);
        assert!(
            op.as_mut().poll(&mut cx).is_pending(),
            "{name}: not pending"
        );
    }
    shut_down();
    for ((name, op), (flag, waker)) in pending.iter_mut().zip(&flags) {
        assert!(
            flag.0.load(Ordering::SeqCst),
            "{name}: not woken by the shutdown"
        );
        match op.as_mut().poll(&mut Context::from_waker(waker)) {
            Poll::Ready(Err(error)) => assert!(is_shutdown_error(&error), "{name}: {error}"),
            other => panic!("{name}: expected the shutdown error, got {other:?}"),
        }
    }
}

#[test]
fn shutdown_wakes_every_pending_operation_with_an_error() {
    let mut reactor = reactor();
    let s = sockets(&mut reactor);
    let handle = reactor.handle();
    let _enter = handle.enter();
    check_woken_and_failed(pending_operations(&s), || reactor.shutdown());

    // Later operations on the same sockets fail at once, whether they wait or not.
    let mut cx = Context::from_waker(Waker::noop());
    assert!(is_shutdown_error(
        &s.client.try_read(&mut [0; 4]).unwrap_err()
    ));
    assert!(is_shutdown_error(&s.unix.try_write(b"x").unwrap_err()));
    assert!(is_shutdown_error(
        &s.fd.try_io(Interest::WRITABLE, |_| Ok(())).unwrap_err()
    ));
    let mut write = Box::pin(s.udp.send_to(b"x", s.udp.local_addr().unwrap()));
    match write.as_mut().poll(&mut cx) {
        Poll::Ready(Err(error)) => assert!(is_shutdown_error(&error), "{error}"),
        other => panic!("expected the shutdown error, got {other:?}"),
    }
    let mut ready = Box::pin(s.fd.writable());
    match ready.as_mut().poll(&mut cx) {
        Poll::Ready(Err(error)) => assert!(is_shutdown_error(&error), "{error}"),
        other => panic!(
            "expected the shutdown error, got {:?}",
            other.map(|r| r.map(drop))
        ),
    }
    drop((write, ready));
    // New sockets are refused.
    assert!(futures_lite::future::block_on(TcpListener::bind("127.0.0.1:0")).is_err());
    drop((s.fd_peer, s.raw_peer, s.unix_peer));
}

#[test]
fn dropping_the_reactor_fails_pending_operations_and_sockets_still_close() {
    let mut reactor = reactor();
    let s = sockets(&mut reactor);
    let handle = reactor.handle();
    let enter = handle.enter();
    check_woken_and_failed(pending_operations(&s), || drop(reactor));
    drop(enter);

    // The sockets outlive their reactor; dropping them now still closes the connections.
    let Sockets {
        client,
        server,
        unix,
        unix_peer,
        ..
    } = s;
    let server_fd = std::os::fd::AsRawFd::as_raw_fd(&server);
    drop(client);
    let mut pollfd = libc::pollfd {
        fd: server_fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `poll` of one valid entry; `server_fd` is open while `server` lives. Bounded wait.
    let rc = unsafe { libc::poll(&mut pollfd, 1, 10_000) };
    assert_eq!(rc, 1);
    assert_eq!(
        server.into_std().unwrap().read(&mut [0; 4]).unwrap(),
        0,
        "the client's close reached the server"
    );
    drop(unix);
    let mut peer = unix_peer.into_std().unwrap();
    peer.set_nonblocking(false).unwrap();
    assert_eq!(peer.read(&mut [0; 4]).unwrap(), 0);
}

#[test]
fn a_timer_polled_after_shutdown_panics_clearly() {
    let mut reactor = reactor();
    let handle = reactor.handle();
    let _enter = handle.enter();
    let (flag, waker) = flag();
    let mut cx = Context::from_waker(&waker);
    let mut sleep = Box::pin(zokio_reactor::time::sleep(Duration::from_secs(3600)));
    assert!(sleep.as_mut().poll(&mut cx).is_pending());
    reactor.shutdown();
    assert!(
        flag.0.load(Ordering::SeqCst),
        "shutdown must wake the timer"
    );
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = sleep.as_mut().poll(&mut cx);
    }))
    .unwrap_err();
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap();
    assert!(
        message.contains("polled after its runtime shut down"),
        "{message}"
    );
}
