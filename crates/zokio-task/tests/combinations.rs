//! Every combination of the ways a task can end, after Tokio's `task_combinations`: panic in poll or
//! not, a future and an output whose destructors panic or not, abort at each point of the task's life
//! and from each kind of handle, the `JoinHandle` dropped at each point, and shutdown while idle.
//!
//! For each combination the test checks the exact poll and drop counts, the result the handle
//! reports, that no panic escapes `Runnable::run` or a handle's destructor, and that the registry ends
//! empty. An exhaustive test covers the whole product; a proptest samples it with shrinking, adding a
//! number of yields before the task starts waiting.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use std::thread;

use common::{Counters, Gate, LocalExecutor, PanicOnDrop, tracked, with_guard, yield_now};
use zokio_task::{AbortHandle, JoinHandle};

#[derive(Debug, Clone, Copy, PartialEq)]
enum AbortAt {
    Never,
    BeforeFirstPoll,
    WhileIdle,
    /// The task aborts itself inside its second poll, then yields.
    DuringPoll,
    AfterCompletion,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum AbortVia {
    JoinHandle,
    AbortHandle,
    OtherThread,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum HandleFate {
    Await,
    DropBeforeRun,
    DropWhileIdle,
    DropAfterCompletion,
}

#[derive(Debug, Clone, Copy)]
struct Combo {
    panic_on_poll: bool,
    future_panics_on_drop: bool,
    output_panics_on_drop: bool,
    abort_at: AbortAt,
    abort_via: AbortVia,
    handle: HandleFate,
    shutdown_while_idle: bool,
    /// Yields before waiting on the gate (the exhaustive test uses 0, the proptest samples more).
    yields_first: usize,
}

/// The task's output: counts its drop, and panics in it if asked to.
#[derive(Debug)]
struct Output {
    counters: Arc<Counters>,
    panic: bool,
}

impl Drop for Output {
    fn drop(&mut self) {
        self.counters.drops.fetch_add(1, SeqCst);
        if self.panic {
            panic!("output destructor");
        }
    }
}

#[derive(Debug, PartialEq)]
enum Expected {
    Ok,
    Cancelled,
    Panic(&'static str),
}

fn abort(via: AbortVia, join: Option<&JoinHandle<Output>>, abort: &AbortHandle) {
    match (via, join) {
        (AbortVia::JoinHandle, Some(join)) => join.abort(),
        (AbortVia::OtherThread, _) => {
            let abort = abort.clone();
            thread::spawn(move || abort.abort()).join().unwrap();
        }
        _ => abort.abort(),
    }
}

fn check(c: Combo) {
    let ex = LocalExecutor::new();
    let future_counters = Counters::new();
    let guard_counters = Counters::new();
    let output_counters = Counters::new();
    let gate = Gate::new();
    let slot: Arc<Mutex<Option<AbortHandle>>> = Arc::default();

    let body = {
        let (wait, slot, out) = (gate.wait(), Arc::clone(&slot), Arc::clone(&output_counters));
        let via = c.abort_via;
        let yields = c.yields_first;
        async move {
            for _ in 0..yields {
                yield_now().await;
            }
            wait.await;
            if c.abort_at == AbortAt::DuringPoll {
                let me = slot.lock().unwrap().take().unwrap();
                abort(via, None, &me);
                yield_now().await;
                unreachable!("polled again after aborting itself");
            }
            if c.panic_on_poll {
                panic!("poll panic");
            }
            Output {
                counters: out,
                panic: c.output_panics_on_drop,
            }
        }
    };
    let guard = c
        .future_panics_on_drop
        .then(|| PanicOnDrop(Arc::clone(&guard_counters)));
    let mut join = Some(ex.spawn(tracked(&future_counters, with_guard(guard, body))));
    let abort_handle = join.as_ref().unwrap().abort_handle();
    *slot.lock().unwrap() = Some(abort_handle.clone());

    // Before the first poll.
    if c.abort_at == AbortAt::BeforeFirstPoll {
        abort(c.abort_via, join.as_ref(), &abort_handle);
    }
    if c.handle == HandleFate::DropBeforeRun {
        drop(join.take());
    }
    ex.run_until_idle();

    // Idle, waiting on the gate.
    if c.abort_at == AbortAt::WhileIdle {
        abort(c.abort_via, join.as_ref(), &abort_handle);
    }
    if c.handle == HandleFate::DropWhileIdle {
        drop(join.take());
    }
    if c.shutdown_while_idle {
        ex.shutdown();
    }

    // The second poll: completes, panics, or aborts itself.
    gate.open();
    ex.run_until_idle();
    if c.abort_at == AbortAt::AfterCompletion {
        abort(c.abort_via, join.as_ref(), &abort_handle);
        assert_eq!(
            ex.run_until_idle(),
            0,
            "aborting a finished task schedules nothing"
        );
    }
    assert!(abort_handle.is_finished());

    let result = match c.handle {
        HandleFate::Await => {
            let join = join.take().unwrap();
            assert!(join.is_finished());
            Some(ex.block_on(join))
        }
        HandleFate::DropAfterCompletion => {
            let join = join.take().unwrap();
            let dropped = catch_unwind(AssertUnwindSafe(move || drop(join)));
            assert!(dropped.is_ok(), "a JoinHandle destructor unwound");
            None
        }
        _ => None,
    };

    // What should have happened.
    let cancelled_before_second_poll = c.abort_at == AbortAt::BeforeFirstPoll
        || c.abort_at == AbortAt::WhileIdle
        || c.shutdown_while_idle;
    let expected_polls = if c.abort_at == AbortAt::BeforeFirstPoll {
        0
    } else if cancelled_before_second_poll {
        1 + c.yields_first
    } else {
        2 + c.yields_first
    };
    // A runnable dropped at shutdown swallows a destructor panic; a cancelled run reports it.
    let dropped_by_shutdown = c.shutdown_while_idle && c.abort_at != AbortAt::BeforeFirstPoll;
    let expected = if dropped_by_shutdown {
        Expected::Cancelled
    } else if cancelled_before_second_poll || c.abort_at == AbortAt::DuringPoll {
        if c.future_panics_on_drop {
            Expected::Panic("PanicOnDrop dropped")
        } else {
            Expected::Cancelled
        }
    } else if c.panic_on_poll {
        Expected::Panic("poll panic")
    } else if c.future_panics_on_drop {
        Expected::Panic("PanicOnDrop dropped")
    } else {
        Expected::Ok
    };
    let output_produced =
        !cancelled_before_second_poll && c.abort_at != AbortAt::DuringPoll && !c.panic_on_poll;

    assert_eq!(future_counters.polls(), expected_polls, "polls");
    assert_eq!(
        future_counters.drops(),
        1,
        "the future is dropped exactly once"
    );
    assert_eq!(guard_counters.drops(), usize::from(c.future_panics_on_drop));
    if let Some(result) = result {
        let got = match result {
            Ok(output) => {
                assert!(
                    catch_unwind(AssertUnwindSafe(move || drop(output))).is_err()
                        == c.output_panics_on_drop
                );
                Expected::Ok
            }
            Err(err) if err.is_cancelled() => Expected::Cancelled,
            Err(err) => {
                let payload = err.into_panic();
                Expected::Panic(
                    payload
                        .downcast_ref::<&'static str>()
                        .copied()
                        .unwrap_or("not a str"),
                )
            }
        };
        assert_eq!(got, expected, "result");
    }
    assert_eq!(
        output_counters.drops(),
        usize::from(output_produced),
        "output drops"
    );
    assert!(ex.list().is_empty(), "the task left the registry");
    assert_eq!(ex.queued(), 0);
}

const ABORT_AT: [AbortAt; 5] = [
    AbortAt::Never,
    AbortAt::BeforeFirstPoll,
    AbortAt::WhileIdle,
    AbortAt::DuringPoll,
    AbortAt::AfterCompletion,
];
const ABORT_VIA: [AbortVia; 3] = [
    AbortVia::JoinHandle,
    AbortVia::AbortHandle,
    AbortVia::OtherThread,
];
const HANDLE: [HandleFate; 4] = [
    HandleFate::Await,
    HandleFate::DropBeforeRun,
    HandleFate::DropWhileIdle,
    HandleFate::DropAfterCompletion,
];

fn all_combos() -> Vec<Combo> {
    let mut combos = Vec::new();
    for bits in 0..16u8 {
        for abort_at in ABORT_AT {
            for abort_via in ABORT_VIA {
                for handle in HANDLE {
                    combos.push(Combo {
                        panic_on_poll: bits & 1 != 0,
                        future_panics_on_drop: bits & 2 != 0,
                        output_panics_on_drop: bits & 4 != 0,
                        shutdown_while_idle: bits & 8 != 0,
                        yields_first: 0,
                        abort_at,
                        abort_via,
                        handle,
                    });
                }
            }
        }
    }
    combos
}

#[test]
fn task_combinations_exhaustive() {
    let combos = all_combos();
    assert_eq!(combos.len(), 960);
    // Under miri, a spread-out sample: the whole product would take hours.
    let step = if cfg!(miri) { 37 } else { 1 };
    for combo in combos.into_iter().step_by(step) {
        check(combo);
    }
}

// Proptest's file-based failure persistence and its case count do not suit miri; the exhaustive test
// above already runs a sample there.
#[cfg(not(miri))]
mod sampled {
    use proptest::prelude::*;

    use super::{ABORT_AT, ABORT_VIA, Combo, HANDLE, check};

    fn combo_strategy() -> impl Strategy<Value = Combo> {
        (
            any::<[bool; 4]>(),
            prop::sample::select(ABORT_AT.to_vec()),
            prop::sample::select(ABORT_VIA.to_vec()),
            prop::sample::select(HANDLE.to_vec()),
            0..4usize,
        )
            .prop_map(|(b, abort_at, abort_via, handle, yields_first)| Combo {
                panic_on_poll: b[0],
                future_panics_on_drop: b[1],
                output_panics_on_drop: b[2],
                shutdown_while_idle: b[3],
                yields_first,
                abort_at,
                abort_via,
                handle,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn task_combinations_proptest(combo in combo_strategy()) {
            check(combo);
        }
    }
}
