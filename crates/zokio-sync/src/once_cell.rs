//! `OnceCell`: a value set at most once, possibly by an async initialiser.
//!
//! Initialisers take turns through a one-permit [`BatchSemaphore`], which wakes and drops wakers
//! outside its lock (see [`crate::batch`]); the value is written and dropped with no lock held.

use std::fmt;
use std::future::Future;
use std::mem::MaybeUninit;
// loom's types under `--cfg loom`: a `std` flag would hide the `get`/`set` fast paths from the
// model checker, which then never explores a race that ends in one of them, and loom's cell checks
// that every read of the value happens after its write.
use crate::loom::{AtomicBool, Ordering, UnsafeCell};

use crate::batch::BatchSemaphore;
use crate::semaphore::AcquireFuture;

/// A cell written at most once. Concurrent [`OnceCell::get_or_init`] calls run one initialiser at a
/// time (FIFO); the others wait and then read its value. If an initialiser fails or is cancelled, the
/// next waiting caller runs its own.
///
/// # Example
///
/// ```
/// use zokio_sync::OnceCell;
///
/// # futures_lite::future::block_on(async {
/// let cell = OnceCell::new();
/// let value = cell.get_or_init(|| async { 42 }).await;
/// assert_eq!(*value, 42);
/// assert_eq!(cell.set(7).unwrap_err().into_inner(), 7);
/// # });
/// ```
pub struct OnceCell<T> {
    initialized: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
    /// One permit: the right to initialise. Closed once the value is set.
    init: BatchSemaphore,
}

// SAFETY: the value is written once, by the holder of the single init permit, before `initialized`
// is published with Release; readers only read after an Acquire load sees it. Sharing needs
// `T: Sync` (readers get `&T`) and `T: Send` (the value may be written and dropped on another thread).
unsafe impl<T: Send + Sync> Sync for OnceCell<T> {}
// SAFETY: owning the cell owns the `T`.
unsafe impl<T: Send> Send for OnceCell<T> {}

