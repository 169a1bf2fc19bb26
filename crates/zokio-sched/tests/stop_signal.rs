//! `StopSignal`: the one-shot flag with wakers that tells a runtime's `block_on` callers to give
//! up. Each waiter is woken once, a waiter that leaves is forgotten, and a trigger that races with
//! a registration is never missed.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, RawWaker, RawWakerVTable, Wake, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use zokio_sched::context::StopSignal;

#[derive(Default)]
struct Counting(AtomicUsize);

impl Wake for Counting {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting() -> (Arc<Counting>, Waker) {
    let counter = Arc::new(Counting::default());
    (counter.clone(), Waker::from(counter))
}

fn wakes(counter: &Counting) -> usize {
    counter.0.load(Ordering::SeqCst)
}

#[test]
fn pending_until_triggered_then_each_waiter_is_woken_once() {
    let stop = StopSignal::default();
    let (a_count, a) = counting();
    let (b_count, b) = counting();
    assert!(!stop.is_triggered());
    assert!(
        stop.poll_triggered(&mut Context::from_waker(&a))
            .is_pending()
    );
    // Polled again with the same waker (a clone of it): registered once, not twice.
    assert!(
        stop.poll_triggered(&mut Context::from_waker(&a.clone()))
            .is_pending()
    );
    assert!(
        stop.poll_triggered(&mut Context::from_waker(&b))
            .is_pending()
    );
    assert_eq!((wakes(&a_count), wakes(&b_count)), (0, 0));

    stop.trigger();
    assert!(stop.is_triggered());
    assert_eq!((wakes(&a_count), wakes(&b_count)), (1, 1));

    // Once triggered, a poll is ready at once and registers nothing; a second trigger wakes nobody.
    assert!(stop.poll_triggered(&mut Context::from_waker(&a)).is_ready());
    stop.trigger();
    assert!(stop.is_triggered());
    assert_eq!((wakes(&a_count), wakes(&b_count)), (1, 1));
    assert!(format!("{stop:?}").contains("triggered: true"));
}

#[test]
fn unregistered_waiters_are_not_woken() {
    let stop = StopSignal::default();
    let (a_count, a) = counting();
    let (b_count, b) = counting();
    let (never_count, never) = counting();
    assert!(
        stop.poll_triggered(&mut Context::from_waker(&a))
            .is_pending()
    );
    assert!(
        stop.poll_triggered(&mut Context::from_waker(&b))
            .is_pending()
    );
    stop.unregister(&a);
    // A waker that never registered: nothing to forget.
    stop.unregister(&never);
    stop.trigger();
    assert_eq!(wakes(&a_count), 0, "the waiter that left is not woken");
    assert_eq!(wakes(&b_count), 1);
    assert_eq!(wakes(&never_count), 0);
}

#[test]
fn trigger_from_another_thread_wakes_a_blocked_waiter() {
    let stop = Arc::new(StopSignal::default());
    let s = stop.clone();
    let thread = std::thread::spawn(move || s.trigger());
    futures_lite::future::block_on(std::future::poll_fn(|cx| stop.poll_triggered(cx)));
    assert!(stop.is_triggered());
    thread.join().unwrap();
}

/// A waker whose first clone (taken by `poll_triggered` under its lock, while registering) starts a
/// thread that triggers the signal and waits until the flag is set: the trigger then lands between
/// the poll's first check and its registration, which is the window the second check covers.
struct Racer {
    stop: Arc<StopSignal>,
    started: AtomicBool,
    trigger_thread: Mutex<Option<JoinHandle<()>>>,
    wakes: AtomicUsize,
}

fn racer_waker(racer: Arc<Racer>) -> Waker {
    // SAFETY: the data pointer comes from `Arc::into_raw` of an `Arc<Racer>`, and every function of
    // `RACER_VTABLE` treats it as exactly that, keeping the strong count balanced.
    unsafe { Waker::from_raw(RawWaker::new(Arc::into_raw(racer).cast(), &RACER_VTABLE)) }
}

static RACER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(racer_clone, racer_wake, racer_wake_by_ref, racer_drop);

unsafe fn racer_clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` is a live `Arc<Racer>` (see `racer_waker`); the clone takes a new reference.
    let racer = unsafe {
        Arc::increment_strong_count(data.cast::<Racer>());
        &*data.cast::<Racer>()
    };
    if !racer.started.swap(true, Ordering::SeqCst) {
        let stop = racer.stop.clone();
        let thread = std::thread::spawn(move || stop.trigger());
        *racer.trigger_thread.lock().unwrap() = Some(thread);
        // `trigger` sets the flag before it takes the waiters' lock (held by our caller now).
        let deadline = Instant::now() + Duration::from_secs(10);
        while !racer.stop.is_triggered() {
            assert!(Instant::now() < deadline, "the trigger thread never ran");
            std::thread::yield_now();
        }
    }
    RawWaker::new(data, &RACER_VTABLE)
}

unsafe fn racer_wake(data: *const ()) {
    // SAFETY: consumes the reference this waker owned.
    let racer = unsafe { Arc::from_raw(data.cast::<Racer>()) };
    racer.wakes.fetch_add(1, Ordering::SeqCst);
}

unsafe fn racer_wake_by_ref(data: *const ()) {
    // SAFETY: `data` is a live `Arc<Racer>` for as long as this waker exists.
    let racer = unsafe { &*data.cast::<Racer>() };
    racer.wakes.fetch_add(1, Ordering::SeqCst);
}

unsafe fn racer_drop(data: *const ()) {
    // SAFETY: releases the reference this waker owned.
    drop(unsafe { Arc::from_raw(data.cast::<Racer>()) });
}

#[test]
fn trigger_racing_with_a_registration_is_not_missed() {
    let stop = Arc::new(StopSignal::default());
    let racer = Arc::new(Racer {
        stop: stop.clone(),
        started: AtomicBool::new(false),
        trigger_thread: Mutex::new(None),
        wakes: AtomicUsize::new(0),
    });
    let waker = racer_waker(racer.clone());
    // Not triggered at the first check; triggered while the waker was being registered.
    assert!(
        stop.poll_triggered(&mut Context::from_waker(&waker))
            .is_ready()
    );
    let thread = racer.trigger_thread.lock().unwrap().take();
    thread
        .expect("the registration cloned the waker")
        .join()
        .unwrap();
    // The trigger still found the registered waker, and woke it once.
    assert_eq!(racer.wakes.load(Ordering::SeqCst), 1);
    drop(waker);
    assert_eq!(
        Arc::strong_count(&racer),
        1,
        "every waker clone was released"
    );
}
