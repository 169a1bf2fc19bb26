//! `File` through Tokio's I/O traits: reads and writes, `AsyncSeekExt::{seek, rewind,
//! stream_position}`, the raw `start_seek`/`poll_complete` protocol, `read_buf`, mixing with the
//! futures-io family, `max_buf_size`, `FromRawFd`, and the cooperative budget.

mod support;

use std::future::poll_fn;
use std::io::{ErrorKind, SeekFrom};
use std::os::fd::{FromRawFd, IntoRawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use support::{TempDir, pattern};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWriteExt, ReadBuf};
use zokio_coop::{Budget, with_budget};
use zokio_fs::File;

fn rt() -> zokio::runtime::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn read_write(path: &std::path::Path) -> File {
    File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .await
        .unwrap()
}

#[test]
fn write_seek_and_read_back_byte_exact() {
    let dir = TempDir::new("tokio-rw");
    rt().block_on(async {
        let path = dir.join("f");
        let data = pattern(3 * 1024 * 1024 + 17, 3);
        let mut file = read_write(&path).await;
        for piece in data.chunks(100_000) {
            file.write_all(piece).await.unwrap();
        }
        file.flush().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap().len(), data.len());

        assert_eq!(file.seek(SeekFrom::Start(10)).await.unwrap(), 10);
        let mut ten = [0; 10];
        file.read_exact(&mut ten).await.unwrap();
        assert_eq!(&ten, &data[10..20]);
        // A relative seek counts from what the user has read, not from the read-ahead.
        assert_eq!(file.seek(SeekFrom::Current(5)).await.unwrap(), 25);
        assert_eq!(file.read_u8().await.unwrap(), data[25]);
        assert_eq!(file.stream_position().await.unwrap(), 26);
        let end = file.seek(SeekFrom::End(-4)).await.unwrap();
        assert_eq!(end, data.len() as u64 - 4);
        let mut tail = Vec::new();
        file.read_to_end(&mut tail).await.unwrap();
        assert_eq!(tail, &data[data.len() - 4..]);

        file.rewind().await.unwrap();
        assert_eq!(file.stream_position().await.unwrap(), 0);
        let mut all = Vec::new();
        assert_eq!(file.read_to_end(&mut all).await.unwrap(), data.len());
        assert!(all == data, "content differs");
        assert_eq!(
            file.seek(SeekFrom::Current(-1)).await.unwrap(),
            data.len() as u64 - 1
        );
        let error = file.seek(SeekFrom::Current(-(data.len() as i64) - 1)).await;
        assert_eq!(error.unwrap_err().kind(), ErrorKind::InvalidInput);
    });
}

#[test]
fn stream_position_counts_written_and_read_bytes() {
    let dir = TempDir::new("tokio-pos");
    rt().block_on(async {
        let path = dir.join("f");
        let mut file = read_write(&path).await;
        file.write_all(b"0123456789").await.unwrap();
        // Writes in flight are waited for: the position is where the next write goes.
        assert_eq!(file.stream_position().await.unwrap(), 10);
        file.rewind().await.unwrap();
        let mut three = [0; 3];
        file.read_exact(&mut three).await.unwrap();
        // The read may have read ahead; the position is what the user consumed.
        assert_eq!(file.stream_position().await.unwrap(), 3);
        file.write_all(b"abc").await.unwrap();
        file.flush().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"012abc6789");
    });
}

