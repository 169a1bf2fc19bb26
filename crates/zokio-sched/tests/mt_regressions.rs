//! Regression tests for the failures work-stealing schedulers are known for, each named after what it
//! pins (see the research notes' bug list).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use common::{Chan, DropCounter, Flag, rt, rt_with, spin_for, with_timeout};
use zokio_sched::Scheduler;
use zokio_sched::multi_thread::Config;

/// tokio#4383: when the last searching worker finds work and more is waiting, it must wake another
/// worker; otherwise a notify skipped "because someone searches" is lost and tasks wait while workers
/// sleep. Many rounds of bursts from outside onto idle workers; each burst must finish.
#[test]
fn lost_wakeup_when_last_searcher_finds_work() {
    let rt = rt(2);
    for round in 0..300 {
        let done = Arc::new(AtomicUsize::new(0));
        let all = Flag::new();
        for _ in 0..3 {
            let (done, all) = (done.clone(), all.clone());
            rt.spawn(async move {
                if done.fetch_add(1, Ordering::SeqCst) == 2 {
                    all.set();
                }
            });
        }
        let finished = rt.block_on(with_timeout(all.wait(), Duration::from_secs(10)));
        assert!(finished.is_some(), "round {round}: a task was never run");
    }
}

/// tokio#5712: two tasks that keep waking each other through the LIFO slot must not starve the rest
/// of the queue. One worker, so the third task can only run if the ping-pong yields the worker.
#[test]
fn lifo_ping_pong_does_not_starve_the_queue() {
    let rt = rt(1);
    let stop = Arc::new(AtomicBool::new(false));
    let result = rt.block_on(with_timeout(
        rt.spawn({
            let stop = stop.clone();
            async move {
                let (a, b) = (Chan::new(), Chan::new());
                let (a2, b2) = (a.clone(), b.clone());
                let s = stop.clone();
                let pinger = zokio_sched::spawn(async move {
                    let mut rounds = 0u64;
                    while !s.load(Ordering::SeqCst) {
                        a2.send(());
                        b2.recv().await;
                        rounds += 1;
                    }
                    a2.send(());
                    rounds
                });
                let s = stop.clone();
                let ponger = zokio_sched::spawn(async move {
                    loop {
                        a.recv().await;
                        if s.load(Ordering::SeqCst) {
                            break;
                        }
                        b.send(());
                    }
                });
                // Queued behind the pair on the same worker.
                let stopper = zokio_sched::spawn(async move { stop.store(true, Ordering::SeqCst) });
                stopper.await.unwrap();
                let rounds = pinger.await.unwrap();
                ponger.await.unwrap();
                rounds
            }
        }),
        Duration::from_secs(10),
    ));
    let rounds = result.expect("the queued task starved").unwrap();
    assert!(
        rounds < 10_000,
        "the pair ran {rounds} rounds before the queue got a turn"
    );
}

/// tokio#4941: a task in the LIFO slot of a worker that blocks in a long poll must be run by an idle
/// worker after a small bound (about 100-200 µs), not when the poll ends.
#[test]
fn stranded_lifo_task_is_taken_by_an_idle_worker() {
    // One attempt strands the waiter only if the blocker's `send` comes after the waiter's poll has
    // fully returned; if it lands while that poll is still finishing, the waiter is rescheduled on
    // its own worker's queue and never enters the LIFO slot. The blocker gives up after
    // `STEAL_WITHIN` (250 times the bound, for a loaded machine): a waiter stranded longer then runs
    // on its own worker and no LIFO steal is counted. So an attempt succeeds only if an idle worker
    // took the stranded task within that time, and at least one of a few attempts must succeed.
    const ATTEMPTS: usize = 20;
    const STEAL_WITHIN: Duration = Duration::from_millis(50);
    for attempt in 0..ATTEMPTS {
        let (delay, lifo_steals) = strand_one_lifo_task(STEAL_WITHIN);
        assert!(
            lifo_steals <= 1,
            "attempt {attempt}: {lifo_steals} LIFO steals"
        );
        if lifo_steals == 1 {
            assert!(
                delay < STEAL_WITHIN,
                "attempt {attempt}: stolen after {delay:?}"
            );
            return;
        }
    }
    panic!(
        "no attempt out of {ATTEMPTS} had its stranded LIFO task taken by an idle worker within \
         {STEAL_WITHIN:?}"
    );
}

/// Strands a woken task in the LIFO slot of a worker blocked in a poll for at most `limit`; returns
/// how long the blocked poll waited for that task to run elsewhere, and the runtime's LIFO steal
/// count.
fn strand_one_lifo_task(limit: Duration) -> (Duration, u64) {
    let rt = rt(2);
    let chan: Chan<()> = Chan::new();
    let done = Flag::new();
    let (c, d) = (chan.clone(), done.clone());
    let waiter = rt.spawn(async move {
        c.recv().await;
        d.set();
    });
    let blocker = rt.spawn(async move {
        while !chan.has_waiter() {
            zokio_sched::yield_now().await;
        }
        // Woken from this task's poll: the waiter lands in this worker's LIFO slot...
        chan.send(());
        // ...and this worker then blocks in the same poll until the waiter has run elsewhere, or
        // `limit` has passed (the waiter then runs here once this poll returns).
        let sent = std::time::Instant::now();
        done.wait_up_to(limit);
        sent.elapsed()
    });
    let delay = rt.block_on(async {
        waiter.await.unwrap();
        blocker.await.unwrap()
    });
    let metrics = rt.scheduler.metrics();
    (delay, metrics.workers.iter().map(|w| w.lifo_steals).sum())
}

