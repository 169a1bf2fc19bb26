//! `UnixDatagram`'s Tokio surface: readiness, the `try_` and `poll_` forms (with `ReadBuf`),
//! `BufMut` receives with the sender's address, `try_io`/`async_io` and `TryFrom`.

mod common;

use std::future::{Future, poll_fn};
use std::io;
use std::path::PathBuf;
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use common::run;
use tokio::io::ReadBuf;
use zokio_reactor::io::{Interest, Ready};
use zokio_reactor::net::UnixDatagram;

const LIMIT: Duration = Duration::from_secs(30);

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zokio-reactor-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
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
fn readiness_and_poll_forms_on_a_pair() {
    run(LIMIT, async {
        let (a, b) = UnixDatagram::pair().unwrap();
        assert_pending(b.readable()).await;
        assert!(poll_once(|cx| b.poll_recv_ready(cx)).await.is_pending());
        assert_eq!(a.ready(Interest::WRITABLE).await.unwrap(), Ready::WRITABLE);
        poll_fn(|cx| a.poll_send_ready(cx)).await.unwrap();
        a.writable().await.unwrap();

        assert_eq!(poll_fn(|cx| a.poll_send(cx, b"polled")).await.unwrap(), 6);
        assert!(b.ready(Interest::READABLE).await.unwrap().is_readable());
        poll_fn(|cx| b.poll_recv_ready(cx)).await.unwrap();
        let mut storage = [0u8; 16];
        let mut buf = ReadBuf::new(&mut storage);
        poll_fn(|cx| b.poll_recv(cx, &mut buf)).await.unwrap();
        assert_eq!(buf.filled(), b"polled");
        assert!(would_block(b.try_recv(&mut [0; 4])));
        assert!(poll_once(|cx| b.poll_recv_ready(cx)).await.is_pending());

        // A pair's sockets are unnamed: the sender's address says so.
        a.try_send(b"from").unwrap();
        let mut storage = [0u8; 16];
        let mut buf = ReadBuf::new(&mut storage);
        let from = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await.unwrap();
        assert_eq!(buf.filled(), b"from");
        assert!(from.is_unnamed());

        // Shutting the read side down is read-closed readiness (datagram sockets report nothing
        // when a peer merely goes away), and it stays.
        assert!(would_block(b.try_recv(&mut [0; 4])));
        b.shutdown(std::net::Shutdown::Read).unwrap();
        let ready = b.ready(Interest::READABLE).await.unwrap();
        assert!(ready.is_read_closed());
        let _ = b.try_recv(&mut [0; 4]);
        assert!(b.ready(Interest::READABLE).await.unwrap().is_read_closed());
        drop(a);
    });
}

#[test]
fn send_to_paths_and_receive_with_addresses() {
    run(LIMIT, async {
        let dir = temp_dir("dgram-api");
        let (a_path, b_path) = (dir.join("a.sock"), dir.join("b.sock"));
        let a = UnixDatagram::bind(&a_path).unwrap();
        let b = UnixDatagram::bind(&b_path).unwrap();
        assert!(would_block(b.try_recv_from(&mut [0; 4])));

        a.writable().await.unwrap();
        assert_eq!(a.try_send_to(b"try", &b_path).unwrap(), 3);
        b.readable().await.unwrap();
        let mut buf = [0u8; 8];
        let (n, from) = b.try_recv_from(&mut buf).unwrap();
        assert_eq!(
            (&buf[..n], from.as_pathname()),
            (&b"try"[..], Some(a_path.as_path()))
        );

        poll_fn(|cx| a.poll_send_to(cx, b"polled", &b_path))
            .await
            .unwrap();
        let mut storage = [0u8; 3];
        let mut rb = ReadBuf::new(&mut storage);
        let from = poll_fn(|cx| b.poll_recv_from(cx, &mut rb)).await.unwrap();
        // Truncated to the space given.
        assert_eq!(
            (rb.filled(), from.as_pathname()),
            (&b"pol"[..], Some(a_path.as_path()))
        );

        let mut collected = b"buf:".to_vec();
        a.send_to(b"one", &b_path).await.unwrap();
        let (n, from) = b.recv_buf_from(&mut collected).await.unwrap();
        assert_eq!((n, from.as_pathname()), (3, Some(a_path.as_path())));
        a.send_to(b"two", &b_path).await.unwrap();
        b.readable().await.unwrap();
        let (n, _) = b.try_recv_buf_from(&mut collected).unwrap();
        assert_eq!(n, 3);
        assert_eq!(collected, b"buf:onetwo");
        assert!(would_block(b.try_recv_buf_from(&mut collected)));

        b.connect(&a_path).unwrap();
        a.send_to(b"3", &b_path).await.unwrap();
        assert_eq!(b.recv_buf(&mut collected).await.unwrap(), 1);
        a.send_to(b"4", &b_path).await.unwrap();
        b.readable().await.unwrap();
        assert_eq!(b.try_recv_buf(&mut collected).unwrap(), 1);
        assert_eq!(collected, b"buf:onetwo34");
        assert!(would_block(b.try_recv_buf(&mut collected)));

        // A missing destination is the OS's error, not a hang.
        let error = a.try_send_to(b"x", dir.join("nobody.sock")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        drop((a, b));
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[cfg(target_os = "linux")]
#[test]
fn abstract_destinations() {
    use std::os::linux::net::SocketAddrExt;
    run(LIMIT, async {
        let name = format!("zokio-dgram-api-{}", std::process::id());
        let path = format!("\0{name}");
        let server = UnixDatagram::bind(&path).unwrap();
        let client = UnixDatagram::unbound().unwrap();
        client.try_send_to(b"abs", &path).unwrap();
        poll_fn(|cx| client.poll_send_to(cx, b"tract", &path))
            .await
            .unwrap();
        let mut buf = Vec::new();
        server.recv_buf(&mut buf).await.unwrap();
        server.recv_buf(&mut buf).await.unwrap();
        assert_eq!(buf, b"abstract");
        assert_eq!(
            server.local_addr().unwrap().as_abstract_name(),
            Some(name.as_bytes())
        );
    });
}

#[test]
fn try_io_async_io_and_conversion() {
    run(LIMIT, async {
        let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
        let a = UnixDatagram::try_from(a).unwrap();
        let b = UnixDatagram::try_from(b).unwrap();
        let error = b
            .try_io(Interest::READABLE, || -> io::Result<()> {
                panic!("not ready")
            })
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
        a.async_io(Interest::WRITABLE, || {
            socket2::SockRef::from(&a).send(b"raw")
        })
        .await
        .unwrap();
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
    });
}
