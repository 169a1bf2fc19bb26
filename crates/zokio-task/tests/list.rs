//! The task registry: shutdown cancels every task, including ones no queue holds.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::Poll;
use std::thread;

use common::{Counters, Gate, LocalExecutor, poll_once, scaled, self_waking, tracked};
use zokio_task::TaskList;

#[test]
fn list_tracks_live_tasks() {
    let ex = LocalExecutor::new();
    let gate = Gate::new();
    let handles: Vec<_> = (0..5).map(|_| ex.spawn(gate.wait())).collect();
    let quick: Vec<_> = (0..2).map(|_| ex.spawn(async {})).collect();
    assert_eq!(ex.list().len(), 7);
    ex.run_until_idle();
    assert_eq!(ex.list().len(), 5, "finished tasks leave the list");
    gate.open();
    ex.run_until_idle();
    assert!(ex.list().is_empty());
    assert!(!ex.list().is_closed());
    drop((handles, quick));
}

#[test]
fn close_and_abort_all_cancels_registered_tasks() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let gate = Gate::new();
    let handles: Vec<_> = (0..3)
        .map(|_| ex.spawn(tracked(&counters, gate.wait())))
        .collect();
    ex.run_until_idle();
    assert_eq!(counters.polls(), 3);

    assert_eq!(ex.list().close_and_abort_all(), 3);
    assert!(ex.list().is_closed());
    assert_eq!(ex.list().len(), 3, "alive until their futures are dropped");
    assert_eq!(ex.queued(), 3, "each aborted task was scheduled once");
    ex.run_until_idle();
    assert_eq!((counters.polls(), counters.drops()), (3, 3));
    assert!(ex.list().is_empty());
    for handle in handles {
        assert!(ex.block_on(handle).unwrap_err().is_cancelled());
    }
    assert_eq!(
        ex.list().close_and_abort_all(),
        0,
        "closing twice is harmless"
    );
}

#[test]
fn close_and_abort_all_breaks_self_waker_cycle() {
    // A detached task whose only waker lives in its own state: no queue and no handle can reach it,
    // and its reference count never reaches zero by itself. Only the registry can cancel it.
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    drop(ex.spawn(tracked(&counters, self_waking())));
    ex.run_until_idle();
    assert_eq!((counters.polls(), counters.drops()), (1, 0));
    assert_eq!(ex.list().len(), 1);

    assert_eq!(ex.list().close_and_abort_all(), 1);
    ex.run_until_idle();
    assert_eq!((counters.polls(), counters.drops()), (1, 1));
}

#[test]
fn runnables_dropped_at_shutdown_drop_futures() {
    // The runtime drops (does not run) the runnables that arrive after close: futures are dropped all
    // the same and the handles report cancellation.
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let gate = Gate::new();
    let idle: Vec<_> = (0..3)
        .map(|_| ex.spawn(tracked(&counters, gate.wait())))
        .collect();
    ex.run_until_idle();
    drop(ex.spawn(tracked(&counters, self_waking())));
    let never_run = ex.spawn(tracked(&counters, async { 1 }));
    ex.run_one(); // the self-waking task
    assert_eq!(ex.queued(), 1);

    // Four were waiting or had waited (registered when their first poll returned `Pending`); the
    // never-run task was only ever queued, and the queue drop reaches it.
    assert_eq!(ex.shutdown(), 4);
    assert_eq!(counters.drops(), 5);
    assert!(ex.list().is_empty());
    assert_eq!(counters.polls(), 4, "the never-run task was never polled");
    for mut handle in idle {
        assert_cancelled(poll_once(&mut handle));
    }
    let mut never_run = never_run;
    assert_cancelled(poll_once(&mut never_run));
}

fn assert_cancelled<T: std::fmt::Debug>(polled: Poll<Result<T, zokio_task::JoinError>>) {
    match polled {
        Poll::Ready(Err(err)) => assert!(err.is_cancelled(), "{err}"),
        other => panic!("expected a cancelled error, got {other:?}"),
    }
}

