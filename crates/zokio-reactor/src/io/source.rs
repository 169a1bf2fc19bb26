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
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use slab::Slab;

const READABLE: usize = 0b001;
const WRITABLE: usize = 0b010;
const SHUTDOWN: usize = 0b100;
const TICK_SHIFT: u32 = 8;
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
}

/// Proof that a direction was ready at a given tick; pass it back to [`Source::clear_readiness`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadyEvent {
    tick: usize,
    direction: Direction,
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
    /// Readiness bits in the low byte, the event tick above.
    state: AtomicUsize,
    waiters: Mutex<Waiters>,
}

fn shutdown_error() -> io::Error {
    io::Error::other("the reactor has shut down")
}

impl Source {
    /// A source whose directions start as ready when `optimistic` (the first operation then tries the
    /// syscall at once instead of waiting for the first event).
    pub(crate) fn new(key: usize, optimistic: bool) -> Source {
        Source {
            key,
            state: AtomicUsize::new(if optimistic { READABLE | WRITABLE } else { 0 }),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiters> {
        // Waiters are plain `Option<Waker>`s; a panic in a waker's clone cannot leave them inconsistent.
        self.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records an event from the poller and collects the wakers it releases.
    pub(crate) fn set_readiness(&self, readable: bool, writable: bool, wakers: &mut Vec<Waker>) {
        let bits = (if readable { READABLE } else { 0 }) | (if writable { WRITABLE } else { 0 });
        self.update(bits);
        if bits != 0 {
            self.take_wakers(bits, wakers);
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
            let next = (tick << TICK_SHIFT) | (current & BITS_MASK) | bits;
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
        if state & direction.mask() != 0 {
            return Some(Ok(ReadyEvent {
                tick: state >> TICK_SHIFT,
                direction,
            }));
        }
        None
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
        let mut waiters = self.lock();
        let replaced = match &mut waiters.slot[direction as usize] {
            Some(waker) if waker.will_wake(cx.waker()) => None,
            slot => slot.replace(cx.waker().clone()),
        };
        drop(waiters);
        // Outside the lock: the replaced waker's `Drop` is user code (see the module docs).
        drop(replaced);
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
        let mut waiters = self.lock();
        let list = &mut waiters.lists[direction as usize];
        let replaced = match *waiter {
            None => {
                *waiter = Some(list.insert(Some(cx.waker().clone())));
                None
            }
            Some(key) => match &mut list[key] {
                Some(waker) if waker.will_wake(cx.waker()) => None,
                slot => slot.replace(cx.waker().clone()),
            },
        };
        drop(waiters);
        drop(replaced);
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

    /// Clears the direction's readiness if no event arrived since `event` was observed.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let mask = event.direction.mask();
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
        source.set_readiness(true, false, &mut Vec::new());
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
        source.set_readiness(true, false, &mut wakers);
        wakers.drain(..).for_each(Waker::wake);
        assert_eq!(reader.0.load(Ordering::SeqCst), 1);
        assert_eq!(writer.0.load(Ordering::SeqCst), 0);
        source.set_readiness(false, true, &mut wakers);
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
