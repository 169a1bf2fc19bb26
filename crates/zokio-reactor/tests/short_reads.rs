//! A read shorter than its buffer clears read readiness (saving the `recv` that would return
//! `WouldBlock`), and still never hides the peer's end of stream.

mod common;

use std::io::Write;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio_reactor::net::{TcpListener, TcpStream, UnixStream};

const LIMIT: Duration = Duration::from_secs(20);

async fn tcp_pair() -> (TcpStream, std::net::TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = std::net::TcpStream::connect(addr).unwrap();
    let (stream, _) = listener.accept().await.unwrap();
    (stream, peer)
}

#[test]
fn eof_queued_behind_the_data_is_seen_after_a_short_read() {
    common::run(LIMIT, async {
        for _ in 0..50 {
            let (mut stream, mut peer) = tcp_pair().await;
            // Data and FIN are both queued before the first read: one edge reports both.
            peer.write_all(b"hello").unwrap();
            peer.shutdown(std::net::Shutdown::Write).unwrap();
            let mut buf = [0u8; 64];
            let n = stream.read(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"hello");
            // Short read: readiness was cleared, but the FIN must still be read.
            assert_eq!(stream.read(&mut buf).await.unwrap(), 0);
            assert_eq!(stream.read(&mut buf).await.unwrap(), 0, "EOF is sticky");
        }
    });
}

#[test]
fn data_and_eof_arriving_after_a_short_read_wake_the_reader() {
    common::run(LIMIT, async {
        let (mut stream, mut peer) = tcp_pair().await;
        peer.write_all(b"one").unwrap();
        let mut buf = [0u8; 64];
        let n = stream.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"one");
        let writer = std::thread::spawn(move || {
            peer.write_all(b"two").unwrap();
            peer.shutdown(std::net::Shutdown::Write).unwrap();
        });
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"two");
        writer.join().unwrap();
    });
}

#[test]
fn a_full_buffer_read_keeps_readiness_and_reads_everything() {
    common::run(LIMIT, async {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        let payload: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        let expected = payload.clone();
        let writer = async move {
            a.write_all(&payload).await.unwrap();
            a.shutdown().await.unwrap();
        };
        let reader = async move {
            let mut got = Vec::new();
            // Small reads: most fill the buffer (no clear), the last ones are short.
            let mut buf = [0u8; 1000];
            loop {
                let n = b.read(&mut buf).await.unwrap();
                if n == 0 {
                    break got;
                }
                got.extend_from_slice(&buf[..n]);
            }
        };
        let ((), got) = futures_lite::future::zip(writer, reader).await;
        assert_eq!(got, expected);
    });
}
