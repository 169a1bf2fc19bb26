//! Asynchronous file system operations, run on the runtime's blocking pool.
//!
//! Tokio's names: [`read`], [`write`](fn@write), [`File`], [`OpenOptions`], [`read_dir`] and the
//! rest. A whole `read`/`write` call is one trip to the blocking pool; a [`File`] batches its writes
//! and flushes them in the background, and `flush().await` returns once the data has reached the OS.
//!
//! ```
//! # zokio::runtime::Runtime::new().unwrap().block_on(async {
//! let path = std::env::temp_dir().join(format!("zokio-fs-doc-{}", std::process::id()));
//! zokio::fs::write(&path, b"hello").await.unwrap();
//! assert_eq!(zokio::fs::read(&path).await.unwrap(), b"hello");
//! zokio::fs::remove_file(&path).await.unwrap();
//! # });
//! ```
pub use zokio_fs::*;
