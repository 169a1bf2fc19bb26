//! A fair async mutex: a [`BatchSemaphore`] with one permit guarding an `UnsafeCell`.
//!
//! Waiting is the semaphore's, which wakes and drops wakers outside its lock (see
//! [`crate::batch`]); the value is never touched under that lock.

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::batch::BatchSemaphore;
use crate::semaphore::AcquireFuture;

/// An async mutual-exclusion lock whose waiters get the lock in FIFO order.
///
/// Unlike `std::sync::Mutex`, the guard may be held across `.await`: waiting tasks are parked, not
/// their threads. Prefer the standard mutex for short critical sections that never await; it is
/// cheaper.
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use zokio_sync::Mutex;
///
/// # futures_lite::future::block_on(async {
/// let counter = Arc::new(Mutex::new(0));
/// *counter.lock().await += 1;
/// let mut guard = counter.try_lock().unwrap();
/// *guard += 1;
/// assert_eq!(*guard, 2);
/// # });
/// ```
pub struct Mutex<T: ?Sized> {
    sem: BatchSemaphore,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands out `&mut T` to one holder at a time (the semaphore has a single permit),
// so sharing it across threads only needs `T: Send`, exactly like `std::sync::Mutex`.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// SAFETY: owning the mutex owns the `T`.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}

/// The lock was held by someone else; returned by the `try_*` methods of [`Mutex`] and
/// [`RwLock`](crate::RwLock).
///
/// ```
/// use zokio_sync::{Mutex, TryLockError};
///
/// let m = Mutex::new(());
/// let _held = m.try_lock().unwrap();
/// let err: TryLockError = m.try_lock().unwrap_err();
/// assert_eq!(err.to_string(), "operation would block");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryLockError(pub(crate) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}

impl<T> Mutex<T> {
    /// A new, unlocked mutex.
    ///
    /// ```
    /// use zokio_sync::Mutex;
    ///
    /// # futures_lite::future::block_on(async {
    /// let names = Mutex::new(vec!["a"]);
    /// names.lock().await.push("b");
    /// assert_eq!(*names.lock().await, ["a", "b"]);
    /// # });
    /// ```
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            sem: BatchSemaphore::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// A new, unlocked mutex, usable in `static`s.
    ///
    /// ```
    /// static NAMES: zokio_sync::Mutex<Vec<String>> = zokio_sync::Mutex::const_new(Vec::new());
    /// assert!(NAMES.try_lock().unwrap().is_empty());
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> Mutex<T> {
        Mutex {
            sem: BatchSemaphore::const_new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the mutex and returns the value.
    ///
    /// ```
    /// let m = zokio_sync::Mutex::new(String::from("done"));
    /// assert_eq!(m.into_inner(), "done");
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock. Waiters are served in the order they started waiting.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in the sense of fairness: a dropped `lock()` future leaves the queue, and if the lock
    /// was already handed to it, the lock passes to the next waiter. Calling again queues at the back.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::Mutex;
    ///
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let guard = log.lock().await;
    /// // While `guard` is held, the task's `lock()` waits.
    /// let task = zokio::spawn({
    ///     let log = log.clone();
    ///     async move { log.lock().await.push("task") }
    /// });
    /// drop(guard);
    /// task.await.unwrap();
    /// assert_eq!(*log.lock().await, ["task"]);
    /// # });
    /// ```
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        self.acquire().await;
        MutexGuard {
            lock: self,
            _not_sync: PhantomData,
        }
    }

    async fn acquire(&self) {
        if AcquireFuture::new(&self.sem, 1).await.is_err() {
            // The mutex's semaphore is never closed.
            unreachable!("mutex semaphore closed");
        }
    }

    /// Takes the lock if it is free and nobody is waiting.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held or queued for.
    ///
    /// ```
    /// let m = zokio_sync::Mutex::new(1);
    /// let guard = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_err()); // held
    /// drop(guard);
    /// assert_eq!(*m.try_lock().unwrap(), 1);
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire(1) {
            Ok(()) => Ok(MutexGuard {
                lock: self,
                _not_sync: PhantomData,
            }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Takes the lock from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// Never on its own, but calling it inside an async task blocks that task's worker thread and can
    /// deadlock; use it only outside async code.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::Mutex;
    ///
    /// let hits = Arc::new(Mutex::new(0));
    /// let worker = std::thread::spawn({
    ///     let hits = hits.clone();
    ///     move || *hits.blocking_lock() += 1
    /// });
    /// worker.join().unwrap();
    /// assert_eq!(*hits.blocking_lock(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        crate::blocking::block_on(self.lock())
    }

    /// Waits for the lock of a shared mutex; the guard keeps the `Arc` alive (so it is `'static`).
    ///
    /// # Cancel safety
    ///
    /// Same as [`Mutex::lock`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{Mutex, OwnedMutexGuard};
    ///
    /// # futures_lite::future::block_on(async {
    /// let shared = Arc::new(Mutex::new(0));
    /// // The guard owns a clone of the `Arc`, so it can outlive this scope or move into a task.
    /// let mut guard: OwnedMutexGuard<i32> = shared.clone().lock_owned().await;
    /// *guard = 5;
    /// drop(guard);
    /// assert_eq!(*shared.lock().await, 5);
    /// # });
    /// ```
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        self.acquire().await;
        OwnedMutexGuard {
            lock: self,
            _not_sync: PhantomData,
        }
    }

    /// Takes the lock of a shared mutex without waiting.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held or queued for.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let shared = Arc::new(zokio_sync::Mutex::new('x'));
    /// let guard = shared.clone().try_lock_owned().unwrap();
    /// assert!(shared.clone().try_lock_owned().is_err());
    /// drop(guard);
    /// assert!(shared.try_lock_owned().is_ok());
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.sem.try_acquire(1) {
            Ok(()) => Ok(OwnedMutexGuard {
                lock: self,
                _not_sync: PhantomData,
            }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Takes the lock of a shared mutex from synchronous code, blocking the thread.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let shared = Arc::new(zokio_sync::Mutex::new(vec![1]));
    /// let mut guard = shared.clone().blocking_lock_owned();
    /// guard.push(2);
    /// drop(guard);
    /// assert_eq!(*shared.blocking_lock(), [1, 2]);
    /// ```
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        crate::blocking::block_on(self.lock_owned())
    }

    /// Direct access through `&mut self`: no locking needed.
    ///
    /// ```
    /// let mut m = zokio_sync::Mutex::new(1);
    /// *m.get_mut() += 1; // `&mut` proves there is no guard alive
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Exclusive access to a [`Mutex`]'s value; unlocks when dropped.
///
/// ```
/// use zokio_sync::Mutex;
///
/// # futures_lite::future::block_on(async {
/// let m = Mutex::new(10);
/// {
///     let mut guard = m.lock().await;
///     *guard += 1; // `DerefMut` to the value
///     assert!(m.try_lock().is_err());
/// } // dropped here: unlocked
/// assert_eq!(*m.lock().await, 11);
/// # });
/// ```
#[must_use = "dropping the guard unlocks the mutex at once"]
pub struct MutexGuard<'a, T: ?Sized> {
    lock: &'a Mutex<T>,
    // A guard shared between threads hands out `&T`: it must be `Sync` only when `T` is.
    _not_sync: PhantomData<*const T>,
}

// SAFETY: the guard grants `&mut T`; moving it to another thread is fine when `T: Send`.
unsafe impl<T: ?Sized + Send> Send for MutexGuard<'_, T> {}
// SAFETY: `&MutexGuard` only grants `&T`, which needs `T: Sync` to be shared.
unsafe impl<T: ?Sized + Send + Sync> Sync for MutexGuard<'_, T> {}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Narrows the guard to a part of the value (an associated function: call it as
    /// `MutexGuard::map(guard, ...)`).
    ///
    /// ```
    /// use zokio_sync::{Mutex, MutexGuard};
    /// # futures_lite::future::block_on(async {
    /// let pair = Mutex::new((1, String::from("a")));
    /// let mut name = MutexGuard::map(pair.lock().await, |p| &mut p.1);
    /// name.push('b');
    /// drop(name);
    /// assert_eq!(pair.lock().await.1, "ab");
    /// # });
    /// ```
    pub fn map<U: ?Sized>(this: Self, f: impl FnOnce(&mut T) -> &mut U) -> MappedMutexGuard<'a, U> {
        let sem = &this.lock.sem;
        // SAFETY: we hold the lock, so this is the only access to the value.
        let data: *mut U = f(unsafe { &mut *this.lock.data.get() });
        std::mem::forget(this);
        MappedMutexGuard {
            sem,
            data,
            _marker: PhantomData,
        }
    }

