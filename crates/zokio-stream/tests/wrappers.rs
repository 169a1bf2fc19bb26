//! The wrappers: exact items, order, ends, and the helpers (`into_inner`, `AsRef`, `AsMut`, ...).

use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use zokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use zokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use zokio::signal::unix::{SignalKind, signal};
use zokio::sync::{broadcast, mpsc, watch};
use zokio_stream::wrappers::errors::BroadcastStreamRecvError;
use zokio_stream::wrappers::{
    BroadcastStream, LinesStream, ReadDirStream, ReceiverStream, SignalStream, SplitStream,
    TcpListenerStream, UnboundedReceiverStream, UnixListenerStream, WatchStream,
};
use zokio_stream::{Stream, StreamExt};

fn poll_once<S: Stream + Unpin>(stream: &mut S) -> Poll<Option<S::Item>> {
    Pin::new(stream).poll_next(&mut Context::from_waker(Waker::noop()))
}

/// A fresh directory under the system's temporary one, removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "zokio-stream-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[zokio::test]
async fn receiver_stream() {
    let (tx, rx) = mpsc::channel(4);
    let mut stream = ReceiverStream::from(rx);
    assert_eq!(stream.size_hint(), (0, None));
    tx.send(1).await.unwrap();
    tx.send(2).await.unwrap();
    assert_eq!(stream.size_hint(), (2, None));
    assert_eq!(stream.as_ref().len(), 2);
    assert_eq!(stream.next().await, Some(1));
    assert_eq!(stream.as_mut().try_recv(), Ok(2));
    assert!(poll_once(&mut stream).is_pending());

    // From another task, in order.
    let producer = zokio::spawn(async move {
        for n in 10..20 {
            tx.send(n).await.unwrap();
        }
    });
    let rest: Vec<i32> = (&mut stream).take(10).collect().await;
    assert_eq!(rest, (10..20).collect::<Vec<_>>());
    producer.await.unwrap();
    // Every sender gone: the end.
    assert_eq!(stream.next().await, None);
    let rx = stream.into_inner();
    assert!(rx.is_closed());
}

#[zokio::test]
async fn receiver_stream_close_drains_then_ends() {
    let (tx, rx) = mpsc::channel(4);
    let mut stream = ReceiverStream::new(rx);
    tx.send('a').await.unwrap();
    let permit = tx.reserve().await.unwrap();
    stream.close();
    assert!(tx.send('x').await.is_err(), "closed for new sends");
    assert_eq!(
        stream.size_hint(),
        (1, Some(2)),
        "the permit may still send"
    );
    permit.send('b');
    assert_eq!(stream.next().await, Some('a'));
    assert_eq!(stream.next().await, Some('b'));
    assert_eq!(stream.next().await, None);
}

#[zokio::test]
async fn unbounded_receiver_stream() {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut stream = UnboundedReceiverStream::new(rx);
    for n in 0..3 {
        tx.send(n).unwrap();
    }
    assert_eq!(stream.size_hint(), (3, None));
    assert_eq!(stream.as_ref().len(), 3);
    assert_eq!(stream.next().await, Some(0));
    stream.close();
    assert!(tx.send(9).is_err());
    assert_eq!(stream.size_hint(), (2, Some(2)));
    assert_eq!(stream.as_mut().try_recv(), Ok(1));
    assert_eq!(stream.next().await, Some(2));
    assert_eq!(stream.next().await, None);
    let stream = UnboundedReceiverStream::from(stream.into_inner());
    drop(stream);
}

