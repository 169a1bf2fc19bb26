//! The atomics and the lock of the per-source readiness word (`io::source`) and of the driver's
//! wake-up dedupe (`selector::notify_flag`): loom's model-checked ones under `--cfg loom` (in this
//! crate's own tests), the standard library's otherwise. Those two modules import them only from
//! here, so that the loom models (`loom_tests.rs`) check the very code that runs. (The dedupe, and so
//! `AtomicBool`, exists only where the driver waits with epoll.)

#[cfg(all(test, loom, any(target_os = "linux", target_os = "android")))]
pub(crate) use loom::sync::atomic::AtomicBool;
#[cfg(all(test, loom))]
pub(crate) use loom::sync::atomic::AtomicUsize;
#[cfg(all(test, loom))]
pub(crate) use loom::sync::{Mutex, MutexGuard};

#[cfg(all(not(all(test, loom)), any(target_os = "linux", target_os = "android")))]
pub(crate) use std::sync::atomic::AtomicBool;
#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::atomic::AtomicUsize;
#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::{Mutex, MutexGuard};
