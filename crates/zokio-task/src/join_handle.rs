//! `JoinHandle`: await a task's output; dropping it detaches the task.

use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use crate::header::{AWAITER_REGISTERED, OUTPUT_TAKEN};
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
    /// async-task's handle; dropped only through `detach` (its own `Drop` would cancel the task).
    ///
    /// The handle's state (whether an awaiter's waker is registered, whether the output was
    /// taken) and the waker that `abort` uses live in the task's [`Header`], so that this is the
    /// handle's only field and the handle is one pointer wide (see `Header`). The plain `Task`, not
    /// async-task's `FallibleTask`: a task with a handle always ends with an output (a dropped
    /// `Runnable` runs the task cancelled, see `runnable.rs`), and only `Task` gives the header.
    task: ManuallyDrop<async_task::Task<TaskOutput<T>, Header>>,
}

impl<T> JoinHandle<T> {
    /// The handle of a task whose header holds the handle's waker (see `Header::init_handle_waker`).
    pub(crate) fn new(task: async_task::Task<TaskOutput<T>, Header>) -> Self {
        JoinHandle {
            task: ManuallyDrop::new(task),
        }
    }

    fn header(&self) -> &Header {
        self.task.metadata()
    }

    /// The waker `spawn` stored for this handle.
    fn waker(&self) -> &Waker {
        // SAFETY: called through the task's one `JoinHandle`, which is borrowed and so not dropped.
        unsafe { self.header().handle_waker() }
    }

    /// Cancels the task; see [`AbortHandle::abort`].
    pub fn abort(&self) {
        crate::abort::abort_task(self.header(), self.waker());
    }

    /// Whether the task has finished: completed, panicked or been cancelled. Never blocks.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// A handle that can cancel the task without owning this `JoinHandle`.
    pub fn abort_handle(&self) -> AbortHandle {
        // SAFETY: the waker is this task's own (stored by `spawn` for this handle), so it wakes and
        // keeps allocated the task whose header is passed with it.
        unsafe { AbortHandle::new(self.waker().clone(), self.header()) }
    }

    /// The id of the task.
    pub fn id(&self) -> Id {
        self.header().id()
    }
}

// The handle never pins its task: async-task's `Task` is `Unpin`.
impl<T> Unpin for JoinHandle<T> {}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let restore = ready!(zokio_coop::poll_proceed(cx));
        let this = self.get_mut();
        let flags = this.header().join_flags();
        assert!(
            flags & OUTPUT_TAKEN == 0,
            "JoinHandle polled after it returned Ready"
        );
        // Never panics: the task always ends with an output (see the field docs).
        let output = match Pin::new(&mut *this.task).poll(cx) {
            Poll::Ready(output) => output,
            Poll::Pending => {
                if flags & AWAITER_REGISTERED == 0 {
                    this.header().set_join_flag(AWAITER_REGISTERED);
                }
                return Poll::Pending;
            }
        };
        restore.made_progress();
        this.header().set_join_flag(OUTPUT_TAKEN);
        Poll::Ready(output.into_result())
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let flags = self.header().join_flags();
        // SAFETY: this is the task's `JoinHandle`, being dropped: the slot's one take.
        let waker = unsafe { self.header().take_handle_waker() };
        // SAFETY: `drop` runs once and `self.task` is not used after this.
        let mut task = unsafe { ManuallyDrop::take(&mut self.task) };
        if flags & (AWAITER_REGISTERED | OUTPUT_TAKEN) == AWAITER_REGISTERED {
            // async-task keeps the last awaiter's waker until the task ends, even once detached:
            // a `.await` dropped midway (a `select!`, a timeout) would keep the awaiting task alive
            // for as long as this one runs, or for ever in a cycle (tokio#6986). Swap in a no-op
            // waker. If the task finished meanwhile, this takes the output, dropped right here
            // (`TaskOutput` contains a panic from its destructor).
            let mut cx = Context::from_waker(Waker::noop());
            let _ = Pin::new(&mut task).poll(&mut cx);
        }
        // Drops the output here if the task already completed: `TaskOutput` contains a panic
        // from its destructor (tokio#4412).
        task.detach();
        // Last: while the handle held the task, this drop could not free the allocation.
        drop(waker);
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
