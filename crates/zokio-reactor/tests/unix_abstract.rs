//! Linux abstract Unix socket names: a path whose first byte is NUL names a socket in the abstract
//! namespace (no file), as with Tokio and std's `SocketAddr::from_abstract_name`.
#![cfg(any(target_os = "linux", target_os = "android"))]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::run;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
#[cfg(target_os = "android")]
use std::os::android::net::SocketAddrExt;
#[cfg(target_os = "linux")]
use std::os::linux::net::SocketAddrExt;
use zokio_reactor::net::{UnixDatagram, UnixListener, UnixStream};

const LIMIT: Duration = Duration::from_secs(30);

/// A name no other process or test uses: the process id, the test's tag and the time.
fn unique_name(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("zokio-test-{}-{tag}-{nanos}", std::process::id())
}

#[test]
fn abstract_stream_names_bind_connect_and_echo() {
    run(LIMIT, async {
        let name = unique_name("stream");
        let path = format!("\0{name}");
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_abstract_name(),
            Some(name.as_bytes())
        );
        // The abstract name is taken while the listener lives.
        assert_eq!(
            UnixListener::bind(&path).unwrap_err().kind(),
            std::io::ErrorKind::AddrInUse
        );
        let mut client = UnixStream::connect(&path).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        assert_eq!(
            client.peer_addr().unwrap().as_abstract_name(),
            Some(name.as_bytes())
        );
        client.write_all(b"ping").await.unwrap();
        let mut buf = [0; 4];
        server.read_exact(&mut buf).await.unwrap();
        server.write_all(&buf).await.unwrap();
        let mut echo = [0; 4];
        client.read_exact(&mut echo).await.unwrap();
        assert_eq!(&echo, b"ping");
        // Nothing was created in the file system.
        assert!(!std::path::Path::new(&name).exists());
    });
}

#[test]
fn abstract_datagram_names_bind_connect_and_send_to() {
    run(LIMIT, async {
        let (name_a, name_b) = (unique_name("dgram-a"), unique_name("dgram-b"));
        let (path_a, path_b) = (format!("\0{name_a}"), format!("\0{name_b}"));
        let a = UnixDatagram::bind(&path_a).unwrap();
        let b = UnixDatagram::bind(&path_b).unwrap();
        assert_eq!(
            b.local_addr().unwrap().as_abstract_name(),
            Some(name_b.as_bytes())
        );
        assert_eq!(a.send_to(b"to b", &path_b).await.unwrap(), 4);
        let mut buf = [0; 8];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"to b");
        assert_eq!(from.as_abstract_name(), Some(name_a.as_bytes()));
        b.connect(&path_a).unwrap();
        assert_eq!(
            b.peer_addr().unwrap().as_abstract_name(),
            Some(name_a.as_bytes())
        );
        b.send(b"to a").await.unwrap();
        let n = a.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"to a");
    });
}

#[test]
fn connecting_to_an_unbound_abstract_name_is_refused() {
    run(LIMIT, async {
        let path = format!("\0{}", unique_name("nobody"));
        let error = UnixStream::connect(&path).await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
    });
}
