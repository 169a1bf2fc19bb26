//! The Linux and Android poller: an epoll instance and an eventfd, owned by the reactor.

use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
#[cfg(target_os = "linux")]
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use super::notify_flag::{NotifyFlag, WakeFd};
use super::{ReadyKey, timeout_ms};

/// The key of the wake-up eventfd's events. Source keys are addresses of `Source`s, which are
/// aligned and never this value.
const NOTIFY_KEY: u64 = u64::MAX;

fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// The reactor's epoll instance.
#[derive(Debug)]
pub(crate) struct Poller {
    epoll: OwnedFd,
}

impl Poller {
    pub(crate) fn new() -> io::Result<Poller> {
        // SAFETY: `epoll_create1` has no memory-safety preconditions; the result is checked.
        let fd = check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: `fd` is a freshly created descriptor that nothing else owns.
        let epoll = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Poller { epoll })
    }

    /// Adds `fd`, edge-triggered, for both directions, priority data and the peer's half-close
    /// (hang-ups and errors are always reported). Its events carry `key`.
    ///
    /// # Safety
    ///
    /// `fd` must be deleted ([`Poller::delete`]) before it is closed, or the instance could report
    /// events for a later descriptor that reuses the number, with this key.
    pub(crate) unsafe fn add(&self, fd: RawFd, key: usize) -> io::Result<()> {
        let events = libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLPRI | libc::EPOLLRDHUP;
        self.ctl(libc::EPOLL_CTL_ADD, fd, events | libc::EPOLLET, key as u64)
    }

    /// Removes `fd`. Events already collected by a wait in progress may still carry its key.
    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_DEL, fd.as_raw_fd(), 0, 0)
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, events: libc::c_int, key: u64) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: events as u32,
            u64: key,
        };
        // SAFETY: the instance is live for `&self`, and `event` is a valid, initialised
        // epoll_event (ignored by EPOLL_CTL_DEL); what `fd` refers to is the caller's business
        // (see `add`), and a bad `fd` is reported as an error.
        check(unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), op, fd, &mut event) })?;
        Ok(())
    }
}

/// Wakes a driver blocked in `epoll_wait`.
#[derive(Debug)]
pub(crate) struct Notifier {
    /// What a notify writes to.
    eventfd: EventFd,
    /// Skips the write while a wake-up is pending (see [`NotifyFlag`]).
    flag: NotifyFlag,
}

/// The wake-up eventfd, registered with the epoll instance under [`NOTIFY_KEY`].
#[derive(Debug)]
struct EventFd(OwnedFd);

impl Notifier {
    /// Creates the eventfd and registers it with `poller`.
    pub(crate) fn new(poller: &Poller) -> io::Result<Notifier> {
        // SAFETY: `eventfd` has no memory-safety preconditions; the result is checked.
        let fd = check(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        // SAFETY: `fd` is a freshly created descriptor that nothing else owns.
        let eventfd = unsafe { OwnedFd::from_raw_fd(fd) };
        poller.ctl(
            libc::EPOLL_CTL_ADD,
            fd,
            libc::EPOLLIN | libc::EPOLLET,
            NOTIFY_KEY,
        )?;
        // The eventfd lives in the reactor next to the poller and is declared after it, so the
        // epoll instance (and with it the registration) is closed first.
        Ok(Notifier {
            eventfd: EventFd(eventfd),
            flag: NotifyFlag::new(),
        })
    }

    /// Makes the driver's current or next wait return (one write while a wake-up is pending).
    pub(crate) fn notify(&self, _poller: &Poller) {
        self.flag.notify(&self.eventfd);
    }
}

impl EventFd {
    /// Writes 1 to the counter: the write a notify makes.
    fn add_one(&self) -> io::Result<()> {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a valid u64 to an eventfd we own.
        let n = unsafe {
            libc::write(
                self.0.as_raw_fd(),
                (&one as *const u64).cast(),
                std::mem::size_of::<u64>(),
            )
        };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// Reads the counter, which sets it back to zero (nothing to read is fine).
    fn reset(&self) {
        let mut count: u64 = 0;
        // SAFETY: reads at most 8 bytes into a valid, writable u64 from an eventfd we own.
        unsafe {
            libc::read(
                self.0.as_raw_fd(),
                (&mut count as *mut u64).cast(),
                std::mem::size_of::<u64>(),
            )
        };
    }
}

impl WakeFd for EventFd {
    fn write(&self) {
        // At most three tries: an interrupted write is retried, and one that finds the counter full
        // (`EAGAIN`, after 2^64 - 2 writes that nobody read) resets it first.
        for _ in 0..3 {
            match self.add_one() {
                Ok(()) => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.reset(),
                Err(_) => return,
            }
        }
    }

