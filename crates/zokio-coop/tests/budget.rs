//! The budget's observable behaviour: spending, exhaustion, refunds and nesting.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use zokio_coop::{Budget, has_budget_remaining, poll_proceed, with_budget};

struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_cx() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(counter.clone());
    (counter, waker)
}

#[test]
fn outside_a_scheduler_every_call_proceeds() {
    let (counter, waker) = counting_cx();
    let mut cx = Context::from_waker(&waker);
    for _ in 0..10_000 {
        assert!(poll_proceed(&mut cx).is_ready());
    }
    assert!(has_budget_remaining());
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);
}

#[test]
fn exhausted_budget_returns_pending_and_wakes_the_task() {
    let (counter, waker) = counting_cx();
    let mut cx = Context::from_waker(&waker);
    with_budget(Budget::units(3), || {
        for _ in 0..3 {
            match poll_proceed(&mut cx) {
                Poll::Ready(restore) => restore.made_progress(),
                Poll::Pending => panic!("budget ran out early"),
            }
        }
        assert!(!has_budget_remaining());
        assert!(poll_proceed(&mut cx).is_pending());
        assert_eq!(
            counter.0.load(Ordering::SeqCst),
            1,
            "the task must be woken to run again"
        );
    });
    // The previous (unconstrained) budget is back.
    assert!(has_budget_remaining());
}

#[test]
fn no_progress_refunds_the_unit() {
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    with_budget(Budget::units(1), || {
        for _ in 0..100 {
            // Dropped without made_progress(): refunded each time.
            let Poll::Ready(restore) = poll_proceed(&mut cx) else {
                panic!("refund did not happen");
            };
            drop(restore);
        }
        assert_eq!(zokio_coop::current(), Budget::units(1));
    });
}

#[test]
fn unconstrained_lifts_the_budget_and_restores_it() {
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    with_budget(Budget::units(0), || {
        assert!(poll_proceed(&mut cx).is_pending());
        let mut inner = std::pin::pin!(zokio_coop::unconstrained(async {
            for _ in 0..1000 {
                zokio_coop::consume_budget().await;
            }
            7
        }));
        assert_eq!(inner.as_mut().poll(&mut cx), Poll::Ready(7));
        assert_eq!(zokio_coop::current(), Budget::units(0));
    });
}

#[test]
fn budget_is_restored_after_a_panic() {
    let result = std::panic::catch_unwind(|| {
        with_budget(Budget::units(5), || panic!("inside"));
    });
    assert!(result.is_err());
    assert_eq!(zokio_coop::current(), Budget::unconstrained());
}

#[test]
fn a_spent_budget_on_one_thread_does_not_limit_another() {
    // Once any thread installs a budget the fast "no budgets anywhere" path is off for good; the
    // other threads must still see their own (unconstrained) budget, not the spent one.
    let (counter, waker) = counting_cx();
    let mut cx = Context::from_waker(&waker);
    with_budget(Budget::units(1), || {
        match poll_proceed(&mut cx) {
            Poll::Ready(restore) => restore.made_progress(),
            Poll::Pending => panic!("a fresh budget of 1 must proceed once"),
        }
        assert!(poll_proceed(&mut cx).is_pending());
        std::thread::scope(|s| {
            s.spawn(|| {
                let (other_counter, other_waker) = counting_cx();
                let mut other_cx = Context::from_waker(&other_waker);
                for _ in 0..1_000 {
                    assert!(poll_proceed(&mut other_cx).is_ready());
                }
                assert!(has_budget_remaining());
                assert_eq!(zokio_coop::current().remaining(), None);
                assert_eq!(other_counter.0.load(Ordering::SeqCst), 0);
            });
        });
        // Still spent here.
        assert!(poll_proceed(&mut cx).is_pending());
    });
    assert_eq!(counter.0.load(Ordering::SeqCst), 2);
}

#[test]
fn a_fresh_budget_has_the_initial_units() {
    assert_eq!(
        Budget::initial().remaining(),
        Some(zokio_coop::INITIAL_BUDGET)
    );
    assert_eq!(Budget::initial(), Budget::units(zokio_coop::INITIAL_BUDGET));
    assert_eq!(Budget::unconstrained().remaining(), None);
    with_budget(Budget::initial(), || {
        assert_eq!(zokio_coop::current(), Budget::initial());
        assert!(has_budget_remaining());
    });
}

#[test]
fn defer_wake_is_asked_for_within_one_poll_only() {
    with_budget(Budget::initial(), || {
        assert!(!zokio_coop::wants_defer());
        zokio_coop::defer_wake();
        assert!(
            zokio_coop::wants_defer(),
            "the task asked to wait for the driver"
        );
        // A nested unconstrained section is part of the same poll.
        with_budget(Budget::unconstrained(), || {
            assert!(zokio_coop::wants_defer())
        });
    });
    // The next poll (a new limited budget) starts without the request.
    with_budget(Budget::initial(), || assert!(!zokio_coop::wants_defer()));
}

#[test]
fn a_spent_budget_wants_the_wake_deferred() {
    let (counter, waker) = counting_cx();
    let mut cx = Context::from_waker(&waker);
    with_budget(Budget::units(1), || {
        assert!(!zokio_coop::wants_defer());
        let Poll::Ready(restore) = poll_proceed(&mut cx) else {
            panic!("one unit is there to spend");
        };
        restore.made_progress();
        assert!(
            zokio_coop::wants_defer(),
            "nothing is left: the task must yield"
        );
    });
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);
}

#[test]
fn consume_budget_yields_once_the_budget_is_spent() {
    let (counter, waker) = counting_cx();
    let mut cx = Context::from_waker(&waker);
    with_budget(Budget::units(2), || {
        let mut spend = std::pin::pin!(async {
            for _ in 0..3 {
                zokio_coop::consume_budget().await;
            }
        });
        // Two units spent, then the third call yields and wakes the task.
        assert!(spend.as_mut().poll(&mut cx).is_pending());
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert_eq!(zokio_coop::current(), Budget::units(0));
        // The next poll of the task gets a fresh budget and finishes.
        with_budget(Budget::units(2), || {
            assert!(spend.as_mut().poll(&mut cx).is_ready());
            assert_eq!(zokio_coop::current(), Budget::units(1));
        });
    });
}

#[test]
fn debug_output() {
    assert_eq!(format!("{:?}", Budget::units(3)), "Budget(Some(3))");
    let mut cx = Context::from_waker(Waker::noop());
    with_budget(Budget::units(3), || {
        let Poll::Ready(restore) = poll_proceed(&mut cx) else {
            panic!("a unit is there to spend");
        };
        // The guard holds the budget it refunds.
        assert_eq!(
            format!("{restore:?}"),
            "RestoreOnPending(Some(Budget(Some(3))))"
        );
    });
    let unconstrained = zokio_coop::unconstrained(std::future::ready(1));
    assert_eq!(
        format!("{unconstrained:?}"),
        "Unconstrained { future: Ready(Some(1)) }"
    );
}
