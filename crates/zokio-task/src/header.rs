//! Per-task data stored inside the async-task allocation (its "metadata").

use std::cell::UnsafeCell;
use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::task::Waker;

use crate::owner::ListOwner;
use crate::{Id, TaskList};

/// The data zokio keeps beside each task's future, reachable from its [`Runnable`](crate::Runnable).
///
/// Schedulers read the id through [`Runnable::id`](crate::Runnable::id).
///
/// It also holds what would otherwise make every [`JoinHandle`](crate::JoinHandle) five words long:
/// the waker that `abort` wakes and the handle's own two flags. The handle is then one pointer, as
/// Tokio's and smol's are: a spawn moves 8 bytes instead of 40, and a `Vec` of 10,000 handles is
/// 80 KB, below glibc's 128 KB `mmap` threshold (freeing a larger block raises that threshold for
/// the rest of the process, after which glibc trims the heap, and faults it back in, on every burst
/// of freed tasks).
pub struct Header {
    id: Id,
    /// The task's key in its [`TaskList`](crate::TaskList) shard, [`UNREGISTERED`] until it is
    /// registered. 32 bits, so that it and the three flags below share one word.
    pub(crate) list_key: AtomicU32,
    /// Why the task must stop, if it must: [`ABORTED`] or [`RUNNABLE_DROPPED`]; 0 otherwise. The
    /// next poll drops the future instead of polling it.
    stop: AtomicU8,
    /// Set once the task's future has been dropped, after completing, panicking or being cancelled.
    /// Separate from `stop` so that finishing, once per task, is a plain store (only an abort,
    /// which must not overwrite a dropped `Runnable`'s reason, compares and swaps `stop`).
    finished: AtomicU8,
    /// The `JoinHandle`'s own flags, [`AWAITER_REGISTERED`] and [`OUTPUT_TAKEN`]: read and written
    /// only through the handle (relaxed; the handle is their only user).
    join_flags: AtomicU8,
    /// A waker of this task, owned by its `JoinHandle`: `abort` wakes it, `abort_handle` clones it.
    /// Written once at spawn, before the task is shared; taken when the handle is dropped (a waker
    /// kept here after that would keep the allocation that holds it alive for ever).
    handle_waker: UnsafeCell<Option<Waker>>,
    /// What the task keeps alive and registers in: its [`TaskList`] itself (a task of
    /// [`spawn`](crate::spawn)), or the scheduler that owns the list (a task of
    /// [`spawn_owned`](crate::spawn_owned), whose schedule function finds the scheduler here).
    /// Dropped with the allocation, after every call of the schedule function.
    owner: Arc<dyn ListOwner>,
}

/// `list_key` of a task that is not in its list.
pub(crate) const UNREGISTERED: u32 = u32::MAX;

/// `stop`: aborted through an `AbortHandle`, a `JoinHandle`, or the closed task list.
const ABORTED: u8 = 1;
/// `stop`: the task's `Runnable` was dropped; a panic from the future's destructor is then
/// discarded and the task reports cancelled (a dropped `Runnable` is a cancellation, as in
/// async-task).
const RUNNABLE_DROPPED: u8 = 2;

/// `join_flags`: a poll of the handle left an awaiter's waker in the task.
pub(crate) const AWAITER_REGISTERED: u8 = 1;
/// `join_flags`: the handle returned `Ready`.
pub(crate) const OUTPUT_TAKEN: u8 = 2;

// SAFETY: every field but `handle_waker` is an atomic, plain immutable data, or an `Arc` of a
// `Send + Sync` owner. `handle_waker` is
// written once by `spawn` before the task's `Runnable` or `JoinHandle` exists outside it, then only
// reached through the task's one `JoinHandle`: shared reads (`Waker` is `Sync`) from `&JoinHandle`,
// and its one take from `JoinHandle::drop`, which has the handle exclusively. Runnables and wakers,
// which other threads hold, never touch it.
unsafe impl Sync for Header {}

