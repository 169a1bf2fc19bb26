//! Asynchronous child processes: pipes on the reactor, exit observed without a thread per child.
//!
//! ```
//! # zokio::runtime::Runtime::new().unwrap().block_on(async {
//! let output = zokio::process::Command::new("echo").arg("hi").output().await.unwrap();
//! assert!(output.status.success());
//! assert_eq!(output.stdout, b"hi\n");
//! # });
//! ```
pub use zokio_process::*;
