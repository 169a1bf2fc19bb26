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

/// Files whose page-cache read (`preadv2(RWF_NOWAIT)`) is unsupported (procfs) are read on the
/// blocking pool, to the end, and a read error from there is returned as is.
#[test]
#[cfg(target_os = "linux")]
fn files_without_nonblocking_reads_are_read_on_the_pool() {
    rt().block_on(async {
        let expected = std::fs::read("/proc/version").unwrap();
        let mut file = File::open("/proc/version").await.unwrap();
        let mut back = Vec::new();
        file.read_to_end(&mut back).await.unwrap();
        assert_eq!(back, expected);
        assert_eq!(
            file.read(&mut [0u8; 8]).await.unwrap(),
            0,
            "end of file again"
        );

        // Nothing is mapped at address 0 of this process: reading there is an I/O error.
        let mut mem = File::open("/proc/self/mem").await.unwrap();
        let error = mem.read(&mut [0u8; 8]).await.unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::EIO));
    });
}

/// A read waiting on the pool (an empty pipe: the page-cache read says `EAGAIN`) and then cancelled
/// still takes the bytes that arrive; the next reads hand them out, none lost or repeated.
#[test]
fn a_cancelled_read_loses_no_bytes() {
    use std::os::fd::{FromRawFd, OwnedFd};
    rt().block_on(async {
        let mut fds = [0; 2];
        // SAFETY: `fds` is a writable array of two descriptors, as pipe(2) requires.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: pipe(2) just returned these two descriptors, which nothing else owns.
        let (reader, writer) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let mut file = File::from_std(std::fs::File::from(reader));
        let mut writer = std::fs::File::from(writer);
        let mut big = [0u8; 64];
        let first = futures_lite::future::poll_once(file.read(&mut big)).await;
        assert!(first.is_none(), "an empty pipe was read: {first:?}");

        std::io::Write::write_all(&mut writer, b"hello world").unwrap();
        let mut small = [0u8; 3];
        file.read_exact(&mut small).await.unwrap();
        assert_eq!(&small, b"hel");
        // The rest is read ahead. A write would have to step back over it, which a pipe cannot:
        // the write fails rather than land out of order, and the data stays.
        let error = file.write(b"x").await.unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::ESPIPE));
        let mut rest = [0u8; 8];
        file.read_exact(&mut rest).await.unwrap();
        assert_eq!(&rest, b"lo world");
        // The writer's end closes: end of file.
        drop(writer);
        assert_eq!(file.read(&mut big).await.unwrap(), 0);
    });
}

#[test]
fn a_background_write_error_reaches_the_next_read_and_write() {
    let dir = TempDir::new("write-error-next-op");
    rt().block_on(async {
        let path = dir.join("read-only");
        std::fs::write(&path, b"content").unwrap();
        // Opened read-only: every write trip fails with EBADF.
        let mut file = File::open(&path).await.unwrap();
        file.write_all(b"x").await.unwrap();
        let error = file.read(&mut [0u8; 4]).await.unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::EBADF));
        // Reported once: the file reads on from where it was.
        let mut all = [0u8; 7];
        file.read_exact(&mut all).await.unwrap();
        assert_eq!(&all, b"content");

        // With room for one queued byte, a third write waits for the failing trip and reports it
        // (the second one is either queued behind it or already sees the error).
        file.set_max_buf_size(1);
        file.write_all(b"y").await.unwrap();
        let error = match file.write(b"z").await {
            Ok(1) => file.write(b"w").await.unwrap_err(),
            Ok(n) => panic!("wrote {n} bytes with a 1-byte buffer"),
            Err(error) => error,
        };
        assert_eq!(error.raw_os_error(), Some(libc::EBADF));
        file.flush().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"content");
    });
}

#[test]
fn empty_reads_and_writes_are_done_at_once() {
    let dir = TempDir::new("empty-io");
    rt().block_on(async {
        let path = dir.join("e");
        std::fs::write(&path, b"data").unwrap();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        assert_eq!(file.read(&mut []).await.unwrap(), 0);
        assert_eq!(file.write(&[]).await.unwrap(), 0);
        // Neither moved the position.
        let mut all = Vec::new();
        file.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"data");
    });
}

