//! What the `Debug` impls print: the state they carry (a lock's value or `<locked>`, a semaphore's
//! permits and whether it is closed, a cell's value, a waiter's progress, a receiver's position),
//! and, for handles that carry nothing printable, only their name (so `T` needs no `Debug`).
#![cfg(not(loom))]

use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Waker};

use zokio_sync::{
    Barrier, Mutex, Notify, OnceCell, RwLock, Semaphore, broadcast, mpsc, oneshot, watch,
};

/// A type with no `Debug` impl: the handles must print without it.
struct Opaque;

#[test]
fn mutex_prints_its_value_or_locked_like_tokio() {
    let m = Mutex::new(5);
    let tm = tokio::sync::Mutex::new(5);
    assert_eq!(format!("{m:?}"), "Mutex { data: 5 }");
    assert_eq!(format!("{m:?}"), format!("{tm:?}"));
    let guard = m.try_lock().unwrap();
    let tguard = tm.try_lock().unwrap();
    assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
    assert_eq!(format!("{m:?}"), format!("{tm:?}"));
    assert_eq!(format!("{guard:?}"), "5", "a guard prints the value itself");
    assert_eq!(format!("{guard:?}"), format!("{tguard:?}"));
    drop(guard);
    assert_eq!(
        format!("{m:?}"),
        "Mutex { data: 5 }",
        "printing did not keep it locked"
    );
}

