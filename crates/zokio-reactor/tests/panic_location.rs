//! Misuse panics report the caller's location (`#[track_caller]` all the way down), as Tokio's do:
//! the panic's location must be this file, at the line of the offending call.

mod common;

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::time::Duration;

use zokio_reactor::time::{self, Instant, interval, interval_at, sleep, sleep_until};
use zokio_reactor::{Handle, Reactor, ReactorConfig};

thread_local! {
    static LOCATION: RefCell<Option<(String, u32)>> = const { RefCell::new(None) };
}

/// The panic hook is process-wide: tests that swap it take turns.
static HOOK: Mutex<()> = Mutex::new(());

/// Runs `f`, which must panic, and returns the location its panic reported.
fn panic_location(f: impl FnOnce()) -> (String, u32) {
    let _turn = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| (l.file().to_owned(), l.line()));
        LOCATION.with(|cell| *cell.borrow_mut() = location);
    }));
    let result = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    assert!(result.is_err(), "the call did not panic");
    LOCATION
        .with(|cell| cell.borrow_mut().take())
        .expect("the panic reported no location")
}

/// Asserts that evaluating `$call` panics at this very line of this file.
macro_rules! assert_panics_here {
    ($call:expr) => {{
        let line = line!();
        let (file, at) = panic_location(|| {
            let _value = $call;
        });
        assert_eq!(
            (file.as_str(), at),
            (file!(), line),
            "{}",
            stringify!($call)
        );
    }};
}

fn with_reactor(config: ReactorConfig, f: impl FnOnce()) {
    let reactor = Reactor::new(config).unwrap();
    let _enter = reactor.handle().enter();
    f();
}

#[test]
fn interval_with_a_zero_period_reports_the_caller() {
    with_reactor(ReactorConfig::default(), || {
        assert_panics_here!(interval(Duration::ZERO));
        assert_panics_here!(interval_at(Instant::now(), Duration::ZERO));
    });
}

#[test]
fn pause_and_resume_misuse_reports_the_caller() {
    with_reactor(ReactorConfig::default(), || {
        assert_panics_here!(time::resume());
        time::pause();
        assert_panics_here!(time::pause());
        time::resume();
    });
}

#[test]
fn timers_outside_a_reactor_report_the_caller() {
    assert_panics_here!(sleep(Duration::from_millis(1)));
    assert_panics_here!(sleep_until(Instant::now()));
    assert_panics_here!(interval(Duration::from_millis(1)));
    assert_panics_here!(time::pause());
    assert_panics_here!(Handle::current());
}

#[test]
fn timers_without_the_time_driver_report_the_caller() {
    let config = ReactorConfig {
        enable_time: false,
        ..ReactorConfig::default()
    };
    with_reactor(config, || {
        assert_panics_here!(sleep(Duration::from_millis(1)));
        assert_panics_here!(interval(Duration::from_millis(1)));
        assert_panics_here!(time::resume());
    });
}

#[test]
fn instant_overflow_reports_the_caller() {
    let now = Instant::now();
    assert_panics_here!(now + Duration::MAX);
    assert_panics_here!(now - Duration::MAX);
    let mut at = now;
    let line = line!() + 1;
    let (file, reported) = panic_location(|| at += Duration::MAX);
    assert_eq!((file.as_str(), reported), (file!(), line));
    let line = line!() + 1;
    let (file, reported) = panic_location(|| at -= Duration::MAX);
    assert_eq!((file.as_str(), reported), (file!(), line));
}

#[test]
fn pause_on_a_reactor_that_forbids_it_reports_the_caller() {
    with_reactor(ReactorConfig::default(), || {
        Handle::current().forbid_pause();
        assert_panics_here!(time::pause());
        // The refusal leaves the clock running: resuming it is misuse too.
        assert_panics_here!(time::resume());
    });
}
