//! The sockets' plain accessors and conversions: `Debug` names the socket, `into_std` hands over the
//! same descriptor (still non-blocking, still usable), `AsRawFd` is that descriptor, option setters
//! read back, the halves report the stream's addresses, and the futures-io vectored forms move exact
//! bytes.

mod common;

use std::io::{self, IoSlice, IoSliceMut, Read};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::task::Poll;
use std::time::Duration;

use common::run;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use zokio_reactor::net::{
    TcpListener, TcpSocket, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream,
};

const LIMIT: Duration = Duration::from_secs(30);

fn would_block<T: std::fmt::Debug>(result: io::Result<T>) -> bool {
    matches!(result, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

fn is_nonblocking(fd: i32) -> bool {
    // SAFETY: `F_GETFL` only reads the flags of `fd`, which the caller keeps open.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    assert!(flags >= 0, "{}", io::Error::last_os_error());
    flags & libc::O_NONBLOCK != 0
}

/// A fresh path for a Unix socket in the temporary directory (removed first if it exists).
fn socket_path(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "zokio-reactor-accessors-{}-{name}.sock",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    path
}

async fn tcp_pair(listener: &TcpListener) -> (TcpStream, TcpStream) {
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
fn tcp_listener_debug_ttl_raw_fd_and_into_std() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let debug = format!("{listener:?}");
        assert!(debug.contains(&addr.to_string()), "{debug}");
        listener.set_ttl(77).unwrap();
        assert_eq!(listener.ttl().unwrap(), 77);

        let fd = listener.as_raw_fd();
        let std = listener.into_std().unwrap();
        assert_eq!(std.as_raw_fd(), fd, "into_std keeps the descriptor");
        assert!(
            is_nonblocking(fd),
            "into_std leaves the listener non-blocking"
        );
        assert!(would_block(std.accept()));
        // Deregistered, yet still a working listener: a connection made now is accepted through it,
        // and it can be registered again.
        let client = std::net::TcpStream::connect(addr).unwrap();
        std.set_nonblocking(false).unwrap();
        let (accepted, peer) = std.accept().unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        drop(accepted);
        let listener = TcpListener::from_std(std).unwrap();
        let (_client, _server) = tcp_pair(&listener).await;
    });
}

#[test]
fn tcp_socket_debug_raw_fd_and_from_std_stream() {
    run(LIMIT, async {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let bound = socket.local_addr().unwrap();
        let debug = format!("{socket:?}");
        assert!(debug.contains(&socket.as_raw_fd().to_string()), "{debug}");

        // A blocking std stream becomes a non-blocking `TcpSocket` with the same descriptor.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let std = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut peer, _) = listener.accept().unwrap();
        let fd = std.as_raw_fd();
        assert!(!is_nonblocking(fd));
        let socket = TcpSocket::from_std_stream(std);
        assert_eq!(socket.as_raw_fd(), fd);
        assert!(is_nonblocking(fd));
        assert_eq!(
            socket.local_addr().unwrap(),
            peer.peer_addr().unwrap(),
            "the same connection"
        );
        drop(socket);
        // Dropping the socket closed the connection: the peer reads end of file.
        let mut rest = Vec::new();
        peer.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty());
        assert_ne!(bound.port(), 0);
    });
}

#[test]
fn tcp_stream_debug_and_halves_report_addresses() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (mut client, server) = tcp_pair(&listener).await;
        let (local, peer) = (client.local_addr().unwrap(), client.peer_addr().unwrap());
        let debug = format!("{client:?}");
        assert!(debug.contains(&local.to_string()), "{debug}");
        assert!(debug.contains(&peer.to_string()), "{debug}");

        let (read, write) = client.split();
        assert_eq!(read.local_addr().unwrap(), local);
        assert_eq!(read.peer_addr().unwrap(), peer);
        assert_eq!(write.local_addr().unwrap(), local);
        assert_eq!(write.peer_addr().unwrap(), peer);

        let (read, write) = client.into_split();
        assert_eq!(read.local_addr().unwrap(), local);
        assert_eq!(read.peer_addr().unwrap(), peer);
        assert_eq!(write.local_addr().unwrap(), local);
        assert_eq!(write.peer_addr().unwrap(), peer);
        server.try_write(b"peek").unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(read.peek(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf[..4], b"peek");
        // Peeking leaves the bytes in the queue.
        let mut all = [0u8; 4];
        let mut read = read;
        read.read_exact(&mut all).await.unwrap();
        assert_eq!(&all, b"peek");
        drop(write);
    });
}

/// The TCP state of a socket from `TCP_INFO` (1 is `TCP_ESTABLISHED`).
#[cfg(target_os = "linux")]
fn tcp_state(fd: i32) -> u8 {
    // SAFETY: `tcp_info` is plain data for which all zeros is a valid value.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: `info` is writable for `len` bytes and `fd` is an open TCP socket.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    assert_eq!(rc, 0, "{}", io::Error::last_os_error());
    info.tcpi_state
}

