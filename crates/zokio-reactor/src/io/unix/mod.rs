//! Unix-specific readiness I/O: [`AsyncFd`], Tokio's wrapper for any file descriptor, with its
//! guard API.

mod guard;

pub use guard::{AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};

use std::error::Error;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll, ready};

use crate::io::{Async, Interest};

/// A file descriptor registered with the reactor, for readiness-based I/O on anything that has one
/// (a pipe, an eventfd, a device, a socket the runtime has no type for), under Tokio's name.
///
/// `AsyncFd` takes ownership of `inner` and does no I/O itself: wait for readiness with
/// [`readable`](AsyncFd::readable), [`writable`](AsyncFd::writable) or
/// [`ready`](AsyncFd::ready), which return a guard; do the non-blocking operation through the guard's
/// [`try_io`](AsyncFdReadyGuard::try_io), which clears the readiness when the operation returns
/// `WouldBlock`, so that the next wait sleeps until the reactor sees a new event.
///
/// - The descriptor should be in non-blocking mode; `AsyncFd` does not change its flags. A
///   blocking descriptor works, but an operation may then block the thread.
/// - Readiness is what the reactor was told (edge-triggered): a new `AsyncFd` is ready only for what
///   the OS reports once it is registered, and it stays ready until cleared. Clearing is race-free:
///   if an event arrived after the guard was made, the clear does nothing and the next wait returns
///   at once.
/// - The reactor always watches every kind of readiness; the interest given to
///   [`with_interest`](AsyncFd::with_interest) is accepted for compatibility.
/// - `inner` must keep the descriptor open while it is registered (until the `AsyncFd` is dropped or
///   [`into_inner`](AsyncFd::into_inner) returns). Closing or replacing it through
///   [`get_mut`](AsyncFd::get_mut) is not undefined behaviour, but the reactor may then miss events
///   for another descriptor that reuses the number.
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use zokio_reactor::io::unix::AsyncFd;
/// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
/// # reactor.block_on(async {
/// let (a, mut b) = UnixStream::pair()?;
/// a.set_nonblocking(true)?;
/// let a = AsyncFd::new(a)?;
/// b.write_all(b"ping")?;
/// let mut buf = [0u8; 16];
/// let n = loop {
///     let mut guard = a.readable().await?;
///     match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
///         Ok(result) => break result?,
///         Err(_would_block) => continue, // readiness cleared: wait for the next event
///     }
/// };
/// assert_eq!(&buf[..n], b"ping");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct AsyncFd<T: AsRawFd> {
    /// The registration. Declared before `inner`, so that dropping an `AsyncFd` deletes the
    /// descriptor from the poller before `inner` (which owns it) closes it.
    io: Async<Descriptor>,
    inner: T,
}

/// The number of a descriptor that the `AsyncFd`'s inner value owns and keeps open.
struct Descriptor(RawFd);

