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
    ///
    /// ```
    /// use zokio_sync::RwLock;
    /// # futures_lite::future::block_on(async {
    /// let lock = RwLock::new(String::from("v1"));
    /// lock.write().await.push_str("+patch");
    /// assert_eq!(*lock.read().await, "v1+patch");
    /// # });
    /// ```
    pub fn new(value: T) -> RwLock<T> {
        RwLock::with_max_readers(value, MAX_READS)
    }

    /// A new lock allowing at most `max_readers` concurrent readers.
    ///
    /// # Panics
    ///
    /// If `max_readers` is zero or above `u32::MAX >> 3`.
    ///
    /// ```
    /// use zokio_sync::RwLock;
    /// # futures_lite::future::block_on(async {
    /// let lock = RwLock::with_max_readers((), 2);
    /// let _a = lock.read().await;
    /// let _b = lock.read().await;
    /// assert!(lock.try_read().is_err()); // a third reader must wait
    /// # });
    /// ```
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
    ///
    /// ```
    /// use zokio_sync::RwLock;
    ///
    /// static ROUTES: RwLock<Vec<&str>> = RwLock::const_new(Vec::new());
    /// # futures_lite::future::block_on(async {
    /// ROUTES.write().await.push("/health");
    /// assert_eq!(ROUTES.read().await.len(), 1);
    /// # });
    /// ```
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
    ///
    /// ```
    /// let lock = zokio_sync::RwLock::new(vec![3, 4]);
    /// assert_eq!(lock.into_inner(), [3, 4]);
    /// ```
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
    ///
    /// ```
    /// use futures_lite::future::poll_once;
    /// use zokio_sync::RwLock;
    ///
    /// # futures_lite::future::block_on(async {
    /// let lock = RwLock::new(0);
    /// let reader = lock.read().await;
    /// let mut writer = Box::pin(lock.write());
    /// assert!(poll_once(&mut writer).await.is_none()); // queued behind `reader`
    /// assert!(lock.try_read().is_err()); // later readers queue behind the writer
    /// drop(reader);
    /// *writer.await += 1;
    /// assert_eq!(*lock.read().await, 1);
    /// # });
    /// ```
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.acquire(1).await;
        self.read_guard()
    }

    /// Takes shared read access if available without waiting.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if a writer holds or waits for the lock.
    ///
    /// ```
    /// use zokio_sync::RwLock;
    /// let lock = RwLock::new(1);
    /// let r = lock.try_read().unwrap();
    /// assert_eq!(*lock.try_read().unwrap(), *r); // readers share
    /// drop(r);
    /// let _w = lock.try_write().unwrap();
    /// assert!(lock.try_read().is_err());
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.sem.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(self.read_guard())
    }

    /// Waits for exclusive write access.
    ///
    /// # Cancel safety
    ///
    /// Same as [`RwLock::read`].
    ///
    /// ```
    /// use zokio_sync::RwLock;
    /// # futures_lite::future::block_on(async {
    /// let lock = RwLock::new(vec![1]);
    /// let mut w = lock.write().await;
    /// w.push(2);
    /// assert!(lock.try_read().is_err()); // exclusive while `w` lives
    /// drop(w);
    /// assert_eq!(*lock.read().await, [1, 2]);
    /// # });
    /// ```
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
    ///
    /// ```
    /// use zokio_sync::RwLock;
    /// let lock = RwLock::new(0);
    /// let r = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_err()); // a reader holds it
    /// drop(r);
    /// *lock.try_write().unwrap() = 9;
    /// assert_eq!(*lock.try_read().unwrap(), 9);
    /// ```
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
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(zokio_sync::RwLock::new(5));
    /// let l = lock.clone();
    /// let seen = std::thread::spawn(move || *l.blocking_read()).join().unwrap();
    /// assert_eq!(seen, 5);
    /// ```
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        crate::blocking::block_on(self.read())
    }

    /// Write access from synchronous code, blocking the thread. Do not call it inside async code.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(zokio_sync::RwLock::new(0));
    /// let l = lock.clone();
    /// std::thread::spawn(move || *l.blocking_write() += 3).join().unwrap();
    /// assert_eq!(*lock.blocking_read(), 3);
    /// ```
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        crate::blocking::block_on(self.write())
    }

    /// Read access to a shared lock; the guard keeps the `Arc` alive.
    ///
    /// # Cancel safety
    ///
    /// Same as [`RwLock::read`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::RwLock;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let lock = Arc::new(RwLock::new("cfg"));
    /// let guard = lock.clone().read_owned().await;
    /// // `'static`, so it can move into a task.
    /// let len = zokio::spawn(async move { guard.len() }).await.unwrap();
    /// assert_eq!(len, 3);
    /// # });
    /// ```
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.acquire(1).await;
        OwnedRwLockReadGuard::new(self)
    }

    /// Read access to a shared lock without waiting.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if a writer holds or waits for the lock.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(zokio_sync::RwLock::new(1));
    /// let r = lock.clone().try_read_owned().unwrap();
    /// assert_eq!(*r, 1);
    /// let w = lock.clone().try_write_owned();
    /// assert!(w.is_err());
    /// drop(r);
    /// assert!(lock.try_write_owned().is_ok());
    /// ```
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        self.sem.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(OwnedRwLockReadGuard::new(self))
    }

    /// Write access to a shared lock; the guard keeps the `Arc` alive.
    ///
    /// # Cancel safety
    ///
    /// Same as [`RwLock::read`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::RwLock;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let lock = Arc::new(RwLock::new(0));
    /// let mut w = lock.clone().write_owned().await;
    /// zokio::spawn(async move { *w = 42 }).await.unwrap();
    /// assert_eq!(*lock.read().await, 42);
    /// # });
    /// ```
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.acquire(self.max_readers).await;
        OwnedRwLockWriteGuard { lock: self }
    }

    /// Write access to a shared lock without waiting.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if anyone holds or waits for the lock.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(zokio_sync::RwLock::new(0));
    /// let mut w = lock.clone().try_write_owned().unwrap();
    /// *w = 1;
    /// assert!(lock.clone().try_write_owned().is_err());
    /// drop(w);
    /// assert_eq!(*lock.try_read().unwrap(), 1);
    /// ```
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        self.sem
            .try_acquire(self.max_readers as usize)
            .map_err(|_| TryLockError(()))?;
        Ok(OwnedRwLockWriteGuard { lock: self })
    }

    /// Direct access through `&mut self`: no locking needed.
    ///
    /// ```
    /// let mut lock = zokio_sync::RwLock::new(1);
    /// *lock.get_mut() = 2; // `&mut self`: no guard can exist
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
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
