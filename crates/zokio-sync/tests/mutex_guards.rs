//! `Mutex`'s constructors and conversions, and what its guards give access to: mapping (and
//! mapping again), `try_map` both ways, reads through every guard type, their `Debug`/`Display`,
//! and that each of them unlocks exactly once.
#![cfg(not(loom))]

use std::sync::Arc;

use futures_lite::future::block_on;
use zokio_sync::{MappedMutexGuard, Mutex, MutexGuard, OwnedMutexGuard};

static COUNTER: Mutex<u32> = Mutex::const_new(10);

#[test]
fn const_new_builds_a_usable_static_mutex() {
    block_on(async {
        *COUNTER.lock().await += 1;
        let guard = COUNTER.lock().await;
        assert!(*guard >= 11);
        assert!(
            COUNTER.try_lock().is_err(),
            "a static mutex locks like any other"
        );
    });
    // Called at run time it builds the same unlocked mutex as `new`.
    let local = Mutex::const_new(1);
    assert_eq!(format!("{local:?}"), format!("{:?}", Mutex::new(1)));
    let guard = local.try_lock().unwrap();
    assert!(local.try_lock().is_err());
    drop(guard);
    assert_eq!(local.into_inner(), 1);
}

#[test]
fn default_from_get_mut_and_into_inner() {
    let mut m: Mutex<Vec<u8>> = Mutex::default();
    assert!(m.try_lock().unwrap().is_empty());
    m.get_mut().push(1);
    assert_eq!(
        *m.try_lock().unwrap(),
        [1],
        "written through `&mut` without locking"
    );
    assert_eq!(m.into_inner(), [1]);

    let m = Mutex::from(String::from("x"));
    assert_eq!(&*m.try_lock().unwrap(), "x");
}

#[test]
fn guard_display_and_debug_print_the_value() {
    let m = Mutex::new(String::from("shown"));
    let guard = m.try_lock().unwrap();
    assert_eq!(guard.to_string(), "shown");
    assert_eq!(format!("{guard:?}"), r#""shown""#);
    assert!(std::ptr::eq(MutexGuard::mutex(&guard), &m));
}

#[test]
fn try_map_success_narrows_and_keeps_the_lock_until_the_mapped_guard_drops() {
    let m = Mutex::new((1u8, vec![2u8, 3]));
    let mapped = MutexGuard::try_map(m.try_lock().unwrap(), |pair| pair.1.first_mut())
        .unwrap_or_else(|_| panic!("the vector has a first element"));
    assert_eq!(*mapped, 2);
    assert_eq!(format!("{mapped:?}"), "2");
    assert!(
        m.try_lock().is_err(),
        "still locked through the mapped guard"
    );
    drop(mapped);
    assert!(m.try_lock().is_ok(), "and unlocked once it drops");
}

#[test]
fn try_map_declined_gives_back_a_guard_that_still_locks() {
    let m = Mutex::new(Vec::<u8>::new());
    let guard = match MutexGuard::try_map(m.try_lock().unwrap(), |v| v.first_mut()) {
        Err(guard) => guard,
        Ok(_) => panic!("an empty vector has no first element"),
    };
    assert!(m.try_lock().is_err());
    drop(guard);
    assert!(m.try_lock().is_ok());
}

#[test]
fn mapped_guards_map_again_and_unlock_once() {
    let m = Mutex::new((0u8, [10u8, 20, 30]));
    let mut array = MutexGuard::map(m.try_lock().unwrap(), |pair| &mut pair.1);
    array[0] = 11;
    let mut last = MappedMutexGuard::map(array, |a| &mut a[2]);
    *last += 1;
    assert_eq!(*last, 31, "read through the twice-mapped guard");
    assert_eq!(format!("{last:?}"), "31");
    assert!(m.try_lock().is_err());
    drop(last);
    let guard = m.try_lock().expect("one drop unlocked it");
    assert_eq!(*guard, (0, [11, 20, 31]));
}

#[test]
fn owned_guards_read_print_and_map() {
    let m = Arc::new(Mutex::new((String::from("a"), 1u8)));
    let guard = m.clone().try_lock_owned().unwrap();
    assert_eq!(guard.0, "a", "read through the owned guard");
    assert_eq!(format!("{guard:?}"), r#"("a", 1)"#);
    assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&guard), &m));
    let mut number = OwnedMutexGuard::map(guard, |pair| &mut pair.1);
    *number += 1;
    assert_eq!(*number, 2, "read through the owned mapped guard");
    assert!(m.try_lock().is_err());
    assert_eq!(
        Arc::strong_count(&m),
        2,
        "the mapped guard keeps the mutex alive"
    );
    drop(number);
    assert_eq!(Arc::strong_count(&m), 1);
    assert_eq!(m.try_lock().unwrap().1, 2);
}