#[test]
#[cfg(target_os = "linux")]
fn a_forgotten_write_half_does_not_shut_the_stream_down() {
    const TCP_ESTABLISHED: u8 = 1;
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (client, server) = tcp_pair(&listener).await;
        let fd = client.as_raw_fd();
        let (mut read, write) = client.into_split();
        write.forget();
        // Still established on our side (a shutdown would have moved it to FIN_WAIT at once), and
        // the read half still receives.
        assert_eq!(tcp_state(fd), TCP_ESTABLISHED);
        server.try_write(b"still").unwrap();
        let mut buf = [0u8; 5];
        read.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"still");

        // An ordinary drop of a write half does shut the write direction down.
        let (client, mut server) = tcp_pair(&listener).await;
        let fd = client.as_raw_fd();
        let (_read, write) = client.into_split();
        drop(write);
        assert_ne!(tcp_state(fd), TCP_ESTABLISHED);
        let mut rest = Vec::new();
        server.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
    });
}

#[test]
fn reunite_error_says_what_went_wrong() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (a, _a_peer) = tcp_pair(&listener).await;
        let (b, _b_peer) = tcp_pair(&listener).await;
        let (read_a, _write_a) = a.into_split();
        let (_read_b, write_b) = b.into_split();
        let error = read_a.reunite(write_b).unwrap_err();
        assert_eq!(
            error.to_string(),
            "tried to reunite halves that are not from the same TcpStream"
        );
    });
}

#[test]
fn futures_io_vectored_reads_and_writes_move_exact_bytes() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (mut client, mut server) = tcp_pair(&listener).await;
        let (mut unix_a, mut unix_b) = UnixStream::pair().unwrap();
        let streams: [(&mut dyn Duplex, &mut dyn Duplex); 2] =
            [(&mut client, &mut server), (&mut unix_a, &mut unix_b)];
        for (a, b) in streams {
            let n = a
                .write_vectored(&[IoSlice::new(b"head"), IoSlice::new(b"tail!")])
                .await
                .unwrap();
            assert_eq!(n, 9, "a socket takes both slices at once");
            let mut got: Vec<u8> = Vec::new();
            while got.len() < 9 {
                let (mut x, mut y) = ([0u8; 3], [0u8; 16]);
                let n = b
                    .read_vectored(&mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)])
                    .await
                    .unwrap();
                assert!(n > 0, "early end of file");
                got.extend(x.iter().chain(y.iter()).take(n).copied());
            }
            assert_eq!(got, b"headtail!");
        }
    });
}

/// Both futures-io directions, object-safe.
trait Duplex: futures_io::AsyncRead + futures_io::AsyncWrite + Unpin {}
impl<T: futures_io::AsyncRead + futures_io::AsyncWrite + Unpin> Duplex for T {}

#[test]
fn udp_debug_raw_fd_into_std_and_try_forms() {
    run(LIMIT, async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        let debug = format!("{a:?}");
        assert!(debug.contains(&a_addr.to_string()), "{debug}");
        assert_eq!(a.take_error().unwrap().map(|e| e.kind()), None);

        // Nothing queued: `WouldBlock`, not a wait.
        assert!(would_block(b.try_recv_from(&mut [0; 8])));
        a.writable().await.unwrap();
        assert_eq!(a.try_send_to(b"dgram", b_addr).unwrap(), 5);
        let mut buf = [0u8; 16];
        let (n, from) = loop {
            b.readable().await.unwrap();
            match b.try_recv_from(&mut buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                other => break other.unwrap(),
            }
        };
        assert_eq!((&buf[..n], from), (&b"dgram"[..], a_addr));

        let fd = b.as_raw_fd();
        let std = b.into_std().unwrap();
        assert_eq!(std.as_raw_fd(), fd);
        assert!(is_nonblocking(fd));
        assert!(would_block(std.recv_from(&mut buf)));
        a.send_to(b"to std", b_addr).await.unwrap();
        std.set_nonblocking(false).unwrap();
        let (n, from) = std.recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (&b"to std"[..], a_addr));
    });
}

#[test]
fn udp_addresses_as_strings_pairs_and_lists() {
    run(LIMIT, async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind(("127.0.0.1".to_string(), 0)).await.unwrap();
        let port = b.local_addr().unwrap().port();
        let targets: Vec<SocketAddr> = vec![b.local_addr().unwrap()];
        a.send_to(b"1", ("127.0.0.1", port)).await.unwrap();
        a.send_to(b"2", ("127.0.0.1".to_string(), port))
            .await
            .unwrap();
        a.send_to(b"3", targets.clone()).await.unwrap();
        a.send_to(b"4", &targets[..]).await.unwrap();
        let mut got = Vec::new();
        for _ in 0..4 {
            let mut buf = [0u8; 4];
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!(from, a.local_addr().unwrap());
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"1234");

        // An empty list is bad input, reported before anything is sent.
        let error = a.send_to(b"x", Vec::<SocketAddr>::new()).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("no addresses"), "{error}");
    });
}

