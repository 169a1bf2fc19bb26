//! Name resolution through the reactor's blocking seam (`Handle::set_blocking`).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use zokio_reactor::Blocking;
use zokio_reactor::net::lookup_host;

/// Runs the work on a thread of its own, counting the calls.
struct CountingPool(AtomicUsize);

impl Blocking for CountingPool {
    fn spawn_blocking(&self, work: Box<dyn FnOnce() + Send>) {
        self.0.fetch_add(1, Ordering::SeqCst);
        std::thread::spawn(work);
    }
}

/// A pool that has shut down: it drops the work without running it.
struct ClosedPool;

impl Blocking for ClosedPool {
    fn spawn_blocking(&self, work: Box<dyn FnOnce() + Send>) {
        drop(work);
    }
}

#[test]
fn lookups_run_on_the_lent_pool() {
    let mut reactor = common::reactor();
    let pool = Arc::new(CountingPool(AtomicUsize::new(0)));
    let lent: Arc<dyn Blocking> = pool.clone();
    reactor.handle().set_blocking(&lent);
    let addrs: Vec<_> = reactor
        .block_on(common::with_limit(Duration::from_secs(30), async {
            lookup_host("localhost:9").await
        }))
        .unwrap()
        .collect();
    assert!(addrs.iter().all(|a| a.port() == 9));
    assert_eq!(pool.0.load(Ordering::SeqCst), 1);
    // Literal addresses need no lookup at all.
    let literal = reactor.block_on(async { lookup_host("127.0.0.1:9").await.unwrap().count() });
    assert_eq!(literal, 1);
    assert_eq!(pool.0.load(Ordering::SeqCst), 1);
}

#[test]
fn a_pool_that_drops_the_work_fails_the_lookup_instead_of_hanging() {
    let mut reactor = common::reactor();
    let lent: Arc<dyn Blocking> = Arc::new(ClosedPool);
    reactor.handle().set_blocking(&lent);
    let result = reactor.block_on(common::with_limit(Duration::from_secs(30), async {
        lookup_host("localhost:9").await.map(|a| a.count())
    }));
    let error = result.unwrap_err();
    assert!(
        error.to_string().contains("blocking pool has shut down"),
        "{error}"
    );
}

#[test]
fn a_pool_that_is_gone_leaves_lookups_to_a_thread_of_their_own() {
    let mut reactor = common::reactor();
    let pool = Arc::new(CountingPool(AtomicUsize::new(0)));
    let lent: Arc<dyn Blocking> = pool.clone();
    reactor.handle().set_blocking(&lent);
    // The reactor holds the pool weakly: once its owner lets go, lookups fall back.
    drop(lent);
    drop(pool);
    let count = reactor
        .block_on(common::with_limit(Duration::from_secs(30), async {
            lookup_host("localhost:9").await
        }))
        .unwrap()
        .count();
    assert!(count >= 1);
}