/// Why [`OnceCell::set`] failed; either way the value is given back.
///
/// ```
/// use zokio_sync::{OnceCell, SetError};
/// let cell = OnceCell::new();
/// cell.set("first").unwrap();
/// match cell.set("second") {
///     Err(SetError::AlreadyInitializedError(v)) => assert_eq!(v, "second"),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// Another task is initialising the cell right now.
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Whether the cell was already initialised.
    ///
    /// ```
    /// let cell = zokio_sync::OnceCell::new_with(Some(1));
    /// let err = cell.set(2).unwrap_err();
    /// assert!(err.is_already_init_err());
    /// assert!(!err.is_initializing_err());
    /// ```
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether another task was initialising the cell.
    ///
    /// ```
    /// use futures_lite::future::{pending, poll_once};
    /// use zokio_sync::OnceCell;
    /// # futures_lite::future::block_on(async {
    /// let cell = OnceCell::<u8>::new();
    /// // An initialiser that is still running holds the cell.
    /// let mut init = Box::pin(cell.get_or_init(|| pending()));
    /// assert!(poll_once(&mut init).await.is_none());
    /// assert!(cell.set(5).unwrap_err().is_initializing_err());
    /// # });
    /// ```
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }

    /// The value that could not be stored.
    ///
    /// ```
    /// let cell = zokio_sync::OnceCell::new();
    /// cell.set(vec![1]).unwrap();
    /// let rejected = cell.set(vec![2, 3]).unwrap_err();
    /// assert_eq!(rejected.into_inner(), [2, 3]); // the value comes back
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SetError::AlreadyInitializedError(value) | SetError::InitializingError(value) => value,
        }
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("cell already initialized"),
            SetError::InitializingError(_) => f.write_str("cell is being initialized"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for SetError<T> {}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> Self {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> Self {
        OnceCell::new_with(Some(value))
    }
}

impl<T> OnceCell<T> {
    /// An empty cell.
    ///
    /// ```
    /// let cell = zokio_sync::OnceCell::<String>::new();
    /// assert!(!cell.initialized());
    /// assert_eq!(cell.get(), None);
    /// ```
    pub fn new() -> OnceCell<T> {
        OnceCell {
            initialized: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            init: BatchSemaphore::new(1),
        }
    }

    /// An empty cell, usable in `static`s.
    ///
    /// ```
    /// use zokio_sync::OnceCell;
    ///
    /// static GREETING: OnceCell<String> = OnceCell::const_new();
    /// # futures_lite::future::block_on(async {
    /// let s = GREETING.get_or_init(|| async { "hello".to_string() }).await;
    /// assert_eq!(s, "hello");
    /// assert_eq!(GREETING.get().map(String::as_str), Some("hello"));
    /// # });
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> OnceCell<T> {
        OnceCell {
            initialized: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            init: BatchSemaphore::const_new(1),
        }
    }

    /// A cell holding `value` if it is `Some`.
    ///
    /// ```
    /// use zokio_sync::OnceCell;
    /// assert_eq!(OnceCell::new_with(Some(3)).get(), Some(&3));
    /// assert!(!OnceCell::<i32>::new_with(None).initialized());
    /// ```
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        let cell = OnceCell::new();
        if let Some(value) = value {
            cell.init.close();
            // SAFETY: the cell was just created here, so nothing else can access the value.
            cell.value.with_mut(|p| unsafe { (*p).write(value) });
            cell.initialized.store(true, Ordering::Release);
        }
        cell
    }

    /// Whether the cell holds a value.
    ///
    /// ```
    /// let cell = zokio_sync::OnceCell::new();
    /// assert!(!cell.initialized());
    /// cell.set(()).unwrap();
    /// assert!(cell.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.initialized.load(Ordering::Acquire)
    }

    /// The value, if set.
    ///
    /// ```
    /// let cell = zokio_sync::OnceCell::new();
    /// assert_eq!(cell.get(), None); // never waits
    /// cell.set(10).unwrap();
    /// assert_eq!(cell.get(), Some(&10));
    /// ```
    pub fn get(&self) -> Option<&T> {
        if self.initialized() {
            // SAFETY: `initialized` was published with Release after the one write, and the value is
            // never written again while `&self` exists.
            Some(self.value.with(|p| unsafe { (*p).assume_init_ref() }))
        } else {
            None
        }
    }

    /// Mutable access to the value, if set.
    ///
    /// ```
    /// let mut cell = zokio_sync::OnceCell::new_with(Some(1));
    /// *cell.get_mut().unwrap() += 1;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        if self.initialized() {
            // SAFETY: initialised (see `get`), and `&mut self` makes the access unique.
            Some(self.value.with_mut(|p| unsafe { (*p).assume_init_mut() }))
        } else {
            None
        }
    }

    /// Stores the value and returns a reference to it. Must hold the init permit.
    fn store(&self, value: T) -> &T {
        // SAFETY: only the holder of the single init permit writes, and only while uninitialised;
        // no reader looks before `initialized` is set below.
        self.value.with_mut(|p| unsafe { (*p).write(value) });
        self.initialized.store(true, Ordering::Release);
        // Waiters for the permit give up and read the value instead.
        self.init.close();
        // SAFETY: just initialised, and never written again while `&self` exists.
        self.value.with(|p| unsafe { (*p).assume_init_ref() })
    }

    /// Sets the value if the cell is empty and nobody is initialising it.
    ///
    /// # Errors
    ///
    /// [`SetError`] holding `value` if the cell is set or being initialised.
    ///
    /// ```
    /// let cell = zokio_sync::OnceCell::new();
    /// assert!(cell.set(1).is_ok());
    /// let err = cell.set(2).unwrap_err();
    /// assert!(err.is_already_init_err());
    /// assert_eq!(err.into_inner(), 2);
    /// assert_eq!(cell.get(), Some(&1)); // unchanged
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.init.try_acquire(1) {
            Ok(()) => {
                self.store(value);
                Ok(())
            }
            Err(_) if self.initialized() => Err(SetError::AlreadyInitializedError(value)),
            Err(_) => Err(SetError::InitializingError(value)),
        }
    }

    /// Returns the value, running `f` to produce it if the cell is empty. Only one initialiser runs
    /// at a time.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if this call is running the initialiser and is dropped, the cell stays empty and
    /// the next waiting caller runs its own initialiser.
    ///
    /// ```
    /// use zokio_sync::OnceCell;
    /// # futures_lite::future::block_on(async {
    /// let cell = OnceCell::new();
    /// let a = *cell.get_or_init(|| async { "ready" }).await;
    /// // Already set: this initialiser never runs.
    /// let b = *cell.get_or_init(|| async { unreachable!() }).await;
    /// assert_eq!((a, b), ("ready", "ready"));
    /// # });
    /// ```
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        match self
            .get_or_try_init(|| async { Ok::<T, std::convert::Infallible>(f().await) })
            .await
        {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// Like [`OnceCell::get_or_init`], but the initialiser may fail; the error is returned and the
    /// cell stays empty for the next caller.
    ///
    /// # Cancel safety
    ///
    /// Same as [`OnceCell::get_or_init`].
    ///
    /// # Errors
    ///
    /// Whatever `f` returned.
    ///
    /// ```
    /// use zokio_sync::OnceCell;
    /// # futures_lite::future::block_on(async {
    /// let cell = OnceCell::<u16>::new();
    /// let failed = cell.get_or_try_init(|| async { "70000".parse::<u16>() }).await;
    /// assert!(failed.is_err());
    /// assert!(!cell.initialized()); // a failure leaves it empty for the next try
    /// let ok = cell.get_or_try_init(|| async { "8080".parse::<u16>() }).await;
    /// assert_eq!(ok, Ok(&8080));
    /// # });
    /// ```
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        let acquired = AcquireFuture::new(&self.init, 1).await;
        if acquired.is_err() {
            // Closed: someone stored the value.
            return Ok(self
                .get()
                .expect("closed init semaphore means the cell is set"));
        }
        // Give the permit back if the initialiser fails or this future is dropped.
        struct Release<'a>(&'a BatchSemaphore);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                self.0.release(1);
            }
        }
        let permit = Release(&self.init);
        if let Some(value) = self.get() {
            return Ok(value);
        }
        let value = f().await?;
        std::mem::forget(permit);
        Ok(self.store(value))
    }

    /// Takes the value out, leaving the cell empty.
    ///
    /// ```
    /// let mut cell = zokio_sync::OnceCell::new_with(Some("token"));
    /// assert_eq!(cell.take(), Some("token"));
    /// assert!(!cell.initialized());
    /// assert!(cell.set("fresh").is_ok()); // it can be set again
    /// ```
    pub fn take(&mut self) -> Option<T> {
        std::mem::take(self).into_inner()
    }

    /// Consumes the cell and returns its value, if set.
    ///
    /// ```
    /// use zokio_sync::OnceCell;
    /// assert_eq!(OnceCell::new_with(Some(5)).into_inner(), Some(5));
    /// assert_eq!(OnceCell::<i32>::new().into_inner(), None);
    /// ```
    pub fn into_inner(self) -> Option<T> {
        // Owned: nothing to synchronise with, so Relaxed (loom's atomics have no `get_mut`).
        if self.initialized.load(Ordering::Relaxed) {
            self.initialized.store(false, Ordering::Relaxed);
            // SAFETY: initialised, and the flag is cleared so `Drop` will not drop it again.
            Some(self.value.with_mut(|p| unsafe { (*p).assume_init_read() }))
        } else {
            None
        }
    }
}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        if self.initialized.load(Ordering::Relaxed) {
            // SAFETY: initialised exactly once and not moved out (`into_inner` clears the flag).
            self.value.with_mut(|p| unsafe { (*p).assume_init_drop() });
        }
    }
}
