//! [`File`]: an open file with Tokio's and the futures-io I/O traits.

mod nowait;
mod state;

use std::fs::{Metadata, Permissions};
use std::io::{self, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};

use tokio::io::ReadBuf;
use zokio_sync::Mutex;

use crate::OpenOptions;
use crate::blocking::asyncify;
use state::Inner;

/// An open file, readable, writable and seekable through Tokio's
/// [`AsyncRead`](tokio::io::AsyncRead), [`AsyncWrite`](tokio::io::AsyncWrite) and
/// [`AsyncSeek`](tokio::io::AsyncSeek) (`zokio::io::{AsyncReadExt, AsyncWriteExt, AsyncSeekExt}`
/// give `read`, `write_all`, `seek`, `rewind`, `stream_position`, ...), and equally through the
/// [`futures-io`](futures_io) traits; both families run the same code.
///
/// Writes are buffered and written in the background: `write` returns once the bytes are copied, and
/// `flush` waits until they have reached the OS. **Flush before
/// dropping** a file if you need to know that the data was written: a file dropped with writes in
/// flight finishes them in the background, but any error is then lost (and a runtime shutting down
/// does not start queued pool work, so only a flushed write is sure to land). An error from a background
/// write is returned by the next read, write, seek or flush. Reads of data in the page cache, and
/// small writes with nothing in flight, are done on the task's own thread when the OS allows it
/// without blocking (see the [crate docs](crate)); they keep the same order and error rules.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
/// use std::io::SeekFrom;
/// # zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let path = std::env::temp_dir().join(format!("zokio-fs-file-{}", std::process::id()));
/// let mut file = zokio_fs::File::options().read(true).write(true).create(true).truncate(true)
///     .open(&path).await?;
/// file.write_all(b"hello world").await?;
/// file.seek(SeekFrom::Start(6)).await?;
/// let mut word = String::new();
/// file.read_to_string(&mut word).await?;
/// assert_eq!(word, "world");
/// assert_eq!(file.stream_position().await?, 11);
/// file.rewind().await?;
/// assert_eq!(file.read_u8().await?, b'h');
/// zokio_fs::remove_file(&path).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct File {
    std: Arc<std::fs::File>,
    inner: Mutex<Inner>,
    /// A copy of `inner`'s, readable through `&self` without the lock.
    max_buf_size: usize,
    /// Whether another party may move the descriptor's offset: the descriptor came from outside
    /// (`from_std`, which may have been duplicated), was duplicated (`try_clone`) or was lent out
    /// (`as_fd`, `as_raw_fd`). The file then asks the OS for its position rather than trust the
    /// one it keeps.
    shared: AtomicBool,
}

