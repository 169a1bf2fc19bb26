//! Aborting tasks: idle, running, from other threads, racing with completion, after completion.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier, Mutex, mpsc};
use std::task::Poll;
use std::thread;

use common::{Counters, Gate, LocalExecutor, ThreadPool, poll_once, scaled, tracked, yield_now};
use zokio_task::AbortHandle;

#[test]
fn abort_idle_task_drops_future_without_polling_it() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = ex.spawn(tracked(&counters, gate.wait()));
    let id = handle.id();
    ex.run_until_idle();
    assert_eq!((counters.polls(), counters.drops()), (1, 0));

    handle.abort();
    // The abort scheduled the task: the very next run drops the future, with no further poll.
    assert_eq!(ex.queued(), 1);
    assert!(ex.run_one());
    assert_eq!((counters.polls(), counters.drops()), (1, 1));
    assert!(handle.is_finished());
    let err = ex.block_on(handle).unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(err.id(), id);
    assert!(ex.list().is_empty());
}

#[test]
fn abort_before_first_poll() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let handle = ex.spawn(tracked(&counters, async { 1 }));
    handle.abort();
    // Already scheduled: the abort's wake must not queue a second runnable.
    assert_eq!(ex.queued(), 1);
    ex.run_until_idle();
    assert_eq!((counters.polls(), counters.drops()), (0, 1));
    assert!(ex.block_on(handle).unwrap_err().is_cancelled());
}

#[test]
fn abort_through_abort_handle_after_join_handle_dropped() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let handle = ex.spawn(tracked(&counters, std::future::pending::<()>()));
    let abort = handle.abort_handle();
    drop(handle);
    ex.run_until_idle();
    assert!(!abort.is_finished());
    abort.abort();
    ex.run_until_idle();
    assert_eq!((counters.polls(), counters.drops()), (1, 1));
    assert!(abort.is_finished());
}

#[test]
fn abort_then_drop_handle_immediately() {
    // tokio#3964: abort followed at once by dropping the JoinHandle.
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let handle = ex.spawn(tracked(&counters, std::future::pending::<()>()));
    ex.run_until_idle();
    handle.abort();
    drop(handle);
    ex.run_until_idle();
    assert_eq!((counters.polls(), counters.drops()), (1, 1));
    assert!(ex.list().is_empty());
}

#[test]
fn abort_running_task_from_itself_takes_effect_at_next_yield() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let slot: Arc<Mutex<Option<AbortHandle>>> = Arc::default();
    let steps = Arc::new(AtomicUsize::new(0));
    let (slot2, steps2) = (Arc::clone(&slot), Arc::clone(&steps));
    let handle = ex.spawn(tracked(&counters, async move {
        let me = slot2.lock().unwrap().take().unwrap();
        me.abort();
        // Code up to the next yield still runs.
        steps2.fetch_add(1, SeqCst);
        yield_now().await;
        steps2.fetch_add(100, SeqCst);
    }));
    *slot.lock().unwrap() = Some(handle.abort_handle());
    ex.run_until_idle();
    assert_eq!(steps.load(SeqCst), 1, "stopped at the yield");
    assert_eq!((counters.polls(), counters.drops()), (1, 1));
    assert!(ex.block_on(handle).unwrap_err().is_cancelled());
}

#[test]
fn abort_running_task_that_completes_in_same_poll_returns_output() {
    let ex = LocalExecutor::new();
    let slot: Arc<Mutex<Option<AbortHandle>>> = Arc::default();
    let slot2 = Arc::clone(&slot);
    let handle = ex.spawn(async move {
        slot2.lock().unwrap().take().unwrap().abort();
        "done anyway"
    });
    *slot.lock().unwrap() = Some(handle.abort_handle());
    ex.run_until_idle();
    assert_eq!(ex.block_on(handle).unwrap(), "done anyway");
}