/// The error numbers are Linux's.
#[test]
#[cfg(target_os = "linux")]
fn udp_multicast_options_read_back_and_bad_groups_are_errors() {
    run(LIMIT, async {
        let v4 = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        v4.set_multicast_ttl_v4(9).unwrap();
        assert_eq!(v4.multicast_ttl_v4().unwrap(), 9);
        #[allow(deprecated)]
        {
            v4.set_tos(0x10).unwrap();
            assert_eq!(v4.tos().unwrap(), 0x10);
        }
        // Leaving a group never joined, and joining a unicast address, are the OS's errors.
        let loopback = std::net::Ipv4Addr::LOCALHOST;
        let group = std::net::Ipv4Addr::new(239, 255, 0, 77);
        let error = v4.leave_multicast_v4(group, loopback).unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::EADDRNOTAVAIL), "{error}");
        let error = v4.join_multicast_v4(loopback, loopback).unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::EINVAL), "{error}");

        if let Ok(v6) = UdpSocket::bind("[::1]:0").await {
            v6.set_multicast_loop_v6(false).unwrap();
            assert!(!v6.multicast_loop_v6().unwrap());
            v6.set_multicast_loop_v6(true).unwrap();
            assert!(v6.multicast_loop_v6().unwrap());
            let group: std::net::Ipv6Addr = "ff02::1:3".parse().unwrap();
            // No interface has this index.
            let error = v6.join_multicast_v6(&group, 0x7fff_fff0).unwrap_err();
            assert_eq!(error.raw_os_error(), Some(libc::ENODEV), "{error}");
            let error = v6.leave_multicast_v6(&group, 0x7fff_fff0).unwrap_err();
            assert!(error.raw_os_error().is_some(), "{error}");
        }
    });
}

#[test]
#[cfg(target_os = "linux")]
fn udp_bind_device_reads_back_or_needs_privilege() {
    run(LIMIT, async {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        assert_eq!(socket.device().unwrap(), None);
        match socket.bind_device(Some(b"lo")) {
            Ok(()) => {
                assert_eq!(socket.device().unwrap().as_deref(), Some(&b"lo"[..]));
                socket.bind_device(None).unwrap();
                assert_eq!(socket.device().unwrap(), None);
            }
            Err(error) => assert_eq!(error.kind(), io::ErrorKind::PermissionDenied),
        }
    });
}

#[test]
fn unix_listener_debug_poll_accept_and_into_std() {
    run(LIMIT, async {
        let path = socket_path("listener");
        let listener = UnixListener::bind(&path).unwrap();
        let debug = format!("{listener:?}");
        assert!(debug.contains(path.to_str().unwrap()), "{debug}");

        // Nothing to accept: Pending; a connection makes the next poll ready.
        std::future::poll_fn(|cx| {
            assert!(listener.poll_accept(cx).is_pending());
            Poll::Ready(())
        })
        .await;
        let client = UnixStream::connect(&path).await.unwrap();
        let (server, _) = std::future::poll_fn(|cx| listener.poll_accept(cx))
            .await
            .unwrap();
        client.try_write(b"hi").unwrap();
        server.readable().await.unwrap();
        let mut buf = [0u8; 2];
        assert_eq!(server.try_read(&mut buf).unwrap(), 2);
        assert_eq!(&buf, b"hi");

        let fd = listener.as_raw_fd();
        let std = listener.into_std().unwrap();
        assert_eq!(std.as_raw_fd(), fd);
        assert!(is_nonblocking(fd));
        assert!(would_block(std.accept()));
        let _client = std::os::unix::net::UnixStream::connect(&path).unwrap();
        std.set_nonblocking(false).unwrap();
        assert!(std.accept().is_ok());
        std::fs::remove_file(&path).unwrap();
    });
}

#[test]
fn unix_stream_debug_addresses_writable_and_raw_fd() {
    run(LIMIT, async {
        let path = socket_path("stream");
        let listener = UnixListener::bind(&path).unwrap();
        let client = UnixStream::connect(&path).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        // The client is unnamed; the server end has the listener's path.
        assert!(client.local_addr().unwrap().is_unnamed());
        assert_eq!(server.local_addr().unwrap().as_pathname(), Some(&*path));
        assert_eq!(client.peer_addr().unwrap().as_pathname(), Some(&*path));
        let debug = format!("{server:?}");
        assert!(debug.contains(&server.as_raw_fd().to_string()), "{debug}");
        client.writable().await.unwrap();
        assert_eq!(client.try_write(b"w").unwrap(), 1);
        std::fs::remove_file(&path).unwrap();
    });
}

#[test]
fn unix_datagram_debug_raw_fd_take_error_and_into_std() {
    run(LIMIT, async {
        let (a, b) = UnixDatagram::pair().unwrap();
        let debug = format!("{a:?}");
        assert!(debug.contains(&a.as_raw_fd().to_string()), "{debug}");
        assert!(a.take_error().unwrap().is_none());
        a.send(b"one").await.unwrap();
        let fd = b.as_raw_fd();
        let std = b.into_std().unwrap();
        assert_eq!(std.as_raw_fd(), fd);
        assert!(is_nonblocking(fd));
        let mut buf = [0u8; 8];
        assert_eq!(std.recv(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"one");
        assert!(would_block(std.recv(&mut buf)));
    });
}
