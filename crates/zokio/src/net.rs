//! TCP, UDP and Unix-domain sockets on the runtime's I/O driver.
//!
//! Needs a runtime with the I/O driver (`enable_io()` or `enable_all()`). The stream types and
//! their halves implement Tokio's I/O traits and the `futures-io` ones; see [`crate::io`].
pub use zokio_reactor::net::*;
