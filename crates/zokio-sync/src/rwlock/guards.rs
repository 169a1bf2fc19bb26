//! The guards that borrow an [`RwLock`]: read, write, and write narrowed to part of the value.
//!
//! Every guard holds semaphore permits (one for a reader, all `max_readers` for a writer) and hands
//! them back when dropped. Mapping a guard moves its permits to the new guard (the old one is
//! forgotten, not dropped); the closure runs *before* that, so a closure that panics drops the
//! original guard and nothing stays locked.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use super::RwLock;
use crate::batch::BatchSemaphore;

/// Shared read access to an [`RwLock`]; releases when dropped.
///
/// ```
/// use zokio_sync::RwLock;
/// # futures_lite::future::block_on(async {
/// let lock = RwLock::new(3);
/// let a = lock.read().await;
/// let b = lock.read().await; // readers coexist
/// assert_eq!(*a * *b, 9);
/// assert!(lock.try_write().is_err());
/// drop((a, b));
/// assert!(lock.try_write().is_ok());
/// # });
/// ```
#[must_use = "dropping the guard releases the lock at once"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    pub(super) sem: &'a BatchSemaphore,
    pub(super) data: *const T,
    pub(super) _marker: PhantomData<&'a T>,
}

// SAFETY: behaves like `&T`: it may move to or be shared with other threads when `T: Sync`.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// A read guard from a read permit already taken on `sem`, for the value at `data`.
    fn with_permit(sem: &'a BatchSemaphore, data: *const T) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard {
            sem,
            data,
            _marker: PhantomData,
        }
    }

    /// Narrows the guard to a part of the value. An associated function (`RwLockReadGuard::map`),
    /// so that it cannot shadow a method of `T`.
    ///
    /// ```
    /// use zokio_sync::{RwLock, RwLockReadGuard};
    ///
    /// # futures_lite::future::block_on(async {
    /// let lock = RwLock::new((1, String::from("a")));
    /// let name = RwLockReadGuard::map(lock.read().await, |pair| &pair.1);
    /// assert_eq!(*name, "a");
    /// # });
    /// ```
    pub fn map<F, U: ?Sized>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data: *const U = f(&*this);
        let sem = this.sem;
        // The read permit moves to the new guard.
        std::mem::forget(this);
        RwLockReadGuard::with_permit(sem, data)
    }

    /// Like [`RwLockReadGuard::map`], but `f` may decline; the original guard then comes back.
    ///
    /// # Errors
    ///
    /// The original guard if `f` returned `None`.
    ///
    /// ```
    /// use zokio_sync::{RwLock, RwLockReadGuard};
    ///
    /// # futures_lite::future::block_on(async {
    /// let lock = RwLock::new(vec![1, 2]);
    /// let guard = RwLockReadGuard::try_map(lock.read().await, |v| v.get(5)).unwrap_err();
    /// let second = RwLockReadGuard::try_map(guard, |v| v.get(1)).unwrap();
    /// assert_eq!(*second, 2);
    /// # });
    /// ```
    pub fn try_map<F, U: ?Sized>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let Some(data) = f(&*this).map(|part| part as *const U) else {
            return Err(this);
        };
        let sem = this.sem;
        std::mem::forget(this);
        Ok(RwLockReadGuard::with_permit(sem, data))
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: a read permit is held, so no writer exists while this guard lives, and `data`
        // points into the lock's value (or into something `map`'s closure proved to outlive it).
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.sem.release(1);
    }
}

/// Exclusive write access to an [`RwLock`]; releases when dropped.
///
/// ```
/// use zokio_sync::RwLock;
/// # futures_lite::future::block_on(async {
/// let lock = RwLock::new(Vec::new());
/// let mut w = lock.write().await;
/// w.push(1);
/// assert!(lock.try_read().is_err()); // nobody else gets in
/// drop(w);
/// assert_eq!(*lock.read().await, [1]);
/// # });
/// ```
#[must_use = "dropping the guard releases the lock at once"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    pub(super) lock: &'a RwLock<T>,
    pub(super) _marker: PhantomData<*const T>,
}

