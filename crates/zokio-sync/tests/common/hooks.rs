//! Wakers that run code when they are woken or dropped, and a deadline for scenarios that would
//! deadlock if a primitive ran that code under one of its locks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};
use std::time::Duration;

type Hook = Box<dyn FnOnce() + Send>;

struct HookWaker {
    on_wake: Mutex<Option<Hook>>,
    on_drop: Mutex<Option<Hook>>,
}

impl Wake for HookWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Taken first, so the hook runs without this mutex held.
        let hook = self.on_wake.lock().unwrap().take();
        if let Some(hook) = hook {
            hook();
        }
    }
}

impl Drop for HookWaker {
    fn drop(&mut self) {
        if let Some(hook) = self.on_drop.get_mut().unwrap().take() {
            hook();
        }
    }
}

/// A waker whose last clone runs `hook` when it is dropped.
pub fn waker_on_drop(hook: impl FnOnce() + Send + 'static) -> Waker {
    Waker::from(Arc::new(HookWaker {
        on_wake: Mutex::new(None),
        on_drop: Mutex::new(Some(Box::new(hook))),
    }))
}

/// A waker that runs `hook` the first time it is woken.
pub fn waker_on_wake(hook: impl FnOnce() + Send + 'static) -> Waker {
    Waker::from(Arc::new(HookWaker {
        on_wake: Mutex::new(Some(Box::new(hook))),
        on_drop: Mutex::new(None),
    }))
}

/// What a [`counting_waker`] saw.
#[derive(Default)]
pub struct Counts {
    wakes: AtomicUsize,
    dropped: AtomicUsize,
}

impl Counts {
    /// How many times any clone was woken.
    pub fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }

    /// Whether every clone of the waker has been dropped.
    pub fn dropped(&self) -> bool {
        self.dropped.load(Ordering::SeqCst) == 1
    }
}

struct CountingWaker(Arc<Counts>);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for CountingWaker {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// A waker that counts its wake-ups and notes when its last clone is dropped.
pub fn counting_waker() -> (Waker, Arc<Counts>) {
    let counts = Arc::new(Counts::default());
    (Waker::from(Arc::new(CountingWaker(counts.clone()))), counts)
}

/// Polls `future` once with `waker`.
pub fn poll_with<F: std::future::Future + Unpin>(
    future: &mut F,
    waker: &Waker,
) -> std::task::Poll<F::Output> {
    std::pin::Pin::new(future).poll(&mut std::task::Context::from_waker(waker))
}

/// Runs `scenario` on its own thread and fails the test if it has not finished within a generous
/// deadline: a primitive that runs a waker's code under its own lock deadlocks there instead of
/// hanging the test run. A panic in `scenario` fails the test with that panic.
pub fn within_deadline(scenario: impl FnOnce() + Send + 'static) {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        scenario();
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(Duration::from_secs(10)) {
        Ok(()) => thread.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(thread.join().unwrap_err())
        }
        // The stuck thread is left behind; the process ends with the test run.
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("deadlock: the scenario did not finish within 10 s")
        }
    }
}
