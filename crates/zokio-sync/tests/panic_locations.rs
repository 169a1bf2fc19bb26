//! Misuse panics point at the caller: every public API that panics on a bad argument or a wrong
//! context reports the location of the call in the user's code (`#[track_caller]`), not a line
//! inside zokio-sync.
#![cfg(not(loom))]

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Once};

use zokio_sync::{Mutex, RwLock, Semaphore, broadcast, mpsc, oneshot};

thread_local! {
    /// File of the last panic on this thread, as the hook saw it.
    static PANIC_FILE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, which must panic, and returns the file its panic location names. The hook records
/// per thread, so the tests of this file can run in parallel.
fn panic_file(f: impl FnOnce()) -> String {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let file = info.location().map(|location| location.file().to_string());
            PANIC_FILE.with(|cell| *cell.borrow_mut() = file);
        }));
    });
    PANIC_FILE.with(|cell| cell.borrow_mut().take());
    assert!(
        catch_unwind(AssertUnwindSafe(f)).is_err(),
        "expected a panic"
    );
    PANIC_FILE
        .with(|cell| cell.borrow_mut().take())
        .expect("the panic hook ran")
}

macro_rules! assert_panics_here {
    ($($body:tt)*) => {
        assert_eq!(panic_file(|| { $($body)* }), file!(), "{}", stringify!($($body)*));
    };
}

/// Runs `f` inside a task's poll on a zokio runtime, where `blocking_*` calls must refuse.
fn in_runtime(f: impl FnOnce() + Send + 'static) {
    let runtime = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async move { f() });
}

#[test]
fn mpsc_channel_of_zero_capacity_reports_the_caller() {
    assert_panics_here!(drop(mpsc::channel::<u8>(0)));
}

#[test]
fn broadcast_channel_of_zero_capacity_reports_the_caller() {
    assert_panics_here!(drop(broadcast::channel::<u8>(0)));
}

#[test]
fn broadcast_channel_too_large_reports_the_caller() {
    assert_panics_here!(drop(broadcast::channel::<u8>(usize::MAX)));
}

#[test]
fn broadcast_sender_new_of_zero_capacity_reports_the_caller() {
    assert_panics_here!(drop(broadcast::Sender::<u8>::new(0)));
}

#[test]
fn semaphore_new_above_max_permits_reports_the_caller() {
    assert_panics_here!(drop(Semaphore::new(Semaphore::MAX_PERMITS + 1)));
}

#[test]
fn semaphore_const_new_above_max_permits_reports_the_caller() {
    assert_panics_here!(drop(Semaphore::const_new(Semaphore::MAX_PERMITS + 1)));
}

#[test]
fn semaphore_add_permits_past_max_reports_the_caller() {
    // Nobody waiting: the lock-free path.
    let full = Semaphore::new(Semaphore::MAX_PERMITS);
    assert_panics_here!(full.add_permits(1));
}

#[test]
fn semaphore_add_permits_past_max_with_a_waiter_reports_the_caller() {
    // A waiter queued: the path that serves waiters first.
    let empty = Semaphore::new(0);
    let mut waiter = Box::pin(empty.acquire());
    let polled = futures_lite::future::block_on(futures_lite::future::poll_once(&mut waiter));
    assert!(polled.is_none());
    assert_panics_here!(empty.add_permits(Semaphore::MAX_PERMITS + 1));
}

#[test]
fn semaphore_permit_merge_of_unrelated_permits_reports_the_caller() {
    let (a, b) = (Semaphore::new(1), Semaphore::new(1));
    let mut permit = a.try_acquire().unwrap();
    let other = b.try_acquire().unwrap();
    assert_panics_here!(permit.merge(other));
}

#[test]
fn owned_semaphore_permit_merge_of_unrelated_permits_reports_the_caller() {
    let (a, b) = (Arc::new(Semaphore::new(1)), Arc::new(Semaphore::new(1)));
    let mut permit = a.try_acquire_owned().unwrap();
    let other = b.try_acquire_owned().unwrap();
    assert_panics_here!(permit.merge(other));
}

#[test]
fn rwlock_with_zero_max_readers_reports_the_caller() {
    assert_panics_here!(drop(RwLock::with_max_readers((), 0)));
}

#[test]
fn rwlock_with_too_many_max_readers_reports_the_caller() {
    assert_panics_here!(drop(RwLock::with_max_readers((), u32::MAX)));
}

#[test]
fn rwlock_const_with_zero_max_readers_reports_the_caller() {
    assert_panics_here!(drop(RwLock::const_with_max_readers((), 0)));
}

#[test]
fn mpsc_blocking_recv_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let (_tx, mut rx) = mpsc::channel::<u8>(1);
        assert_panics_here!(let _ = rx.blocking_recv(););
    });
}

#[test]
fn mpsc_blocking_recv_many_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let (_tx, mut rx) = mpsc::channel::<u8>(1);
        assert_panics_here!(let _ = rx.blocking_recv_many(&mut Vec::new(), 1););
    });
}

#[test]
fn mpsc_blocking_send_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let (tx, _rx) = mpsc::channel::<u8>(1);
        assert_panics_here!(let _ = tx.blocking_send(1););
    });
}

#[test]
fn mpsc_unbounded_blocking_recv_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let (_tx, mut rx) = mpsc::unbounded_channel::<u8>();
        assert_panics_here!(let _ = rx.blocking_recv(););
    });
}

#[test]
fn broadcast_blocking_recv_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let (_tx, mut rx) = broadcast::channel::<u8>(1);
        assert_panics_here!(let _ = rx.blocking_recv(););
    });
}

#[test]
fn oneshot_blocking_recv_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let (_tx, rx) = oneshot::channel::<u8>();
        assert_panics_here!(let _ = rx.blocking_recv(););
    });
}

#[test]
fn mutex_blocking_lock_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let mutex = Mutex::new(());
        assert_panics_here!(drop(mutex.blocking_lock()));
    });
}

#[test]
fn mutex_blocking_lock_owned_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let mutex = Arc::new(Mutex::new(()));
        assert_panics_here!(drop(mutex.clone().blocking_lock_owned()));
    });
}

#[test]
fn rwlock_blocking_read_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let lock = RwLock::new(());
        assert_panics_here!(drop(lock.blocking_read()));
    });
}

#[test]
fn semaphore_blocking_acquire_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let semaphore = Semaphore::new(1);
        assert_panics_here!(drop(semaphore.blocking_acquire()));
    });
}

#[test]
fn semaphore_blocking_acquire_many_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let semaphore = Semaphore::new(1);
        assert_panics_here!(drop(semaphore.blocking_acquire_many(1)));
    });
}

#[test]
fn semaphore_blocking_acquire_owned_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let semaphore = Arc::new(Semaphore::new(1));
        assert_panics_here!(drop(semaphore.clone().blocking_acquire_owned()));
    });
}

#[test]
fn semaphore_blocking_acquire_many_owned_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let semaphore = Arc::new(Semaphore::new(1));
        assert_panics_here!(drop(semaphore.clone().blocking_acquire_many_owned(1)));
    });
}

#[test]
fn mpsc_unbounded_blocking_recv_many_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let (_tx, mut rx) = mpsc::unbounded_channel::<u8>();
        assert_panics_here!(let _ = rx.blocking_recv_many(&mut Vec::new(), 1););
    });
}

#[test]
fn rwlock_blocking_write_in_a_runtime_reports_the_caller() {
    in_runtime(|| {
        let lock = RwLock::new(());
        assert_panics_here!(drop(lock.blocking_write()));
    });
}
