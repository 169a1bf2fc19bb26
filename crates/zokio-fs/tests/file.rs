//! `File`: byte-exact round trips, seeking, append mode, write-behind and its errors.

mod support;

use std::io::{ErrorKind, SeekFrom};

use futures_lite::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use support::{TempDir, pattern};
use zokio_fs::{File, OpenOptions};

fn rt() -> zokio::runtime::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Writes `data` through a `File` in chunks of `chunk` bytes, then reads it back through another.
async fn round_trip(dir: &TempDir, len: usize, chunk: usize) {
    let path = dir.join(&format!("round-{len}-{chunk}"));
    let data = pattern(len, 7);
    let mut file = File::create(&path).await.unwrap();
    for piece in data.chunks(chunk.max(1)) {
        file.write_all(piece).await.unwrap();
    }
    file.flush().await.unwrap();
    // The flush put every byte in the OS: a synchronous read sees them all.
    assert_eq!(std::fs::read(&path).unwrap().len(), len);
    drop(file);

    let mut file = File::open(&path).await.unwrap();
    let mut back = Vec::new();
    let n = file.read_to_end(&mut back).await.unwrap();
    assert_eq!(n, len);
    assert!(back == data, "content of a {len}-byte file differs");
    assert_eq!(zokio_fs::read(&path).await.unwrap(), data);
}

#[test]
fn write_then_read_exact_sizes() {
    let dir = TempDir::new("sizes");
    rt().block_on(async {
        for len in [0, 1, 4096, 8 * 1024 * 1024] {
            round_trip(&dir, len, 64 * 1024).await;
        }
        // Many small writes queue behind each other: still byte-exact and in order.
        round_trip(&dir, 1024 * 1024 + 13, 4096).await;
        round_trip(&dir, 100_003, 1).await;
    });
}

#[test]
fn free_functions_round_trip_exact_sizes() {
    let dir = TempDir::new("free");
    rt().block_on(async {
        for len in [0, 1, 4096, 8 * 1024 * 1024] {
            let path = dir.join(&format!("f{len}"));
            let data = pattern(len, 3);
            zokio_fs::write(&path, &data).await.unwrap();
            assert!(zokio_fs::read(&path).await.unwrap() == data);
            assert_eq!(zokio_fs::metadata(&path).await.unwrap().len(), len as u64);
        }
        zokio_fs::write(dir.join("s"), "héllo").await.unwrap();
        assert_eq!(
            zokio_fs::read_to_string(dir.join("s")).await.unwrap(),
            "héllo"
        );
        zokio_fs::write(dir.join("bad"), [0xff, 0xfe])
            .await
            .unwrap();
        let error = zokio_fs::read_to_string(dir.join("bad")).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData);
    });
}

#[test]
fn seek_and_read() {
    let dir = TempDir::new("seek");
    rt().block_on(async {
        let path = dir.join("seek");
        let data = pattern(64 * 1024, 9);
        zokio_fs::write(&path, &data).await.unwrap();
        let mut file = File::open(&path).await.unwrap();
        let mut buf = [0u8; 100];
        assert_eq!(file.seek(SeekFrom::Start(1000)).await.unwrap(), 1000);
        file.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf[..], &data[1000..1100]);
        assert_eq!(file.seek(SeekFrom::Current(-50)).await.unwrap(), 1050);
        file.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf[..], &data[1050..1150]);
        assert_eq!(
            file.seek(SeekFrom::End(-10)).await.unwrap(),
            data.len() as u64 - 10
        );
        let mut tail = Vec::new();
        file.read_to_end(&mut tail).await.unwrap();
        assert_eq!(&tail[..], &data[data.len() - 10..]);
        assert_eq!(file.read(&mut buf).await.unwrap(), 0);
        let error = file.seek(SeekFrom::Current(-1_000_000)).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        // A failed seek leaves the position alone.
        assert_eq!(
            file.seek(SeekFrom::Current(0)).await.unwrap(),
            data.len() as u64
        );
    });
}

