//! The handles a thread's runtime context carries: the scheduler that `spawn` reaches and the driver
//! that new sockets and timers register with.
//!
//! The context lives in this dependency-free crate, so it cannot name a scheduler's or a driver's
//! handle type: each [`Slot`] holds an `Arc<dyn Any + Send + Sync>`, and its owner asks for it by
//! type ([`current_as`], [`with_current_as`]): one comparison with the type id recorded at
//! [`enter`], no virtual call. A scheduler or driver *enters* a thread with [`enter`] and leaves when
//! the returned [`HandleGuard`] drops; guards nest, and must drop in the reverse order of their
//! creation.
//!
//! ```
//! use std::sync::Arc;
//! use zokio_coop::handle::{self, Slot};
//!
//! struct MyScheduler(&'static str);
//!
//! assert!(handle::current(Slot::Scheduler).is_none());
//! let guard = handle::enter(Slot::Scheduler, Arc::new(MyScheduler("lifo")));
//! let name = handle::with_current_as(Slot::Scheduler, |s: Option<&Arc<MyScheduler>>| s.map(|s| s.0));
//! assert_eq!(name, Some("lifo"));
//! // Asked for as another type, the slot has nothing.
//! assert!(handle::current_as::<String>(Slot::Scheduler).is_none());
//! drop(guard);
//! assert!(handle::current(Slot::Scheduler).is_none());
//! ```

use std::any::{Any, TypeId};
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::sync::Arc;

use crate::context::{CONTEXT, Entered, HandleCell, RawHandle, ThreadContext};

/// A handle as the context keeps it.
pub type AnyHandle = Arc<dyn Any + Send + Sync>;

/// Which of the context's handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Slot {
    /// The scheduler that `spawn` reaches from this thread.
    Scheduler,
    /// The I/O and timer driver that resources created on this thread register with.
    Driver,
}

impl Slot {
    fn cell(self, cx: &ThreadContext) -> &HandleCell {
        match self {
            Slot::Scheduler => &cx.scheduler,
            Slot::Driver => &cx.driver,
        }
    }
}

/// Makes `handle` the current handle of `slot` on this thread until the guard drops.
///
/// # Panics
///
/// Panics inside [`with_current`] or [`with_current_as`] of the same slot (the handle lent there
/// must stay put).
#[track_caller]
pub fn enter(slot: Slot, handle: AnyHandle) -> HandleGuard {
    let entered = CONTEXT.with(|cx| {
        let cell = slot.cell(cx);
        // Borrowed before the handle becomes a raw pointer: refused, it goes back as an `Arc`.
        let Ok(mut current) = cell.current.try_borrow_mut() else {
            return Err(handle);
        };
        let type_id = (*handle).type_id();
        let raw: RawHandle = Arc::into_raw(handle);
        let depth = cell.depth.get() + 1;
        cell.depth.set(depth);
        Ok((current.replace(Entered { raw, type_id }), depth))
    });
    // Outside the closure, so that `#[track_caller]` names the caller and the refused handle is
    // dropped with no borrow of the context held.
    let Ok((previous, depth)) = entered else {
        drop(entered);
        panic!(
            "cannot enter the {slot:?} slot of the runtime context while its current handle is lent \
             out (inside `with_current` or `with_current_as` of the same slot): enter it before or \
             after that call"
        );
    };
    HandleGuard {
        slot,
        previous,
        depth,
        _not_send: PhantomData,
    }
}

/// A clone of `slot`'s current handle, or `None` when nothing entered it (or the thread is being
/// torn down under `--cfg loom`).
pub fn current(slot: Slot) -> Option<AnyHandle> {
    CONTEXT
        .try_with(|cx| {
            let current = slot.cell(cx).current.borrow();
            // SAFETY: a pointer in the slot came from `Arc::into_raw` in `enter`, and the slot owns
            // one strong count of it until a guard takes it out, which needs the `borrow_mut` that
            // the borrow above excludes: the `Arc` is alive here. Adding a count before `from_raw`
            // makes the new `Arc` own a count of its own.
            current.map(|entered| unsafe {
                Arc::increment_strong_count(entered.raw);
                Arc::from_raw(entered.raw)
            })
        })
        .ok()
        .flatten()
}

