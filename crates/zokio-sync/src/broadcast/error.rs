//! Error types of the broadcast channel.

use std::fmt;

/// No receiver exists; holds the value that could not be sent.
///
/// ```
/// use zokio_sync::broadcast;
/// let (tx, rx) = broadcast::channel(4);
/// drop(rx);
/// let err = tx.send("ping").unwrap_err();
/// assert_eq!(err.0, "ping"); // nobody listening: the value comes back
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Why `recv` returned no value.
///
/// ```
/// use zokio_sync::broadcast::{self, error::RecvError};
/// # futures_lite::future::block_on(async {
/// let (tx, mut rx) = broadcast::channel(2);
/// for i in 1..=3 {
///     tx.send(i).unwrap(); // 3 overwrites 1 in the 2-slot ring
/// }
/// assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
/// assert_eq!(rx.recv().await, Ok(2)); // continues with the oldest value held
/// assert_eq!(rx.recv().await, Ok(3));
/// drop(tx);
/// assert_eq!(rx.recv().await, Err(RecvError::Closed));
/// # });
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum RecvError {
    /// Every sender is gone and every value was received.
    Closed,
    /// The receiver fell behind and this many values were skipped; the next `recv` continues with
    /// the oldest value still in the channel.
    Lagged(u64),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str("channel closed"),
            RecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
        }
    }
}

impl std::error::Error for RecvError {}

/// Why `try_recv` returned no value.
///
/// ```
/// use zokio_sync::broadcast::{self, error::TryRecvError};
/// let (tx, mut rx) = broadcast::channel(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// tx.send('a').unwrap();
/// tx.send('b').unwrap(); // overwrites 'a'
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
/// assert_eq!(rx.try_recv(), Ok('b'));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecvError {
    /// Nothing new yet.
    Empty,
    /// Every sender is gone and every value was received.
    Closed,
    /// The receiver fell behind by this many values (see [`RecvError::Lagged`]).
    Lagged(u64),
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("channel empty"),
            TryRecvError::Closed => f.write_str("channel closed"),
            TryRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
        }
    }
}

impl std::error::Error for TryRecvError {}
