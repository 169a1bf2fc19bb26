//! Per-descriptor readiness: what the driver knows about one registered source.
//!
//! # Edge-triggered, registered once
//!
//! Each source is added to the poller **once**, in edge-triggered mode, with interest in both
//! directions. Oneshot mode (async-io's choice) needs an `epoll_ctl`/`kevent` call every time a task
//! starts waiting, to re-arm the interest; level mode reports a readable socket on every wait until it is
//! drained. Edge mode costs one syscall per source lifetime, and the kernel reports each new arrival of
//! data or buffer space once. The price is that the reactor must remember readiness itself, which it does
//! here: a direction stays "ready" until an operation on it returns `WouldBlock`.
//!
//! # The WouldBlock-versus-event race
//!
//! An operation can return `WouldBlock`, then an event arrive, then the operation clear the readiness
//! it saw: the event is lost and, in edge mode, never repeated. To prevent this, every event dispatch
//! bumps a per-source **tick** stored in the same atomic word as the readiness bits. An operation
//! remembers the tick at which it saw the direction ready ([`ReadyEvent`]) and clears readiness only if
//! the tick is unchanged; otherwise an event arrived meanwhile and it simply retries.
//!
//! # Readiness beyond the two directions
//!
//! Besides `READABLE` and `WRITABLE` the state keeps Tokio's other readiness (`READ_CLOSED`,
//! `WRITE_CLOSED`, `PRIORITY`, `ERROR`; see [`Ready`](crate::io::Ready)) for the readiness API
//! (`ready(interest)`, `AsyncFd`'s guards). The closed states are final: clearing never removes
//! them. Operations look at their direction's bit, which the poller's hang-up and error events set
//! too, and reads also at `READ_CLOSED`: a short read may clear the readable bit while the peer's
//! FIN waits behind the data (see `io::poll_io_stream`), and the read must still run to see it.
//!
//! # Wakers
//!
//! Per direction there is one waker slot for the `poll_*` methods (one reader and one writer, as
//! `AsyncRead`/`AsyncWrite` imply) and a list for the `&self` async methods (`readable()`,
//! `recv`, `accept`), which any number of tasks may await at once. The driver takes wakers under the
//! source's lock and wakes them after releasing every lock.
//!
//! # No user code under the lock
//!
//! A waker's `wake` and `Drop` are user code, and they may well poll or drop an operation on this
//! same source (a waker that owns the other half of a stream, say). The waiters' lock is thus held
//! only to move wakers: [`set_readiness`](Source::set_readiness) and [`shutdown`](Source::shutdown)
//! *take* them into the driver's vector, which wakes them once every lock is released; storing a
//! new waker moves the one it replaces out and drops it after the unlock, and so does removing a
//! waiter's entry. Nothing is woken or dropped while the lock is held (only the new waker is
//! cloned into its slot there).

use std::io;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, Waker};

// From the loom facade: a loom model checks this word's tick against `WouldBlock`.
use crate::loom::{AtomicUsize, Mutex, MutexGuard};

use slab::Slab;

/// The readiness bits, in the layout of [`Ready`](crate::io::Ready).
pub(crate) mod bits {
    pub(crate) const READABLE: usize = 0b00_0001;
    pub(crate) const WRITABLE: usize = 0b00_0010;
    pub(crate) const READ_CLOSED: usize = 0b00_0100;
    pub(crate) const WRITE_CLOSED: usize = 0b00_1000;
    pub(crate) const PRIORITY: usize = 0b01_0000;
    pub(crate) const ERROR: usize = 0b10_0000;
    pub(crate) const ALL_READY: usize = 0b11_1111;
    /// Final states, which no operation's `WouldBlock` clears.
    pub(crate) const CLOSED: usize = READ_CLOSED | WRITE_CLOSED;
}

use bits::{ALL_READY, CLOSED, ERROR, PRIORITY, READ_CLOSED, READABLE, WRITABLE, WRITE_CLOSED};

