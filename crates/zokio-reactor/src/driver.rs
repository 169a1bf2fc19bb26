//! The reactor: one poller, the registered sources, the timer wheel and the clock.
//!
//! The scheduler owns the [`Reactor`] and calls [`Driver::park`] when its thread has nothing to run
//! (or every `event_interval` task polls, with a zero timeout). One park:
//!
//! 1. fires due timers;
//! 2. waits on the poller for at most the scheduler's timeout and the time to the next timer (not at
//!    all if timers just fired), collecting at most `events_per_tick` events;
//! 3. records each event's readiness on its source and collects the wakers;
//! 4. fires the timers that fell due while waiting;
//! 5. wakes everything collected, after every lock has been released.
//!
//! Other threads interrupt a park through the poller's `notify`: [`Unpark`] does, and so does
//! inserting a timer earlier than the one the park is waiting for (tokio#3190).
//!
//! # No user code under a lock
//!
//! A waker is user code: its `wake` or its `Drop` may register a socket, create, reset or drop a
//! timer, or poll a source, i.e. take the very lock the reactor holds. The reactor's locks (the
//! slab of sources, each source's waiters, the timer wheel) are therefore only ever held to move
//! wakers in and out, never to wake or drop one:
//!
//! - a park, a shutdown and [`time::advance`](crate::time::advance) collect the wakers they release
//!   into a vector and wake them once every lock is released;
//! - storing a waker moves the one it replaces out, to be dropped after the lock is released, and
//!   removing a timer or a waiter does the same with the waker it held (see `time::timers` and
//!   `io::source`);
//! - a timer's waker is stored without the wheel's lock at all (`time::state`);
//! - removing a source drops the reactor's reference only at the next park, outside every lock.

use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::{Duration, Instant as StdInstant};

use slab::Slab;
use zokio_coop::driver::{Driver, Unpark};

use crate::handle::Handle;
use crate::io::source::Source;
use crate::selector::{Notifier, Poller, ReadyKey, Selector};
use crate::time::WakerId;
use crate::time::clock::Clock;
use crate::time::timers::{Inserted, Timers};

/// `parked_until` value while no park is in progress: inserting a timer never notifies then.
const NOT_PARKED: u64 = 0;

/// The timer wheel's tick, in nanoseconds: 1/8 ms. Deadlines are filed in whole ticks, rounded up,
/// so a timer fires at most one tick late (plus the wake-up latency of the OS), and the wait for it
/// is as precise (`epoll_pwait2` takes nanoseconds). With Tokio's 1 ms tick and `epoll_wait`'s whole
/// milliseconds, a `sleep(1 ms)` took about 2 ms; smol, which files exact instants, about 1.03 ms.
const TICK_NANOS: u128 = 125_000;

/// [`TICK_NANOS`] as a `Duration`.
pub(crate) const TICK: Duration = Duration::from_nanos(TICK_NANOS as u64);

