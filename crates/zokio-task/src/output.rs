//! `TaskOutput`: a task's result as async-task stores it, with a destructor that cannot unwind.
//!
//! async-task drops a task's output itself in two places: in `Runnable::run` when the task completes
//! after its handle was detached (under `abort_on_panic`, so a panicking destructor aborts the process),
//! and in `Task::detach` when a completed handle is dropped (where a panic would unwind out of
//! `JoinHandle::drop`, tokio#4412). Wrapping the output in a type whose `Drop` catches the panic makes
//! both places safe: the panic is contained and discarded, as Tokio does.

use std::any::Any;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::JoinError;

/// The result of a task, as it sits in the task allocation until the `JoinHandle` takes it.
///
/// A `ManuallyDrop`, not an `Option`: the task allocation holds room for this, and an `Option`
/// would need a tag word beside `Result<T, JoinError>` for most `T`.
pub(crate) struct TaskOutput<T>(ManuallyDrop<Result<T, JoinError>>);

impl<T> TaskOutput<T> {
    pub(crate) fn new(result: Result<T, JoinError>) -> TaskOutput<T> {
        TaskOutput(ManuallyDrop::new(result))
    }

    /// Takes the result out, without running the wrapper's `Drop`.
    pub(crate) fn into_result(self) -> Result<T, JoinError> {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used again and its `Drop` never runs, so the result is taken out
        // exactly once.
        unsafe { ManuallyDrop::take(&mut this.0) }
    }
}

impl<T> Drop for TaskOutput<T> {
    fn drop(&mut self) {
        // SAFETY: `drop` runs once, and `into_result` (the only other taker) skips it.
        let result = unsafe { ManuallyDrop::take(&mut self.0) };
        drop_contained(result);
    }
}

/// Drops `value`, catching a panic from its destructor. The panic's payload is dropped inside a
/// second catch (a payload's own destructor may panic too) and, if even that panics, leaked: nothing
/// escapes this function.
pub(crate) fn drop_contained<V>(value: V) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        drop_payload(payload);
    }
}

/// Drops a panic payload without letting a panic escape.
pub(crate) fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(second) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        // A payload whose destructor panics, whose payload's destructor panics: leak it rather than
        // recurse without bound.
        std::mem::forget(second);
    }
}