#[test]
fn start_seek_then_poll_complete_and_pending_seeks() {
    let dir = TempDir::new("tokio-start-seek");
    rt().block_on(async {
        let path = dir.join("f");
        let mut file = read_write(&path).await;
        file.write_all(b"hello world").await.unwrap();

        Pin::new(&mut file).start_seek(SeekFrom::Start(6)).unwrap();
        let second = Pin::new(&mut file).start_seek(SeekFrom::Start(0));
        assert_eq!(second.unwrap_err().kind(), ErrorKind::Other);
        let pos = poll_fn(|cx| Pin::new(&mut file).poll_complete(cx))
            .await
            .unwrap();
        assert_eq!(pos, 6);
        // With no seek started, `poll_complete` reports the current position.
        let pos = poll_fn(|cx| Pin::new(&mut file).poll_complete(cx))
            .await
            .unwrap();
        assert_eq!(pos, 6);

        // A seek started and never completed is run by the next write first.
        Pin::new(&mut file).start_seek(SeekFrom::Start(0)).unwrap();
        file.write_all(b"J").await.unwrap();
        // ... and by the next read.
        Pin::new(&mut file).start_seek(SeekFrom::End(-5)).unwrap();
        let mut word = String::new();
        file.read_to_string(&mut word).await.unwrap();
        assert_eq!(word, "world");
        file.flush().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"Jello world");
    });
}

/// What `poll_complete` reports with no seek started.
async fn reported_position(file: &mut File) -> u64 {
    poll_fn(|cx| Pin::new(&mut *file).poll_complete(cx))
        .await
        .unwrap()
}

/// A file keeps its descriptor's offset so that `poll_complete` need not ask the OS; where
/// another party can move that offset (a clone, a lent descriptor, a standard file duplicated
/// before it was wrapped), the position it reports is still the OS's.
#[test]
#[cfg(unix)]
fn the_position_of_a_shared_descriptor_is_the_oss() {
    use std::os::fd::AsRawFd;
    let dir = TempDir::new("tokio-shared-offset");
    rt().block_on(async {
        let path = dir.join("f");
        let mut file = read_write(&path).await;
        file.write_all(b"0123456789").await.unwrap();
        file.rewind().await.unwrap();
        assert_eq!(reported_position(&mut file).await, 0);
        let mut clone = file.try_clone().await.unwrap();
        clone.seek(SeekFrom::Start(7)).await.unwrap();
        assert_eq!(reported_position(&mut file).await, 7);
        clone.read_exact(&mut [0u8; 2]).await.unwrap();
        assert_eq!(reported_position(&mut file).await, 9);
        file.seek(SeekFrom::Start(1)).await.unwrap();
        assert_eq!(reported_position(&mut clone).await, 1);
        // A seek to where the file last saw the offset still goes to the OS (the futures-io
        // seek, which asks nothing first).
        clone.seek(SeekFrom::Start(5)).await.unwrap();
        futures_lite::AsyncSeekExt::seek(&mut file, SeekFrom::Start(1))
            .await
            .unwrap();
        assert_eq!(file.read_u8().await.unwrap(), b'1');

        let mut file = File::options().read(true).open(&path).await.unwrap();
        file.seek(SeekFrom::Start(2)).await.unwrap();
        // SAFETY: `lseek` on a descriptor that `file` keeps open; it only moves the offset.
        let moved = unsafe { libc::lseek(file.as_raw_fd(), 5, libc::SEEK_SET) };
        assert_eq!(moved, 5);
        assert_eq!(reported_position(&mut file).await, 5);

        let std = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let mut twin = std.try_clone().unwrap();
        let mut file = File::from_std(std);
        file.seek(SeekFrom::Start(0)).await.unwrap();
        std::io::Write::write_all(&mut twin, b"ab").unwrap();
        assert_eq!(reported_position(&mut file).await, 2);
    });
}

#[test]
fn read_buf_fills_spare_capacity() {
    let dir = TempDir::new("tokio-read-buf");
    rt().block_on(async {
        let path = dir.join("f");
        let data = pattern(10_000, 9);
        std::fs::write(&path, &data).unwrap();
        let mut file = File::open(&path).await.unwrap();
        let mut buf = Vec::with_capacity(data.len());
        while file.read_buf(&mut buf).await.unwrap() > 0 {}
        assert!(buf == data, "content differs");
    });
}

