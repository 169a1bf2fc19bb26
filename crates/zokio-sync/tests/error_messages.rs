//! The errors of every primitive, produced by the operation that fails, with the value they give
//! back and the text they print. Where zokio prints what Tokio prints, the same failure is produced
//! on Tokio's primitive and the two texts are compared, so a drift from Tokio fails here.
#![cfg(not(loom))]

use std::error::Error;

use futures_lite::future::block_on;
use zokio_sync::{broadcast, mpsc, oneshot, watch};

/// `Display` and `Debug` of a zokio error and of Tokio's for the same failure are equal; returns
/// the `Display` text.
fn same_as_tokio(zokio: &(impl Error + ?Sized), tokio: &(impl Error + ?Sized)) -> String {
    assert_eq!(zokio.to_string(), tokio.to_string(), "Display");
    assert_eq!(format!("{zokio:?}"), format!("{tokio:?}"), "Debug");
    zokio.to_string()
}

#[test]
fn mpsc_send_to_a_dropped_receiver() {
    let (tx, rx) = mpsc::channel::<String>(1);
    drop(rx);
    let err = block_on(tx.send(String::from("lost"))).unwrap_err();
    let (ttx, trx) = tokio::sync::mpsc::channel::<String>(1);
    drop(trx);
    let terr = block_on(ttx.send(String::from("lost"))).unwrap_err();
    assert_eq!(same_as_tokio(&err, &terr), "channel closed");
    assert_eq!(
        format!("{err:?}"),
        "SendError { .. }",
        "the value is not printed"
    );
    assert_eq!(err.0, "lost", "the value comes back");

    // The unbounded sender's error is the same type.
    let (utx, urx) = mpsc::unbounded_channel::<u8>();
    drop(urx);
    assert_eq!(utx.send(4).unwrap_err().0, 4);
}

#[test]
fn mpsc_try_send_full_and_closed() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let (ttx, mut trx) = tokio::sync::mpsc::channel::<u8>(1);
    tx.try_send(1).unwrap();
    ttx.try_send(1).unwrap();
    let full = tx.try_send(2).unwrap_err();
    let tfull = ttx.try_send(2).unwrap_err();
    assert_eq!(full.to_string(), tfull.to_string());
    assert_eq!(full.to_string(), "no available capacity");
    // Tokio's `Debug` prints this text quoted (`"Full(..)"`), ours as a variant would print.
    assert_eq!(format!("{full:?}"), "Full(..)");
    assert_eq!(full.into_inner(), 2);

    rx.close();
    trx.close();
    let closed = tx.try_send(3).unwrap_err();
    let tclosed = ttx.try_send(3).unwrap_err();
    assert_eq!(closed.to_string(), tclosed.to_string());
    assert_eq!(closed.to_string(), "channel closed");
    assert_eq!(format!("{closed:?}"), "Closed(..)");
    assert_eq!(closed.into_inner(), 3);
}

#[test]
fn mpsc_send_error_converts_into_a_closed_try_send_error() {
    let (tx, rx) = mpsc::channel::<u8>(1);
    drop(rx);
    let err = block_on(tx.send(9)).unwrap_err();
    let converted: mpsc::error::TrySendError<u8> = err.into();
    assert_eq!(converted, mpsc::error::TrySendError::Closed(9));

    // `?` does the conversion in a function returning `TrySendError`.
    fn forward(tx: &mpsc::Sender<u8>) -> Result<(), mpsc::error::TrySendError<u8>> {
        block_on(tx.send(1))?;
        Ok(())
    }
    assert_eq!(forward(&tx), Err(mpsc::error::TrySendError::Closed(1)));
}

#[test]
fn mpsc_try_recv_empty_and_disconnected() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let (ttx, mut trx) = tokio::sync::mpsc::channel::<u8>(1);
    let empty = rx.try_recv().unwrap_err();
    let tempty = trx.try_recv().unwrap_err();
    assert_eq!(empty, mpsc::error::TryRecvError::Empty);
    assert_eq!(
        same_as_tokio(&empty, &tempty),
        "receiving on an empty channel"
    );
    drop((tx, ttx));
    let gone = rx.try_recv().unwrap_err();
    let tgone = trx.try_recv().unwrap_err();
    assert_eq!(gone, mpsc::error::TryRecvError::Disconnected);
    assert_eq!(
        same_as_tokio(&gone, &tgone),
        "receiving on a closed channel"
    );
}

