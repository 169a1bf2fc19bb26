//! The guards that own an `Arc<RwLock<T>>`, so that they are `'static` and can move into tasks.
//!
//! A mapped owned guard keeps the `Arc` of the whole lock (`T`) next to a pointer to the part it
//! gives access to (`U`): the `Arc` keeps the value alive and the permits keep it locked for as
//! long as the pointer is used. As with the borrowed guards, mapping runs the closure first and
//! only then moves the permits, so a panicking closure unlocks through the original guard.

use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::RwLock;

/// Takes the `Arc` out of a guard without running the guard's `Drop` (which would release its
/// permits): the permits move to whichever guard the caller builds next.
macro_rules! take_lock {
    ($this:expr) => {{
        let this = ManuallyDrop::new($this);
        // SAFETY: `this` is never used or dropped again, so reading the `Arc` out of it is a move:
        // exactly one owner of this reference count remains.
        unsafe { std::ptr::read(&this.lock) }
    }};
}

/// Shared read access to an `Arc<RwLock<T>>`, possibly narrowed to a part `U` of the value;
/// releases when dropped.
///
/// ```
/// use std::sync::Arc;
/// use zokio_sync::RwLock;
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let lock = Arc::new(RwLock::new(vec![1, 2, 3]));
/// let guard = lock.clone().read_owned().await;
/// // Holds its own `Arc`: it can move into a task that outlives this scope.
/// let sum = zokio::spawn(async move { guard.iter().sum::<i32>() }).await.unwrap();
/// assert_eq!(sum, 6);
/// # });
/// ```
#[must_use = "dropping the guard releases the lock at once"]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<RwLock<T>>,
    data: *const U,
}

// SAFETY: the guard holds an `Arc<RwLock<T>>` (sendable when `T: Send + Sync`) and gives `&U` to
// whichever thread has it (needs `U: Sync`).
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Send for OwnedRwLockReadGuard<T, U> {}
// SAFETY: `&OwnedRwLockReadGuard` gives `&U` and `&Arc<RwLock<T>>` only.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Sync for OwnedRwLockReadGuard<T, U> {}

impl<T: ?Sized> OwnedRwLockReadGuard<T> {
    /// A guard over the whole value, for a read permit already taken on `lock`.
    pub(super) fn new(lock: Arc<RwLock<T>>) -> OwnedRwLockReadGuard<T> {
        let data = lock.data.get().cast_const();
        OwnedRwLockReadGuard { lock, data }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// Narrows the guard to a part of the value.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// # futures_lite::future::block_on(async {
    /// let lock = Arc::new(RwLock::new((1, String::from("a"))));
    /// let name: OwnedRwLockReadGuard<_, String> =
    ///     OwnedRwLockReadGuard::map(lock.read_owned().await, |pair| &pair.1);
    /// assert_eq!(*name, "a");
    /// # });
    /// ```
    pub fn map<F, V: ?Sized>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V>
    where
        F: FnOnce(&U) -> &V,
    {
        let data: *const V = f(&*this);
        OwnedRwLockReadGuard {
            lock: take_lock!(this),
            data,
        }
    }

    /// Like [`OwnedRwLockReadGuard::map`], but `f` may decline; the original guard then comes back.
    ///
    /// # Errors
    ///
    /// The original guard if `f` returned `None`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{OwnedRwLockReadGuard, RwLock};
    /// # futures_lite::future::block_on(async {
    /// let lock = Arc::new(RwLock::new(vec!["a"]));
    /// let all = OwnedRwLockReadGuard::try_map(lock.read_owned().await, |v| v.get(1)).unwrap_err();
    /// let first = OwnedRwLockReadGuard::try_map(all, |v| v.first()).unwrap();
    /// assert_eq!(*first, "a");
    /// # });
    /// ```
    pub fn try_map<F, V: ?Sized>(this: Self, f: F) -> Result<OwnedRwLockReadGuard<T, V>, Self>
    where
        F: FnOnce(&U) -> Option<&V>,
    {
        let Some(data) = f(&*this).map(|part| part as *const V) else {
            return Err(this);
        };
        Ok(OwnedRwLockReadGuard {
            lock: take_lock!(this),
            data,
        })
    }

    /// The lock this guard reads.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{OwnedRwLockReadGuard, RwLock};
    /// # futures_lite::future::block_on(async {
    /// let lock = Arc::new(RwLock::new(0));
    /// let guard = lock.clone().read_owned().await;
    /// assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&guard), &lock));
    /// # });
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockReadGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: a read permit is held, so no writer exists while this guard lives, and the `Arc`
        // keeps the value that `data` points into alive.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockReadGuard<T, U> {
    fn drop(&mut self) {
        self.lock.sem.release(1);
    }
}

/// Exclusive write access to an `Arc<RwLock<T>>`; releases when dropped.
///
/// ```
/// use std::sync::Arc;
/// use zokio_sync::RwLock;
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let lock = Arc::new(RwLock::new(0));
/// let mut w = lock.clone().write_owned().await;
/// let task = zokio::spawn(async move { *w = 7 }); // the guard moves into the task
/// task.await.unwrap();
/// assert_eq!(*lock.read().await, 7);
/// # });
/// ```
#[must_use = "dropping the guard releases the lock at once"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    pub(super) lock: Arc<RwLock<T>>,
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// Gives up all permits but one and returns the lock: the caller keeps a read permit.
    fn into_read_permit(this: Self) -> Arc<RwLock<T>> {
        let lock = take_lock!(this);
        lock.sem.release(lock.max_readers as usize - 1);
        lock
    }