#[test]
fn read_write_interleaved_keep_positions() {
    let dir = TempDir::new("mixed");
    rt().block_on(async {
        let path = dir.join("mixed");
        let mut expected = pattern(32 * 1024, 1);
        zokio_fs::write(&path, &expected).await.unwrap();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        let mut buf = [0u8; 4096];
        file.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf[..], &expected[..4096]);
        // Written at 4096, right after what was read.
        file.write_all(&[0xAB; 4096]).await.unwrap();
        expected[4096..8192].fill(0xAB);
        file.read_exact(&mut buf).await.unwrap();
        assert!(buf[..] == expected[8192..12288]);
        file.seek(SeekFrom::Start(0)).await.unwrap();
        file.write_all(b"head").await.unwrap();
        expected[..4].copy_from_slice(b"head");
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 4);
        file.flush().await.unwrap();
        assert!(std::fs::read(&path).unwrap() == expected);
    });
}

#[test]
fn append_mode_appends_every_write() {
    let dir = TempDir::new("append");
    rt().block_on(async {
        let path = dir.join("log");
        zokio_fs::write(&path, b"first\n").await.unwrap();
        let mut file = OpenOptions::new().append(true).open(&path).await.unwrap();
        for i in 0..100 {
            file.write_all(format!("line {i}\n").as_bytes())
                .await
                .unwrap();
        }
        file.flush().await.unwrap();
        let mut expected = String::from("first\n");
        for i in 0..100 {
            expected.push_str(&format!("line {i}\n"));
        }
        assert_eq!(zokio_fs::read_to_string(&path).await.unwrap(), expected);
        // A second handle appends after the first's data.
        let mut other = OpenOptions::new().append(true).open(&path).await.unwrap();
        other.write_all(b"end").await.unwrap();
        other.flush().await.unwrap();
        expected.push_str("end");
        assert_eq!(zokio_fs::read_to_string(&path).await.unwrap(), expected);
    });
}