#[test]
fn spawn_after_close_is_cancelled_without_polling() {
    let ex = LocalExecutor::new();
    ex.list().close_and_abort_all();
    let counters = Counters::new();
    let handle = ex.spawn(tracked(&counters, async { 1 }));
    assert_eq!(
        ex.list().len(),
        1,
        "counted alive until its future is dropped"
    );
    assert!(handle.abort_handle().id() == handle.id());
    ex.run_until_idle();
    assert_eq!((counters.polls(), counters.drops()), (0, 1));
    assert!(ex.block_on(handle).unwrap_err().is_cancelled());

    // Also when the runnable is dropped instead of run.
    let handle = ex.spawn(tracked(&counters, async { 2 }));
    assert_eq!(ex.drop_queued(), 1);
    assert_eq!(counters.drops(), 2);
    assert!(ex.block_on(handle).unwrap_err().is_cancelled());
}

/// A pause for a task's first poll: the task calls [`Pause::hold`], and [`Paused::close_during`]
/// closes the list while that poll is held, then lets it go on.
struct Pause {
    entered: std::sync::mpsc::Sender<()>,
    go: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
}

struct Paused {
    entered: std::sync::mpsc::Receiver<()>,
    go: std::sync::mpsc::Sender<()>,
}

fn pause() -> (Pause, Paused) {
    let (entered_tx, entered_rx) = std::sync::mpsc::channel();
    let (go_tx, go_rx) = std::sync::mpsc::channel();
    let pause = Pause {
        entered: entered_tx,
        go: std::sync::Mutex::new(go_rx),
    };
    (
        pause,
        Paused {
            entered: entered_rx,
            go: go_tx,
        },
    )
}

impl Pause {
    /// Blocks the polling thread until [`Paused::close_during`] has closed the list.
    fn hold(&self) {
        self.entered.send(()).unwrap();
        self.go.lock().unwrap().recv().unwrap();
    }
}

impl Paused {
    /// Runs one task on another thread, closes the list while that task's first poll is held, and
    /// waits for the poll to end.
    fn close_during(self, ex: &Arc<LocalExecutor>) {
        let runner = {
            let ex = Arc::clone(ex);
            thread::spawn(move || ex.run_one())
        };
        self.entered.recv().unwrap();
        // A task in its first poll is not registered (it has never waited): nothing to abort.
        assert_eq!(ex.list().close_and_abort_all(), 0);
        self.go.send(()).unwrap();
        assert!(runner.join().unwrap());
    }
}

#[test]
fn task_running_during_close_still_completes() {
    // close_and_abort_all while a task is being polled: the poll returns Ready, the output wins, and
    // the task's removal from the closed list is harmless.
    let ex = Arc::new(LocalExecutor::new());
    let (pause, paused) = pause();
    let handle = ex.spawn(async move {
        pause.hold();
        5
    });
    paused.close_during(&ex);
    assert_eq!(ex.queued(), 0);
    assert_eq!(ex.block_on(handle).unwrap(), 5);
}

#[test]
fn task_first_waiting_after_close_aborts_itself() {
    // A task not registered yet (in its first poll) that returns `Pending` after the close: no queue
    // holds it and the close could not reach it, so it must cancel itself rather than wait unseen.
    let ex = Arc::new(LocalExecutor::new());
    let counters = Counters::new();
    let (pause, paused) = pause();
    let handle = ex.spawn(tracked(&counters, async move {
        pause.hold();
        std::future::pending::<()>().await;
    }));
    paused.close_during(&ex);
    assert_eq!(ex.queued(), 1, "the task woke itself to be cancelled");
    ex.run_until_idle();
    assert_eq!((counters.polls(), counters.drops()), (1, 1));
    assert!(ex.list().is_empty());
    assert!(ex.block_on(handle).unwrap_err().is_cancelled());
}

