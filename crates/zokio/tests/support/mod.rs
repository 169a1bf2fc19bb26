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
