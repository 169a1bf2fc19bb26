//! TCP, UDP and Unix-domain sockets on the runtime's I/O driver.
//!
//! Needs a runtime with the I/O driver (`enable_io()` or `enable_all()`). The types implement the
//! `futures-io` traits; see [`crate::io`].
pub use zokio_reactor::net::*;
