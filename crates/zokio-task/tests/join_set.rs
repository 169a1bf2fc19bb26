//! `JoinSet`: completion order, abort_all, shutdown, drop, detach_all, try_join_next, ids.

mod common;

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Poll, Waker};

use common::{Counters, Gate, LocalExecutor, ThreadPool, scaled, tracked};
use zokio_task::JoinSet;

#[test]
fn join_set_yields_results_in_completion_order() {
    let ex = LocalExecutor::new();
    let gates: Vec<_> = (0..4).map(|_| Gate::new()).collect();
    let mut set = JoinSet::new();
    for (i, gate) in gates.iter().enumerate() {
        let wait = gate.wait();
        set.insert(ex.spawn(async move {
            wait.await;
            i
        }));
    }
    ex.run_until_idle();
    let mut order = Vec::new();
    for i in [2, 0, 3, 1] {
        gates[i].open();
        ex.run_until_idle();
        order.push(ex.block_on(set.join_next()).unwrap().unwrap());
    }
    assert_eq!(order, [2, 0, 3, 1]);
    assert!(ex.block_on(set.join_next()).is_none());
}

#[test]
fn join_set_completion_order_when_many_finish_between_polls() {
    let ex = LocalExecutor::new();
    let gates: Vec<_> = (0..5).map(|_| Gate::new()).collect();
    let mut set = JoinSet::new();
    for (i, gate) in gates.iter().enumerate() {
        let wait = gate.wait();
        set.insert(ex.spawn(async move {
            wait.await;
            i
        }));
    }
    // Register every entry's waker first.
    assert!(common::poll_once(&mut Box::pin(set.join_next())).is_pending());
    ex.run_until_idle();
    for i in [4, 1, 3, 0, 2] {
        gates[i].open();
        ex.run_until_idle();
    }
    let order: Vec<usize> = std::iter::from_fn(|| set.try_join_next())
        .map(Result::unwrap)
        .collect();
    assert_eq!(order, [4, 1, 3, 0, 2]);
    assert!(set.is_empty());
}

#[test]
fn join_set_len_and_is_empty() {
    let ex = LocalExecutor::new();
    let mut set: JoinSet<u32> = JoinSet::default();
    assert!(set.is_empty());
    assert_eq!(set.len(), 0);
    assert!(ex.block_on(set.join_next()).is_none());
    set.insert(ex.spawn(async { 1 }));
    set.extend([ex.spawn(async { 2 }), ex.spawn(async { 3 })]);
    assert_eq!(set.len(), 3);
    ex.run_until_idle();
    assert_eq!(set.len(), 3, "finished tasks stay until joined");
    let mut sum = 0;
    let mut expected_len = 3;
    while let Some(result) = ex.block_on(set.join_next()) {
        sum += result.unwrap();
        expected_len -= 1;
        assert_eq!(set.len(), expected_len);
    }
    assert_eq!(sum, 6);
    assert!(set.is_empty());
    assert_eq!(format!("{set:?}"), "JoinSet { len: 0 }");
}

#[test]
fn join_set_abort_all_cancels_every_task() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let mut set = JoinSet::new();
    for _ in 0..5 {
        set.insert(ex.spawn(tracked(&counters, std::future::pending::<()>())));
    }
    let done = ex.spawn(async {});
    ex.run_until_idle();
    set.insert(done);
    set.abort_all();
    ex.run_until_idle();
    assert_eq!(counters.drops(), 5);
    let (mut cancelled, mut ok) = (0, 0);
    while let Some(result) = ex.block_on(set.join_next()) {
        match result {
            Ok(()) => ok += 1,
            Err(err) => {
                assert!(err.is_cancelled());
                cancelled += 1;
            }
        }
    }
    assert_eq!(
        (cancelled, ok),
        (5, 1),
        "the finished task keeps its output"
    );
}

#[test]
fn join_set_shutdown_aborts_and_waits() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let mut set = JoinSet::new();
    for _ in 0..4 {
        set.insert(ex.spawn(tracked(&counters, std::future::pending::<()>())));
    }
    ex.run_until_idle();
    ex.block_on(set.shutdown());
    assert!(set.is_empty());
    assert_eq!(counters.drops(), 4);
    assert!(ex.list().is_empty());
}

