//! `TaskFuture`: the wrapper around every spawned future.
//!
//! It adds what Tokio's semantics need on top of async-task:
//! - **panic capture**: a panic in `poll` is caught here and becomes `Err(JoinError::Panic)`; the worker
//!   thread that polled the task never unwinds;
//! - **abort**: the abort flag in the [`Header`], and whether the task's list is closed, are checked
//!   before every poll; an aborted task drops its future without polling it again and completes with
//!   `Err(JoinError::Cancelled)`;
//! - **contained destructors**: the inner future is always dropped *here*, inside `catch_unwind`, never
//!   by async-task (which aborts the process when a future's destructor panics). The output is wrapped
//!   in a [`TaskOutput`], whose destructor cannot unwind either;
//! - **task id**: [`crate::id`] answers while the inner future is polled *and* while it is dropped;
//! - **registry upkeep**: the first poll that returns `Pending` registers the task in its
//!   [`TaskList`](crate::TaskList) (see the list's "Registered only once it waits"), and a finished task is counted
//!   out of it and leaves it;
//! - **tracing** (feature `tracing`): the task's `runtime.spawn` span, created once at spawn, is
//!   entered around every poll and around the drop of the future, and closed with this wrapper, when
//!   the future is gone. Without the feature the field does not exist.
//!
//! # Pinning
//!
//! `inner` is structurally pinned: it is only ever polled through `Pin` and dropped in place with
//! [`Pin::set`], never moved. `Pin::set(None)` writes `None` even when the old value's destructor
//! panics (assignment stores the new value on the unwind path too), so a future is dropped exactly
//! once. `TaskFuture` is `Unpin` only when `F` is (the auto trait), and its `Drop` does not move `inner`.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::header::UNREGISTERED;
use crate::id::CurrentIdGuard;
use crate::output::{TaskOutput, drop_contained, drop_payload};
use std::sync::atomic::Ordering::Relaxed;

use crate::{AbortHandle, Header, Id, JoinError};

pub(crate) struct TaskFuture<'a, F> {
    /// The task's metadata, which async-task keeps alive until after this wrapper is dropped.
    header: &'a Header,
    /// `Some` until the future completes, panics or is cancelled. Structurally pinned.
    inner: Option<F>,
    /// The task's `runtime.spawn` span (see `crate::trace`).
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

/// The function async-task calls with the task's metadata to build its future: `TaskFuture` around
/// `future`. A function because a closure cannot name the lifetime that ties the two together.
pub(crate) fn task_factory<'a, F: Future>(
    future: F,
    #[cfg(feature = "tracing")] span: tracing::Span,
) -> impl FnOnce(&'a Header) -> TaskFuture<'a, F> {
    move |header| TaskFuture {
        header,
        inner: Some(future),
        #[cfg(feature = "tracing")]
        span,
    }
}

impl<F> TaskFuture<'_, F> {
    /// Drops the inner future in place, with the task's id current, catching a panic from its
    /// destructor.
    fn drop_inner(id: Id, mut inner: Pin<&mut Option<F>>) -> Result<(), Box<dyn Any + Send>> {
        let _current = CurrentIdGuard::enter(id);
        catch_unwind(AssertUnwindSafe(|| inner.set(None)))
    }

    /// Marks the task finished and unregisters it. Called once, right after `inner` became `None`.
    fn finish(&self) {
        self.header.set_finished();
        self.header.list().task_finished(self.header);
    }

    /// Registers the task in its list when a poll returned `Pending` for the first time: from now on
    /// it may wait where no queue sees it, and shutdown must reach it through the list. When the
    /// list is closed already, the task aborts itself instead: it sets its abort flag and wakes
    /// itself, so that its scheduler gets it back and runs it (which drops the future) or drops it.
    fn register_if_new(&self, cx: &Context<'_>) {
        if self.header.list_key.load(Relaxed) != UNREGISTERED {
            return;
        }
        // SAFETY: async-task polls the task's future (this wrapper, the outermost future of the
        // task) with a context whose waker is the task's own, so `waker` wakes the very task whose
        // metadata `header` is.
        let abort = unsafe { AbortHandle::new(cx.waker().clone(), self.header) };
        if let Err(rejected) = self.header.list().insert(abort) {
            // Sets the flag and wakes the task; it is running, so async-task queues it again once
            // this poll has returned.
            rejected.abort();
        }
    }
}

