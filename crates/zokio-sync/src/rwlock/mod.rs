//! A fair, write-preferring async reader-writer lock on top of [`BatchSemaphore`].
//!
//! A reader takes one permit and a writer takes all `max_readers` of them. Because the semaphore is
//! FIFO and hands a queued request whatever permits come back until it is complete, a waiting writer
//! blocks every reader that arrives after it: the lock is write-preferring and nobody starves.
//!
//! The guards live in `guards` (borrowing the lock) and `owned` (holding an `Arc` of it); each
//! kind can be narrowed to part of the value with `map`/`try_map`, and a write guard can be turned
//! into a read guard without letting another writer in.
//!
//! Waiting is the semaphore's, which wakes and drops wakers outside its lock (see
//! [`crate::batch`]); the value is never touched under that lock.

mod guards;
mod owned;

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::batch::BatchSemaphore;
use crate::mutex::TryLockError;
use crate::semaphore::AcquireFuture;

pub use guards::{RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard};
pub use owned::{OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard};

/// The most readers an [`RwLock`] allows at once (`u32::MAX >> 3`).
const MAX_READS: u32 = u32::MAX >> 3;

/// An async reader-writer lock: many readers or one writer, served in FIFO order.
///
/// # Example
///
/// ```
/// use zokio_sync::RwLock;
///
/// # futures_lite::future::block_on(async {
/// let lock = RwLock::new(5);
/// {
///     let a = lock.read().await;
///     let b = lock.read().await;
///     assert_eq!(*a + *b, 10);
///     assert!(lock.try_write().is_err());
/// }
/// *lock.write().await += 1;
/// assert_eq!(*lock.read().await, 6);
/// # });
/// ```
pub struct RwLock<T: ?Sized> {
    max_readers: u32,
    sem: BatchSemaphore,
    data: UnsafeCell<T>,
}

// SAFETY: readers share `&T` across threads (needs `Sync`) and a writer may be on any thread with
// `&mut T` (needs `Send`), exactly like `std::sync::RwLock`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}
// SAFETY: owning the lock owns the `T`.
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}

impl<T> RwLock<T> {
    /// A new, unlocked lock allowing up to `u32::MAX >> 3` concurrent readers.
    pub fn new(value: T) -> RwLock<T> {
        RwLock::with_max_readers(value, MAX_READS)
    }

    /// A new lock allowing at most `max_readers` concurrent readers.
    ///
    /// # Panics
    ///
    /// If `max_readers` is zero or above `u32::MAX >> 3`.
    #[track_caller]
    pub fn with_max_readers(value: T, max_readers: u32) -> RwLock<T> {
        assert!(
            max_readers > 0 && max_readers <= MAX_READS,
            "an RwLock needs between 1 and {MAX_READS} readers, got {max_readers}"
        );
        RwLock {
            max_readers,
            sem: BatchSemaphore::new(max_readers as usize),
            data: UnsafeCell::new(value),
        }
    }

    /// A new, unlocked lock, usable in `static`s.
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> RwLock<T> {
        RwLock::const_with_max_readers(value, MAX_READS)
    }

    /// A new lock allowing at most `max_readers` concurrent readers, usable in `static`s.
    ///
    /// # Panics
    ///
    /// If `max_readers` is zero or above `u32::MAX >> 3` (at compile time in a `static`).
    ///
    /// ```
    /// use zokio_sync::RwLock;
    ///
    /// static CONFIG: RwLock<u32> = RwLock::const_with_max_readers(7, 2);
    /// # futures_lite::future::block_on(async {
    /// let (a, b) = (CONFIG.read().await, CONFIG.read().await);
    /// assert_eq!(*a + *b, 14);
    /// assert!(CONFIG.try_read().is_err(), "only two readers");
    /// # });
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_with_max_readers(value: T, max_readers: u32) -> RwLock<T> {
        assert!(
            max_readers > 0 && max_readers <= MAX_READS,
            "an RwLock needs between 1 and u32::MAX >> 3 readers"
        );
        RwLock {
            max_readers,
            sem: BatchSemaphore::const_new(max_readers as usize),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    async fn acquire(&self, permits: u32) {
        if AcquireFuture::new(&self.sem, permits as usize)
            .await
            .is_err()
        {
            unreachable!("rwlock semaphore closed");
        }
    }

    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard {
            sem: &self.sem,
            data: self.data.get(),
            _marker: PhantomData,
        }
    }

    /// Waits for shared read access. A reader that arrives while a writer waits queues behind it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in the sense of fairness: a dropped future leaves the queue and passes on anything
    /// it was granted.
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.acquire(1).await;
        self.read_guard()
    }

    /// Takes shared read access if available without waiting.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if a writer holds or waits for the lock.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.sem.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(self.read_guard())
    }

    /// Waits for exclusive write access.
    ///
    /// # Cancel safety
    ///
    /// Same as [`RwLock::read`].
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.acquire(self.max_readers).await;
        RwLockWriteGuard {
            lock: self,
            _marker: PhantomData,
        }
    }

    /// Takes exclusive write access if the lock is free.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if anyone holds or waits for the lock.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.sem
            .try_acquire(self.max_readers as usize)
            .map_err(|_| TryLockError(()))?;
        Ok(RwLockWriteGuard {
            lock: self,
            _marker: PhantomData,
        })
    }

    /// Read access from synchronous code, blocking the thread. Do not call it inside async code.
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        crate::blocking::block_on(self.read())
    }

    /// Write access from synchronous code, blocking the thread. Do not call it inside async code.
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        crate::blocking::block_on(self.write())
    }

    /// Read access to a shared lock; the guard keeps the `Arc` alive.
    ///
    /// # Cancel safety
    ///
    /// Same as [`RwLock::read`].
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.acquire(1).await;
        OwnedRwLockReadGuard::new(self)
    }

    /// Read access to a shared lock without waiting.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if a writer holds or waits for the lock.
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        self.sem.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(OwnedRwLockReadGuard::new(self))
    }

    /// Write access to a shared lock; the guard keeps the `Arc` alive.
    ///
    /// # Cancel safety
    ///
    /// Same as [`RwLock::read`].
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.acquire(self.max_readers).await;
        OwnedRwLockWriteGuard { lock: self }
    }

    /// Write access to a shared lock without waiting.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if anyone holds or waits for the lock.
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        self.sem
            .try_acquire(self.max_readers as usize)
            .map_err(|_| TryLockError(()))?;
        Ok(OwnedRwLockWriteGuard { lock: self })
    }

    /// Direct access through `&mut self`: no locking needed.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}
