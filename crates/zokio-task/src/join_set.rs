//! `JoinSet`: a set of tasks awaited in completion order.
//!
//! # Design: O(1) per finished task
//!
//! Each entry polls its [`JoinHandle`] with a waker of its own (an `Arc<EntryNotify>`), never with the
//! waker of the task that owns the set. When a task finishes, async-task wakes that entry waker, which
//! pushes the entry's `(key, generation)` onto a shared *ready list* and wakes the owner. `join_next`
//! pops the ready list and polls only those entries: the cost is one push, one pop and one poll per
//! finished task, however many tasks are still running. A freshly inserted entry starts on the ready
//! list, so its first poll registers the entry waker with the task.
//!
//! An entry is on the ready list at most once at a time (its `queued` flag). Slab keys are reused, so
//! each entry also carries a generation: a late wake from an entry that has since left the set names a
//! generation no live entry has and is skipped.
//!
//! The ready list holds plain integers, not wakers or `Arc`s, so the shared state never points back at
//! an entry: no reference cycle can outlive the set.
//!
//! This type is runtime-independent: it takes handles that a runtime created ([`JoinSet::insert`]).
//! The `zokio` facade wraps it with `spawn`/`spawn_on`.

use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker, ready};

use slab::Slab;
use zokio_coop::Budget;

use crate::{AbortHandle, Id, JoinError, JoinHandle};

/// A collection of tasks, awaited in the order they finish.
///
/// Insert tasks with [`JoinSet::insert`] (the `zokio` facade's `JoinSet::spawn` does it for you), then
/// take their results with [`JoinSet::join_next`]. Dropping the set **aborts** every task still in it;
/// use [`JoinSet::detach_all`] first to let them run on.
///
/// Each finished task costs O(1) to collect, whatever the size of the set (see the module docs).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use zokio_task::{JoinSet, Runnable, TaskList};
///
/// // A minimal executor: a queue of runnables, run on this thread.
/// let queue: Arc<Mutex<Vec<Runnable>>> = Arc::default();
/// let list = Arc::new(TaskList::new(1));
/// let mut set = JoinSet::new();
/// for i in 0..3u32 {
///     let q = queue.clone();
///     let (runnable, handle) = zokio_task::spawn(async move { i * 10 }, move |r, _| q.lock().unwrap().push(r), &list);
///     runnable.schedule();
///     set.insert(handle);
/// }
/// assert_eq!(set.len(), 3);
/// loop {
///     let next = queue.lock().unwrap().pop();
///     match next {
///         Some(runnable) => { runnable.run(); }
///         None => break,
///     }
/// }
/// let mut outputs = Vec::new();
/// while let Some(result) = futures_lite::future::block_on(set.join_next()) {
///     outputs.push(result.unwrap());
/// }
/// outputs.sort();
/// assert_eq!(outputs, [0, 10, 20]);
/// assert!(set.is_empty());
/// ```
pub struct JoinSet<T> {
    entries: Slab<Entry<T>>,
    shared: Arc<Shared>,
    /// The generation the next inserted entry gets.
    next_generation: u64,
    /// How many times a `JoinHandle` was polled: lets the unit tests check the O(1) claim.
    #[cfg(test)]
    handle_polls: usize,
}

struct Entry<T> {
    handle: JoinHandle<T>,
    notify: Arc<EntryNotify>,
    /// `Waker::from(notify)`, kept so that polling does not touch the reference count.
    waker: Waker,
}

/// State shared between the set and its entry wakers.
#[derive(Default)]
struct Shared {
    state: Mutex<SharedState>,
}

#[derive(Default)]
struct SharedState {
    /// `(key, generation)` of the entries whose task may have finished.
    ready: VecDeque<(usize, u64)>,
    /// The waker of the task waiting in `join_next`, registered only when `ready` was empty.
    waker: Option<Waker>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, SharedState> {
        // No user code runs under this lock except `Waker::clone`; a poisoned list is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The waker an entry polls its `JoinHandle` with.
struct EntryNotify {
    shared: Arc<Shared>,
    key: usize,
    generation: u64,
    /// Whether `(key, generation)` is on the ready list now. Also set, for good, when the entry leaves
    /// the set, so that a detached task's completion pushes nothing.
    queued: AtomicBool,
}

impl Wake for EntryNotify {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let waker = {
            let mut state = self.shared.lock();
            state.ready.push_back((self.key, self.generation));
            state.waker.take()
        };
        // Woken outside the lock: a wake may run a scheduler's schedule function.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            entries: Slab::new(),
            shared: Arc::default(),
            next_generation: 0,
            #[cfg(test)]
            handle_polls: 0,
        }
    }

