//! `TaskList`: the registry of a runtime's live tasks, so that shutdown can cancel every one of them.

use std::sync::Mutex;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicUsize};

use crate::header::UNREGISTERED;
use crate::{AbortHandle, Header};

/// The live tasks of one runtime, so that shutdown can cancel every one of them.
///
/// Without a registry a task can outlive its runtime: one that waits on a waker stored only inside its
/// own state (or in a cycle of tasks) is never scheduled again, so no queue ever sees it and its future
/// leaks. Tokio keeps an `OwnedTasks` list for this; async-executor keeps an `active` slab. zokio keeps a
/// sharded slab of [`AbortHandle`]s: a task's first wait and its completion each lock one shard,
/// chosen by the task's id so that *consecutive* tasks land in different shards, and shutdown aborts
/// every entry.
///
/// Why by id and not by who spawned: one thread often spawns a burst of tasks that other workers steal
/// and finish at the same time as the spawner inserts more. Sharding by the spawner's block of ids put
/// a whole burst in one shard, and on 16 cores about a third of all shard locks were then contended
/// (the spawner inserting against every thief removing; 60 000 of 200 000 locks for 100 000 tasks).
/// Spread by id, concurrent inserts and removes of one burst hit different shards, each on its own
/// cache line (a few hundred contended locks for the same work).
///
/// # Registered only once it waits
///
/// A task enters the slab the first time its poll returns `Pending`, not at spawn. Until then it
/// is always in some queue or being polled, where shutdown reaches it anyway: a runtime drops what
/// its queues hold, a task polled after the close is cancelled instead (its poll checks the closed
/// flag), and a poll that returns `Pending` after the close finds the list closed and aborts the
/// task itself (it sets the abort flag and wakes itself, so the task is queued and then run or
/// dropped like every other aborted task). Only a task that waits on a waker is out of every
/// queue, and that one is registered. So a task that completes in its first poll (most short tasks)
/// never takes a shard lock and never clones its waker for the list. Each shard also counts the
/// live tasks whose ids map to it, spawned and not yet finished, registered or not: that count is
/// [`TaskList::len`], the runtime's `num_alive_tasks`. One atomic add at spawn and one at the end,
/// on the task's own shard, replaces two lock round trips and a waker clone and drop.
///
/// The list has a *closed* flag, set before any shard is taken. A spawn that sees it aborts the task
/// before its first poll; a spawn that does not is queued, so shutdown drops it from the queue or
/// it aborts itself at its first `Pending`. Each shard also has a closed bit, set under its lock: a
/// registration that races with the close either lands before it and is aborted by it, or sees it
/// and aborts itself. No task slips through.
///
/// A runtime must call [`TaskList::close_and_abort_all`] when it shuts down, before it lets go of the
/// list: every task holds an `Arc` of its list and the list holds a waker of every live task, so a task
/// that is never woken again keeps both alive until the list is closed.
pub struct TaskList {
    shards: Box<[Padded<ShardSlot>]>,
    mask: u64,
    /// Set by [`TaskList::close_and_abort_all`] before it takes any shard.
    closed: AtomicBool,
    /// Called when a task's poll panics (see [`TaskList::set_panic_hook`]).
    panic_hook: std::sync::OnceLock<PanicHook>,
}

/// What [`TaskList::set_panic_hook`] installs.
type PanicHook = Box<dyn Fn() + Send + Sync>;

impl std::fmt::Debug for TaskList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskList")
            .field("shards", &self.shards.len())
            .field("panic_hook", &self.panic_hook.get().is_some())
            .finish_non_exhaustive()
    }
}

/// Keeps each shard on cache lines of its own: neighbouring shards are taken by different threads at
/// the same time (consecutive task ids), and sharing a line would make them contend anyway. 128 bytes
/// because x86 prefetches cache lines in adjacent pairs.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded<T>(T);

