//! zokio's schedulers.
//!
//! - [`current_thread`]: every task runs on the thread that calls `block_on`.
//! - [`multi_thread`]: a pool of workers that balance load by work stealing.
//! - [`blocking`]: the pool of threads for blocking work (`spawn_blocking`).
//! - [`global_fifo`]: a deliberately minimal scheduler (one global queue) that shows how to plug a
//!   scheduler of your own into zokio through the [`Scheduler`] trait.
//!
//! Schedulers park on a [`Driver`]; the I/O reactor is one, and [`ParkThread`] is the driver of a
//! runtime without I/O. This crate knows nothing of sockets.
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

pub mod blocking;
pub mod context;
pub mod current_thread;
mod driver;
pub mod global_fifo;
pub mod metrics;
pub mod multi_thread;
mod scheduler;
mod stop;
pub mod thread;

pub use context::{Handle, spawn, try_current};
pub use driver::{Driver, ParkThread, Unpark};
pub use multi_thread::{block_in_place, yield_now};
pub use scheduler::Scheduler;
pub use thread::{ParkHooks, ThreadBody, ThreadCallback, ThreadConfig};
pub use zokio_task::{Runnable, ScheduleInfo};
