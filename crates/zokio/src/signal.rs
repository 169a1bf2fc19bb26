//! Asynchronous signal handling.
//!
//! ```no_run
//! # zokio::runtime::Runtime::new().unwrap().block_on(async {
//! zokio::signal::ctrl_c().await.unwrap();
//! println!("ctrl-c received");
//! # });
//! ```
pub use zokio_reactor::signal::*;
