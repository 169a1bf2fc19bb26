//! The multi-thread work-stealing scheduler.

mod block_on;

pub(crate) use block_on::block_on_thread;