/// `since` in whole ticks, rounded up (saturating).
fn ticks_rounded_up(since: Duration) -> u64 {
    let nanos = since.as_nanos();
    let ticks = nanos / TICK_NANOS + u128::from(nanos % TICK_NANOS != 0);
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// `since` in whole ticks, rounded down (saturating).
fn ticks_rounded_down(since: Duration) -> u64 {
    u64::try_from(since.as_nanos() / TICK_NANOS).unwrap_or(u64::MAX)
}

/// How long after the origin `tick` starts (any tick fits: `u64::MAX` ticks are about 73 million
/// years).
fn tick_start(tick: u64) -> Duration {
    let nanos = u128::from(tick) * TICK_NANOS;
    Duration::new(
        (nanos / 1_000_000_000) as u64,
        (nanos % 1_000_000_000) as u32,
    )
}

/// How a [`Reactor`] is set up.
#[derive(Debug, Clone)]
pub struct ReactorConfig {
    /// Whether sockets and other descriptors may be registered.
    pub enable_io: bool,
    /// Whether timers may be created.
    pub enable_time: bool,
    /// Whether the clock starts paused (see [`time::pause`](crate::time::pause)).
    pub start_paused: bool,
    /// The most poller events handled per park; more wait for the next park, so that task polls
    /// and I/O interleave. Default 1024.
    pub events_per_tick: usize,
}

impl Default for ReactorConfig {
    fn default() -> Self {
        ReactorConfig {
            enable_io: true,
            enable_time: true,
            start_paused: false,
            events_per_tick: 1024,
        }
    }
}

/// The state shared between the driver and every [`Handle`].
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) poller: Poller,
    /// Declared after `poller`: dropped (closed) after it.
    notifier: Notifier,
    pub(crate) io_enabled: bool,
    pub(crate) time_enabled: bool,
    /// Every registered source, for the shutdown to reach them all (the driver dispatches events by
    /// address and never takes this lock; see [`Inner::deregister`]).
    sources: Mutex<Slab<Arc<Source>>>,
    /// Sources deregistered since the driver's last park began: an event collected by a wait that
    /// was in progress may still carry their address, so they are freed only when the next park
    /// begins (see [`Inner::deregister`]).
    released: Mutex<Vec<Arc<Source>>>,
    pub(crate) clock: Clock,
    timers: Timers,
    /// Time zero of the wheel, on the reactor's clock.
    origin: StdInstant,
    /// The wheel deadline (tick) the driver is parked until; `u64::MAX` when parked without a timer.
    parked_until: AtomicU64,
    /// Set by [`Inner::unpark`]: a task was woken from outside the driver.
    unparked: AtomicBool,
    shut_down: AtomicBool,
    /// Where blocking work runs (`Handle::set_blocking`), held weakly: the runtime owns it.
    pub(crate) blocking: std::sync::OnceLock<std::sync::Weak<dyn crate::handle::Blocking>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every structure behind these locks is updated without calling out to user code, so a poisoned
    // lock only means some other thread panicked elsewhere; the data is consistent.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Inner {
    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Acquire)
    }

    pub(crate) fn unpark(&self) {
        self.unparked.store(true, Ordering::Release);
        self.notifier.notify(&self.poller);
    }

    // ---- I/O sources ----

    /// Adds `fd` to the poller. The caller must call [`deregister`](Self::deregister) before `fd` is
    /// closed.
    pub(crate) fn register(&self, fd: BorrowedFd<'_>, optimistic: bool) -> io::Result<Arc<Source>> {
        if self.is_shut_down() {
            return Err(crate::shutdown_error());
        }
        let source = {
            let mut sources = lock(&self.sources);
            let entry = sources.vacant_entry();
            let source = Arc::new(Source::new(entry.key(), optimistic));
            entry.insert(Arc::clone(&source));
            source
        };
        // The events carry the source's address, which stays valid as `deregister` explains.
        let key = Arc::as_ptr(&source) as usize;
        // SAFETY: the descriptor must be deleted from the poller before it is closed. Every caller of
        // `register` keeps ownership of `fd` and calls `deregister` (which deletes it) before
        // dropping it: see `Async::drop` and `Async::into_inner`, the only callers.
        let added = unsafe { self.poller.add(fd.as_raw_fd(), key) };
        if let Err(error) = added {
            let removed = lock(&self.sources).remove(source.key);
            drop(removed);
            return Err(error);
        }
        Ok(source)
    }

    /// Removes `fd` from the poller and forgets its source.
    ///
    /// Events name their source by its address, which the driver dereferences with no lookup. A
    /// wait in progress (on the driver's thread) may already have collected an event for `fd`, so
    /// the source's last reference from the reactor is not dropped here but kept in `released`
    /// until the driver begins its next park: that park's wait starts after the delete below, so
    /// no event it or a later one returns can carry this address, and the previous wait's events
    /// have all been dispatched by then.
    pub(crate) fn deregister(&self, source: &Source, fd: BorrowedFd<'_>) {
        // Errors mean the descriptor is already gone from the poller; nothing is left to undo.
        let _ = self.poller.delete(fd);
        let mut sources = lock(&self.sources);
        let removed = if sources
            .get(source.key)
            .is_some_and(|s| std::ptr::eq(Arc::as_ptr(s), source))
        {
            Some(sources.remove(source.key))
        } else {
            None
        };
        drop(sources);
        if let Some(removed) = removed {
            // The wakers it still holds are of no use any more: drop them now, not at the next
            // park (a task that dropped its socket must not find its waker kept alive).
            let mut stale = Vec::new();
            removed.shutdown(&mut stale);
            lock(&self.released).push(removed);
            drop(stale);
        }
    }

    /// Frees the sources deregistered before this park (see [`Inner::deregister`]); their stored
    /// wakers, if these were the last references, are dropped outside every lock.
    fn free_released(&self) {
        let released = std::mem::take(&mut *lock(&self.released));
        drop(released);
    }

    // ---- timers ----

    /// `deadline` in whole ticks since the origin, rounded *up* so that a timer never fires early.
    pub(crate) fn deadline_tick(&self, deadline: StdInstant) -> u64 {
        deadline
            .checked_duration_since(self.origin)
            .map_or(0, ticks_rounded_up)
    }

    /// The clock's reading in whole ticks since the origin, rounded down.
    fn now_tick(&self) -> u64 {
        ticks_rounded_down(self.clock.now().saturating_duration_since(self.origin))
    }

    /// The instant at which `tick` starts.
    fn instant_of(&self, tick: u64) -> Option<StdInstant> {
        self.origin.checked_add(tick_start(tick))
    }

    /// Interrupts a park that waits beyond `when`.
    fn notify_if_earlier(&self, when: u64) {
        if when < self.parked_until.load(Ordering::Acquire) {
            self.notifier.notify(&self.poller);
        }
    }

    /// Registers a timer and polls it with `waker`: `None` when its deadline has already passed on
    /// the wheel (nothing is stored), else its key and whether it fired already. `registered` is
    /// the caller's note of its last waker registration, reset here for the new timer.
    pub(crate) fn insert_timer(
        &self,
        deadline: StdInstant,
        waker: &Waker,
        registered: &mut Option<WakerId>,
    ) -> Option<(usize, bool)> {
        let when = self.deadline_tick(deadline);
        match self.timers.insert(when) {
            Inserted::Key(key) => {
                self.notify_if_earlier(when);
                *registered = None;
                Some((key, self.timers.poll(key, waker, registered)))
            }
            Inserted::Due => None,
        }
    }

    /// Whether timer `key` fired; if not, `waker` is woken when it does. Takes no lock.
    pub(crate) fn poll_timer(
        &self,
        key: usize,
        waker: &Waker,
        registered: &mut Option<WakerId>,
    ) -> bool {
        self.timers.poll(key, waker, registered)
    }

    /// Moves timer `key` to `deadline`. When that has already passed, the timer is marked fired and
    /// its task woken.
    pub(crate) fn reset_timer(&self, key: usize, deadline: StdInstant) {
        let when = self.deadline_tick(deadline);
        match self.timers.reset(key, when) {
            Ok(()) => self.notify_if_earlier(when),
            Err(waker) => {
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
        }
    }

    /// Removes timer `key`; the waker it still held is dropped after the wheel's lock is released.
    pub(crate) fn remove_timer(&self, key: usize) {
        drop(self.timers.remove(key));
    }

    /// Fires every timer due at the clock's current reading (used after a manual `advance`).
    pub(crate) fn fire_due_timers(&self) {
        let mut wakers = Vec::new();
        let now = self.now_tick();
        let mut wheel = self.timers.wheel();
        self.timers.process(&mut wheel, now, &mut wakers);
        drop(wheel);
        wake_all(wakers.into_iter());
    }
}

