//! [`WeakSender`]: a sender handle that does not keep the channel open.

use std::fmt;

use super::{Sender, Shared};
use crate::loom::{Arc, Ordering};

/// A sender that does not keep the channel open; see [`Sender::downgrade`].
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
    pub fn strong_count(&self) -> usize {
        self.shared.tx_count.load(Ordering::Acquire)
    }

    /// Number of weak senders.
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
