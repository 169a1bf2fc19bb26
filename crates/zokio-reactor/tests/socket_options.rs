//! Socket options and conversions: linger (and what zero linger does to the peer), `TcpSocket`'s
//! getters, type of service and traffic class, `take_error`, `TryFrom` the std types, and
//! `UnixListener::bind_addr` / `UnixStream::connect_addr`.

mod common;

use std::io;
use std::time::Duration;

use common::run;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use zokio_reactor::net::{TcpListener, TcpSocket, TcpStream, UnixListener, UnixStream};

const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn stream_linger_and_zero_linger_resets_the_connection() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        assert_eq!(client.linger().unwrap(), None);
        client.set_linger(Some(Duration::from_secs(1))).unwrap();
        assert_eq!(client.linger().unwrap(), Some(Duration::from_secs(1)));
        client.set_zero_linger().unwrap();
        assert_eq!(client.linger().unwrap(), Some(Duration::ZERO));
        assert!(client.take_error().unwrap().is_none());
        #[cfg(target_os = "linux")]
        {
            client.set_quickack(true).unwrap();
            assert!(client.quickack().unwrap());
        }
        // Zero linger: closing resets the connection instead of a graceful EOF.
        drop(client);
        let mut buf = [0u8; 8];
        let error = server.read(&mut buf).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionReset);
    });
}

#[test]
#[allow(deprecated)]
fn tcp_socket_getters_read_back_every_setter() {
    run(LIMIT, async {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_keepalive(true).unwrap();
        assert!(socket.keepalive().unwrap());
        socket.set_keepalive(false).unwrap();
        assert!(!socket.keepalive().unwrap());
        socket.set_nodelay(true).unwrap();
        assert!(socket.nodelay().unwrap());
        socket.set_reuseaddr(true).unwrap();
        assert!(socket.reuseaddr().unwrap());
        socket.set_reuseport(true).unwrap();
        assert!(socket.reuseport().unwrap());
        socket.set_send_buffer_size(64 * 1024).unwrap();
        assert!(socket.send_buffer_size().unwrap() >= 64 * 1024);
        socket.set_recv_buffer_size(64 * 1024).unwrap();
        assert!(socket.recv_buffer_size().unwrap() >= 64 * 1024);
        assert_eq!(socket.linger().unwrap(), None);
        socket.set_linger(Some(Duration::from_secs(3))).unwrap();
        assert_eq!(socket.linger().unwrap(), Some(Duration::from_secs(3)));
        socket.set_zero_linger().unwrap();
        assert_eq!(socket.linger().unwrap(), Some(Duration::ZERO));
        socket.set_linger(None).unwrap();
        assert_eq!(socket.linger().unwrap(), None);
        socket.set_tos_v4(0x10).unwrap();
        assert_eq!(socket.tos_v4().unwrap(), 0x10);
        assert!(socket.take_error().unwrap().is_none());
        assert_eq!(socket.device().unwrap(), None);
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = socket.local_addr().unwrap();
        assert!(addr.ip().is_loopback() && addr.port() != 0);

        // Options survive into the connected stream.
        let listener = socket.listen(8).unwrap();
        let client = TcpSocket::new_v4().unwrap();
        client.set_nodelay(true).unwrap();
        let stream = client.connect(addr).await.unwrap();
        assert!(stream.nodelay().unwrap());
        drop(listener);

        if let Ok(v6) = TcpSocket::new_v6() {
            v6.set_tclass_v6(0x28).unwrap();
            assert_eq!(v6.tclass_v6().unwrap(), 0x28);
        }
    });
}

#[test]
fn try_from_std_types() {
    run(LIMIT, async {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let listener = TcpListener::try_from(std_listener).unwrap();
        assert!(listener.take_error().unwrap().is_none());
        let std_client = std::net::TcpStream::connect(addr).unwrap();
        let mut client = TcpStream::try_from(std_client).unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.write_all(b"converted").await.unwrap();
        let mut got = [0u8; 9];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"converted");

        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let mut a = UnixStream::try_from(a).unwrap();
        let mut b = UnixStream::try_from(b).unwrap();
        assert!(a.take_error().unwrap().is_none());
        a.write_all(b"u").await.unwrap();
        let mut one = [0u8; 1];
        b.read_exact(&mut one).await.unwrap();
        assert_eq!(&one, b"u");

        let dir = std::env::temp_dir().join(format!("zokio-opts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let std_listener = std::os::unix::net::UnixListener::bind(dir.join("l.sock")).unwrap();
        let listener = UnixListener::try_from(std_listener).unwrap();
        assert!(listener.take_error().unwrap().is_none());
        drop(listener);
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn unix_bind_addr_and_connect_addr() {
    run(LIMIT, async {
        let dir = std::env::temp_dir().join(format!("zokio-addr-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bind-addr.sock");
        let addr = std::os::unix::net::SocketAddr::from_pathname(&path).unwrap();
        let listener = UnixListener::bind_addr(&addr).unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_pathname(),
            Some(path.as_path())
        );
        let mut client = UnixStream::connect_addr(&addr).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.write_all(b"by address").await.unwrap();
        let mut got = [0u8; 10];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"by address");
        // The address is taken while the listener lives.
        let error = UnixListener::bind_addr(&addr).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);

        // An unnamed address names nothing to connect to.
        let (unnamed, _peer) = std::os::unix::net::UnixStream::pair().unwrap();
        let unnamed = unnamed.local_addr().unwrap();
        let error = UnixStream::connect_addr(&unnamed).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        drop((listener, client, server));
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[cfg(target_os = "linux")]
#[test]
fn unix_abstract_bind_addr_and_connect_addr() {
    use std::os::linux::net::SocketAddrExt;
    run(LIMIT, async {
        let name = format!("zokio-bind-addr-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let listener = UnixListener::bind_addr(&addr).unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_abstract_name(),
            Some(name.as_bytes())
        );
        let client = UnixStream::connect_addr(&addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        assert_eq!(
            client.peer_addr().unwrap().as_abstract_name(),
            Some(name.as_bytes())
        );
        drop(server);
    });
}