/// One shard: its live-task count, and its slab of waiting tasks.
#[derive(Debug, Default)]
struct ShardSlot {
    /// Tasks of this shard spawned and not yet finished (registered or not).
    alive: AtomicUsize,
    tasks: Mutex<Shard>,
}

#[derive(Debug, Default)]
struct Shard {
    tasks: slab::Slab<AbortHandle>,
    closed: bool,
}

impl TaskList {
    /// An empty, open list with at least `min_shards` shards (rounded up to a power of two).
    pub fn new(min_shards: usize) -> TaskList {
        let n = min_shards.clamp(1, 1 << 12).next_power_of_two();
        TaskList {
            shards: (0..n).map(|_| Padded::default()).collect(),
            mask: n as u64 - 1,
            closed: AtomicBool::new(false),
            panic_hook: std::sync::OnceLock::new(),
        }
    }

    /// Installs `hook`, called on the polling thread each time a task of this list panics in
    /// `poll` (after the panic is caught and the task has left the list). A runtime uses it for
    /// `Builder::unhandled_panic`. Returns the hook back if one is installed already.
    ///
    /// The hook runs inside the scheduler's `Runnable::run`: it must not block, and may only do
    /// what a waker may do (set flags, wake tasks, abort tasks).
    pub fn set_panic_hook(
        &self,
        hook: impl Fn() + Send + Sync + 'static,
    ) -> Result<(), Box<dyn Fn() + Send + Sync>> {
        self.panic_hook.set(Box::new(hook))
    }

    /// Runs the panic hook, if any.
    pub(crate) fn task_panicked(&self) {
        if let Some(hook) = self.panic_hook.get() {
            hook();
        }
    }

    fn slot(&self, header: &Header) -> &ShardSlot {
        &self.shards[shard_index(header.id().as_u64(), self.mask)].0
    }

    fn shard(&self, header: &Header) -> std::sync::MutexGuard<'_, Shard> {
        self.slot(header)
            .tasks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts a new task as alive. Returns `false` when the list is closed: the caller must abort
    /// the task before its first poll.
    pub(crate) fn task_spawned(&self, header: &Header) -> bool {
        // Relaxed: the count is a statistic; `len` may lag a spawn that races with it.
        self.slot(header).alive.fetch_add(1, Relaxed);
        !self.closed.load(Acquire)
    }

    /// Registers a waiting task (see "Registered only once it waits"). Returns the handle back when
    /// the list is closed: the caller must cancel it.
    pub(crate) fn insert(&self, handle: AbortHandle) -> Result<(), AbortHandle> {
        let mut shard = self.shard(handle.header());
        if shard.closed {
            drop(shard);
            return Err(handle);
        }
        let key = shard.tasks.insert(handle);
        // A shard of 2^32 waiting tasks would hold 100 GB of entries: not a limit anyone reaches.
        let key32 = u32::try_from(key)
            .ok()
            .filter(|&k| k != UNREGISTERED)
            .expect("fewer than 2^32 - 1 waiting tasks per task-list shard");
        // Relaxed is enough: only the task itself reads the key back, in a later poll or when its
        // future is dropped, and async-task's state transitions order this store before that.
        shard.tasks[key].header().list_key.store(key32, Relaxed);
        Ok(())
    }

    /// Counts a finished task out and unregisters it. Called once per task, by the task itself (from
    /// `TaskFuture`, when its future is dropped). The unregistering is harmless for a task that was
    /// never registered (the key is `UNREGISTERED`) or whose entry [`TaskList::close_and_abort_all`]
    /// already took: the list is closed then, so no later task can have been given the same key,
    /// and the lookup finds nothing.
    pub(crate) fn task_finished(&self, header: &Header) {
        self.slot(header).alive.fetch_sub(1, Relaxed);
        // Relaxed: the key was stored by this task's own earlier poll (see `insert`).
        let key = header.list_key.load(Relaxed);
        if key == UNREGISTERED {
            return;
        }
        let key = key as usize;
        let removed = {
            let mut shard = self.shard(header);
            // The entry is checked to be this task's: cheap insurance that a stale key can never
            // unregister another task (which shutdown would then miss).
            let ours = shard
                .tasks
                .get(key)
                .is_some_and(|entry| std::ptr::eq(entry.header(), header));
            if ours {
                shard.tasks.try_remove(key)
            } else {
                None
            }
        };
        // Dropped here, outside the shard lock: dropping a waker may run arbitrary scheduler code.
        drop(removed);
    }

