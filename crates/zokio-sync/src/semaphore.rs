//! A fair, closable counting semaphore with Tokio's API.
//!
//! The waiting, and how it keeps wakers away from its lock, is [`crate::batch`]'s.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::batch::{self, BatchSemaphore};

/// A counting semaphore that hands out permits in strict FIFO order.
///
/// A task that asks for more permits than are available waits in a queue; permits released later go
/// to the front of that queue first, so a large request is never starved by a stream of small ones.
/// The uncontended acquire and release are one atomic operation each.
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use zokio_sync::Semaphore;
///
/// # futures_lite::future::block_on(async {
/// let semaphore = Arc::new(Semaphore::new(2));
/// let a = semaphore.acquire().await.unwrap();
/// let b = semaphore.try_acquire().unwrap();
/// assert!(semaphore.try_acquire().is_err());
/// drop(a);
/// assert_eq!(semaphore.available_permits(), 1);
/// drop(b);
/// # });
/// ```
pub struct Semaphore {
    pub(crate) inner: BatchSemaphore,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// The semaphore was closed; returned by the acquire methods.
///
/// ```
/// use zokio_sync::Semaphore;
/// # futures_lite::future::block_on(async {
/// let sem = Semaphore::new(1);
/// sem.close();
/// let err = sem.acquire().await.unwrap_err();
/// assert_eq!(err.to_string(), "semaphore closed");
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

/// Why a `try_acquire*` call failed.
///
/// ```
/// use zokio_sync::{Semaphore, TryAcquireError};
/// let sem = Semaphore::new(1);
/// let _p = sem.try_acquire().unwrap();
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
/// sem.close();
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits are available right now.
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

impl From<batch::TryAcquire> for TryAcquireError {
    fn from(error: batch::TryAcquire) -> TryAcquireError {
        match error {
            batch::TryAcquire::Closed => TryAcquireError::Closed,
            batch::TryAcquire::NoPermits => TryAcquireError::NoPermits,
        }
    }
}

/// A future that waits for permits from a borrowed semaphore; dropping it gives up its place in
/// the queue and passes on any permits it was already granted.
pub(crate) struct AcquireFuture<'a> {
    sem: &'a BatchSemaphore,
    state: batch::Acquire,
}

impl<'a> AcquireFuture<'a> {
    pub(crate) fn new(sem: &'a BatchSemaphore, permits: usize) -> AcquireFuture<'a> {
        AcquireFuture {
            sem,
            state: batch::Acquire::new(permits),
        }
    }
}

impl Future for AcquireFuture<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.state
            .poll_acquire(this.sem, cx)
            .map(|result| result.map_err(|batch::Closed| AcquireError(())))
    }
}

impl Drop for AcquireFuture<'_> {
    fn drop(&mut self) {
        let _returned = self.state.cancel(self.sem);
    }
}