/// Wakes `wakers` in order, skipping a waker that wakes the same task as the one before it (it is
/// dropped instead): one task waiting on many timers, such as a `block_on` that awaits a batch of
/// sleeps one after another, is woken once per turn instead of once per timer. A task woken
/// twice in a row is polled once either way.
fn wake_all(wakers: impl Iterator<Item = Waker>) {
    let mut pending: Option<Waker> = None;
    for waker in wakers {
        match &pending {
            Some(previous) if previous.will_wake(&waker) => drop(waker),
            _ => {
                if let Some(previous) = pending.replace(waker) {
                    previous.wake();
                }
            }
        }
    }
    if let Some(last) = pending {
        last.wake();
    }
}

/// Wakes a parked [`Reactor`] from any thread.
#[derive(Debug)]
struct Unparker(Arc<Inner>);

impl Unpark for Unparker {
    fn unpark(&self) {
        self.0.unpark();
    }
}

/// The I/O and timer driver: a scheduler parks on it. See the [crate docs](crate).
#[derive(Debug)]
pub struct Reactor {
    inner: Arc<Inner>,
    selector: Selector,
    /// Events of the last wait, reused between parks.
    ready: Vec<ReadyKey>,
    /// Reused between parks to avoid an allocation per park.
    wakers: Vec<Waker>,
}

