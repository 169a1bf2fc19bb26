//! `io::unix::AsyncFd` and its guards: readiness comes only from the OS, a guard's clear is
//! race-free with the reactor's events, closed states are sticky, `try_new` gives the value back.

mod common;

use std::future::{Future, poll_fn};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use common::run;
use zokio_reactor::io::unix::{AsyncFd, AsyncFdTryNewError};
use zokio_reactor::io::{Interest, Ready};

const LIMIT: Duration = Duration::from_secs(30);

fn pair() -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    b.set_nonblocking(true).unwrap();
    (a, b)
}

/// Polls `future` once and expects `Pending`.
async fn assert_pending<F: Future>(future: F) {
    let mut future = pin!(future);
    poll_fn(|cx| {
        assert!(future.as_mut().poll(cx).is_pending(), "expected Pending");
        Poll::Ready(())
    })
    .await
}

/// Reads until `WouldBlock` through the guard API; returns the bytes.
async fn drain(fd: &AsyncFd<UnixStream>) -> Vec<u8> {
    let mut got = Vec::new();
    loop {
        let mut guard = fd.readable().await.unwrap();
        let mut buf = [0u8; 64];
        match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Ok(Err(e)) => panic!("read failed: {e}"),
            Err(_would_block) => return got,
        }
    }
}

#[test]
fn readiness_is_what_the_os_reports() {
    run(LIMIT, async {
        let (a, mut b) = pair();
        let a = AsyncFd::new(a).unwrap();
        // Nothing to read yet: a wait for reading sleeps; writing is reported by the first event.
        assert_pending(a.readable()).await;
        let guard = a.writable().await.unwrap();
        assert_eq!(guard.ready(), Ready::WRITABLE);
        drop(guard);

        b.write_all(b"hello").unwrap();
        let mut guard = a.readable().await.unwrap();
        assert!(guard.ready().is_readable());
        let mut buf = [0u8; 16];
        let n = guard
            .try_io(|fd| fd.get_ref().read(&mut buf))
            .expect("readable")
            .unwrap();
        assert_eq!(&buf[..n], b"hello");
        // Still marked readable until an operation says otherwise.
        assert!(guard.ready().is_readable());
        // The next read would block: the guard clears the readiness and says so.
        assert!(guard.try_io(|fd| fd.get_ref().read(&mut buf)).is_err());
        assert_eq!(guard.ready(), Ready::EMPTY);
        assert_pending(a.readable()).await;
    });
}

#[test]
fn clear_ready_matching_keeps_the_rest() {
    run(LIMIT, async {
        let (a, mut b) = pair();
        let a = AsyncFd::new(a).unwrap();
        b.write_all(b"0").unwrap();
        let mut guard = a
            .ready(Interest::READABLE | Interest::WRITABLE)
            .await
            .unwrap();
        // Both events may come in separate ticks; wait for both.
        while guard.ready() != Ready::READABLE | Ready::WRITABLE {
            drop(guard);
            a.readable().await.unwrap().retain_ready();
            guard = a
                .ready(Interest::READABLE | Interest::WRITABLE)
                .await
                .unwrap();
        }
        guard.clear_ready_matching(Ready::READABLE);
        assert_eq!(guard.ready(), Ready::WRITABLE);
        guard.clear_ready_matching(Ready::WRITABLE);
        assert_eq!(guard.ready(), Ready::EMPTY);
        drop(guard);
        // Both really were cleared in the reactor, not just in the guard.
        assert_pending(a.readable()).await;
        assert_pending(a.writable()).await;

        // The same through the `&mut` guard.
        let mut a = a;
        b.write_all(b"1").unwrap();
        let mut guard = a.readable_mut().await.unwrap();
        assert_eq!(guard.ready(), Ready::READABLE);
        // The "0" cleared above without reading it is still queued.
        let mut bytes = [0u8; 4];
        let n = guard
            .try_io(|fd| fd.get_mut().read(&mut bytes))
            .unwrap()
            .unwrap();
        assert_eq!(&bytes[..n], b"01");
        guard.get_inner_mut().set_nonblocking(true).unwrap();
        guard.clear_ready_matching(Ready::READABLE);
        assert!(guard.ready().is_empty());
    });
}

