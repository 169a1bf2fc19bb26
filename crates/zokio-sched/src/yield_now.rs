//! `yield_now`: give the other tasks (and the I/O driver) a turn.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields once to the scheduler: the task runs again after the tasks queued on its worker now, and
/// after the worker's next poll of the I/O and timer driver (as on Tokio), so that a task that yields
/// in a loop lets both other tasks and I/O in. Outside a runtime it returns `Pending` once and wakes
/// itself at once.
///
/// ```
/// # futures_lite::future::block_on(async {
/// zokio_sched::yield_now().await;
/// # });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Woken while running: zokio's schedulers run the task again after the tasks queued now and
        // after their next poll of the driver, so that I/O this task waits for gets in.
        zokio_coop::defer_wake();
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
