//! The readiness guards of [`AsyncFd`].

use std::fmt;
use std::io;
use std::os::fd::AsRawFd;

use crate::io::Ready;
use crate::io::source::ReadyEvent;
use crate::io::unix::AsyncFd;

/// The error of a guard's `try_io` whose operation returned `WouldBlock`: the readiness was
/// cleared, so wait again.
#[derive(Debug)]
pub struct TryIoError(());

/// Readiness of an [`AsyncFd`], as returned by [`readable`](AsyncFd::readable),
/// [`writable`](AsyncFd::writable) and [`ready`](AsyncFd::ready).
///
/// Dropping the guard keeps the readiness; [`clear_ready`](Self::clear_ready) (or a `WouldBlock` in
/// [`try_io`](Self::try_io)) clears it, so that the next wait sleeps until a new event. A clear does
/// nothing if an event arrived after the guard was made.
#[must_use = "a guard does nothing unless its readiness is used, cleared or retained"]
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    async_fd: &'a AsyncFd<T>,
    event: Option<ReadyEvent>,
}

/// [`AsyncFdReadyGuard`] with `&mut` access to the [`AsyncFd`], from the `_mut` methods.
#[must_use = "a guard does nothing unless its readiness is used, cleared or retained"]
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    async_fd: &'a mut AsyncFd<T>,
    event: Option<ReadyEvent>,
}

/// Clears the readiness of `ready` in `event` and keeps the rest (`None` when none is left).
fn clear_matching<T: AsRawFd>(async_fd: &AsyncFd<T>, event: &mut Option<ReadyEvent>, ready: Ready) {
    if let Some(seen) = event.take() {
        async_fd
            .registration()
            .clear_readiness(seen.with_ready(ready.bits()));
        let left = seen.ready & !ready.bits();
        if left != 0 {
            *event = Some(seen.with_ready(left));
        }
    }
}

fn ready_of(event: &Option<ReadyEvent>) -> Ready {
    event.map_or(Ready::EMPTY, |event| Ready::from_bits(event.ready))
}

fn is_would_block<R>(result: &io::Result<R>) -> bool {
    matches!(result, Err(error) if error.kind() == io::ErrorKind::WouldBlock)
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    pub(super) fn new(async_fd: &'a AsyncFd<T>, event: ReadyEvent) -> Self {
        AsyncFdReadyGuard {
            async_fd,
            event: Some(event),
        }
    }

    /// Clears all the readiness this guard saw (the closed states stay: they are final), unless an
    /// event arrived since.
    pub fn clear_ready(&mut self) {
        if let Some(event) = self.event.take() {
            self.async_fd.registration().clear_readiness(event);
        }
    }

    /// Clears only the readiness in `ready` (e.g. `Ready::READABLE` after a read returned
    /// `WouldBlock` on a guard from `ready(READABLE | WRITABLE)`); the guard keeps the rest.
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        clear_matching(self.async_fd, &mut self.event, ready);
    }

    /// Keeps the readiness (what dropping the guard does); for code that wants to say so.
    pub fn retain_ready(&mut self) {}

    /// The readiness this guard saw, less what it cleared.
    pub fn ready(&self) -> Ready {
        ready_of(&self.event)
    }

    /// Runs `f`, the non-blocking operation; a `WouldBlock` clears the readiness and becomes
    /// `Err(TryIoError)`, anything else is `Ok(result)`.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(self.async_fd);
        if is_would_block(&result) {
            self.clear_ready();
            return Err(TryIoError(()));
        }
        Ok(result)
    }

    /// The `AsyncFd`.
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.async_fd
    }

    /// The `AsyncFd`'s inner value.
    pub fn get_inner(&self) -> &'a T {
        self.async_fd.get_ref()
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyMutGuard<'a, T> {
    pub(super) fn new(async_fd: &'a mut AsyncFd<T>, event: ReadyEvent) -> Self {
        AsyncFdReadyMutGuard {
            async_fd,
            event: Some(event),
        }
    }

    /// Clears all the readiness this guard saw; see [`AsyncFdReadyGuard::clear_ready`].
    pub fn clear_ready(&mut self) {
        if let Some(event) = self.event.take() {
            self.async_fd.registration().clear_readiness(event);
        }
    }

    /// Clears only the readiness in `ready`; see [`AsyncFdReadyGuard::clear_ready_matching`].
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        clear_matching(self.async_fd, &mut self.event, ready);
    }

    /// Keeps the readiness (what dropping the guard does).
    pub fn retain_ready(&mut self) {}

    /// The readiness this guard saw, less what it cleared.
    pub fn ready(&self) -> Ready {
        ready_of(&self.event)
    }

    /// Runs `f` with `&mut` access; a `WouldBlock` clears the readiness and becomes
    /// `Err(TryIoError)`.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(self.async_fd);
        if is_would_block(&result) {
            self.clear_ready();
            return Err(TryIoError(()));
        }
        Ok(result)
    }

    /// The `AsyncFd`.
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.async_fd
    }

    /// The `AsyncFd`, mutably.
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.async_fd
    }

    /// The `AsyncFd`'s inner value.
    pub fn get_inner(&self) -> &T {
        self.async_fd.get_ref()
    }

    /// The `AsyncFd`'s inner value, mutably.
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.async_fd.get_mut()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard")
            .field("async_fd", self.async_fd)
            .field("ready", &self.ready())
            .finish()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyMutGuard")
            .field("async_fd", &*self.async_fd)
            .field("ready", &self.ready())
            .finish()
    }
}
