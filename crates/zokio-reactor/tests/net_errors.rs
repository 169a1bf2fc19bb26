//! Error paths of the sockets: malformed addresses fail without a lookup, a connect to the wrong
//! address family fails at once, and a connection reset by the peer gives `ConnectionReset` on the
//! read, `BrokenPipe` on a later write, while a shutdown of the dead stream is not an error. End of
//! file reads as 0, again and again.

mod common;

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use common::run;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio_reactor::net::{TcpListener, TcpSocket, TcpStream, UdpSocket, UnixStream};

const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn malformed_addresses_are_invalid_input() {
    run(LIMIT, async {
        // Neither needs the resolver: a port out of range, and no port at all.
        for bad in ["127.0.0.1:99999", "no-port-here"] {
            let error = TcpListener::bind(bad).await.unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{bad}: {error}");
            let error = TcpStream::connect(bad).await.unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{bad}: {error}");
            let error = UdpSocket::bind(bad).await.unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{bad}: {error}");
        }
        let error = TcpListener::bind(Vec::<SocketAddr>::new())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        // A Unix path that does not exist, and one too long for a socket address.
        let missing = std::env::temp_dir().join("zokio-no-such-dir/zokio.sock");
        let error = UnixStream::connect(&missing).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        let long = std::env::temp_dir().join("x".repeat(200));
        assert!(UnixStream::connect(&long).await.is_err());
    });
}

#[test]
fn a_connect_to_the_other_address_family_fails_at_once() {
    run(LIMIT, async {
        let socket = TcpSocket::new_v4().unwrap();
        let error = socket
            .connect("[::1]:9".parse().unwrap())
            .await
            .unwrap_err();
        #[cfg(target_os = "linux")]
        assert_eq!(error.raw_os_error(), Some(libc::EAFNOSUPPORT), "{error}");
        assert!(error.raw_os_error().is_some(), "{error}");
    });
}

/// Linux's behaviour after a reset (other kernels may report the reset differently).
#[test]
#[cfg(target_os = "linux")]
fn a_reset_connection_fails_reads_and_writes_but_not_shutdown() {
    run(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        server.set_zero_linger().unwrap();
        drop(server); // a reset, not an end of file

        let mut buf = [0u8; 8];
        let error = client.read(&mut buf).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionReset);
        // The error was reported once; the connection is gone: writes fail, reads see its end.
        let error = client.write_all(b"late").await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe, "{error}");
        assert_eq!(client.read(&mut buf).await.unwrap(), 0);
        // Shutting down a connection that no longer exists has nothing to do: not an error.
        client.shutdown().await.unwrap();
    });
}

#[test]
fn end_of_file_reads_as_zero_every_time() {
    run(LIMIT, async {
        let (mut a, b) = UnixStream::pair().unwrap();
        b.try_write(b"last").unwrap();
        drop(b);
        let mut rest = Vec::new();
        a.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"last");
        for _ in 0..3 {
            assert_eq!(a.read(&mut [0u8; 4]).await.unwrap(), 0);
        }
        // Writing to a peer that is gone is a broken pipe, not a signal that kills the process.
        let error = a.write_all(b"nobody").await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
    });
}
