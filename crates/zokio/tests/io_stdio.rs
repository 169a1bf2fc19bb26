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

/// Runs the child with `stdin` and `mode`, feeding it `feed` through a pipe if given; returns what
/// it echoed between the markers and its stderr.
fn run_child(stdin: Stdio, mode: &str, feed: Option<Vec<u8>>) -> (Vec<u8>, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "stdio_child", "--test-threads=1"])
        .env(CHILD_ENV, mode)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let feeder = feed.map(|data| {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            pipe.write_all(&data).unwrap();
            // Dropping the pipe closes it: the child reads end of file.
        })
    });
    let mut stderr = child.stderr.take().unwrap();
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
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