    /// Like [`MutexGuard::map`], but `f` may decline, which gives the guard back.
    ///
    /// # Errors
    ///
    /// The original guard when `f` returns `None`.
    ///
    /// ```
    /// use zokio_sync::{Mutex, MutexGuard};
    ///
    /// # futures_lite::future::block_on(async {
    /// let m = Mutex::new(vec![1, 2]);
    /// let first = MutexGuard::try_map(m.lock().await, |v| v.first_mut()).unwrap();
    /// assert_eq!(*first, 1);
    /// drop(first);
    /// m.lock().await.clear();
    /// let back = MutexGuard::try_map(m.lock().await, |v| v.first_mut());
    /// assert!(back.is_err()); // the original guard, still locked
    /// # });
    /// ```
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        // SAFETY: we hold the lock, so this is the only access to the value.
        let data: *mut U = match f(unsafe { &mut *this.lock.data.get() }) {
            Some(data) => data,
            None => return Err(this),
        };
        let sem = &this.lock.sem;
        std::mem::forget(this);
        Ok(MappedMutexGuard {
            sem,
            data,
            _marker: PhantomData,
        })
    }

    /// The mutex this guard locks.
    ///
    /// ```
    /// use zokio_sync::{Mutex, MutexGuard};
    /// # futures_lite::future::block_on(async {
    /// let m = Mutex::new(0);
    /// let guard = m.lock().await;
    /// assert!(std::ptr::eq(MutexGuard::mutex(&guard), &m));
    /// # });
    /// ```
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the only permit, so no `&mut T` exists elsewhere.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the only permit, and `&mut self` makes this access unique.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// A [`MutexGuard`] narrowed to part of the value by [`MutexGuard::map`]; unlocks when dropped.
///
/// ```
/// use zokio_sync::{MappedMutexGuard, Mutex, MutexGuard};
///
/// # futures_lite::future::block_on(async {
/// let m = Mutex::new((0, 0));
/// let mut second: MappedMutexGuard<'_, i32> = MutexGuard::map(m.lock().await, |p| &mut p.1);
/// *second = 7;
/// assert!(m.try_lock().is_err()); // the whole mutex stays locked
/// drop(second);
/// assert_eq!(*m.lock().await, (0, 7));
/// # });
/// ```
#[must_use = "dropping the guard unlocks the mutex at once"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    sem: &'a BatchSemaphore,
    data: *mut T,
    _marker: PhantomData<&'a mut T>,
}