/// Tasks that completed leave nothing for the close to abort; only the waiting ones are aborted.
#[test]
fn only_tasks_that_wait_are_registered() {
    let ex = LocalExecutor::new();
    let gate = Gate::new();
    let quick: Vec<_> = (0..4).map(|i| ex.spawn(async move { i })).collect();
    let waiting: Vec<_> = (0..2).map(|_| ex.spawn(gate.wait())).collect();
    ex.run_until_idle();
    // The quick ones are done; the two waiting ones are registered, and only they are aborted.
    assert_eq!(ex.list().len(), 2);
    assert_eq!(ex.list().close_and_abort_all(), 2);
    ex.run_until_idle();
    assert!(ex.list().is_empty());
    for (i, handle) in quick.into_iter().enumerate() {
        assert_eq!(ex.block_on(handle).unwrap(), i);
    }
    for handle in waiting {
        assert!(ex.block_on(handle).unwrap_err().is_cancelled());
    }
}

#[test]
fn shutdown_races_with_concurrent_spawns() {
    // Spawns on several threads while another closes the list: every task either ran or was
    // cancelled, and every future was dropped exactly once.
    let list = Arc::new(TaskList::new(4));
    let counters = Counters::new();
    let per_thread = scaled(200, 10);
    let spawned = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(std::sync::Barrier::new(5));
    let spawners: Vec<_> = (0..4)
        .map(|_| {
            let (list, counters, spawned, start) = (
                Arc::clone(&list),
                Arc::clone(&counters),
                Arc::clone(&spawned),
                Arc::clone(&start),
            );
            thread::spawn(move || {
                start.wait();
                let mut results = Vec::new();
                for _ in 0..per_thread {
                    // Runnables are dropped by the schedule closure only after shutdown, never here.
                    let (runnable, handle) = zokio_task::spawn(
                        tracked(&counters, std::future::pending::<()>()),
                        |r, _| drop(r),
                        &list,
                    );
                    spawned.fetch_add(1, SeqCst);
                    runnable.run();
                    results.push(handle);
                }
                results
            })
        })
        .collect();
    start.wait();
    list.close_and_abort_all();
    let handles: Vec<_> = spawners
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    // Tasks spawned before the close were aborted by it (the schedule closure dropped their runnable);
    // those spawned after were cancelled at once. Either way none survives.
    assert_eq!(handles.len(), 4 * per_thread);
    for mut handle in handles {
        assert_cancelled(poll_once(&mut handle));
    }
    assert_eq!(counters.drops(), spawned.load(SeqCst));
    assert!(list.is_empty());
}

#[test]
fn default_list_is_open_and_empty() {
    let list = TaskList::default();
    assert!(list.is_empty());
    assert!(!list.is_closed());
    assert_eq!(list.close_and_abort_all(), 0);
    assert!(list.is_closed());
}

#[test]
fn panic_hook_runs_for_each_task_that_panics_in_poll() {
    let ex = LocalExecutor::new();
    let panics = Arc::new(AtomicUsize::new(0));
    let p = Arc::clone(&panics);
    assert!(
        ex.list()
            .set_panic_hook(move || {
                p.fetch_add(1, SeqCst);
            })
            .is_ok()
    );
    // Only one hook: a second one is handed back.
    let refused = ex.list().set_panic_hook(|| unreachable!("never installed"));
    assert!(refused.is_err());
    assert_eq!(
        format!("{:?}", ex.list()),
        "TaskList { shards: 4, panic_hook: true, .. }"
    );

    let fine = ex.spawn(async { 1 });
    let panicked = ex.spawn(async { std::panic::panic_any("in poll") });
    let cancelled = ex.spawn(std::future::pending::<()>());
    cancelled.abort();
    ex.run_until_idle();
    assert_eq!(ex.block_on(fine).unwrap(), 1);
    assert!(ex.block_on(panicked).unwrap_err().is_panic());
    assert!(ex.block_on(cancelled).unwrap_err().is_cancelled());
    assert_eq!(
        panics.load(SeqCst),
        1,
        "only the panic in poll ran the hook"
    );

    let again = ex.spawn(async { std::panic::panic_any("again") });
    ex.run_until_idle();
    assert!(ex.block_on(again).unwrap_err().is_panic());
    assert_eq!(panics.load(SeqCst), 2);
}

#[test]
fn debug_without_a_hook() {
    let list = TaskList::new(3);
    assert_eq!(
        format!("{list:?}"),
        "TaskList { shards: 4, panic_hook: false, .. }"
    );
}
