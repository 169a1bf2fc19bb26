//! `Runnable` and `ScheduleInfo`: what a scheduler receives, in zokio's own types.
//!
//! Both wrap async-task's types at no cost (`#[repr(transparent)]`, one `bool`), so that a major
//! release of async-task cannot change the `Scheduler` trait that custom schedulers implement.

use std::fmt;
use std::ptr::NonNull;
use std::task::Waker;

use crate::{Header, Id};

/// A task that is ready to be polled, as a scheduler receives it: run it (`run`) to poll the task
/// once, or drop it to cancel the task (its future is dropped).
#[repr(transparent)]
pub struct Runnable(pub(crate) async_task::Runnable<Header>);

impl Runnable {
    /// Polls the task once. Returns `true` when the task woke itself while running (a yield): its
    /// schedule function has been called again already, from inside this call.
    #[inline]
    pub fn run(self) -> bool {
        self.0.run()
    }

    /// Hands the task to its schedule function, as a wake-up would.
    #[inline]
    pub fn schedule(self) {
        self.0.schedule();
    }

    /// A waker that schedules this task.
    pub fn waker(&self) -> Waker {
        self.0.waker()
    }

    /// The id of the task.
    pub fn id(&self) -> Id {
        self.0.metadata().id()
    }

    pub(crate) fn header(&self) -> &Header {
        self.0.metadata()
    }

    /// Converts the task into a raw pointer, for schedulers that keep tasks in atomic slots. The
    /// task stays alive (and scheduled) until [`Runnable::from_raw`] turns the pointer back.
    #[inline]
    pub fn into_raw(self) -> NonNull<()> {
        self.0.into_raw()
    }

    /// Turns a pointer from [`Runnable::into_raw`] back into the task.
    ///
    /// # Safety
    ///
    /// `ptr` must come from [`Runnable::into_raw`], and be turned back exactly once.
    #[inline]
    pub unsafe fn from_raw(ptr: NonNull<()>) -> Runnable {
        // SAFETY: the caller guarantees `ptr` came from `into_raw`, which is async-task's
        // `Runnable::into_raw` of a `Runnable<Header>`, and that it is converted back once.
        Runnable(unsafe { async_task::Runnable::from_raw(ptr) })
    }
}

impl fmt::Debug for Runnable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runnable").field("id", &self.id()).finish()
    }
}

/// What a schedule function learns about a wake-up besides the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScheduleInfo {
    /// The task woke itself while it was running (a yield, or a budget-exhausted resource),
    /// rather than being woken by another task, thread or I/O event (or being newly spawned).
    pub woken_while_running: bool,
}

impl ScheduleInfo {
    /// A `ScheduleInfo` with the given flag (for schedulers' own tests).
    pub const fn new(woken_while_running: bool) -> ScheduleInfo {
        ScheduleInfo {
            woken_while_running,
        }
    }
}

impl From<async_task::ScheduleInfo> for ScheduleInfo {
    #[inline]
    fn from(info: async_task::ScheduleInfo) -> ScheduleInfo {
        ScheduleInfo::new(info.woken_while_running)
    }
}