impl Semaphore {
    /// The most permits a semaphore can hold (`usize::MAX >> 3`). Creating a semaphore with more, or
    /// adding permits past it, panics.
    pub const MAX_PERMITS: usize = batch::MAX_PERMITS;

    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// use zokio_sync::Semaphore;
    /// let sem = Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// assert!(!sem.is_closed());
    /// ```
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            inner: BatchSemaphore::new(permits),
        }
    }

    /// A semaphore with `permits` permits, usable in `static`s.
    ///
    /// ```
    /// static LIMIT: zokio_sync::Semaphore = zokio_sync::Semaphore::const_new(10);
    /// assert_eq!(LIMIT.available_permits(), 10);
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore {
            inner: BatchSemaphore::const_new(permits),
        }
    }

    /// The number of permits available right now.
    ///
    /// ```
    /// let sem = zokio_sync::Semaphore::new(4);
    /// let held = sem.try_acquire_many(3).unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// drop(held);
    /// assert_eq!(sem.available_permits(), 4);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.inner.available_permits()
    }

    /// Adds `n` permits, serving waiting tasks first.
    ///
    /// # Panics
    ///
    /// If `n`, or the total, would exceed [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// use futures_lite::future::poll_once;
    /// use zokio_sync::Semaphore;
    /// # futures_lite::future::block_on(async {
    /// let sem = Semaphore::new(0);
    /// let mut waiter = Box::pin(sem.acquire_many(2));
    /// assert!(poll_once(&mut waiter).await.is_none());
    /// sem.add_permits(3); // two go to the waiter, one stays free
    /// let permit = waiter.await.unwrap();
    /// assert_eq!((permit.num_permits(), sem.available_permits()), (2, 1));
    /// # });
    /// ```
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        self.inner.release(n);
    }

    /// Removes up to `n` available permits for good and returns how many were removed. Permits that
    /// are held right now are not affected.
    ///
    /// ```
    /// let sem = zokio_sync::Semaphore::new(5);
    /// let held = sem.try_acquire_many(2).unwrap();
    /// assert_eq!(sem.forget_permits(10), 3); // only the 3 free ones go
    /// drop(held);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn forget_permits(&self, n: usize) -> usize {
        self.inner.forget_permits(n)
    }

    /// Waits for one permit.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in the sense of fairness: dropping the future gives up its place in the queue, and
    /// any permit already assigned to it goes to the next waiter, so nothing is leaked. A new call
    /// queues at the back again.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::Semaphore;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let sem = Arc::new(Semaphore::new(1));
    /// let permit = sem.acquire().await.unwrap();
    /// let waiter = zokio::spawn({
    ///     let sem = sem.clone();
    ///     async move { sem.acquire().await.map(|p| p.num_permits()) }
    /// });
    /// drop(permit); // lets the task's `acquire` through
    /// assert_eq!(waiter.await.unwrap(), Ok(1));
    /// sem.close();
    /// assert!(sem.acquire().await.is_err());
    /// # });
    /// ```
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        AcquireFuture::new(&self.inner, 1).await?;
        Ok(SemaphorePermit {
            sem: self,
            permits: 1,
        })
    }

    /// Waits for `n` permits at once. The request keeps its FIFO place: later, smaller requests do
    /// not overtake it.
    ///
    /// # Cancel safety
    ///
    /// Same as [`Semaphore::acquire`]: permits already set aside for this request are passed on.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// ```
    /// use futures_lite::future::poll_once;
    /// use zokio_sync::Semaphore;
    /// # futures_lite::future::block_on(async {
    /// let sem = Semaphore::new(2);
    /// let mut big = Box::pin(sem.acquire_many(3));
    /// assert!(poll_once(&mut big).await.is_none()); // waits, holding its place
    /// assert!(sem.try_acquire().is_err()); // a smaller request may not jump the queue
    /// sem.add_permits(1);
    /// assert_eq!(big.await.unwrap().num_permits(), 3);
    /// # });
    /// ```
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        AcquireFuture::new(&self.inner, n as usize).await?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Takes one permit if one is available and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    ///
    /// ```
    /// use zokio_sync::{Semaphore, TryAcquireError};
    /// let sem = Semaphore::new(1);
    /// let permit = sem.try_acquire().unwrap();
    /// assert_eq!(sem.try_acquire().err(), Some(TryAcquireError::NoPermits));
    /// drop(permit);
    /// assert!(sem.try_acquire().is_ok());
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.inner.try_acquire(1)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: 1,
        })
    }

    /// Takes `n` permits if they are available and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    ///
    /// ```
    /// use zokio_sync::{Semaphore, TryAcquireError};
    /// let sem = Semaphore::new(3);
    /// assert_eq!(sem.try_acquire_many(4).err(), Some(TryAcquireError::NoPermits));
    /// let p = sem.try_acquire_many(3).unwrap();
    /// assert_eq!(p.num_permits(), 3);
    /// ```
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.inner.try_acquire(n as usize)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Waits for one permit from a shared semaphore; the permit keeps the `Arc` alive.
    ///
    /// # Cancel safety
    ///
    /// Same as [`Semaphore::acquire`].
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::Semaphore;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let limit = Arc::new(Semaphore::new(2));
    /// let mut tasks = Vec::new();
    /// for i in 0..4 {
    ///     // At most two tasks run at once: the third waits here for a permit.
    ///     let permit = limit.clone().acquire_owned().await.unwrap();
    ///     tasks.push(zokio::spawn(async move {
    ///         let _permit = permit; // released when the task ends
    ///         i * 2
    ///     }));
    /// }
    /// let mut sum = 0;
    /// for task in tasks {
    ///     sum += task.await.unwrap();
    /// }
    /// assert_eq!(sum, 12);
    /// # });
    /// ```
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// Waits for `n` permits from a shared semaphore.
    ///
    /// # Cancel safety
    ///
    /// Same as [`Semaphore::acquire`].
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::Semaphore;
    /// # futures_lite::future::block_on(async {
    /// let sem = Arc::new(Semaphore::new(5));
    /// let permit = sem.clone().acquire_many_owned(4).await.unwrap();
    /// assert_eq!((permit.num_permits(), sem.available_permits()), (4, 1));
    /// sem.close();
    /// assert!(sem.acquire_many_owned(1).await.is_err());
    /// # });
    /// ```
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        AcquireFuture::new(&self.inner, n as usize).await?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Takes one permit from a shared semaphore without waiting.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{Semaphore, TryAcquireError};
    /// let sem = Arc::new(Semaphore::new(1));
    /// let permit = sem.clone().try_acquire_owned().unwrap();
    /// assert_eq!(sem.clone().try_acquire_owned().err(), Some(TryAcquireError::NoPermits));
    /// drop(permit);
    /// assert!(sem.try_acquire_owned().is_ok());
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Takes `n` permits from a shared semaphore without waiting.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::{Semaphore, TryAcquireError};
    /// let sem = Arc::new(Semaphore::new(2));
    /// assert!(sem.clone().try_acquire_many_owned(3).is_err());
    /// let p = sem.clone().try_acquire_many_owned(2).unwrap();
    /// assert_eq!(p.num_permits(), 2);
    /// sem.close();
    /// assert_eq!(sem.try_acquire_many_owned(1).err(), Some(TryAcquireError::Closed));
    /// ```
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.inner.try_acquire(n as usize)?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Waits for one permit from synchronous code, blocking the thread; [`Semaphore::acquire`]
    /// for threads that are not running async code.
    ///
    /// # Panics
    ///
    /// When called from a thread that drives a zokio runtime (a worker or `block_on`): blocking
    /// there could deadlock. Use `acquire().await`, or call this from `spawn_blocking`.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// # Example
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::Semaphore;
    ///
    /// let semaphore = Arc::new(Semaphore::new(0));
    /// let worker = {
    ///     let semaphore = semaphore.clone();
    ///     std::thread::spawn(move || {
    ///         let permit = semaphore.blocking_acquire().unwrap();
    ///         permit.forget();
    ///     })
    /// };
    /// semaphore.add_permits(1);
    /// worker.join().unwrap();
    /// assert_eq!(semaphore.available_permits(), 0);
    /// ```
    #[track_caller]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        crate::blocking::block_on(self.acquire())
    }

    /// Waits for `n` permits at once from synchronous code, blocking the thread; the request
    /// keeps its FIFO place as in [`Semaphore::acquire_many`].
    ///
    /// # Panics
    ///
    /// As [`Semaphore::blocking_acquire`].
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::Semaphore;
    /// let sem = Arc::new(Semaphore::new(1));
    /// let s = sem.clone();
    /// let worker = std::thread::spawn(move || s.blocking_acquire_many(3).unwrap().num_permits());
    /// sem.add_permits(2); // now there are 3: the thread gets them all
    /// assert_eq!(worker.join().unwrap(), 3);
    /// ```
    #[track_caller]
    pub fn blocking_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        crate::blocking::block_on(self.acquire_many(n))
    }

    /// Waits for one permit of a shared semaphore from synchronous code, blocking the thread; the
    /// permit keeps the `Arc` alive.
    ///
    /// # Panics
    ///
    /// As [`Semaphore::blocking_acquire`].
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::Semaphore;
    /// let sem = Arc::new(Semaphore::new(1));
    /// let permit = sem.clone().blocking_acquire_owned().unwrap();
    /// // The owned permit can be sent to another thread, which releases it there.
    /// std::thread::spawn(move || drop(permit)).join().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        crate::blocking::block_on(self.acquire_owned())
    }

    /// Waits for `n` permits of a shared semaphore from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// As [`Semaphore::blocking_acquire`].
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::Semaphore;
    /// let sem = Arc::new(Semaphore::new(3));
    /// let permit = sem.clone().blocking_acquire_many_owned(2).unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// sem.close();
    /// assert!(sem.clone().blocking_acquire_many_owned(1).is_err());
    /// drop(permit); // returning permits still works after a close
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    #[track_caller]
    pub fn blocking_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        crate::blocking::block_on(self.acquire_many_owned(n))
    }

    /// Closes the semaphore: every waiting and future acquire fails with an error (also one whose
    /// permits were granted just before the close but that had not returned yet; they go back).
    /// Permits already handed out stay valid, and returning them still works.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio_sync::Semaphore;
    /// # zokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let sem = Arc::new(Semaphore::new(0));
    /// let waiter = zokio::spawn({
    ///     let sem = sem.clone();
    ///     async move { sem.acquire().await.is_err() }
    /// });
    /// # zokio::task::yield_now().await;
    /// sem.close(); // the task's `acquire` fails, waiting or not
    /// assert!(waiter.await.unwrap());
    /// # });
    /// ```
    pub fn close(&self) {
        self.inner.close();
    }

    /// Whether [`Semaphore::close`] was called.
    ///
    /// ```
    /// let sem = zokio_sync::Semaphore::new(1);
    /// assert!(!sem.is_closed());
    /// sem.close();
    /// assert!(sem.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}

