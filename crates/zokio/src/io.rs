//! Asynchronous I/O: Tokio's traits and helpers, and the process's standard streams.
//!
//! This module mirrors `tokio::io`. The traits ([`AsyncRead`], [`AsyncWrite`], [`AsyncBufRead`],
//! [`AsyncSeek`]), their extension traits ([`AsyncReadExt`] with `read_u32`, `read_buf`, ...;
//! [`AsyncWriteExt`] with `write_all`, `shutdown`, ...), [`ReadBuf`] and the helpers ([`copy`],
//! [`copy_bidirectional`], [`duplex`], [`split`], [`BufReader`], [`empty`], ...) *are* Tokio's, from
//! the `tokio` crate built with its `io-util` feature only: no Tokio runtime is compiled into the
//! library or ever started. So libraries written against `tokio::io` (tokio-util's codecs, hyper-util's
//! `TokioIo`, tokio-rustls, ...) work on zokio's sockets, files and pipes with no glue.
//!
//! Every zokio I/O type ([`TcpStream`](crate::net::TcpStream) and
//! [`UnixStream`](crate::net::UnixStream) and their halves, [`File`](crate::fs::File), the
//! [process pipes](crate::process::ChildStdin), [`Stdin`], [`Stdout`], [`Stderr`]) implements these
//! traits, and the [`futures-io`](futures_io) ones as well (see [`futures`] below).
//!
//! ```
//! use zokio::io::{AsyncReadExt, AsyncWriteExt};
//! use zokio::net::{TcpListener, TcpStream};
//!
//! # zokio::runtime::Runtime::new().unwrap().block_on(async {
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let mut client = TcpStream::connect(listener.local_addr()?).await?;
//! let (mut server, _) = listener.accept().await?;
//! client.write_u32(7).await?;
//! client.write_all(b"hello").await?;
//! client.shutdown().await?; // half-close: the server sees end of file after the data
//! assert_eq!(server.read_u32().await?, 7);
//! let mut rest = String::new();
//! server.read_to_string(&mut rest).await?;
//! assert_eq!(rest, "hello");
//! # std::io::Result::Ok(()) }).unwrap();
//! ```
//!
//! # Cooperative scheduling
//!
//! zokio's own types spend a unit of zokio's cooperative budget on each read, write or seek (the
//! same unit whichever trait family the call comes through), so a task looping over an always-ready
//! socket still yields to others. Tokio's helpers re-exported here ([`duplex`], [`simplex`],
//! [`copy`], [`BufReader`], [`empty`], [`repeat`], ...) come from a `tokio` built without its `rt`
//! feature, where Tokio's own budget is compiled out: an in-memory [`DuplexStream`], [`empty`] or
//! [`repeat`] never makes its task yield by itself. A loop over such an always-ready type alone
//! should call [`task::yield_now`](crate::task::yield_now) now and then; a copy between zokio
//! sockets yields through the sockets.
//!
//! # The futures-io traits
//!
//! The [`futures`] module has the `futures-io` family for the futures ecosystem
//! (asynchronous-codec, `futures::io`, smol's crates): the traits themselves and
//! [`futures-lite`](futures_lite)'s extension traits and helpers.
//!
//! **Migrating from earlier zokio**, where `zokio::io::{AsyncReadExt, AsyncWriteExt, ...}` were
//! futures-lite's: most code compiles unchanged against Tokio's (`read`, `read_exact`,
//! `read_to_end`, `read_to_string`, `write`, `write_all`, `flush`, `seek` have the same names and
//! shapes). What changes: `close()` is now [`shutdown()`](AsyncWriteExt::shutdown); `copy` takes
//! `&mut` reader and writer; `BufReader::lines()` gives [`Lines`] with `next_line().await` instead of
//! a `Stream`; generic code bounded on `zokio::io::AsyncRead` now means Tokio's trait. To keep the
//! futures-lite behaviour instead, import from [`zokio::io::futures`](futures). Do not import both
//! families' extension traits in one scope: a method such as `read` would then be ambiguous.

cfg_io_std! {
    mod blocking;
    mod stdio;
    pub use stdio::{Stderr, Stdin, Stdout, stderr, stdin, stdout};
}

pub use std::io::{Error, ErrorKind, Result, SeekFrom};
pub use tokio::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

cfg_io_util! {
    pub use tokio::io::{
        AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader, BufStream, BufWriter,
        Chain, DuplexStream, Empty, Join, Lines, ReadHalf, Repeat, SimplexStream, Sink, Split, Take,
        WriteHalf, copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf, duplex, empty,
        join, repeat, simplex, sink, split,
    };

    /// The [`futures-io`](futures_io) family: its traits, and futures-lite's extension traits and
    /// helpers (`AsyncReadExt`, `AsyncWriteExt::close`, `BufReader`, `copy`, `Cursor`, ...).
    ///
    /// zokio's I/O types implement these traits as well as Tokio's, for the futures ecosystem.
    /// Import from here *or* from [`zokio::io`](crate::io), not both in one scope.
    ///
    /// ```
    /// use zokio::io::futures::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (mut a, mut b) = zokio::net::UnixStream::pair()?;
    /// a.write_all(b"via futures-io").await?;
    /// a.close().await?;
    /// let mut got = String::new();
    /// b.read_to_string(&mut got).await?;
    /// assert_eq!(got, "via futures-io");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub mod futures {
        pub use futures_lite::io::*;
    }
}

cfg_net! {
    /// Wraps any file descriptor (a pipe, an eventfd, a serial port...) for readiness-based async
    /// I/O.
    pub use zokio_reactor::Async;
    pub use zokio_reactor::io::unix;
}

cfg_io_driver! {
    pub use zokio_reactor::io::{Interest, Ready};
}
