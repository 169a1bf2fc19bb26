//! [`read_dir`]: directory entries fetched in batches, one blocking trip per batch.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{FileType, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use zokio_task::JoinHandle;

use crate::blocking::{asyncify, join_error_to_io, poll_trip, spawn};

/// Entries fetched per trip to the blocking pool: large enough that the trip's cost (a few
/// microseconds) is small next to the `getdents` work, small enough that the first entries arrive
/// quickly from a huge directory.
const BATCH: usize = 256;

/// Returns a stream over the entries of the directory at `path` (without `.` and `..`, in the order
/// the OS gives them).
///
/// ```
/// # zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("zokio-fs-read-dir-{}", std::process::id()));
/// zokio_fs::create_dir_all(&dir).await?;
/// zokio_fs::write(dir.join("a"), b"").await?;
/// let mut entries = zokio_fs::read_dir(&dir).await?;
/// let entry = entries.next_entry().await?.unwrap();
/// assert_eq!(entry.file_name(), "a");
/// assert!(entry.file_type().await?.is_file());
/// assert!(entries.next_entry().await?.is_none());
/// zokio_fs::remove_dir_all(&dir).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
///
/// # Errors
///
/// Those of [`std::fs::read_dir`], e.g. `NotFound`; errors for single entries come from
/// [`ReadDir::next_entry`].
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let (std, batch) = asyncify(move || {
        let mut std = std::fs::read_dir(path)?;
        let batch = next_batch(&mut std);
        Ok((std, batch))
    })
    .await?;
    Ok(ReadDir {
        state: State::Idle(Some(std)),
        buffered: batch.entries,
        done: batch.done,
    })
}

/// Directory entries; created by [`read_dir`]. Also a [`Stream`](futures_lite::Stream) of
/// `io::Result<DirEntry>`.
#[derive(Debug)]
pub struct ReadDir {
    state: State,
    buffered: VecDeque<io::Result<DirEntry>>,
    done: bool,
}

#[derive(Debug)]
enum State {
    /// No trip in flight; `None` once the iterator is exhausted.
    Idle(Option<std::fs::ReadDir>),
    Busy(JoinHandle<(std::fs::ReadDir, Batch)>),
}

#[derive(Debug)]
struct Batch {
    entries: VecDeque<io::Result<DirEntry>>,
    done: bool,
}

fn next_batch(std: &mut std::fs::ReadDir) -> Batch {
    let mut entries = VecDeque::with_capacity(BATCH);
    while entries.len() < BATCH {
        match std.next() {
            Some(entry) => entries.push_back(entry.map(DirEntry::from_std)),
            None => {
                return Batch {
                    entries,
                    done: true,
                };
            }
        }
    }
    Batch {
        entries,
        done: false,
    }
}

impl ReadDir {
    /// The next entry, or `None` at the end of the directory.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: an entry is only taken from the buffer when it is returned.
    ///
    /// # Errors
    ///
    /// An error reading the directory (the stream may continue after it), or the runtime's
    /// shutdown cancelling the read (the stream then ends: later calls return `Ok(None)`).
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        std::future::poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry; see [`next_entry`](Self::next_entry).
    ///
    /// # Errors
    ///
    /// An error reading the directory.
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        // Every entry spends a unit of the cooperative budget, fetched or buffered, so a loop over
        // a huge directory still yields (Tokio spends one per fetch of 32; zokio's batches are
        // larger). Fetching a batch is part of the same operation and spends nothing more.
        let coop = ready!(zokio_coop::poll_proceed(cx));
        let next = ready!(self.poll_next_unbudgeted(cx));
        coop.made_progress();
        Poll::Ready(next)
    }

    fn poll_next_unbudgeted(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            if let Some(entry) = self.buffered.pop_front() {
                return Poll::Ready(entry.map(Some));
            }
            match &mut self.state {
                State::Idle(std) => {
                    if self.done {
                        return Poll::Ready(Ok(None));
                    }
                    let Some(mut std) = std.take() else {
                        return Poll::Ready(Ok(None));
                    };
                    self.state = State::Busy(spawn(move || {
                        let batch = next_batch(&mut std);
                        (std, batch)
                    }));
                }
                State::Busy(handle) => {
                    let result = ready!(poll_trip(handle, cx));
                    // A trip cancelled by a runtime shutting down took the iterator with it: the
                    // stream ends after this error (the handle must not be polled again).
                    let (std, batch) = match join_error_to_io(result) {
                        Ok(done) => done,
                        Err(error) => {
                            self.state = State::Idle(None);
                            return Poll::Ready(Err(error));
                        }
                    };
                    self.state = State::Idle(Some(std));
                    self.buffered = batch.entries;
                    self.done = batch.done;
                }
            }
        }
    }
}

impl futures_lite::Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_entry(cx).map(Result::transpose)
    }
}

/// One entry of a directory, from [`ReadDir`].
#[derive(Debug, Clone)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    /// Read with the entry (usually free: Linux returns it from `getdents`).
    file_type: Result<FileType, io::ErrorKind>,
}

impl DirEntry {
    fn from_std(std: std::fs::DirEntry) -> DirEntry {
        let file_type = std.file_type().map_err(|e| e.kind());
        DirEntry {
            std: Arc::new(std),
            file_type,
        }
    }

    /// The full path: the directory given to [`read_dir`] joined with [`file_name`](Self::file_name).
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's bare name.
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's inode number.
    #[cfg(unix)]
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.std)
    }

    /// The metadata of the entry, not following a symbolic link (one blocking trip).
    ///
    /// # Errors
    ///
    /// Those of [`std::fs::DirEntry::metadata`], e.g. `NotFound` if the entry was removed since.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// The type of the entry, not following a symbolic link. Usually answered from what the
    /// directory listing returned, without a syscall; otherwise one blocking trip.
    ///
    /// # Errors
    ///
    /// Those of [`std::fs::DirEntry::file_type`].
    pub async fn file_type(&self) -> io::Result<FileType> {
        match self.file_type {
            Ok(file_type) => Ok(file_type),
            Err(_) => {
                let std = self.std.clone();
                asyncify(move || std.file_type()).await
            }
        }
    }
}