    /// Nothing to consume. The eventfd is registered edge-triggered, and every write is an edge of
    /// its own whether or not the counter was read since the last one (the kernel wakes the epoll
    /// instance on each write), so the next wait blocks until the next write anyway. Reading the
    /// counter here, as zokio did before, cost a `read` system call per driver wake-up; mio does
    /// not read it either. The counter is reset only when a write finds it full (see `write`).
    fn drain(&self) {}
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

/// Whether `epoll_pwait2` (Linux 5.11+) works here: unknown until a wait first needs it.
#[cfg(target_os = "linux")]
static PWAIT2: AtomicU8 = AtomicU8::new(PWAIT2_UNKNOWN);
#[cfg(target_os = "linux")]
const PWAIT2_UNKNOWN: u8 = 0;
#[cfg(target_os = "linux")]
const PWAIT2_MISSING: u8 = 1;

/// `epoll_wait` with a nanosecond timeout: `epoll_pwait2` for a timeout with a fraction of a
/// millisecond (a timer's), so that the wait ends when the timer is due rather than up to a
/// millisecond after; plain `epoll_wait` otherwise, and always once the kernel (or a seccomp filter)
/// has refused `epoll_pwait2`. Returns what the system call returned, with `errno` as it left it.
///
/// # Safety
///
/// As for `epoll_wait`: `events` has room for `capacity` entries and `epfd` is a live epoll
/// descriptor for the duration of the call.
unsafe fn epoll_wait_precise(
    epfd: libc::c_int,
    events: *mut libc::epoll_event,
    capacity: libc::c_int,
    timeout: Option<Duration>,
) -> libc::c_int {
    #[cfg(target_os = "linux")]
    if let Some(timeout) = timeout.filter(|t| t.subsec_nanos() % 1_000_000 != 0) {
        if PWAIT2.load(Ordering::Relaxed) != PWAIT2_MISSING {
            let at_most = libc::timespec {
                tv_sec: libc::time_t::try_from(timeout.as_secs()).unwrap_or(libc::time_t::MAX),
                tv_nsec: timeout.subsec_nanos() as libc::c_long,
            };
            // SAFETY: the caller's guarantees cover the buffer and the descriptor; `at_most` lives
            // across the call, and a null signal mask leaves the mask alone (its size is unread).
            let n = unsafe {
                libc::syscall(
                    libc::SYS_epoll_pwait2,
                    epfd,
                    events,
                    capacity,
                    &at_most as *const libc::timespec,
                    std::ptr::null::<libc::sigset_t>(),
                    0usize,
                )
            };
            let refused = n < 0
                && matches!(
                    io::Error::last_os_error().raw_os_error(),
                    Some(libc::ENOSYS | libc::EPERM)
                );
            if !refused {
                return n as libc::c_int;
            }
            PWAIT2.store(PWAIT2_MISSING, Ordering::Relaxed);
        }
    }
    // SAFETY: forwarded from the caller.
    unsafe { libc::epoll_wait(epfd, events, capacity, timeout_ms(timeout)) }
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

    /// Waits for events (at most the buffer's capacity) and appends the sources' events to `ready`.
    pub(crate) fn wait(
        &mut self,
        poller: &Poller,
        notifier: &Notifier,
        timeout: Option<Duration>,
        ready: &mut Vec<ReadyKey>,
    ) -> io::Result<()> {
        self.events.clear();
        let capacity = self.events.capacity() as i32;
        // SAFETY: the buffer has room for `capacity` events, and the kernel writes at most that
        // many; the epoll instance is live for the duration of the call.
        let n = unsafe {
            epoll_wait_precise(
                poller.epoll.as_raw_fd(),
                self.events.as_mut_ptr(),
                capacity,
                timeout,
            )
        };
        if n < 0 {
            notifier.flag.wait_returned(&notifier.eventfd, false);
            let error = io::Error::last_os_error();
            // A signal interrupted the wait: a spurious return, which the driver trait allows.
            return match error.kind() {
                io::ErrorKind::Interrupted => Ok(()),
                _ => Err(error),
            };
        }
        // SAFETY: the kernel initialised the first `n` entries, and `n <= capacity`.
        unsafe { self.events.set_len(n as usize) };
        let mut woken = false;
        for event in &self.events {
            // Copy out of the (packed on x86_64) struct before use.
            let (flags, key) = (event.events, event.u64);
            if key == NOTIFY_KEY {
                woken = true;
                continue;
            }
            let flags = flags as libc::c_int;
            const READ: libc::c_int =
                libc::EPOLLIN | libc::EPOLLHUP | libc::EPOLLERR | libc::EPOLLPRI | libc::EPOLLRDHUP;
            const WRITE: libc::c_int = libc::EPOLLOUT | libc::EPOLLHUP | libc::EPOLLERR;
            ready.push(ReadyKey {
                key: key as usize,
                readable: flags & READ != 0,
                writable: flags & WRITE != 0,
                extra: extra_readiness(flags),
            });
        }
        // Lets the next notify write again (see `NotifyFlag`; the edge-triggered eventfd needs no
        // draining first, see `EventFd::drain`).
        notifier.flag.wait_returned(&notifier.eventfd, woken);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Notifier, Poller, Selector, epoll_wait_precise, extra_readiness};
    use std::num::NonZeroUsize;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::time::{Duration, Instant};

    /// A wait that a notify must end: far longer than any test waits for a notify that works.
    const LONG: Duration = Duration::from_secs(20);

    /// Waits with [`LONG`] as the timeout and returns how long it took.
    fn timed_wait(selector: &mut Selector, poller: &Poller, notifier: &Notifier) -> Duration {
        let start = Instant::now();
        let mut ready = Vec::new();
        selector
            .wait(poller, notifier, Some(LONG), &mut ready)
            .unwrap();
        assert!(ready.is_empty(), "the wake-up is not a source's event");
        start.elapsed()
    }

    /// The eventfd is never read: each notify must still end the wait after it, since each write
    /// is an edge of its own.
    #[test]
    fn every_notify_ends_a_wait_although_the_eventfd_is_never_read() {
        let poller = Poller::new().unwrap();
        let notifier = Notifier::new(&poller).unwrap();
        let mut selector = Selector::new(NonZeroUsize::new(8).unwrap());
        for round in 0..5 {
            notifier.notify(&poller);
            // A second notify before the wait is deduplicated (no write) and changes nothing.
            notifier.notify(&poller);
            assert!(
                timed_wait(&mut selector, &poller, &notifier) < LONG / 2,
                "round {round}: the notify did not end the wait"
            );
            // And the unread counter does not end the next wait: it blocks until its timeout.
            let quiet = Duration::from_millis(20);
            let start = Instant::now();
            selector
                .wait(&poller, &notifier, Some(quiet), &mut Vec::new())
                .unwrap();
            assert!(
                start.elapsed() >= quiet,
                "round {round}: woken with no notify"
            );
        }
    }

    /// A write that finds the counter full resets it and writes again: the notify is not lost.
    #[test]
    fn a_notify_that_finds_the_counter_full_still_ends_the_wait() {
        let poller = Poller::new().unwrap();
        let notifier = Notifier::new(&poller).unwrap();
        let mut selector = Selector::new(NonZeroUsize::new(8).unwrap());
        let full: u64 = u64::MAX - 1;
        // SAFETY: writes 8 bytes from a valid u64 to the notifier's eventfd, which outlives the call.
        let n = unsafe {
            libc::write(
                notifier.eventfd.0.as_raw_fd(),
                (&full as *const u64).cast(),
                std::mem::size_of::<u64>(),
            )
        };
        assert_eq!(n, 8);
        // That write was an edge: consume it.
        assert!(timed_wait(&mut selector, &poller, &notifier) < LONG / 2);
        notifier.notify(&poller);
        assert!(
            timed_wait(&mut selector, &poller, &notifier) < LONG / 2,
            "the notify was lost to the full counter"
        );
    }

    #[test]
    fn a_sub_millisecond_timeout_is_waited_out_never_cut_short() {
        // SAFETY: plain system call; the descriptor is owned (and closed) below.
        let epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        assert!(epfd >= 0);
        // SAFETY: `epfd` is a fresh descriptor nothing else owns.
        let epoll = unsafe { OwnedFd::from_raw_fd(epfd) };
        let mut events: Vec<libc::epoll_event> = Vec::with_capacity(4);
        for timeout in [Duration::from_micros(1_500), Duration::from_micros(250)] {
            let start = Instant::now();
            // SAFETY: room for 4 events; the epoll descriptor lives across the call.
            let n = unsafe {
                epoll_wait_precise(epoll.as_raw_fd(), events.as_mut_ptr(), 4, Some(timeout))
            };
            assert_eq!(n, 0, "nothing is registered: the wait times out");
            assert!(start.elapsed() >= timeout, "returned before {timeout:?}");
        }
    }

    #[test]
    fn without_epoll_pwait2_a_sub_millisecond_timeout_rounds_up_to_whole_milliseconds() {
        use super::{PWAIT2, PWAIT2_MISSING, PWAIT2_UNKNOWN};
        use std::sync::atomic::Ordering;
        // As after the kernel refused `epoll_pwait2` (other tests of this binary then wait through
        // `epoll_wait` too, which only costs them precision).
        PWAIT2.store(PWAIT2_MISSING, Ordering::Relaxed);
        // SAFETY: plain system call; the descriptor is owned (and closed) below.
        let epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        assert!(epfd >= 0);
        // SAFETY: `epfd` is a fresh descriptor nothing else owns.
        let epoll = unsafe { OwnedFd::from_raw_fd(epfd) };
        let mut events: Vec<libc::epoll_event> = Vec::with_capacity(1);
        let start = Instant::now();
        // SAFETY: room for 1 event; the epoll descriptor lives across the call.
        let n = unsafe {
            epoll_wait_precise(
                epoll.as_raw_fd(),
                events.as_mut_ptr(),
                1,
                Some(Duration::from_micros(1_100)),
            )
        };
        PWAIT2.store(PWAIT2_UNKNOWN, Ordering::Relaxed);
        assert_eq!(n, 0);
        assert!(
            start.elapsed() >= Duration::from_millis(2),
            "1.1 ms rounds up to a 2 ms epoll_wait"
        );
    }

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
