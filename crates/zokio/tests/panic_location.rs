//! Misuse panics of the facade point at the caller's line, not inside zokio (`#[track_caller]`).

use std::panic::Location;
use std::sync::{Mutex, Once};
use std::thread::ThreadId;

use zokio::runtime::Builder;

/// Where the last panic of each thread was raised, recorded by a process-wide hook (installed once:
/// tests run on several threads at the same time, so each reads only its own thread's entry).
static LOCATIONS: Mutex<Vec<(ThreadId, String, u32)>> = Mutex::new(Vec::new());

fn panic_location_of(f: impl FnOnce()) -> (String, u32) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Some(at) = info.location() {
                let me = std::thread::current().id();
                let mut all = LOCATIONS.lock().unwrap_or_else(|p| p.into_inner());
                all.retain(|(t, _, _)| *t != me);
                all.push((me, at.file().to_owned(), at.line()));
            }
            let _ = &previous;
        }));
    });
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    assert!(caught.is_err(), "expected a panic");
    let me = std::thread::current().id();
    let all = LOCATIONS.lock().unwrap();
    let (_, file, line) = all.iter().find(|(t, _, _)| *t == me).expect("a location");
    (file.clone(), *line)
}

#[track_caller]
fn here() -> (String, u32) {
    let at = Location::caller();
    (at.file().to_owned(), at.line())
}

#[test]
fn nested_block_on_points_at_the_caller() {
    let outer = Builder::new_current_thread().build().unwrap();
    let inner = Builder::new_current_thread().build().unwrap();
    let (file, line) = outer.block_on(async {
        #[rustfmt::skip]
        let (got, expected) = (panic_location_of(|| { inner.block_on(async {}); }), here());
        assert_eq!(got, expected);
        got
    });
    assert!(file.ends_with("panic_location.rs"), "{file}:{line}");
}

#[test]
fn builder_misuse_points_at_the_caller() {
    #[rustfmt::skip]
    let (got, expected) = (panic_location_of(|| { Builder::new_current_thread().name(""); }), here());
    assert_eq!(got, expected);
    #[rustfmt::skip]
    let (got, expected) = (panic_location_of(|| { Builder::new_multi_thread().worker_threads(0); }), here());
    assert_eq!(got, expected);
}

#[test]
fn spawn_outside_a_runtime_points_at_the_caller() {
    #[rustfmt::skip]
    let (got, expected) = (panic_location_of(|| { zokio::spawn(async {}); }), here());
    assert_eq!(got, expected);
    #[rustfmt::skip]
    let (got, expected) = (panic_location_of(|| { zokio::runtime::Handle::current(); }), here());
    assert_eq!(got, expected);
}