impl AsFd for Descriptor {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: `AsyncFd` checks that the number is not negative, and its inner value keeps the
        // descriptor open for as long as this registration exists (see the type's docs: it is the
        // caller's contract, as in Tokio, and breaking it costs missed events, not memory safety).
        unsafe { BorrowedFd::borrow_raw(self.0) }
    }
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s descriptor with the current reactor, for reading and writing.
    ///
    /// # Errors
    ///
    /// Outside a reactor context with I/O enabled, or if the poller rejects the descriptor (an
    /// invalid one, or a regular file, which epoll does not support: `EPERM`).
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        AsyncFd::with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// Registers `inner`'s descriptor with the current reactor for `interest`.
    ///
    /// # Errors
    ///
    /// As [`new`](AsyncFd::new).
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        AsyncFd::try_with_interest(inner, interest).map_err(io::Error::from)
    }

    /// Like [`new`](AsyncFd::new), but gives `inner` back with the error.
    pub fn try_new(inner: T) -> Result<AsyncFd<T>, AsyncFdTryNewError<T>> {
        AsyncFd::try_with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// Like [`with_interest`](AsyncFd::with_interest), but gives `inner` back with the error.
    ///
    /// ```
    /// use std::os::fd::{AsRawFd, RawFd};
    /// use zokio_reactor::io::unix::AsyncFd;
    ///
    /// #[derive(Debug)]
    /// struct Invalid;
    /// impl AsRawFd for Invalid {
    ///     fn as_raw_fd(&self) -> RawFd {
    ///         -1
    ///     }
    /// }
    /// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
    /// # let _enter = reactor.handle().enter();
    /// let error = AsyncFd::try_new(Invalid).unwrap_err();
    /// let (_invalid, cause) = error.into_parts();
    /// assert_eq!(cause.raw_os_error(), Some(libc::EBADF));
    /// ```
    pub fn try_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdTryNewError<T>> {
        // Every kind of readiness is watched anyway (see the type's docs).
        let _ = interest;
        let fd = inner.as_raw_fd();
        if fd < 0 {
            return Err(AsyncFdTryNewError {
                inner,
                cause: io::Error::from_raw_os_error(libc::EBADF),
            });
        }
        // Not optimistic: only readiness the OS reports counts, as in Tokio.
        match Async::new_nonblocking(Descriptor(fd), false) {
            Ok(io) => Ok(AsyncFd { io, inner }),
            Err(cause) => Err(AsyncFdTryNewError { inner, cause }),
        }
    }

    /// The inner value.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The inner value, mutably (it must keep the descriptor open; see the type's docs).
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Deregisters the descriptor and returns the inner value.
    pub fn into_inner(self) -> T {
        let AsyncFd { io, inner } = self;
        // Deletes the descriptor from the poller; this cannot fail in a way worth reporting.
        let _ = io.into_inner();
        inner
    }

    /// Polls for read readiness, with a single waker slot shared with
    /// [`poll_read_ready_mut`](AsyncFd::poll_read_ready_mut) (one polling task at a time).
    ///
    /// Spends a unit of the task's cooperative budget when ready.
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.io.poll_ready_event(cx, Interest::READABLE.mask()))?;
        Poll::Ready(Ok(AsyncFdReadyGuard::new(self, event)))
    }

    /// [`poll_read_ready`](AsyncFd::poll_read_ready) with a guard that gives `&mut` access.
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = ready!(self.io.poll_ready_event(cx, Interest::READABLE.mask()))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard::new(self, event)))
    }

    /// Polls for write readiness (a single waker slot: one polling task at a time).
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.io.poll_ready_event(cx, Interest::WRITABLE.mask()))?;
        Poll::Ready(Ok(AsyncFdReadyGuard::new(self, event)))
    }

    /// [`poll_write_ready`](AsyncFd::poll_write_ready) with a guard that gives `&mut` access.
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = ready!(self.io.poll_ready_event(cx, Interest::WRITABLE.mask()))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard::new(self, event)))
    }

    /// Waits until the descriptor is ready for any of `interest`; the guard's
    /// [`ready`](AsyncFdReadyGuard::ready) says for what. Any number of tasks may wait at once.
    ///
    /// When waiting for several kinds, clear only what the operation showed to be gone, with
    /// [`clear_ready_matching`](AsyncFdReadyGuard::clear_ready_matching).
    ///
    /// # Errors
    ///
    /// When the reactor has shut down.
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let event = self.io.ready_event(interest.mask()).await?;
        Ok(AsyncFdReadyGuard::new(self, event))
    }

    /// [`ready`](AsyncFd::ready) with a guard that gives `&mut` access.
    pub async fn ready_mut(
        &mut self,
        interest: Interest,
    ) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = self.io.ready_event(interest.mask()).await?;
        Ok(AsyncFdReadyMutGuard::new(self, event))
    }

    /// Waits until the descriptor is readable (or its read direction closed).
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// [`readable`](AsyncFd::readable) with a guard that gives `&mut` access.
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// Waits until the descriptor is writable (or its write direction closed).
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// [`writable`](AsyncFd::writable) with a guard that gives `&mut` access.
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    /// Runs `f` whenever the descriptor is ready for `interest`, until it returns something other
    /// than `WouldBlock` (which clears the readiness and waits again).
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use zokio_reactor::io::{Interest, unix::AsyncFd};
    /// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
    /// # reactor.block_on(async {
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// let a = AsyncFd::new(a)?;
    /// b.write_all(b"hi")?;
    /// let mut buf = [0u8; 2];
    /// let n = a.async_io(Interest::READABLE, |s| (&*s).read(&mut buf)).await?;
    /// assert_eq!(&buf[..n], b"hi");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let inner = &self.inner;
        self.io.async_io_mask(interest.mask(), |_| f(inner)).await
    }

    /// [`async_io`](AsyncFd::async_io) with `&mut` access to the inner value.
    pub async fn async_io_mut<R>(
        &mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let inner = &mut self.inner;
        self.io.async_io_mask(interest.mask(), |_| f(inner)).await
    }

    /// Runs `f` once if the descriptor is ready for `interest`, else fails with `WouldBlock`; a
    /// `WouldBlock` from `f` clears the readiness.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let inner = &self.inner;
        self.io.try_io_mask(interest.mask(), |_| f(inner))
    }

    /// [`try_io`](AsyncFd::try_io) with `&mut` access to the inner value.
    pub fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let inner = &mut self.inner;
        self.io.try_io_mask(interest.mask(), |_| f(inner))
    }

    /// The registration, for the guards.
    fn registration(&self) -> &Async<Descriptor> {
        &self.io
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl<T: AsRawFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", &self.inner)
            .finish()
    }
}

/// The error of [`AsyncFd::try_new`] and [`AsyncFd::try_with_interest`]: the cause, and the value
/// that could not be registered.
pub struct AsyncFdTryNewError<T> {
    inner: T,
    cause: io::Error,
}

impl<T> AsyncFdTryNewError<T> {
    /// The value given to `try_new`, and the error.
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.cause)
    }
}

impl<T> fmt::Display for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

impl<T> fmt::Debug for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.cause, f)
    }
}

impl<T> Error for AsyncFdTryNewError<T> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.cause)
    }
}

impl<T> From<AsyncFdTryNewError<T>> for io::Error {
    fn from(error: AsyncFdTryNewError<T>) -> io::Error {
        error.cause
    }
}