impl Reactor {
    /// Creates a reactor with its own poller.
    ///
    /// # Errors
    ///
    /// Fails if the poller cannot be created (e.g. out of file descriptors), or with `Unsupported` on
    /// a platform whose poller has no edge-triggered mode (Linux, Android, macOS, iOS and the BSDs
    /// have one).
    pub fn new(config: ReactorConfig) -> io::Result<Reactor> {
        let poller = Poller::new()?;
        let notifier = Notifier::new(&poller)?;
        let clock = Clock::new(config.start_paused);
        let origin = clock.origin();
        let capacity = NonZeroUsize::new(config.events_per_tick).unwrap_or(NonZeroUsize::MIN);
        Ok(Reactor {
            inner: Arc::new(Inner {
                poller,
                notifier,
                io_enabled: config.enable_io,
                time_enabled: config.enable_time,
                sources: Mutex::new(Slab::new()),
                released: Mutex::new(Vec::new()),
                clock,
                timers: Timers::new(),
                origin,
                parked_until: AtomicU64::new(NOT_PARKED),
                unparked: AtomicBool::new(false),
                blocking: std::sync::OnceLock::new(),
                shut_down: AtomicBool::new(false),
            }),
            selector: Selector::new(capacity),
            ready: Vec::with_capacity(capacity.get().min(4096)),
            wakers: Vec::new(),
        })
    }

    /// A handle to this reactor, to [`enter`](Handle::enter) it on other threads.
    pub fn handle(&self) -> Handle {
        Handle {
            inner: Arc::clone(&self.inner),
        }
    }

    /// Runs `future` to completion on the current thread, parking on this reactor between polls.
    ///
    /// This is a minimal single-future executor for the reactor alone (tests, tools, examples); the
    /// `zokio` runtime is what runs many tasks.
    ///
    /// ```
    /// use zokio_reactor::{Reactor, ReactorConfig, time};
    ///
    /// let mut reactor = Reactor::new(ReactorConfig::default()).unwrap();
    /// let start = time::Instant::now();
    /// // Timers and sockets find the reactor from inside `block_on`, so create them there.
    /// reactor.block_on(async { time::sleep(time::Duration::from_millis(5)).await });
    /// assert!(start.elapsed() >= time::Duration::from_millis(5));
    /// ```
    pub fn block_on<F: std::future::Future>(&mut self, future: F) -> F::Output {
        crate::block_on::block_on(self, future)
    }

    fn collect_timers(&self, wakers: &mut Vec<Waker>) {
        if self.inner.time_enabled {
            let now = self.inner.now_tick();
            let mut wheel = self.inner.timers.wheel();
            self.inner.timers.process(&mut wheel, now, wakers);
        }
    }