#[test]
fn the_two_trait_families_mix_on_one_file() {
    let dir = TempDir::new("tokio-mix");
    rt().block_on(async {
        let path = dir.join("f");
        let mut file = read_write(&path).await;
        tokio::io::AsyncWriteExt::write_all(&mut file, b"tokio,")
            .await
            .unwrap();
        futures_lite::AsyncWriteExt::write_all(&mut file, b"futures")
            .await
            .unwrap();
        tokio::io::AsyncSeekExt::seek(&mut file, SeekFrom::Start(0))
            .await
            .unwrap();
        let mut first = [0; 6];
        futures_lite::AsyncReadExt::read_exact(&mut file, &mut first)
            .await
            .unwrap();
        assert_eq!(&first, b"tokio,");
        let pos = futures_lite::AsyncSeekExt::seek(&mut file, SeekFrom::Current(0)).await;
        assert_eq!(pos.unwrap(), 6);
        let mut rest = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut file, &mut rest)
            .await
            .unwrap();
        assert_eq!(rest, "futures");
    });
}

#[test]
fn max_buf_size_bounds_each_read() {
    let dir = TempDir::new("tokio-max-buf");
    rt().block_on(async {
        let path = dir.join("f");
        let data = pattern(1000, 4);
        std::fs::write(&path, &data).unwrap();
        let mut file = File::open(&path).await.unwrap();
        assert_eq!(file.max_buf_size(), 2 * 1024 * 1024);
        file.set_max_buf_size(64);
        assert_eq!(file.max_buf_size(), 64);
        let mut buf = [0; 512];
        let n = file.read(&mut buf).await.unwrap();
        assert!(n > 0 && n <= 64, "read {n} bytes with a 64-byte maximum");
        assert_eq!(&buf[..n], &data[..n]);
        file.set_max_buf_size(0);
        assert_eq!(file.max_buf_size(), 1, "0 is treated as 1");
    });
}

#[test]
fn from_raw_fd_takes_over_the_descriptor() {
    let dir = TempDir::new("tokio-raw-fd");
    rt().block_on(async {
        let path = dir.join("f");
        std::fs::write(&path, b"raw descriptor").unwrap();
        let fd = std::fs::File::open(&path).unwrap().into_raw_fd();
        // SAFETY: `fd` was just released by a `std::fs::File`; nothing else owns it.
        let mut file = unsafe { File::from_raw_fd(fd) };
        let mut text = String::new();
        file.read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "raw descriptor");
        assert_eq!(std::os::fd::AsRawFd::as_raw_fd(&file), fd);
    });
}

#[test]
fn tokio_reads_and_seeks_spend_one_unit_each() {
    let dir = TempDir::new("tokio-coop");
    rt().block_on(async {
        let path = dir.join("f");
        std::fs::write(&path, pattern(64, 2)).unwrap();
        let mut file = File::open(&path).await.unwrap();
        // Warm up: the first read may go to the pool; the following ones are served at once.
        file.read_u8().await.unwrap();
        poll_fn(|cx: &mut Context<'_>| {
            with_budget(Budget::units(3), || {
                for _ in 0..3 {
                    let mut byte = [0; 1];
                    let mut buf = ReadBuf::new(&mut byte);
                    assert!(Pin::new(&mut file).poll_read(cx, &mut buf).is_ready());
                }
                let mut byte = [0; 1];
                let mut buf = ReadBuf::new(&mut byte);
                assert!(Pin::new(&mut file).poll_read(cx, &mut buf).is_pending());
            });
            Poll::Ready(())
        })
        .await;
        // One `AsyncSeekExt::seek` (a `poll_complete`, `start_seek`, `poll_complete`) is one unit.
        poll_fn(|cx: &mut Context<'_>| {
            with_budget(Budget::units(5), || {
                let poll = std::pin::pin!(file.seek(SeekFrom::Start(1))).poll(cx);
                assert!(matches!(poll, Poll::Ready(Ok(1))));
                assert_eq!(zokio_coop::current().remaining(), Some(4));
            });
            Poll::Ready(())
        })
        .await;
    });
}

