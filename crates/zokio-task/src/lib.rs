//! Tasks for the zokio runtime, built on [async-task].
//!
//! async-task provides the task allocation, the state machine and the `Runnable`/`Task` split. This crate
//! adds what Tokio's task semantics need on top of it, and nothing a scheduler should decide:
//!
//! - [`JoinHandle`]: awaiting gives `Result<T, JoinError>`; dropping it *detaches* the task.
//! - [`AbortHandle`] and [`JoinHandle::abort`]: cancel from any thread. A waiting task is woken and its
//!   future dropped at its next scheduling without another poll; a running task stops when its poll
//!   returns.
//! - [`JoinError`]: cancelled or panicked, with the panic payload. Panics are caught in zokio's own
//!   wrapper, so worker threads never unwind, and a future whose destructor panics yields a `JoinError`
//!   rather than aborting the process.
//! - [`Id`], [`id`] and [`try_id`]: unique task ids, readable from inside a task.
//! - [`TaskList`]: the registry of live tasks that lets a runtime cancel every task at shutdown, even one
//!   that no queue holds.
//! - [`JoinSet`]: a set of tasks awaited in completion order, at O(1) cost per finished task.
//!
//! Nothing a task does can unwind into its scheduler or abort the process: panics in `poll`, in the
//! future's destructor, in the output's destructor (even when nobody awaits it, tokio#4412) and in a
//! panic payload's destructor are all caught. A dropped `JoinHandle` releases the waker of whoever last
//! awaited it (tokio#6986).
//!
//! A scheduler creates tasks with [`spawn`] (or [`spawn_local`], for a `!Send` future bound to the
//! spawning thread), receives their [`Runnable`]s through its schedule function and calls
//! [`Runnable::run`] to poll them. At shutdown it calls
//! [`TaskList::close_and_abort_all`] and runs or drops (outside its locks) every `Runnable` it then
//! receives. A scheduler that implements [`OwnedScheduler`] can use [`spawn_owned`] instead: the
//! task then keeps the scheduler in its header and its schedule function captures nothing, which
//! spares two atomic updates of the task's state on every wake-up (zokio's schedulers do this).
//!
//! # Locks and user code
//!
//! No waker is woken or dropped, and no future or output dropped, while one of this crate's locks is
//! held: a waker's destructor (or a wake that reaches a scheduler) may run arbitrary code, which may
//! come back to the same structure and would deadlock on the lock.
//!
//! - [`JoinHandle`] and [`AbortHandle`] hold no lock of ours: the join waker lives in async-task's
//!   atomic state machine, and `abort` sets an atomic flag before it wakes the task.
//! - [`TaskList`] inserts and removes [`AbortHandle`]s (each holds a task waker) under a shard lock,
//!   but drops a removed handle after the lock is released, and `close_and_abort_all` takes the
//!   handles out under the lock and aborts (wakes) them after it.
//! - [`JoinSet`]'s shared ready list holds plain integers; the owner's waker is taken out under the
//!   lock and woken or dropped after it. Only `Waker::clone` runs under it.
//! - A task's future is dropped by the task itself (in `Runnable::run` or when its `Runnable` is
//!   dropped), never inside one of our locks; the schedulers follow the same rule for runnables.
//!
//! # Tracing
//!
//! With the `tracing` feature, every task gets a [`tracing`](https://docs.rs/tracing) span, created once when it is spawned and
//! named and shaped as Tokio's (`tokio_unstable`) instrumentation names it, so that tools written for
//! Tokio's tasks (tokio-console's `console-subscriber`) recognise zokio's:
//!
//! - span `runtime.spawn`, level `TRACE`, target `zokio::task` (`zokio::task::blocking` for blocking
//!   tasks), no parent, with the fields `kind` (`"task"`, `"local"` or `"blocking"`, see
//!   [`TaskKind`]), `task.name` (empty unless [`SpawnMeta::with_name`] gave one), `task.id` (the
//!   [`Id`] as a `u64`, as [`JoinHandle::id`] reports it), `size.bytes` (the size of the spawned
//!   future), and `loc.file`, `loc.line`, `loc.col`: where the task was spawned. [`spawn`] and
//!   [`spawn_local`] are `#[track_caller]` with the feature, and a scheduler passes its own caller's
//!   location through [`spawn_with_meta`], so the location is the user's `spawn` call;
//! - the span is entered around every poll of the task (and around the drop of its future), and is
//!   closed when the future is gone (completed, panicked or cancelled), not when the `JoinHandle` is;
//! - each time the task is scheduled (spawned or woken), an event with target `runtime::waker`,
//!   `op = "waker.wake_by_ref"` and `task.id` = the span's id (as Tokio's waker events carry it).
//!   Waker clones and drops are not reported: the wakers are async-task's.
//!
//! console-subscriber (tokio-console's) picks task spans by their name and waker events by their
//! target, so it shows zokio's tasks with their ids, kinds, locations, polls, busy and idle times and
//! wakes. It asserts at start-up that it was built with `--cfg tokio_unstable` (or `--cfg
//! console_without_tokio_unstable`), though zokio needs neither. Since waker clones and drops are
//! not reported, its waker count stays 0 and its `lost-waker` lint fires on every idle task: run
//! `tokio-console --allow lost-waker`. A wake is reported when the task is scheduled, after the poll
//! that woke it has returned, so self-wakes count as plain wakes.
//!
//! The cost, with the feature, is one span per task (nothing when no subscriber wants `TRACE` spans of
//! `zokio::task`), a span enter and exit per poll, and one event check per wake-up. Without the
//! feature there is none at all: the span does not exist, [`SpawnMeta`] is zero-sized, and the spawn
//! functions are not `#[track_caller]`.
//!
//! The test suite is written to run under miri (`cargo +nightly miri test -p zokio-task`): it brings
//! its own small executors and scales its loop counts down under `cfg(miri)`.
//!
//! [async-task]: https://docs.rs/async-task
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod abort;
mod error;
mod harness;
mod header;
mod id;
mod join_handle;
mod join_set;
mod list;
mod output;
mod owner;
mod runnable;
mod spawn;
mod trace;

pub use abort::AbortHandle;
pub use error::JoinError;
pub(crate) use header::Header;
pub use id::{Id, id, try_id};
pub use join_handle::JoinHandle;
pub use join_set::JoinSet;
pub use list::TaskList;
pub use owner::{OwnedScheduler, spawn_owned};
pub use runnable::{Runnable, ScheduleInfo};
pub use spawn::{spawn, spawn_local, spawn_local_with_meta, spawn_with_meta};
pub use trace::{SpawnMeta, TaskKind};