#[test]
fn oneshot_recv_and_try_recv_errors() {
    let (tx, rx) = oneshot::channel::<u8>();
    let (ttx, trx) = tokio::sync::oneshot::channel::<u8>();
    drop((tx, ttx));
    let err = block_on(rx).unwrap_err();
    let terr = block_on(trx).unwrap_err();
    assert_eq!(same_as_tokio(&err, &terr), "channel closed");

    let (tx, mut rx) = oneshot::channel::<u8>();
    let (ttx, mut trx) = tokio::sync::oneshot::channel::<u8>();
    let empty = rx.try_recv().unwrap_err();
    let tempty = trx.try_recv().unwrap_err();
    assert_eq!(empty, oneshot::error::TryRecvError::Empty);
    assert_eq!(same_as_tokio(&empty, &tempty), "channel empty");
    drop((tx, ttx));
    let closed = rx.try_recv().unwrap_err();
    let tclosed = trx.try_recv().unwrap_err();
    assert_eq!(closed, oneshot::error::TryRecvError::Closed);
    assert_eq!(same_as_tokio(&closed, &tclosed), "channel closed");
}

#[test]
fn watch_send_and_changed_errors() {
    let (tx, rx) = watch::channel(String::from("a"));
    let (ttx, trx) = tokio::sync::watch::channel(String::from("a"));
    drop((rx, trx));
    let err = tx.send(String::from("b")).unwrap_err();
    let terr = ttx.send(String::from("b")).unwrap_err();
    assert_eq!(same_as_tokio(&err, &terr), "channel closed");
    assert_eq!(format!("{err:?}"), "SendError { .. }");
    assert_eq!(err.0, "b", "the value comes back");
    assert_eq!(*tx.borrow(), "a", "and was not stored");

    let (tx, mut rx) = watch::channel(0);
    let (ttx, mut trx) = tokio::sync::watch::channel(0);
    drop((tx, ttx));
    let err = block_on(rx.changed()).unwrap_err();
    let terr = block_on(trx.changed()).unwrap_err();
    assert_eq!(same_as_tokio(&err, &terr), "channel closed");
}

#[test]
fn broadcast_send_without_receivers() {
    let (tx, rx) = broadcast::channel::<String>(2);
    let (ttx, trx) = tokio::sync::broadcast::channel::<String>(2);
    drop((rx, trx));
    let err = tx.send(String::from("nobody")).unwrap_err();
    let terr = ttx.send(String::from("nobody")).unwrap_err();
    assert_eq!(err.to_string(), terr.to_string());
    assert_eq!(err.to_string(), "channel closed");
    // Tokio's `Debug` prints the value; ours does not, so `T: Debug` is not needed.
    assert_eq!(format!("{err:?}"), "SendError { .. }");
    assert_eq!(err.0, "nobody");
}

