//! `zokio::task::JoinSet`: `zokio_task::JoinSet` plus spawning onto a runtime.

use std::fmt;
use std::future::Future;
use std::task::{Context, Poll};

use zokio_task::{AbortHandle, Id, JoinError};

use super::LocalSet;
use crate::runtime::Handle;

/// A set of tasks, awaited in the order they finish.
///
/// Dropping the set aborts every task still in it. Each finished task costs `join_next` O(1): the set
/// never scans its tasks.
///
/// ```
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let mut set = zokio::task::JoinSet::new();
/// for i in 0..3u32 {
///     set.spawn(async move { i * 10 });
/// }
/// let mut outputs = Vec::new();
/// while let Some(res) = set.join_next().await {
///     outputs.push(res.unwrap());
/// }
/// outputs.sort();
/// assert_eq!(outputs, [0, 10, 20]);
/// # });
/// ```
pub struct JoinSet<T> {
    inner: zokio_task::JoinSet<T>,
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            inner: zokio_task::JoinSet::new(),
        }
    }

    /// The number of tasks in the set (finished ones count until they are joined).
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Waits for the next task to finish and returns its output, or `None` when the set is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a task that finished while the call was dropped stays in the set.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.inner.join_next().await
    }

    /// Like [`JoinSet::join_next`], with the id of the task that finished.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`JoinSet::join_next`].
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        self.inner.join_next_with_id().await
    }

    /// Polls for the next finished task; see [`JoinSet::join_next`].
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.inner.poll_join_next(cx)
    }

    /// The output of a task that has already finished, without waiting.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.inner.try_join_next()
    }

    /// Aborts every task in the set; they stay in it until joined.
    pub fn abort_all(&mut self) {
        self.inner.abort_all();
    }

    /// Aborts every task and waits until all of them have finished.
    pub async fn shutdown(&mut self) {
        self.inner.shutdown().await;
    }

    /// Removes every task from the set without aborting it: they keep running, detached.
    pub fn detach_all(&mut self) {
        self.inner.detach_all();
    }

    /// Waits for every task and returns their outputs in completion order.
    ///
    /// # Panics
    ///
    /// Resumes the panic of a task that panicked.
    pub async fn join_all(self) -> Vec<T> {
        self.inner.join_all().await
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `future` on the current runtime and adds it to the set.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime context.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.inner.insert(crate::spawn(future))
    }

    /// Spawns `future` on the runtime of `handle` and adds it to the set.
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.inner.insert(handle.spawn(future))
    }

    /// Runs `f` on the blocking pool and adds it to the set.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.inner.insert(super::spawn_blocking(f))
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns the `!Send` future `future` onto the current [`LocalSet`] and adds it to the set; see
    /// [`spawn_local`](super::spawn_local).
    ///
    /// # Panics
    ///
    /// Panics outside a `LocalSet`.
    ///
    /// ```
    /// use std::rc::Rc;
    /// use zokio::task::{JoinSet, LocalSet};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// LocalSet::new()
    ///     .run_until(async {
    ///         let mut set = JoinSet::new();
    ///         for i in 0..3 {
    ///             let local = Rc::new(i); // `!Send`
    ///             set.spawn_local(async move { *local * 2 });
    ///         }
    ///         let mut outputs = set.join_all().await;
    ///         outputs.sort();
    ///         assert_eq!(outputs, [0, 2, 4]);
    ///     })
    ///     .await;
    /// # });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.inner.insert(super::spawn_local(future))
    }

    /// Spawns the `!Send` future `future` onto `local_set` and adds it to the set. It runs when
    /// `local_set` is driven; see [`LocalSet::spawn_local`].
    ///
    /// ```
    /// use zokio::task::{JoinSet, LocalSet};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let local = LocalSet::new();
    /// let mut set = JoinSet::new();
    /// set.spawn_local_on(async { std::rc::Rc::new(5) }, &local);
    /// let five = local.run_until(set.join_next()).await.unwrap().unwrap();
    /// assert_eq!(*five, 5);
    /// # });
    /// ```
    pub fn spawn_local_on<F>(&mut self, future: F, local_set: &LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.inner.insert(local_set.spawn_local(future))
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
