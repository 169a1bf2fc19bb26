//! The concurrency primitives of the multi-thread scheduler: loom's model-checked ones under
//! `--cfg loom` (in this crate's own tests), the standard library's otherwise.
//!
//! Production code imports atomics, `UnsafeCell` and `Mutex` only from here, so that the loom models
//! in this module's tests exercise the very same code.
//!
//! The models also run whole schedulers (see `multi_thread/loom_runtime.rs`), so the threads the
//! multi-thread scheduler starts for its workers ([`crate::ThreadConfig`]'s `spawn_worker`) and the
//! thread-locals that say which worker or scheduler a thread belongs to come from here too: loom
//! runs every modelled thread on the one OS thread of the test, so a `std` thread-local would be
//! shared by all of them.

#[cfg(all(test, loom))]
pub(crate) use loom::cell::UnsafeCell;
#[cfg(all(test, loom))]
pub(crate) use loom::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, AtomicUsize};
#[cfg(all(test, loom))]
pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};

#[cfg(all(test, loom))]
pub(crate) use loom::sync::atomic::{AtomicBool, fence};
#[cfg(all(test, loom))]
pub(crate) use loom::thread::{JoinHandle, yield_now};

/// `loom::thread_local!` for this crate's `const`-initialised thread-locals (loom's macro, of edition
/// 2018, takes no `const { .. }` initialiser).
#[cfg(all(test, loom))]
macro_rules! loom_thread_local {
    ($($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const $init:block;)*) => {
        $(loom::thread_local!($(#[$attr])* $vis static $name: $t = $init);)*
    };
}
#[cfg(all(test, loom))]
pub(crate) use loom_thread_local as thread_local;

#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::atomic::{AtomicBool, fence};
#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, AtomicUsize};
#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(not(all(test, loom)))]
pub(crate) use std::thread::{JoinHandle, yield_now};
#[cfg(not(all(test, loom)))]
pub(crate) use std::thread_local;

/// `std::cell::UnsafeCell` with loom's closure-based access API.
#[cfg(not(all(test, loom)))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(all(test, loom)))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// Locks `mutex`, ignoring poisoning: no scheduler lock is held across user code, so a poisoned lock
/// can only come from a panic in the scheduler's own bookkeeping, after which the state is still
/// consistent.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
