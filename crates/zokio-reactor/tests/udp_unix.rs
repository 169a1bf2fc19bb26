//! UDP and Unix-domain sockets.

mod common;

use std::io;
use std::rc::Rc;
use std::time::Duration;

use common::{BoxFuture, join_all, run};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use zokio_reactor::net::{UdpSocket, UnixDatagram, UnixListener, UnixStream};

const LIMIT: Duration = Duration::from_secs(30);

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zokio-reactor-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn udp_round_trip() {
    run(LIMIT, async {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        client.connect(server.local_addr().unwrap()).await.unwrap();
        assert_eq!(client.peer_addr().unwrap(), server.local_addr().unwrap());
        for round in 0..100u32 {
            let message = round.to_be_bytes();
            assert_eq!(client.send(&message).await.unwrap(), 4);
            let mut buf = [0u8; 16];
            let (n, from) = server.peek_from(&mut buf).await.unwrap();
            assert_eq!((n, from), (4, client.local_addr().unwrap()));
            let (n, from) = server.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &message);
            server.send_to(&buf[..n], from).await.unwrap();
            let n = client.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &message);
        }
        server.set_broadcast(true).unwrap();
        assert!(server.broadcast().unwrap());
        server.set_ttl(7).unwrap();
        assert_eq!(server.ttl().unwrap(), 7);
        server.set_multicast_loop_v4(false).unwrap();
        assert!(!server.multicast_loop_v4().unwrap());
    });
}

#[test]
fn udp_concurrent_receivers_on_one_socket_all_get_woken() {
    run(LIMIT, async {
        let server = Rc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let addr = server.local_addr().unwrap();
        let mut tasks: Vec<BoxFuture<u8>> = Vec::new();
        for _ in 0..4 {
            let server = Rc::clone(&server);
            tasks.push(Box::pin(async move {
                let mut buf = [0u8; 1];
                server.recv_from(&mut buf).await.unwrap();
                buf[0]
            }));
        }
        tasks.push(Box::pin(async move {
            let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            for byte in 1..=4u8 {
                client.send_to(&[byte], addr).await.unwrap();
            }
            0
        }));
        let mut received = join_all(tasks).await;
        received.sort_unstable();
        assert_eq!(received, [0, 1, 2, 3, 4]);
    });
}

#[test]
fn udp_bind_address_in_use() {
    run(LIMIT, async {
        let first = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let error = UdpSocket::bind(first.local_addr().unwrap())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
    });
}

#[test]
fn unix_stream_listener_and_split() {
    let dir = temp_dir("stream");
    let path = dir.join("sock");
    run(LIMIT, async {
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(
            UnixListener::bind(&path).unwrap_err().kind(),
            io::ErrorKind::AddrInUse
        );
        let client = UnixStream::connect(&path).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let (mut read, mut write) = client.into_split();
        write.write_all(&[7u8; 100_000]).await.unwrap();
        drop(write); // shuts the write direction down
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, vec![7u8; 100_000]);
        server.write_all(b"bye").await.unwrap();
        server.close().await.unwrap();
        let mut reply = String::new();
        read.read_to_string(&mut reply).await.unwrap();
        assert_eq!(reply, "bye");
        // Connecting to a path without a listener fails with the OS error.
        let missing = UnixStream::connect(dir.join("missing")).await.unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    });
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn unix_stream_pair_borrowed_split() {
    run(LIMIT, async {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        let (mut read_a, mut write_a) = a.split();
        write_a.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        b.read_exact(&mut buf).await.unwrap();
        b.write_all(b"pong").await.unwrap();
        read_a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"pong");
        let std = b.into_std().unwrap();
        let b = UnixStream::from_std(std).unwrap();
        assert!(b.peer_addr().unwrap().is_unnamed());
    });
}

#[test]
fn unix_datagrams() {
    let dir = temp_dir("dgram");
    run(LIMIT, async {
        let server = UnixDatagram::bind(dir.join("server")).unwrap();
        let client = UnixDatagram::bind(dir.join("client")).unwrap();
        client.send_to(b"hello", dir.join("server")).await.unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello");
        assert_eq!(from.as_pathname(), Some(dir.join("client").as_path()));
        server.connect(dir.join("client")).unwrap();
        server.send(b"back").await.unwrap();
        let n = client.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"back");
        let (a, b) = UnixDatagram::pair().unwrap();
        assert_eq!(
            b.try_recv(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        a.try_send(b"x").unwrap();
        assert_eq!(b.recv(&mut buf).await.unwrap(), 1);
    });
    std::fs::remove_dir_all(dir).unwrap();
}
