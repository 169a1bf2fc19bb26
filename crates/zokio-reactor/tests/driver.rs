//! The driver under the scheduler trait: cross-thread wake-ups, unpark semantics, shutdown.

mod common;

use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use common::{reactor, with_limit};
use zokio_coop::driver::Driver;
use zokio_reactor::net::TcpListener;

/// Every wake from another thread must interrupt the park: a single lost notification would leave
/// the reactor parked without a timeout (caught by the time limit).
#[test]
fn cross_thread_wakes_are_never_lost() {
    const WAKES: usize = 20_000;
    let counter = Arc::new(AtomicUsize::new(0));
    let acked = Arc::new(AtomicUsize::new(0));
    let waker_slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
    let remote = {
        let (counter, acked, waker_slot) = (
            Arc::clone(&counter),
            Arc::clone(&acked),
            Arc::clone(&waker_slot),
        );
        std::thread::spawn(move || {
            for i in 1..=WAKES {
                // Bounded by the main side acknowledging each step (or the test failing).
                while acked.load(Ordering::Acquire) < i - 1 {
                    std::thread::yield_now();
                }
                counter.store(i, Ordering::Release);
                if let Some(waker) = waker_slot.lock().unwrap().take() {
                    waker.wake();
                }
            }
        })
    };
    let mut reactor = reactor();
    reactor.block_on(with_limit(Duration::from_secs(60), async {
        poll_fn(|cx| {
            loop {
                let seen = counter.load(Ordering::Acquire);
                if seen > acked.load(Ordering::Relaxed) {
                    acked.store(seen, Ordering::Release);
                    if seen == WAKES {
                        return Poll::Ready(());
                    }
                    continue;
                }
                *waker_slot.lock().unwrap() = Some(cx.waker().clone());
                // Re-check after publishing the waker: the remote may have stored just before.
                if counter.load(Ordering::Acquire) == seen {
                    return Poll::Pending;
                }
            }
        })
        .await;
    }));
    remote.join().unwrap();
}

#[test]
fn unpark_before_park_makes_the_next_park_return() {
    let mut reactor = reactor();
    let unparker = reactor.unparker();
    unparker.unpark();
    let start = std::time::Instant::now();
    reactor.park(Some(Duration::from_secs(30)));
    assert!(start.elapsed() < Duration::from_secs(10));
    // An unpark from another thread interrupts a park without a timeout.
    let remote = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        unparker.unpark();
    });
    reactor.park(None);
    remote.join().unwrap();
}

#[test]
fn shutdown_fails_pending_io_instead_of_hanging() {
    let mut reactor = reactor();
    let handle = reactor.handle();
    let listener = {
        let _enter = handle.enter();
        reactor.block_on(TcpListener::bind("127.0.0.1:0")).unwrap()
    };
    // An accept waiting on another thread's executor fails once the reactor shuts down.
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let result = futures_lite::future::block_on(async {
            tx.send(()).unwrap();
            listener.accept().await.map(|_| ())
        });
        result.unwrap_err().to_string()
    });
    rx.recv().unwrap();
    reactor.shutdown();
    let error = waiter.join().unwrap();
    assert!(error.contains("shut down"), "{error}");
    // New registrations are refused.
    let _enter = handle.enter();
    let bind = futures_lite::future::block_on(TcpListener::bind("127.0.0.1:0"));
    assert!(bind.is_err());
}

#[test]
fn handles_and_resources_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send::<zokio_reactor::Reactor>();
    send_sync::<zokio_reactor::Handle>();
    send_sync::<zokio_reactor::Async<std::net::TcpStream>>();
    send_sync::<zokio_reactor::net::TcpListener>();
    send_sync::<zokio_reactor::net::TcpStream>();
    send_sync::<zokio_reactor::net::tcp::OwnedReadHalf>();
    send_sync::<zokio_reactor::net::tcp::OwnedWriteHalf>();
    send_sync::<zokio_reactor::net::UdpSocket>();
    send_sync::<zokio_reactor::net::UnixStream>();
    send_sync::<zokio_reactor::net::UnixDatagram>();
    send_sync::<zokio_reactor::net::UnixListener>();
    send_sync::<zokio_reactor::time::Sleep>();
    send_sync::<zokio_reactor::time::Interval>();
    send_sync::<zokio_reactor::signal::unix::Signal>();
}

#[test]
fn events_per_tick_bounds_the_work_of_one_park() {
    use std::io::{Read, Write};
    use std::task::{Context, Wake};
    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let mut reactor = zokio_reactor::Reactor::new(zokio_reactor::ReactorConfig {
        events_per_tick: 1,
        ..Default::default()
    })
    .unwrap();
    let _enter = reactor.handle().enter();
    let woken = Arc::new(Count(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&woken));
    let mut cx = Context::from_waker(&waker);
    let mut pairs = Vec::new();
    for _ in 0..3 {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let a = zokio_reactor::Async::new(a).unwrap();
        // Consume the initial (optimistic) readiness, then wait.
        let mut buf = [0u8; 1];
        let would_block = a.try_read_with(|mut s| s.read(&mut buf)).unwrap_err();
        assert_eq!(would_block.kind(), std::io::ErrorKind::WouldBlock);
        assert!(a.poll_readable(&mut cx).is_pending());
        pairs.push((a, b));
    }
    for (_, b) in &mut pairs {
        b.write_all(b"x").unwrap();
    }
    // One event per park: three parks wake the three readers one by one.
    for expected in 1..=3 {
        reactor.park(Some(Duration::from_secs(5)));
        assert_eq!(woken.0.load(Ordering::SeqCst), expected);
    }
    for (a, _) in &pairs {
        assert!(a.poll_readable(&mut cx).is_ready());
    }
}

