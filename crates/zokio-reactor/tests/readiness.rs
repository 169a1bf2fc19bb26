//! The readiness API of the stream sockets: `ready(interest)`, `readable`/`writable`,
//! `poll_read_ready`/`poll_write_ready`, the `try_` forms (vectored, `BufMut`), `try_io` and
//! `async_io`, on `TcpStream`, `UnixStream` and their halves; and the cooperative budget.

mod common;

use std::future::{Future, poll_fn};
use std::io::{self, IoSlice, IoSliceMut};
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use common::run;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use zokio_coop::{Budget, with_budget};
use zokio_reactor::io::{Interest, Ready};
use zokio_reactor::net::{TcpListener, TcpStream, UnixStream};

const LIMIT: Duration = Duration::from_secs(30);

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
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

/// Polls `poll` once (with the task's context) and returns the outcome.
async fn poll_once<T>(mut poll: impl FnMut(&mut Context<'_>) -> Poll<T>) -> Poll<T> {
    poll_fn(|cx| Poll::Ready(poll(cx))).await
}

/// Writes with `try_write` until the send buffer is full; returns the byte count.
async fn fill(stream: &TcpStream) -> usize {
    let chunk = vec![7u8; 256 * 1024];
    let mut total = 0;
    loop {
        stream.writable().await.unwrap();
        match stream.try_write(&chunk) {
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // Not writable any more, unless space came back meanwhile.
                if poll_once(|cx| stream.poll_write_ready(cx))
                    .await
                    .is_pending()
                {
                    return total;
                }
            }
            Err(e) => panic!("write failed: {e}"),
        }
    }
}

/// Reads with `try_read` until `WouldBlock`; returns the byte count.
fn read_until_would_block(stream: &TcpStream) -> usize {
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0;
    loop {
        match stream.try_read(&mut buf) {
            Ok(n) => total += n,
            Err(e) => {
                assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
                return total;
            }
        }
    }
}

#[test]
fn tcp_read_readiness_follows_the_data() {
    run(LIMIT, async {
        let (mut client, server) = tcp_pair().await;
        // A new connection with no data is not readable (the optimistic start is checked).
        assert!(
            poll_once(|cx| server.poll_read_ready(cx))
                .await
                .is_pending()
        );
        assert_pending(server.readable()).await;
        assert_pending(server.ready(Interest::READABLE)).await;

        client.write_all(b"ping").await.unwrap();
        poll_fn(|cx| server.poll_read_ready(cx)).await.unwrap();
        let ready = server.ready(Interest::READABLE).await.unwrap();
        assert!(ready.is_readable() && !ready.is_read_closed());
        // Readable until an operation returns `WouldBlock`.
        assert_eq!(read_until_would_block(&server), 4);
        assert!(
            poll_once(|cx| server.poll_read_ready(cx))
                .await
                .is_pending()
        );

        // The peer going away is read-closed readiness, and it stays.
        drop(client);
        let ready = server.ready(Interest::READABLE).await.unwrap();
        assert!(ready.is_read_closed());
        assert_eq!(server.try_read(&mut [0; 8]).unwrap(), 0);
        assert!(
            server
                .ready(Interest::READABLE)
                .await
                .unwrap()
                .is_read_closed()
        );
    });
}

#[test]
fn tcp_write_readiness_follows_the_send_buffer() {
    run(LIMIT, async {
        let (client, server) = tcp_pair().await;
        poll_fn(|cx| client.poll_write_ready(cx)).await.unwrap();
        assert_eq!(
            client.ready(Interest::WRITABLE).await.unwrap(),
            Ready::WRITABLE
        );
        let written = fill(&client).await;
        assert_pending(client.writable()).await;
        let mut waiting = pin!(client.ready(Interest::WRITABLE));
        assert!(poll_once(|cx| waiting.as_mut().poll(cx)).await.is_pending());

        let mut read = 0;
        while read < written {
            server.readable().await.unwrap();
            read += read_until_would_block(&server);
        }
        assert_eq!(read, written);
        let ready = waiting.await.unwrap();
        assert!(ready.is_writable() && !ready.is_write_closed());
    });
}

