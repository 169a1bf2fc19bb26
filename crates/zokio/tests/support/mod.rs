#![allow(missing_docs)]
//! Helpers shared by the facade's integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts drops of the values it is cloned into.
#[derive(Clone, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

impl DropCounter {
    /// A token that bumps this counter when dropped.
    pub fn token(&self) -> DropToken {
        DropToken(self.0.clone())
    }
    /// Drops counted so far.
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Bumps its counter when dropped.
pub struct DropToken(Arc<AtomicUsize>);

impl Drop for DropToken {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Every runtime flavour a behaviour test runs on: current-thread, and multi-thread with 1 and 4
/// workers (Tokio's `rt_test!` set).
pub fn runtimes() -> Vec<(&'static str, zokio::runtime::Runtime)> {
    vec![
        (
            "current_thread",
            zokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        ),
        (
            "multi_thread(1)",
            zokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap(),
        ),
        (
            "multi_thread(4)",
            zokio::runtime::Builder::new_multi_thread()
                .worker_threads(4)
                .enable_all()
                .build()
                .unwrap(),
        ),
    ]
}

/// Runs `f` on its own thread and fails the test if it has not finished within `limit`: a deadlock
/// then fails the test (with `what` in the message) instead of hanging the suite. A panic in `f`
/// is passed on.
pub fn finishes_within<R: Send + 'static>(
    limit: std::time::Duration,
    what: &str,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(());
        out
    });
    match rx.recv_timeout(limit) {
        Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            match worker
                .join()
                .expect("the watchdog's thread caught every panic")
            {
                Ok(out) => out,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: did not finish within {limit:?} (deadlock?)")
        }
    }
}

/// The number of file descriptors this process has open.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd lists this process's descriptors")
        .count()
}

/// Waits (yielding the thread) until `cond` holds; fails the test after 10 s instead of hanging.
pub fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::yield_now();
    }
}

/// The message of a panic payload (`panic!` with or without format arguments).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}