#[test]
fn abort_from_another_thread_mid_poll() {
    let ex = Arc::new(LocalExecutor::new());
    let counters = Counters::new();
    let (entered_tx, entered_rx) = mpsc::channel::<()>();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let go_rx = Mutex::new(go_rx);
    let handle = ex.spawn(tracked(&counters, async move {
        // Inside the first poll: tell the test, then wait until it has aborted us.
        entered_tx.send(()).unwrap();
        go_rx.lock().unwrap().recv().unwrap();
        yield_now().await;
        unreachable!("polled after abort");
    }));
    let abort = handle.abort_handle();
    let runner = {
        let ex = Arc::clone(&ex);
        thread::spawn(move || assert!(ex.run_one()))
    };
    entered_rx.recv().unwrap();
    abort.abort();
    assert!(!abort.is_finished(), "the running poll is not interrupted");
    go_tx.send(()).unwrap();
    runner.join().unwrap();
    assert_eq!((counters.polls(), counters.drops()), (1, 0));
    // The wake during the poll requeued the task, as a yield.
    assert_eq!(ex.queued(), 1);
    assert!(ex.run_one());
    assert_eq!((counters.polls(), counters.drops()), (1, 1));
    assert!(ex.block_on(handle).unwrap_err().is_cancelled());
}

#[test]
fn abort_after_completion_returns_ok() {
    let ex = LocalExecutor::new();
    let handle = ex.spawn(async { 9 });
    ex.run_until_idle();
    handle.abort();
    handle.abort_handle().abort();
    assert_eq!(ex.queued(), 0, "aborting a finished task schedules nothing");
    assert_eq!(ex.block_on(handle).unwrap(), 9);
}

#[test]
fn abort_after_output_taken_is_a_no_op() {
    let ex = LocalExecutor::new();
    let mut handle = ex.spawn(async { 1 });
    let abort = handle.abort_handle();
    ex.run_until_idle();
    assert!(matches!(poll_once(&mut handle), Poll::Ready(Ok(1))));
    handle.abort();
    drop(handle);
    abort.abort();
    assert!(abort.is_finished());
    assert_eq!(ex.queued(), 0);
}

#[test]
fn abort_handle_outlives_its_task() {
    // The AbortHandle keeps the task allocation (and so its header) alive after everything else is
    // gone; miri checks that no access goes to freed memory.
    let ex = LocalExecutor::new();
    let handle = ex.spawn(async { 3 });
    let abort = handle.abort_handle();
    let id = handle.id();
    ex.run_until_idle();
    assert_eq!(ex.block_on(handle).unwrap(), 3);
    drop(ex);
    assert!(abort.is_finished());
    assert_eq!(abort.id(), id);
    abort.abort();
    let clone = abort.clone();
    drop(abort);
    clone.abort();
}

#[test]
fn abort_is_idempotent() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let handle = ex.spawn(tracked(&counters, std::future::pending::<()>()));
    ex.run_until_idle();
    for _ in 0..3 {
        handle.abort();
    }
    assert_eq!(ex.queued(), 1);
    ex.run_until_idle();
    assert_eq!(counters.drops(), 1);
    assert!(ex.block_on(handle).unwrap_err().is_cancelled());
}

#[test]
fn abort_from_plain_thread_outside_any_executor() {
    // tokio#3157: aborting from a thread with no runtime context must work.
    let pool = ThreadPool::new(2);
    let counters = Counters::new();
    let handle = pool.spawn(tracked(&counters, std::future::pending::<()>()));
    let abort = handle.abort_handle();
    thread::spawn(move || abort.abort()).join().unwrap();
    assert!(common::block_on(handle).unwrap_err().is_cancelled());
    assert_eq!(counters.drops(), 1);
}