/// tokio#5720: with slow polls a fixed interval of 61 ticks starves the global queue; the adaptive
/// interval brings a task from outside in within a few polls.
#[test]
fn inject_not_starved_by_slow_polls() {
    let rt = rt_with({
        let mut config = Config::default();
        config.worker_threads = 1;
        config
    });
    let polls = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (p, s) = (polls.clone(), stop.clone());
    let spinner = rt.spawn(async move {
        while !s.load(Ordering::SeqCst) {
            spin_for(Duration::from_micros(200));
            p.fetch_add(1, Ordering::SeqCst);
            zokio_sched::yield_now().await;
        }
    });
    common::wait_until(Duration::from_secs(10), "the interval adapted", || {
        polls.load(Ordering::SeqCst) >= 150
    });
    let p = polls.clone();
    let outside = rt.spawn(async move { p.load(Ordering::SeqCst) });
    // Read after the push: polls made while this thread was descheduled between the two can only
    // lower the count below, never make it fail for the wrong reason.
    let before = polls.load(Ordering::SeqCst);
    let ran_at = rt.block_on(outside).unwrap();
    stop.store(true, Ordering::SeqCst);
    rt.block_on(spinner).unwrap();
    let waited = ran_at.saturating_sub(before);
    // With the fixed interval of 61 ticks the task would wait about 61 slow polls.
    assert!(waited <= 8, "the global queue waited {waited} slow polls");
}

/// tokio#8029: local-queue overflow must not bounce tasks back and forth; every task runs once.
#[test]
fn overflow_runs_every_task_exactly_once() {
    let rt = rt(1);
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    rt.block_on(rt.spawn(async move {
        let handles: Vec<_> = (0..2000)
            .map(|_| {
                let r = r.clone();
                zokio_sched::spawn(async move {
                    r.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    }))
    .unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 2000);
    let metrics = rt.scheduler.metrics();
    assert!(metrics.workers[0].overflows >= 1, "{metrics:?}");
}

/// tokio#7877: a task that yielded right before its worker entered `block_in_place` must still run.
#[test]
fn deferred_wakeups_not_lost_around_block_in_place() {
    let rt = rt(1);
    let out = rt.block_on(with_timeout(
        rt.spawn(async {
            let yielded = Flag::new();
            let y = yielded.clone();
            let yielder = zokio_sched::spawn(async move {
                zokio_sched::yield_now().await;
                y.set();
            });
            let blocker = zokio_sched::spawn(async move {
                zokio_sched::block_in_place(|| yielded.wait_blocking(Duration::from_secs(10)));
            });
            yielder.await.unwrap();
            blocker.await.unwrap();
        }),
        Duration::from_secs(20),
    ));
    out.expect("hung").unwrap();
}

/// tokio#3978: tasks woken from outside while the runtime shuts down must all be dropped, none left
/// in a queue.
#[test]
fn wake_racing_with_shutdown_leaks_no_task() {
    let rt = rt(2);
    let drops = DropCounter::default();
    let flags: Vec<Flag> = (0..300).map(|_| Flag::new()).collect();
    for flag in &flags {
        let guard = drops.guard();
        let wait = flag.wait();
        drop(rt.spawn(async move {
            let _guard = guard;
            wait.await;
            // Keep going after the wake so that some tasks are mid-flight at shutdown.
            zokio_sched::yield_now().await;
        }));
    }
    let setters: Vec<_> = flags
        .chunks(100)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            std::thread::spawn(move || chunk.iter().for_each(Flag::set))
        })
        .collect();
    rt.shutdown(Duration::from_secs(10));
    setters.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(drops.dropped(), 300);
    assert_eq!(rt.scheduler.task_list().len(), 0);
}

/// tokio#3157/#3964: aborting tasks while they complete, from another thread, never panics and every
/// handle reports either the output or a cancellation.
#[test]
fn abort_racing_with_completion() {
    let rt = rt(2);
    let drops = DropCounter::default();
    let handles: Vec<_> = (0..1000u32)
        .map(|i| {
            let guard = drops.guard();
            rt.spawn(async move {
                let _guard = guard;
                i
            })
        })
        .collect();
    let aborts: Vec<_> = handles.iter().map(|h| h.abort_handle()).collect();
    let aborter = std::thread::spawn(move || aborts.iter().for_each(|a| a.abort()));
    let (mut ok, mut cancelled) = (0, 0);
    rt.block_on(async {
        for (i, h) in handles.into_iter().enumerate() {
            match h.await {
                Ok(v) => {
                    assert_eq!(v as usize, i);
                    ok += 1;
                }
                Err(e) => {
                    assert!(e.is_cancelled());
                    cancelled += 1;
                }
            }
        }
    });
    aborter.join().unwrap();
    assert_eq!(ok + cancelled, 1000);
    assert_eq!(drops.dropped(), 1000);
}
