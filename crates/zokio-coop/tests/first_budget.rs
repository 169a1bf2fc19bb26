//! Before any thread of the process installs a limited budget (zokio-sync under another executor,
//! say) every call takes the fast path and never makes a task yield; the first limited budget turns
//! the budget on for good. A test binary of its own, with one test: the switch is process-wide and
//! one-way.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use zokio_coop::{Budget, current, defer_wake, has_budget_remaining, poll_proceed, wants_defer};

struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// `with_budget` through one call site, so that every run below goes through the same code.
fn with(budget: Budget, f: &mut dyn FnMut()) {
    zokio_coop::with_budget(budget, f);
}

/// Spends units until the budget says no; returns how many were granted (at most `limit`).
fn spend(cx: &mut Context<'_>, limit: usize) -> usize {
    for granted in 0..limit {
        match poll_proceed(cx) {
            Poll::Ready(restore) => restore.made_progress(),
            Poll::Pending => return granted,
        }
    }
    limit
}

#[test]
fn the_first_limited_budget_turns_budgets_on() {
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&counter));
    let mut cx = Context::from_waker(&waker);

    // No budget anywhere yet: everything proceeds, and a yield asks for nothing (there is no
    // driver to wait for without a scheduler).
    assert_eq!(current(), Budget::unconstrained());
    assert!(has_budget_remaining());
    assert_eq!(spend(&mut cx, 1_000), 1_000);
    defer_wake();
    assert!(!wants_defer());
    // An unconstrained budget is no budget either: it does not turn budgets on.
    with(Budget::unconstrained(), &mut || {
        assert_eq!(spend(&mut cx, 1_000), 1_000);
        defer_wake();
        assert!(!wants_defer());
    });
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);

    // The first limited budget applies at once...
    with(Budget::units(3), &mut || {
        assert_eq!(current(), Budget::units(3));
        assert_eq!(spend(&mut cx, 1_000), 3);
        assert!(!has_budget_remaining());
        assert!(wants_defer(), "a spent budget defers the task's wake-up");
    });
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        1,
        "the yielding task was woken"
    );
    // ...and outside it this thread is unconstrained again, on the slow path now.
    assert_eq!(current(), Budget::unconstrained());
    assert_eq!(spend(&mut cx, 1_000), 1_000);
    with(Budget::units(5), &mut || {
        assert!(!wants_defer());
        defer_wake();
        assert!(wants_defer(), "yields are recorded once budgets are on");
    });
    // The next poll starts without the request.
    with(Budget::units(5), &mut || assert!(!wants_defer()));
}
