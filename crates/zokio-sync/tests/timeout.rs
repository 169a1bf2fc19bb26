//! `time::Timeout`: who wins, access to the two futures it races (`get_ref`, `get_mut`,
//! `into_inner`, `deadline`, `deadline_pin_mut`), and a deadline that is still checked when the
//! inner future spent the last unit of the cooperative budget.
#![cfg(not(loom))]

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use zokio_sync::time::{Elapsed, Timeout};

/// Pending until it has been polled `left` more times (or `left` is set to zero).
#[derive(Debug)]
struct Countdown {
    left: u32,
    polls: u32,
}

impl Future for Countdown {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
        self.polls += 1;
        if self.left == 0 {
            return Poll::Ready(self.polls);
        }
        self.left -= 1;
        Poll::Pending
    }
}

/// A deadline that passes once `passed` is set.
#[derive(Debug, Default)]
struct Switch {
    passed: bool,
}

impl Future for Switch {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.passed {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

fn countdown(left: u32) -> Countdown {
    Countdown { left, polls: 0 }
}

#[test]
fn get_ref_and_get_mut_reach_the_inner_future() {
    let mut cx = Context::from_waker(Waker::noop());
    let mut timeout = Timeout::new(countdown(10), Switch::default());
    assert!(Pin::new(&mut timeout).poll(&mut cx).is_pending());
    assert_eq!(
        timeout.get_ref().polls,
        1,
        "polled once through the timeout"
    );
    assert_eq!(timeout.get_ref().left, 9);
    timeout.get_mut().left = 0;
    assert_eq!(Pin::new(&mut timeout).poll(&mut cx), Poll::Ready(Ok(2)));
}

#[test]
fn deadline_and_deadline_pin_mut_reach_the_deadline() {
    let mut cx = Context::from_waker(Waker::noop());
    let mut timeout = pin!(Timeout::new(countdown(10), Switch::default()));
    assert!(timeout.as_mut().poll(&mut cx).is_pending());
    assert!(!timeout.deadline().passed);
    timeout.as_mut().deadline_pin_mut().get_mut().passed = true;
    assert!(timeout.deadline().passed);
    assert_eq!(
        timeout.as_mut().poll(&mut cx),
        Poll::Ready(Err(Elapsed::new_for_runtime()))
    );
    assert_eq!(
        timeout.get_ref().polls,
        2,
        "the future was polled first, and lost"
    );
}

#[test]
fn into_inner_gives_back_the_future_with_its_progress() {
    let mut cx = Context::from_waker(Waker::noop());
    let mut timeout = Timeout::new(countdown(2), Switch::default());
    assert!(Pin::new(&mut timeout).poll(&mut cx).is_pending());
    let mut inner = timeout.into_inner();
    assert_eq!(inner.left, 1, "the progress made under the timeout is kept");
    assert!(Pin::new(&mut inner).poll(&mut cx).is_pending());
    assert_eq!(Pin::new(&mut inner).poll(&mut cx), Poll::Ready(3));
}

/// Spends one unit of the zokio budget on every poll and never completes.
struct Busy;

impl Future for Busy {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if let Poll::Ready(restore) = zokio_coop::poll_proceed(cx) {
            restore.made_progress();
        }
        Poll::Pending
    }
}

#[test]
fn a_deadline_is_checked_even_after_the_future_spent_the_last_budget_unit() {
    let mut cx = Context::from_waker(Waker::noop());
    // The deadline has passed, but it is a budget-aware future: a oneshot whose value waits.
    let (tx, rx) = zokio_sync::oneshot::channel::<()>();
    tx.send(()).unwrap();
    let mut timeout = pin!(Timeout::new(Busy, rx));
    let result = zokio_coop::with_budget(zokio_coop::Budget::units(1), || {
        let result = timeout.as_mut().poll(&mut cx);
        assert!(
            !zokio_coop::has_budget_remaining(),
            "the inner future spent the last unit"
        );
        result
    });
    assert_eq!(result, Poll::Ready(Err(Elapsed::new_for_runtime())));
}

#[test]
fn a_spent_budget_before_the_poll_still_holds_the_deadline_back() {
    let mut cx = Context::from_waker(Waker::noop());
    let (tx, rx) = zokio_sync::oneshot::channel::<()>();
    tx.send(()).unwrap();
    let mut timeout = pin!(Timeout::new(Busy, rx));
    // No budget at all when polled: the timeout yields like every other resource, rather than
    // letting its deadline run on an exhausted budget.
    let result = zokio_coop::with_budget(zokio_coop::Budget::units(0), || {
        timeout.as_mut().poll(&mut cx)
    });
    assert!(result.is_pending());
    // With budget again, the passed deadline is seen.
    let result = zokio_coop::with_budget(zokio_coop::Budget::units(4), || {
        timeout.as_mut().poll(&mut cx)
    });
    assert_eq!(result, Poll::Ready(Err(Elapsed::new_for_runtime())));
}
