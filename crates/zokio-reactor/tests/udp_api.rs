//! `UdpSocket`'s Tokio surface: readiness, the `try_` and `poll_` forms (with `ReadBuf`), peeking,
//! `peek_sender`, `BufMut` receives, `try_io`/`async_io`, IP options and `TryFrom`.

mod common;

use std::future::{Future, poll_fn};
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use common::run;
use tokio::io::ReadBuf;
use zokio_coop::{Budget, with_budget};
use zokio_reactor::io::{Interest, Ready};
use zokio_reactor::net::UdpSocket;

const LIMIT: Duration = Duration::from_secs(30);

async fn connected_pair() -> (UdpSocket, UdpSocket) {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    a.connect(b.local_addr().unwrap()).await.unwrap();
    b.connect(a.local_addr().unwrap()).await.unwrap();
    (a, b)
}

async fn assert_pending<F: Future>(future: F) {
    let mut future = pin!(future);
    poll_fn(|cx| {
        assert!(future.as_mut().poll(cx).is_pending(), "expected Pending");
        Poll::Ready(())
    })
    .await
}

async fn poll_once<T>(mut poll: impl FnMut(&mut Context<'_>) -> Poll<T>) -> Poll<T> {
    poll_fn(|cx| Poll::Ready(poll(cx))).await
}

fn would_block<T: std::fmt::Debug>(result: io::Result<T>) -> bool {
    matches!(result, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

#[test]
fn readiness_and_try_send_try_recv() {
    run(LIMIT, async {
        let (a, b) = connected_pair().await;
        // Nothing queued: not readable, and `try_recv` says `WouldBlock`.
        assert_pending(b.readable()).await;
        assert!(poll_once(|cx| b.poll_recv_ready(cx)).await.is_pending());
        assert!(would_block(b.try_recv(&mut [0; 8])));
        assert_eq!(a.ready(Interest::WRITABLE).await.unwrap(), Ready::WRITABLE);
        poll_fn(|cx| a.poll_send_ready(cx)).await.unwrap();

        a.writable().await.unwrap();
        assert_eq!(a.try_send(b"first").unwrap(), 5);
        let ready = b.ready(Interest::READABLE).await.unwrap();
        assert!(ready.is_readable() && !ready.is_read_closed());
        poll_fn(|cx| b.poll_recv_ready(cx)).await.unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(b.try_recv(&mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"first");
        assert!(would_block(b.try_recv(&mut buf)));
        assert!(poll_once(|cx| b.poll_recv_ready(cx)).await.is_pending());
    });
}

#[test]
fn poll_forms_with_read_buf() {
    run(LIMIT, async {
        let (a, b) = connected_pair().await;
        let n = poll_fn(|cx| a.poll_send(cx, b"via poll_send"))
            .await
            .unwrap();
        assert_eq!(n, 13);
        let mut storage = [0u8; 32];
        let mut buf = ReadBuf::new(&mut storage);
        buf.put_slice(b"<");
        poll_fn(|cx| b.poll_recv(cx, &mut buf)).await.unwrap();
        assert_eq!(buf.filled(), b"<via poll_send");

        let target = b.local_addr().unwrap();
        poll_fn(|cx| a.poll_send_to(cx, b"to", target))
            .await
            .unwrap();
        let mut storage = [0u8; 8];
        let mut buf = ReadBuf::new(&mut storage);
        let from = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await.unwrap();
        assert_eq!((buf.filled(), from), (&b"to"[..], a.local_addr().unwrap()));

        // A datagram longer than the space left is truncated to it (and the rest discarded).
        a.send(b"0123456789").await.unwrap();
        let mut storage = [0u8; 4];
        let mut buf = ReadBuf::uninit(unsafe_free_uninit(&mut storage));
        poll_fn(|cx| b.poll_recv(cx, &mut buf)).await.unwrap();
        assert_eq!(buf.filled(), b"0123");
        assert!(would_block(b.try_recv(&mut [0; 16])));
    });
}

/// The storage as uninitialised memory (a `ReadBuf` over memory it must not assume initialised).
fn unsafe_free_uninit(storage: &mut [u8; 4]) -> &mut [std::mem::MaybeUninit<u8>] {
    let slice: &mut [u8] = storage;
    // SAFETY: `MaybeUninit<u8>` has `u8`'s layout; the bytes stay valid `u8`s whatever is written.
    unsafe { &mut *(slice as *mut [u8] as *mut [std::mem::MaybeUninit<u8>]) }
}

#[test]
fn peeking_leaves_the_datagram_queued() {
    run(LIMIT, async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        assert!(would_block(b.try_peek_from(&mut [0; 4])));
        assert!(would_block(b.try_peek_sender()));
        a.send_to(b"peek me", b_addr).await.unwrap();
        assert_eq!(b.peek_sender().await.unwrap(), a_addr);
        assert_eq!(poll_fn(|cx| b.poll_peek_sender(cx)).await.unwrap(), a_addr);
        assert_eq!(b.try_peek_sender().unwrap(), a_addr);
        let mut buf = [0u8; 16];
        assert_eq!(b.peek_from(&mut buf).await.unwrap(), (7, a_addr));
        assert_eq!(b.try_peek_from(&mut buf).unwrap(), (7, a_addr));
        let mut storage = [0u8; 4];
        let mut rb = ReadBuf::new(&mut storage);
        let from = poll_fn(|cx| b.poll_peek_from(cx, &mut rb)).await.unwrap();
        assert_eq!((rb.filled(), from), (&b"peek"[..], a_addr));
        // Still there, whole.
        assert_eq!(b.recv_from(&mut buf).await.unwrap(), (7, a_addr));
        assert_eq!(&buf[..7], b"peek me");
        assert!(would_block(b.try_peek_from(&mut buf)));

        b.connect(a_addr).await.unwrap();
        a.send_to(b"conn", b_addr).await.unwrap();
        assert_eq!(b.peek(&mut buf).await.unwrap(), 4);
        assert_eq!(b.try_peek(&mut buf).unwrap(), 4);
        let mut storage = [0u8; 8];
        let mut rb = ReadBuf::new(&mut storage);
        poll_fn(|cx| b.poll_peek(cx, &mut rb)).await.unwrap();
        assert_eq!(rb.filled(), b"conn");
        assert_eq!(b.try_recv(&mut buf).unwrap(), 4);
    });
}

#[test]
fn buf_mut_receives_append_to_the_buffer() {
    run(LIMIT, async {
        let (a, b) = connected_pair().await;
        let a_addr = a.local_addr().unwrap();
        let mut buf = b"head:".to_vec();
        assert!(would_block(b.try_recv_buf(&mut buf)));
        assert!(would_block(b.try_recv_buf_from(&mut buf)));
        a.send(b"one").await.unwrap();
        assert_eq!(b.recv_buf(&mut buf).await.unwrap(), 3);
        a.send(b"two").await.unwrap();
        assert_eq!(b.recv_buf_from(&mut buf).await.unwrap(), (3, a_addr));
        a.send(b"3").await.unwrap();
        b.readable().await.unwrap();
        assert_eq!(b.try_recv_buf(&mut buf).unwrap(), 1);
        a.send(b"4").await.unwrap();
        b.readable().await.unwrap();
        let got: (usize, SocketAddr) = b.try_recv_buf_from(&mut buf).unwrap();
        assert_eq!(got, (1, a_addr));
        assert_eq!(buf, b"head:onetwo34");
        // A fixed-size `BufMut` takes what fits.
        a.send(b"overflowing").await.unwrap();
        let mut storage = [0u8; 4];
        let mut slice = &mut storage[..];
        assert_eq!(b.recv_buf(&mut slice).await.unwrap(), 4);
        assert_eq!(&storage, b"over");
    });
}

#[test]
fn try_io_and_async_io() {
    run(LIMIT, async {
        let (a, b) = connected_pair().await;
        let error = b
            .try_io(Interest::READABLE, || -> io::Result<()> {
                panic!("not ready")
            })
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
        let sent = a
            .async_io(Interest::WRITABLE, || {
                socket2::SockRef::from(&a).send(b"raw")
            })
            .await
            .unwrap();
        assert_eq!(sent, 3);
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 8];
        let n = b
            .async_io(Interest::READABLE, || {
                socket2::SockRef::from(&b).recv(&mut buf)
            })
            .await
            .unwrap();
        assert_eq!(n, 3);
        let error = b
            .try_io(Interest::READABLE, || {
                socket2::SockRef::from(&b).recv(&mut buf)
            })
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
        assert!(poll_once(|cx| b.poll_recv_ready(cx)).await.is_pending());
    });
}

#[test]
fn new_operations_spend_the_budget() {
    run(LIMIT, async {
        let (a, b) = connected_pair().await;
        for _ in 0..8 {
            a.send(b"x").await.unwrap();
        }
        b.readable().await.unwrap();
        poll_fn(|cx| {
            with_budget(Budget::units(2), || {
                let mut storage = [0u8; 4];
                let mut buf = ReadBuf::new(&mut storage);
                assert!(b.poll_recv(cx, &mut buf).is_ready());
                assert!(b.poll_recv_ready(cx).is_ready());
                assert!(b.poll_recv(cx, &mut buf).is_pending(), "budget spent");
                assert!(a.poll_send(cx, b"y").is_pending(), "budget spent");
                // The `try_` forms spend nothing.
                assert_eq!(b.try_recv(&mut [0; 4]).unwrap(), 1);
            });
            Poll::Ready(())
        })
        .await;
    });
}

#[test]
fn ip_options_and_conversion() {
    run(LIMIT, async {
        let socket =
            UdpSocket::try_from(std::net::UdpSocket::bind("127.0.0.1:0").unwrap()).unwrap();
        socket.set_tos_v4(0x20).unwrap();
        assert_eq!(socket.tos_v4().unwrap(), 0x20);
        #[allow(deprecated)]
        let old = socket.tos().unwrap();
        assert_eq!(old, 0x20);
        if let Ok(v6) = UdpSocket::bind("[::1]:0").await {
            v6.set_tclass_v6(0x28).unwrap();
            assert_eq!(v6.tclass_v6().unwrap(), 0x28);
        }
        assert_eq!(socket.device().unwrap(), None);
    });
}
