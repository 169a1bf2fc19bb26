//! The "driving a runtime" mark: entering it once per thread, leaving it for `block_in_place`, and
//! restoring it.

use zokio_coop::{RuntimeGuard, is_in_runtime, try_enter_runtime};

#[test]
fn a_thread_drives_one_runtime_at_a_time() {
    assert!(!is_in_runtime());
    let guard = try_enter_runtime().expect("the first entry succeeds");
    assert!(is_in_runtime());
    assert!(try_enter_runtime().is_none(), "a nested runtime is refused");
    assert!(is_in_runtime(), "the refused entry left the mark alone");
    drop(guard);
    assert!(!is_in_runtime());
    // And the thread may enter again.
    let again = try_enter_runtime().expect("entering again succeeds");
    drop(again);
}

#[test]
fn the_mark_belongs_to_its_thread() {
    let _guard = try_enter_runtime().unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            assert!(!is_in_runtime());
            let other = try_enter_runtime().expect("another thread enters its own runtime");
            assert!(is_in_runtime());
            drop(other);
        });
    });
    assert!(is_in_runtime());
}

#[test]
fn exit_temporarily_clears_the_mark_and_restores_it() {
    let guard = try_enter_runtime().unwrap();
    {
        let _exit = RuntimeGuard::exit_temporarily();
        assert!(!is_in_runtime());
        // Inside, another runtime may run on this thread (as `block_in_place` allows)...
        let nested = try_enter_runtime().expect("the mark is free while exited");
        drop(nested);
        assert!(!is_in_runtime());
    }
    // ...and the mark is back afterwards.
    assert!(is_in_runtime());
    drop(guard);
    assert!(!is_in_runtime());
}

#[test]
fn exit_temporarily_outside_a_runtime_restores_nothing() {
    let exit = RuntimeGuard::exit_temporarily();
    assert!(!is_in_runtime());
    drop(exit);
    assert!(
        !is_in_runtime(),
        "the mark was not set before, and is not set after"
    );
}

#[test]
fn the_mark_is_restored_when_a_body_panics() {
    let guard = try_enter_runtime().unwrap();
    let result = std::panic::catch_unwind(|| {
        let _exit = RuntimeGuard::exit_temporarily();
        panic!("inside block_in_place");
    });
    assert!(result.is_err());
    assert!(is_in_runtime());
    drop(guard);
}