#[test]
fn a_clear_after_a_newer_event_keeps_the_readiness() {
    run(LIMIT, async {
        let (a, mut b) = pair();
        let (c, mut d) = pair();
        let a = AsyncFd::new(a).unwrap();
        let c = AsyncFd::new(c).unwrap();
        b.write_all(b"x").unwrap();
        let mut stale = a.readable().await.unwrap();
        // New data for `a`, then for `c`; waiting for `c` makes the reactor take both events.
        b.write_all(b"y").unwrap();
        d.write_all(b"z").unwrap();
        c.readable().await.unwrap().retain_ready();
        // `stale` saw readiness before the new event: clearing with it must not lose that event.
        stale.clear_ready();
        assert_eq!(stale.ready(), Ready::EMPTY);
        let guard = a.readable().await.unwrap();
        assert!(guard.ready().is_readable());
        drop(guard);
        assert_eq!(drain(&a).await, b"xy");
        assert_pending(a.readable()).await;
    });
}

#[test]
fn closed_states_are_reported_and_sticky() {
    run(LIMIT, async {
        let (a, b) = pair();
        let a = AsyncFd::new(a).unwrap();
        drop(b);
        let mut guard = a.ready(Interest::READABLE).await.unwrap();
        assert!(guard.ready().is_read_closed());
        assert!(guard.ready().is_readable());
        guard.clear_ready();
        // Clearing removes the readable bit, never the closed state.
        let guard = a.ready(Interest::READABLE).await.unwrap();
        assert_eq!(guard.ready(), Ready::READ_CLOSED);
        drop(guard);
        let guard = a.ready(Interest::WRITABLE).await.unwrap();
        assert!(guard.ready().is_write_closed());
        drop(guard);
        // EOF is what the read says.
        let n = a
            .try_io(Interest::READABLE, |s| (&*s).read(&mut [0; 4]))
            .unwrap();
        assert_eq!(n, 0);
    });
}

#[test]
fn error_readiness_of_a_refused_connection() {
    run(LIMIT, async {
        // A port with nothing listening: bind one, then close it.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket.set_nonblocking(true).unwrap();
        match socket.connect(&addr.into()) {
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            other => panic!("expected a connect in progress, got {other:?}"),
        }
        let fd = AsyncFd::with_interest(socket, Interest::ERROR).unwrap();
        let guard = fd.ready(Interest::ERROR).await.unwrap();
        assert_eq!(guard.ready(), Ready::ERROR);
        drop(guard);
        let error = fd.get_ref().take_error().unwrap().expect("a pending error");
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
    });
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn priority_readiness_of_out_of_band_data() {
    run(LIMIT, async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        client.set_nonblocking(true).unwrap();
        let (server, _) = listener.accept().unwrap();
        let client = AsyncFd::with_interest(client, Interest::PRIORITY).unwrap();
        assert_pending(client.ready(Interest::PRIORITY)).await;
        // SAFETY: sends one byte from a valid buffer on a connected socket.
        let sent =
            unsafe { libc::send(server.as_raw_fd(), b"!".as_ptr().cast(), 1, libc::MSG_OOB) };
        assert_eq!(sent, 1);
        let guard = client.ready(Interest::PRIORITY).await.unwrap();
        assert!(guard.ready().is_priority());
    });
}

