//! RwLock guard mapping: `map`/`try_map` on every guard, `downgrade_map`, `into_mapped`, and the
//! owned guards' second type parameter.
#![cfg(not(loom))]

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use common::{Exec, poll_once};
use zokio_sync::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};

#[derive(Debug, PartialEq)]
struct Pair {
    num: u32,
    name: String,
}

fn pair() -> Pair {
    Pair {
        num: 1,
        name: String::from("a"),
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures_lite::future::block_on(future)
}

#[test]
fn read_guard_map_and_try_map_keep_the_read_lock() {
    let lock = RwLock::new(pair());
    let guard = block_on(lock.read());
    let guard = RwLockReadGuard::try_map(guard, |p| p.name.strip_prefix('z')).unwrap_err();
    assert_eq!(guard.num, 1, "declined: the original guard comes back");
    let name = RwLockReadGuard::try_map(guard, |p| Some(p.name.as_str())).unwrap();
    assert_eq!(&*name, "a");
    let first = RwLockReadGuard::map(name, |s| &s[..1]);
    assert_eq!(&*first, "a");
    assert!(lock.try_write().is_err(), "the mapped guard still reads");
    assert!(lock.try_read().is_ok());
    drop(first);
    assert!(lock.try_write().is_ok(), "exactly one read permit was held");
}

#[test]
fn write_guard_try_map_gives_the_guard_back_still_exclusive() {
    let lock = RwLock::new(pair());
    let guard = block_on(lock.write());
    let mut guard = RwLockWriteGuard::try_map(guard, |_| None::<&mut u32>).unwrap_err();
    assert!(
        lock.try_read().is_err(),
        "still write-locked after the declined map"
    );
    guard.num = 2;
    let mut num = RwLockWriteGuard::try_map(guard, |p| Some(&mut p.num)).unwrap();
    *num += 1;
    assert!(lock.try_read().is_err());
    drop(num);
    assert_eq!(block_on(lock.read()).num, 3);
}

#[test]
fn mapped_write_guard_maps_further_and_into_mapped_covers_the_whole_value() {
    let lock = RwLock::new(pair());
    let whole: RwLockMappedWriteGuard<'_, Pair> =
        RwLockWriteGuard::into_mapped(block_on(lock.write()));
    let name = RwLockMappedWriteGuard::map(whole, |p| &mut p.name);
    let name = RwLockMappedWriteGuard::try_map(name, |_| None::<&mut u8>).unwrap_err();
    let mut name = RwLockMappedWriteGuard::try_map(name, |s| Some(s)).unwrap();
    name.push('b');
    assert!(lock.try_read().is_err());
    drop(name);
    assert_eq!(block_on(lock.read()).name, "ab");
    assert!(lock.try_write().is_ok(), "every write permit came back");
}

#[test]
fn downgrade_map_lets_no_writer_in_between() {
    let lock = RwLock::with_max_readers(pair(), 3);
    let mut guard = block_on(lock.write());
    guard.num = 7;
    let mut queued_writer = Box::pin(lock.write());
    assert!(poll_once(&mut queued_writer).is_none());
    let num = RwLockWriteGuard::downgrade_map(guard, |p| &p.num);
    assert_eq!(*num, 7);
    // The queued writer got some of the released permits but not all: it still waits.
    assert!(poll_once(&mut queued_writer).is_none());
    drop(num);
    let mut writer = poll_once(&mut queued_writer).expect("the writer goes next");
    writer.num = 8;
    drop(writer);
    drop(queued_writer);
    // Only one read permit was kept: with no writer queued, two more readers fit.
    let guard = block_on(lock.write());
    let num = RwLockWriteGuard::downgrade_map(guard, |p| &p.num);
    let a = lock.try_read().unwrap();
    let b = lock.try_read().unwrap();
    assert!(lock.try_read().is_err(), "max_readers is 3");
    assert_eq!((*num, a.num, b.num), (8, 8, 8));
}

#[test]
fn try_downgrade_map_declined_keeps_write_access() {
    let lock = RwLock::new(pair());
    let guard = block_on(lock.write());
    let mut guard = RwLockWriteGuard::try_downgrade_map(guard, |_| None::<&u32>).unwrap_err();
    assert!(lock.try_read().is_err());
    guard.num = 5;
    let num = RwLockWriteGuard::try_downgrade_map(guard, |p| Some(&p.num)).unwrap();
    assert_eq!(
        *lock.try_read().unwrap(),
        Pair {
            num: 5,
            name: "a".into()
        }
    );
    assert_eq!(*num, 5);
}

#[test]
fn panicking_map_closure_unlocks() {
    let lock = RwLock::new(pair());
    let result = catch_unwind(AssertUnwindSafe(|| {
        RwLockWriteGuard::map(block_on(lock.write()), |_| -> &mut u32 { panic!("boom") })
    }));
    assert!(result.is_err());
    assert!(lock.try_write().is_ok(), "the original guard was dropped");
    let owned = Arc::new(RwLock::new(1));
    let result = catch_unwind(AssertUnwindSafe(|| {
        OwnedRwLockReadGuard::map(block_on(owned.clone().read_owned()), |_| -> &u8 {
            panic!("boom")
        })
    }));
    assert!(result.is_err());
    assert!(owned.try_write().is_ok());
    assert_eq!(Arc::strong_count(&owned), 1, "the guard's Arc was dropped");
}

#[test]
fn owned_read_guard_maps_with_a_second_type_parameter() {
    let lock = Arc::new(RwLock::new(pair()));
    let guard = block_on(lock.clone().read_owned());
    let guard = OwnedRwLockReadGuard::try_map(guard, |_| None::<&u8>).unwrap_err();
    let name: OwnedRwLockReadGuard<Pair, String> = OwnedRwLockReadGuard::map(guard, |p| &p.name);
    let name: OwnedRwLockReadGuard<Pair, str> =
        OwnedRwLockReadGuard::try_map(name, |s| Some(s.as_str())).unwrap();
    assert_eq!(&*name, "a");
    assert_eq!(format!("{name} {name:?}"), "a \"a\"");
    assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&name), &lock));
    assert_eq!(
        Arc::strong_count(&lock),
        2,
        "one Arc moved along, none leaked"
    );
    assert!(lock.try_write().is_err());
    drop(name);
    assert_eq!(Arc::strong_count(&lock), 1);
    assert!(lock.try_write().is_ok());
}

