//! The file and process operations the `fs` suite measures ([`FsRt`]), for zokio (`zokio-fs`,
//! `zokio-process`), tokio (`tokio::fs`, `tokio::process`) and smol (`async-fs`, `async-process`),
//! and the workloads the paired runs share with it.

use std::future::Future;
use std::path::PathBuf;

use crate::rt::{Rt, SmolCt, TokioCt, ZokioCt};

/// Size of each write of [`seq_write`].
pub const SEQ_CHUNK: usize = 1 << 20;

/// File-system and process operations of one runtime.
pub trait FsRt: Rt {
    /// An open file.
    type File: Send + 'static;

    /// Opens an existing file for reading and writing.
    fn open_rw(path: PathBuf) -> impl Future<Output = Self::File> + Send;
    /// Creates (or truncates) a file for writing.
    fn create(path: PathBuf) -> impl Future<Output = Self::File> + Send;
    /// Fills `buf` from the file's position.
    fn read_exact<'a>(f: &'a mut Self::File, buf: &'a mut [u8]) -> impl Future<Output = ()> + Send;
    /// One read call; returns the byte count.
    fn read_some<'a>(
        f: &'a mut Self::File,
        buf: &'a mut [u8],
    ) -> impl Future<Output = usize> + Send;
    /// Writes all of `buf` at the file's position.
    fn write_all<'a>(f: &'a mut Self::File, buf: &'a [u8]) -> impl Future<Output = ()> + Send;
    /// Seeks to the start.
    fn rewind(f: &mut Self::File) -> impl Future<Output = ()> + Send;
    /// Seeks to byte `pos`.
    fn seek_to(f: &mut Self::File, pos: u64) -> impl Future<Output = ()> + Send;
    /// Flushes buffered writes to the operating system.
    fn flush(f: &mut Self::File) -> impl Future<Output = ()> + Send;
    /// Writes a whole file (the free function).
    fn write(path: PathBuf, data: Vec<u8>) -> impl Future<Output = ()> + Send;
    /// Reads a whole file (the free function).
    fn read(path: PathBuf) -> impl Future<Output = Vec<u8>> + Send;
    /// Removes a file.
    fn remove(path: PathBuf) -> impl Future<Output = ()> + Send;
    /// Counts a directory's entries.
    fn count_dir(path: PathBuf) -> impl Future<Output = usize> + Send;
    /// Spawns `true` and waits for it to exit successfully.
    fn run_true() -> impl Future<Output = ()> + Send;
}

macro_rules! file_ops {
    ($read:path, $write:path, $seek:path) => {
        fn read_exact<'a>(
            f: &'a mut Self::File,
            buf: &'a mut [u8],
        ) -> impl Future<Output = ()> + Send {
            async move {
                use $read;
                f.read_exact(buf).await.expect("read");
            }
        }

        fn read_some<'a>(
            f: &'a mut Self::File,
            buf: &'a mut [u8],
        ) -> impl Future<Output = usize> + Send {
            async move {
                use $read;
                f.read(buf).await.expect("read")
            }
        }

        fn write_all<'a>(f: &'a mut Self::File, buf: &'a [u8]) -> impl Future<Output = ()> + Send {
            async move {
                use $write;
                f.write_all(buf).await.expect("write");
            }
        }

        fn rewind(f: &mut Self::File) -> impl Future<Output = ()> + Send {
            async move {
                use $seek;
                f.seek(std::io::SeekFrom::Start(0)).await.expect("seek");
            }
        }

        fn seek_to(f: &mut Self::File, pos: u64) -> impl Future<Output = ()> + Send {
            async move {
                use $seek;
                let at = f.seek(std::io::SeekFrom::Start(pos)).await.expect("seek");
                assert_eq!(at, pos);
            }
        }

        fn flush(f: &mut Self::File) -> impl Future<Output = ()> + Send {
            async move {
                use $write;
                f.flush().await.expect("flush");
            }
        }
    };
}

impl FsRt for ZokioCt {
    type File = zokio::fs::File;

    async fn open_rw(path: PathBuf) -> zokio::fs::File {
        let mut options = zokio::fs::OpenOptions::new();
        options.read(true).write(true);
        options.open(path).await.expect("open")
    }

    async fn create(path: PathBuf) -> zokio::fs::File {
        zokio::fs::File::create(path).await.expect("create")
    }

    file_ops!(
        zokio::io::AsyncReadExt,
        zokio::io::AsyncWriteExt,
        zokio::io::AsyncSeekExt
    );

    async fn write(path: PathBuf, data: Vec<u8>) {
        zokio::fs::write(path, data).await.expect("write");
    }

    async fn read(path: PathBuf) -> Vec<u8> {
        zokio::fs::read(path).await.expect("read")
    }

