//! `OnceCell`'s constructors and conversions, access through `&mut`, the fast path of an
//! initialised cell, and a caller cancelled while it waits for another caller's initialiser.
#![cfg(not(loom))]

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

use common::hooks::counting_waker;
use futures_lite::future::block_on;
use zokio_sync::OnceCell;

static CONFIG: OnceCell<String> = OnceCell::const_new();

#[test]
fn const_new_builds_an_empty_static_cell() {
    let first = block_on(CONFIG.get_or_init(|| async { String::from("loaded") }));
    assert_eq!(first, "loaded");
    let again = block_on(CONFIG.get_or_init(|| async { unreachable!("already set") }));
    assert!(
        std::ptr::eq(first, again),
        "the same value, not a second one"
    );

    // Called at run time it builds the same empty cell as `new`.
    let local = OnceCell::const_new();
    assert!(!local.initialized());
    assert_eq!(local.set(1), Ok(()));
    assert_eq!(local.get(), Some(&1));
}

#[test]
fn clone_copies_the_value_or_the_emptiness() {
    let set = OnceCell::from(vec![1, 2]);
    let copy = set.clone();
    assert_eq!(copy.get(), Some(&vec![1, 2]));
    assert!(
        !std::ptr::eq(set.get().unwrap(), copy.get().unwrap()),
        "a deep copy"
    );
    assert!(copy.set(vec![3]).unwrap_err().is_already_init_err());

    let empty = OnceCell::<u8>::new();
    let copy = empty.clone();
    assert!(!copy.initialized());
    assert_eq!(copy.set(4), Ok(()), "an empty clone can be set");
    assert_eq!(empty.get(), None, "without setting the original");
}

#[test]
fn get_mut_take_and_into_inner_of_set_and_empty_cells() {
    let mut empty = OnceCell::<String>::new_with(None);
    assert!(!empty.initialized());
    assert_eq!(empty.get_mut(), None);
    assert_eq!(empty.take(), None);
    assert_eq!(OnceCell::<u8>::new().into_inner(), None);

    let mut cell = OnceCell::new_with(Some(String::from("a")));
    cell.get_mut().unwrap().push('b');
    assert_eq!(cell.get().map(String::as_str), Some("ab"));
    assert_eq!(cell.take().as_deref(), Some("ab"));
    assert!(!cell.initialized(), "taking empties the cell");
    assert_eq!(
        cell.set(String::from("c")),
        Ok(()),
        "and it can be set again"
    );
    assert_eq!(cell.into_inner().as_deref(), Some("c"));
}

#[test]
fn get_or_try_init_of_a_set_cell_never_runs_the_initialiser() {
    let cell = OnceCell::new_with(Some(1u8));
    let got: Result<&u8, ()> =
        block_on(cell.get_or_try_init(|| async { unreachable!("the cell is set") }));
    assert_eq!(got, Ok(&1));
}

#[test]
fn a_caller_cancelled_while_queued_does_not_keep_the_next_from_initialising() {
    let cell = OnceCell::<u32>::new();
    let (waker, counts) = counting_waker();
    let mut cx = Context::from_waker(&waker);

    // The first caller runs an initialiser that fails once it is told to.
    let (fail_tx, fail_rx) = zokio_sync::oneshot::channel::<()>();
    let mut first = pin!(cell.get_or_try_init(|| async {
        fail_rx.await.unwrap();
        Err::<u32, _>("failed")
    }));
    assert!(first.as_mut().poll(&mut cx).is_pending());
    // The second queues behind it and is cancelled there.
    {
        let mut second = pin!(cell.get_or_init(|| async { unreachable!("cancelled") }));
        assert!(second.as_mut().poll(&mut cx).is_pending());
    }
    // The third queues behind it too.
    let mut third = pin!(cell.get_or_init(|| async { 3 }));
    assert!(third.as_mut().poll(&mut cx).is_pending());

    let wakes = counts.wakes();
    fail_tx.send(()).unwrap();
    assert_eq!(first.as_mut().poll(&mut cx), Poll::Ready(Err("failed")));
    assert!(counts.wakes() > wakes, "the failure passed the turn on");
    // The turn went past the cancelled caller to the third, which initialises.
    assert_eq!(third.as_mut().poll(&mut cx), Poll::Ready(&3));
    assert_eq!(cell.get(), Some(&3));
}
