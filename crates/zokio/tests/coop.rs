//! The cooperative budget as the schedulers apply it: a task that has to yield waits for the driver.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use support::runtimes;
use zokio::net::TcpListener;

/// How many times the busy branch may be made to yield before the accept must have happened: with
/// the driver polled before every re-poll, two or three are enough; without, about one driver poll
/// per `event_interval` (61) polls.
const MAX_YIELDS: usize = 10;

/// Polls `a` and `b` until `b` completes, alternating which one goes first (as an unbiased `join!`
/// does), so that neither can take the whole budget on every poll.
async fn race_alternating<A: Future<Output = ()>, B: Future>(a: A, b: B) -> B::Output {
    let (mut a, mut b) = (Box::pin(a), Box::pin(b));
    let mut a_first = true;
    std::future::poll_fn(move |cx: &mut Context<'_>| {
        a_first = !a_first;
        if a_first {
            let _ = a.as_mut().poll(cx);
        }
        if let Poll::Ready(out) = b.as_mut().poll(cx) {
            return Poll::Ready(out);
        }
        if !a_first {
            let _ = a.as_mut().poll(cx);
        }
        Poll::Pending
    })
    .await
}

fn busy_and_accepting(spend: fn() -> Pin<Box<dyn Future<Output = ()> + Send>>) {
    // With idle workers beside it, another worker may sit in the driver and see the event on its
    // own, in its own time: only runtimes where the busy task's worker is the one that must poll
    // the driver show whether the deferral works.
    for (name, rt) in runtimes()
        .into_iter()
        .filter(|(name, _)| *name != "multi_thread(4)")
    {
        let yields = rt.block_on(async move {
            zokio::spawn(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                // Polled once before the peer connects: the listener is then known not to be
                // ready, and only the driver can tell the task otherwise.
                let mut accept = Box::pin(listener.accept());
                let first =
                    std::future::poll_fn(|cx| Poll::Ready(accept.as_mut().poll(cx).is_pending()));
                assert!(first.await, "nothing has connected yet");
                // A blocking connect completes at once (the kernel queues it on the listener), so
                // the accept is ready as soon as the driver has seen the event.
                let _client = std::net::TcpStream::connect(addr).unwrap();
                let mut yields = 0;
                let busy = async {
                    while yields < MAX_YIELDS {
                        spend().await;
                        yields += 1;
                    }
                    std::future::pending::<()>().await
                };
                let accepted = race_alternating(busy, accept).await;
                accepted.unwrap();
                yields
            })
            .await
            .unwrap()
        });
        assert!(
            yields < MAX_YIELDS,
            "{name}: the accept waited for {yields} yields"
        );
    }
}

#[test]
fn a_task_that_spends_its_budget_waits_for_the_driver_and_sees_its_io() {
    busy_and_accepting(|| {
        Box::pin(async {
            // More than the budget (128 units): the task is made to yield somewhere in here.
            for _ in 0..=128 {
                zokio::task::consume_budget().await;
            }
        })
    });
}

#[test]
fn a_task_that_yields_waits_for_the_driver_and_sees_its_io() {
    busy_and_accepting(|| Box::pin(zokio::task::yield_now()));
}