/// Runs `f` with a reference to `slot`'s current handle (or `None`), without touching its
/// reference count: the cheap way for a hot path such as `spawn` to use the handle.
///
/// # Panics
///
/// While `f` runs, entering or leaving the same slot panics.
#[inline]
pub fn with_current<R>(slot: Slot, f: impl FnOnce(Option<&(dyn Any + Send + Sync)>) -> R) -> R {
    let mut f = Some(f);
    let out = CONTEXT.try_with(|cx| {
        let current = slot.cell(cx).current.borrow();
        // SAFETY: as in `current`: the slot owns a strong count of the pointed-to `Arc` and keeps it
        // while this borrow lasts; the reference does not outlive the borrow (it lives only in `f`).
        let handle = current.map(|entered| unsafe { &*entered.raw });
        (f.take().expect("called once"))(handle)
    });
    match out {
        Ok(out) => out,
        // The loom thread-local is gone (thread teardown in a model): no handle.
        Err(_) => (f.take().expect("not called yet"))(None),
    }
}

/// A clone of `slot`'s current handle if it is a `T`; `None` when nothing entered the slot or the
/// handle there is of another type.
#[inline]
pub fn current_as<T: Any + Send + Sync>(slot: Slot) -> Option<Arc<T>> {
    CONTEXT
        .try_with(|cx| {
            let current = slot.cell(cx).current.borrow();
            let entered = current.filter(|e| e.type_id == TypeId::of::<T>())?;
            let raw = entered.raw.cast::<T>();
            // SAFETY: as in `current`, the slot owns a strong count of the `Arc` that `raw` points
            // into, and keeps it while the borrow lasts. The type id recorded at `enter` is the
            // pointee's, so the data pointer is an `Arc<T>`'s, and `from_raw` of it is that `Arc`.
            unsafe {
                Arc::increment_strong_count(raw);
                Some(Arc::from_raw(raw))
            }
        })
        .ok()
        .flatten()
}

/// Runs `f` with a reference to `slot`'s current handle if it is a `T` (else `None`), without
/// touching its reference count: the cheap way for a hot path such as `spawn` to use the handle.
/// `f` gets the `Arc` itself, so that it can keep a clone (one count update) where it needs one.
///
/// # Panics
///
/// While `f` runs, entering or leaving the same slot panics.
#[inline]
pub fn with_current_as<T: Any + Send + Sync, R>(
    slot: Slot,
    f: impl FnOnce(Option<&Arc<T>>) -> R,
) -> R {
    let mut f = Some(f);
    let out = CONTEXT.try_with(|cx| {
        let current = slot.cell(cx).current.borrow();
        let entered = current.filter(|e| e.type_id == TypeId::of::<T>());
        // SAFETY: as in `current_as`: `raw` is the data pointer of an `Arc<T>` (checked type id)
        // of which the slot owns a strong count for as long as the borrow lasts. The `Arc` built
        // here never gives that count back (`ManuallyDrop`), and `f` only borrows it: a clone
        // through the reference takes a count of its own.
        let handle =
            entered.map(|e| ManuallyDrop::new(unsafe { Arc::from_raw(e.raw.cast::<T>()) }));
        (f.take().expect("called once"))(handle.as_deref())
    });
    match out {
        Ok(out) => out,
        Err(_) => (f.take().expect("not called yet"))(None),
    }
}

/// Restores the slot's previous handle on drop. Returned by [`enter`].
///
/// # Panics
///
/// Dropping guards of one slot in another order than the reverse of their creation panics (unless
/// the thread is panicking already), as Tokio's do. The thread still leaves to what the dropped
/// guard displaced, so no handle outlives its guards: the inner guards, dropped later, only give
/// back the handles they hold, without a second panic.
#[must_use = "the context is left as soon as the guard is dropped"]
pub struct HandleGuard {
    slot: Slot,
    /// The handle this guard displaced, with the strong count the slot held for it.
    previous: Option<Entered>,
    /// The depth this guard entered at: it must be the depth again when it drops.
    depth: usize,
    _not_send: PhantomData<*const ()>,
}