    /// Turns write access into read access without letting another writer in between.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::RwLock;
    ///
    /// # futures_lite::future::block_on(async {
    /// let lock = Arc::new(RwLock::new(1));
    /// let mut write = lock.clone().write_owned().await;
    /// *write += 1;
    /// let read = write.downgrade();
    /// assert_eq!((*read, *lock.try_read().unwrap()), (2, 2));
    /// # });
    /// ```
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        OwnedRwLockReadGuard::new(OwnedRwLockWriteGuard::into_read_permit(self))
    }

    /// Narrows the guard to a part of the value, keeping write access.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # futures_lite::future::block_on(async {
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let mut second = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |p| &mut p.1);
    /// *second = 5;
    /// drop(second);
    /// assert_eq!(*lock.read().await, (1, 5));
    /// # });
    /// ```
    pub fn map<F, U: ?Sized>(mut this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data: *mut U = f(&mut *this);
        OwnedRwLockMappedWriteGuard {
            lock: take_lock!(this),
            data,
        }
    }

    /// Like [`OwnedRwLockWriteGuard::map`], but `f` may decline; the original guard then comes
    /// back.
    ///
    /// # Errors
    ///
    /// The original guard if `f` returned `None`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{OwnedRwLockWriteGuard, RwLock};
    /// # futures_lite::future::block_on(async {
    /// let lock = Arc::new(RwLock::new(None::<u8>));
    /// let w = OwnedRwLockWriteGuard::try_map(lock.clone().write_owned().await, |o| o.as_mut());
    /// let mut w = w.unwrap_err(); // `None`: the guard comes back
    /// *w = Some(1);
    /// let mut inner = OwnedRwLockWriteGuard::try_map(w, |o| o.as_mut()).unwrap();
    /// *inner += 1;
    /// drop(inner);
    /// assert_eq!(*lock.read().await, Some(2));
    /// # });
    /// ```
    pub fn try_map<F, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let Some(data) = f(&mut *this).map(|part| part as *mut U) else {
            return Err(this);
        };
        Ok(OwnedRwLockMappedWriteGuard {
            lock: take_lock!(this),
            data,
        })
    }

    /// Narrows the guard to a part of the value and turns it into read access in one step: no other
    /// writer gets in between.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{OwnedRwLockWriteGuard, RwLock};
    /// # futures_lite::future::block_on(async {
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let mut w = lock.clone().write_owned().await;
    /// w.1 = 20;
    /// let second = OwnedRwLockWriteGuard::downgrade_map(w, |p| &p.1);
    /// assert_eq!(*second, 20);
    /// assert!(lock.try_read().is_ok()); // other readers may now join
    /// assert!(lock.try_write().is_err());
    /// # });
    /// ```
    pub fn downgrade_map<F, U: ?Sized>(this: Self, f: F) -> OwnedRwLockReadGuard<T, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data: *const U = f(&*this);
        OwnedRwLockReadGuard {
            lock: OwnedRwLockWriteGuard::into_read_permit(this),
            data,
        }
    }

    /// Like [`OwnedRwLockWriteGuard::downgrade_map`], but `f` may decline; the original (write)
    /// guard then comes back.
    ///
    /// # Errors
    ///
    /// The original guard if `f` returned `None`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{OwnedRwLockWriteGuard, RwLock};
    /// # futures_lite::future::block_on(async {
    /// let lock = Arc::new(RwLock::new(vec![5]));
    /// let w = lock.clone().write_owned().await;
    /// let w = OwnedRwLockWriteGuard::try_downgrade_map(w, |v| v.get(4)).unwrap_err();
    /// assert!(lock.try_read().is_err()); // still writing
    /// let r = OwnedRwLockWriteGuard::try_downgrade_map(w, |v| v.first()).unwrap();
    /// assert_eq!(*r, 5);
    /// # });
    /// ```
    pub fn try_downgrade_map<F, U: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let Some(data) = f(&*this).map(|part| part as *const U) else {
            return Err(this);
        };
        Ok(OwnedRwLockReadGuard {
            lock: OwnedRwLockWriteGuard::into_read_permit(this),
            data,
        })
    }

    /// The same write access as an [`OwnedRwLockMappedWriteGuard`] over the whole value.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{OwnedRwLockWriteGuard, RwLock};
    /// # futures_lite::future::block_on(async {
    /// let lock = Arc::new(RwLock::new(1));
    /// let mut m = OwnedRwLockWriteGuard::into_mapped(lock.clone().write_owned().await);
    /// *m *= 10;
    /// drop(m);
    /// assert_eq!(*lock.read().await, 10);
    /// # });
    /// ```
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockWriteGuard::map(this, |value| value)
    }

    /// The lock this guard writes.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{OwnedRwLockWriteGuard, RwLock};
    /// # futures_lite::future::block_on(async {
    /// let lock = Arc::new(RwLock::new(0));
    /// let guard = lock.clone().write_owned().await;
    /// assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&guard), &lock));
    /// # });
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: all permits are held: no other reader or writer exists.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: all permits are held, and `&mut self` makes this access unique.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.lock.sem.release(self.lock.max_readers as usize);
    }
}