#[test]
fn join_set_drop_aborts_every_task() {
    let ex = LocalExecutor::new();
    let counters = Counters::new();
    let mut set = JoinSet::new();
    let aborts: Vec<_> = (0..4)
        .map(|_| set.insert(ex.spawn(tracked(&counters, std::future::pending::<()>()))))
        .collect();
    ex.run_until_idle();
    assert_eq!(counters.polls(), 4);
    drop(set);
    assert_eq!(ex.queued(), 4);
    ex.run_until_idle();
    assert_eq!(counters.drops(), 4);
    assert!(aborts.iter().all(|a| a.is_finished()));
    assert!(ex.list().is_empty());
}

#[test]
fn join_set_detach_all_lets_tasks_finish() {
    let ex = LocalExecutor::new();
    let gate = Gate::new();
    let finished = Arc::new(AtomicUsize::new(0));
    let mut set = JoinSet::new();
    for _ in 0..3 {
        let (wait, finished) = (gate.wait(), Arc::clone(&finished));
        set.insert(ex.spawn(async move {
            wait.await;
            finished.fetch_add(1, SeqCst);
        }));
    }
    ex.run_until_idle();
    set.detach_all();
    assert!(set.is_empty());
    drop(set);
    gate.open();
    ex.run_until_idle();
    assert_eq!(finished.load(SeqCst), 3);
}

#[test]
fn join_set_try_join_next() {
    let ex = LocalExecutor::new();
    let gate = Gate::new();
    let mut set = JoinSet::new();
    assert!(set.try_join_next().is_none());
    let wait = gate.wait();
    set.insert(ex.spawn(async move {
        wait.await;
        'a'
    }));
    assert!(set.try_join_next().is_none(), "not finished");
    ex.run_until_idle();
    assert!(set.try_join_next().is_none(), "still not finished");
    assert_eq!(set.len(), 1);
    gate.open();
    ex.run_until_idle();
    assert_eq!(set.try_join_next().unwrap().unwrap(), 'a');
    assert!(set.try_join_next().is_none());
    assert!(set.is_empty());
}

#[test]
fn join_set_ids_match_abort_handles() {
    let ex = LocalExecutor::new();
    let mut set = JoinSet::new();
    let mut expected = HashSet::new();
    for i in 0..3 {
        let abort = set.insert(ex.spawn(async move { i }));
        expected.insert(abort.id());
    }
    let failing = set.insert(ex.spawn(async { panic!("in set") }));
    ex.run_until_idle();
    let mut seen = HashSet::new();
    let mut panics = 0;
    while let Some(result) = ex.block_on(set.join_next_with_id()) {
        match result {
            Ok((id, _)) => assert!(seen.insert(id)),
            Err(err) => {
                assert!(err.is_panic());
                assert_eq!(err.id(), failing.id());
                panics += 1;
            }
        }
    }
    assert_eq!(seen, expected);
    assert_eq!(panics, 1);
    set.insert(ex.spawn(async { 7 }));
    ex.run_until_idle();
    let (id, value) = set.try_join_next_with_id().unwrap().unwrap();
    assert_eq!(value, 7);
    assert!(!expected.contains(&id));
}

#[test]
fn join_set_abort_handle_from_insert_cancels_one_task() {
    let ex = LocalExecutor::new();
    let mut set = JoinSet::new();
    let gate = Gate::new();
    let keep = set.insert(ex.spawn(gate.wait()));
    let kill = set.insert(ex.spawn(gate.wait()));
    ex.run_until_idle();
    kill.abort();
    ex.run_until_idle();
    let err = ex.block_on(set.join_next_with_id()).unwrap().unwrap_err();
    assert_eq!(err.id(), kill.id());
    assert!(err.is_cancelled());
    gate.open();
    ex.run_until_idle();
    let (id, ()) = ex.block_on(set.join_next_with_id()).unwrap().unwrap();
    assert_eq!(id, keep.id());
}