    /// Closes the list and aborts every registered (waiting) task; later spawns are cancelled at
    /// once. Tasks that are queued or being polled are not in the list: the scheduler drops what its
    /// queues hold, and a poll that returns `Pending` from now on aborts its own task (see "Registered
    /// only once it waits").
    ///
    /// Each task is woken, so its scheduler receives its `Runnable` and must run or drop it: running it
    /// drops the future without polling it. Returns how many tasks were aborted.
    pub fn close_and_abort_all(&self) -> usize {
        self.closed.store(true, Release);
        let mut count = 0;
        for shard in self.shards.iter() {
            let tasks = {
                let mut shard = shard
                    .0
                    .tasks
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                shard.closed = true;
                std::mem::take(&mut shard.tasks)
            };
            // Woken outside the lock: a wake runs the scheduler's schedule function.
            for (_, handle) in tasks {
                handle.abort();
                count += 1;
            }
        }
        count
    }

    /// Whether [`TaskList::close_and_abort_all`] has run.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Acquire)
    }

    /// The number of live tasks: spawned with this list and not finished (their future not yet
    /// dropped), whether waiting, queued or running. A snapshot: it reads each shard's count in turn.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.0.alive.load(Relaxed)).sum()
    }

    /// Whether no task is alive.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The shard of the task with id `id`: the id's low bits, so that consecutive ids (one thread's
/// spawns, see `id.rs`) go round the shards one after another. The id's block number is mixed in
/// so that two threads spawning at the same time (each from the start of its own block) do not walk
/// the shards in lockstep; within one block the XOR with a constant is a bijection, so the round
/// still visits every shard.
fn shard_index(id: u64, mask: u64) -> usize {
    ((id ^ (id / crate::id::BLOCK)) & mask) as usize
}

impl Default for TaskList {
    fn default() -> TaskList {
        TaskList::new(std::thread::available_parallelism().map_or(4, |n| n.get() * 4))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use std::sync::atomic::Ordering::Relaxed;

    use super::{TaskList, shard_index};
    use crate::id::BLOCK;

    #[test]
    fn consecutive_ids_visit_every_shard_and_blocks_start_on_different_shards() {
        let mask = 63;
        for block in [1, 2, 77] {
            let start = block * BLOCK;
            let mut hits = [0u32; 64];
            for id in start..start + 64 {
                hits[shard_index(id, mask)] += 1;
            }
            assert_eq!(hits, [1; 64], "block {block}");
        }
        assert_ne!(shard_index(BLOCK, mask), shard_index(2 * BLOCK, mask));
    }

    /// The burst of one spawning thread is spread over every shard, not piled into one.
    #[test]
    fn one_threads_spawns_land_in_different_shards() {
        let list = Arc::new(TaskList::new(16));
        let l = list.clone();
        // A fresh thread starts a fresh block of ids, so its first 16 ids are consecutive.
        let tasks = std::thread::spawn(move || {
            (0..16)
                .map(|_| crate::spawn(async {}, |_, _| {}, &l))
                .collect::<Vec<_>>()
        })
        .join()
        .unwrap();
        let per_shard: Vec<usize> = list
            .shards
            .iter()
            .map(|s| s.0.alive.load(Relaxed))
            .collect();
        assert_eq!(per_shard, vec![1; 16]);
        drop(tasks);
        assert!(list.is_empty());
    }
}