impl std::fmt::Debug for HandleGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandleGuard")
            .field("slot", &self.slot)
            .field("depth", &self.depth)
            .finish_non_exhaustive()
    }
}

impl Drop for HandleGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let slot = self.slot;
        let depth = self.depth;
        let left = CONTEXT.try_with(|cx| {
            let cell = slot.cell(cx);
            let now = cell.depth.get();
            if now < depth {
                // An outer guard already left out of order and took the slot back past this one:
                // only the count this guard holds is left to give back.
                return (previous, Leave::AlreadyLeft);
            }
            // In order, or out of order with inner guards still alive: either way the thread
            // leaves to what this guard displaced, and the slot's handle (ours, or an inner
            // guard's) is released. The inner guards later find the depth below theirs.
            cell.depth.set(depth - 1);
            let displaced = cell.current.replace(previous);
            let leave = if now == depth {
                Leave::InOrder
            } else {
                Leave::OutOfOrder
            };
            (displaced, leave)
        });
        // The release happens after the borrow ends: a handle's destructor may be its runtime's
        // last reference, and dropping a runtime enters contexts again.
        let (released, leave) = left.unwrap_or((previous, Leave::AlreadyLeft));
        if let Some(Entered { raw, .. }) = released {
            // SAFETY: `raw` came from `Arc::into_raw` and carries one strong count that the slot (or
            // this guard) owned; it has just been taken out of every place that could hand it out
            // again, so this is its only owner.
            drop(unsafe { Arc::from_raw(raw) });
        }
        if leave == Leave::OutOfOrder && !std::thread::panicking() {
            panic!(
                "`EnterGuard` values dropped out of order. Guards returned by `Handle::enter()` or \
                 `Runtime::enter()` must be dropped in the reverse order of their creation: drop \
                 the most recently created guard first."
            );
        }
    }
}

/// How a [`HandleGuard`] left its slot.
#[derive(Debug, PartialEq, Eq)]
enum Leave {
    InOrder,
    /// Inner guards were still alive: the slot went back to this guard's predecessor anyway.
    OutOfOrder,
    /// An outer guard had left out of order before this one.
    AlreadyLeft,
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counted(&'static AtomicUsize);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn name_of(slot: Slot) -> Option<&'static str> {
        with_current(slot, |h| {
            h.and_then(|h| h.downcast_ref::<&'static str>()).copied()
        })
    }

    #[test]
    fn guards_nest_and_restore_per_slot() {
        let outer = enter(Slot::Scheduler, Arc::new("outer"));
        let driver = enter(Slot::Driver, Arc::new("driver"));
        let inner = enter(Slot::Scheduler, Arc::new("inner"));
        assert_eq!(name_of(Slot::Scheduler), Some("inner"));
        assert_eq!(name_of(Slot::Driver), Some("driver"));
        drop(inner);
        assert_eq!(name_of(Slot::Scheduler), Some("outer"));
        drop(driver);
        assert_eq!(name_of(Slot::Driver), None);
        assert_eq!(name_of(Slot::Scheduler), Some("outer"));
        drop(outer);
        assert_eq!(name_of(Slot::Scheduler), None);
    }

    #[test]
    fn the_context_releases_exactly_the_counts_it_took() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        let handle: AnyHandle = Arc::new(Counted(&DROPS));
        let guard = enter(Slot::Driver, Arc::clone(&handle));
        let clone = current(Slot::Driver).expect("entered");
        assert!(Arc::ptr_eq(&clone, &handle));
        assert_eq!(
            Arc::strong_count(&handle),
            3,
            "ours, the slot's and the clone"
        );
        drop(clone);
        drop(guard);
        assert_eq!(
            Arc::strong_count(&handle),
            1,
            "the slot gave its count back"
        );
        drop(handle);
        assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    }

    #[test]
    #[should_panic(expected = "dropped out of order")]
    fn guards_dropped_out_of_order_panic() {
        let outer = enter(Slot::Scheduler, Arc::new(1u8));
        let _inner = enter(Slot::Scheduler, Arc::new(2u8));
        drop(outer);
    }

    #[test]
    fn out_of_order_leaves_to_the_outer_predecessor_and_frees_every_handle_once() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        let before = enter(Slot::Scheduler, Arc::new("before"));
        let result = std::panic::catch_unwind(|| {
            let outer = enter(Slot::Scheduler, Arc::new(Counted(&DROPS)));
            let inner = enter(Slot::Scheduler, Arc::new(Counted(&DROPS)));
            // A tuple drops its fields in order: the outer guard first, during the unwind.
            let _both = (outer, inner);
            panic!("unwinding");
        });
        assert!(result.is_err());
        // The outer guard put back what it displaced and released the inner handle; the inner
        // guard, finding the slot already left, released the outer handle it held.
        assert_eq!(DROPS.load(Ordering::SeqCst), 2);
        assert_eq!(name_of(Slot::Scheduler), Some("before"));
        drop(before);
        assert_eq!(name_of(Slot::Scheduler), None);
    }

