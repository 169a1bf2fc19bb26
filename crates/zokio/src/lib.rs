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
//!
//! # Features
//!
//! The items are behind Cargo features with Tokio's names: `rt`, `rt-multi-thread`, `net`, `time`,
//! `fs`, `process`, `signal`, `sync`, `macros`, `io-util`, `io-std` and `test-util`, and `full` for all
//! but `test-util`. Unlike Tokio's, the default is `full`: a library should depend on zokio with
//! `default-features = false` and the features it uses. The README's "Features" section says what
//! each one turns on.
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[macro_use]
mod macros;

pub mod io;

cfg_fs! {
    pub mod fs;
}

cfg_net! {
    pub mod net;
}

cfg_process! {
    pub mod process;
}

cfg_rt! {
    pub mod runtime;
    pub mod task;
    pub use task::spawn;
}

cfg_signal! {
    pub mod signal;
}

cfg_sync! {
    pub mod sync;
}

cfg_time! {
    pub mod time;
}

cfg_macros! {
    pub use zokio_macros::{main, test};
    pub use zokio_sync::{join, select, try_join};

    /// Items the macros expand to. Not public API.
    #[doc(hidden)]
    pub mod __private {
        pub use zokio_sync;
    }
}
