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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

/// Why a `try_acquire*` call failed.
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
    pub fn available_permits(&self) -> usize {
        self.inner.available_permits()
    }

    /// Adds `n` permits, serving waiting tasks first.
    ///
    /// # Panics
    ///
    /// If `n`, or the total, would exceed [`Semaphore::MAX_PERMITS`].
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        self.inner.release(n);
    }

    /// Removes up to `n` available permits for good and returns how many were removed. Permits that
    /// are held right now are not affected.
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
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Takes `n` permits from a shared semaphore without waiting.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
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
    pub fn close(&self) {
        self.inner.close();
    }

    /// Whether [`Semaphore::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}

/// Permits borrowed from a [`Semaphore`]; they go back when this is dropped.
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
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// Moves `other`'s permits into `self`.
    ///
    /// # Panics
    ///
    /// If the permits come from different semaphores.
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
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// The semaphore the permits came from.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }

    /// Moves `other`'s permits into `self`.
    ///
    /// # Panics
    ///
    /// If the permits come from different semaphores.
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
