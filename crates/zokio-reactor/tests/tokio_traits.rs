//! Tokio's I/O traits on the stream sockets and their halves: exact bytes, half-close through
//! `AsyncWriteExt::shutdown`, the extension traits' helpers, `copy_bidirectional`, `BufReader`,
//! and the same cooperative budget as the futures-io path.

mod common;

use std::future::poll_fn;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use common::run;
use futures_lite::future::zip;
use tokio::io::{
    AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf,
};
use zokio_coop::{Budget, with_budget};
use zokio_reactor::net::{TcpListener, TcpStream, UnixStream};

const LIMIT: Duration = Duration::from_secs(60);

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// `len` bytes of a pattern that repeats every 251 bytes, shifted by `seed`.
fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| ((i + seed) % 251) as u8).collect()
}

/// Sends `data` one way and `reply` the other over a connected pair, each side half-closing with
/// `AsyncWriteExt::shutdown`, and checks every byte; then checks that a write after the shutdown
/// fails with `BrokenPipe`.
async fn exchange<A, B>(mut a: A, mut b: B)
where
    A: AsyncRead + AsyncWrite + Unpin,
    B: AsyncRead + AsyncWrite + Unpin,
{
    let data = pattern(1 << 20, 3);
    let reply = pattern(300_000, 7);
    let (sent, received) = zip(
        async {
            a.write_all(&data).await.unwrap();
            a.shutdown().await.unwrap();
            let mut got = Vec::new();
            a.read_to_end(&mut got).await.unwrap();
            got
        },
        async {
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            b.write_all(&reply).await.unwrap();
            b.shutdown().await.unwrap();
            got
        },
    )
    .await;
    assert!(sent == reply, "reply bytes differ");
    assert!(received == data, "request bytes differ");
    let error = a.write_all(b"late").await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
}

#[test]
fn tcp_stream_reads_writes_and_shuts_down_through_tokio_traits() {
    run(LIMIT, async {
        let (client, server) = tcp_pair().await;
        exchange(client, server).await;
    });
}

#[test]
fn unix_stream_reads_writes_and_shuts_down_through_tokio_traits() {
    run(LIMIT, async {
        let (a, b) = UnixStream::pair().unwrap();
        exchange(a, b).await;
    });
}

#[test]
fn tcp_owned_halves_through_tokio_traits() {
    run(LIMIT, async {
        let (client, mut server) = tcp_pair().await;
        let addr = client.local_addr().unwrap();
        let (mut read, mut write) = client.into_split();
        write.write_all(b"to server").await.unwrap();
        write.shutdown().await.unwrap();
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"to server");
        server.write_all(b"to client").await.unwrap();
        server.shutdown().await.unwrap();
        let mut got = String::new();
        read.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "to client");
        let client = read.reunite(write).unwrap();
        assert_eq!(client.local_addr().unwrap(), addr);
    });
}

#[test]
fn tcp_borrowed_halves_read_and_write_concurrently() {
    run(LIMIT, async {
        let (mut client, mut server) = tcp_pair().await;
        let data = pattern(512 * 1024, 1);
        let (mut read, mut write) = client.split();
        // The server echoes; the client writes and reads at the same time through its halves.
        let (echoed, ((), received)) = zip(
            async {
                let (mut server_read, mut server_write) = server.split();
                let n = tokio::io::copy(&mut server_read, &mut server_write)
                    .await
                    .unwrap();
                // The copy ends at the client's half-close; then the server half-closes too.
                server_write.shutdown().await.unwrap();
                n
            },
            zip(
                async {
                    write.write_all(&data).await.unwrap();
                    write.shutdown().await.unwrap();
                },
                async {
                    let mut got = Vec::new();
                    read.read_to_end(&mut got).await.unwrap();
                    got
                },
            ),
        )
        .await;
        assert_eq!(echoed, data.len() as u64);
        assert!(received == data, "echoed bytes differ");
    });
}

#[test]
fn unix_halves_through_tokio_traits() {
    run(LIMIT, async {
        let (mut a, b) = UnixStream::pair().unwrap();
        {
            let (mut read, mut write) = a.split();
            let (b_read, mut b_write) = b.into_split();
            let mut b_read = BufReader::new(b_read);
            write.write_all(b"ping\n").await.unwrap();
            let mut line = String::new();
            b_read.read_line(&mut line).await.unwrap();
            assert_eq!(line, "ping\n");
            b_write.write_all(b"pong").await.unwrap();
            drop(b_write); // an owned write half shuts the write direction down on drop
            let mut got = String::new();
            read.read_to_string(&mut got).await.unwrap();
            assert_eq!(got, "pong");
            write.shutdown().await.unwrap();
            let mut rest = Vec::new();
            b_read.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty());
        }
        let error = a.write_all(b"x").await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
    });
}