impl<F: Future> Future for TaskFuture<'_, F> {
    type Output = TaskOutput<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `inner` is structurally pinned (module docs): `this` is only used to re-pin `inner`
        // just below and to read `header`, which is not pinned; nothing is moved out.
        let this = unsafe { self.get_unchecked_mut() };
        // Every poll runs inside the task's span: console-subscriber counts polls and busy time
        // by its enters and exits.
        #[cfg(feature = "tracing")]
        let _span = this.span.enter();
        // SAFETY: `this.inner` lives inside the pinned `TaskFuture` and is never moved (module docs).
        let mut inner = unsafe { Pin::new_unchecked(&mut this.inner) };
        let id = this.header.id();

        let Some(future) = inner.as_mut().as_pin_mut() else {
            // async-task never polls a task again once it returned `Ready`.
            return Poll::Pending;
        };

        // A closed list cancels every task, not only the registered (waiting) ones it could abort:
        // a task queued before the close, never polled yet, must not start running during shutdown.
        if this.header.is_aborted() || this.header.list().is_closed() {
            let result = match Self::drop_inner(id, inner) {
                Ok(()) => Err(JoinError::cancelled(id)),
                // A dropped Runnable cancels, whatever the destructor does (as dropping the
                // future from `Drop` below does).
                Err(payload) if this.header.runnable_dropped() => {
                    drop_payload(payload);
                    Err(JoinError::cancelled(id))
                }
                Err(payload) => Err(JoinError::panic(id, payload)),
            };
            this.finish();
            return Poll::Ready(TaskOutput::new(result));
        }

        let polled = {
            let _current = CurrentIdGuard::enter(id);
            catch_unwind(AssertUnwindSafe(|| future.poll(cx)))
        };
        let result = match polled {
            Ok(Poll::Pending) => {
                this.register_if_new(cx);
                return Poll::Pending;
            }
            Ok(Poll::Ready(output)) => match Self::drop_inner(id, inner) {
                Ok(()) => Ok(output),
                Err(payload) => {
                    // The future's destructor panicked after it produced its output: report the
                    // panic, and drop the output, whose own destructor might panic as well.
                    drop_contained(output);
                    Err(JoinError::panic(id, payload))
                }
            },
            Err(payload) => {
                // The first panic is the one reported; a second one from the destructor is dropped.
                if let Err(second) = Self::drop_inner(id, inner) {
                    drop_payload(second);
                }
                this.finish();
                this.header.list().task_panicked();
                return Poll::Ready(TaskOutput::new(Err(JoinError::panic(id, payload))));
            }
        };
        this.finish();
        Poll::Ready(TaskOutput::new(result))
    }
}

impl<F> Drop for TaskFuture<'_, F> {
    fn drop(&mut self) {
        if self.inner.is_none() {
            // Completed, panicked or cancelled: `finish` already ran.
            return;
        }
        // The task is being dropped without completing: its Runnable was dropped (e.g. at shutdown)
        // or its last reference went away. Its handle will report it cancelled.
        #[cfg(feature = "tracing")]
        let _span = self.span.enter();
        // SAFETY: `drop` runs on a pinned value that is never used again; dropping the field in
        // place is what structural pinning allows.
        let inner = unsafe { Pin::new_unchecked(&mut self.inner) };
        if let Err(payload) = Self::drop_inner(self.header.id(), inner) {
            drop_payload(payload);
        }
        self.finish();
    }
}