const SHUTDOWN: usize = 0b100_0000;
/// Set with `READABLE` (`WRITABLE`) when a source starts optimistic: the direction is assumed ready,
/// not reported so. Operations need not care (their `WouldBlock` tells), but a pure readiness wait
/// checks such a guess with the OS first (`io::readiness`). An event for the direction, or a clear,
/// ends the guess.
const GUESSED_READ: usize = READABLE << GUESS_SHIFT;
const GUESSED_WRITE: usize = WRITABLE << GUESS_SHIFT;
const GUESS_SHIFT: u32 = 7;
const TICK_SHIFT: u32 = 16;
const BITS_MASK: usize = (1 << TICK_SHIFT) - 1;

/// A direction of readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read = 0,
    Write = 1,
}

impl Direction {
    fn mask(self) -> usize {
        match self {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        }
    }

    /// The directions whose wakers a wait for the readiness bits in `mask` needs.
    fn for_mask(mask: usize) -> [bool; 2] {
        [
            mask & (READABLE | READ_CLOSED | PRIORITY | ERROR) != 0,
            mask & (WRITABLE | WRITE_CLOSED) != 0,
        ]
    }
}

/// Proof that some readiness was seen at a given tick; pass it back to [`Source::clear_readiness`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadyEvent {
    tick: usize,
    /// The readiness bits seen (those asked for only).
    pub(crate) ready: usize,
    /// Which of `READABLE`/`WRITABLE` in `ready` are guesses of an optimistic start.
    pub(crate) guessed: usize,
}

impl ReadyEvent {
    /// The same proof, with its guesses confirmed.
    pub(crate) fn confirmed(self) -> ReadyEvent {
        ReadyEvent { guessed: 0, ..self }
    }

    /// The same proof for fewer bits (those of `ready` only).
    pub(crate) fn with_ready(self, ready: usize) -> ReadyEvent {
        ReadyEvent {
            ready: self.ready & ready,
            guessed: self.guessed & ready,
            ..self
        }
    }
}

/// The guess bit of each of the `READABLE`/`WRITABLE` bits in `ready`.
fn guess_bits(ready: usize) -> usize {
    (ready & (READABLE | WRITABLE)) << GUESS_SHIFT
}

/// The `READABLE`/`WRITABLE` bits whose guess bit is set in `state`.
fn guessed_of(state: usize) -> usize {
    (state >> GUESS_SHIFT) & (READABLE | WRITABLE)
}

#[derive(Debug, Default)]
struct Waiters {
    slot: [Option<Waker>; 2],
    lists: [Slab<Option<Waker>>; 2],
}

/// The readiness of one registered descriptor.
#[derive(Debug)]
pub(crate) struct Source {
    /// The key of this source in the reactor's slab and in the poller.
    pub(crate) key: usize,
    /// Readiness, guess and shutdown bits below `TICK_SHIFT`, the event tick above.
    state: AtomicUsize,
    waiters: Mutex<Waiters>,
}

fn shutdown_error() -> io::Error {
    crate::shutdown_error()
}