#[test]
fn broadcast_recv_errors_lagged_and_closed() {
    let (tx, mut rx) = broadcast::channel::<u8>(2);
    let (ttx, mut trx) = tokio::sync::broadcast::channel::<u8>(2);

    let empty = rx.try_recv().unwrap_err();
    let tempty = trx.try_recv().unwrap_err();
    assert_eq!(empty, broadcast::error::TryRecvError::Empty);
    assert_eq!(same_as_tokio(&empty, &tempty), "channel empty");

    for i in 0..5 {
        tx.send(i).unwrap();
        ttx.send(i).unwrap();
    }
    let mut rx2 = rx.resubscribe();
    let mut trx2 = trx.resubscribe();
    let lagged = rx.try_recv().unwrap_err();
    let tlagged = trx.try_recv().unwrap_err();
    assert_eq!(lagged, broadcast::error::TryRecvError::Lagged(3));
    assert_eq!(same_as_tokio(&lagged, &tlagged), "channel lagged by 3");
    assert_eq!(
        rx.try_recv(),
        Ok(3),
        "the receiver moved to the oldest value kept"
    );

    for i in 5..8 {
        tx.send(i).unwrap();
        ttx.send(i).unwrap();
    }
    // `recv` reports the lag with its own error type.
    let lagged = block_on(rx2.recv()).unwrap_err();
    let tlagged = block_on(trx2.recv()).unwrap_err();
    assert_eq!(lagged, broadcast::error::RecvError::Lagged(1));
    assert_eq!(same_as_tokio(&lagged, &tlagged), "channel lagged by 1");
    assert_eq!(block_on(rx2.recv()), Ok(6));
    assert_eq!(block_on(rx2.recv()), Ok(7));
    assert_eq!(block_on(trx2.recv()), Ok(6));
    assert_eq!(block_on(trx2.recv()), Ok(7));

    drop((tx, ttx));
    let closed = block_on(rx2.recv()).unwrap_err();
    let tclosed = block_on(trx2.recv()).unwrap_err();
    assert_eq!(closed, broadcast::error::RecvError::Closed);
    assert_eq!(same_as_tokio(&closed, &tclosed), "channel closed");
    let try_closed = rx2.try_recv().unwrap_err();
    let ttry_closed = trx2.try_recv().unwrap_err();
    assert_eq!(try_closed, broadcast::error::TryRecvError::Closed);
    assert_eq!(same_as_tokio(&try_closed, &ttry_closed), "channel closed");
}

#[test]
fn lock_and_semaphore_errors() {
    let m = zokio_sync::Mutex::new(());
    let tm = tokio::sync::Mutex::new(());
    let _held = (m.try_lock().unwrap(), tm.try_lock().unwrap());
    let err = m.try_lock().unwrap_err();
    let terr = tm.try_lock().unwrap_err();
    assert_eq!(same_as_tokio(&err, &terr), "operation would block");

    let sem = zokio_sync::Semaphore::new(0);
    let tsem = tokio::sync::Semaphore::new(0);
    let none = sem.try_acquire().unwrap_err();
    let tnone = tsem.try_acquire().unwrap_err();
    assert_eq!(none, zokio_sync::TryAcquireError::NoPermits);
    assert_eq!(same_as_tokio(&none, &tnone), "no permits available");
    sem.close();
    tsem.close();
    let closed = sem.try_acquire().unwrap_err();
    let tclosed = tsem.try_acquire().unwrap_err();
    assert_eq!(closed, zokio_sync::TryAcquireError::Closed);
    assert_eq!(same_as_tokio(&closed, &tclosed), "semaphore closed");
    let acquire = block_on(sem.acquire()).unwrap_err();
    let tacquire = block_on(tsem.acquire()).unwrap_err();
    assert_eq!(acquire.to_string(), tacquire.to_string());
}

#[test]
fn once_cell_set_errors_say_why_and_give_the_value_back() {
    use futures_lite::future::poll_once;
    use zokio_sync::{OnceCell, SetError};

    let cell = OnceCell::new();
    cell.set(1).unwrap();
    let err = cell.set(2).unwrap_err();
    assert_eq!(err, SetError::AlreadyInitializedError(2));
    assert!(err.is_already_init_err() && !err.is_initializing_err());
    assert_eq!(err.to_string(), "cell already initialized");
    let boxed: Box<dyn Error> = Box::new(err);
    assert_eq!(boxed.to_string(), "cell already initialized");

    let cell = OnceCell::<u8>::new();
    block_on(async {
        let mut init = Box::pin(cell.get_or_init(std::future::pending));
        assert!(
            poll_once(&mut init).await.is_none(),
            "the initialiser is running"
        );
        let err = cell.set(5).unwrap_err();
        assert!(err.is_initializing_err() && !err.is_already_init_err());
        assert_eq!(err.to_string(), "cell is being initialized");
        assert_eq!(err.into_inner(), 5);
        drop(init);
    });
    assert_eq!(
        cell.set(6),
        Ok(()),
        "the cancelled initialiser let go of the cell"
    );
}
