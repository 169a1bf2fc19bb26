//! A slot for one waker that one side registers and any thread wakes, without a lock.
//!
//! A small state machine makes registration and waking mutually exclusive: `register` takes the
//! slot by moving `WAITING -> REGISTERING`, `take` by setting `WAKING`. If a wake arrives while a
//! registration is in progress, the registering side sees it when it tries to go back to `WAITING`
//! and wakes the new waker itself, so the wake-up is never lost.
//!
//! # Locks and user code
//!
//! The `REGISTERING`/`WAKING` states act as a lock on the cell. No waker code runs while it is
//! held, except the `Waker::clone` of a registration: a waker replaced by `register` is dropped
//! after the state is back to `WAITING`, and wakers are woken after `take` released the cell. A
//! clone that panics still releases the cell (the panic goes on afterwards), so the slot keeps
//! working after a `catch_unwind`.

use std::task::Waker;

use crate::loom::{AtomicUsize, Ordering, UnsafeCell, spin_loop};

const WAITING: usize = 0;
const REGISTERING: usize = 1;
const WAKING: usize = 2;

/// See the module documentation. Only one task may call `register` at a time (the receiving side);
/// `wake` may be called from anywhere.
pub(crate) struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the waker cell is only touched by whoever owns the state machine's lock bit (`REGISTERING`
// or `WAKING`), and `Waker` is `Send + Sync`.
unsafe impl Send for AtomicWaker {}
// SAFETY: as above.
unsafe impl Sync for AtomicWaker {}

impl std::fmt::Debug for AtomicWaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AtomicWaker")
    }
}

impl AtomicWaker {
    pub(crate) fn new() -> AtomicWaker {
        AtomicWaker {
            state: AtomicUsize::new(WAITING),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores `waker` to be woken by the next [`AtomicWaker::wake`].
    pub(crate) fn register(&self, waker: &Waker) {
        match self.state.compare_exchange(
            WAITING,
            REGISTERING,
            Ordering::Acquire,
            Ordering::Acquire,
        ) {
            Ok(_) => {
                // The clone is the waker's own code and may panic. Caught, so that the cell is
                // released either way (else every later `register` and `take` would find it
                // held for good), then let go on below.
                let replaced = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    // SAFETY: `REGISTERING` gives us exclusive access to the cell: `take` only
                    // touches it after moving the state from `WAITING` to `WAKING`.
                    unsafe {
                        self.waker.with_mut(|slot| match &mut *slot {
                            Some(old) if old.will_wake(waker) => None,
                            slot => slot.replace(waker.clone()),
                        })
                    }
                }));
                if let Err(_actual) = self.state.compare_exchange(
                    REGISTERING,
                    WAITING,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    // A wake came in while we registered (state is REGISTERING | WAKING). It could not
                    // touch the cell, so we deliver it ourselves (to the old waker if the clone
                    // panicked: it belongs to the same receiver).
                    // SAFETY: still exclusive: the waking side backed off when it saw REGISTERING.
                    let waker = unsafe { self.waker.with_mut(|slot| (*slot).take()) };
                    self.state.swap(WAITING, Ordering::AcqRel);
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                }
                match replaced {
                    // Dropped only once the slot is released: the destructor of the waker it
                    // replaced may wake this very slot (by sending on the channel, say).
                    Ok(displaced) => drop(displaced),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            Err(_) => {
                // A wake is being delivered right now (or, against the contract, another
                // registration runs): make sure this poll is repeated, and let the other side
                // finish first.
                waker.wake_by_ref();
                spin_loop();
            }
        }
    }

    /// Takes the stored waker, if any, to wake it.
    pub(crate) fn take(&self) -> Option<Waker> {
        match self.state.fetch_or(WAKING, Ordering::AcqRel) {
            WAITING => {
                // SAFETY: we moved WAITING -> WAKING, which excludes `register` from the cell.
                let waker = unsafe { self.waker.with_mut(|slot| (*slot).take()) };
                self.state.fetch_and(!WAKING, Ordering::Release);
                waker
            }
            // Registering (it will see WAKING and wake itself) or another wake in progress.
            _ => None,
        }
    }

    /// Wakes the stored waker, if any.
    pub(crate) fn wake(&self) {
        if let Some(waker) = self.take() {
            waker.wake();
        }
    }
}
