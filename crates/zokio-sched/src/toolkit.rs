//! Everything a scheduler of your own needs, in one place.
//!
//! A scheduler implements [`Scheduler`]: it receives each task's [`Runnable`] through
//! [`Scheduler::schedule`], runs it with `run()` on threads it starts (with the runtime's
//! [`ThreadConfig`]), and parks idle threads on the runtime's [`Driver`]. These are the pieces it
//! does not have to write:
//!
//! - [`TaskList`]: the registry of live tasks that [`Scheduler::task_list`] returns and that
//!   shutdown cancels ([`TaskList::close_and_abort_all`]).
//! - [`enter_runtime`]: marks a thread that polls tasks (each worker, and the thread in
//!   `block_on`), so that blocking calls and nested runtimes fail loudly there instead of
//!   deadlocking.
//! - [`with_budget`] and [`Budget::initial`]: run each task poll under a fresh cooperative budget.
//! - [`wants_defer`]: whether a task that woke itself (`ScheduleInfo::woken_while_running`) should
//!   wait for the next driver poll before it runs again (it spent its budget or called
//!   `yield_now`).
//! - [`ThreadParker`]: a token parker for threads that do not hold the driver.
//! - [`block_on_thread`]: a `Scheduler::block_on` for schedulers whose tasks run on their own
//!   threads: it polls the future on the calling thread under [`enter_runtime`] and a budget, and
//!   sleeps in between.
//!
//! # Shutdown
//!
//! [`Scheduler::shutdown`] is called once, with the time to wait, which is `Duration::MAX` when
//! the runtime is dropped (wait as long as it takes: compute deadlines with `checked_add`). In
//! order, it must: abort every task with [`TaskList::close_and_abort_all`] while its queues still
//! take runnables; stop its threads and run or drop what the queues hold, outside its locks; and
//! finally call [`Driver::shutdown`] once, after every task has been dropped, so that I/O still
//! pending elsewhere fails instead of hanging. [`GlobalFifo`](crate::global_fifo::GlobalFifo) is a
//! complete example in one small file.

pub use crate::block_on::block_on_thread;
pub use crate::context::{RuntimeGuard, enter_runtime};
pub use crate::thread_parker::ThreadParker;
pub use crate::{Driver, Runnable, ScheduleInfo, Scheduler, ThreadConfig, Unpark};
pub use zokio_coop::{Budget, wants_defer, with_budget};
pub use zokio_task::TaskList;
