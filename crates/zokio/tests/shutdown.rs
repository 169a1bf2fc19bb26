//! Runtime shutdown: what is freed, what is dropped where, and what still runs.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use support::finishes_within;
use zokio::runtime::{Builder, Runtime};

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn multi_thread(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

/// Two tasks that share one mutex and wake each other from their destructors while holding it.
/// Each stores its waker in its own slot when polled; its destructor takes the mutex and wakes the
/// other task's waker under it. Whichever is dropped first wakes the other: if that wake dropped the
/// other task's future on the spot, its destructor would take the held mutex and the thread would
/// deadlock on itself.
struct CrossWaker {
    shared: Arc<Mutex<[Option<Waker>; 2]>>,
    me: usize,
    stored: zokio::sync::mpsc::UnboundedSender<usize>,
}

impl Future for CrossWaker {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.shared.lock().unwrap()[self.me] = Some(cx.waker().clone());
        let _ = self.stored.send(self.me);
        Poll::Pending
    }
}

impl Drop for CrossWaker {
    fn drop(&mut self) {
        let slots = self.shared.lock().unwrap();
        if let Some(waker) = &slots[1 - self.me] {
            waker.wake_by_ref();
        }
        drop(slots);
    }
}

#[test]
fn a_task_woken_during_shutdown_is_not_dropped_inside_the_wake() {
    for flavour in 0..3 {
        finishes_within(Duration::from_secs(20), "runtime drop", move || {
            let rt = match flavour {
                0 => current_thread(),
                1 => multi_thread(1),
                _ => multi_thread(4),
            };
            let shared = Arc::new(Mutex::new([None, None]));
            let (stored, mut stored_rx) = zokio::sync::mpsc::unbounded_channel();
            for me in 0..2 {
                let (shared, stored) = (Arc::clone(&shared), stored.clone());
                rt.spawn(CrossWaker { shared, me, stored });
            }
            // Let both tasks run once, so that each has stored its waker.
            rt.block_on(async {
                let mut seen = [stored_rx.recv().await, stored_rx.recv().await];
                seen.sort();
                assert_eq!(seen, [Some(0), Some(1)], "flavour {flavour}");
            });
            drop(rt);
        });
    }
}

#[test]
fn spawn_blocking_issued_just_before_shutdown_runs_and_yields_its_value() {
    for flavour in 0..2 {
        for attempt in 0..20 {
            let rt = if flavour == 0 {
                current_thread()
            } else {
                multi_thread(2)
            };
            let handle = rt.spawn_blocking(move || attempt * 2);
            let survivor = rt.handle().clone();
            rt.shutdown_timeout(Duration::from_secs(30));
            let value = survivor.block_on(handle);
            assert_eq!(value.unwrap(), attempt * 2, "flavour {flavour}");
        }
    }
}

#[test]
fn spawn_blocking_after_shutdown_is_cancelled() {
    let rt = multi_thread(1);
    let survivor = rt.handle().clone();
    rt.shutdown_timeout(Duration::from_secs(30));
    let handle = survivor.spawn_blocking(|| 1);
    assert!(survivor.block_on(handle).unwrap_err().is_cancelled());
}

/// I/O on a socket whose runtime is gone fails with an error that `is_rt_shutdown_err` tells apart
/// from other I/O errors.
#[test]
fn io_after_the_runtime_is_gone_fails_with_a_recognisable_error() {
    use zokio::runtime::is_rt_shutdown_err;
    let first = current_thread();
    let listener =
        first.block_on(async { zokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap() });
    drop(first);
    let second = current_thread();
    let (accepted, refused) = second.block_on(async {
        // A socket of the live runtime fails for a reason of its own.
        let refused = zokio::net::TcpStream::connect(addr_without_listener())
            .await
            .unwrap_err();
        (listener.accept().await.unwrap_err(), refused)
    });
    assert!(is_rt_shutdown_err(&accepted), "{accepted}");
    assert!(!is_rt_shutdown_err(&refused), "{refused}");
    assert!(!is_rt_shutdown_err(&std::io::Error::other(
        "something else"
    )));
}

/// A loopback address where nothing listens.
fn addr_without_listener() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}
