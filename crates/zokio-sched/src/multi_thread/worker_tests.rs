//! Tests of the worker loop's decisions, with the test playing the workers: a scheduler's shared
//! state and cores are built and no thread is started.

use std::sync::atomic::Ordering::SeqCst;

use zokio_task::Runnable;

use crate::ParkThread;
use crate::blocking::{self, BlockingPool};
use crate::multi_thread::lifo_watch::{NONE, WANTED};
use crate::multi_thread::shared::Shared;
use crate::multi_thread::worker::Core;
use crate::multi_thread::{Config, build};

fn task(shared: &Shared) -> Runnable {
    let (runnable, _handle) = zokio_task::spawn(async {}, |_, _| {}, &shared.tasks);
    runnable
}

/// A task woken into the LIFO slot while its worker parks is not announced to a watcher (the
/// worker runs it once the park returns). When the global queue's turn comes first, the LIFO
/// task waits behind a task that may poll for long: it must then be watched like any other, or
/// it sits there with every other worker asleep for as long as that poll lasts.
#[test]
fn a_lifo_task_put_during_a_park_is_watched_when_the_global_queue_goes_first() {
    let pool = BlockingPool::new(blocking::Config::default());
    let config = Config {
        worker_threads: 2,
        // Every tick takes the global queue first.
        global_queue_interval: Some(1),
        ..Config::default()
    };
    let (shared, mut cores) = build(&config, Box::new(ParkThread::new()), pool.spawner());
    // Worker 1 sleeps, with no timeout.
    assert!(!shared.idle.transition_worker_to_parked(1, false));
    let core = &mut cores[0];
    // Worker 0's driver wakes a task on its thread while it parks: no wake-up, no watch asked.
    core.in_driver = true;
    assert!(!core.schedule_local(&shared, task(&shared), false));
    core.in_driver = false;
    assert_eq!(shared.lifo_watch.load(SeqCst), NONE);
    // A task from outside; the worker's next tick serves the global queue first.
    assert!(shared.inject.push(task(&shared)).is_ok());
    let first = core.next_task(&shared).expect("the global task");
    assert!(
        shared.remotes[0].hot.lifo.peek().is_some(),
        "the LIFO task waits"
    );
    assert_eq!(shared.lifo_watch.load(SeqCst), WANTED);
    assert!(
        !shared.idle.is_parked(1),
        "the sleeping worker was woken to watch the waiting LIFO task"
    );
    drop(first);
    drop(shared.remotes[0].hot.lifo.take());
}

/// What a test does to the scheduler before worker 0 takes its task.
type SetUp = fn(&Shared, &mut [Box<Core>]);

/// Worker 0 as a notified worker (counted searching) that takes a task from the global queue,
/// with the last worker of `workers` parked; returns whether that worker was woken when worker
/// 0 stopped searching. `before` sets the scene first (more work, a wanted watch).
fn last_searcher_wakes(workers: usize, before: impl FnOnce(&Shared, &mut [Box<Core>])) -> bool {
    let pool = BlockingPool::new(blocking::Config::default());
    let config = Config {
        worker_threads: workers,
        ..Config::default()
    };
    let (shared, mut cores) = build(&config, Box::new(ParkThread::new()), pool.spawner());
    let sleeper = workers - 1;
    assert!(!shared.idle.transition_worker_to_parked(sleeper, false));
    assert!(shared.inject.push(task(&shared)).is_ok());
    before(&shared, &mut cores);
    let core = &mut cores[0];
    assert!(core.transition_to_searching(&shared));
    let found = core.next_task(&shared).expect("the global task");
    core.transition_from_searching(&shared);
    assert!(!core.is_searching);
    drop(found);
    !shared.idle.is_parked(sleeper)
}

#[test]
fn the_last_searcher_wakes_no_one_when_it_took_the_only_task() {
    assert!(!last_searcher_wakes(2, |_, _| {}));
    assert!(!last_searcher_wakes(3, |_, _| {}));
}

/// tokio#4383: notifies skipped while a worker searched must not be lost. Each kind of work that
/// a skipped notify may have announced makes the last searcher wake the sleeper.
#[test]
fn the_last_searcher_wakes_a_worker_for_work_left_behind() {
    let cases: [(&str, SetUp); 3] = [
        ("a second task in the global queue", |shared, _| {
            assert!(shared.inject.push(task(shared)).is_ok());
        }),
        ("a task in a busy worker's queue", |shared, cores| {
            cores[1].push_back(shared, task(shared));
        }),
        ("a LIFO watch an owner asked for", |shared, _| {
            shared.lifo_watch.store(WANTED, SeqCst);
        }),
    ];
    for (case, before) in cases {
        assert!(last_searcher_wakes(3, before), "{case}");
    }
}

/// The watcher yields before it sleeps only from three workers on: with two, a watcher caught
/// awake stole the next link of a spawn chain from the worker about to run it.
#[test]
fn the_watcher_yields_before_sleeping_only_from_three_workers() {
    for (workers, yields) in [(2, false), (3, true), (4, true)] {
        let pool = BlockingPool::new(blocking::Config::default());
        let config = Config {
            worker_threads: workers,
            ..Config::default()
        };
        let (shared, mut cores) = build(&config, Box::new(ParkThread::new()), pool.spawner());
        let core = &mut cores[0];
        assert!(!core.yields_before_sleep(&shared), "not watching");
        core.watch.watching = true;
        assert_eq!(
            core.yields_before_sleep(&shared),
            yields,
            "{workers} workers"
        );
    }
}