#[test]
fn join_set_wakes_the_waiting_task() {
    // `join_next` pending with a real waker; a completion must wake it exactly through the set.
    let ex = LocalExecutor::new();
    let gate = Gate::new();
    let mut set = JoinSet::new();
    set.insert(ex.spawn(gate.wait()));
    let flag = Arc::new(common::Flag::default());
    let waker = Waker::from(Arc::clone(&flag));
    let mut cx = Context::from_waker(&waker);
    assert!(set.poll_join_next(&mut cx).is_pending());
    ex.run_until_idle();
    assert!(set.poll_join_next(&mut cx).is_pending());
    assert!(!flag.0.load(SeqCst), "no wake before completion");
    gate.open();
    ex.run_until_idle();
    assert!(flag.0.load(SeqCst), "completion woke the joiner");
    assert!(matches!(
        set.poll_join_next(&mut cx),
        Poll::Ready(Some(Ok(())))
    ));
    assert!(matches!(set.poll_join_next(&mut cx), Poll::Ready(None)));
}

#[test]
fn join_set_join_all_collects_outputs() {
    let ex = LocalExecutor::new();
    let mut set = JoinSet::new();
    for i in 0..4u64 {
        set.insert(ex.spawn(async move { i * i }));
    }
    ex.run_until_idle();
    let mut all = ex.block_on(set.join_all());
    all.sort_unstable();
    assert_eq!(all, [0, 1, 4, 9]);
}

#[test]
#[should_panic(expected = "resumed from the task")]
fn join_set_join_all_resumes_a_task_panic() {
    let ex = LocalExecutor::new();
    let mut set = JoinSet::new();
    set.insert(ex.spawn(async { std::panic::panic_any("resumed from the task") }));
    ex.run_until_idle();
    ex.block_on(set.join_all());
}

#[test]
fn join_set_reused_keys_ignore_stale_wakes() {
    // Entries leave and new ones reuse their slab keys while old tasks may still wake: results must
    // never be mixed up.
    let ex = LocalExecutor::new();
    let mut set = JoinSet::new();
    for round in 0..scaled(50, 5) {
        let gate = Gate::new();
        let (a, b) = (gate.wait(), gate.wait());
        set.insert(ex.spawn(async move {
            a.await;
            (round, 'a')
        }));
        let abort_b = set.insert(ex.spawn(async move {
            b.await;
            (round, 'b')
        }));
        ex.run_until_idle();
        let _ = common::poll_once(&mut Box::pin(set.join_next()));
        abort_b.abort();
        ex.run_until_idle();
        assert!(
            ex.block_on(set.join_next())
                .unwrap()
                .unwrap_err()
                .is_cancelled()
        );
        gate.open();
        ex.run_until_idle();
        assert_eq!(ex.block_on(set.join_next()).unwrap().unwrap(), (round, 'a'));
        assert!(set.is_empty());
    }
}

#[test]
fn join_set_across_worker_threads() {
    let pool = ThreadPool::new(3);
    let n = scaled(500, 20);
    let mut set = JoinSet::new();
    for i in 0..n {
        set.insert(pool.spawn(async move {
            common::yield_now().await;
            i
        }));
    }
    let mut seen = vec![false; n];
    common::block_on(async {
        while let Some(result) = set.join_next().await {
            let i = result.unwrap();
            assert!(!seen[i], "result {i} delivered twice");
            seen[i] = true;
        }
    });
    assert!(seen.iter().all(|&s| s));
}

#[test]
fn join_set_abort_all_while_workers_complete_tasks() {
    // abort_all races with tasks finishing on worker threads: every task is reported exactly once,
    // as an output or a cancellation, and every future is dropped.
    let pool = ThreadPool::new(3);
    let n = scaled(300, 12);
    let counters = Counters::new();
    let mut set = JoinSet::new();
    for i in 0..n {
        set.insert(pool.spawn(tracked(&counters, async move {
            for _ in 0..(i % 4) {
                common::yield_now().await;
            }
            i
        })));
    }
    set.abort_all();
    let (mut ok, mut cancelled) = (0, 0);
    let mut seen = HashSet::new();
    common::block_on(async {
        while let Some(result) = set.join_next_with_id().await {
            match result {
                Ok((id, i)) => {
                    assert!(i < n);
                    assert!(seen.insert(id));
                    ok += 1;
                }
                Err(err) => {
                    assert!(err.is_cancelled(), "{err}");
                    assert!(seen.insert(err.id()));
                    cancelled += 1;
                }
            }
        }
    });
    assert_eq!(ok + cancelled, n);
    assert_eq!(counters.drops(), n);
}

