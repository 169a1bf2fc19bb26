//! Wrappers that make zokio's types [`Stream`](crate::Stream)s.
//!
//! Each wrapper takes the zokio type by value, gives it back with `into_inner` (where the type
//! allows it) and lends it with `AsRef`/`AsMut`, as in `tokio-stream`. They are all `Unpin`.
//!
//! | wrapper | wraps | item | feature |
//! |---|---|---|---|
//! | [`ReceiverStream`] | `zokio::sync::mpsc::Receiver<T>` | `T` | always |
//! | [`UnboundedReceiverStream`] | `zokio::sync::mpsc::UnboundedReceiver<T>` | `T` | always |
//! | `BroadcastStream` | `zokio::sync::broadcast::Receiver<T>` | `Result<T, BroadcastStreamRecvError>` | `sync` |
//! | `WatchStream` | `zokio::sync::watch::Receiver<T>` | `T` | `sync` |
//! | `IntervalStream` | `zokio::time::Interval` | `zokio::time::Instant` | `time` |
//! | `SignalStream` | `zokio::signal::unix::Signal` | `()` | `signal` |
//! | `TcpListenerStream` | `zokio::net::TcpListener` | `io::Result<TcpStream>` | `net` |
//! | `UnixListenerStream` | `zokio::net::UnixListener` | `io::Result<UnixStream>` | `net` |
//! | `ReadDirStream` | `zokio::fs::ReadDir` | `io::Result<DirEntry>` | `fs` |
//! | `LinesStream` | `zokio::io::Lines<R>` | `io::Result<String>` | `io-util` |
//! | `SplitStream` | `zokio::io::Split<R>` | `io::Result<Vec<u8>>` | `io-util` |

mod mpsc;
pub use mpsc::{ReceiverStream, UnboundedReceiverStream};

#[cfg(feature = "sync")]
mod broadcast;
#[cfg(feature = "sync")]
pub use broadcast::BroadcastStream;

#[cfg(feature = "sync")]
mod watch;
#[cfg(feature = "sync")]
pub use watch::WatchStream;

#[cfg(feature = "time")]
mod interval;
#[cfg(feature = "time")]
pub use interval::IntervalStream;

#[cfg(feature = "signal")]
mod signal;
#[cfg(feature = "signal")]
pub use signal::SignalStream;

#[cfg(feature = "net")]
mod listener;
#[cfg(feature = "net")]
pub use listener::{TcpListenerStream, UnixListenerStream};

#[cfg(feature = "fs")]
mod read_dir;
#[cfg(feature = "fs")]
pub use read_dir::ReadDirStream;

#[cfg(feature = "io-util")]
mod io;
#[cfg(feature = "io-util")]
pub use io::{LinesStream, SplitStream};

/// The error types of the wrappers.
pub mod errors {
    #[cfg(feature = "sync")]
    pub use super::broadcast::BroadcastStreamRecvError;
}