impl File {
    /// Opens `path` read-only.
    ///
    /// # Errors
    ///
    /// Those of [`std::fs::File::open`], e.g. `NotFound`.
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let std = asyncify(move || std::fs::File::open(path)).await?;
        Ok(File::from_opened(std))
    }

    /// Opens `path` write-only, creating it or truncating it.
    ///
    /// # Errors
    ///
    /// Those of [`std::fs::File::create`].
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let std = asyncify(move || std::fs::File::create(path)).await?;
        Ok(File::from_opened(std))
    }

    /// Creates `path` read-write, failing with `AlreadyExists` if it exists.
    ///
    /// # Errors
    ///
    /// Those of [`std::fs::File::create_new`].
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// A blank [`OpenOptions`].
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps a standard file. Its position is the one the OS has.
    pub fn from_std(std: std::fs::File) -> File {
        File::new(Arc::new(std), true)
    }

    /// Wraps a descriptor this crate has just opened, which nothing else shares.
    pub(crate) fn from_opened(std: std::fs::File) -> File {
        File::new(Arc::new(std), false)
    }

    fn new(std: Arc<std::fs::File>, shared: bool) -> File {
        File {
            std,
            inner: Mutex::new(Inner::new()),
            max_buf_size: state::DEFAULT_MAX_BUF_SIZE,
            shared: AtomicBool::new(shared),
        }
    }

    /// Notes that another party may now move the descriptor's offset (see `shared`).
    fn share(&self) {
        self.shared.store(true, Ordering::Relaxed);
    }

    /// The state and the descriptor, for an I/O trait method; the state learns first whether the
    /// descriptor is `shared`.
    fn parts(&mut self) -> (&mut Inner, &Arc<std::fs::File>) {
        let inner = self.inner.get_mut();
        if *self.shared.get_mut() {
            inner.share();
        }
        (inner, &self.std)
    }

    /// Waits for writes in flight (returning their error), then lines the OS position up with what
    /// the user has read.
    async fn settle(&self) -> io::Result<zokio_sync::MutexGuard<'_, Inner>> {
        let mut inner = self.inner.lock().await;
        if self.shared.load(Ordering::Relaxed) {
            inner.share();
        }
        std::future::poll_fn(|cx| inner.poll_flush(cx, &self.std)).await?;
        inner.sync_position(&self.std)?;
        Ok(inner)
    }

    /// Flushes, then asks the OS to write data and metadata to the device (`fsync`).
    ///
    /// # Errors
    ///
    /// A pending write's error, or that of [`std::fs::File::sync_all`].
    pub async fn sync_all(&self) -> io::Result<()> {
        let _inner = self.settle().await?;
        let std = self.std.clone();
        asyncify(move || std.sync_all()).await
    }

    /// Flushes, then asks the OS to write the data to the device (`fdatasync`).
    ///
    /// # Errors
    ///
    /// A pending write's error, or that of [`std::fs::File::sync_data`].
    pub async fn sync_data(&self) -> io::Result<()> {
        let _inner = self.settle().await?;
        let std = self.std.clone();
        asyncify(move || std.sync_data()).await
    }

    /// Flushes, then truncates or extends the file to `size` bytes. The position is unchanged.
    ///
    /// # Errors
    ///
    /// A pending write's error, or that of [`std::fs::File::set_len`].
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let _inner = self.settle().await?;
        let std = self.std.clone();
        asyncify(move || std.set_len(size)).await
    }

    /// Flushes, then returns the file's metadata (so the size includes every write made so far).
    ///
    /// # Errors
    ///
    /// A pending write's error, or that of [`std::fs::File::metadata`].
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let _inner = self.settle().await?;
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// Flushes, then changes the file's permissions.
    ///
    /// # Errors
    ///
    /// A pending write's error, or that of [`std::fs::File::set_permissions`].
    pub async fn set_permissions(&self, permissions: Permissions) -> io::Result<()> {
        let _inner = self.settle().await?;
        let std = self.std.clone();
        asyncify(move || std.set_permissions(permissions)).await
    }

    /// Flushes, then duplicates the descriptor; both files share the position.
    ///
    /// # Errors
    ///
    /// A pending write's error, or that of [`std::fs::File::try_clone`].
    pub async fn try_clone(&self) -> io::Result<File> {
        let _inner = self.settle().await?;
        // `dup` does no I/O: no trip needed.
        let clone = File::from_std(self.std.try_clone()?);
        self.share();
        Ok(clone)
    }

    /// Waits for writes in flight and returns the standard file, positioned where this one was.
    ///
    /// As with Tokio, an error of a background write is dropped here: call
    /// `flush` first to see it.
    ///
    /// # Panics
    ///
    /// Never in practice: a finished trip has dropped its reference to the file before its result
    /// is published, so the `Arc` is unique here.
    pub async fn into_std(self) -> std::fs::File {
        // Ignoring the error is the documented contract (Tokio's signature has no room for it).
        drop(self.settle().await);
        let std = self.std.clone();
        drop(self);
        Arc::try_unwrap(std).unwrap_or_else(|shared| {
            shared
                .try_clone()
                .expect("a file still shared after its trips ended could not be duplicated")
        })
    }

    /// The standard file, if nothing is in flight or buffered; otherwise gives `self` back.
    ///
    /// # Errors
    ///
    /// Returns `self` when a trip is in flight, a write error is pending or read-ahead data is
    /// buffered.
    #[allow(clippy::result_large_err)] // Tokio's signature: the file itself comes back.
    pub fn try_into_std(mut self) -> Result<std::fs::File, File> {
        if !self.inner.get_mut().is_quiescent() {
            return Err(self);
        }
        let std = self.std.clone();
        drop(self);
        Arc::try_unwrap(std).map_err(|std| File::new(std, true))
    }

    /// Sets the most bytes one trip to the blocking pool moves (default 2 MiB), which also bounds
    /// how many written bytes may wait in memory. One `read` or `write` call moves at most this
    /// many bytes, whether it goes to the pool or not (as in Tokio).
    ///
    /// # Panics
    ///
    /// Never; a size of 0 is treated as 1.
    pub fn set_max_buf_size(&mut self, max_buf_size: usize) {
        self.inner.get_mut().set_max_buf_size(max_buf_size);
        self.max_buf_size = self.inner.get_mut().max_buf_size();
    }

    /// The most bytes one trip to the blocking pool moves; see
    /// [`set_max_buf_size`](Self::set_max_buf_size).
    ///
    /// ```
    /// # zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("zokio-fs-max-buf-{}", std::process::id()));
    /// let mut file = zokio_fs::File::create(&path).await?;
    /// assert_eq!(file.max_buf_size(), 2 * 1024 * 1024);
    /// file.set_max_buf_size(4096);
    /// assert_eq!(file.max_buf_size(), 4096);
    /// # zokio_fs::remove_file(&path).await?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn max_buf_size(&self) -> usize {
        self.max_buf_size
    }
}