#[test]
fn dropped_file_finishes_queued_writes() {
    let dir = TempDir::new("drop");
    let path = dir.join("dropped");
    let data = pattern(3 * 1024 * 1024 + 5, 4);
    rt().block_on(async {
        let mut file = File::create(&path).await.unwrap();
        for piece in data.chunks(4096) {
            file.write_all(piece).await.unwrap();
        }
        // No flush: the write-behind must still land, in the background.
        drop(file);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::fs::metadata(&path).unwrap().len() < data.len() as u64 {
            assert!(
                std::time::Instant::now() < deadline,
                "queued writes never landed"
            );
            zokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    });
    assert!(std::fs::read(&path).unwrap() == data);
}

#[test]
fn queued_writes_land_without_another_call() {
    let dir = TempDir::new("idle");
    let path = dir.join("idle");
    let data = pattern(512 * 1024 + 1, 6);
    rt().block_on(async {
        let mut file = File::create(&path).await.unwrap();
        // Small writes in a burst queue up behind the first trip...
        for piece in data.chunks(1000) {
            file.write_all(piece).await.unwrap();
        }
        // ...and the trip drains them with no further call on the still-open file.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::fs::metadata(&path).unwrap().len() < data.len() as u64 {
            assert!(
                std::time::Instant::now() < deadline,
                "queued writes never landed"
            );
            zokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        assert!(std::fs::read(&path).unwrap() == data);
        file.flush().await.unwrap();
    });
}

#[test]
fn small_max_buf_size_keeps_order() {
    let dir = TempDir::new("smallbuf");
    let path = dir.join("small");
    let data = pattern(300_001, 8);
    rt().block_on(async {
        let mut file = File::create(&path).await.unwrap();
        // Trips of at most 1,000 bytes: the queue is full most of the time.
        file.set_max_buf_size(1000);
        for piece in data.chunks(777) {
            // Pieces larger than the queue's room are accepted in parts; write_all loops.
            file.write_all(piece).await.unwrap();
        }
        file.flush().await.unwrap();
        assert!(std::fs::read(&path).unwrap() == data);
    });
}

#[test]
fn write_error_is_reported_not_swallowed() {
    rt().block_on(async {
        // /dev/full accepts the open and fails every write with ENOSPC.
        let mut file = OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .await
            .unwrap();
        // The first write is accepted into the buffer; the failure surfaces by the flush at the latest.
        let first = file.write(b"data").await;
        let error = match first {
            Ok(4) => file.flush().await.unwrap_err(),
            other => panic!("unexpected first write result: {other:?}"),
        };
        assert_eq!(
            error.raw_os_error(),
            Some(28),
            "ENOSPC expected, got {error:?}"
        );
        // Reported once; the file is usable (and failing) afterwards.
        file.flush().await.unwrap();
        file.write_all(b"x").await.unwrap();
        assert!(file.flush().await.is_err());
    });
}

#[test]
fn file_methods() {
    let dir = TempDir::new("methods");
    rt().block_on(async {
        let path = dir.join("m");
        let mut file = File::create(&path).await.unwrap();
        file.write_all(&[5u8; 10_000]).await.unwrap();
        // metadata waits for the write-behind.
        assert_eq!(file.metadata().await.unwrap().len(), 10_000);
        file.set_len(100).await.unwrap();
        file.sync_all().await.unwrap();
        file.sync_data().await.unwrap();
        assert_eq!(zokio_fs::metadata(&path).await.unwrap().len(), 100);
        let clone = file.try_clone().await.unwrap();
        drop(clone);
        let mut std = file.into_std().await;
        std::io::Write::write_all(&mut std, b"tail").unwrap();
        let mut again = File::from_std(std);
        again.seek(SeekFrom::Start(0)).await.unwrap();
        let std = again.try_into_std().expect("nothing in flight");
        assert_eq!(std.metadata().unwrap().len(), 10_004);

        let created = File::create_new(&path).await.unwrap_err();
        assert_eq!(created.kind(), ErrorKind::AlreadyExists);
    });
}

#[test]
fn unreadable_file_gives_os_error() {
    let dir = TempDir::new("wronly");
    rt().block_on(async {
        let mut file = File::create(dir.join("w")).await.unwrap();
        let mut buf = [0u8; 8];
        // Opened write-only: EBADF from the OS, not a panic.
        let error = file.read(&mut buf).await.unwrap_err();
        assert_eq!(error.raw_os_error(), Some(9));
    });
}

#[test]
fn reads_never_return_more_than_max_buf_size() {
    rt().block_on(async {
        let dir = TempDir::new("max-buf-read");
        let path = dir.join("data");
        let data = pattern(1000, 3);
        std::fs::write(&path, &data).unwrap();
        // Just written: the data is in the page cache, so reads may be served without the pool.
        let mut file = File::open(&path).await.unwrap();
        file.set_max_buf_size(16);
        let mut back = Vec::new();
        let mut buf = [0u8; 100];
        for _ in 0..data.len() {
            let n = file.read(&mut buf).await.unwrap();
            assert!(n <= 16, "one read returned {n} bytes, over max_buf_size 16");
            if n == 0 {
                break;
            }
            back.extend_from_slice(&buf[..n]);
        }
        assert!(back == data, "content read in small pieces differs");
    });
}

#[test]
fn reads_from_a_pipe_never_exceed_max_buf_size() {
    use std::os::fd::{FromRawFd, OwnedFd};
    rt().block_on(async {
        let mut fds = [0; 2];
        // SAFETY: `fds` is a writable array of two descriptors, as pipe(2) requires.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: pipe(2) just returned these two descriptors, which nothing else owns.
        let (reader, writer) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let mut file = File::from_std(std::fs::File::from(reader));
        file.set_max_buf_size(32);
        let data = pattern(300, 5);
        // Written while the file is being read: a read that finds the pipe empty waits on the
        // blocking pool, one that finds data may take it at once; neither may exceed 32 bytes.
        let writer = std::thread::spawn({
            let data = data.clone();
            move || std::io::Write::write_all(&mut std::fs::File::from(writer), &data).unwrap()
        });
        let mut back = Vec::new();
        let mut buf = [0u8; 128];
        for _ in 0..data.len() + 1 {
            let n = file.read(&mut buf).await.unwrap();
            assert!(n <= 32, "one read returned {n} bytes, over max_buf_size 32");
            if n == 0 {
                break;
            }
            back.extend_from_slice(&buf[..n]);
        }
        writer.join().unwrap();
        assert!(back == data);
    });
}
