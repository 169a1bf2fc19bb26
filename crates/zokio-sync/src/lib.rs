//! Runtime-agnostic async synchronisation primitives with Tokio's API.
//!
//! Everything here works on any executor (zokio, Tokio, smol, `block_on`): the primitives only use
//! wakers. Under a zokio scheduler each operation also spends the task's cooperative budget (through
//! [`zokio_coop`]), so a task looping over a ready channel still yields; elsewhere that is a no-op.
//!
//! # Design
//!
//! * **Waiter lists.** Every primitive that parks tasks keeps them in a FIFO list of slab-allocated
//!   nodes under a short `std` mutex, with the fast paths (a free permit, nobody waiting) done by a
//!   single atomic operation that never locks. We chose this over `event-listener` because the
//!   semaphore needs strict FIFO hand-off of *several* permits to one waiter (that is what makes
//!   `Mutex` and `RwLock` fair and write-preferring), which `event-listener`'s notify-then-retry
//!   model does not give, and a retry after every wake costs a second round trip under contention.
//!   Slab slots are reused, so waiting does not allocate in steady state.
//! * **Locks on a semaphore.** [`Mutex`] is a semaphore with one permit, [`RwLock`] one with
//!   `max_readers` permits where a writer takes them all.
//! * **Channels.** [`mpsc`] moves messages through a lock-free queue and bounds it with the fair
//!   semaphore; [`oneshot`] is a lock-free four-flag state machine; [`broadcast`] is a ring of slots;
//!   [`watch`] is a versioned `RwLock` plus a [`Notify`].
//!
//! # Locks and user code
//!
//! No primitive runs code it does not own while it holds one of its internal locks: wakers are
//! woken, and dropped, only after the lock is released, and so are the values of type `T` a
//! primitive drops. So a waker's `wake` or `Drop`, or a message's `Drop`, may use the very
//! primitive it belongs to (send on the channel, release the permit, notify) without deadlocking
//! the thread. The techniques, used throughout:
//!
//! * wakers to wake are collected under the lock into a small stack buffer (or taken out one by
//!   one) and woken after it;
//! * a stored waker that a newer poll replaces, and a queued node (with its waker) that a
//!   cancelled wait removes, are moved out under the lock and dropped after it;
//! * values are taken out under the lock and dropped after it.
//!
//! Each module says how it applies this. Three pieces of user code do run under a lock, on
//! purpose and as in Tokio, and must not use the same channel: the closure of
//! [`watch::Sender::send_modify`] (and `send_if_modified`), the predicate of
//! [`watch::Receiver::wait_for`] (both under the value's lock), and `T::clone` in
//! [`broadcast`] receives (under the lock of the value's slot). Wakers are *cloned* under
//! locks; a `Waker::clone` must not re-enter the primitive.
//!
//! # Cancellation
//!
//! Every async method documents its cancel safety. Dropping a waiting `lock()`, `acquire()` or
//! `recv()` future never loses anything: the waiter leaves its queue, and anything it had already
//! been granted (permits, a `notify_one`) passes to the next waiter.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use zokio_sync::{Mutex, mpsc};
//!
//! # futures_lite::future::block_on(async {
//! let total = Arc::new(Mutex::new(0));
//! let (tx, mut rx) = mpsc::channel(16);
//! for i in 1..=3 {
//!     tx.send(i).await.unwrap();
//! }
//! drop(tx);
//! while let Some(i) = rx.recv().await {
//!     *total.lock().await += i;
//! }
//! assert_eq!(*total.lock().await, 6);
//! # });
//! ```
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod atomic_waker;
mod barrier;
mod batch;
mod blocking;
mod coop;
mod loom;
#[cfg(all(test, loom))]
mod loom_locks;
#[cfg(all(test, loom))]
mod loom_mpsc_list;
#[cfg(all(test, loom))]
mod loom_set_once;
#[cfg(all(test, loom))]
mod loom_tests;
mod macros;
mod mutex;
mod notify;
mod once_cell;
mod private;
mod rwlock;
mod semaphore;
mod set_once;
mod waiters;

pub mod mpsc;
#[doc(hidden)]
pub mod __private {
    //! Items the exported macros expand to. Not public API.
    pub use crate::private::*;
}
pub mod broadcast;
pub mod futures {
    //! Named future types, at the paths Tokio uses (`tokio::sync::futures::Notified`).
    //!
    //! ```
    //! use std::sync::Arc;
    //! use zokio_sync::Notify;
    //! use zokio_sync::futures::{Notified, OwnedNotified};
    //!
    //! // The names let a struct hold a pending wait.
    //! struct Waiting {
    //!     wait: OwnedNotified,
    //! }
    //! # futures_lite::future::block_on(async {
    //! let notify = Arc::new(Notify::new());
    //! let waiting = Waiting { wait: notify.clone().notified_owned() };
    //! let borrowed: Notified<'_> = notify.notified();
    //! notify.notify_waiters(); // both were created before this call
    //! waiting.wait.await;
    //! borrowed.await;
    //! # });
    //! ```
    pub use crate::notify::{Notified, OwnedNotified};
}
pub mod oneshot;
pub mod time;
pub mod watch;

pub use barrier::{Barrier, BarrierWaitResult};
pub use mutex::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
pub use notify::{Notified, Notify};
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};
pub use set_once::{SetOnce, SetOnceError};