// SAFETY: behaves like `&mut T`.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: `&RwLockWriteGuard` grants `&T` only.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Gives up all permits but one: the caller keeps a read permit.
    fn into_read_permit(this: Self) -> &'a RwLock<T> {
        let lock = this.lock;
        std::mem::forget(this);
        lock.sem.release(lock.max_readers as usize - 1);
        lock
    }

    /// Moves the write permits to a mapped guard for `data`.
    fn into_mapped_with<U: ?Sized>(this: Self, data: *mut U) -> RwLockMappedWriteGuard<'a, U> {
        let lock = this.lock;
        std::mem::forget(this);
        RwLockMappedWriteGuard {
            sem: &lock.sem,
            permits: lock.max_readers,
            data,
            _marker: PhantomData,
        }
    }

    /// Turns write access into read access without letting any other writer in between. Other
    /// readers queued behind are admitted.
    ///
    /// ```
    /// use zokio_sync::RwLock;
    ///
    /// # futures_lite::future::block_on(async {
    /// let lock = RwLock::new(1);
    /// let mut write = lock.write().await;
    /// *write = 2;
    /// let read = write.downgrade();
    /// assert_eq!((*read, *lock.try_read().unwrap()), (2, 2));
    /// # });
    /// ```
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let lock = RwLockWriteGuard::into_read_permit(self);
        lock.read_guard()
    }

    /// Narrows the guard to a part of the value, keeping write access.
    ///
    /// ```
    /// use zokio_sync::{RwLock, RwLockWriteGuard};
    ///
    /// # futures_lite::future::block_on(async {
    /// let lock = RwLock::new((1, 2));
    /// *RwLockWriteGuard::map(lock.write().await, |pair| &mut pair.1) = 5;
    /// assert_eq!(*lock.read().await, (1, 5));
    /// # });
    /// ```
    pub fn map<F, U: ?Sized>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data: *mut U = f(&mut *this);
        RwLockWriteGuard::into_mapped_with(this, data)
    }

    /// Like [`RwLockWriteGuard::map`], but `f` may decline; the original guard then comes back.
    ///
    /// # Errors
    ///
    /// The original guard if `f` returned `None`.
    ///
    /// ```
    /// use zokio_sync::{RwLock, RwLockWriteGuard};
    /// # futures_lite::future::block_on(async {
    /// let lock = RwLock::new(vec![1]);
    /// let w = RwLockWriteGuard::try_map(lock.write().await, |v| v.get_mut(3)).unwrap_err();
    /// let mut first = RwLockWriteGuard::try_map(w, |v| v.first_mut()).unwrap();
    /// *first = 10;
    /// drop(first);
    /// assert_eq!(*lock.read().await, [10]);
    /// # });
    /// ```
    pub fn try_map<F, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let Some(data) = f(&mut *this).map(|part| part as *mut U) else {
            return Err(this);
        };
        Ok(RwLockWriteGuard::into_mapped_with(this, data))
    }

    /// Narrows the guard to a part of the value and turns it into read access in one step: no other
    /// writer gets in between.
    ///
    /// ```
    /// use zokio_sync::{RwLock, RwLockWriteGuard};
    ///
    /// # futures_lite::future::block_on(async {
    /// let lock = RwLock::new((1, 2));
    /// let mut write = lock.write().await;
    /// write.0 = 3;
    /// let first = RwLockWriteGuard::downgrade_map(write, |pair| &pair.0);
    /// assert_eq!(*first, 3);
    /// assert!(lock.try_read().is_ok());
    /// # });
    /// ```
    pub fn downgrade_map<F, U: ?Sized>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data: *const U = f(&*this);
        let lock = RwLockWriteGuard::into_read_permit(this);
        RwLockReadGuard::with_permit(&lock.sem, data)
    }

    /// Like [`RwLockWriteGuard::downgrade_map`], but `f` may decline; the original (write) guard
    /// then comes back.
    ///
    /// # Errors
    ///
    /// The original guard if `f` returned `None`.
    ///
    /// ```
    /// use zokio_sync::{RwLock, RwLockWriteGuard};
    /// # futures_lite::future::block_on(async {
    /// let lock = RwLock::new(Some(4));
    /// let w = RwLockWriteGuard::try_downgrade_map(lock.write().await, |o| o.as_ref()).unwrap();
    /// assert_eq!(*w, 4);
    /// assert!(lock.try_read().is_ok()); // now only a read guard
    /// drop(w);
    /// *lock.write().await = None;
    /// let back = RwLockWriteGuard::try_downgrade_map(lock.write().await, |o| o.as_ref());
    /// assert!(back.is_err()); // still the write guard
    /// # });
    /// ```
    pub fn try_downgrade_map<F, U: ?Sized>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let Some(data) = f(&*this).map(|part| part as *const U) else {
            return Err(this);
        };
        let lock = RwLockWriteGuard::into_read_permit(this);
        Ok(RwLockReadGuard::with_permit(&lock.sem, data))
    }

    /// The same write access as an [`RwLockMappedWriteGuard`] over the whole value.
    ///
    /// ```
    /// use zokio_sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    /// # futures_lite::future::block_on(async {
    /// let lock = RwLock::new(1);
    /// let mut m: RwLockMappedWriteGuard<'_, i32> =
    ///     RwLockWriteGuard::into_mapped(lock.write().await);
    /// *m += 1;
    /// drop(m);
    /// assert_eq!(*lock.read().await, 2);
    /// # });
    /// ```
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockWriteGuard::map(this, |value| value)
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: all permits are held: no other reader or writer exists.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: all permits are held, and `&mut self` makes this access unique.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.release(self.lock.max_readers as usize);
    }
}

