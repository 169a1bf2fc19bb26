//! Waiting for events and waking a waiting driver.
//!
//! Registration always goes through `polling`. On Linux and Android the *wait* calls `epoll_wait`
//! on the poller's epoll descriptor directly, and wake-ups use an eventfd of our own: `polling`'s
//! `wait` re-arms a timerfd and its notifier around every call (four extra syscalls per park),
//! which a reactor that parks once per scheduler tick cannot afford. The wheel only needs
//! millisecond timeouts, which `epoll_wait` takes natively. Elsewhere `polling`'s own `wait` and
//! `notify` are used.

use std::io;
use std::num::NonZeroUsize;
use std::time::Duration;

use polling::Poller;

/// An event: the source key and its readiness.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadyKey {
    pub(crate) key: usize,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod imp {
    use super::*;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::sync::atomic::{AtomicBool, Ordering};

    use polling::{Event, PollMode};

    /// The poller key of the wake-up eventfd (slab keys are small; `usize::MAX` is `polling`'s).
    const NOTIFY_KEY: u64 = (usize::MAX - 1) as u64;

    /// Wakes a driver blocked in `epoll_wait`.
    #[derive(Debug)]
    pub(crate) struct Notifier {
        eventfd: OwnedFd,
        /// Set from the first `notify` until the driver's next wait returns: later notifies skip the
        /// syscall, since one pending wake-up is enough.
        notified: AtomicBool,
    }

    impl Notifier {
        pub(crate) fn new(poller: &Poller) -> io::Result<Notifier> {
            // SAFETY: `eventfd` has no memory-safety preconditions; the result is checked below.
            let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `fd` is a freshly created descriptor that nothing else owns.
            let eventfd = unsafe { OwnedFd::from_raw_fd(fd) };
            // SAFETY: `polling` requires the descriptor to stay open while registered. The eventfd
            // lives in `Inner` next to the poller and is declared after it, so the poller (and with it
            // the registration) is closed first.
            unsafe {
                poller.add_with_mode(fd, Event::readable(NOTIFY_KEY as usize), PollMode::Edge)?;
            }
            Ok(Notifier {
                eventfd,
                notified: AtomicBool::new(false),
            })
        }

        pub(crate) fn notify(&self, _poller: &Poller) {
            if !self.notified.swap(true, Ordering::AcqRel) {
                let one: u64 = 1;
                // SAFETY: writes 8 bytes from a valid u64 to an eventfd we own. It can only fail
                // with EAGAIN when the counter is about to overflow, i.e. a wake-up is pending anyway.
                unsafe {
                    libc::write(
                        self.eventfd.as_raw_fd(),
                        (&one as *const u64).cast(),
                        std::mem::size_of::<u64>(),
                    )
                };
            }
        }

        fn drain(&self) {
            let mut count: u64 = 0;
            // SAFETY: reads at most 8 bytes into a valid, writable u64 from an eventfd we own;
            // EAGAIN (nothing to read) is fine.
            unsafe {
                libc::read(
                    self.eventfd.as_raw_fd(),
                    (&mut count as *mut u64).cast(),
                    std::mem::size_of::<u64>(),
                )
            };
        }
    }

    /// The driver's event buffer.
    pub(crate) struct Selector {
        events: Vec<libc::epoll_event>,
    }

    impl std::fmt::Debug for Selector {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Selector")
                .field("capacity", &self.events.capacity())
                .finish()
        }
    }

    impl Selector {
        pub(crate) fn new(capacity: NonZeroUsize) -> Selector {
            Selector {
                events: Vec::with_capacity(capacity.get().min(i32::MAX as usize)),
            }
        }

        /// Waits for events (at most the buffer's capacity) and appends the sources' events to
        /// `ready`.
        pub(crate) fn wait(
            &mut self,
            poller: &Poller,
            notifier: &Notifier,
            timeout: Option<Duration>,
            ready: &mut Vec<ReadyKey>,
        ) -> io::Result<()> {
            let timeout_ms = match timeout {
                None => -1,
                Some(timeout) => {
                    // Round up, so that a wait for a timer never ends just before it is due.
                    let ms =
                        timeout.as_millis() + u128::from(timeout.subsec_nanos() % 1_000_000 != 0);
                    i32::try_from(ms).unwrap_or(i32::MAX)
                }
            };
            self.events.clear();
            let capacity = self.events.capacity() as i32;
            // SAFETY: the buffer has room for `capacity` events, and the kernel writes at most that
            // many; `poller` is a live epoll instance for the duration of the call.
            let n = unsafe {
                libc::epoll_wait(
                    poller.as_raw_fd(),
                    self.events.as_mut_ptr(),
                    capacity,
                    timeout_ms,
                )
            };
            if n < 0 {
                notifier.notified.store(false, Ordering::Release);
                let error = io::Error::last_os_error();
                // A signal interrupted the wait: a spurious return, which the trait allows.
                return match error.kind() {
                    io::ErrorKind::Interrupted => Ok(()),
                    _ => Err(error),
                };
            }
            // SAFETY: the kernel initialised the first `n` entries, and `n <= capacity`.
            unsafe { self.events.set_len(n as usize) };
            for event in &self.events {
                // Copy out of the (packed on x86_64) struct before use.
                let (flags, key) = (event.events, event.u64);
                if key == NOTIFY_KEY {
                    notifier.drain();
                    continue;
                }
                let flags = flags as libc::c_int;
                const READ: libc::c_int = libc::EPOLLIN
                    | libc::EPOLLHUP
                    | libc::EPOLLERR
                    | libc::EPOLLPRI
                    | libc::EPOLLRDHUP;
                const WRITE: libc::c_int = libc::EPOLLOUT | libc::EPOLLHUP | libc::EPOLLERR;
                ready.push(ReadyKey {
                    key: key as usize,
                    readable: flags & READ != 0,
                    writable: flags & WRITE != 0,
                });
            }
            // Any notify from here on must write again. This comes after the drain: a write between
            // the drain and this store is skipped, but the scheduler checks its queues after the park
            // returns, while a write before the drain would be erased by it and lost for good.
            notifier.notified.store(false, Ordering::Release);
            Ok(())
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod imp {
    use super::*;
    use polling::Events;

    /// Wakes a waiting driver through `polling`'s notify.
    #[derive(Debug)]
    pub(crate) struct Notifier;

    impl Notifier {
        pub(crate) fn new(_poller: &Poller) -> io::Result<Notifier> {
            Ok(Notifier)
        }

        pub(crate) fn notify(&self, poller: &Poller) {
            // Only fails if the poller's own wake-up channel is broken; nothing better to do then.
            let _ = poller.notify();
        }
    }

    /// The driver's event buffer.
    #[derive(Debug)]
    pub(crate) struct Selector {
        events: Events,
    }

    impl Selector {
        pub(crate) fn new(capacity: NonZeroUsize) -> Selector {
            Selector {
                events: Events::with_capacity(capacity),
            }
        }

        /// Waits for events and appends the sources' events to `ready`.
        pub(crate) fn wait(
            &mut self,
            poller: &Poller,
            _notifier: &Notifier,
            timeout: Option<Duration>,
            ready: &mut Vec<ReadyKey>,
        ) -> io::Result<()> {
            self.events.clear();
            poller.wait(&mut self.events, timeout)?;
            for event in self.events.iter() {
                ready.push(ReadyKey {
                    key: event.key,
                    readable: event.readable,
                    writable: event.writable,
                });
            }
            Ok(())
        }
    }
}

pub(crate) use imp::{Notifier, Selector};
