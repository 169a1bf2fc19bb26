//! Multi-producer, single-consumer channels, bounded ([`channel`]) and unbounded
//! ([`unbounded_channel`]).
//!
//! Messages are received in the order they were sent by each producer. A closed channel still yields
//! every buffered message before `recv` returns `None`, and every failed send hands its value back.
//!
//! # Example
//!
//! ```
//! use zokio_sync::mpsc;
//!
//! # futures_lite::future::block_on(async {
//! // Bounded: `send` waits while the buffer is full, which slows fast producers down.
//! let (tx, mut rx) = mpsc::channel(2);
//! let producer = async move {
//!     for i in 0..5 {
//!         tx.send(i).await.unwrap();
//!     }
//! }; // `tx` is dropped here: the channel closes
//! let consumer = async {
//!     let mut got = Vec::new();
//!     while let Some(i) = rx.recv().await {
//!         got.push(i);
//!     }
//!     got
//! };
//! let ((), got) = futures_lite::future::zip(producer, consumer).await;
//! assert_eq!(got, [0, 1, 2, 3, 4]);
//!
//! // Unbounded: `send` never waits and is not async.
//! let (tx, mut rx) = mpsc::unbounded_channel();
//! tx.send("now").unwrap();
//! assert_eq!(rx.recv().await, Some("now"));
//! # });
//! ```

mod bounded;
mod chan;
pub mod error;
pub(crate) mod list;
mod unbounded;

pub use bounded::{OwnedPermit, Permit, PermitIterator, Receiver, Sender, WeakSender, channel};
pub use unbounded::{UnboundedReceiver, UnboundedSender, WeakUnboundedSender, unbounded_channel};
