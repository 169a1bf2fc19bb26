//! `JoinHandle`: await a task's output; dropping it detaches the task.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use async_task::FallibleTask;

use crate::output::TaskOutput;
use crate::{AbortHandle, Header, Id, JoinError};

/// An owned permission to await a task's output.
///
/// Awaiting it gives `Ok(output)`, or a [`JoinError`] when the task panicked or was cancelled.
/// Dropping it **detaches** the task, which keeps running (Tokio's semantics; async-task's own `Task`
/// cancels on drop). Use [`JoinHandle::abort`] to cancel. When the task has already completed, dropping
/// the handle drops the output; a panic from the output's destructor is caught and discarded.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use zokio_task::{Runnable, TaskList};
///
/// let queue: Arc<Mutex<Vec<Runnable>>> = Arc::default();
/// let list = Arc::new(TaskList::new(1));
/// let spawn = |future: std::pin::Pin<Box<dyn Future<Output = i32> + Send>>| {
///     let q = queue.clone();
///     let (runnable, handle) = zokio_task::spawn(future, move |r, _| q.lock().unwrap().push(r), &list);
///     runnable.schedule();
///     handle
/// };
/// let ok = spawn(Box::pin(async { 1 }));
/// let panicked = spawn(Box::pin(async {
///     if true {
///         panic!("oops");
///     }
///     2
/// }));
/// let run_all = || loop {
///     let next = queue.lock().unwrap().pop();
///     match next {
///         Some(runnable) => { runnable.run(); } // never unwinds: the panic is caught
///         None => break,
///     }
/// };
/// run_all();
/// assert_eq!(futures_lite::future::block_on(ok).unwrap(), 1);
/// let err = futures_lite::future::block_on(panicked).unwrap_err();
/// assert!(err.is_panic());
/// ```
///
/// # Cancel safety
///
/// Awaiting a `JoinHandle` is cancel safe: dropping the `.await` loses nothing, the output stays in the
/// task until the handle is polled again or dropped.
///
/// # Panics
///
/// Polling the handle again after it returned `Ready` panics.
pub struct JoinHandle<T> {
    /// `None` once the output has been taken.
    task: Option<FallibleTask<TaskOutput<T>, Header>>,
    abort: AbortHandle,
    /// Whether a poll left an awaiter's waker in the task: 0 or 1.
    ///
    /// A `u8`, not a `bool`, on purpose. A `bool` has 254 spare bit patterns, so every enum around a
    /// handle (`Option<JoinHandle>`, `spawn`'s own `Option<(Runnable, JoinHandle)>`) would keep its
    /// tag in this byte, and moving such a value copies the 7 bytes after the tag with unaligned,
    /// overlapping 4-byte moves. A load that overlaps two such stores cannot be forwarded from them
    /// and waits for them to reach the cache: a store-forwarding stall on every spawn (perf showed it
    /// as the hottest spot of a spawn-and-join loop). A `u8` has no spare pattern, so the tag goes in
    /// a pointer's null value instead, and moves are plain 8-byte copies.
    waker_registered: u8,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(task: async_task::Task<TaskOutput<T>, Header>, abort: AbortHandle) -> Self {
        JoinHandle {
            task: Some(task.fallible()),
            abort,
            waker_registered: 0,
        }
    }

    /// Cancels the task; see [`AbortHandle::abort`].
    pub fn abort(&self) {
        self.abort.abort();
    }

    /// Whether the task has finished: completed, panicked or been cancelled. Never blocks.
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(|t| t.is_finished())
    }

    /// A handle that can cancel the task without owning this `JoinHandle`.
    pub fn abort_handle(&self) -> AbortHandle {
        self.abort.clone()
    }

    /// The id of the task.
    pub fn id(&self) -> Id {
        self.abort.id()
    }
}

// The handle never pins its task: `FallibleTask` is `Unpin`.
impl<T> Unpin for JoinHandle<T> {}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let restore = ready!(zokio_coop::poll_proceed(cx));
        let id = self.id();
        let task = self
            .task
            .as_mut()
            .expect("JoinHandle polled after it returned Ready");
        let output = match Pin::new(task).poll(cx) {
            Poll::Ready(output) => output,
            Poll::Pending => {
                self.waker_registered = 1;
                return Poll::Pending;
            }
        };
        restore.made_progress();
        // The task is done with: release it now, and make `is_finished` keep answering `true`.
        self.task = None;
        match output {
            Some(output) => Poll::Ready(output.into_result()),
            // The task was dropped without running to completion, e.g. its runtime shut down.
            None => Poll::Ready(Err(JoinError::cancelled(id))),
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Some(mut task) = self.task.take() {
            if self.waker_registered != 0 {
                // async-task keeps the last awaiter's waker until the task ends, even once detached:
                // a `.await` dropped midway (a `select!`, a timeout) would keep the awaiting task alive
                // for as long as this one runs, or for ever in a cycle (tokio#6986). Swap in a no-op
                // waker. If the task finished meanwhile, this takes the output, dropped right here.
                let mut cx = Context::from_waker(Waker::noop());
                let _ = Pin::new(&mut task).poll(&mut cx);
            }
            // Drops the output here if the task already completed: `TaskOutput` contains a panic
            // from its destructor (tokio#4412).
            task.detach();
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}