    /// Decides how long to wait: `(poll timeout, wheel deadline to auto-advance to)`.
    fn plan_wait(&self, timeout: Option<Duration>, ready: bool) -> (Option<Duration>, Option<u64>) {
        let inner = &*self.inner;
        if ready {
            return (Some(Duration::ZERO), None);
        }
        if !inner.time_enabled {
            return (timeout, None);
        }
        let wheel = inner.timers.wheel();
        let next = wheel.next_deadline();
        if inner.clock.is_paused() {
            // Timers run on virtual time: they never bound a real wait. With every task idle
            // (`None`), collect ready I/O and then jump the clock to the next timer instead.
            return match (timeout, next) {
                // Unless blocking work that may still wake a task is in flight: then wait for it
                // (its end unparks the driver) and leave the clock where it is.
                (None, Some(next)) if inner.clock.may_auto_advance() => {
                    (Some(Duration::ZERO), Some(next))
                }
                (timeout, _) => {
                    let until = if timeout == Some(Duration::ZERO) {
                        NOT_PARKED
                    } else {
                        u64::MAX
                    };
                    inner.parked_until.store(until, Ordering::Release);
                    (timeout, None)
                }
            };
        }
        let until_timer = next.map(|next| match inner.instant_of(next) {
            Some(at) => at.saturating_duration_since(inner.clock.now()),
            None => Duration::MAX,
        });
        let wait = match (timeout, until_timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let until = match wait {
            Some(Duration::ZERO) => NOT_PARKED,
            _ => next.unwrap_or(u64::MAX),
        };
        // Published under the wheel lock: a timer inserted after this point sees it and notifies.
        inner.parked_until.store(until, Ordering::Release);
        drop(wheel);
        (wait, None)
    }
}

impl Driver for Reactor {
    fn park(&mut self, timeout: Option<Duration>) {
        let mut wakers = std::mem::take(&mut self.wakers);
        self.collect_timers(&mut wakers);
        let (wait, advance_to) = self.plan_wait(timeout, !wakers.is_empty());

        self.ready.clear();
        let inner = &*self.inner;
        inner.free_released();
        // Errors other than EINTR mean the poller itself is broken, e.g. its descriptor was closed;
        // returning lets the scheduler run, and the next park retries.
        let _ = self
            .selector
            .wait(&inner.poller, &inner.notifier, wait, &mut self.ready);
        inner.parked_until.store(NOT_PARKED, Ordering::Release);
        let unparked = inner.unparked.swap(false, Ordering::AcqRel);

        let before = wakers.len();
        for event in &self.ready {
            // SAFETY: `event.key` is the address of a `Source` that was registered with this
            // poller (`register`); the reactor keeps a reference to it until the park after its
            // deregistration begins (`deregister`, `free_released`), and this park's wait began
            // after `free_released` ran, so every source an event of it names is still alive.
            let source = unsafe { &*(event.key as *const Source) };
            source.set_readiness(event.readable, event.writable, event.extra, &mut wakers);
        }
        if let Some(next) = advance_to {
            if wakers.len() == before && !unparked {
                if let Some(at) = self.inner.instant_of(next) {
                    self.inner.clock.advance_to(at);
                }
            }
        }
        self.collect_timers(&mut wakers);

        wake_all(wakers.drain(..));
        self.wakers = wakers;
    }

    fn unparker(&self) -> Arc<dyn Unpark> {
        Arc::new(Unparker(Arc::clone(&self.inner)))
    }

    fn shutdown(&mut self) {
        let inner = &*self.inner;
        inner.shut_down.store(true, Ordering::Release);
        let mut wakers = Vec::new();
        for (_, source) in lock(&inner.sources).iter() {
            source.shutdown(&mut wakers);
        }
        inner.timers.fire_all(&mut wakers);
        wake_all(wakers.into_iter());
    }
}

impl Drop for Reactor {
    fn drop(&mut self) {
        if !self.inner.is_shut_down() {
            self.shutdown();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tick_tests {
    use super::*;

    #[test]
    fn deadlines_round_up_and_readings_round_down_to_the_tick() {
        let ms = Duration::from_millis(1);
        assert_eq!(ticks_rounded_up(ms), 8, "1 ms is 8 ticks exactly");
        assert_eq!(ticks_rounded_up(ms + Duration::from_nanos(1)), 9);
        assert_eq!(ticks_rounded_down(ms + TICK - Duration::from_nanos(1)), 8);
        assert_eq!(ticks_rounded_up(Duration::ZERO), 0);
        assert_eq!(ticks_rounded_up(Duration::MAX), u64::MAX, "saturates");
        assert_eq!(ticks_rounded_down(Duration::MAX), u64::MAX);
    }

    #[test]
    fn a_tick_starts_where_its_deadlines_round_to() {
        for since in [
            Duration::from_micros(1),
            Duration::from_micros(1_130),
            Duration::from_secs(7),
        ] {
            let tick = ticks_rounded_up(since);
            let start = tick_start(tick);
            // Never early, and at most one tick late.
            assert!(
                start >= since && start - since < TICK,
                "{since:?} -> {start:?}"
            );
            assert_eq!(ticks_rounded_down(start), tick);
        }
        assert_eq!(
            ticks_rounded_down(tick_start(u64::MAX)),
            u64::MAX,
            "every tick fits"
        );
    }
}