#[test]
fn abort_racing_with_completion() {
    // A task completing on a worker while another thread aborts it: the result is either the output
    // or a cancellation, the future is dropped exactly once, and nothing hangs.
    let pool = ThreadPool::new(2);
    let rounds = scaled(300, 10);
    let (mut completed, mut cancelled) = (0, 0);
    for round in 0..rounds {
        let counters = Counters::new();
        let barrier = Arc::new(Barrier::new(2));
        let task_barrier = Arc::clone(&barrier);
        let handle = pool.spawn(tracked(&counters, async move {
            task_barrier.wait();
            // Yield on odd rounds so the abort may also land between polls.
            if round % 2 == 1 {
                yield_now().await;
            }
            round
        }));
        let abort = handle.abort_handle();
        let aborter = thread::spawn(move || {
            barrier.wait();
            abort.abort();
        });
        let result = common::block_on(handle);
        aborter.join().unwrap();
        match result {
            Ok(value) => {
                assert_eq!(value, round);
                completed += 1;
            }
            Err(err) => {
                assert!(err.is_cancelled(), "{err}");
                cancelled += 1;
            }
        }
        assert_eq!(counters.drops(), 1, "round {round}");
    }
    assert_eq!(completed + cancelled, rounds);
}

#[test]
fn abort_many_tasks_from_many_threads() {
    let pool = ThreadPool::new(3);
    let n = scaled(200, 8);
    let counters = Counters::new();
    let handles: Vec<_> = (0..n)
        .map(|_| pool.spawn(tracked(&counters, std::future::pending::<()>())))
        .collect();
    let aborts: Vec<AbortHandle> = handles.iter().map(|h| h.abort_handle()).collect();
    let chunks: Vec<Vec<AbortHandle>> = aborts.chunks(n / 4).map(<[_]>::to_vec).collect();
    let threads: Vec<_> = chunks
        .into_iter()
        .map(|chunk| thread::spawn(move || chunk.iter().for_each(AbortHandle::abort)))
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    for handle in handles {
        assert!(common::block_on(handle).unwrap_err().is_cancelled());
    }
    assert_eq!(counters.drops(), n);
    assert!(pool.list().is_empty());
}

/// A waker that aborts a task when it is dropped: code that drops wakers under one of the task's
/// locks would deadlock here, since the abort goes back into the same task.
struct AbortOnDrop(Mutex<Option<AbortHandle>>);

impl std::task::Wake for AbortOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(abort) = self.0.lock().unwrap().take() {
            abort.abort();
        }
    }
}

#[test]
fn a_join_waker_whose_drop_aborts_the_same_task_is_dropped_outside_every_lock() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let gate = Gate::new();
    let mut handle = ex.spawn(tracked(&counters, gate.wait()));
    ex.run_until_idle();

    // Await the handle with the aborting waker, then with another one: replacing the registered
    // waker drops the first, which aborts the task it was waiting on.
    let aborting = Arc::new(AbortOnDrop(Mutex::new(Some(handle.abort_handle()))));
    let waker = std::task::Waker::from(Arc::clone(&aborting));
    drop(aborting);
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(std::pin::Pin::new(&mut handle).poll(&mut cx).is_pending());
    drop(waker);
    assert!(poll_once(&mut handle).is_pending());
    // The abort went through: the task is queued and its next run drops the future.
    ex.run_until_idle();
    assert_eq!(counters.drops(), 1);
    assert!(ex.block_on(handle).unwrap_err().is_cancelled());
}

#[test]
fn a_join_set_whose_owner_waker_aborts_a_member_on_drop_does_not_deadlock() {
    let ex = LocalExecutor::new();
    let gate = Gate::new();
    let mut set = zokio_task::JoinSet::new();
    let waiting = ex.spawn(gate.wait());
    let abort = waiting.abort_handle();
    set.insert(waiting);
    ex.run_until_idle();

    let aborting = Arc::new(AbortOnDrop(Mutex::new(Some(abort))));
    let waker = std::task::Waker::from(Arc::clone(&aborting));
    drop(aborting);
    {
        let mut next = std::pin::pin!(set.join_next());
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(next.as_mut().poll(&mut cx).is_pending());
    }
    drop(waker);
    // Registering another waker drops the aborting one; the abort lands in the same set.
    let mut next = Box::pin(set.join_next());
    assert!(poll_once(&mut next).is_pending());
    drop(next);
    ex.run_until_idle();
    let result = ex.block_on(set.join_next()).expect("the aborted member");
    assert!(result.unwrap_err().is_cancelled());
}
