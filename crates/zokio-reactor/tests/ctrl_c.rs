//! `signal::ctrl_c`: completes on `SIGINT`, and fails instead of hanging when the reactor shuts down
//! under it. `SIGINT` is process-wide, so both run in one test, one after the other, in a binary of
//! their own.

mod common;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use common::{reactor, run};
use zokio_coop::driver::Driver;
use zokio_reactor::signal::ctrl_c;

struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn ctrl_c_scenarios_in_sequence() {
    ctrl_c_completes_on_sigint();
    ctrl_c_fails_when_the_reactor_shuts_down();
}

fn ctrl_c_completes_on_sigint() {
    run(Duration::from_secs(30), async {
        let mut wait = Box::pin(ctrl_c());
        // The first poll installs the handler and waits.
        std::future::poll_fn(|cx| {
            assert!(wait.as_mut().poll(cx).is_pending());
            Poll::Ready(())
        })
        .await;
        // SAFETY: `raise` sends SIGINT to this thread; the handler installed above catches it.
        assert_eq!(unsafe { libc::raise(libc::SIGINT) }, 0);
        wait.await.unwrap();
    });
}

fn ctrl_c_fails_when_the_reactor_shuts_down() {
    let mut reactor = reactor();
    let handle = reactor.handle();
    let _enter = handle.enter();
    let flag = Arc::new(Flag(AtomicBool::new(false)));
    let waker = Waker::from(Arc::clone(&flag));
    let mut cx = Context::from_waker(&waker);
    let mut wait = Box::pin(ctrl_c());
    assert!(wait.as_mut().poll(&mut cx).is_pending());
    reactor.shutdown();
    assert!(
        flag.0.load(Ordering::SeqCst),
        "the shutdown must wake the waiter"
    );
    match wait.as_mut().poll(&mut cx) {
        Poll::Ready(Err(error)) => {
            assert!(error.to_string().contains("shut down"), "{error}")
        }
        other => panic!("expected the shutdown error, got {other:?}"),
    }
}