// SAFETY: behaves like `&mut T` while holding the lock: `Send` when `T: Send`.
unsafe impl<T: ?Sized + Send> Send for MappedMutexGuard<'_, T> {}
// SAFETY: `&MappedMutexGuard` only grants `&T`.
unsafe impl<T: ?Sized + Sync> Sync for MappedMutexGuard<'_, T> {}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Narrows the guard further.
    ///
    /// ```
    /// use zokio_sync::{MappedMutexGuard, Mutex, MutexGuard};
    /// # futures_lite::future::block_on(async {
    /// let m = Mutex::new(((1, 2), 3));
    /// let inner = MutexGuard::map(m.lock().await, |v| &mut v.0);
    /// let mut deepest = MappedMutexGuard::map(inner, |p| &mut p.1);
    /// *deepest += 10;
    /// drop(deepest);
    /// assert_eq!(*m.lock().await, ((1, 12), 3));
    /// # });
    /// ```
    pub fn map<U: ?Sized>(this: Self, f: impl FnOnce(&mut T) -> &mut U) -> MappedMutexGuard<'a, U> {
        // SAFETY: the lock is held and `data` points into the locked value.
        let data: *mut U = f(unsafe { &mut *this.data });
        let sem = this.sem;
        std::mem::forget(this);
        MappedMutexGuard {
            sem,
            data,
            _marker: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the lock is held for as long as this guard lives.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the lock is held, and `&mut self` makes this access unique.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        self.sem.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Exclusive access to a shared [`Mutex`] that keeps the `Arc` alive; unlocks when dropped.
///
/// ```
/// use std::sync::Arc;
/// use zokio_sync::Mutex;
///
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let m = Arc::new(Mutex::new(0));
/// let mut guard = m.clone().lock_owned().await;
/// // `'static`: the guard can move into a spawned task.
/// zokio::spawn(async move { *guard += 1 }).await.unwrap();
/// assert_eq!(*m.lock().await, 1);
/// # });
/// ```
#[must_use = "dropping the guard unlocks the mutex at once"]
pub struct OwnedMutexGuard<T: ?Sized> {
    lock: Arc<Mutex<T>>,
    _not_sync: PhantomData<*const T>,
}

// SAFETY: as for `MutexGuard`.
unsafe impl<T: ?Sized + Send> Send for OwnedMutexGuard<T> {}
// SAFETY: as for `MutexGuard`.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedMutexGuard<T> {}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{Mutex, OwnedMutexGuard};
    /// # futures_lite::future::block_on(async {
    /// let m = Arc::new(Mutex::new(0));
    /// let guard = m.clone().lock_owned().await;
    /// assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&guard), &m));
    /// # });
    /// ```
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }

    /// Narrows the guard to a part of the value.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{Mutex, OwnedMutexGuard};
    /// # futures_lite::future::block_on(async {
    /// let m = Arc::new(Mutex::new((String::new(), 0)));
    /// let mut text = OwnedMutexGuard::map(m.clone().lock_owned().await, |p| &mut p.0);
    /// text.push_str("hi");
    /// drop(text);
    /// assert_eq!(m.lock().await.0, "hi");
    /// # });
    /// ```
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> OwnedMappedMutexGuard<T, U> {
        // SAFETY: we hold the lock, so this is the only access to the value.
        let data: *mut U = f(unsafe { &mut *this.lock.data.get() });
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again, so moving the `Arc` out is a plain move.
        let lock = unsafe { std::ptr::read(&this.lock) };
        OwnedMappedMutexGuard {
            lock,
            data,
            _not_sync: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the only permit.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the only permit, and `&mut self` makes this access unique.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.lock.sem.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// An [`OwnedMutexGuard`] narrowed to part of the value; unlocks when dropped.
///
/// ```
/// use std::sync::Arc;
/// use zokio_sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
/// # futures_lite::future::block_on(async {
/// let m = Arc::new(Mutex::new([0u8; 4]));
/// let mut tail: OwnedMappedMutexGuard<[u8; 4], [u8]> =
///     OwnedMutexGuard::map(m.clone().lock_owned().await, |a| &mut a[2..]);
/// tail.fill(9);
/// assert!(m.try_lock().is_err());
/// drop(tail);
/// assert_eq!(*m.lock().await, [0, 0, 9, 9]);
/// # });
/// ```
#[must_use = "dropping the guard unlocks the mutex at once"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<Mutex<T>>,
    data: *mut U,
    _not_sync: PhantomData<*const U>,
}

// SAFETY: keeps the mutex alive and locked; behaves like `&mut U`.
unsafe impl<T: ?Sized + Send, U: ?Sized + Send> Send for OwnedMappedMutexGuard<T, U> {}
// SAFETY: `&OwnedMappedMutexGuard` only grants `&U`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync for OwnedMappedMutexGuard<T, U> {}

impl<T: ?Sized, U: ?Sized> Deref for OwnedMappedMutexGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: the lock is held and the `Arc` keeps the value alive.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedMappedMutexGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: the lock is held, and `&mut self` makes this access unique.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedMappedMutexGuard<T, U> {
    fn drop(&mut self) {
        self.lock.sem.release(1);
    }
}
