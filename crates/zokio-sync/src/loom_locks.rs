//! loom models of the locks built on the semaphore: RwLock, Barrier, OnceCell.
