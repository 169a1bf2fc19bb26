//! `ZokioIo` both ways: hyper's I/O traits over Tokio's (zokio's sockets), and Tokio's traits
//! back over a hyper I/O object (an upgraded connection, say), with its accessors.

use std::io::IoSlice;
use std::time::Duration;

use zokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use zokio::net::UnixStream;
use zokio_hyper::ZokioIo;

const LIMIT: Duration = Duration::from_secs(60);

#[zokio::test]
async fn accessors_reach_the_wrapped_object() {
    let (a, mut b) = UnixStream::pair().unwrap();
    let mut io = ZokioIo::new(a);
    assert!(io.inner().peer_addr().is_ok());
    // Written through the inner object directly, not through the wrapper.
    io.inner_mut().write_all(b"direct").await.unwrap();
    let mut buf = [0; 6];
    b.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"direct");
    assert!(format!("{io:?}").starts_with("ZokioIo { inner: "));
    // Unwrapped, it is the same connection.
    let mut a = io.into_inner();
    b.write_all(b"back").await.unwrap();
    let mut buf = [0; 4];
    a.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"back");
}

#[zokio::test]
async fn tokio_traits_over_a_hyper_io_object() {
    zokio::time::timeout(LIMIT, async {
        let (a, mut peer) = UnixStream::pair().unwrap();
        // The inner wrapper has hyper's traits; the outer one gives Tokio's back.
        let mut io = ZokioIo::new(ZokioIo::new(a));
        assert_eq!(
            io.is_write_vectored(),
            io.inner().inner().is_write_vectored(),
            "the wrapped object's own answer"
        );

        io.write_all(b"hello").await.unwrap();
        let written = io
            .write_vectored(&[IoSlice::new(b", "), IoSlice::new(b"world")])
            .await
            .unwrap();
        assert!((1..=7).contains(&written), "{written}");
        let expected = &b", world"[..written];
        io.flush().await.unwrap();
        let mut buf = vec![0; 5 + written];
        peer.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf[..5], b"hello");
        assert_eq!(&buf[5..], expected);

        // A read that takes two polls appends to what the first one filled.
        let reader = async {
            let mut buf = [0; 5];
            io.read_exact(&mut buf).await.map(|_| buf)
        };
        let writer = async {
            peer.write_all(b"re").await.unwrap();
            zokio::task::yield_now().await;
            peer.write_all(b"ply").await.unwrap();
        };
        let (read, ()) = zokio::join!(reader, writer);
        assert_eq!(&read.unwrap(), b"reply");

        // Shutdown reaches the socket: the peer sees the end of the stream.
        io.shutdown().await.unwrap();
        let mut rest = Vec::new();
        assert_eq!(peer.read_to_end(&mut rest).await.unwrap(), 0);
        // And the end of the peer's stream reaches the reader.
        drop(peer);
        let mut rest = Vec::new();
        assert_eq!(io.read_to_end(&mut rest).await.unwrap(), 0);
    })
    .await
    .expect("within the time limit");
}