impl Source {
    /// A source whose directions start as ready when `optimistic` (the first operation then tries the
    /// syscall at once instead of waiting for the first event).
    pub(crate) fn new(key: usize, optimistic: bool) -> Source {
        Source {
            key,
            state: AtomicUsize::new(if optimistic {
                READABLE | WRITABLE | GUESSED_READ | GUESSED_WRITE
            } else {
                0
            }),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Waiters> {
        // Waiters are plain `Option<Waker>`s; a panic in a waker's clone cannot leave them inconsistent.
        self.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records an event from the poller and collects the wakers it releases. `extra` holds the
    /// event's `READ_CLOSED`, `WRITE_CLOSED`, `PRIORITY` and `ERROR` bits.
    pub(crate) fn set_readiness(
        &self,
        readable: bool,
        writable: bool,
        extra: usize,
        wakers: &mut Vec<Waker>,
    ) {
        let bits = (if readable { READABLE } else { 0 })
            | (if writable { WRITABLE } else { 0 })
            | (extra & (ALL_READY & !(READABLE | WRITABLE)));
        self.update(bits);
        let [read, write] = Direction::for_mask(bits);
        let directions = (if read { READABLE } else { 0 }) | (if write { WRITABLE } else { 0 });
        if directions != 0 {
            self.take_wakers(directions, wakers);
        }
    }

    /// Marks the source shut down and collects every waker.
    pub(crate) fn shutdown(&self, wakers: &mut Vec<Waker>) {
        self.update(SHUTDOWN);
        self.take_wakers(READABLE | WRITABLE, wakers);
    }

    fn update(&self, bits: usize) {
        let mut current = self.state.load(Ordering::Acquire);
        loop {
            let tick = (current >> TICK_SHIFT).wrapping_add(1);
            // Reported readiness is no guess any more.
            let kept = current & BITS_MASK & !guess_bits(bits);
            let next = (tick << TICK_SHIFT) | kept | bits;
            match self.state.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    fn take_wakers(&self, bits: usize, wakers: &mut Vec<Waker>) {
        let mut waiters = self.lock();
        for direction in [Direction::Read, Direction::Write] {
            if bits & direction.mask() == 0 {
                continue;
            }
            let index = direction as usize;
            wakers.extend(waiters.slot[index].take());
            for (_, waker) in waiters.lists[index].iter_mut() {
                wakers.extend(waker.take());
            }
        }
    }

    fn check(&self, direction: Direction) -> Option<io::Result<ReadyEvent>> {
        let state = self.state.load(Ordering::Acquire);
        if state & SHUTDOWN != 0 {
            return Some(Err(shutdown_error()));
        }
        // A read also proceeds once the peer has closed its side: the readable bit may have been
        // cleared by a short read while the FIN still waits behind the data (see
        // `io::poll_io_stream`), and the closed state is final.
        let ready = direction.mask()
            | match direction {
                Direction::Read => READ_CLOSED,
                Direction::Write => 0,
            };
        if state & ready != 0 {
            return Some(Ok(ReadyEvent {
                tick: state >> TICK_SHIFT,
                ready: direction.mask(),
                guessed: guessed_of(state) & direction.mask(),
            }));
        }
        None
    }

    /// Like [`check`](Self::check) for any readiness bits (`mask`): the ones set now.
    fn check_mask(&self, mask: usize) -> Option<io::Result<ReadyEvent>> {
        let state = self.state.load(Ordering::Acquire);
        if state & SHUTDOWN != 0 {
            return Some(Err(shutdown_error()));
        }
        let ready = state & mask;
        (ready != 0).then(|| {
            Ok(ReadyEvent {
                tick: state >> TICK_SHIFT,
                ready,
                guessed: guessed_of(state) & ready,
            })
        })
    }

    /// The readiness bits of `mask` set now (`None` if none), an error after shutdown.
    pub(crate) fn snapshot_mask(&self, mask: usize) -> io::Result<Option<ReadyEvent>> {
        self.check_mask(mask).transpose()
    }

    /// Whether any bit of `mask` is ready, else stores the task's waker for the directions that
    /// `mask` needs: in the single slots when `keys` is `None` (a `poll_*` method), else in the
    /// lists, `keys` holding the caller's entries (release them with
    /// [`remove_waiter`](Self::remove_waiter)).
    pub(crate) fn poll_mask(
        &self,
        cx: &mut Context<'_>,
        mask: usize,
        keys: Option<&mut [Option<usize>; 2]>,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(ready) = self.check_mask(mask) {
            return Poll::Ready(ready);
        }
        self.store_waker(cx, Direction::for_mask(mask), keys);
        match self.check_mask(mask) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// Stores the task's waker for `directions` (see [`poll_mask`](Self::poll_mask)).
    fn store_waker(
        &self,
        cx: &Context<'_>,
        directions: [bool; 2],
        mut keys: Option<&mut [Option<usize>; 2]>,
    ) {
        fn replace(slot: &mut Option<Waker>, cx: &Context<'_>) -> Option<Waker> {
            match slot {
                Some(waker) if waker.will_wake(cx.waker()) => None,
                slot => slot.replace(cx.waker().clone()),
            }
        }
        let mut replaced: [Option<Waker>; 2] = [None, None];
        let mut waiters = self.lock();
        for index in [0, 1] {
            if !directions[index] {
                continue;
            }
            replaced[index] = match keys.as_deref_mut() {
                None => replace(&mut waiters.slot[index], cx),
                Some(keys) => match keys[index] {
                    None => {
                        keys[index] = Some(waiters.lists[index].insert(Some(cx.waker().clone())));
                        None
                    }
                    Some(key) => replace(&mut waiters.lists[index][key], cx),
                },
            };
        }
        drop(waiters);
        // Outside the lock: the replaced wakers' `Drop` is user code (see the module docs).
        drop(replaced);
    }

    /// Settles the guesses in `event` (all `READABLE`/`WRITABLE` guesses): those in `confirmed`
    /// become reported readiness, the others are cleared. Does nothing if an event arrived since
    /// `event` was seen (the caller looks again).
    pub(crate) fn settle_guesses(&self, event: ReadyEvent, confirmed: usize) {
        let guessed = event.guessed;
        let denied = guessed & !confirmed;
        let _ = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
                (current >> TICK_SHIFT == event.tick)
                    .then_some(current & !guess_bits(guessed) & !denied)
            });
    }

    /// The direction's readiness now: `Some` when ready, `None` when not, an error after shutdown.
    pub(crate) fn snapshot(&self, direction: Direction) -> io::Result<Option<ReadyEvent>> {
        self.check(direction).transpose()
    }

    /// Whether `direction` is ready, else stores the task's waker in the direction's single slot.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(ready) = self.check(direction) {
            return Poll::Ready(ready);
        }
        self.store_waker(cx, direction_only(direction), None);
        // The driver sets readiness *before* taking the lock to collect wakers, so either it sees the
        // waker stored above, or this second check sees its readiness.
        match self.check(direction) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// Like [`poll_ready`](Self::poll_ready) for one of many concurrent waiters. `waiter` is the
    /// caller's entry in the direction's list, created on first use; release it with
    /// [`remove_waiter`](Self::remove_waiter).
    pub(crate) fn poll_ready_shared(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        waiter: &mut Option<usize>,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(ready) = self.check(direction) {
            return Poll::Ready(ready);
        }
        let mut keys = [None, None];
        keys[direction as usize] = *waiter;
        self.store_waker(cx, direction_only(direction), Some(&mut keys));
        *waiter = keys[direction as usize];
        match self.check(direction) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// Releases a waiter entry created by [`poll_ready_shared`](Self::poll_ready_shared).
    pub(crate) fn remove_waiter(&self, direction: Direction, waiter: usize) {
        let removed = self.lock().lists[direction as usize].remove(waiter);
        // The guard was a temporary of the statement above: the waker is dropped after the unlock.
        drop(removed);
    }

    /// Clears the readiness in `event` (but the closed states, which are final) if no event arrived
    /// since `event` was observed.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let mask = event.ready & !CLOSED;
        let mask = mask | guess_bits(mask);
        let mut current = self.state.load(Ordering::Acquire);
        loop {
            if current >> TICK_SHIFT != event.tick {
                // An event arrived after the operation saw readiness: keep it, the caller retries.
                return;
            }
            match self.state.compare_exchange_weak(
                current,
                current & !mask,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }
}

fn direction_only(direction: Direction) -> [bool; 2] {
    let mut directions = [false, false];
    directions[direction as usize] = true;
    directions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clear_after_a_newer_event_keeps_readiness() {
        let source = Source::new(0, true);
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        let Poll::Ready(Ok(seen)) = source.poll_ready(&mut cx, Direction::Read) else {
            panic!("optimistic source must start ready");
        };
        // The operation returned WouldBlock, but an event arrived before it cleared readiness.
        source.set_readiness(true, false, 0, &mut Vec::new());
        source.clear_readiness(seen);
        let Poll::Ready(Ok(again)) = source.poll_ready(&mut cx, Direction::Read) else {
            panic!("the newer event was lost");
        };
        // Clearing with the current tick does clear.
        source.clear_readiness(again);
        assert!(source.poll_ready(&mut cx, Direction::Read).is_pending());
        // Write readiness is independent.
        assert!(source.poll_ready(&mut cx, Direction::Write).is_ready());
    }

    fn ready_now(source: &Source, mask: usize) -> ReadyEvent {
        let mut cx = Context::from_waker(Waker::noop());
        match source.poll_mask(&mut cx, mask, None) {
            Poll::Ready(Ok(event)) => event,
            other => panic!("expected readiness, got {other:?}"),
        }
    }

    #[test]
    fn guesses_settle_only_at_their_tick() {
        let source = Source::new(0, true);
        let event = ready_now(&source, READABLE | WRITABLE);
        assert_eq!(event.guessed, READABLE | WRITABLE);
        // An event (for writing) arrived after the guesses were seen: settling them does nothing.
        source.set_readiness(false, true, 0, &mut Vec::new());
        source.settle_guesses(event, 0);
        let event = ready_now(&source, READABLE | WRITABLE);
        assert_eq!(
            (event.ready, event.guessed),
            (READABLE | WRITABLE, READABLE)
        );
        // Now the read guess is found wrong: cleared, and only reported writing remains.
        source.settle_guesses(event, 0);
        let event = ready_now(&source, READABLE | WRITABLE);
        assert_eq!((event.ready, event.guessed), (WRITABLE, 0));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(source.poll_mask(&mut cx, READABLE, None).is_pending());
    }

    #[test]
    fn closed_states_survive_clears_and_reads_proceed_on_them() {
        let source = Source::new(0, false);
        source.set_readiness(true, false, READ_CLOSED, &mut Vec::new());
        let event = ready_now(&source, READABLE | READ_CLOSED);
        assert_eq!((event.ready, event.guessed), (READABLE | READ_CLOSED, 0));
        source.clear_readiness(event);
        assert_eq!(
            ready_now(&source, READABLE | READ_CLOSED).ready,
            READ_CLOSED
        );
        // A read still runs (and sees the end of stream) once the peer closed, whatever cleared
        // the readable bit; writes wait on their own bit.
        let mut cx = Context::from_waker(Waker::noop());
        let read = source.poll_ready(&mut cx, Direction::Read);
        assert!(matches!(read, Poll::Ready(Ok(event)) if event.ready == READABLE));
        assert!(source.poll_ready(&mut cx, Direction::Write).is_pending());
    }

    #[test]
    fn event_wakes_stored_wakers_of_its_direction_only() {
        use std::sync::Arc;
        use std::sync::atomic::AtomicUsize;
        struct Count(AtomicUsize);
        impl std::task::Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let source = Source::new(0, false);
        let reader = Arc::new(Count(AtomicUsize::new(0)));
        let writer = Arc::new(Count(AtomicUsize::new(0)));
        let reader_waker = Waker::from(Arc::clone(&reader));
        let writer_waker = Waker::from(Arc::clone(&writer));
        assert!(
            source
                .poll_ready(&mut Context::from_waker(&reader_waker), Direction::Read)
                .is_pending()
        );
        let mut shared = None;
        assert!(
            source
                .poll_ready_shared(
                    &mut Context::from_waker(&writer_waker),
                    Direction::Write,
                    &mut shared
                )
                .is_pending()
        );
        let mut wakers = Vec::new();
        source.set_readiness(true, false, 0, &mut wakers);
        wakers.drain(..).for_each(Waker::wake);
        assert_eq!(reader.0.load(Ordering::SeqCst), 1);
        assert_eq!(writer.0.load(Ordering::SeqCst), 0);
        source.set_readiness(false, true, 0, &mut wakers);
        wakers.drain(..).for_each(Waker::wake);
        assert_eq!(writer.0.load(Ordering::SeqCst), 1);
        source.remove_waiter(Direction::Write, shared.unwrap());
        source.shutdown(&mut wakers);
        assert!(wakers.is_empty());
        let mut cx = Context::from_waker(Waker::noop());
        assert!(matches!(
            source.poll_ready(&mut cx, Direction::Read),
            Poll::Ready(Err(_))
        ));
    }
}
