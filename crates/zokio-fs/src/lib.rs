//! Asynchronous file system operations for zokio, with Tokio's names.
//!
//! Operating systems offer no readiness model for regular files, so the work happens on the runtime's
//! blocking pool (see `zokio::task::spawn_blocking`). What this crate does about the cost of that:
//!
//! - **One trip per call.** Each free function ([`read`], [`write()`], [`metadata`], ...) is exactly one
//!   blocking task, whatever the size of the file.
//! - **[`File`] moves big buffers.** Writes are copied into a buffer and written in the background;
//!   while a trip writes, further writes collect in a queue (up to 2 MiB by default) that the same
//!   trip writes before it ends, so a burst of small writes costs one trip, not one per write, and
//!   nothing accepted waits for a later call to be sent.
//!   `flush` returns once every byte reached the OS, and an
//!   error from a background write is returned by the next operation on the file.
//! - **Reads from the page cache skip the pool.** On Linux a read first tries
//!   `preadv2(RWF_NOWAIT)`, which the kernel completes only if the data is already in memory and
//!   otherwise refuses with `EAGAIN` instead of blocking; only then does the read go to the pool.
//!   A small read of a cached file thus costs one syscall on the task's own thread, not a
//!   round trip between threads.
//! - **So do writes, where the file system allows it.** A write of up to 256 KiB with nothing in
//!   flight first tries `pwritev2(RWF_NOWAIT)`; XFS (Linux 6.0+) and btrfs (6.1+) complete it when
//!   they can without waiting, and the following `flush` then has nothing to wait for. ext4 and
//!   tmpfs refuse the flag for buffered writes (`EOPNOTSUPP`): a file that refuses once is not
//!   asked again, and its writes are batched on the pool as above.
//! - [`read_dir`] fetches entries in batches, one trip per batch.
//!
//! Errors are those of the operating system: a missing path gives [`std::io::ErrorKind::NotFound`].
//!
//! All functions must be called within a zokio runtime (they use its blocking pool).
//!
//! ```
//! # zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let dir = std::env::temp_dir().join(format!("zokio-fs-doc-{}", std::process::id()));
//! zokio_fs::create_dir_all(&dir).await?;
//! zokio_fs::write(dir.join("hello.txt"), b"hello").await?;
//! assert_eq!(zokio_fs::read_to_string(dir.join("hello.txt")).await?, "hello");
//! zokio_fs::remove_dir_all(&dir).await?;
//! # std::io::Result::Ok(()) }).unwrap();
//! ```
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod blocking;
mod dir_builder;
mod file;
mod open_options;
mod ops;
mod read_dir;

pub use dir_builder::DirBuilder;
pub use file::File;
pub use open_options::OpenOptions;
#[cfg(unix)]
pub use ops::symlink;
pub use ops::{
    canonicalize, copy, create_dir, create_dir_all, hard_link, metadata, read, read_link,
    read_to_string, remove_dir, remove_dir_all, remove_file, rename, set_permissions,
    symlink_metadata, try_exists, write,
};
pub use read_dir::{DirEntry, ReadDir, read_dir};
pub use std::fs::{FileType, Metadata, Permissions};