// Both trait families call the same `Inner` methods, which spend the cooperative budget: one unit
// per read, write or seek, whichever family it comes through.

impl futures_io::AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let (inner, file) = self.get_mut().parts();
        let mut buf = ReadBuf::new(buf);
        ready!(inner.poll_read(cx, file, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

impl tokio::io::AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let (inner, file) = self.get_mut().parts();
        inner.poll_read(cx, file, buf)
    }
}

impl futures_io::AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let (inner, file) = self.get_mut().parts();
        inner.poll_write(cx, file, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let (inner, file) = self.get_mut().parts();
        inner.poll_flush(cx, file)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_flush(self, cx)
    }
}

impl tokio::io::AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let (inner, file) = self.get_mut().parts();
        inner.poll_write(cx, file, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let (inner, file) = self.get_mut().parts();
        inner.poll_flush(cx, file)
    }

    /// Flushes, as Tokio's `File` does: a file has no write direction to shut down.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_flush(self, cx)
    }
}

impl futures_io::AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let (inner, file) = self.get_mut().parts();
        inner.poll_seek(cx, file, pos)
    }
}

/// `start_seek` records the seek and `poll_complete` runs it (once writes in flight have reached
/// the OS); a read, write or flush in between runs it first. `poll_complete` with no seek started
/// returns the current position.
impl tokio::io::AsyncSeek for File {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.get_mut().inner.get_mut().start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let (inner, file) = self.get_mut().parts();
        inner.poll_complete(cx, file)
    }
}

impl From<std::fs::File> for File {
    fn from(std: std::fs::File) -> File {
        File::from_std(std)
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for File {
    /// Lends the descriptor: from now on the file asks the OS for its position (its user may move
    /// the offset).
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.share();
        self.std.as_raw_fd()
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for File {
    /// Lends the descriptor: from now on the file asks the OS for its position (its user may move
    /// the offset).
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.share();
        self.std.as_fd()
    }
}

#[cfg(unix)]
impl std::os::fd::FromRawFd for File {
    /// Wraps an open descriptor, as [`File::from_std`] does.
    ///
    /// # Safety
    ///
    /// `fd` must be an open descriptor that nothing else owns (it is closed when the file is
    /// dropped), as for [`std::fs::File`]'s `from_raw_fd`.
    unsafe fn from_raw_fd(fd: std::os::fd::RawFd) -> File {
        // SAFETY: the caller hands over ownership of an open descriptor, the contract of std's
        // `from_raw_fd`.
        File::from_std(unsafe { std::fs::File::from_raw_fd(fd) })
    }
}
