//! Timers (zokio's and tokio's `time::sleep`, smol's `async_io::Timer`), each runtime in its
//! current-thread set-up: one thread, so that the timer structures themselves are measured rather
//! than cross-thread wake-ups.
//!
//! - `timers/insert_fire`: one task registers 100k sleeps of 1 ms, then awaits them all; op = one
//!   timer inserted and fired.
//! - `timers/insert_cancel`: one task registers 100k sleeps of 60 s, then drops them all; op = one
//!   timer inserted and cancelled.
//!
//! The registering task runs without a cooperative budget on zokio and tokio (smol has none), so
//! every sleep is registered in a single pass, as the workload intends.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use benches::rt::{Rt, SmolCt, TokioCt, ZokioCt};
use benches::workloads::run;
use benches::{for_runtimes, size};
use criterion::{Criterion, Throughput};

type BoxSleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A runtime's timer and its way of lifting the cooperative budget.
trait TimerRt: Rt {
    fn sleep(duration: Duration) -> BoxSleep;
    fn unconstrained<F: Future + Send + 'static>(
        f: F,
    ) -> impl Future<Output = F::Output> + Send + 'static
    where
        F::Output: Send;
}

impl TimerRt for ZokioCt {
    fn sleep(duration: Duration) -> BoxSleep {
        Box::pin(zokio::time::sleep(duration))
    }

    fn unconstrained<F: Future + Send + 'static>(
        f: F,
    ) -> impl Future<Output = F::Output> + Send + 'static
    where
        F::Output: Send,
    {
        zokio::task::unconstrained(f)
    }
}

impl TimerRt for TokioCt {
    fn sleep(duration: Duration) -> BoxSleep {
        Box::pin(tokio::time::sleep(duration))
    }

    fn unconstrained<F: Future + Send + 'static>(
        f: F,
    ) -> impl Future<Output = F::Output> + Send + 'static
    where
        F::Output: Send,
    {
        tokio::task::unconstrained(f)
    }
}

impl TimerRt for SmolCt {
    fn sleep(duration: Duration) -> BoxSleep {
        let timer = async_io::Timer::after(duration);
        Box::pin(async move {
            timer.await;
        })
    }

    fn unconstrained<F: Future + Send + 'static>(
        f: F,
    ) -> impl Future<Output = F::Output> + Send + 'static
    where
        F::Output: Send,
    {
        f
    }
}

/// Polls every sleep once, so that each is registered with the runtime's timer; the ones that
/// already completed are dropped (a completed future must not be polled again).
async fn register_all(sleeps: &mut Vec<BoxSleep>) {
    poll_fn(|cx| {
        sleeps.retain_mut(|sleep| sleep.as_mut().poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
}

fn insert_fire<R: TimerRt>(rt: &R, n: usize) {
    run(
        rt,
        R::unconstrained(async move {
            let mut sleeps: Vec<BoxSleep> =
                (0..n).map(|_| R::sleep(Duration::from_millis(1))).collect();
            register_all(&mut sleeps).await;
            for sleep in sleeps {
                sleep.await;
            }
        }),
    );
}

fn insert_cancel<R: TimerRt>(rt: &R, n: usize) {
    run(
        rt,
        R::unconstrained(async move {
            let mut sleeps: Vec<BoxSleep> =
                (0..n).map(|_| R::sleep(Duration::from_secs(60))).collect();
            register_all(&mut sleeps).await;
            drop(sleeps);
        }),
    );
}

fn timers(c: &mut Criterion) {
    let n = size(100_000, 10_000);
    let mut g = c.benchmark_group("timers/insert_fire");
    g.throughput(Throughput::Elements(n as u64));
    for_runtimes!(&mut g, [ZokioCt, TokioCt, SmolCt], |rt| insert_fire(rt, n));
    g.finish();

    let mut g = c.benchmark_group("timers/insert_cancel");
    g.throughput(Throughput::Elements(n as u64));
    for_runtimes!(&mut g, [ZokioCt, TokioCt, SmolCt], |rt| insert_cancel(
        rt, n
    ));
    g.finish();
}

fn main() {
    let mut c = benches::criterion();
    timers(&mut c);
    c.final_summary();
}
