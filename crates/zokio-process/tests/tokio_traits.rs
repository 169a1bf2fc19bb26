//! The process pipes through Tokio's I/O traits: exact bytes both ways, `AsyncWriteExt::shutdown`
//! closing the child's input, writes after it, vectored writes, and the futures-io family alongside.

use std::io::{ErrorKind, IoSlice};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use zokio_process::Command;

fn rt() -> zokio::runtime::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

const LIMIT: Duration = Duration::from_secs(60);

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[test]
fn shutdown_closes_stdin_and_cat_echoes_every_byte() {
    rt().block_on(async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        // Larger than a pipe's buffer both ways: writing and reading must overlap.
        let data = pattern(2 * 1024 * 1024 + 3);
        let (written, echoed) = zokio::time::timeout(
            LIMIT,
            futures_lite::future::zip(
                async {
                    stdin.write_all(&data).await.unwrap();
                    // No drop: `shutdown` alone closes the child's input.
                    stdin.shutdown().await.unwrap();
                    stdin
                },
                async {
                    let mut out = Vec::new();
                    stdout.read_to_end(&mut out).await.unwrap();
                    out
                },
            ),
        )
        .await
        .expect("cat saw end of input after shutdown");
        assert!(echoed == data, "echoed bytes differ");
        assert!(child.wait().await.unwrap().success());

        // The pipe is closed for good: later writes fail, and shutting down again is fine.
        let mut stdin = written;
        let error = stdin.write_all(b"late").await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::BrokenPipe);
        stdin.shutdown().await.unwrap();
        // The descriptor stays valid for `AsFd` users.
        assert!(std::os::fd::AsRawFd::as_raw_fd(&stdin) >= 0);
    });
}

#[test]
fn stdout_and_stderr_read_through_tokio_traits() {
    rt().block_on(async {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("printf 'one\\ntwo\\n'; printf 'e1\\ne2' >&2")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("one"));
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("two"));
        assert_eq!(lines.next_line().await.unwrap(), None);
        let mut err = Vec::new();
        let mut stderr = child.stderr.take().unwrap();
        stderr.read_buf(&mut err).await.unwrap();
        while stderr.read_buf(&mut err).await.unwrap() > 0 {}
        assert_eq!(err, b"e1\ne2");
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn vectored_writes_and_integers_reach_the_child() {
    rt().block_on(async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        assert!(stdin.is_write_vectored());
        let n = stdin
            .write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")])
            .await
            .unwrap();
        assert_eq!(n, 4);
        stdin.write_u32(0x0102_0304).await.unwrap();
        stdin.shutdown().await.unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut head = [0; 4];
        stdout.read_exact(&mut head).await.unwrap();
        assert_eq!(&head, b"abcd");
        assert_eq!(stdout.read_u32().await.unwrap(), 0x0102_0304);
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn futures_io_close_also_closes_stdin() {
    rt().block_on(async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        futures_lite::AsyncWriteExt::write_all(&mut stdin, b"via futures")
            .await
            .unwrap();
        futures_lite::AsyncWriteExt::close(&mut stdin)
            .await
            .unwrap();
        let mut out = String::new();
        let stdout = child.stdout.as_mut().unwrap();
        futures_lite::AsyncReadExt::read_to_string(stdout, &mut out)
            .await
            .unwrap();
        assert_eq!(out, "via futures");
        assert!(child.wait().await.unwrap().success());
        drop(stdin);
    });
}

#[test]
fn futures_io_vectored_forms_and_flush() {
    use std::io::IoSliceMut;
    rt().block_on(async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let n = futures_lite::AsyncWriteExt::write_vectored(
            &mut stdin,
            &[IoSlice::new(b"fut"), IoSlice::new(b"ures")],
        )
        .await
        .unwrap();
        assert_eq!(n, 7);
        futures_lite::AsyncWriteExt::flush(&mut stdin)
            .await
            .unwrap();
        futures_lite::AsyncWriteExt::close(&mut stdin)
            .await
            .unwrap();
        let mut got = Vec::new();
        while got.len() < 7 {
            let (mut a, mut b) = ([0u8; 2], [0u8; 8]);
            let mut bufs = [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)];
            let n = futures_lite::AsyncReadExt::read_vectored(&mut stdout, &mut bufs)
                .await
                .unwrap();
            assert!(n > 0, "early end of file");
            got.extend(a.iter().chain(b.iter()).take(n).copied());
        }
        assert_eq!(got, b"futures");
        assert_eq!(stdout.read(&mut [0u8; 4]).await.unwrap(), 0);
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn tokio_flush_and_vectored_writes_after_shutdown() {
    rt().block_on(async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"x").await.unwrap();
        // Nothing is buffered on our side: flush is done at once.
        stdin.flush().await.unwrap();
        stdin.shutdown().await.unwrap();
        let error = stdin
            .write_vectored(&[IoSlice::new(b"after")])
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::BrokenPipe);
        let error =
            futures_lite::AsyncWriteExt::write_vectored(&mut stdin, &[IoSlice::new(b"after")])
                .await
                .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::BrokenPipe);
        let mut out = Vec::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_end(&mut out)
            .await
            .unwrap();
        assert_eq!(out, b"x");
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn the_pipes_are_fifos_through_as_fd() {
    use std::os::fd::{AsFd, AsRawFd};
    fn is_fifo(fd: std::os::fd::BorrowedFd<'_>) -> bool {
        // SAFETY: `stat` is plain data for which all zeros is a valid value.
        let mut stat: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: `fd` is open for the borrow and `stat` is writable.
        assert_eq!(unsafe { libc::fstat(fd.as_raw_fd(), &mut stat) }, 0);
        stat.st_mode & libc::S_IFMT == libc::S_IFIFO
    }
    rt().block_on(async {
        let mut child = Command::new("true")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        assert!(is_fifo(stdin.as_fd()));
        assert!(is_fifo(stdout.as_fd()));
        assert!(is_fifo(stderr.as_fd()));
        assert_eq!(stdout.as_fd().as_raw_fd(), stdout.as_raw_fd());
        drop(stdin);
        assert!(child.wait().await.unwrap().success());
    });
}
