//! Every operation that Tokio budgets spends zokio's cooperative budget too: once the budget is
//! out it returns `Pending` (and asks to be polled again) even though it is ready, and when it
//! completes it has spent one unit. So a loop around any of them yields to the task's neighbours.
#![cfg(not(loom))]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use zokio_coop::{Budget, with_budget};
use zokio_sync::{Barrier, Mutex, Notify, OnceCell, RwLock, Semaphore};
use zokio_sync::{broadcast, mpsc, oneshot, watch};

fn poll<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// Polls a ready `future` with the budget spent (it must wait), then with one unit (it must
/// complete and spend it), and returns its output.
fn assert_budgeted<F: Future>(what: &str, future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    with_budget(Budget::units(0), || {
        assert!(
            poll(future.as_mut()).is_pending(),
            "{what}: ready, but the budget is spent, so it must yield"
        );
    });
    with_budget(Budget::units(1), || {
        let Poll::Ready(output) = poll(future.as_mut()) else {
            panic!("{what}: ready and within budget, yet pending");
        };
        assert_eq!(
            zokio_coop::current().remaining(),
            Some(0),
            "{what}: completing spends one unit"
        );
        output
    })
}

#[test]
fn watch_sender_closed_spends_the_budget() {
    let (tx, rx) = watch::channel(0);
    drop(rx);
    assert_budgeted("watch::Sender::closed", tx.closed());
    // Every call spends, so a loop around it yields.
    assert_budgeted("watch::Sender::closed again", tx.closed());
}

#[test]
fn watch_wait_for_spends_the_budget() {
    let (_tx, mut rx) = watch::channel(3);
    let value = assert_budgeted("watch::Receiver::wait_for", rx.wait_for(|v| *v == 3)).map(|r| *r);
    assert_eq!(value, Ok(3));
}

#[test]
fn watch_wait_for_after_a_change_spends_the_budget() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    let value = assert_budgeted("watch::Receiver::wait_for", rx.wait_for(|v| *v == 1)).map(|r| *r);
    assert_eq!(value, Ok(1));
}

#[test]
fn watch_changed_spends_the_budget() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    assert_eq!(
        assert_budgeted("watch::Receiver::changed", rx.changed()),
        Ok(())
    );
    drop(tx);
    assert!(assert_budgeted("watch::Receiver::changed when closed", rx.changed()).is_err());
}

#[test]
fn mpsc_bounded_operations_spend_the_budget() {
    let (tx, mut rx) = mpsc::channel::<u32>(8);
    assert_budgeted("mpsc::Sender::send", tx.send(1)).unwrap();
    assert_budgeted("mpsc::Sender::reserve", tx.reserve())
        .unwrap()
        .send(2);
    let permits = assert_budgeted("mpsc::Sender::reserve_many", tx.reserve_many(2)).unwrap();
    for (permit, value) in permits.zip([3, 4]) {
        permit.send(value);
    }
    let tx = assert_budgeted("mpsc::Sender::reserve_owned", tx.reserve_owned())
        .unwrap()
        .send(5);
    assert_eq!(assert_budgeted("mpsc::Receiver::recv", rx.recv()), Some(1));
    let mut buffer = Vec::new();
    let received = assert_budgeted("mpsc::Receiver::recv_many", rx.recv_many(&mut buffer, 2));
    assert_eq!((received, &buffer[..]), (2, &[2, 3][..]));
    drop(tx);
    assert_eq!(assert_budgeted("mpsc::Receiver::recv", rx.recv()), Some(4));
    assert_eq!(assert_budgeted("mpsc::Receiver::recv", rx.recv()), Some(5));
    assert_eq!(
        assert_budgeted("mpsc::Receiver::recv at the end", rx.recv()),
        None
    );
}

#[test]
fn mpsc_unbounded_recv_many_spends_the_budget() {
    let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
    tx.send(1).unwrap();
    let mut buffer = Vec::new();
    assert_eq!(
        assert_budgeted(
            "mpsc::UnboundedReceiver::recv_many",
            rx.recv_many(&mut buffer, 4)
        ),
        1
    );
}

#[test]
fn oneshot_operations_spend_the_budget() {
    let (tx, rx) = oneshot::channel::<u32>();
    tx.send(1).unwrap();
    assert_eq!(assert_budgeted("oneshot::Receiver", rx), Ok(1));
    let (mut tx, rx) = oneshot::channel::<u32>();
    drop(rx);
    assert_budgeted("oneshot::Sender::closed", tx.closed());
}

#[test]
fn broadcast_recv_spends_the_budget() {
    let (tx, mut rx) = broadcast::channel::<u32>(4);
    tx.send(1).unwrap();
    assert_eq!(
        assert_budgeted("broadcast::Receiver::recv", rx.recv()),
        Ok(1)
    );
    drop(tx);
    assert!(assert_budgeted("broadcast::Receiver::recv when closed", rx.recv()).is_err());
}

#[test]
fn lock_and_semaphore_acquires_spend_the_budget() {
    let sem = Arc::new(Semaphore::new(4));
    drop(assert_budgeted("Semaphore::acquire_many", sem.acquire_many(2)).unwrap());
    drop(assert_budgeted("Semaphore::acquire_owned", sem.clone().acquire_owned()).unwrap());
    drop(
        assert_budgeted(
            "Semaphore::acquire_many_owned",
            sem.clone().acquire_many_owned(3),
        )
        .unwrap(),
    );

    let mutex = Arc::new(Mutex::new(0));
    drop(assert_budgeted("Mutex::lock", mutex.lock()));
    drop(assert_budgeted(
        "Mutex::lock_owned",
        mutex.clone().lock_owned(),
    ));

    let lock = Arc::new(RwLock::new(0));
    drop(assert_budgeted("RwLock::read", lock.read()));
    drop(assert_budgeted("RwLock::write", lock.write()));
    drop(assert_budgeted(
        "RwLock::read_owned",
        lock.clone().read_owned(),
    ));
    drop(assert_budgeted(
        "RwLock::write_owned",
        lock.clone().write_owned(),
    ));
}

#[test]
fn once_cell_initialisation_spends_the_budget() {
    let cell = OnceCell::new();
    assert_eq!(
        *assert_budgeted("OnceCell::get_or_init", cell.get_or_init(|| async { 1 })),
        1
    );
}

#[test]
fn barrier_and_notify_waits_spend_the_budget() {
    let barrier = Barrier::new(2);
    let mut waiter = Box::pin(barrier.wait());
    assert!(poll(waiter.as_mut()).is_pending());
    assert!(futures_lite::future::block_on(barrier.wait()).is_leader());
    assert!(!assert_budgeted("Barrier::wait (not the leader)", waiter).is_leader());

    let notify = Notify::new();
    notify.notify_one();
    assert_budgeted("Notify::notified", notify.notified());
}
