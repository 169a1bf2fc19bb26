//! Multi-producer, single-consumer channels, bounded ([`channel`]) and unbounded
//! ([`unbounded_channel`]).
//!
//! Messages are received in the order they were sent by each producer. A closed channel still yields
//! every buffered message before `recv` returns `None`, and every failed send hands its value back.

mod bounded;
mod chan;
pub mod error;
pub(crate) mod list;
mod unbounded;

pub use bounded::{OwnedPermit, Permit, PermitIterator, Receiver, Sender, WeakSender, channel};
pub use unbounded::{UnboundedReceiver, UnboundedSender, WeakUnboundedSender, unbounded_channel};