#[test]
fn poll_forms_async_io_and_try_io() {
    run(LIMIT, async {
        let (a, mut b) = pair();
        let mut a = AsyncFd::new(a).unwrap();
        let guard = poll_fn(|cx| a.poll_write_ready(cx)).await.unwrap();
        assert_eq!(guard.ready(), Ready::WRITABLE);
        assert_eq!(guard.get_inner().as_raw_fd(), guard.get_ref().as_raw_fd());
        drop(guard);
        poll_fn(|cx| {
            assert!(a.poll_read_ready(cx).is_pending());
            Poll::Ready(())
        })
        .await;
        // Nothing ready for reading: `try_io` does not even run the closure.
        let error = a
            .try_io(Interest::READABLE, |_| -> io::Result<()> {
                panic!("must not run when not ready")
            })
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::WouldBlock);

        b.write_all(b"abc").unwrap();
        let mut buf = [0u8; 8];
        let n = a
            .async_io(Interest::READABLE, |s| (&*s).read(&mut buf))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"abc");
        let error = a
            .try_io(Interest::READABLE, |s| (&*s).read(&mut buf))
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::WouldBlock);

        b.write_all(b"de").unwrap();
        let n = poll_fn(|cx| match a.poll_read_ready_mut(cx) {
            Poll::Ready(guard) => {
                let mut guard = guard.unwrap();
                Poll::Ready(guard.try_io(|fd| fd.get_mut().read(&mut buf)).unwrap())
            }
            Poll::Pending => Poll::Pending,
        })
        .await
        .unwrap();
        assert_eq!(&buf[..n], b"de");
        let n = a
            .async_io_mut(Interest::WRITABLE, |s| s.write(b"back"))
            .await
            .unwrap();
        assert_eq!(n, 4);
        a.try_io_mut(Interest::WRITABLE, |s| s.write(b"!")).unwrap();
        let mut got = [0u8; 5];
        b.set_nonblocking(false).unwrap();
        b.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"back!");
    });
}

#[derive(Debug)]
struct Invalid;

impl AsRawFd for Invalid {
    fn as_raw_fd(&self) -> RawFd {
        -1
    }
}

#[test]
fn try_new_gives_the_value_back() {
    run(LIMIT, async {
        let original = Arc::new(Invalid);
        let error: AsyncFdTryNewError<Arc<Invalid>> =
            AsyncFd::try_new(Arc::clone(&original)).unwrap_err();
        assert_eq!(
            error.to_string(),
            io::Error::from_raw_os_error(libc::EBADF).to_string()
        );
        let (returned, cause) = error.into_parts();
        assert!(Arc::ptr_eq(&original, &returned));
        assert_eq!(cause.raw_os_error(), Some(libc::EBADF));
        let error =
            AsyncFd::try_with_interest(Arc::clone(&original), Interest::READABLE).unwrap_err();
        assert!(Arc::ptr_eq(&original, &error.into_parts().0));
        let error: io::Error = AsyncFd::with_interest(Invalid, Interest::WRITABLE).unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::EBADF));
    });
}

#[test]
fn into_inner_deregisters_and_the_descriptor_can_be_registered_again() {
    run(LIMIT, async {
        let (a, mut b) = pair();
        let fd = a.as_raw_fd();
        let a = AsyncFd::new(a).unwrap();
        let a = a.into_inner();
        assert_eq!(a.as_raw_fd(), fd);
        // Still registered would make this fail (`EEXIST`).
        let a = AsyncFd::new(a).unwrap();
        b.write_all(b"again").unwrap();
        assert_eq!(drain(&a).await, b"again");
    });
}

#[test]
fn outside_a_reactor_new_fails_and_gives_the_value_back() {
    let (a, _b) = pair();
    let error = AsyncFd::try_new(a).unwrap_err();
    let (a, _cause) = error.into_parts();
    assert!(a.peer_addr().is_ok());
}