#[zokio::test]
async fn broadcast_stream_items_lag_and_end() {
    let (tx, rx) = broadcast::channel(4);
    let mut stream = BroadcastStream::new(rx);
    let second = BroadcastStream::from(tx.subscribe());
    assert!(poll_once(&mut stream).is_pending());
    for n in 0..6 {
        tx.send(n).unwrap();
    }
    // Capacity 4, 6 sent: 0 and 1 were overwritten.
    assert_eq!(
        stream.next().await,
        Some(Err(BroadcastStreamRecvError::Lagged(2)))
    );
    let rest: Vec<_> = (&mut stream).take(4).collect().await;
    assert_eq!(rest, [Ok(2), Ok(3), Ok(4), Ok(5)]);
    assert!(poll_once(&mut stream).is_pending());

    // From another task; every receiver sees everything.
    let producer = zokio::spawn(async move {
        for n in 100..103 {
            tx.send(n).unwrap();
            zokio::task::yield_now().await;
        }
    });
    let got: Vec<_> = (&mut stream).collect().await;
    assert_eq!(got, [Ok(100), Ok(101), Ok(102)]);
    producer.await.unwrap();
    assert_eq!(stream.next().await, None, "ended stays ended");

    // The second receiver never read: only the last 4 of the 9 values are left for it.
    let seen: Vec<_> = second.collect().await;
    assert_eq!(
        seen,
        [
            Err(BroadcastStreamRecvError::Lagged(5)),
            Ok(5),
            Ok(100),
            Ok(101),
            Ok(102)
        ]
    );
    assert_eq!(
        BroadcastStreamRecvError::Lagged(3).to_string(),
        "channel lagged by 3"
    );
    assert!(format!("{stream:?}").contains("BroadcastStream"));
}

#[zokio::test]
async fn watch_stream_yields_latest_values() {
    let (tx, rx) = watch::channel(0);
    let mut stream = WatchStream::new(rx);
    assert_eq!(stream.next().await, Some(0), "the current value first");
    assert!(poll_once(&mut stream).is_pending());
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    // Only the latest value is seen.
    assert_eq!(stream.next().await, Some(2));
    assert!(poll_once(&mut stream).is_pending());

    let producer = zokio::spawn(async move {
        tx.send(3).unwrap();
        zokio::task::yield_now().await;
        tx.send(4).unwrap();
    });
    assert_eq!(stream.next().await, Some(3));
    assert_eq!(stream.next().await, Some(4));
    producer.await.unwrap();
    assert_eq!(stream.next().await, None, "every sender gone");
    assert_eq!(stream.next().await, None);
}

#[zokio::test]
async fn watch_stream_new_yields_a_seen_value_and_from_changes_waits() {
    let (tx, mut rx) = watch::channel("a");
    rx.borrow_and_update();
    let mut fresh = WatchStream::new(rx.clone());
    assert_eq!(fresh.next().await, Some("a"), "even if the receiver saw it");

    let mut changes = WatchStream::from_changes(rx);
    assert!(poll_once(&mut changes).is_pending());
    tx.send("b").unwrap();
    assert_eq!(changes.next().await, Some("b"));
    assert_eq!(fresh.next().await, Some("b"));

    // The last value is still delivered after the sender is gone, then the end.
    let (tx, rx) = watch::channel(1);
    let mut changes = WatchStream::from_changes(rx);
    tx.send(2).unwrap();
    drop(tx);
    assert_eq!(changes.next().await, Some(2));
    assert_eq!(changes.next().await, None);

    // `new` on a channel whose senders are gone still starts with the current value.
    let (tx, rx) = watch::channel(7);
    drop(tx);
    let all: Vec<i32> = WatchStream::from(rx).collect().await;
    assert_eq!(all, [7]);
    assert!(format!("{changes:?}").contains("WatchStream"));
}

#[zokio::test]
async fn signal_stream_sees_deliveries() {
    let mut usr2 = SignalStream::new(signal(SignalKind::user_defined2()).unwrap());
    assert!(poll_once(&mut usr2).is_pending());
    // SAFETY: `raise` sends SIGUSR2 to this thread; the handler is installed above.
    assert_eq!(unsafe { libc::raise(libc::SIGUSR2) }, 0);
    assert_eq!(usr2.next().await, Some(()));
    assert!(poll_once(&mut usr2).is_pending());
    // SAFETY: as above.
    assert_eq!(unsafe { libc::raise(libc::SIGUSR2) }, 0);
    assert_eq!(usr2.as_mut().recv().await, Some(()));
    let _ = usr2.as_ref();
    let _signal = usr2.into_inner();
}