/// An [`RwLockWriteGuard`] narrowed to part of the value; releases when dropped.
///
/// ```
/// use zokio_sync::{RwLock, RwLockWriteGuard};
/// # futures_lite::future::block_on(async {
/// let lock = RwLock::new((0, 0));
/// let mut right = RwLockWriteGuard::map(lock.write().await, |p| &mut p.1);
/// *right = 8;
/// assert!(lock.try_read().is_err()); // still exclusive over the whole value
/// drop(right);
/// assert_eq!(*lock.read().await, (0, 8));
/// # });
/// ```
#[must_use = "dropping the guard releases the lock at once"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    sem: &'a BatchSemaphore,
    permits: u32,
    data: *mut T,
    _marker: PhantomData<&'a mut T>,
}

// SAFETY: behaves like `&mut T`.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: `&RwLockMappedWriteGuard` grants `&T` only.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// Moves the write permits to a guard for `data`.
    fn remap<U: ?Sized>(this: Self, data: *mut U) -> RwLockMappedWriteGuard<'a, U> {
        let (sem, permits) = (this.sem, this.permits);
        std::mem::forget(this);
        RwLockMappedWriteGuard {
            sem,
            permits,
            data,
            _marker: PhantomData,
        }
    }

    /// Narrows the guard further.
    ///
    /// ```
    /// use zokio_sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    /// # futures_lite::future::block_on(async {
    /// let lock = RwLock::new(((0, 0), 0));
    /// let inner = RwLockWriteGuard::map(lock.write().await, |v| &mut v.0);
    /// *RwLockMappedWriteGuard::map(inner, |p| &mut p.0) = 5;
    /// assert_eq!(*lock.read().await, ((5, 0), 0));
    /// # });
    /// ```
    pub fn map<F, U: ?Sized>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data: *mut U = f(&mut *this);
        RwLockMappedWriteGuard::remap(this, data)
    }

    /// Like [`RwLockMappedWriteGuard::map`], but `f` may decline; the original guard then comes
    /// back.
    ///
    /// # Errors
    ///
    /// The original guard if `f` returned `None`.
    ///
    /// ```
    /// use zokio_sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    /// # futures_lite::future::block_on(async {
    /// let lock = RwLock::new(vec![vec![1]]);
    /// let outer = RwLockWriteGuard::into_mapped(lock.write().await);
    /// let outer = RwLockMappedWriteGuard::try_map(outer, |v| v.get_mut(9)).unwrap_err();
    /// let mut inner = RwLockMappedWriteGuard::try_map(outer, |v| v.get_mut(0)).unwrap();
    /// inner.push(2);
    /// drop(inner);
    /// assert_eq!(*lock.read().await, [vec![1, 2]]);
    /// # });
    /// ```
    pub fn try_map<F, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let Some(data) = f(&mut *this).map(|part| part as *mut U) else {
            return Err(this);
        };
        Ok(RwLockMappedWriteGuard::remap(this, data))
    }
}

impl<T: ?Sized> Deref for RwLockMappedWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: all permits are held for as long as this guard lives, and `data` points into the
        // locked value (or into something the mapping closure proved to outlive it).
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for RwLockMappedWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: all permits are held, and `&mut self` makes this access unique.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for RwLockMappedWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.sem.release(self.permits as usize);
    }
}

/// `Debug` and `Display` forward to the guarded value, as for `std`'s guards.
macro_rules! forward_fmt {
    ($($guard:ident),*) => {$(
        impl<T: ?Sized + fmt::Debug> fmt::Debug for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: ?Sized + fmt::Display> fmt::Display for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
    )*};
}
forward_fmt!(RwLockReadGuard, RwLockWriteGuard, RwLockMappedWriteGuard);
