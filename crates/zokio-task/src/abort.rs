//! `AbortHandle`: cancel a task from anywhere without owning its `JoinHandle`.

use std::fmt;
use std::ptr::NonNull;
use std::task::Waker;

use crate::{Header, Id};

/// A handle that cancels a task. Unlike a [`JoinHandle`](crate::JoinHandle) it cannot await the
/// output, and dropping it does nothing.
///
/// Aborting a task that is waiting drops its future at its next scheduling, without polling it again;
/// aborting a task that is being polled takes effect when that poll returns. Aborting a finished task
/// does nothing.
///
/// `abort` works from any thread, inside or outside a runtime. It wakes the task, so it may call the
/// scheduler's schedule function on the calling thread. A handle keeps the task's allocation (not its
/// future) alive until it is dropped.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use zokio_task::{Runnable, TaskList};
///
/// let queue: Arc<Mutex<Vec<Runnable>>> = Arc::default();
/// let list = Arc::new(TaskList::new(1));
/// let q = queue.clone();
/// let (runnable, handle) =
///     zokio_task::spawn(std::future::pending::<()>(), move |r, _| q.lock().unwrap().push(r), &list);
/// runnable.run(); // Pending: the task now waits.
///
/// let abort = handle.abort_handle();
/// abort.abort(); // Wakes the task: its next run drops the future without polling it.
/// let next = queue.lock().unwrap().pop().unwrap();
/// next.run();
/// assert!(abort.is_finished());
/// assert!(futures_lite::future::block_on(handle).unwrap_err().is_cancelled());
/// ```
pub struct AbortHandle {
    /// A waker of the task: waking it makes the scheduler poll the task, which then sees the abort
    /// flag. Holding it also keeps the task allocation, and so `header`, alive.
    waker: Waker,
    header: NonNull<Header>,
}

// SAFETY: `header` points into the task allocation, which `waker` keeps alive for as long as this handle
// exists; `Header` is `Sync` (atomics and plain data), so sharing or sending a pointer to it is sound.
unsafe impl Send for AbortHandle {}
// SAFETY: as for `Send`: every access through `header` is a shared read of a `Sync` type.
unsafe impl Sync for AbortHandle {}

impl AbortHandle {
    /// # Safety
    /// `header` must be the metadata of the task that `waker` wakes.
    pub(crate) unsafe fn new(waker: Waker, header: &Header) -> AbortHandle {
        AbortHandle {
            waker,
            header: NonNull::from(header),
        }
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: the waker keeps the task allocation that holds the header alive (see the field docs).
        unsafe { self.header.as_ref() }
    }

    /// Cancels the task. Its `JoinHandle` then returns a [`JoinError`](crate::JoinError) for which
    /// `is_cancelled()` is true, unless the task completed first (then the output is kept) or its
    /// future's destructor panicked (then `is_panic()` is true).
    pub fn abort(&self) {
        abort_task(self.header(), &self.waker);
    }

    /// Whether the task has finished: completed, panicked or been cancelled.
    pub fn is_finished(&self) -> bool {
        self.header().is_finished()
    }

    /// The id of the task.
    pub fn id(&self) -> Id {
        self.header().id()
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        AbortHandle {
            waker: self.waker.clone(),
            header: self.header,
        }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Aborts the task whose header is `header` and which `waker` wakes: sets its abort flag and wakes
/// it, so that its next run drops the future. Nothing for a finished task.
pub(crate) fn abort_task(header: &Header, waker: &Waker) {
    if header.is_finished() {
        return;
    }
    header.set_aborted();
    waker.wake_by_ref();
}
