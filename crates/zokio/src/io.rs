//! Asynchronous I/O traits and helpers.
//!
//! zokio's sockets, pipes and files implement the [`futures-io`] traits, so the whole futures
//! ecosystem works with them. The extension traits (`read`, `write_all`, `read_to_end`, ...) and
//! buffering adapters come from [`futures-lite`].
//!
//! ```
//! use zokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # zokio::runtime::Runtime::new().unwrap().block_on(async {
//! let mut input: &[u8] = b"hello";
//! let mut output = Vec::new();
//! let mut buf = [0u8; 5];
//! input.read_exact(&mut buf).await.unwrap();
//! output.write_all(&buf).await.unwrap();
//! assert_eq!(output, b"hello");
//! # });
//! ```
//!
//! [`futures-io`]: https://docs.rs/futures-io
//! [`futures-lite`]: https://docs.rs/futures-lite

pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
pub use futures_lite::io::{
    AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader, BufWriter, Cursor,
    Empty, ReadHalf, Repeat, Sink, WriteHalf, copy, empty, repeat, sink, split,
};
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
/// Wraps any file descriptor (a pipe, an eventfd, a serial port...) for readiness-based async I/O.
pub use zokio_reactor::Async;
