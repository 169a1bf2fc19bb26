//! # zokio-stream
//!
//! Stream utilities for [zokio](https://docs.rs/zokio), with the names of `tokio-stream`: the
//! [`StreamExt`] combinators, the [`iter`], [`once`], [`empty`] and [`pending`] sources,
//! [`StreamMap`], [`StreamNotifyClose`], and [`wrappers`] that turn zokio's channels, intervals,
//! signals, listeners and directory listings into [`Stream`]s.
//!
//! [`Stream`] is the `futures_core` trait, so everything here also works with
//! `futures::StreamExt` and with any library that takes a `futures` stream; and any `futures`
//! stream gets [`StreamExt`]'s methods. When both extension traits are in scope, calls such as
//! `.next()` are ambiguous: import one of them, or call it as `StreamExt::next(&mut stream)`.
//!
//! ```
//! use zokio_stream::{self as stream, StreamExt};
//!
//! # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let doubled: Vec<i32> = stream::iter(1..=5)
//!     .filter(|n| n % 2 == 1)
//!     .map(|n| n * 2)
//!     .collect()
//!     .await;
//! assert_eq!(doubled, [2, 6, 10]);
//! # });
//! ```
//!
//! # Features
//!
//! As in `tokio-stream`, only `time` is on by default:
//!
//! | feature | adds | needs |
//! |---|---|---|
//! | `time` (default) | `StreamExt::{timeout, timeout_repeating, throttle, chunks_timeout}`, `wrappers::IntervalStream` | `zokio-reactor` |
//! | `sync` | `wrappers::BroadcastStream`, `wrappers::WatchStream` | (nothing more) |
//! | `net` | `wrappers::TcpListenerStream`, `wrappers::UnixListenerStream` | `zokio-reactor` |
//! | `signal` | `wrappers::SignalStream` | `zokio-reactor` |
//! | `fs` | `wrappers::ReadDirStream` | `zokio-fs` |
//! | `io-util` | `wrappers::LinesStream`, `wrappers::SplitStream` | `tokio` with `io-util` only |
//! | `full` | all of the above | |
//!
//! `wrappers::ReceiverStream` and `wrappers::UnboundedReceiverStream` are always available.
//!
//! # Layering
//!
//! This crate depends on zokio's component crates, not on the `zokio` facade: `zokio-sync` for the
//! channels, `zokio-reactor` for timers, sockets and signals, `zokio-fs` for directories. The facade
//! re-exports exactly those types (`zokio::time::Interval` *is* `zokio_reactor::time::Interval`,
//! `zokio::sync::mpsc::Receiver` *is* `zokio_sync::mpsc::Receiver`, and so on), so the wrappers take
//! what a zokio program already has, and a program adds `zokio-stream` next to `zokio` the way a
//! Tokio program adds `tokio-stream` next to `tokio`.
//!
//! The time combinators run on the reactor's timer wheel: like `zokio::time::sleep`, they must be
//! created and polled inside a zokio runtime with the time driver enabled (or inside a
//! `zokio_reactor::Reactor`), and they honour paused time (`zokio::time::pause`,
//! `#[zokio::test(start_paused = true)]`). Everything else runs under any executor.
//!
//! # Differences from `tokio-stream`
//!
//! - The wrappers of `broadcast` and `watch` receivers keep one boxed future per stream, reused for
//!   every item (zokio-sync offers no public `poll_*` method for them); the others call the wrapped
//!   type's `poll_*` method directly.
//! - [`iter`] spends zokio's cooperative budget per item inside a zokio task, and yields every 32
//!   items elsewhere.
//! - There is no `JoinSetStream` and no Windows signal stream.
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]
#![forbid(unsafe_code)]

#[cfg(feature = "sync")]
mod reusable;
mod sources;
mod stream_close;
mod stream_ext;
mod stream_map;
pub mod wrappers;

pub use sources::{Empty, Iter, Once, Pending, empty, iter, once, pending};
pub use stream_close::StreamNotifyClose;
#[cfg(feature = "time")]
pub use stream_ext::time::Elapsed;
pub use stream_ext::{FromStream, StreamExt};
pub use stream_map::StreamMap;

#[doc(no_inline)]
pub use futures_core::Stream;

/// The streams that [`StreamExt`]'s methods return.
pub mod adapters {
    #[cfg(feature = "time")]
    pub use crate::stream_ext::time::{ChunksTimeout, Throttle, Timeout, TimeoutRepeating};
    pub use crate::stream_ext::{
        Chain, Filter, FilterMap, Fuse, Map, MapWhile, Merge, Peekable, Skip, SkipWhile, Take,
        TakeWhile, Then,
    };
}