#[test]
fn owned_write_guard_maps_downgrades_and_returns_every_permit() {
    let lock = Arc::new(RwLock::with_max_readers(pair(), 4));
    let guard = block_on(lock.clone().write_owned());
    let guard = OwnedRwLockWriteGuard::try_map(guard, |_| None::<&mut u8>).unwrap_err();
    let name: OwnedRwLockMappedWriteGuard<Pair, String> =
        OwnedRwLockWriteGuard::map(guard, |p| &mut p.name);
    let mut name = OwnedRwLockMappedWriteGuard::try_map(name, |_| None::<&mut u8>).unwrap_err();
    name.push('b');
    let mut bytes: OwnedRwLockMappedWriteGuard<Pair, Vec<u8>> =
        OwnedRwLockMappedWriteGuard::map(name, |s| {
            // SAFETY: only ASCII is pushed below.
            unsafe { s.as_mut_vec() }
        });
    bytes.push(b'c');
    assert!(Arc::ptr_eq(
        OwnedRwLockMappedWriteGuard::rwlock(&bytes),
        &lock
    ));
    assert!(lock.try_read().is_err());
    drop(bytes);
    assert!(lock.try_write().is_ok(), "all four permits came back");

    let guard = block_on(lock.clone().write_owned());
    let guard = OwnedRwLockWriteGuard::try_downgrade_map(guard, |_| None::<&u8>).unwrap_err();
    let num: OwnedRwLockReadGuard<Pair, u32> =
        OwnedRwLockWriteGuard::downgrade_map(guard, |p| &p.num);
    let readers: Vec<_> = (0..3).map(|_| lock.try_read().unwrap()).collect();
    assert!(
        lock.try_read().is_err(),
        "the downgraded guard holds one of four"
    );
    assert_eq!(readers[0].name, "abc");
    drop((num, readers));

    let whole = OwnedRwLockWriteGuard::into_mapped(block_on(lock.clone().write_owned()));
    let name = OwnedRwLockMappedWriteGuard::map(whole, |p| &mut p.name);
    assert_eq!(format!("{name}"), "abc");
    drop(name);
    let guard = block_on(lock.clone().write_owned());
    let name = OwnedRwLockWriteGuard::try_downgrade_map(guard, |p| Some(&p.name)).unwrap();
    assert_eq!(*name, "abc");
    assert!(lock.try_write().is_err());
    drop(name);
    assert_eq!(Arc::strong_count(&lock), 1);
}