#[test]
fn rwlock_prints_its_value_or_locked_like_tokio() {
    let l = RwLock::new("v");
    let tl = tokio::sync::RwLock::new("v");
    assert_eq!(format!("{l:?}"), r#"RwLock { data: "v" }"#);
    assert_eq!(format!("{l:?}"), format!("{tl:?}"));
    {
        let _read = l.try_read().unwrap();
        assert_eq!(format!("{l:?}"), r#"RwLock { data: "v" }"#, "readers share");
    }
    let write = l.try_write().unwrap();
    let _twrite = tl.try_write().unwrap();
    assert_eq!(format!("{l:?}"), "RwLock { data: <locked> }");
    assert_eq!(format!("{l:?}"), format!("{tl:?}"));
    drop(write);
    assert!(l.try_write().is_ok(), "printing took no lock it kept");
}

#[test]
fn semaphore_prints_its_permits_and_whether_it_is_closed() {
    let sem = Semaphore::new(3);
    assert_eq!(
        format!("{sem:?}"),
        "Semaphore { permits: 3, closed: false }"
    );
    let permit = sem.try_acquire_many(2).unwrap();
    assert_eq!(format!("{permit:?}"), "SemaphorePermit { permits: 2 }");
    assert_eq!(
        format!("{sem:?}"),
        "Semaphore { permits: 1, closed: false }"
    );
    sem.close();
    assert_eq!(format!("{sem:?}"), "Semaphore { permits: 1, closed: true }");
    drop(permit);
    assert_eq!(format!("{sem:?}"), "Semaphore { permits: 3, closed: true }");

    let sem = Arc::new(Semaphore::new(4));
    let mut owned = sem.clone().try_acquire_many_owned(4).unwrap();
    let part = owned.split(1).unwrap();
    assert_eq!(format!("{owned:?}"), "OwnedSemaphorePermit { permits: 3 }");
    assert_eq!(format!("{part:?}"), "OwnedSemaphorePermit { permits: 1 }");
}

#[test]
fn once_cell_prints_its_value_like_tokio() {
    let cell = OnceCell::<u8>::new();
    let tcell = tokio::sync::OnceCell::<u8>::new();
    assert_eq!(format!("{cell:?}"), "OnceCell { value: None }");
    assert_eq!(format!("{cell:?}"), format!("{tcell:?}"));
    cell.set(7).unwrap();
    tcell.set(7).unwrap();
    assert_eq!(format!("{cell:?}"), "OnceCell { value: Some(7) }");
    assert_eq!(format!("{cell:?}"), format!("{tcell:?}"));
}

#[test]
fn barrier_prints_its_size() {
    assert_eq!(format!("{:?}", Barrier::new(3)), "Barrier { n: 3 }");
}

#[test]
fn notified_prints_how_far_its_wait_got() {
    let notify = Notify::new();
    assert_eq!(format!("{notify:?}"), "Notify { .. }");
    let mut cx = Context::from_waker(Waker::noop());

    let mut waiting = pin!(notify.notified());
    let fresh = format!("{waiting:?}");
    assert!(fresh.starts_with("Notified { state: Init"), "{fresh}");
    assert!(waiting.as_mut().poll(&mut cx).is_pending());
    let queued = format!("{waiting:?}");
    assert!(queued.starts_with("Notified { state: Waiting"), "{queued}");
    notify.notify_one();
    assert!(waiting.as_mut().poll(&mut cx).is_ready());
    assert_eq!(format!("{waiting:?}"), "Notified { state: Done }");

    let notify = Arc::new(Notify::new());
    let mut owned = pin!(notify.clone().notified_owned());
    assert!(format!("{owned:?}").starts_with("OwnedNotified { state: Init"));
    assert!(owned.as_mut().poll(&mut cx).is_pending());
    assert!(format!("{owned:?}").starts_with("OwnedNotified { state: Waiting"));
    notify.notify_waiters();
    assert!(owned.as_mut().poll(&mut cx).is_ready());
    assert_eq!(format!("{owned:?}"), "OwnedNotified { state: Done }");
}

#[test]
fn watch_handles_print_the_current_value() {
    let (tx, rx) = watch::channel(1);
    assert_eq!(format!("{tx:?}"), "watch::Sender { value: 1 }");
    assert_eq!(format!("{rx:?}"), "watch::Receiver { value: 1 }");
    tx.send(2).unwrap();
    assert_eq!(format!("{rx:?}"), "watch::Receiver { value: 2 }");
    let borrowed = rx.borrow();
    assert_eq!(
        format!("{borrowed:?}"),
        "2",
        "a `Ref` prints the value itself"
    );
}

#[test]
fn broadcast_receiver_prints_its_position() {
    let (tx, mut rx) = broadcast::channel::<u8>(4);
    assert_eq!(format!("{tx:?}"), "broadcast::Sender { .. }");
    assert_eq!(
        format!("{:?}", tx.downgrade()),
        "broadcast::WeakSender { .. }"
    );
    assert_eq!(format!("{rx:?}"), "broadcast::Receiver { next: 0, .. }");
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(format!("{rx:?}"), "broadcast::Receiver { next: 1, .. }");
    assert_eq!(
        format!("{:?}", tx.subscribe()),
        "broadcast::Receiver { next: 2, .. }",
        "a new receiver starts after what was sent"
    );
}

#[test]
fn mpsc_handles_print_their_names_and_permit_iterators_what_is_left() {
    let (tx, rx) = mpsc::channel::<Opaque>(4);
    assert_eq!(format!("{tx:?}"), "mpsc::Sender { .. }");
    assert_eq!(format!("{rx:?}"), "mpsc::Receiver { .. }");
    assert_eq!(format!("{:?}", tx.downgrade()), "mpsc::WeakSender { .. }");
    let permit = tx.try_reserve().unwrap();
    assert_eq!(format!("{permit:?}"), "mpsc::Permit { .. }");
    let owned = tx.clone().try_reserve_owned().unwrap();
    assert_eq!(format!("{owned:?}"), "mpsc::OwnedPermit { .. }");
    let mut many = tx.try_reserve_many(2).unwrap();
    assert_eq!(format!("{many:?}"), "mpsc::PermitIterator { remaining: 2 }");
    many.next().unwrap().send(Opaque);
    assert_eq!(format!("{many:?}"), "mpsc::PermitIterator { remaining: 1 }");

    let (utx, urx) = mpsc::unbounded_channel::<Opaque>();
    assert_eq!(format!("{utx:?}"), "UnboundedSender { .. }");
    assert_eq!(format!("{urx:?}"), "UnboundedReceiver { .. }");
    assert_eq!(
        format!("{:?}", utx.downgrade()),
        "WeakUnboundedSender { .. }"
    );
}

#[test]
fn oneshot_handles_print_their_names() {
    let (tx, rx) = oneshot::channel::<Opaque>();
    assert_eq!(format!("{tx:?}"), "oneshot::Sender { .. }");
    assert_eq!(format!("{rx:?}"), "oneshot::Receiver { .. }");
}