    /// The number of tasks in the set, finished or not, whose result has not been taken yet.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds a task to the set and returns a handle that can abort it.
    ///
    /// This is what a runtime's `JoinSet::spawn` builds on: spawn the task, then insert its handle. The
    /// handle must not have returned `Ready` already (polling it again would panic).
    pub fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let generation = self.next_generation;
        self.next_generation += 1;
        let vacant = self.entries.vacant_entry();
        let key = vacant.key();
        let notify = Arc::new(EntryNotify {
            shared: Arc::clone(&self.shared),
            key,
            generation,
            // Queued below: the first `join_next` polls the handle, which registers the entry waker.
            queued: AtomicBool::new(true),
        });
        let waker = Waker::from(Arc::clone(&notify));
        vacant.insert(Entry {
            handle,
            notify,
            waker,
        });
        self.shared.lock().ready.push_back((key, generation));
        abort
    }

    /// Waits for one task to finish and returns its result, or `None` when the set is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no result is lost; the task stays in
    /// the set.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Like [`JoinSet::join_next`], with the id of the task that finished.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`JoinSet::join_next`].
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// Polls for the next finished task: the poll form of [`JoinSet::join_next`].
    ///
    /// Returns `Ready(None)` when the set is empty, and `Pending` (after arranging for `cx` to be woken)
    /// while every task is still running.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|next| next.map(|result| result.map(|(_, output)| output)))
    }

    /// Polls for the next finished task, with its id: the poll form of [`JoinSet::join_next_with_id`].
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        if self.entries.is_empty() {
            return Poll::Ready(None);
        }
        // One budget unit for the whole call; the handles are then polled without a budget, so that
        // none of them returns `Pending` merely because the budget ran out (which would requeue it).
        let restore = ready!(zokio_coop::poll_proceed(cx));
        loop {
            let mut replaced = None;
            let next = {
                let mut state = self.shared.lock();
                let next = state.ready.pop_front();
                if next.is_none() {
                    // Registered under the same lock as the pushes: a wake after this sees the waker.
                    let registered = state.waker.as_ref();
                    if !registered.is_some_and(|waker| waker.will_wake(cx.waker())) {
                        replaced = state.waker.replace(cx.waker().clone());
                    }
                }
                next
            };
            // A waker is dropped outside the lock: its destructor may run arbitrary code.
            drop(replaced);
            let Some((key, generation)) = next else {
                return Poll::Pending;
            };
            if let Some(result) = self.poll_entry(key, generation) {
                restore.made_progress();
                return Poll::Ready(Some(result));
            }
        }
    }

    /// Takes the result of a task that has already finished, without waiting. Returns `None` when no
    /// task has finished (even if the set is not empty).
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id()
            .map(|result| result.map(|(_, output)| output))
    }

    /// Like [`JoinSet::try_join_next`], with the id of the task that finished.
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        loop {
            let (key, generation) = self.shared.lock().ready.pop_front()?;
            if let Some(result) = self.poll_entry(key, generation) {
                return Some(result);
            }
        }
    }

    /// Polls the entry `(key, generation)` popped from the ready list; removes it and returns its result
    /// if its task has finished. A stale pair (the entry left the set) is ignored.
    fn poll_entry(&mut self, key: usize, generation: u64) -> Option<Result<(Id, T), JoinError>> {
        let entry = self
            .entries
            .get_mut(key)
            .filter(|entry| entry.notify.generation == generation)?;
        // Cleared before the poll: a completion that races with it queues the entry again, so none is
        // missed (a spurious extra queueing is skipped later as stale).
        entry.notify.queued.store(false, Ordering::Release);
        #[cfg(test)]
        {
            self.handle_polls += 1;
        }
        let mut cx = Context::from_waker(&entry.waker);
        let handle = Pin::new(&mut entry.handle);
        let polled = zokio_coop::with_budget(Budget::unconstrained(), || handle.poll(&mut cx));
        match polled {
            Poll::Pending => None,
            Poll::Ready(result) => {
                let entry = self.entries.remove(key);
                entry.notify.queued.store(true, Ordering::Release);
                Some(result.map(|output| (entry.handle.id(), output)))
            }
        }
    }

    /// Aborts every task in the set. Their results (mostly cancelled [`JoinError`]s, or the output of a
    /// task that finished first) are still collected by [`JoinSet::join_next`].
    pub fn abort_all(&mut self) {
        for (_, entry) in self.entries.iter() {
            entry.handle.abort();
        }
    }

    /// Aborts every task and waits until all of them have stopped, discarding their results. The set is
    /// empty afterwards.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Removes every task from the set without aborting it: the tasks keep running, detached.
    pub fn detach_all(&mut self) {
        for (_, entry) in self.entries.iter() {
            entry.notify.queued.store(true, Ordering::Release);
        }
        // Dropping a `JoinHandle` detaches its task.
        self.entries.clear();
        self.shared.lock().ready.clear();
    }

    /// Waits for every task and returns their outputs in completion order.
    ///
    /// # Panics
    ///
    /// If a task panicked, the panic is resumed here; if one was cancelled, this panics with the
    /// [`JoinError`]. In both cases the set is dropped, which aborts the tasks still in it.
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len());
        while let Some(result) = self.join_next().await {
            match result {
                Ok(output) => outputs.push(output),
                Err(err) => match err.try_into_panic() {
                    Ok(payload) => std::panic::resume_unwind(payload),
                    Err(err) => panic!("JoinSet::join_all: {err}"),
                },
            }
        }
        outputs
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        for (_, entry) in self.entries.iter() {
            entry.handle.abort();
            entry.notify.queued.store(true, Ordering::Release);
        }
        // The handles are dropped with `entries` (detaching the now aborted tasks); forget the owner's
        // waker now rather than when the last entry waker goes.
        let waker = {
            let mut state = self.shared.lock();
            state.ready.clear();
            state.waker.take()
        };
        drop(waker);
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}