/// Permits borrowed from a [`Semaphore`]; they go back when this is dropped.
///
/// ```
/// use zokio_sync::Semaphore;
/// # futures_lite::future::block_on(async {
/// let sem = Semaphore::new(2);
/// {
///     let _permit = sem.acquire().await.unwrap();
///     assert_eq!(sem.available_permits(), 1);
/// } // dropped: back to the semaphore
/// assert_eq!(sem.available_permits(), 2);
/// # });
/// ```
#[must_use = "dropping the permit releases it at once"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: u32,
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

impl SemaphorePermit<'_> {
    /// Drops the permits without returning them: the semaphore shrinks for good.
    ///
    /// ```
    /// let sem = zokio_sync::Semaphore::new(3);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 2); // one permit is gone for good
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    ///
    /// ```
    /// let sem = zokio_sync::Semaphore::new(8);
    /// let permit = sem.try_acquire_many(5).unwrap();
    /// assert_eq!(permit.num_permits(), 5);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// Moves `other`'s permits into `self`.
    ///
    /// # Panics
    ///
    /// If the permits come from different semaphores.
    ///
    /// ```
    /// let sem = zokio_sync::Semaphore::new(3);
    /// let mut a = sem.try_acquire().unwrap();
    /// let b = sem.try_acquire_many(2).unwrap();
    /// a.merge(b);
    /// assert_eq!(a.num_permits(), 3);
    /// drop(a);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    #[track_caller]
    pub fn merge(&mut self, mut other: SemaphorePermit<'_>) {
        assert!(
            std::ptr::eq(self.sem, other.sem),
            "merging permits from different semaphores"
        );
        self.permits += other.permits;
        other.permits = 0;
    }

    /// Splits `n` permits off into a new permit, or returns `None` if this holds fewer than `n`.
    ///
    /// ```
    /// let sem = zokio_sync::Semaphore::new(4);
    /// let mut permit = sem.try_acquire_many(4).unwrap();
    /// let part = permit.split(1).unwrap();
    /// assert_eq!((permit.num_permits(), part.num_permits()), (3, 1));
    /// assert!(permit.split(9).is_none()); // it holds only 3
    /// drop(part);
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        let n = u32::try_from(n).ok()?;
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(SemaphorePermit {
            sem: self.sem,
            permits: n,
        })
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.inner.release(self.permits as usize);
    }
}

