//! `zokio::io::{stdin, stdout, stderr}`, tested on a child process: this test binary run again
//! with `ZOKIO_STDIO_CHILD` set, its standard input a regular file or a pipe. The child echoes
//! what it reads between markers (libtest prints its own lines on stdout around them).

use std::io::{Read, Write};
use std::process::{Command, Stdio};

const CHILD_ENV: &str = "ZOKIO_STDIO_CHILD";
const BEGIN: &[u8] = b"<<zokio-begin>>";
const END: &[u8] = b"<<zokio-end>>";

/// The child's side: reads all of stdin with `zokio::io::stdin()`, writes it to stdout between the
/// markers in uneven chunks, and a summary to stderr. Does nothing unless run as the child.
#[test]
#[ignore = "run only as the child of the tests below"]
fn stdio_child() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        return;
    };
    use zokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let rt = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    match mode.as_str() {
        "futures" => return rt.block_on(futures_io_child()),
        "cancelled" => return rt.block_on(cancelled_child()),
        _ => {}
    }
    rt.block_on(async {
        let mut input = Vec::new();
        let lines = if mode == "lines" {
            let mut lines = BufReader::new(zokio::io::stdin()).lines();
            let mut count = 0;
            while let Some(line) = lines.next_line().await.unwrap() {
                input.extend_from_slice(line.as_bytes());
                input.push(b'\n');
                count += 1;
            }
            count
        } else {
            zokio::io::stdin().read_to_end(&mut input).await.unwrap();
            0
        };
        let mut out = zokio::io::stdout();
        out.write_all(BEGIN).await.unwrap();
        for chunk in input.chunks(777_777) {
            out.write_all(chunk).await.unwrap();
        }
        out.write_all(END).await.unwrap();
        out.flush().await.unwrap();
        let mut err = zokio::io::stderr();
        let summary = format!("read {} bytes, {lines} lines\n", input.len());
        err.write_all(summary.as_bytes()).await.unwrap();
        err.shutdown().await.unwrap();
    });
}

/// The child in `futures` mode: the same echo through the futures-io traits (`close` for the
/// summary on stderr).
async fn futures_io_child() {
    use zokio::io::futures::{AsyncReadExt, AsyncWriteExt};
    let mut input = Vec::new();
    zokio::io::stdin().read_to_end(&mut input).await.unwrap();
    let mut out = zokio::io::stdout();
    out.write_all(BEGIN).await.unwrap();
    out.write_all(&input).await.unwrap();
    out.write_all(END).await.unwrap();
    out.flush().await.unwrap();
    let mut err = zokio::io::stderr();
    let summary = format!("futures-io read {} bytes\n", input.len());
    err.write_all(summary.as_bytes()).await.unwrap();
    err.close().await.unwrap();
}

/// The child in `cancelled` mode: a read cancelled while its trip waits for input, then a flush
/// cancelled while its trip is in flight; neither may lose or reorder bytes. The parent feeds
/// stdin only once the child says `waiting` on stderr.
async fn cancelled_child() {
    use std::future::Future;
    use zokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stdin = zokio::io::stdin();
    let mut first = [0u8; 64];
    let waited =
        zokio::time::timeout(std::time::Duration::from_millis(20), stdin.read(&mut first)).await;
    assert!(waited.is_err(), "no input was sent yet");
    let mut err = zokio::io::stderr();
    err.write_all(b"waiting\n").await.unwrap();
    err.flush().await.unwrap();
    // The trip of the cancelled read is still in flight: its bytes come first.
    let mut input = Vec::new();
    stdin.read_to_end(&mut input).await.unwrap();

    let mut out = zokio::io::stdout();
    out.write_all(BEGIN).await.unwrap();
    let (head, tail) = input.split_at(input.len() / 2);
    out.write_all(head).await.unwrap();
    {
        let mut flush = std::pin::pin!(out.flush());
        let waker = std::task::Waker::noop();
        let _ = flush
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker));
        // Dropped here, most likely with the write's trip still in flight.
    }
    out.write_all(tail).await.unwrap();
    out.write_all(END).await.unwrap();
    out.shutdown().await.unwrap();
    err.write_all(format!("read {} bytes\n", input.len()).as_bytes())
        .await
        .unwrap();
    err.flush().await.unwrap();
}

/// Runs the child with `stdin` and `mode`, feeding it `feed` through a pipe if given; returns what
/// it echoed between the markers and its stderr.
fn run_child(stdin: Stdio, mode: &str, feed: Option<Vec<u8>>) -> (Vec<u8>, String) {
    run_child_gated(stdin, mode, feed, None)
}

/// [`run_child`], feeding stdin only once the child has written `gate` to its stderr, if given.
fn run_child_gated(
    stdin: Stdio,
    mode: &str,
    feed: Option<Vec<u8>>,
    gate: Option<&'static str>,
) -> (Vec<u8>, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "stdio_child", "--test-threads=1"])
        .env(CHILD_ENV, mode)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (opened, open) = std::sync::mpsc::channel::<()>();
    let feeder = feed.map(|data| {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            if gate.is_some() {
                // Also released (to write into a closed pipe) if the child dies first.
                let _ = open.recv();
            }
            let _ = pipe.write_all(&data);
            // Dropping the pipe closes it: the child reads end of file.
        })
    });
    let mut stderr = child.stderr.take().unwrap();
    let stderr_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = stderr.read(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&chunk[..n]);
            if gate.is_some_and(|gate| find(&bytes, gate.as_bytes()).is_some()) {
                let _ = opened.send(());
            }
        }
        drop(opened);
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    let status = child.wait().unwrap();
    if let Some(feeder) = feeder {
        feeder.join().unwrap();
    }
    let stderr = stderr_reader.join().unwrap();
    assert!(status.success(), "child failed: {stderr}");
    let start = find(&stdout, BEGIN).expect("begin marker") + BEGIN.len();
    let end = find(&stdout, END).expect("end marker");
    (stdout[start..end].to_vec(), stderr)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Binary data of `len` bytes without the markers' `<` in it.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 7 + i / 251) % 59) as u8).collect()
}

struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(tag: &str, contents: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("zokio-stdio-{tag}-{}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn stdin_from_a_regular_file() {
    // More than one 2 MiB trip, so the read is split and reassembled.
    let data = pattern(5 * 1024 * 1024 + 11);
    let file = TempFile::new("file", &data);
    let stdin = Stdio::from(std::fs::File::open(&file.0).unwrap());
    let (echoed, stderr) = run_child(stdin, "bytes", None);
    assert!(echoed == data, "echoed bytes differ from the file");
    assert!(
        stderr.contains(&format!("read {} bytes, 0 lines\n", data.len())),
        "stderr was {stderr:?}"
    );
}

#[test]
fn stdin_from_a_pipe() {
    let data = pattern(3 * 1024 * 1024 + 5);
    let (echoed, stderr) = run_child(Stdio::piped(), "bytes", Some(data.clone()));
    assert!(echoed == data, "echoed bytes differ from what was piped");
    assert!(stderr.contains(&format!("read {} bytes", data.len())));
}

#[test]
fn stdin_lines_through_buf_reader() {
    let text = b"first line\nsecond\r\n\nlast without newline".to_vec();
    let (echoed, stderr) = run_child(Stdio::piped(), "lines", Some(text));
    assert_eq!(echoed, b"first line\nsecond\n\nlast without newline\n");
    assert!(stderr.contains("4 lines"), "stderr was {stderr:?}");
}

#[test]
fn empty_stdin_reads_end_of_file() {
    let (echoed, stderr) = run_child(Stdio::null(), "bytes", None);
    assert!(echoed.is_empty());
    assert!(stderr.contains("read 0 bytes"));
}

#[test]
fn stdio_through_the_futures_io_traits() {
    let data = pattern(300_000);
    let (echoed, stderr) = run_child(Stdio::piped(), "futures", Some(data.clone()));
    assert!(echoed == data, "echoed bytes differ from what was piped");
    assert!(
        stderr.contains(&format!("futures-io read {} bytes\n", data.len())),
        "stderr was {stderr:?}"
    );
}

#[test]
fn cancelled_reads_and_flushes_lose_no_bytes() {
    let data = pattern(100_000);
    let (echoed, stderr) = run_child_gated(
        Stdio::piped(),
        "cancelled",
        Some(data.clone()),
        Some("waiting\n"),
    );
    assert!(echoed == data, "echoed bytes differ from what was piped");
    assert!(
        stderr.contains(&format!("read {} bytes\n", data.len())),
        "stderr was {stderr:?}"
    );
}

#[test]
fn the_handles_are_the_standard_descriptors() {
    use std::os::fd::{AsFd, AsRawFd};
    let (stdin, stdout, stderr) = (zokio::io::stdin(), zokio::io::stdout(), zokio::io::stderr());
    assert_eq!(stdin.as_raw_fd(), 0);
    assert_eq!(stdout.as_raw_fd(), 1);
    assert_eq!(stderr.as_raw_fd(), 2);
    assert_eq!(stdin.as_fd().as_raw_fd(), 0);
    assert_eq!(stdout.as_fd().as_raw_fd(), 1);
    assert_eq!(stderr.as_fd().as_raw_fd(), 2);
}

/// A trip to a blocking pool that has shut down is cancelled, and the std handle it carried is
/// lost with it: the operation waiting for it fails with the cause, and every later one too.
#[test]
fn a_stream_lost_to_a_shut_down_pool_fails_every_later_operation() {
    use zokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let survivor = rt.handle().clone();
    rt.shutdown_timeout(std::time::Duration::from_secs(10));
    let cancelled = "the blocking pool shut down while a standard I/O operation was pending";
    let lost = "the standard stream was lost when the runtime shut down";
    survivor.block_on(async {
        let mut out = zokio::io::stdout();
        // Nothing to write, and nothing to read into: neither needs a trip.
        assert_eq!(out.write(b"").await.unwrap(), 0);
        let mut stdin = zokio::io::stdin();
        assert_eq!(stdin.read(&mut []).await.unwrap(), 0);

        // Accepted (copied, its trip started), then lost with the cancelled trip.
        assert_eq!(out.write(b"lost\n").await.unwrap(), 5);
        let err = out.flush().await.unwrap_err();
        assert_eq!(err.to_string(), cancelled);
        assert_eq!(out.write(b"more").await.unwrap_err().to_string(), lost);
        assert_eq!(out.flush().await.unwrap_err().to_string(), lost);
        assert_eq!(out.shutdown().await.unwrap_err().to_string(), lost);

        let mut buf = [0u8; 8];
        assert_eq!(
            stdin.read(&mut buf).await.unwrap_err().to_string(),
            cancelled
        );
        assert_eq!(stdin.read(&mut buf).await.unwrap_err().to_string(), lost);

        let mut err = zokio::io::stderr();
        assert_eq!(err.write(b"lost\n").await.unwrap(), 5);
        assert_eq!(err.write(b"x").await.unwrap_err().to_string(), cancelled);
        assert_eq!(err.write(b"x").await.unwrap_err().to_string(), lost);
    });
}