#[test]
fn join_set_and_join_handle_respect_the_coop_budget() {
    use zokio_coop::{Budget, with_budget};
    let ex = LocalExecutor::new();
    let mut set = JoinSet::new();
    set.insert(ex.spawn(async { 1 }));
    set.insert(ex.spawn(async { 2 }));
    let mut handle = ex.spawn(async { 3 });
    ex.run_until_idle();
    let flag = Arc::new(common::Flag::default());
    let waker = Waker::from(Arc::clone(&flag));
    let mut cx = Context::from_waker(&waker);

    // Budget spent: a ready result is held back, and the caller is woken to come back later.
    with_budget(Budget::units(0), || {
        assert!(set.poll_join_next(&mut cx).is_pending());
        assert!(std::pin::Pin::new(&mut handle).poll(&mut cx).is_pending());
    });
    assert!(flag.0.swap(false, SeqCst), "woken to retry");
    assert_eq!(set.len(), 2);

    // One unit: one result, and the unit is spent (the set's handles do not spend more).
    with_budget(Budget::units(1), || {
        assert!(matches!(
            set.poll_join_next(&mut cx),
            Poll::Ready(Some(Ok(_)))
        ));
        assert_eq!(zokio_coop::current().remaining(), Some(0));
    });
    // Nothing ready costs nothing.
    let gate = Gate::new();
    let mut pending_set = JoinSet::new();
    pending_set.insert(ex.spawn(gate.wait()));
    ex.run_until_idle();
    with_budget(Budget::units(5), || {
        assert!(pending_set.poll_join_next(&mut cx).is_pending());
        assert_eq!(zokio_coop::current().remaining(), Some(5));
        assert!(matches!(
            std::pin::Pin::new(&mut handle).poll(&mut cx),
            Poll::Ready(Ok(3))
        ));
        assert_eq!(zokio_coop::current().remaining(), Some(4));
    });
    gate.open();
    ex.run_until_idle();
    assert_eq!(ex.block_on(set.join_all()).len(), 1);
    ex.block_on(pending_set.shutdown());
}

#[test]
#[should_panic(expected = "JoinSet::join_all: task")]
fn join_set_join_all_panics_on_a_cancelled_task() {
    let ex = LocalExecutor::new();
    let mut set = JoinSet::new();
    set.insert(ex.spawn(async { 1 }));
    let cancelled = set.insert(ex.spawn(std::future::pending::<u32>()));
    cancelled.abort();
    ex.run_until_idle();
    ex.block_on(set.join_all());
}

/// A waker that counts its wakes.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl std::task::Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn join_set_detached_tasks_that_finish_wake_nobody() {
    let ex = LocalExecutor::new();
    let mut set = JoinSet::new();
    let gate = Gate::new();
    let counters = Counters::new();
    set.insert(ex.spawn(tracked(&counters, gate.wait())));
    set.insert(ex.spawn(gate.wait()));
    ex.run_until_idle();
    // The owner waits: each entry's waker is registered with its task, and the owner's with the set.
    let owner = Arc::new(CountingWaker::default());
    let waker = Waker::from(Arc::clone(&owner));
    assert!(
        set.poll_join_next(&mut Context::from_waker(&waker))
            .is_pending()
    );
    set.detach_all();
    assert!(set.is_empty());
    gate.open();
    ex.run_until_idle();
    assert_eq!(counters.drops(), 1, "the detached tasks ran to completion");
    assert_eq!(owner.0.load(SeqCst), 0, "their completion woke nobody");
    assert!(matches!(
        set.poll_join_next(&mut Context::from_waker(&waker)),
        Poll::Ready(None)
    ));
}