/// Permits from an `Arc<Semaphore>`; they go back when this is dropped.
///
/// ```
/// use std::sync::Arc;
/// use zokio_sync::{OwnedSemaphorePermit, Semaphore};
/// # futures_lite::future::block_on(async {
/// let sem = Arc::new(Semaphore::new(1));
/// let permit: OwnedSemaphorePermit = sem.clone().acquire_owned().await.unwrap();
/// // No borrow of `sem`: the permit is `'static` and can be stored or sent anywhere.
/// let stash: Vec<OwnedSemaphorePermit> = vec![permit];
/// assert_eq!(sem.available_permits(), 0);
/// drop(stash);
/// assert_eq!(sem.available_permits(), 1);
/// # });
/// ```
#[must_use = "dropping the permit releases it at once"]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: u32,
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

impl OwnedSemaphorePermit {
    /// Drops the permits without returning them: the semaphore shrinks for good.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zokio_sync::Semaphore::new(2));
    /// sem.clone().try_acquire_owned().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zokio_sync::Semaphore::new(4));
    /// let permit = sem.try_acquire_many_owned(3).unwrap();
    /// assert_eq!(permit.num_permits(), 3);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// The semaphore the permits came from.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zokio_sync::Semaphore::new(1));
    /// let permit = sem.clone().try_acquire_owned().unwrap();
    /// assert!(Arc::ptr_eq(permit.semaphore(), &sem));
    /// ```
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }

    /// Moves `other`'s permits into `self`.
    ///
    /// # Panics
    ///
    /// If the permits come from different semaphores.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zokio_sync::Semaphore::new(2));
    /// let mut a = sem.clone().try_acquire_owned().unwrap();
    /// a.merge(sem.clone().try_acquire_owned().unwrap());
    /// assert_eq!(a.num_permits(), 2);
    /// ```
    #[track_caller]
    pub fn merge(&mut self, mut other: OwnedSemaphorePermit) {
        assert!(
            Arc::ptr_eq(&self.sem, &other.sem),
            "merging permits from different semaphores"
        );
        self.permits += other.permits;
        other.permits = 0;
    }

    /// Splits `n` permits off into a new permit, or returns `None` if this holds fewer than `n`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(zokio_sync::Semaphore::new(3));
    /// let mut permit = sem.clone().try_acquire_many_owned(3).unwrap();
    /// let one = permit.split(1).unwrap();
    /// assert_eq!((permit.num_permits(), one.num_permits()), (2, 1));
    /// assert!(permit.split(5).is_none());
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        let n = u32::try_from(n).ok()?;
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(OwnedSemaphorePermit {
            sem: Arc::clone(&self.sem),
            permits: n,
        })
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.inner.release(self.permits as usize);
    }
}
