//! zokio's I/O and timer driver (its own epoll on Linux and Android; kqueue through the [`polling`]
//! crate on macOS and the BSDs), with TCP, UDP and Unix-domain sockets, timers and Unix signals
//! built on it.
//!
//! # Structure
//!
//! A [`Reactor`] owns one poller, the registered sources, a hierarchical timer wheel and a
//! clock. It implements [`zokio_coop::driver::Driver`]: a scheduler thread with nothing to run parks on it,
//! and the park waits for I/O events or the next timer, whichever comes first. A [`Handle`] is the
//! shareable side; the runtime [enters](Handle::enter) it on each of its threads, and every socket,
//! timer and signal listener created on such a thread registers with that reactor.
//!
//! # Design notes
//!
//! - **Readiness per direction, edge-triggered.** Each descriptor is added once, edge-triggered, for
//!   both directions; the reactor remembers readiness per direction and a direction stays ready until
//!   an operation returns `WouldBlock`. This costs one `epoll_ctl` per descriptor lifetime, where
//!   oneshot mode costs one per wait. Details, and how the classic race between `WouldBlock` and a
//!   new event is closed with a per-source tick, are in the `io::source` module (private; its
//!   behaviour is pinned by tests).
//! - **Wakers outside locks.** A park collects wakers into a buffer and wakes them after releasing every
//!   lock, and a waker that is replaced or removed is dropped only after the unlock, so a waker whose
//!   `wake` or `Drop` re-enters the reactor cannot deadlock (details in the `driver` module).
//! - **Bounded work per tick.** At most [`ReactorConfig::events_per_tick`] events are handled per
//!   park; the rest stay in the kernel for the next one, so task polls and I/O interleave.
//! - **No busy loop.** With nothing to do a park blocks in the kernel without a timeout; a timer
//!   sets the timeout; other threads interrupt it through a wake-up descriptor (an eventfd on Linux,
//!   `polling`'s notify elsewhere), written at most once per park.
//! - **One syscall per park on Linux.** The reactor owns its epoll instance (the `selector`
//!   module): one `epoll_wait` per park with the wheel's millisecond timeout, where `polling`'s
//!   `wait` re-arms a timerfd and its notifier around every call, and registration asks for the
//!   peer's half-close (`EPOLLRDHUP`), which `polling` does not. Elsewhere `polling` is used
//!   through its public API only.
//! - **No lock on a park.** An event names its source by address, so dispatching it is a pointer
//!   dereference, not a lookup under the registry's lock; a deregistered source is kept alive until
//!   the next park begins, after which no event can name it (see `Inner::deregister`).
//! - **Cooperative budget.** Every I/O operation, readiness poll, timer poll (an elapsed `Sleep`
//!   included) and signal delivery spends a unit of [`zokio_coop`]'s budget, where Tokio spends
//!   one, so a task looping over an always-ready socket or timer still yields.
//! - **Both I/O trait families.** The stream sockets and their halves implement Tokio's
//!   `AsyncRead`/`AsyncWrite` (from the `tokio` crate with `io-util` only, no runtime) and the
//!   futures-io ones, through one crate-private poll method per operation that both call; reads go
//!   straight into a `ReadBuf`'s uninitialised space with `recv(2)`.
//! - **Timers** live in a 6-level, 64-slot wheel at 1 ms resolution (O(1) insert and cancel), see
//!   [`time`]. A timer earlier than the one a park waits for interrupts the park at once.
//!
//! # Example
//!
//! ```
//! use zokio::io::{AsyncReadExt, AsyncWriteExt};
//! use zokio_reactor::net::{TcpListener, TcpStream};
//! use zokio_reactor::{Reactor, ReactorConfig};
//!
//! let mut reactor = Reactor::new(ReactorConfig::default()).unwrap();
//! reactor.block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
//!     let (mut server, _) = listener.accept().await.unwrap();
//!     client.write_all(b"ping").await.unwrap();
//!     let mut buf = [0; 4];
//!     server.read_exact(&mut buf).await.unwrap();
//!     assert_eq!(&buf, b"ping");
//! });
//! ```
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod block_on;
mod driver;
mod handle;
pub mod io;
mod loom;
#[cfg(all(test, loom))]
mod loom_tests;
pub mod net;
mod selector;
pub mod signal;
pub mod time;

pub use driver::{Reactor, ReactorConfig};
pub use handle::{Blocking, EnterGuard, Handle};

/// The error of an I/O operation on a resource whose reactor has shut down.
#[derive(Debug)]
struct ShutDown;

impl std::fmt::Display for ShutDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the reactor has shut down: its runtime was dropped or shut down")
    }
}

impl std::error::Error for ShutDown {}

/// The `io::Error` every operation returns once its reactor has shut down.
pub(crate) fn shutdown_error() -> std::io::Error {
    std::io::Error::other(ShutDown)
}

/// Whether `error` says that the I/O resource's reactor (its runtime) has shut down: the error of
/// every operation on a socket, pipe or descriptor whose runtime is gone.
///
/// ```
/// let error = std::io::Error::other("something else");
/// assert!(!zokio_reactor::is_shutdown_error(&error));
/// ```
pub fn is_shutdown_error(error: &std::io::Error) -> bool {
    error.get_ref().is_some_and(|inner| inner.is::<ShutDown>())
}
pub use io::Async;
