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
//!
//! # Tracing
//!
//! With the `tracing` feature (which turns on `zokio-task`'s), zokio emits, through
//! [`tracing`](https://docs.rs/tracing):
//!
//! - **a span per task**, `runtime.spawn`, with Tokio's fields (`kind`, `task.name`, `task.id`,
//!   `size.bytes`, `loc.file`, `loc.line`, `loc.col`), entered around each poll and closed when the
//!   task's future is gone, plus a `runtime::waker` event per wake-up: see `zokio_task`'s docs,
//!   "Tracing". [`spawn`], [`Handle::spawn`], [`blocking::spawn_blocking`] and
//!   [`blocking::Spawner::spawn_blocking`] are `#[track_caller]` with the feature, so the location
//!   is the caller's (through `zokio::spawn` and `zokio::task::spawn_blocking`, the user's line);
//! - **runtime events**, target `zokio::runtime`, level `DEBUG`: `"runtime started"` when a
//!   scheduler has started its workers, and `"runtime shut down"` when its shutdown is over, with
//!   the fields `flavor` (`"current_thread"`, `"multi_thread"` or `"global_fifo"`), `workers`,
//!   `name` (the runtime's name, from the scheduler's `Config::name`, when it has one) and, on
//!   shutdown, `timed_out` (threads still running when the timeout passed);
//! - **blocking pool events**, target `zokio::blocking`: `"blocking thread started"` (`DEBUG`;
//!   `thread`, `num_threads`, `max_threads`, `queue_depth`), `"blocking thread retired"` (`DEBUG`;
//!   `thread`, `num_threads`, `idle_threads`, `reason` = `"keep_alive"` or `"shutdown"`),
//!   `"blocking task queued, pool full"` (`TRACE`; `queue_depth`, `num_threads`), `"blocking thread
//!   could not be started"` (`WARN`; `error`, `num_threads`) and `"blocking pool shut down"`
//!   (`DEBUG`; `timed_out`, `num_threads`).
//!
//! Events are emitted outside the schedulers' locks. The hot paths (the worker loops, `schedule`)
//! emit nothing; a task costs one span, an enter and exit per poll, and one event check per wake.
//! Without the feature nothing is compiled in, and no struct has a field more.
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod block_on;
pub mod blocking;
pub mod context;
pub mod current_thread;
mod driver;
pub mod global_fifo;
mod loom;
pub mod metrics;
pub mod multi_thread;
mod scheduler;
mod stop;
pub mod thread;
mod thread_parker;
mod thread_state;
pub mod toolkit;
#[cfg(feature = "tracing")]
mod trace;
mod yield_now;

pub use context::{Handle, spawn, try_current};
pub use driver::{Driver, ParkThread, Unpark};
pub use multi_thread::block_in_place;
pub use scheduler::Scheduler;
pub use thread::{ParkHooks, ThreadBody, ThreadCallback, ThreadConfig};
pub use yield_now::{YieldNow, yield_now};
pub use zokio_task::{Runnable, ScheduleInfo};
