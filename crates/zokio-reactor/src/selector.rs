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
    /// The event's closed, priority and error readiness, in `io::source::bits`' layout.
    pub(crate) extra: usize,
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod imp {
    use super::*;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
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

    /// Tokio's (and mio's) reading of an epoll event's closed, priority and error flags.
    pub(super) fn extra_readiness(flags: libc::c_int) -> usize {
        use crate::io::source::bits;
        let (hup, err) = (flags & libc::EPOLLHUP != 0, flags & libc::EPOLLERR != 0);
        let read_closed = hup || (flags & libc::EPOLLIN != 0 && flags & libc::EPOLLRDHUP != 0);
        let write_closed = hup || (err && flags & libc::EPOLLOUT != 0) || flags == libc::EPOLLERR;
        (if read_closed { bits::READ_CLOSED } else { 0 })
            | (if write_closed { bits::WRITE_CLOSED } else { 0 })
            | (if flags & libc::EPOLLPRI != 0 {
                bits::PRIORITY
            } else {
                0
            })
            | (if err { bits::ERROR } else { 0 })
    }

    /// Adds `fd` to the poller, edge-triggered, for both directions, priority data and the peer's
    /// half-close (`EPOLLRDHUP`, which `polling` does not register; hang-ups and errors are always
    /// reported). Deleting goes through `polling` as usual.
    ///
    /// # Safety
    ///
    /// As for `polling`'s `add`: `fd` must be deleted from the poller before it is closed.
    pub(crate) unsafe fn add(poller: &Poller, fd: RawFd, key: usize) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: (libc::EPOLLIN
                | libc::EPOLLOUT
                | libc::EPOLLPRI
                | libc::EPOLLRDHUP
                | libc::EPOLLET) as u32,
            u64: key as u64,
        };
        // SAFETY: `poller` is a live epoll instance and `event` a valid, initialised epoll_event;
        // the caller keeps `fd` registered no longer than it is open.
        let rc =
            unsafe { libc::epoll_ctl(poller.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut event) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
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
                    extra: extra_readiness(flags),
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

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::imp::extra_readiness;
    use crate::io::source::bits;

    #[test]
    fn epoll_flags_read_as_tokio_reads_them() {
        let (rd, hup, err) = (libc::EPOLLRDHUP, libc::EPOLLHUP, libc::EPOLLERR);
        let (input, out, pri) = (libc::EPOLLIN, libc::EPOLLOUT, libc::EPOLLPRI);
        assert_eq!(extra_readiness(input), 0);
        assert_eq!(extra_readiness(input | rd), bits::READ_CLOSED);
        assert_eq!(extra_readiness(input | out | hup), bits::CLOSED);
        assert_eq!(extra_readiness(err), bits::WRITE_CLOSED | bits::ERROR);
        assert_eq!(extra_readiness(out | err), bits::WRITE_CLOSED | bits::ERROR);
        assert_eq!(extra_readiness(input | err), bits::ERROR);
        assert_eq!(extra_readiness(input | pri), bits::PRIORITY);
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
                use crate::io::source::bits;
                let hup = event.is_interrupt();
                let err = event.is_err().unwrap_or(false);
                ready.push(ReadyKey {
                    key: event.key,
                    readable: event.readable,
                    writable: event.writable,
                    extra: (if hup { bits::CLOSED } else { 0 })
                        | (if event.is_priority() {
                            bits::PRIORITY
                        } else {
                            0
                        })
                        | (if err { bits::ERROR } else { 0 }),
                });
            }
            Ok(())
        }
    }

    /// Adds `fd` to the poller, edge-triggered, for both directions.
    ///
    /// # Safety
    ///
    /// As for `polling`'s `add`: `fd` must be deleted from the poller before it is closed.
    pub(crate) unsafe fn add(
        poller: &Poller,
        fd: std::os::fd::RawFd,
        key: usize,
    ) -> io::Result<()> {
        // SAFETY: forwarded to the caller.
        unsafe { poller.add_with_mode(fd, polling::Event::all(key), polling::PollMode::Edge) }
    }
}

pub(crate) use imp::{Notifier, Selector, add};
