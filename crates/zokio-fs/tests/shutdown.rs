//! A runtime that has shut down: file system work started afterwards (with its handle entered)
//! cannot reach the blocking pool, so it fails with an error instead of hanging, and each type stays
//! consistent: a `File` reports the lost write once and works on, a `ReadDir` ends after the error.

mod support;

use futures_lite::AsyncWriteExt;
use futures_lite::future::block_on;
use support::TempDir;
use zokio_fs::File;

/// More entries than one batch of `ReadDir` (256), so that reading on needs another trip.
const ENTRIES: usize = 300;

fn is_cancelled(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::Other && error.to_string().contains("cancelled")
}

#[test]
fn work_after_the_runtime_shut_down_fails_instead_of_hanging() {
    let dir = TempDir::new("shutdown");
    for i in 0..ENTRIES {
        std::fs::write(dir.join(&format!("f{i}")), b"").unwrap();
    }
    let rt = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    let (mut entries, mut file) = rt.block_on(async {
        let mut entries = zokio_fs::read_dir(dir.path()).await.unwrap();
        // Exactly the first batch: the next entry needs a new trip.
        for _ in 0..256 {
            assert!(entries.next_entry().await.unwrap().is_some());
        }
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(dir.join("out"))
            .await
            .unwrap();
        file.write_all(b"kept").await.unwrap();
        file.flush().await.unwrap();
        (entries, file)
    });
    drop(rt);
    let _enter = handle.enter();

    // A free function: its trip is cancelled.
    let error = block_on(zokio_fs::metadata(dir.path())).unwrap_err();
    assert!(is_cancelled(&error), "{error}");

    // A directory: the next batch is lost with its trip; the stream ends, it does not panic.
    let error = block_on(entries.next_entry()).unwrap_err();
    assert!(is_cancelled(&error), "{error}");
    assert!(block_on(entries.next_entry()).unwrap().is_none());
    assert!(block_on(entries.next_entry()).unwrap().is_none());

    // A file: a write is accepted, its trip cancelled; the flush reports the loss, once.
    block_on(file.write_all(b" lost")).unwrap();
    let error = block_on(file.flush()).unwrap_err();
    assert!(is_cancelled(&error), "{error}");
    block_on(file.flush()).unwrap();
    // With room for one queued byte: the second write is queued behind the cancelled trip, and
    // the third, which has to wait for room, learns of the cancellation itself.
    file.set_max_buf_size(1);
    assert_eq!(block_on(file.write(b"a")).unwrap(), 1);
    assert_eq!(block_on(file.write(b"b")).unwrap(), 1);
    let error = block_on(file.write(b"c")).unwrap_err();
    assert!(is_cancelled(&error), "{error}");
    block_on(file.flush()).unwrap();
    // Nothing of the lost writes reached the file.
    assert_eq!(std::fs::read(dir.join("out")).unwrap(), b"kept");
}
