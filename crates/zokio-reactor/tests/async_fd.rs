//! `Async<T>` around descriptors the crate knows nothing about: a pipe, an eventfd-like counter.

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;

use common::run;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use zokio_reactor::Async;

fn pipe() -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe to fill.
    let rc = unsafe { libc::pipe(fds.as_mut_ptr()) };
    assert_eq!(rc, 0);
    // SAFETY: both descriptors were just created by pipe() and are owned by nothing else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    (File::from(read), File::from(write))
}

#[test]
fn pipe_through_the_futures_io_traits() {
    run(Duration::from_secs(30), async {
        let (read, write) = pipe();
        let mut read = Async::new(read).unwrap();
        let mut write = Async::new(write).unwrap();
        // More than a pipe buffer (64 KiB on Linux): the writer must wait for the reader.
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
        let expected = data.clone();
        let writer = async move {
            write.write_all(&data).await.unwrap();
            drop(write); // EOF for the reader
        };
        let reader = async move {
            let mut got = Vec::new();
            read.read_to_end(&mut got).await.unwrap();
            got
        };
        let ((), got) = futures_lite::future::zip(writer, reader).await;
        assert_eq!(got, expected);
    });
}

#[test]
fn read_with_and_write_with_wait_for_readiness() {
    run(Duration::from_secs(30), async {
        let (read, write) = pipe();
        let read = Async::new(read).unwrap();
        let write = Async::new(write).unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(
            read.try_read_with(|mut f| f.read(&mut buf))
                .unwrap_err()
                .kind(),
            std::io::ErrorKind::WouldBlock
        );
        let reader = read.read_with(|mut f| f.read(&mut buf));
        let writer = async {
            write.writable().await.unwrap();
            write.write_with(|mut f| f.write(b"data")).await.unwrap()
        };
        let (n, written) = futures_lite::future::zip(reader, writer).await;
        assert_eq!((n.unwrap(), written), (4, 4));
        assert_eq!(&buf, b"data");
        // into_inner hands the descriptor back, deregistered and still usable.
        let mut write = write.into_inner().unwrap();
        write.write_all(b"!").unwrap();
        read.readable().await.unwrap();
        let mut one = [0u8; 1];
        assert_eq!(read.read_with(|mut f| f.read(&mut one)).await.unwrap(), 1);
        assert_eq!(&one, b"!");
    });
}

#[test]
fn flush_and_close_do_not_wait_for_a_full_pipe_to_drain() {
    run(Duration::from_secs(30), async {
        let (_read, write) = pipe();
        let mut write = Async::new(write).unwrap();
        // Fill the pipe until a write returns WouldBlock: write readiness is cleared now.
        let chunk = [7u8; 4096];
        let mut filled = 0usize;
        loop {
            match write.try_write_with(|mut f| f.write(&chunk)) {
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("unexpected write error: {e}"),
            }
            assert!(filled < 64 << 20, "the pipe never filled up");
        }
        // Nobody reads: flush and close must complete at the first poll all the same.
        let flushed = futures_lite::future::poll_once(write.flush()).await;
        assert!(matches!(flushed, Some(Ok(()))), "{flushed:?}");
        let closed = futures_lite::future::poll_once(write.close()).await;
        assert!(matches!(closed, Some(Ok(()))), "{closed:?}");
    });
}

#[test]
fn unsupported_descriptors_are_errors_not_panics() {
    // epoll refuses regular files with EPERM (kqueue accepts them).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    run(Duration::from_secs(30), async {
        let file = File::open("/proc/self/exe").unwrap();
        let error = Async::new(file).unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::EPERM));
    });
    // Outside a reactor context registration fails with an error, not a panic.
    let (read, _write) = pipe();
    let error = Async::new(read).unwrap_err();
    assert!(error.to_string().contains("zokio runtime"), "{error}");
}

#[test]
fn vectored_io_debug_and_get_mut() {
    use std::io::{IoSlice, IoSliceMut};
    use std::os::unix::net::UnixStream;
    run(Duration::from_secs(30), async {
        let (a, b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        b.set_nonblocking(true).unwrap();
        let mut a = Async::new(a).unwrap();
        let mut b = Async::new(b).unwrap();
        let debug = format!("{a:?}");
        assert!(
            debug.starts_with("Async") && debug.contains("UnixStream"),
            "{debug}"
        );

        let n = a
            .write_vectored(&[IoSlice::new(b"vec"), IoSlice::new(b"tored")])
            .await
            .unwrap();
        assert_eq!(n, 8);
        let (mut x, mut y) = ([0u8; 3], [0u8; 5]);
        let n = b
            .read_vectored(&mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)])
            .await
            .unwrap();
        assert_eq!((n, &x, &y), (8, b"vec", b"tored"));

        // `get_mut` reaches the descriptor itself; what it writes arrives like any write.
        // SAFETY: the stream is only written to, never replaced.
        let inner = unsafe { a.get_mut() };
        inner.write_all(b"direct").unwrap();
        let mut buf = [0u8; 6];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"direct");
    });
}

/// A socket whose `flush` says `WouldBlock` a given number of times before it succeeds.
struct SlowFlush {
    socket: std::os::unix::net::UnixStream,
    would_block: u32,
    flushes: u32,
}

impl Write for SlowFlush {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.socket.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.flushes += 1;
        if self.would_block > 0 {
            self.would_block -= 1;
            return Err(std::io::ErrorKind::WouldBlock.into());
        }
        Ok(())
    }
}

impl std::os::fd::AsFd for SlowFlush {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

#[test]
fn a_flush_that_would_block_waits_for_writability_and_retries() {
    run(Duration::from_secs(30), async {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let mut slow = Async::new(SlowFlush {
            socket: a,
            would_block: 1,
            flushes: 0,
        })
        .unwrap();
        slow.flush().await.unwrap();
        assert_eq!(slow.get_ref().flushes, 2, "one refused flush, one retry");
        // `close` is a flush here too, and succeeds at once now.
        slow.close().await.unwrap();
        assert_eq!(slow.get_ref().flushes, 3);
    });
}
