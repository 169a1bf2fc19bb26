//! Contention microbenchmark: threads that each re-poll their own pending `Sleep`s on one reactor.
//!
//! Polling a pending `Sleep` used to lock the reactor-wide timer wheel, so threads polling unrelated
//! timers contended on one mutex; it now reads the timer's own state without a lock. Run with
//! `cargo run --release -p zokio-reactor --example timer_contention` and compare the ns per poll at
//! 1 and 2+ threads (flat when nothing is shared).
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};
fn main() {
    const SLEEPS: usize = 256;
    const ROUNDS: usize = 2000;
    let reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
    let handle = reactor.handle();
    for threads in [1usize, 2, 4] {
        let start = Instant::now();
        let joins: Vec<_> = (0..threads)
            .map(|_| {
                let handle = handle.clone();
                std::thread::spawn(move || {
                    let _g = handle.enter();
                    let mut sleeps: Vec<Pin<Box<zokio_reactor::time::Sleep>>> = (0..SLEEPS)
                        .map(|_| Box::pin(zokio_reactor::time::sleep(Duration::from_secs(3600))))
                        .collect();
                    let mut cx = Context::from_waker(Waker::noop());
                    for _ in 0..ROUNDS {
                        for s in sleeps.iter_mut() {
                            assert!(s.as_mut().poll(&mut cx).is_pending());
                        }
                    }
                })
            })
            .collect();
        for j in joins {
            j.join().unwrap();
        }
        let polls = threads * SLEEPS * ROUNDS;
        println!(
            "{threads} threads: {:.1} ns per pending Sleep poll (wall / polls per thread)",
            start.elapsed().as_nanos() as f64 / (polls / threads) as f64
        );
    }
    drop(reactor);
}