#[test]
fn guard_auto_traits() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<OwnedRwLockReadGuard<Vec<u8>, [u8]>>();
    send_sync::<OwnedRwLockMappedWriteGuard<Vec<u8>, [u8]>>();
    send_sync::<OwnedRwLockWriteGuard<String>>();
    send_sync::<RwLockMappedWriteGuard<'static, str>>();
    send_sync::<RwLockReadGuard<'static, str>>();
}

/// Owned mapped guards are `'static`: they move into spawned tasks, and the lock stays consistent.
fn owned_mapped_guards_move_into_tasks<E: Exec>() {
    E::block_on(async {
        let lock = Arc::new(RwLock::new(vec![0u32; 4]));
        let writers: Vec<_> = (0..4)
            .map(|i| {
                let lock = lock.clone();
                E::spawn(async move {
                    let guard = lock.write_owned().await;
                    let mut slot = OwnedRwLockWriteGuard::map(guard, |v| &mut v[i]);
                    let task = async move {
                        *slot += i as u32 + 1;
                    };
                    task.await;
                })
            })
            .collect();
        for writer in writers {
            writer.await;
        }
        let readers: Vec<_> = (0..4)
            .map(|i| {
                let lock = lock.clone();
                E::spawn(async move {
                    let guard = lock.read_owned().await;
                    let slot: OwnedRwLockReadGuard<Vec<u32>, u32> =
                        OwnedRwLockReadGuard::map(guard, |v| &v[i]);
                    *slot
                })
            })
            .collect();
        let mut got = Vec::new();
        for reader in readers {
            got.push(reader.await);
        }
        assert_eq!(got, vec![1, 2, 3, 4]);
        assert_eq!(*lock.write().await, vec![1, 2, 3, 4]);
    });
}

exec_tests!(owned_mapped_guards_move_into_tasks);

/// The facade's `zokio::sync` exposes the same types (it re-exports this crate wholesale).
#[test]
fn facade_reexports_the_new_types() {
    let lock = Arc::new(zokio::sync::RwLock::new(3u8));
    let guard: zokio::sync::OwnedRwLockMappedWriteGuard<u8> =
        zokio::sync::OwnedRwLockWriteGuard::into_mapped(block_on(lock.write_owned()));
    assert_eq!(*guard, 3);
    let (tx, _rx) = zokio::sync::broadcast::channel::<u8>(1);
    let weak: zokio::sync::broadcast::WeakSender<u8> = tx.downgrade();
    assert_eq!(weak.strong_count(), 1);
    let err: zokio::sync::mpsc::error::SendTimeoutError<u8> =
        zokio::sync::mpsc::error::SendTimeoutError::Timeout(1);
    assert_eq!(err.into_inner(), 1);
}

#[test]
#[should_panic(expected = "between 1 and")]
fn const_with_max_readers_rejects_zero_readers() {
    let _ = RwLock::const_with_max_readers((), 0);
}

