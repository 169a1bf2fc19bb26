//! `Semaphore::blocking_acquire*`: waiting for permits from plain threads.
#![cfg(not(loom))]

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;

use zokio_sync::Semaphore;

/// Runs `f` on a new thread, tells the caller when it is about to block, and returns its handle.
fn spawn_blocker<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> std::thread::JoinHandle<T> {
    let (about_to_block, started) = std_mpsc::channel();
    let handle = std::thread::spawn(move || {
        about_to_block.send(()).unwrap();
        f()
    });
    started.recv().unwrap();
    handle
}

#[test]
fn blocking_acquire_takes_a_free_permit_at_once() {
    let semaphore = Semaphore::new(2);
    let permit = semaphore.blocking_acquire().unwrap();
    assert_eq!(permit.num_permits(), 1);
    assert_eq!(semaphore.available_permits(), 1);
    let many = semaphore.blocking_acquire_many(1).unwrap();
    assert_eq!(semaphore.available_permits(), 0);
    drop((permit, many));
    assert_eq!(semaphore.available_permits(), 2);
}

#[test]
fn blocking_acquire_waits_for_a_permit_released_elsewhere() {
    let semaphore = Arc::new(Semaphore::new(0));
    let waiter = {
        let semaphore = semaphore.clone();
        spawn_blocker(move || {
            let permit = semaphore.blocking_acquire().unwrap();
            let n = permit.num_permits();
            permit.forget();
            n
        })
    };
    semaphore.add_permits(1);
    assert_eq!(waiter.join().unwrap(), 1);
    assert_eq!(semaphore.available_permits(), 0, "the permit was forgotten");
}

#[test]
fn blocking_acquire_many_waits_until_all_its_permits_are_there() {
    let semaphore = Arc::new(Semaphore::new(1));
    let waiter = {
        let semaphore = semaphore.clone();
        spawn_blocker(move || semaphore.blocking_acquire_many(3).unwrap().num_permits())
    };
    semaphore.add_permits(1);
    semaphore.add_permits(1);
    assert_eq!(waiter.join().unwrap(), 3);
    assert_eq!(
        semaphore.available_permits(),
        3,
        "the permits came back on drop"
    );
}

#[test]
fn blocking_acquire_owned_and_many_owned_keep_the_semaphore_alive() {
    let semaphore = Arc::new(Semaphore::new(0));
    let one = {
        let semaphore = semaphore.clone();
        spawn_blocker(move || semaphore.blocking_acquire_owned().unwrap())
    };
    semaphore.add_permits(1);
    let one = one.join().unwrap();
    assert_eq!(one.num_permits(), 1);
    let two = {
        let semaphore = semaphore.clone();
        spawn_blocker(move || semaphore.blocking_acquire_many_owned(2).unwrap())
    };
    semaphore.add_permits(2);
    let two = two.join().unwrap();
    assert_eq!(two.num_permits(), 2);
    let weak = Arc::downgrade(&semaphore);
    drop(semaphore);
    assert!(weak.upgrade().is_some(), "the permits hold the semaphore");
    drop((one, two));
    assert!(weak.upgrade().is_none());
}

#[test]
fn blocking_acquire_fails_on_a_closed_semaphore() {
    let semaphore = Arc::new(Semaphore::new(0));
    semaphore.close();
    assert!(semaphore.blocking_acquire().is_err());
    assert!(semaphore.blocking_acquire_many(2).is_err());
    assert!(semaphore.clone().blocking_acquire_owned().is_err());
    let err = semaphore
        .clone()
        .blocking_acquire_many_owned(1)
        .unwrap_err();
    assert_eq!(err.to_string(), "semaphore closed");

    // Closed while a thread waits: the wait ends with the error.
    let semaphore = Arc::new(Semaphore::new(0));
    let waiter = {
        let semaphore = semaphore.clone();
        spawn_blocker(move || semaphore.blocking_acquire_many(2).is_err())
    };
    semaphore.close();
    assert!(waiter.join().unwrap());
}

#[test]
fn blocking_acquire_inside_a_zokio_task_panics_and_works_from_spawn_blocking() {
    let rt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let semaphore = Arc::new(Semaphore::new(1));
        let refused = {
            let semaphore = semaphore.clone();
            zokio::spawn(async move { drop(semaphore.blocking_acquire()) }).await
        };
        assert!(refused.unwrap_err().is_panic());
        let permits = {
            let semaphore = semaphore.clone();
            zokio::task::spawn_blocking(move || {
                semaphore.blocking_acquire_owned().unwrap().num_permits()
            })
            .await
            .unwrap()
        };
        assert_eq!(permits, 1);
        assert_eq!(semaphore.available_permits(), 1);
    });
}
