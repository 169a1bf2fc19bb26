//! `BroadcastStream` and `WatchStream` box their receive future once per stream, not once per
//! item: past the first item, the stream allocates no more than the bare receiver does.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use zokio::sync::{broadcast, watch};
use zokio_stream::Stream;
use zokio_stream::wrappers::{BroadcastStream, WatchStream};

/// Counts the allocations of the current thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the thread-local may be gone while a thread is torn down.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments, so `System`'s guarantees
// carry over; counting touches only a thread-local `Cell` that needs no allocation.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller upholds `alloc`'s contract, which is `System.alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: the caller upholds `realloc`'s contract, which is `System.realloc`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The allocations `f` makes on this thread.
fn allocations_of(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

const ROUNDS: u32 = 200;

fn cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

#[test]
fn broadcast_stream_allocates_nothing_per_item() {
    // Baseline: the bare receiver, one `recv` future per value (on the stack), with a wait before
    // each value.
    let (tx, mut rx) = broadcast::channel::<u32>(8);
    let round = |rx: &mut broadcast::Receiver<u32>, n: u32| {
        let mut recv = pin!(rx.recv());
        assert!(recv.as_mut().poll(&mut cx()).is_pending());
        tx.send(n).unwrap();
        assert_eq!(recv.poll(&mut cx()), Poll::Ready(Ok(n)));
    };
    round(&mut rx, 0);
    let bare = allocations_of(|| (1..=ROUNDS).for_each(|n| round(&mut rx, n)));

    let (tx, rx) = broadcast::channel::<u32>(8);
    let mut stream = BroadcastStream::new(rx);
    let round = |stream: &mut BroadcastStream<u32>, n: u32| {
        assert!(Pin::new(&mut *stream).poll_next(&mut cx()).is_pending());
        tx.send(n).unwrap();
        assert_eq!(
            Pin::new(&mut *stream).poll_next(&mut cx()),
            Poll::Ready(Some(Ok(n)))
        );
    };
    round(&mut stream, 0);
    let streamed = allocations_of(|| (1..=ROUNDS).for_each(|n| round(&mut stream, n)));
    assert!(
        streamed <= bare,
        "{streamed} allocations through the stream, {bare} without"
    );
    assert!(streamed < ROUNDS as usize, "{streamed}");
}

#[test]
fn watch_stream_allocates_nothing_per_item() {
    let (tx, mut rx) = watch::channel(0u32);
    let round = |rx: &mut watch::Receiver<u32>, n: u32| {
        {
            let mut changed = pin!(rx.changed());
            assert!(changed.as_mut().poll(&mut cx()).is_pending());
            tx.send(n).unwrap();
            assert_eq!(changed.poll(&mut cx()), Poll::Ready(Ok(())));
        }
        assert_eq!(*rx.borrow_and_update(), n);
    };
    round(&mut rx, 0);
    let bare = allocations_of(|| (1..=ROUNDS).for_each(|n| round(&mut rx, n)));

    let (tx, rx) = watch::channel(0u32);
    let mut stream = WatchStream::from_changes(rx);
    let round = |stream: &mut WatchStream<u32>, n: u32| {
        assert!(Pin::new(&mut *stream).poll_next(&mut cx()).is_pending());
        tx.send(n).unwrap();
        assert_eq!(
            Pin::new(&mut *stream).poll_next(&mut cx()),
            Poll::Ready(Some(n))
        );
    };
    round(&mut stream, 0);
    let streamed = allocations_of(|| (1..=ROUNDS).for_each(|n| round(&mut stream, n)));
    assert!(
        streamed <= bare,
        "{streamed} allocations through the stream, {bare} without"
    );
    // No absolute bound here: a bare `changed()` that waits may allocate inside zokio-sync; the
    // stream must only add nothing to it.
}