#[test]
fn mut_guards_clear_retain_and_reach_the_descriptor() {
    run(LIMIT, async {
        let (a, mut b) = pair();
        let mut a = AsyncFd::new(a).unwrap();
        let raw = a.as_fd().as_raw_fd();
        assert_eq!(raw, a.get_ref().as_raw_fd());
        let debug = format!("{a:?}");
        assert!(
            debug.starts_with("AsyncFd") && debug.contains("UnixStream"),
            "{debug}"
        );

        // Writable at once: the guard's accessors reach the same descriptor.
        let mut guard = a.writable_mut().await.unwrap();
        assert_eq!(guard.ready(), Ready::WRITABLE);
        let debug = format!("{guard:?}");
        assert!(debug.contains("AsyncFdReadyMutGuard") && debug.contains("is_writable: true"));
        assert_eq!(guard.get_ref().as_raw_fd(), raw);
        assert_eq!(guard.get_inner().as_raw_fd(), raw);
        assert_eq!(guard.get_mut().get_ref().as_raw_fd(), raw);
        let n = guard
            .try_io(|fd| fd.get_mut().write(b"mut"))
            .unwrap()
            .unwrap();
        assert_eq!(n, 3);
        // Retaining keeps the readiness: the next wait is ready at once.
        guard.retain_ready();
        drop(guard);
        // Clearing it makes the next wait sleep until the OS reports a new event; clearing twice
        // is harmless.
        poll_fn(|cx| match a.poll_write_ready_mut(cx) {
            Poll::Ready(guard) => {
                let mut guard = guard.unwrap();
                assert_eq!(guard.ready(), Ready::WRITABLE);
                guard.clear_ready();
                guard.clear_ready();
                assert_eq!(guard.ready(), Ready::EMPTY);
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        })
        .await;
        assert_pending(a.writable_mut()).await;

        // A read that would block clears the read readiness and says so.
        b.write_all(b"x").unwrap();
        let mut guard = a.readable_mut().await.unwrap();
        let mut buf = [0u8; 4];
        let n = guard
            .try_io(|fd| fd.get_mut().read(&mut buf))
            .unwrap()
            .unwrap();
        assert_eq!(&buf[..n], b"x");
        assert!(guard.try_io(|fd| fd.get_mut().read(&mut buf)).is_err());
        assert_eq!(guard.ready(), Ready::EMPTY);
        drop(guard);
        assert_pending(a.readable_mut()).await;
        drop(b);
    });
}

#[test]
fn shared_guard_readiness_and_partial_clears() {
    run(LIMIT, async {
        let (a, mut b) = pair();
        let a = AsyncFd::new(a).unwrap();
        b.write_all(b"both").unwrap();
        let guard = poll_fn(|cx| a.poll_read_ready(cx)).await.unwrap();
        assert!(guard.ready().is_readable());
        let debug = format!("{guard:?}");
        assert!(debug.contains("AsyncFdReadyGuard") && debug.contains("is_readable: true"));
        drop(guard);
        let mut guard = a
            .ready(Interest::READABLE | Interest::WRITABLE)
            .await
            .unwrap();
        assert_eq!(guard.ready(), Ready::READABLE | Ready::WRITABLE);
        guard.clear_ready_matching(Ready::WRITABLE);
        assert_eq!(guard.ready(), Ready::READABLE);
        guard.clear_ready_matching(Ready::READABLE);
        assert_eq!(guard.ready(), Ready::EMPTY);
        // Nothing left to clear: a no-op.
        guard.clear_ready_matching(Ready::READABLE);
        assert_eq!(guard.ready(), Ready::EMPTY);
    });
}

#[test]
fn try_new_error_debug_and_source_are_the_cause() {
    use std::error::Error;
    run(LIMIT, async {
        let error = AsyncFd::try_new(Invalid).unwrap_err();
        let cause = io::Error::from_raw_os_error(libc::EBADF);
        assert_eq!(format!("{error:?}"), format!("{cause:?}"));
        let source = error.source().expect("the cause is the source");
        assert_eq!(source.to_string(), cause.to_string());
    });
}