#[test]
fn integers_and_read_buf_round_trip() {
    run(LIMIT, async {
        let (mut client, mut server) = tcp_pair().await;
        client.write_u32(0xDEAD_BEEF).await.unwrap();
        client.write_u64_le(42).await.unwrap();
        client.write_i16(-2).await.unwrap();
        client.write_all(b"tail").await.unwrap();
        client.shutdown().await.unwrap();
        assert_eq!(server.read_u32().await.unwrap(), 0xDEAD_BEEF);
        assert_eq!(server.read_u64_le().await.unwrap(), 42);
        assert_eq!(server.read_i16().await.unwrap(), -2);
        // `read_buf` fills spare capacity (uninitialised memory) and advances the length.
        let mut buf = Vec::with_capacity(64);
        let mut total = 0;
        loop {
            let n = server.read_buf(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            total += n;
        }
        assert_eq!(total, 4);
        assert_eq!(buf, b"tail");
        let error = server.read_u8().await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    });
}

#[test]
fn vectored_writes_through_tokio_traits() {
    run(LIMIT, async {
        let (mut client, mut server) = tcp_pair().await;
        assert!(client.is_write_vectored());
        let slices = [io::IoSlice::new(b"hello, "), io::IoSlice::new(b"world")];
        let n = client.write_vectored(&slices).await.unwrap();
        assert_eq!(n, 12, "a small vectored write goes out whole");
        let mut got = [0; 12];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"hello, world");

        let (mut a, mut b) = UnixStream::pair().unwrap();
        assert!(a.is_write_vectored());
        let n = a.write_vectored(&slices).await.unwrap();
        assert_eq!(n, 12);
        let mut got = [0; 12];
        b.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"hello, world");
    });
}

#[test]
fn poll_peek_fills_a_read_buf_and_leaves_the_data() {
    run(LIMIT, async {
        let (mut client, mut server) = tcp_pair().await;
        client.write_all(b"peekaboo").await.unwrap();
        let mut storage = [MaybeUninit::<u8>::uninit(); 16];
        let mut buf = ReadBuf::uninit(&mut storage);
        let mut peeked = 0;
        while peeked < 8 {
            buf.clear();
            peeked = poll_fn(|cx| server.poll_peek(cx, &mut buf)).await.unwrap();
        }
        assert_eq!(buf.filled(), b"peekaboo");
        let mut got = [0; 8];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"peekaboo");
    });
}

#[test]
fn copy_bidirectional_between_two_tcp_pairs() {
    run(LIMIT, async {
        // client_a <-> server_a ==proxy== client_b <-> server_b
        let (mut client_a, mut server_a) = tcp_pair().await;
        let (mut client_b, mut server_b) = tcp_pair().await;
        let request = pattern(700_000, 11);
        let response = pattern(400_000, 5);
        let (copied, ((), ())) = zip(
            async {
                tokio::io::copy_bidirectional(&mut server_a, &mut client_b)
                    .await
                    .unwrap()
            },
            zip(
                async {
                    client_a.write_all(&request).await.unwrap();
                    client_a.shutdown().await.unwrap();
                    let mut got = Vec::new();
                    client_a.read_to_end(&mut got).await.unwrap();
                    assert!(got == response, "response bytes differ");
                },
                async {
                    let mut got = Vec::new();
                    server_b.read_to_end(&mut got).await.unwrap();
                    assert!(got == request, "request bytes differ");
                    server_b.write_all(&response).await.unwrap();
                    server_b.shutdown().await.unwrap();
                },
            ),
        )
        .await;
        assert_eq!(copied, (request.len() as u64, response.len() as u64));
    });
}

#[test]
fn buf_reader_lines_over_a_unix_stream() {
    run(LIMIT, async {
        let (mut a, b) = UnixStream::pair().unwrap();
        a.write_all(b"alpha\nbeta\r\n\ngamma").await.unwrap();
        a.shutdown().await.unwrap();
        let mut lines = BufReader::new(b).lines();
        let mut got = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            got.push(line);
        }
        assert_eq!(got, ["alpha", "beta", "", "gamma"]);
    });
}

const N: u8 = 3;

/// Polls `op` under a budget of `N` units: `N` ready polls, then `Pending` although ready.
fn spends_one_unit_per_op<T>(mut op: impl FnMut(&mut std::task::Context<'_>) -> Poll<T>) {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    with_budget(Budget::units(N), || {
        for i in 0..N {
            assert!(op(&mut cx).is_ready(), "operation {i} should be ready");
        }
        assert!(op(&mut cx).is_pending(), "the budget is spent");
    });
}

#[test]
fn both_trait_families_spend_the_same_budget() {
    run(LIMIT, async {
        let (mut client, mut server) = tcp_pair().await;
        client.write_all(&[7; 64]).await.unwrap();
        server.read_exact(&mut [0; 1]).await.unwrap();
        spends_one_unit_per_op(|cx| {
            let mut storage = [0; 1];
            let mut buf = ReadBuf::new(&mut storage);
            AsyncRead::poll_read(Pin::new(&mut server), cx, &mut buf)
        });
        spends_one_unit_per_op(|cx| {
            futures_io::AsyncRead::poll_read(Pin::new(&mut server), cx, &mut [0; 1])
        });
        spends_one_unit_per_op(|cx| AsyncWrite::poll_write(Pin::new(&mut client), cx, &[1]));
        spends_one_unit_per_op(|cx| {
            futures_io::AsyncWrite::poll_write(Pin::new(&mut client), cx, &[1])
        });
        let (read, _write) = server.split();
        let mut read = read;
        spends_one_unit_per_op(|cx| {
            let mut storage = [0; 1];
            let mut buf = ReadBuf::new(&mut storage);
            AsyncRead::poll_read(Pin::new(&mut read), cx, &mut buf)
        });
    });
}
