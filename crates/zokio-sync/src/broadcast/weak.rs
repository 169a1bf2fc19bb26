//! [`WeakSender`]: a sender handle that does not keep the channel open.

use std::fmt;

use super::{Sender, Shared};
use crate::loom::{Arc, Ordering};

/// A sender that does not keep the channel open; see [`Sender::downgrade`].
///
/// ```
/// use zokio_sync::broadcast;
/// # futures_lite::future::block_on(async {
/// let (tx, mut rx) = broadcast::channel::<u32>(4);
/// let weak = tx.downgrade();
/// drop(tx); // the weak handle does not keep the channel open
/// assert_eq!(rx.recv().await, Err(broadcast::error::RecvError::Closed));
/// assert!(weak.upgrade().is_none());
/// # });
/// ```
pub struct WeakSender<T> {
    pub(super) shared: Arc<Shared<T>>,
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::WeakSender")
            .finish_non_exhaustive()
    }
}

impl<T> WeakSender<T> {
    /// A strong [`Sender`] if any is still alive. Once the last one is gone the channel is closed
    /// for good and this returns `None`.
    ///
    /// # Example
    ///
    /// ```
    /// use zokio_sync::broadcast;
    ///
    /// let (tx, _rx) = broadcast::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut count = self.shared.tx_count.load(Ordering::Relaxed);
        loop {
            if count == 0 {
                return None;
            }
            match self.shared.tx_count.compare_exchange_weak(
                count,
                count + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return Some(Sender {
                        shared: self.shared.clone(),
                    });
                }
                Err(actual) => count = actual,
            }
        }
    }

    /// Number of strong senders.
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, _rx) = broadcast::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// let tx2 = tx.clone();
    /// assert_eq!(weak.strong_count(), 2);
    /// drop((tx, tx2));
    /// assert_eq!(weak.strong_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.tx_count.load(Ordering::Acquire)
    }

    /// Number of weak senders.
    ///
    /// ```
    /// use zokio_sync::broadcast;
    /// let (tx, _rx) = broadcast::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// let weak2 = weak.clone();
    /// assert_eq!(weak.weak_count(), 2);
    /// drop(weak2);
    /// assert_eq!(weak.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.weak_count.load(Ordering::Acquire)
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.shared.weak_count.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.shared.weak_count.fetch_sub(1, Ordering::Relaxed);
    }
}