#[zokio::test]
async fn tcp_listener_stream_accepts_in_order() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut incoming = TcpListenerStream::new(listener);
    assert!(poll_once(&mut incoming).is_pending());
    assert_eq!(incoming.as_ref().local_addr().unwrap(), addr);

    let clients = zokio::spawn(async move {
        for n in 0u8..3 {
            let mut client = TcpStream::connect(addr).await.unwrap();
            client.write_all(&[n]).await.unwrap();
            let mut echo = [0u8];
            client.read_exact(&mut echo).await.unwrap();
            assert_eq!(echo, [n]);
        }
    });
    for n in 0u8..3 {
        let mut server = incoming.next().await.unwrap().unwrap();
        let mut byte = [0u8];
        server.read_exact(&mut byte).await.unwrap();
        assert_eq!(byte, [n], "connections come in the order they were made");
        server.write_all(&byte).await.unwrap();
    }
    clients.await.unwrap();
    let _ = incoming.as_mut();
    assert_eq!(incoming.into_inner().local_addr().unwrap(), addr);
}

#[zokio::test]
async fn unix_listener_stream_accepts() {
    let dir = TempDir::new("unix");
    let path = dir.0.join("s.sock");
    let mut incoming = UnixListenerStream::new(UnixListener::bind(&path).unwrap());
    assert!(poll_once(&mut incoming).is_pending());
    let mut client = UnixStream::connect(&path).await.unwrap();
    let mut server = incoming.next().await.unwrap().unwrap();
    client.write_all(b"hi").await.unwrap();
    let mut buf = [0u8; 2];
    server.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"hi");
    assert!(incoming.as_ref().local_addr().is_ok());
    let _ = incoming.as_mut();
    let listener = incoming.into_inner();
    assert_eq!(
        listener.local_addr().unwrap().as_pathname(),
        Some(path.as_path())
    );
}

#[zokio::test]
async fn read_dir_stream_lists_every_entry() {
    let dir = TempDir::new("readdir");
    let mut expected: Vec<String> = (0..50).map(|n| format!("f{n:02}")).collect();
    for name in &expected {
        std::fs::write(dir.0.join(name), name).unwrap();
    }
    std::fs::create_dir(dir.0.join("sub")).unwrap();
    expected.push("sub".into());

    let mut entries = ReadDirStream::new(zokio::fs::read_dir(&dir.0).await.unwrap());
    let _ = entries.as_ref();
    let _ = entries.as_mut();
    let mut names = Vec::new();
    while let Some(entry) = entries.next().await {
        names.push(entry.unwrap().file_name().into_string().unwrap());
    }
    names.sort();
    assert_eq!(names, expected);
    assert_eq!(entries.next().await.map(|r| r.is_ok()), None);
    let _read_dir = entries.into_inner();
}

#[zokio::test]
async fn lines_and_split_streams() {
    let input: &[u8] = b"alpha\nbeta\r\n\ngamma";
    let mut lines = LinesStream::new(BufReader::new(input).lines());
    assert_eq!(lines.next().await.unwrap().unwrap(), "alpha");
    // The pinned `Lines` is the stream's own: a line taken through it is not seen again.
    let taken = std::future::poll_fn(|cx| Pin::new(&mut lines).as_pin_mut().poll_next_line(cx))
        .await
        .unwrap();
    assert_eq!(taken.as_deref(), Some("beta"));
    let _ = lines.as_ref();
    let _ = lines.as_mut();
    let all: Vec<String> = (&mut lines).collect::<std::io::Result<_>>().await.unwrap();
    assert_eq!(all, ["", "gamma"]);
    let _lines = lines.into_inner();

    let input: &[u8] = b"1;22;;333";
    let mut parts = SplitStream::new(BufReader::new(input).split(b';'));
    let taken = std::future::poll_fn(|cx| Pin::new(&mut parts).as_pin_mut().poll_next_segment(cx))
        .await
        .unwrap();
    assert_eq!(taken, Some(b"1".to_vec()));
    let _ = parts.as_ref();
    let _ = parts.as_mut();
    let all: Vec<Vec<u8>> = (&mut parts).collect::<std::io::Result<_>>().await.unwrap();
    assert_eq!(all, [b"22".to_vec(), vec![], b"333".to_vec()]);
    let _split = parts.into_inner();

    // From a socket, as lines arrive.
    let (client, server) = UnixStream::pair().unwrap();
    let writer = zokio::spawn(async move {
        let mut client = client;
        for line in ["one\n", "two\n"] {
            client.write_all(line.as_bytes()).await.unwrap();
            zokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    let lines: Vec<String> = LinesStream::new(BufReader::new(server).lines())
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(lines, ["one", "two"]);
    writer.await.unwrap();
}