impl Header {
    pub(crate) fn new(owner: Arc<dyn ListOwner>) -> Header {
        Header {
            owner,
            id: Id::next(),
            list_key: AtomicU32::new(UNREGISTERED),
            stop: AtomicU8::new(0),
            finished: AtomicU8::new(0),
            join_flags: AtomicU8::new(0),
            handle_waker: UnsafeCell::new(None),
        }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.id
    }

    /// The list the task registers in.
    #[inline]
    pub(crate) fn list(&self) -> &TaskList {
        self.owner.list()
    }

    /// The address of the task's owner (the data pointer of its `Arc`): for
    /// [`spawn_owned`](crate::spawn_owned)'s schedule function, which knows the owner's type.
    #[inline]
    pub(crate) fn owner_ptr(&self) -> NonNull<()> {
        NonNull::from(&*self.owner).cast()
    }

    /// Whether the task has been asked to stop: aborted, or its `Runnable` dropped.
    pub fn is_aborted(&self) -> bool {
        self.stop.load(Ordering::Acquire) != 0
    }

    /// Whether the stop came from a dropped `Runnable` rather than an abort.
    pub(crate) fn runnable_dropped(&self) -> bool {
        self.stop.load(Ordering::Acquire) == RUNNABLE_DROPPED
    }

    /// Whether the task's future is gone (completed, panicked or cancelled).
    pub fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire) != 0
    }

    pub(crate) fn set_aborted(&self) {
        // A dropped Runnable's reason is kept: the task is cancelled either way.
        let _ = self
            .stop
            .compare_exchange(0, ABORTED, Ordering::Release, Ordering::Relaxed);
    }

    pub(crate) fn set_runnable_dropped(&self) {
        self.stop.store(RUNNABLE_DROPPED, Ordering::Release);
    }

    pub(crate) fn set_finished(&self) {
        self.finished.store(1, Ordering::Release);
    }

    pub(crate) fn join_flags(&self) -> u8 {
        self.join_flags.load(Ordering::Relaxed)
    }

    /// Sets one of the `JoinHandle`'s flags. A load and a store, not a read-modify-write: only
    /// the handle writes them, through `&mut` (its poll), so no two writes race.
    pub(crate) fn set_join_flag(&self, flag: u8) {
        let flags = self.join_flags.load(Ordering::Relaxed);
        self.join_flags.store(flags | flag, Ordering::Relaxed);
    }

    /// Stores the `JoinHandle`'s waker.
    ///
    /// # Safety
    /// Called once, by `spawn`, while it alone holds the task (its `Runnable` and `Task`).
    pub(crate) unsafe fn init_handle_waker(&self, waker: Waker) {
        // SAFETY: the caller holds the only references to the task, so nothing reads the slot now.
        unsafe { *self.handle_waker.get() = Some(waker) };
    }

    /// The `JoinHandle`'s waker.
    ///
    /// # Safety
    /// Called only through the task's `JoinHandle`, before it is dropped.
    pub(crate) unsafe fn handle_waker(&self) -> &Waker {
        // SAFETY: written at spawn (before the handle existed) and taken only by the handle's drop,
        // which cannot run while the caller borrows the handle; so this is a shared read of a
        // value nothing writes meanwhile.
        unsafe { (*self.handle_waker.get()).as_ref() }
            .expect("a JoinHandle's waker is set at spawn")
    }

    /// Takes the `JoinHandle`'s waker out.
    ///
    /// # Safety
    /// Called once, by the task's `JoinHandle` as it is dropped.
    pub(crate) unsafe fn take_handle_waker(&self) -> Option<Waker> {
        // SAFETY: the handle is being dropped, so no shared borrow of the slot through it is alive,
        // and nothing else reaches the slot (see the `Sync` impl).
        unsafe { (*self.handle_waker.get()).take() }
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Header")
            .field("id", &self.id)
            .field("aborted", &self.is_aborted())
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}
