//! [`ReadDirStream`].

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use zokio_fs::{DirEntry, ReadDir};

/// A [`Stream`] of the entries of a directory, from a [`ReadDir`](zokio_fs::ReadDir) (the type
/// `zokio::fs::read_dir` returns). A read error is an `Err` item.
///
/// ```
/// use zokio_stream::StreamExt;
/// use zokio_stream::wrappers::ReadDirStream;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let dir = std::env::temp_dir().join(format!("zokio-stream-readdir-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("a.txt"), b"a")?;
/// std::fs::write(dir.join("b.txt"), b"b")?;
///
/// let entries = ReadDirStream::new(zokio::fs::read_dir(&dir).await?);
/// let mut names: Vec<String> = entries
///     .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
///     .collect::<std::io::Result<_>>()
///     .await?;
/// names.sort();
/// assert_eq!(names, ["a.txt", "b.txt"]);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ReadDirStream {
    inner: ReadDir,
}

impl ReadDirStream {
    /// Wraps `read_dir`.
    pub fn new(read_dir: ReadDir) -> Self {
        ReadDirStream { inner: read_dir }
    }

    /// Gives back the `ReadDir`.
    pub fn into_inner(self) -> ReadDir {
        self.inner
    }
}

impl Stream for ReadDirStream {
    type Item = io::Result<DirEntry>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_entry(cx).map(Result::transpose)
    }
}

impl AsRef<ReadDir> for ReadDirStream {
    fn as_ref(&self) -> &ReadDir {
        &self.inner
    }
}

impl AsMut<ReadDir> for ReadDirStream {
    fn as_mut(&mut self) -> &mut ReadDir {
        &mut self.inner
    }
}
