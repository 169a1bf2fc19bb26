//! `TaskFuture`: the wrapper around every spawned future.
//!
//! It adds what Tokio's semantics need on top of async-task:
//! - **panic capture**: a panic in `poll` is caught here and becomes `Err(JoinError::Panic)`; the worker
//!   thread that polled the task never unwinds;
//! - **abort**: the abort flag in the [`Header`] is checked before every poll; an aborted task drops its
//!   future without polling it again and completes with `Err(JoinError::Cancelled)`;
//! - **contained destructors**: the inner future is always dropped *here*, inside `catch_unwind`, never
//!   by async-task (which aborts the process when a future's destructor panics);
//! - **registry upkeep**: a finished task leaves its [`TaskList`].

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::id::CurrentIdGuard;
use crate::{Header, JoinError, TaskList};

pub(crate) struct TaskFuture<'a, F> {
    header: &'a Header,
    /// `Some` until the future completes, panics or is cancelled. Structurally pinned.
    inner: Option<F>,
    list: Arc<TaskList>,
}

impl<'a, F: Future> TaskFuture<'a, F> {
    pub(crate) fn new(header: &'a Header, inner: F, list: Arc<TaskList>) -> Self {
        TaskFuture {
            header,
            inner: Some(inner),
            list,
        }
    }

    /// Drops the inner future in place, catching a panic from its destructor.
    fn drop_inner(inner: Pin<&mut Option<F>>) -> Result<(), Box<dyn std::any::Any + Send>> {
        let mut inner = inner;
        catch_unwind(AssertUnwindSafe(|| inner.set(None)))
    }

    fn finish(&self) {
        self.header.set_finished();
        self.list.remove(self.header);
    }
}

impl<F: Future> Future for TaskFuture<'_, F> {
    type Output = Result<F::Output, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out (only dropped in place through
        // `Pin::set`), and `TaskFuture` implements neither `Unpin` by hand nor a `Drop` that moves it.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above; `this` is not used to move `inner` for as long as this pin lives.
        let mut inner = unsafe { Pin::new_unchecked(&mut this.inner) };
        let id = this.header.id();

        if this.header.is_aborted() {
            let result = match Self::drop_inner(inner) {
                Ok(()) => Err(JoinError::cancelled(id)),
                Err(payload) => Err(JoinError::panic(id, payload)),
            };
            this.finish();
            return Poll::Ready(result);
        }

        let Some(future) = inner.as_mut().as_pin_mut() else {
            // async-task never polls a completed task; stay pending if it ever did.
            return Poll::Pending;
        };
        let polled = {
            let _current = CurrentIdGuard::enter(id);
            catch_unwind(AssertUnwindSafe(|| future.poll(cx)))
        };
        let result = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => match Self::drop_inner(inner) {
                Ok(()) => Ok(output),
                Err(payload) => Err(JoinError::panic(id, payload)),
            },
            Err(payload) => {
                // The first panic is the one reported; a second one from the destructor is dropped
                // (inside its own catch, since its payload's destructor could panic too).
                if let Err(second) = Self::drop_inner(inner) {
                    let _ = catch_unwind(AssertUnwindSafe(move || drop(second)));
                }
                Err(JoinError::panic(id, payload))
            }
        };
        this.finish();
        Poll::Ready(result)
    }
}

impl<F> Drop for TaskFuture<'_, F> {
    fn drop(&mut self) {
        if self.inner.is_some() {
            // The task is being dropped without completing (its Runnable was dropped, e.g. at shutdown).
            // SAFETY: `drop` runs on a pinned value that is never used again; dropping the field in
            // place is what structural pinning allows.
            let mut inner = unsafe { Pin::new_unchecked(&mut self.inner) };
            let _ = catch_unwind(AssertUnwindSafe(|| inner.set(None)));
            self.header.set_finished();
            self.list.remove(self.header);
        }
    }
}