#[test]
fn a_pending_seek_that_fails_fails_the_next_read_and_write() {
    let dir = TempDir::new("tokio-bad-seek");
    rt().block_on(async {
        let path = dir.join("f");
        let mut file = read_write(&path).await;
        file.write_all(b"abc").await.unwrap();
        file.rewind().await.unwrap();
        // Before the start: EINVAL, reported by the operation that runs the seek.
        Pin::new(&mut file)
            .start_seek(SeekFrom::Current(-100))
            .unwrap();
        let error = file.read(&mut [0u8; 4]).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        Pin::new(&mut file)
            .start_seek(SeekFrom::Current(-100))
            .unwrap();
        let error = file.write(b"x").await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        // The position is untouched and the file works on.
        let mut all = String::new();
        file.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, "abc");
    });
}

/// The OS position of `file`'s descriptor.
#[cfg(target_os = "linux")]
fn os_position(file: &File) -> i64 {
    use std::os::fd::AsRawFd;
    // SAFETY: `lseek` with `SEEK_CUR` and offset 0 only reads the position of an open descriptor.
    unsafe { libc::lseek(file.as_raw_fd(), 0, libc::SEEK_CUR) }
}

/// A pool read (procfs has no page-cache read) started for a large buffer but completed for a
/// small one leaves data read ahead. The OS position is stepped back to the user's before the
/// descriptor is used directly (`metadata`) or written, and no byte is lost or repeated.
#[test]
#[cfg(target_os = "linux")]
fn read_ahead_is_given_back_before_the_descriptor_is_used() {
    // One blocking thread, kept busy: the read's trip waits in the queue, so the first poll is
    // surely `Pending`.
    let rt = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let expected = std::fs::read("/proc/version").unwrap();
    rt.block_on(async {
        let mut file = File::open("/proc/version").await.unwrap();
        for round in 0..2 {
            let (release, wait) = std::sync::mpsc::channel::<()>();
            let blocker = zokio::task::spawn_blocking(move || wait.recv().unwrap());
            let mut big = vec![0u8; 4096];
            poll_fn(|cx| {
                let mut buf = ReadBuf::new(&mut big);
                let poll = Pin::new(&mut file).poll_read(cx, &mut buf);
                assert!(
                    poll.is_pending(),
                    "procfs reads go through the blocking pool"
                );
                Poll::Ready(())
            })
            .await;
            release.send(()).unwrap();
            blocker.await.unwrap();
            let mut small = [0u8; 5];
            let n = poll_fn(|cx| {
                let mut buf = ReadBuf::new(&mut small);
                let result = std::task::ready!(Pin::new(&mut file).poll_read(cx, &mut buf));
                Poll::Ready(result.map(|()| buf.filled().len()))
            })
            .await
            .unwrap();
            assert_eq!(&small[..n], &expected[..5]);
            assert!(os_position(&file) > 5, "the trip read ahead");
            if round == 0 {
                // `metadata` settles the descriptor: the OS position is the user's again.
                file.metadata().await.unwrap();
            } else {
                // A write steps back first, so it would land at the user's position (it fails
                // here: the file is read-only, and the failure comes with the flush).
                assert_eq!(file.write(b"x").await.unwrap(), 1);
                let error = file.flush().await.unwrap_err();
                assert_eq!(error.raw_os_error(), Some(libc::EBADF));
            }
            assert_eq!(os_position(&file), 5);
            assert_eq!(file.stream_position().await.unwrap(), 5);
            let mut rest = Vec::new();
            file.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, &expected[5..]);
            file.rewind().await.unwrap();
        }
    });
}

#[test]
fn a_background_write_error_is_reported_by_stream_position() {
    let dir = TempDir::new("tokio-position-error");
    rt().block_on(async {
        let path = dir.join("read-only");
        std::fs::write(&path, b"abc").unwrap();
        let mut file = File::open(&path).await.unwrap();
        // Accepted, then refused by the OS (EBADF): the position query waits for it and says so.
        file.write_all(b"x").await.unwrap();
        let error = file.stream_position().await.unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::EBADF));
        assert_eq!(file.stream_position().await.unwrap(), 0);
    });
}
