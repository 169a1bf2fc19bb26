//! `block_on` for schedulers whose tasks run on their own threads: the calling thread only polls the
//! given future and sleeps on a thread parker in between.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use zokio_coop::Budget;

use crate::context;

struct ThreadWaker(parking::Unparker);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on the calling thread until it completes, parking the thread while it is pending:
/// a [`Scheduler::block_on`](crate::Scheduler::block_on) for schedulers whose tasks run on threads
/// of their own. The future is polled under [`context::enter_runtime`] and a fresh budget per poll.
///
/// ```
/// let mut future = std::pin::pin!(async { assert_eq!(1 + 1, 2) });
/// zokio_sched::toolkit::block_on_thread(future.as_mut());
/// ```
///
/// # Panics
///
/// Panics when the calling thread already drives a runtime (see [`context::enter_runtime`]).
#[track_caller]
pub fn block_on_thread(mut future: Pin<&mut dyn Future<Output = ()>>) {
    let _runtime = context::enter_runtime();
    let (parker, unparker) = parking::pair();
    let waker = Waker::from(Arc::new(ThreadWaker(unparker)));
    let mut cx = Context::from_waker(&waker);
    loop {
        // The future gets a budget like any task, so budget-aware resources behave the same in it.
        let polled = zokio_coop::with_budget(Budget::initial(), || future.as_mut().poll(&mut cx));
        if let Poll::Ready(()) = polled {
            return;
        }
        parker.park();
    }
}
