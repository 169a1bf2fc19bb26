//! `Send`, `Sync` and `Unpin` where Tokio's streams have them, and streams moved across threads.

use std::cell::Cell;
use std::rc::Rc;

use zokio::sync::{broadcast, mpsc, watch};
use zokio_stream::wrappers::{
    BroadcastStream, IntervalStream, LinesStream, ReadDirStream, ReceiverStream, SignalStream,
    SplitStream, TcpListenerStream, UnboundedReceiverStream, UnixListenerStream, WatchStream,
};
use zokio_stream::{Empty, Iter, Once, Pending, StreamMap, StreamNotifyClose};

const fn send_sync_unpin<T: Send + Sync + Unpin>() {}

/// `Send`, not `Sync`.
#[derive(Clone)]
struct SendOnly(#[allow(dead_code)] Cell<u32>);

const _: () = {
    send_sync_unpin::<ReceiverStream<SendOnly>>();
    send_sync_unpin::<UnboundedReceiverStream<SendOnly>>();
    // Tokio's `BroadcastStream<T>` is `Send + Sync` for `T: Send + Clone`; so is ours, since the
    // broadcast receiver is `Send` for a `T` that is only `Send`.
    send_sync_unpin::<BroadcastStream<SendOnly>>();
    send_sync_unpin::<WatchStream<u32>>();
    send_sync_unpin::<IntervalStream>();
    send_sync_unpin::<SignalStream>();
    send_sync_unpin::<TcpListenerStream>();
    send_sync_unpin::<UnixListenerStream>();
    send_sync_unpin::<ReadDirStream>();
    send_sync_unpin::<LinesStream<zokio::io::BufReader<zokio::net::TcpStream>>>();
    send_sync_unpin::<SplitStream<zokio::io::BufReader<zokio::net::TcpStream>>>();
    // The sources are `Send + Sync` even for a `!Send` item type, as Tokio's are.
    send_sync_unpin::<Empty<Rc<u8>>>();
    send_sync_unpin::<Pending<Rc<u8>>>();
    send_sync_unpin::<Iter<std::vec::IntoIter<u8>>>();
    send_sync_unpin::<Once<u8>>();
    send_sync_unpin::<StreamMap<u8, Iter<std::vec::IntoIter<u8>>>>();
    send_sync_unpin::<StreamNotifyClose<Once<u8>>>();
};

#[test]
fn wrappers_work_on_other_threads() {
    let rt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use zokio_stream::StreamExt;

        let (tx, rx) = broadcast::channel::<SendOnly>(16);
        let (mtx, mrx) = mpsc::channel::<SendOnly>(16);
        let (wtx, wrx) = watch::channel(0u32);
        let broadcast_task = zokio::spawn(async move {
            let stream = BroadcastStream::new(rx);
            stream
                .filter_map(Result::ok)
                .map(|v| v.0.get())
                .collect::<Vec<_>>()
                .await
        });
        let mpsc_task = zokio::spawn(async move {
            ReceiverStream::new(mrx)
                .map(|v| v.0.get())
                .collect::<Vec<_>>()
                .await
        });
        let watch_task = zokio::spawn(async move {
            // Stops at 3, the last value sent.
            let mut stream = WatchStream::from_changes(wrx);
            let mut last = 0;
            while let Some(v) = stream.next().await {
                last = v;
                if v == 3 {
                    break;
                }
            }
            last
        });
        for n in 0..10 {
            tx.send(SendOnly(Cell::new(n))).unwrap();
            mtx.send(SendOnly(Cell::new(n))).await.unwrap();
        }
        for n in 1..=3 {
            wtx.send(n).unwrap();
        }
        drop((tx, mtx));
        assert_eq!(broadcast_task.await.unwrap(), (0..10).collect::<Vec<_>>());
        assert_eq!(mpsc_task.await.unwrap(), (0..10).collect::<Vec<_>>());
        assert_eq!(watch_task.await.unwrap(), 3);
    });
}
