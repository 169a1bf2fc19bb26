//! The process-wide signal state: one handler per signal, a self-pipe, and per-signal versions.
//!
//! The handler (installed through `signal-hook-registry`, so it chains with other libraries'
//! handlers) does only async-signal-safe work: it sets the signal's `pending` flag and writes one byte
//! to a non-blocking socket pair. Each listener registers its own duplicate of the receiving end with
//! its reactor; whichever listener is woken first drains the socket and *broadcasts*: every pending
//! signal's version is bumped and all of its listeners are woken. A listener completes when the
//! version differs from the one it last saw.
//!
//! No waker is woken or dropped under a slot's lock: [`Globals::broadcast`] takes the wakers out and
//! wakes them after the unlock, and storing or removing a listener's waker drops the one it
//! displaces after the unlock, so a waker that listens for the same signal cannot deadlock.

use std::io::{self, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::task::Waker;

use slab::Slab;

/// Signal numbers below this can be listened to (covers the real-time signals on Linux).
pub(crate) const MAX_SIGNAL: usize = 128;

pub(crate) struct Slot {
    pending: AtomicBool,
    /// Whether our handler is installed (set once, under `install`).
    installed: Mutex<bool>,
    version: AtomicU64,
    waiters: Mutex<Slab<Option<Waker>>>,
}

pub(crate) struct Globals {
    sender: UnixStream,
    receiver: UnixStream,
    slots: Box<[Slot]>,
}

static GLOBALS: OnceLock<Globals> = OnceLock::new();

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Plain data updated without calling user code: a poisoned lock leaves it consistent.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn globals() -> io::Result<&'static Globals> {
    if let Some(globals) = GLOBALS.get() {
        return Ok(globals);
    }
    let (sender, receiver) = UnixStream::pair()?;
    sender.set_nonblocking(true)?;
    receiver.set_nonblocking(true)?;
    let slots = (0..MAX_SIGNAL)
        .map(|_| Slot {
            pending: AtomicBool::new(false),
            installed: Mutex::new(false),
            version: AtomicU64::new(0),
            waiters: Mutex::new(Slab::new()),
        })
        .collect();
    // A racing thread may have initialised it first; its pair is then the one in use.
    Ok(GLOBALS.get_or_init(|| Globals {
        sender,
        receiver,
        slots,
    }))
}

impl Globals {
    pub(crate) fn slot(&self, signal: i32) -> &Slot {
        &self.slots[signal as usize]
    }

    /// A duplicate of the receiving end, for one listener to register with its reactor.
    pub(crate) fn receiver(&self) -> io::Result<UnixStream> {
        self.receiver.try_clone()
    }

    /// Installs the handler for `signal` once per process.
    pub(crate) fn install(&'static self, signal: i32) -> io::Result<()> {
        let slot = self.slot(signal);
        let mut installed = lock(&slot.installed);
        if *installed {
            return Ok(());
        }
        let action = move || {
            self.slot(signal).pending.store(true, Ordering::SeqCst);
            // A full socket already holds a wake-up byte; nothing else can fail usefully here.
            let _ = (&self.sender).write(&[1]);
        };
        // SAFETY: `register` requires the action to be async-signal-safe. It performs an atomic store
        // and a non-blocking `write` on a socket that lives in a `static` for the rest of the process:
        // no allocation, no lock, no panic path (the result is ignored), and `self.slot` is an index
        // into a boxed slice that is never mutated after creation (`signal` was bounds-checked by the
        // caller).
        unsafe { signal_hook_registry::register(signal, action) }?;
        *installed = true;
        Ok(())
    }

    /// Publishes every pending signal: bumps its version and wakes its listeners.
    pub(crate) fn broadcast(&self) {
        let mut wakers = Vec::new();
        for slot in self.slots.iter() {
            if slot.pending.load(Ordering::SeqCst) && slot.pending.swap(false, Ordering::SeqCst) {
                slot.version.fetch_add(1, Ordering::SeqCst);
                for (_, waker) in lock(&slot.waiters).iter_mut() {
                    wakers.extend(waker.take());
                }
            }
        }
        wakers.into_iter().for_each(Waker::wake);
    }
}

impl Slot {
    pub(crate) fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }

    /// Stores a listener's waker; `key` is created on first use.
    pub(crate) fn register_waker(&self, key: &mut Option<usize>, waker: &Waker) {
        let mut waiters = lock(&self.waiters);
        let replaced = match *key {
            None => {
                *key = Some(waiters.insert(Some(waker.clone())));
                None
            }
            Some(key) => match &mut waiters[key] {
                Some(current) if current.will_wake(waker) => None,
                slot => slot.replace(waker.clone()),
            },
        };
        drop(waiters);
        // Outside the lock: a waker's `Drop` may itself listen for this signal.
        drop(replaced);
    }

    pub(crate) fn remove_waker(&self, key: usize) {
        let removed = lock(&self.waiters).remove(key);
        drop(removed);
    }
}