    #[test]
    fn an_inner_guard_dropped_after_an_out_of_order_exit_does_not_panic_again() {
        let outer = enter(Slot::Driver, Arc::new("outer"));
        let inner = enter(Slot::Driver, Arc::new("inner"));
        let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(outer)));
        assert!(first.is_err(), "the out-of-order drop panics");
        assert_eq!(name_of(Slot::Driver), None, "the thread left both contexts");
        drop(inner);
        assert_eq!(name_of(Slot::Driver), None);
    }

    #[test]
    fn a_guard_shows_its_slot_and_depth() {
        let outer = enter(Slot::Driver, Arc::new(1u8));
        let inner = enter(Slot::Driver, Arc::new(2u8));
        assert_eq!(
            format!("{inner:?}"),
            "HandleGuard { slot: Driver, depth: 2, .. }"
        );
        drop(inner);
        assert_eq!(
            format!("{outer:?}"),
            "HandleGuard { slot: Driver, depth: 1, .. }"
        );
    }

    #[test]
    fn with_current_lends_without_counting() {
        let handle: AnyHandle = Arc::new(7u32);
        let _guard = enter(Slot::Scheduler, Arc::clone(&handle));
        let seen = with_current(Slot::Scheduler, |h| {
            assert_eq!(Arc::strong_count(&handle), 2);
            h.and_then(|h| h.downcast_ref::<u32>()).copied()
        });
        assert_eq!(seen, Some(7));
    }

    #[test]
    fn typed_lookups_see_only_their_type_and_count_like_current() {
        let handle = Arc::new(41u64);
        let _guard = enter(Slot::Driver, handle.clone());
        assert!(current_as::<u32>(Slot::Driver).is_none());
        assert!(
            current_as::<u64>(Slot::Scheduler).is_none(),
            "the other slot is empty"
        );
        let typed = current_as::<u64>(Slot::Driver).expect("a u64 was entered");
        assert!(Arc::ptr_eq(&typed, &handle));
        assert_eq!(
            Arc::strong_count(&handle),
            3,
            "ours, the slot's and the typed clone"
        );
        drop(typed);
        let seen = with_current_as(Slot::Driver, |h: Option<&Arc<u64>>| h.map(|h| **h + 1));
        assert_eq!(seen, Some(42));
        assert!(with_current_as(Slot::Driver, |h: Option<&Arc<u32>>| h.is_none()));
        assert_eq!(Arc::strong_count(&handle), 2, "a borrow takes no count");
        // A clone through the lent `Arc` takes a count of its own, and gives it back when dropped.
        let kept = with_current_as(Slot::Driver, |h: Option<&Arc<u64>>| h.cloned()).unwrap();
        assert!(Arc::ptr_eq(&kept, &handle));
        assert_eq!(Arc::strong_count(&handle), 3);
        drop(kept);
        assert_eq!(Arc::strong_count(&handle), 2);
    }

    #[test]
    #[should_panic(expected = "while its current handle is lent out")]
    fn entering_a_slot_while_it_is_lent_panics() {
        let _guard = enter(Slot::Scheduler, Arc::new(1u8));
        with_current(Slot::Scheduler, |_| {
            let _nested = enter(Slot::Scheduler, Arc::new(2u8));
        });
    }
}