static SETTINGS: RwLock<u32> = RwLock::const_new(3);

#[test]
fn const_new_builds_a_usable_static_lock_with_the_default_reader_limit() {
    let readers: Vec<_> = (0..64).map(|_| SETTINGS.try_read().unwrap()).collect();
    assert_eq!(*readers[63], 3, "many readers share a static lock");
    assert!(SETTINGS.try_write().is_err(), "a writer waits for them");
    drop(readers);
    assert!(SETTINGS.try_write().is_ok(), "and gets in once they leave");

    // Called at run time it builds the same lock as `new`.
    let local = RwLock::const_new(String::from("x"));
    let readers: Vec<_> = (0..64).map(|_| local.try_read().unwrap()).collect();
    assert!(local.try_write().is_err());
    drop(readers);
    let limited = RwLock::const_with_max_readers(0u8, 2);
    let two = (limited.try_read().unwrap(), limited.try_read().unwrap());
    assert!(
        limited.try_read().is_err(),
        "the third reader is over the limit"
    );
    drop(two);
    assert_eq!(local.into_inner(), "x");
}

#[test]
fn default_from_and_get_mut() {
    let mut lock: RwLock<Vec<u8>> = RwLock::default();
    assert!(lock.try_read().unwrap().is_empty());
    lock.get_mut().push(4);
    assert_eq!(
        *lock.try_read().unwrap(),
        [4],
        "written through `&mut` without locking"
    );
    let lock = RwLock::from(pair());
    assert_eq!(lock.into_inner(), pair());
}

#[test]
fn guards_print_the_value() {
    let lock = RwLock::new(String::from("v"));
    {
        let read = lock.try_read().unwrap();
        assert_eq!(
            (read.to_string(), format!("{read:?}")),
            ("v".into(), r#""v""#.into())
        );
    }
    let write = lock.try_write().unwrap();
    assert_eq!(
        (write.to_string(), format!("{write:?}")),
        ("v".into(), r#""v""#.into())
    );
    let mapped = RwLockWriteGuard::map(write, |s| s.as_mut_str());
    assert_eq!(*mapped, *"v", "read through the mapped write guard");
    assert_eq!(
        (mapped.to_string(), format!("{mapped:?}")),
        ("v".into(), r#""v""#.into())
    );
}

#[test]
fn owned_write_guard_downgrade_keeps_out_writers_but_lets_readers_in() {
    let lock = Arc::new(RwLock::new(pair()));
    let mut write = lock.clone().try_write_owned().unwrap();
    write.num = 2;
    assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&write), &lock));
    let read = write.downgrade();
    assert_eq!(
        read.num, 2,
        "the write is visible through the downgraded guard"
    );
    assert!(lock.try_write().is_err(), "no writer while it is held");
    let other = lock.try_read().expect("other readers share it");
    assert_eq!(other.num, 2);
    drop((read, other));
    assert!(lock.try_write().is_ok(), "every permit came back");
}

#[test]
fn owned_write_guards_try_map_successfully_and_unlock_once() {
    let lock = Arc::new(RwLock::new(pair()));
    let write = lock.clone().try_write_owned().unwrap();
    let mut name = OwnedRwLockWriteGuard::try_map(write, |p| Some(&mut p.name))
        .unwrap_or_else(|_| panic!("the closure accepted"));
    name.push('1');
    let mut first = OwnedRwLockMappedWriteGuard::try_map(name, |s| {
        // SAFETY: only an ASCII byte is written.
        unsafe { s.as_mut_vec() }.first_mut()
    })
    .unwrap_or_else(|_| panic!("the name is not empty"));
    *first = b'z';
    assert!(lock.try_read().is_err(), "still write-locked");
    drop(first);
    assert_eq!(lock.try_read().unwrap().name, "z1");
    assert!(lock.try_write().is_ok());
    assert_eq!(Arc::strong_count(&lock), 1);
}