#[test]
fn try_into_std_gives_back_a_file_with_a_write_in_flight() {
    let dir = TempDir::new("try-into-std");
    rt().block_on(async {
        let path = dir.join("t");
        let mut file = File::create(&path).await.unwrap();
        // Bigger than a write tried on the task's thread (on a file system that takes
        // `RWF_NOWAIT`), so it goes to the pool whatever the file system.
        file.write_all(&[7u8; 512 * 1024]).await.unwrap();
        // The write's trip has not been waited for: the file comes back.
        let mut file = file.try_into_std().expect_err("a write is in flight");
        file.flush().await.unwrap();
        let std = file.try_into_std().expect("flushed");
        assert_eq!(std.metadata().unwrap().len(), 512 * 1024);
    });
}

#[test]
fn close_shutdown_permissions_and_conversions() {
    use std::os::fd::AsFd;
    let dir = TempDir::new("close");
    rt().block_on(async {
        let path = dir.join("c");
        let mut file = File::create(&path).await.unwrap();
        file.write_all(b"closed").await.unwrap();
        // futures-io `close` flushes: the bytes are in the OS.
        file.close().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"closed");
        file.write_all(b"+shut").await.unwrap();
        // Tokio's `shutdown` flushes too (a file has no write direction to shut).
        tokio::io::AsyncWriteExt::shutdown(&mut file).await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"closed+shut");

        let mut permissions = file.metadata().await.unwrap().permissions();
        permissions.set_readonly(true);
        file.set_permissions(permissions).await.unwrap();
        assert!(std::fs::metadata(&path).unwrap().permissions().readonly());

        let file: File = std::fs::File::open(&path).unwrap().into();
        let std = std::fs::File::from(file.as_fd().try_clone_to_owned().unwrap());
        assert_eq!(std.metadata().unwrap().len(), 11);
    });
}

/// A pipe takes `pwritev2(RWF_NOWAIT)`: writes go inline while it has room, in part when it has
/// some, and to the blocking pool when it is full (`EAGAIN`), where later writes queue behind the
/// waiting one. The reader sees every byte once, in order, and a flush waits for the last one.
#[test]
fn pipe_writes_go_inline_then_to_the_pool_in_order() {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    rt().block_on(async {
        let mut fds = [0; 2];
        // SAFETY: `fds` is a writable array of two descriptors, as pipe(2) requires.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: pipe(2) just returned these two descriptors, which nothing else owns.
        let (reader, writer) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // A small pipe (one page) fills quickly. Best effort: the default size works too.
        // SAFETY: F_SETPIPE_SZ takes an int and touches no memory of ours.
        unsafe { libc::fcntl(writer.as_raw_fd(), libc::F_SETPIPE_SZ, 4096) };
        let mut file = File::from_std(std::fs::File::from(writer));

        // Room in the pipe: the write completes inline and nothing is left to flush.
        file.write_all(b"first").await.unwrap();
        let flushed = futures_lite::future::poll_once(file.flush()).await;
        assert!(matches!(flushed, Some(Ok(()))), "{flushed:?}");
        let mut reader = std::fs::File::from(reader);
        let mut first = [0u8; 5];
        std::io::Read::read_exact(&mut reader, &mut first).unwrap();
        assert_eq!(&first, b"first");

        // Far more than the pipe holds, read slowly by another thread.
        let data = pattern(1024 * 1024 + 7, 9);
        let len = data.len();
        let drain = std::thread::spawn(move || {
            let mut back = Vec::with_capacity(len);
            let mut buf = [0u8; 1000];
            while back.len() < len {
                let n = std::io::Read::read(&mut reader, &mut buf).unwrap();
                assert!(n > 0, "early end of the pipe");
                back.extend_from_slice(&buf[..n]);
            }
            back
        });
        for piece in data.chunks(3000) {
            file.write_all(piece).await.unwrap();
        }
        file.flush().await.unwrap();
        let back = drain.join().unwrap();
        assert!(back == data, "the pipe carried other bytes");
    });
}

/// procfs refuses `RWF_NOWAIT` writes (`EOPNOTSUPP`): the write goes to the pool and lands.
#[test]
#[cfg(target_os = "linux")]
fn files_without_nonblocking_writes_are_written_on_the_pool() {
    rt().block_on(async {
        // The process's name, written back unchanged.
        let name = std::fs::read("/proc/self/comm").unwrap();
        let mut file = OpenOptions::new()
            .write(true)
            .open("/proc/self/comm")
            .await
            .unwrap();
        for _ in 0..3 {
            file.write_all(&name).await.unwrap();
            file.flush().await.unwrap();
        }
        assert_eq!(std::fs::read("/proc/self/comm").unwrap(), name);
    });
}