/// The reactor thread drives I/O that other threads await with their own executors, as worker
/// threads of a multi-thread runtime do.
#[test]
fn sockets_awaited_on_other_threads_are_driven_by_the_reactor_thread() {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    use zokio_reactor::net::TcpStream;
    const THREADS: usize = 4;
    const ROUNDS: usize = 500;
    let mut reactor = reactor();
    let handle = reactor.handle();
    let listener = {
        let _enter = handle.enter();
        reactor.block_on(TcpListener::bind("127.0.0.1:0")).unwrap()
    };
    let addr = listener.local_addr().unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (handle, done) = (handle.clone(), Arc::clone(&done));
            std::thread::spawn(move || {
                let _enter = handle.enter();
                futures_lite::future::block_on(async {
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    let mut byte = [0u8; 1];
                    for round in 0..ROUNDS {
                        stream.write_all(&[(round + t) as u8]).await.unwrap();
                        stream.read_exact(&mut byte).await.unwrap();
                        assert_eq!(byte[0], (round + t) as u8);
                    }
                });
                done.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    // The reactor thread runs the echo server and parks; every worker wake-up comes from its parks.
    reactor.block_on(with_limit(Duration::from_secs(60), async {
        let mut servers = Vec::new();
        for _ in 0..THREADS {
            let (stream, _) = listener.accept().await.unwrap();
            servers.push(stream);
        }
        let echo = servers.into_iter().map(|mut stream| async move {
            let mut byte = [0u8; 1];
            while stream.read(&mut byte).await.unwrap() == 1 {
                stream.write_all(&byte).await.unwrap();
            }
        });
        let all: Vec<common::BoxFuture<()>> = echo.map(|f| Box::pin(f) as _).collect();
        common::join_all(all).await;
    }));
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(done.load(Ordering::SeqCst), THREADS);
}

#[test]
fn disabled_drivers_fail_clearly() {
    let mut io_only = zokio_reactor::Reactor::new(zokio_reactor::ReactorConfig {
        enable_time: false,
        ..Default::default()
    })
    .unwrap();
    assert!(!io_only.handle().is_time_enabled());
    let sleep = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        io_only.block_on(async { zokio_reactor::time::sleep(Duration::from_millis(1)).await })
    }));
    let payload = sleep.unwrap_err();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap();
    assert!(message.contains("timer driver is disabled"), "{message}");

    let mut time_only = zokio_reactor::Reactor::new(zokio_reactor::ReactorConfig {
        enable_io: false,
        ..Default::default()
    })
    .unwrap();
    assert!(!time_only.handle().is_io_enabled());
    let error = time_only
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .unwrap_err();
    assert!(
        error.to_string().contains("I/O driver is disabled"),
        "{error}"
    );
    // Timers still work there.
    time_only.block_on(async { zokio_reactor::time::sleep(Duration::from_millis(1)).await });
}

/// smol#122: a wake-up notification that is never cleared turns every later park into a busy loop.
/// After a burst of unparks, one park consumes them and the following ones sleep.
#[test]
fn notifications_are_consumed_so_parks_sleep_again() {
    let mut reactor = reactor();
    let unparker = reactor.unparker();
    for _ in 0..100 {
        unparker.unpark();
    }
    reactor.park(None); // returns at once: an unpark is pending
    let start = std::time::Instant::now();
    let mut parks = 0;
    while start.elapsed() < Duration::from_millis(300) {
        reactor.park(Some(Duration::from_millis(100)));
        parks += 1;
        assert!(
            parks < 50,
            "parks return at once: a notification was never cleared"
        );
    }
    assert!(parks <= 4, "{parks} parks in 300 ms");
}

/// Without the timer driver a park waits for I/O alone: a connection, an accept and a read that all
/// need the reactor to wait for events still complete.
#[test]
fn an_io_only_reactor_parks_on_io_alone() {
    use zokio_reactor::net::TcpStream;
    let mut io_only = zokio_reactor::Reactor::new(zokio_reactor::ReactorConfig {
        enable_time: false,
        ..Default::default()
    })
    .unwrap();
    let listener = io_only.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    // The peer writes from another thread once it is accepted, so the read below has to park.
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let peer = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        rx.recv().unwrap();
        std::io::Write::write_all(&mut stream, b"io only").unwrap();
    });
    let got = io_only.block_on(async {
        let (stream, _): (TcpStream, _) = listener.accept().await.unwrap();
        tx.send(()).unwrap();
        let mut buf = [0u8; 7];
        let mut filled = 0;
        while filled < buf.len() {
            stream.readable().await.unwrap();
            match stream.try_read(&mut buf[filled..]) {
                Ok(0) => panic!("early end of file"),
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        buf
    });
    assert_eq!(&got, b"io only");
    peer.join().unwrap();
}

#[test]
fn debug_output_names_the_drivers() {
    let reactor = zokio_reactor::Reactor::new(zokio_reactor::ReactorConfig {
        enable_time: false,
        ..Default::default()
    })
    .unwrap();
    let debug = format!("{reactor:?}");
    for part in [
        "Reactor",
        "io_enabled: true",
        "time_enabled: false",
        "Selector",
    ] {
        assert!(debug.contains(part), "{part} missing in {debug}");
    }
    let handle = reactor.handle();
    assert_eq!(
        format!("{handle:?}"),
        "Handle { io: true, time: false, .. }"
    );
    let guard = handle.enter();
    assert_eq!(format!("{guard:?}"), "EnterGuard { .. }");
}