/// An [`OwnedRwLockWriteGuard`] narrowed to a part `U` of the value; releases when dropped.
///
/// ```
/// use std::sync::Arc;
/// use zokio_sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
/// # futures_lite::future::block_on(async {
/// let lock = Arc::new(RwLock::new((String::new(), 0)));
/// let mut text: OwnedRwLockMappedWriteGuard<(String, i32), String> =
///     OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |p| &mut p.0);
/// text.push('!');
/// assert!(lock.try_read().is_err()); // the whole value stays write-locked
/// drop(text);
/// assert_eq!(lock.read().await.0, "!");
/// # });
/// ```
#[must_use = "dropping the guard releases the lock at once"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<RwLock<T>>,
    data: *mut U,
}

// SAFETY: the guard holds an `Arc<RwLock<T>>` (sendable when `T: Send + Sync`) and gives `&mut U`
// to whichever thread has it (needs `U: Send`) and `&U` through shared references (`U: Sync`).
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Send
    for OwnedRwLockMappedWriteGuard<T, U>
{
}
// SAFETY: `&OwnedRwLockMappedWriteGuard` gives `&U` and `&Arc<RwLock<T>>` only.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync
    for OwnedRwLockMappedWriteGuard<T, U>
{
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// Narrows the guard further.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    /// # futures_lite::future::block_on(async {
    /// let lock = Arc::new(RwLock::new(((0, 0), 0)));
    /// let outer = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |v| &mut v.0);
    /// *OwnedRwLockMappedWriteGuard::map(outer, |p| &mut p.1) = 3;
    /// assert_eq!(*lock.read().await, ((0, 3), 0));
    /// # });
    /// ```
    pub fn map<F, V: ?Sized>(mut this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, V>
    where
        F: FnOnce(&mut U) -> &mut V,
    {
        let data: *mut V = f(&mut *this);
        OwnedRwLockMappedWriteGuard {
            lock: take_lock!(this),
            data,
        }
    }

    /// Like [`OwnedRwLockMappedWriteGuard::map`], but `f` may decline; the original guard then
    /// comes back.
    ///
    /// # Errors
    ///
    /// The original guard if `f` returned `None`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    /// # futures_lite::future::block_on(async {
    /// let lock = Arc::new(RwLock::new(vec![1]));
    /// let all = OwnedRwLockWriteGuard::into_mapped(lock.clone().write_owned().await);
    /// let all = OwnedRwLockMappedWriteGuard::try_map(all, |v| v.get_mut(2)).unwrap_err();
    /// *OwnedRwLockMappedWriteGuard::try_map(all, |v| v.last_mut()).unwrap() = 9;
    /// assert_eq!(*lock.read().await, [9]);
    /// # });
    /// ```
    pub fn try_map<F, V: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        let Some(data) = f(&mut *this).map(|part| part as *mut V) else {
            return Err(this);
        };
        Ok(OwnedRwLockMappedWriteGuard {
            lock: take_lock!(this),
            data,
        })
    }

    /// The lock this guard writes.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    /// # futures_lite::future::block_on(async {
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let part = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |p| &mut p.0);
    /// assert!(Arc::ptr_eq(OwnedRwLockMappedWriteGuard::rwlock(&part), &lock));
    /// # });
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockMappedWriteGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: all permits are held for as long as this guard lives, and the `Arc` keeps the
        // value that `data` points into alive.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedRwLockMappedWriteGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: all permits are held, and `&mut self` makes this access unique.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockMappedWriteGuard<T, U> {
    fn drop(&mut self) {
        self.lock.sem.release(self.lock.max_readers as usize);
    }
}

/// `Debug` and `Display` forward to the guarded part, as for `std`'s guards.
macro_rules! forward_fmt {
    ($([$($params:tt)*] $guard:ty => $target:ident;)*) => {$(
        impl<$($params)*> fmt::Debug for $guard
        where
            $target: fmt::Debug,
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }

        impl<$($params)*> fmt::Display for $guard
        where
            $target: fmt::Display,
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
    )*};
}
forward_fmt! {
    [T: ?Sized, U: ?Sized] OwnedRwLockReadGuard<T, U> => U;
    [T: ?Sized] OwnedRwLockWriteGuard<T> => T;
    [T: ?Sized, U: ?Sized] OwnedRwLockMappedWriteGuard<T, U> => U;
}
