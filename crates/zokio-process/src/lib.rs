//! Asynchronous child processes for zokio, with Tokio's names (Unix).
//!
//! - [`Command`] mirrors [`std::process::Command`] and adds [`Command::kill_on_drop`];
//!   [`Command::output`] and [`Command::status`] run a child to completion.
//! - [`Child`] is waited for without blocking a thread: on Linux through a pidfd registered with
//!   the reactor, elsewhere through `SIGCHLD` from the reactor's signal machinery. No thread per
//!   child, and a dropped `Child` is reaped in the background (no zombies).
//! - [`ChildStdin`], [`ChildStdout`] and [`ChildStderr`] are non-blocking pipes on the reactor,
//!   implementing Tokio's I/O traits and the [`futures-io`](futures_io) ones.
//!   `ChildStdin::shutdown` closes the child's input (Tokio's does nothing until the drop).
//!
//! All of this must be used within a zokio runtime with I/O enabled.
//!
//! ```
//! # zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let status = zokio_process::Command::new("true").status().await?;
//! assert!(status.success());
//! # std::io::Result::Ok(()) }).unwrap();
//! ```
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]
#![cfg(unix)]

mod child;
mod command;
mod exit;
mod pipes;

pub use child::Child;
pub use command::Command;
pub use pipes::{ChildStderr, ChildStdin, ChildStdout};
pub use std::process::{ExitStatus, Output, Stdio};
