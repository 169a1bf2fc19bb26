//! # zokio
//!
//! A multi-threaded async runtime with Tokio's API: a work-stealing scheduler, async I/O on
//! epoll/kqueue, a timer wheel, tasks with Tokio's semantics and runtime-agnostic sync primitives.
//! Switching from Tokio is mostly a rename of `tokio` to `zokio` for the common surface; I/O uses
//! Tokio's own `AsyncRead`/`AsyncWrite` traits (with no Tokio runtime), and the futures-io ones too
//! (see [`io`]).
//!
//! ```
//! use zokio::io::{AsyncReadExt, AsyncWriteExt};
//! use zokio::net::{TcpListener, TcpStream};
//!
//! #[zokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let server = zokio::spawn(async move {
//!         let (mut socket, _) = listener.accept().await?;
//!         let mut buf = [0u8; 5];
//!         socket.read_exact(&mut buf).await?;
//!         socket.write_all(&buf).await?;
//!         std::io::Result::Ok(())
//!     });
//!     let mut client = TcpStream::connect(addr).await?;
//!     client.write_all(b"hello").await?;
//!     let mut echo = [0u8; 5];
//!     client.read_exact(&mut echo).await?;
//!     assert_eq!(&echo, b"hello");
//!     server.await??;
//!     Ok(())
//! }
//! ```
//!
//! The crates behind the facade can be used on their own: `zokio-sync` (primitives that run on any
//! executor), `zokio-task`, `zokio-sched` (schedulers, and the trait to plug in your own) and
//! `zokio-reactor` (the I/O driver).
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

pub mod fs;
pub mod io;
pub mod net;
pub mod process;
pub mod runtime;
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

pub use task::spawn;
pub use zokio_macros::{main, test};
pub use zokio_sync::{join, pin, select, try_join};

#[doc(hidden)]
pub mod __private {
    //! Items the macros expand to. Not public API.
    pub use zokio_sync;
}