#[test]
fn tcp_vectored_and_buf_forms_move_exact_bytes() {
    run(LIMIT, async {
        let (client, server) = tcp_pair().await;
        client.writable().await.unwrap();
        let n = client
            .try_write_vectored(&[IoSlice::new(b"hello "), IoSlice::new(b"world")])
            .unwrap();
        assert_eq!(n, 11);
        server.readable().await.unwrap();
        let (mut first, mut second) = ([0u8; 4], [0u8; 16]);
        let n = server
            .try_read_vectored(&mut [IoSliceMut::new(&mut first), IoSliceMut::new(&mut second)])
            .unwrap();
        assert_eq!(n, 11);
        assert_eq!((&first, &second[..7]), (b"hell", &b"o world"[..]));

        client.try_write(b"buffered").unwrap();
        let mut buf = Vec::with_capacity(3);
        buf.extend_from_slice(b">>");
        loop {
            server.readable().await.unwrap();
            match server.try_read_buf(&mut buf) {
                Ok(_) if buf.len() == 10 => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(buf, b">>buffered");
        let error = server.try_read_buf(&mut buf).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
    });
}

#[test]
fn tcp_try_io_and_async_io_drive_raw_syscalls() {
    run(LIMIT, async {
        let (client, server) = tcp_pair().await;
        let recv = |buf: &mut [u8]| socket2::SockRef::from(&server).recv(as_uninit(buf));
        // Not readable: `try_io` does not run the closure.
        let error = server
            .try_io(Interest::READABLE, || -> io::Result<()> { panic!("ran") })
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
        client
            .async_io(Interest::WRITABLE, || {
                socket2::SockRef::from(&client).send(b"raw")
            })
            .await
            .unwrap();
        let mut buf = [0u8; 8];
        let n = server
            .async_io(Interest::READABLE, || recv(&mut buf))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"raw");
        // Now the socket is empty: the closure's `WouldBlock` clears the readiness.
        let error = server
            .try_io(Interest::READABLE, || recv(&mut buf))
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
        assert!(
            poll_once(|cx| server.poll_read_ready(cx))
                .await
                .is_pending()
        );
    });
}

fn as_uninit(buf: &mut [u8]) -> &mut [std::mem::MaybeUninit<u8>] {
    // SAFETY: `u8` and `MaybeUninit<u8>` have the same layout, and `recv` only writes bytes.
    unsafe { &mut *(buf as *mut [u8] as *mut [std::mem::MaybeUninit<u8>]) }
}

#[test]
fn tcp_halves_peek_and_readiness() {
    run(LIMIT, async {
        let (mut client, mut server) = tcp_pair().await;
        let (mut read, write) = server.split();
        assert_eq!(read.peer_addr().unwrap(), client.local_addr().unwrap());
        assert_eq!(write.local_addr().unwrap(), read.local_addr().unwrap());
        assert!(write.ready(Interest::WRITABLE).await.unwrap().is_writable());
        write.writable().await.unwrap();
        assert_eq!(write.try_write(b"to client").unwrap(), 9);
        assert_eq!(write.try_write_vectored(&[IoSlice::new(b"!")]).unwrap(), 1);
        let mut got = [0u8; 10];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"to client!");

        assert_pending(read.readable()).await;
        client.write_all(b"peeked").await.unwrap();
        let mut buf = [0u8; 6];
        assert_eq!(read.peek(&mut buf).await.unwrap(), 6);
        assert_eq!(&buf, b"peeked");
        let mut storage = [0u8; 3];
        let mut small = tokio::io::ReadBuf::new(&mut storage);
        let n = poll_fn(|cx| read.poll_peek(cx, &mut small)).await.unwrap();
        assert_eq!((n, small.filled()), (3, &b"pee"[..]));
        assert!(read.ready(Interest::READABLE).await.unwrap().is_readable());
        let mut all = Vec::new();
        assert_eq!(read.try_read_buf(&mut all).unwrap(), 6);
        assert_eq!(all, b"peeked");
        assert_eq!(
            read.try_read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        client.write_all(b"v").await.unwrap();
        read.readable().await.unwrap();
        let n = read
            .try_read_vectored(&mut [IoSliceMut::new(&mut buf)])
            .unwrap();
        assert_eq!(&buf[..n], b"v");
    });
}

#[test]
fn unix_stream_and_halves_readiness() {
    run(LIMIT, async {
        let (a, b) = UnixStream::pair().unwrap();
        assert_pending(b.readable()).await;
        assert!(poll_once(|cx| b.poll_read_ready(cx)).await.is_pending());
        poll_fn(|cx| a.poll_write_ready(cx)).await.unwrap();
        assert_eq!(
            a.try_write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")])
                .unwrap(),
            4
        );
        let ready = b.ready(Interest::READABLE).await.unwrap();
        assert_eq!(ready, Ready::READABLE);
        let ready = b
            .ready(Interest::READABLE | Interest::WRITABLE)
            .await
            .unwrap();
        assert_eq!(ready, Ready::READABLE | Ready::WRITABLE);
        let mut buf = Vec::new();
        assert_eq!(b.try_read_buf(&mut buf).unwrap(), 4);
        assert_eq!(buf, b"abcd");
        let n = b
            .try_io(Interest::WRITABLE, || {
                socket2::SockRef::from(&b).send(b"raw")
            })
            .unwrap();
        assert_eq!(n, 3);
        let mut got = [0u8; 3];
        let n = a
            .async_io(Interest::READABLE, || {
                socket2::SockRef::from(&a).recv(as_uninit(&mut got))
            })
            .await
            .unwrap();
        assert_eq!(&got[..n], b"raw");

        let (read, write) = a.into_split();
        write.try_write(b"x").unwrap();
        let mut one = [0u8; 1];
        b.readable().await.unwrap();
        b.try_read_vectored(&mut [IoSliceMut::new(&mut one)])
            .unwrap();
        assert_eq!(&one, b"x");
        assert!(read.peer_addr().unwrap().is_unnamed());
        // The peer closing both directions: read and write closed. (Consume the read readiness
        // first, so that the wait below is for the hang-up event.)
        assert_eq!(
            read.try_read(&mut one).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        drop(b);
        let ready = read.ready(Interest::READABLE).await.unwrap();
        assert!(ready.is_read_closed());
        let ready = write.ready(Interest::WRITABLE).await.unwrap();
        assert!(ready.is_write_closed());
        assert_eq!(read.try_read(&mut one).unwrap(), 0);
    });
}

/// Every ready poll spends one unit; with none left it is `Pending` although ready.
async fn spends_the_budget<T>(mut op: impl FnMut(&mut Context<'_>) -> Poll<T>) {
    poll_fn(|cx| {
        with_budget(Budget::units(2), || {
            assert!(op(cx).is_ready());
            assert!(op(cx).is_ready());
            assert!(op(cx).is_pending(), "ready, but the budget is spent");
        });
        with_budget(Budget::units(1), || assert!(op(cx).is_ready()));
        Poll::Ready(())
    })
    .await
}

fn poll_future<F: Future>(future: F, cx: &mut Context<'_>) -> Poll<F::Output> {
    pin!(future).poll(cx)
}

#[test]
fn readiness_waits_spend_the_budget_and_try_forms_do_not() {
    run(LIMIT, async {
        let (mut client, server) = tcp_pair().await;
        client.write_all(b"data").await.unwrap();
        server.readable().await.unwrap();
        spends_the_budget(|cx| server.poll_read_ready(cx)).await;
        spends_the_budget(|cx| client.poll_write_ready(cx)).await;
        spends_the_budget(|cx| poll_future(server.ready(Interest::READABLE), cx)).await;
        spends_the_budget(|cx| poll_future(server.readable(), cx)).await;
        spends_the_budget(|cx| {
            poll_future(
                client.async_io(Interest::WRITABLE, || Ok::<_, io::Error>(())),
                cx,
            )
        })
        .await;
        // `try_io` spends nothing: it works with an empty budget.
        poll_fn(|cx| {
            let _ = cx;
            with_budget(Budget::units(0), || {
                server.try_io(Interest::READABLE, || Ok(())).unwrap();
            });
            Poll::Ready(())
        })
        .await;
    });
}

/// A freshly accepted stream starts with guessed readiness; `try_io` checks a guess with `poll(2)`
/// before it runs arbitrary code: refuted, the closure does not run; confirmed, it does.
#[test]
fn try_io_runs_on_a_confirmed_guess_only() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        // No await until the `try_io`: the reactor processes no event, so the guess stays a guess.
        let refuted = server.try_io(Interest::READABLE, || -> io::Result<()> {
            panic!("ran on a refuted guess")
        });
        assert_eq!(refuted.unwrap_err().kind(), io::ErrorKind::WouldBlock);

        drop((client, server));
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        assert_eq!(client.try_write(b"x").unwrap(), 1);
        // Wait for the byte outside the reactor (a bounded poll(2)), so no event replaces the guess.
        let mut pollfd = libc::pollfd {
            fd: std::os::fd::AsRawFd::as_raw_fd(&server),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid entry; the descriptor is open while `server` lives.
        assert_eq!(unsafe { libc::poll(&mut pollfd, 1, 10_000) }, 1);
        let ran = server.try_io(Interest::READABLE, || Ok("ran")).unwrap();
        assert_eq!(ran, "ran");
    });
}
