//! `ParkThread` (the driver of a runtime without I/O) and the toolkit's `ThreadParker`: tokens
//! kept across an early unpark, timeouts, and timeouts too large for `Instant`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use zokio_sched::toolkit::ThreadParker;
use zokio_sched::{Driver, ParkThread};

#[test]
fn park_thread_returns_on_unpark_timeout_or_a_token() {
    let mut driver = ParkThread::new();
    assert_eq!(format!("{driver:?}"), "ParkThread { .. }");
    // No token: a zero timeout only checks, a short one runs out.
    let start = Instant::now();
    driver.park(Some(Duration::ZERO));
    driver.park(Some(Duration::from_millis(20)));
    assert!(start.elapsed() >= Duration::from_millis(20));
    // An unpark before the park is kept: the park returns at once.
    driver.unparker().unpark();
    let start = Instant::now();
    driver.park(Some(Duration::from_secs(30)));
    assert!(start.elapsed() < Duration::from_secs(10));
    // An unpark from another thread ends a park without a timeout.
    let unparker = driver.unparker();
    let thread = std::thread::spawn(move || unparker.unpark());
    driver.park(None);
    thread.join().unwrap();
}

#[test]
fn park_thread_treats_a_timeout_beyond_instant_as_none() {
    let mut driver = ParkThread::new();
    // `Instant::now() + Duration::MAX` overflows: the park waits for an unpark, not for a deadline
    // it cannot compute (nor does it return at once as if the timeout had passed).
    let unparker = driver.unparker();
    let parked = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let p = parked.clone();
    let thread = std::thread::spawn(move || {
        // Set before the unpark: a park that returned at once, without the unpark, would usually
        // find it unset (a park that waits for the unpark always finds it set).
        p.store(true, std::sync::atomic::Ordering::SeqCst);
        unparker.unpark();
    });
    driver.park(Some(Duration::MAX));
    assert!(parked.load(std::sync::atomic::Ordering::SeqCst));
    thread.join().unwrap();
}

#[test]
fn thread_parker_consumes_one_token_per_park() {
    let parker = ThreadParker::default();
    assert_eq!(format!("{parker:?}"), "ThreadParker { .. }");
    parker.unpark();
    // Two unparks leave one token, not two.
    parker.unpark();
    assert!(parker.park(Some(Instant::now() + Duration::from_secs(30))));
    assert!(!parker.park(Some(Instant::now())), "the token was used up");
    assert!(!parker.park(Some(Instant::now() + Duration::from_millis(5))));
}
