//! A single-future executor that parks on a reactor: [`Reactor::block_on`](crate::Reactor::block_on).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use zokio_coop::driver::Driver;

use crate::Reactor;
use crate::driver::Inner;

struct BlockOnWaker {
    woken: AtomicBool,
    reactor: Arc<Inner>,
}

impl Wake for BlockOnWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Only the first wake since the last poll needs to interrupt the park.
        if !self.woken.swap(true, Ordering::AcqRel) {
            self.reactor.unpark();
        }
    }
}

pub(crate) fn block_on<F: Future>(reactor: &mut Reactor, future: F) -> F::Output {
    let _enter = reactor.handle().enter();
    let state = Arc::new(BlockOnWaker {
        woken: AtomicBool::new(true),
        reactor: Arc::clone(&reactor.handle().inner),
    });
    let waker = Waker::from(Arc::clone(&state));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if state.woken.swap(false, Ordering::AcqRel) {
            let poll = zokio_coop::with_budget(zokio_coop::Budget::initial(), || {
                future.as_mut().poll(&mut cx)
            });
            if let Poll::Ready(output) = poll {
                return output;
            }
            // Collect ready I/O and due timers without blocking before deciding to sleep.
            if state.woken.load(Ordering::Acquire) {
                reactor.park(Some(std::time::Duration::ZERO));
                continue;
            }
        }
        reactor.park(None);
    }
}