    async fn remove(path: PathBuf) {
        zokio::fs::remove_file(path).await.expect("remove");
    }

    async fn count_dir(path: PathBuf) -> usize {
        let mut entries = zokio::fs::read_dir(path).await.expect("read_dir");
        let mut n = 0;
        while entries.next_entry().await.expect("entry").is_some() {
            n += 1;
        }
        n
    }

    async fn run_true() {
        let status = zokio::process::Command::new("true").status().await;
        assert!(status.expect("spawn").success());
    }
}

impl FsRt for TokioCt {
    type File = tokio::fs::File;

    async fn open_rw(path: PathBuf) -> tokio::fs::File {
        let mut options = tokio::fs::OpenOptions::new();
        options.read(true).write(true);
        options.open(path).await.expect("open")
    }

    async fn create(path: PathBuf) -> tokio::fs::File {
        tokio::fs::File::create(path).await.expect("create")
    }

    file_ops!(
        tokio::io::AsyncReadExt,
        tokio::io::AsyncWriteExt,
        tokio::io::AsyncSeekExt
    );

    async fn write(path: PathBuf, data: Vec<u8>) {
        tokio::fs::write(path, data).await.expect("write");
    }

    async fn read(path: PathBuf) -> Vec<u8> {
        tokio::fs::read(path).await.expect("read")
    }

    async fn remove(path: PathBuf) {
        tokio::fs::remove_file(path).await.expect("remove");
    }

    async fn count_dir(path: PathBuf) -> usize {
        let mut entries = tokio::fs::read_dir(path).await.expect("read_dir");
        let mut n = 0;
        while entries.next_entry().await.expect("entry").is_some() {
            n += 1;
        }
        n
    }

    async fn run_true() {
        let status = tokio::process::Command::new("true").status().await;
        assert!(status.expect("spawn").success());
    }
}

impl FsRt for SmolCt {
    type File = async_fs::File;

    async fn open_rw(path: PathBuf) -> async_fs::File {
        let mut options = async_fs::OpenOptions::new();
        options.read(true).write(true);
        options.open(path).await.expect("open")
    }

    async fn create(path: PathBuf) -> async_fs::File {
        async_fs::File::create(path).await.expect("create")
    }

    file_ops!(
        futures_lite::AsyncReadExt,
        futures_lite::AsyncWriteExt,
        futures_lite::AsyncSeekExt
    );

    async fn write(path: PathBuf, data: Vec<u8>) {
        async_fs::write(path, data).await.expect("write");
    }

    async fn read(path: PathBuf) -> Vec<u8> {
        async_fs::read(path).await.expect("read")
    }

    async fn remove(path: PathBuf) {
        async_fs::remove_file(path).await.expect("remove");
    }

    async fn count_dir(path: PathBuf) -> usize {
        use futures_lite::StreamExt;
        let mut entries = async_fs::read_dir(path).await.expect("read_dir");
        let mut n = 0;
        while let Some(entry) = entries.next().await {
            entry.expect("entry");
            n += 1;
        }
        n
    }

    async fn run_true() {
        let status = async_process::Command::new("true").status().await;
        assert!(status.expect("spawn").success());
    }
}

/// Runs `body(i)` as `n` tasks and waits for all of them, collecting their outputs in order.
pub fn fan_out<R: FsRt, T, F>(rt: &R, n: usize, body: impl Fn(usize) -> F) -> Vec<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    rt.block_on(async {
        let handles: Vec<_> = (0..n).map(|i| R::spawn(body(i))).collect();
        let mut out = Vec::with_capacity(n);
        for handle in handles {
            out.push(handle.await);
        }
        out
    })
}

/// Creates the file at `path` and writes `total` bytes to it in [`SEQ_CHUNK`] `write_all`s, then
/// flushes: `fs/seq_write_64m`.
pub fn seq_write<R: FsRt>(rt: &R, path: PathBuf, total: usize) {
    fan_out(rt, 1, move |_| {
        let path = path.clone();
        async move {
            let mut file = R::create(path).await;
            let chunk = vec![3u8; SEQ_CHUNK];
            for _ in 0..total / SEQ_CHUNK {
                R::write_all(&mut file, &chunk).await;
            }
            R::flush(&mut file).await;
        }
    });
}

/// Spawns `true` and waits for it, `children` times, from [`SPAWN_PARALLEL`] tasks at once:
/// `fs/spawn_true`.
pub fn spawn_true<R: FsRt>(rt: &R, children: usize) {
    fan_out(rt, SPAWN_PARALLEL, |_| async move {
        for _ in 0..children / SPAWN_PARALLEL {
            R::run_true().await;
        }
    });
}

/// Tasks of [`spawn_true`] that spawn children at the same time.
pub const SPAWN_PARALLEL: usize = 10;
