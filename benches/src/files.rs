//! The headline file I/O and mixed workloads.
//!
//! Files live in the system temporary directory, are written once at set-up (so they are
//! page-cache resident) and are removed when the workload state is dropped.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::echo::{MESSAGE, connect_streams, round_trip};
use crate::rt::HeadlineRt;
use crate::workloads::{run, xorshift};

/// Size of one file read or write in the file I/O workload.
pub const BLOCK: usize = 4096;

/// Size of the file write in each mixed cycle.
pub const MIXED_WRITE: usize = 256;

/// Temporary files, removed on drop.
struct TempFiles {
    paths: Vec<PathBuf>,
}

impl TempFiles {
    /// Creates `count` files of `len` bytes each, with names unique to this process and call.
    fn create(tag: &str, count: usize, len: usize) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let call = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir();
        let paths = (0..count)
            .map(|i| {
                let path = dir.join(format!(
                    "zokio-bench-{}-{tag}-{call}-{i}",
                    std::process::id()
                ));
                std::fs::write(&path, vec![i as u8; len]).expect("create bench file");
                path
            })
            .collect();
        TempFiles { paths }
    }
}

impl Drop for TempFiles {
    fn drop(&mut self) {
        for path in &self.paths {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Opens every path on the runtime.
fn open_all<R: HeadlineRt>(rt: &R, files: &TempFiles) -> Vec<R::File> {
    let paths = files.paths.clone();
    rt.block_on(async move {
        let mut open = Vec::with_capacity(paths.len());
        for path in paths {
            open.push(R::open_rw_file(path).await.expect("open bench file"));
        }
        open
    })
}

/// Open files for the file I/O workload, one per task.
pub struct FileSet<R: HeadlineRt> {
    // Declared before `temp` so the files are closed before they are removed.
    files: Vec<R::File>,
    temp: TempFiles,
    blocks: usize,
}

impl<R: HeadlineRt> FileSet<R> {
    /// Creates and opens `tasks` files of `blocks` blocks each.
    pub fn new(rt: &R, tasks: usize, blocks: usize) -> Self {
        let temp = TempFiles::create(R::NAME, tasks, blocks * BLOCK);
        let files = open_all(rt, &temp);
        FileSet {
            files,
            temp,
            blocks,
        }
    }

    /// Every file, in its own task, alternates writing and reading 4 KiB blocks from its start,
    /// `ops` operations in all, then flushes. `ops` is at most the file's block count, so every
    /// read finds data.
    pub fn read_write(&mut self, rt: &R, ops: usize) {
        assert!(
            ops <= self.blocks,
            "{ops} operations on files of {} blocks",
            self.blocks
        );
        let files = std::mem::take(&mut self.files);
        self.files = run(rt, async move {
            let handles: Vec<_> = files
                .into_iter()
                .enumerate()
                .map(|(i, mut file)| {
                    R::spawn(async move {
                        let mut block = [i as u8; BLOCK];
                        R::file_rewind(&mut file).await.expect("rewind");
                        for op in 0..ops {
                            if op % 2 == 0 {
                                R::file_write_all(&mut file, &block).await.expect("write");
                            } else {
                                R::file_read_exact(&mut file, &mut block)
                                    .await
                                    .expect("read");
                                // Every byte this task's file ever held is `i`.
                                debug_assert!(block.iter().all(|&b| b == i as u8));
                            }
                        }
                        R::file_flush(&mut file).await.expect("flush");
                        file
                    })
                })
                .collect();
            let mut files = Vec::with_capacity(handles.len());
            for h in handles {
                files.push(h.await);
            }
            files
        });
        debug_assert_eq!(self.files.len(), self.temp.paths.len());
    }
}

/// The [`RAW`](crate::RAW) reference of [`FileSet`]: the same files opened as `std::fs::File`s,
/// and the same operations as positioned `pwrite`/`pread` calls from the calling thread, one file
/// after another.
pub struct RawFileSet {
    // Declared before `temp` so the files are closed before they are removed.
    files: Vec<std::fs::File>,
    temp: TempFiles,
    blocks: usize,
}

impl RawFileSet {
    /// Creates and opens `count` files of `blocks` blocks each.
    pub fn new(count: usize, blocks: usize) -> Self {
        let temp = TempFiles::create(crate::RAW, count, blocks * BLOCK);
        let files = temp
            .paths
            .iter()
            .map(|path| {
                std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(path)
                    .expect("open bench file")
            })
            .collect();
        RawFileSet {
            files,
            temp,
            blocks,
        }
    }

    /// What [`FileSet::read_write`] does, with the position in a local: on every file, `ops`
    /// operations from its start alternating a 4 KiB `pwrite` and a 4 KiB `pread`.
    pub fn read_write(&mut self, ops: usize) {
        use std::os::unix::fs::FileExt;
        assert!(
            ops <= self.blocks,
            "{ops} operations on files of {} blocks",
            self.blocks
        );
        for (i, file) in self.files.iter().enumerate() {
            let mut block = [i as u8; BLOCK];
            for op in 0..ops {
                let offset = (op * BLOCK) as u64;
                if op % 2 == 0 {
                    file.write_all_at(&block, offset).expect("write");
                } else {
                    file.read_exact_at(&mut block, offset).expect("read");
                    debug_assert!(block.iter().all(|&b| b == i as u8));
                }
            }
        }
        debug_assert_eq!(self.files.len(), self.temp.paths.len());
    }
}

/// Connections and files for the mixed workload: one of each per simulated client.
pub struct MixedClients<R: HeadlineRt> {
    // Declared before `temp` so the files are closed before they are removed.
    clients: Vec<(R::Stream, R::File)>,
    temp: TempFiles,
}

/// The sleep of cycle `cycle` of client `client`: 0 to 1 ms in steps of 100 µs, spread so that
/// clients are not in lock step.
pub fn mixed_sleep(client: usize, cycle: usize) -> Duration {
    Duration::from_micros(((client * 7 + cycle * 3) % 11) as u64 * 100)
}

impl<R: HeadlineRt> MixedClients<R> {
    /// Opens `clients` connections to an echo server and one file per connection.
    pub fn new(rt: &R, clients: usize) -> Self {
        let streams = connect_streams(rt, clients);
        let temp = TempFiles::create(R::NAME, clients, MIXED_WRITE);
        let files = open_all(rt, &temp);
        MixedClients {
            clients: streams.into_iter().zip(files).collect(),
            temp,
        }
    }

    /// Every client, in its own task, runs `cycles` cycles of: one TCP round trip, a sleep of at
    /// most 1 ms, a short CPU loop, and a small file write (flushed).
    pub fn cycles(&mut self, rt: &R, cycles: usize) {
        let clients = std::mem::take(&mut self.clients);
        self.clients = run(rt, async move {
            let handles: Vec<_> = clients
                .into_iter()
                .enumerate()
                .map(|(i, (mut stream, mut file))| {
                    R::spawn(async move {
                        let mut msg = [i as u8; MESSAGE];
                        let mut record = [0u8; MIXED_WRITE];
                        for cycle in 0..cycles {
                            round_trip::<R>(&mut stream, &mut msg).await;
                            R::sleep_for(mixed_sleep(i, cycle)).await;
                            let x = xorshift(std::hint::black_box((i + cycle + 1) as u64), 1_000);
                            record[..8].copy_from_slice(&x.to_le_bytes());
                            R::file_rewind(&mut file).await.expect("rewind");
                            R::file_write_all(&mut file, &record).await.expect("write");
                            R::file_flush(&mut file).await.expect("flush");
                        }
                        (stream, file)
                    })
                })
                .collect();
            let mut clients = Vec::with_capacity(handles.len());
            for h in handles {
                clients.push(h.await);
            }
            clients
        });
        debug_assert_eq!(self.clients.len(), self.temp.paths.len());
    }
}
