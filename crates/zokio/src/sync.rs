//! Synchronization primitives: `Mutex`, `RwLock`, `Semaphore`, `Notify`, channels and more.
//!
//! These come from `zokio-sync`, which depends on no runtime: the same types work under Tokio or smol.
pub use zokio_sync::*;