impl<T> Extend<JoinHandle<T>> for JoinSet<T> {
    fn extend<I: IntoIterator<Item = JoinHandle<T>>>(&mut self, handles: I) {
        for handle in handles {
            self.insert(handle);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Waker};

    use super::JoinSet;
    use crate::{Runnable, TaskList};

    /// Open flag and the waiting task's waker.
    type TestGate = Arc<Mutex<(bool, Option<Waker>)>>;

    /// A future that completes with `output` once `gate` is open, storing its waker there until then.
    fn gated<T: Clone + Send + 'static>(
        gate: &TestGate,
        output: T,
    ) -> impl Future<Output = T> + Send + 'static {
        let gate = Arc::clone(gate);
        std::future::poll_fn(move |cx| {
            let mut gate = gate.lock().unwrap();
            if gate.0 {
                Poll::Ready(output.clone())
            } else {
                gate.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }

    /// `join_next` polls only the entries whose task finished: one handle poll per finished task,
    /// however many tasks are still pending.
    #[test]
    fn join_next_polls_only_finished_entries() {
        let n = if cfg!(miri) { 20 } else { 1000 };
        let queue: Arc<Mutex<Vec<Runnable>>> = Arc::default();
        let list = Arc::new(TaskList::new(1));
        let gates: Vec<TestGate> = (0..n).map(|_| Arc::default()).collect();
        let mut set = JoinSet::new();
        for (i, gate) in gates.iter().enumerate() {
            let q = Arc::clone(&queue);
            let future = gated(gate, i);
            let (runnable, handle) =
                crate::spawn(future, move |r, _| q.lock().unwrap().push(r), &list);
            runnable.run();
            set.insert(handle);
        }
        let run_all = || loop {
            let next = queue.lock().unwrap().pop();
            match next {
                Some(runnable) => {
                    runnable.run();
                }
                None => break,
            }
        };
        let mut cx = Context::from_waker(Waker::noop());
        // The first call registers every entry's waker: one poll each.
        assert!(set.poll_join_next(&mut cx).is_pending());
        assert_eq!(set.handle_polls, n);
        // A poll with nothing finished polls no handle at all.
        assert!(set.poll_join_next(&mut cx).is_pending());
        assert_eq!(set.handle_polls, n);
        for (round, i) in [n / 2, 0, n - 1].into_iter().enumerate() {
            let waker = {
                let mut gate = gates[i].lock().unwrap();
                gate.0 = true;
                gate.1.take().unwrap()
            };
            waker.wake();
            run_all();
            assert!(matches!(set.poll_join_next(&mut cx), Poll::Ready(Some(Ok(v))) if v == i));
            assert_eq!(
                set.handle_polls,
                n + round + 1,
                "one poll for one finished task"
            );
        }
        assert_eq!(set.len(), n - 3);
        drop(set);
        run_all();
        list.close_and_abort_all();
        run_all();
        assert!(list.is_empty());
    }

    /// A task that finishes after it was detached from the set leaves nothing on the ready list, so a
    /// long-lived set that detaches many tasks does not grow.
    #[test]
    fn detached_entries_push_nothing() {
        let queue: Arc<Mutex<Vec<Runnable>>> = Arc::default();
        let list = Arc::new(TaskList::new(1));
        let gate: TestGate = Arc::default();
        let mut set = JoinSet::new();
        for _ in 0..4 {
            let q = Arc::clone(&queue);
            let future = gated(&gate, ());
            let (runnable, handle) =
                crate::spawn(future, move |r, _| q.lock().unwrap().push(r), &list);
            runnable.run();
            set.insert(handle);
        }
        let mut cx = Context::from_waker(Waker::noop());
        assert!(set.poll_join_next(&mut cx).is_pending());
        set.detach_all();
        assert!(set.is_empty());
        // Each task stored the same gate waker slot; wake them all by running every task again.
        gate.lock().unwrap().0 = true;
        let waker = gate.lock().unwrap().1.take().unwrap();
        waker.wake();
        let mut runs = 0;
        loop {
            // Popped first: the queue's lock must not be held while a task runs.
            let next = queue.lock().unwrap().pop();
            let Some(runnable) = next else { break };
            runnable.run();
            runs += 1;
        }
        assert_eq!(runs, 1);
        assert!(set.shared.lock().ready.is_empty());
        list.close_and_abort_all();
        let rest: Vec<Runnable> = queue.lock().unwrap().drain(..).collect();
        drop(rest);
        assert!(list.is_empty());
    }
}
