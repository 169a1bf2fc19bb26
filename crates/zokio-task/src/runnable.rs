//! `Runnable` and `ScheduleInfo`: what a scheduler receives, in zokio's own types.
//!
//! Both wrap async-task's types at no cost (`#[repr(transparent)]`, one `bool`), so that a major
//! release of async-task cannot change the `Scheduler` trait that custom schedulers implement.
//!
//! # A dropped `Runnable` runs its task, cancelled
//!
//! async-task drops the future of a task whose `Runnable` is dropped and closes the task without an
//! output, which its `Task` handle can only report as `None`. zokio's `Runnable` instead marks the
//! task stopped and *runs* it: the task's wrapper (`harness.rs`) sees the mark before it would poll,
//! drops the future and completes with a cancelled `JoinError`, exactly what dropping meant. So a
//! task that has a `JoinHandle` always ends with an output, and the handle can hold async-task's
//! plain `Task` (which offers the task's metadata; its fallible variant does not) and stay one
//! pointer wide.

use std::fmt;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::Waker;

use crate::{Header, Id};

/// A task that is ready to be polled, as a scheduler receives it: run it (`run`) to poll the task
/// once, or drop it to cancel the task (its future is dropped, on the dropping thread, and its
/// `JoinHandle` reports it cancelled).
#[repr(transparent)]
pub struct Runnable(ManuallyDrop<async_task::Runnable<Header>>);

impl Runnable {
    #[inline]
    pub(crate) fn new(inner: async_task::Runnable<Header>) -> Runnable {
        Runnable(ManuallyDrop::new(inner))
    }

    /// The async-task runnable, taken out without running this wrapper's `Drop`.
    #[inline]
    fn into_inner(self) -> async_task::Runnable<Header> {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used again and its destructor never runs, so the inner runnable
        // is taken out exactly once.
        unsafe { ManuallyDrop::take(&mut this.0) }
    }

    /// Polls the task once. Returns `true` when the task woke itself while running (a yield): its
    /// schedule function has been called again already, from inside this call.
    #[inline]
    pub fn run(self) -> bool {
        self.into_inner().run()
    }

    /// Hands the task to its schedule function, as a wake-up would.
    #[inline]
    pub fn schedule(self) {
        self.into_inner().schedule();
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
        self.into_inner().into_raw()
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
        Runnable::new(unsafe { async_task::Runnable::from_raw(ptr) })
    }
}

impl Drop for Runnable {
    /// Cancels the task: marks it stopped and runs it, which drops its future without polling it
    /// (see the module docs). A panic from the future's destructor is caught and discarded.
    fn drop(&mut self) {
        // SAFETY: `drop` runs once, and `self.0` is not used after it.
        let inner = unsafe { ManuallyDrop::take(&mut self.0) };
        inner.metadata().set_runnable_dropped();
        inner.run();
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
