//! `SetOnce`: a value written at most once, that tasks can wait for.
//!
//! One atomic word says where the slot stands: `EMPTY`, `WRITING` (one `set` won the slot and is
//! moving the value in) or `FULL`. `set` claims the slot with a single compare-and-swap, writes
//! the value with nobody able to read it, publishes it with a release store of `FULL` and then
//! wakes the waiters with [`Notify::notify_waiters`]. Readers only look at the word, so `get` and
//! a completed `wait` are one acquire load; there is no lock at all. A `set` that loses the race
//! against a `WRITING` one waits (spinning, then yielding the thread) until the value is there,
//! so that after any `set` returns, `get` sees a value.
//!
//! `wait` creates its [`Notified`](crate::Notified) before its last look at the word: a
//! `notify_waiters` that follows the `FULL` store it missed then completes it (all operations on
//! the word and the call count are `SeqCst`, so they are totally ordered).
//!
//! # Locks and user code
//!
//! There is no lock of our own here; the value is dropped by `SetOnce`'s own drop, or handed back
//! (`into_inner`, a failed `set`), never under the `Notify`'s waiter lock.

use std::error::Error;
use std::fmt;
use std::mem::MaybeUninit;

use crate::Notify;
use crate::loom::{AtomicUsize, Ordering, UnsafeCell, spin_loop};

const EMPTY: usize = 0;
const WRITING: usize = 1;
const FULL: usize = 2;

/// A value that is set at most once, and that tasks can wait for.
///
/// Unlike [`OnceCell`](crate::OnceCell), nothing here initialises the value on demand: someone
/// calls [`SetOnce::set`], and everyone else reads it with [`SetOnce::get`] or waits for it with
/// [`SetOnce::wait`]. That makes it a one-shot event that carries a value.
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use zokio_sync::SetOnce;
///
/// # futures_lite::future::block_on(async {
/// let shutdown = Arc::new(SetOnce::<String>::new());
/// let reason = {
///     let shutdown = shutdown.clone();
///     std::thread::spawn(move || {
///         futures_lite::future::block_on(async { shutdown.wait().await.clone() })
///     })
/// };
/// shutdown.set(String::from("maintenance")).unwrap();
/// // Only the first `set` wins; the loser gets its value back.
/// let refused = shutdown.set(String::from("again")).unwrap_err();
/// assert_eq!(refused.0, "again");
/// assert_eq!(reason.join().unwrap(), "maintenance");
/// assert_eq!(shutdown.get().map(String::as_str), Some("maintenance"));
/// # });
/// ```
pub struct SetOnce<T> {
    state: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
    notify: Notify,
}

// SAFETY: through a shared `SetOnce` a thread can move a `T` in (`set`, so `T: Send`) and read
// `&T`s that other threads read too (`get`, `wait`, so `T: Sync`). The value is written once,
// before the release store of `FULL`, and only read after an acquire load of `FULL`, so no read
// races the write. (`Send` needs no impl: it follows from `T: Send`.)
unsafe impl<T: Send + Sync> Sync for SetOnce<T> {}

impl<T> SetOnce<T> {
    /// An empty `SetOnce`.
    ///
    /// ```
    /// let once = zokio_sync::SetOnce::<u8>::new();
    /// assert!(!once.initialized());
    /// assert_eq!(once.get(), None);
    /// ```
    pub fn new() -> SetOnce<T> {
        SetOnce::with_state(EMPTY, MaybeUninit::uninit())
    }

    fn with_state(state: usize, value: MaybeUninit<T>) -> SetOnce<T> {
        SetOnce {
            state: AtomicUsize::new(state),
            value: UnsafeCell::new(value),
            notify: Notify::new(),
        }
    }

    /// An empty `SetOnce`, usable in `static`s.
    ///
    /// ```
    /// use zokio_sync::SetOnce;
    ///
    /// static CONFIG: SetOnce<u32> = SetOnce::const_new();
    /// assert_eq!(CONFIG.get(), None);
    /// CONFIG.set(8).unwrap();
    /// assert_eq!(CONFIG.get(), Some(&8));
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> SetOnce<T> {
        SetOnce {
            state: AtomicUsize::new(EMPTY),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            notify: Notify::const_new(),
        }
    }

    /// A `SetOnce` that holds `value` already if it is `Some`, else an empty one.
    ///
    /// ```
    /// use zokio_sync::SetOnce;
    /// let full = SetOnce::new_with(Some("x"));
    /// assert_eq!(full.get(), Some(&"x"));
    /// assert!(full.set("y").is_err());
    /// assert!(!SetOnce::<&str>::new_with(None).initialized());
    /// ```
    pub fn new_with(value: Option<T>) -> SetOnce<T> {
        match value {
            Some(value) => SetOnce::from(value),
            None => SetOnce::new(),
        }
    }

    /// A `SetOnce` that holds `value` already, usable in `static`s.
    ///
    /// ```
    /// use zokio_sync::SetOnce;
    ///
    /// static LIMIT: SetOnce<usize> = SetOnce::const_new_with(64);
    /// # futures_lite::future::block_on(async {
    /// assert_eq!(*LIMIT.wait().await, 64); // already set: no waiting
    /// assert!(LIMIT.set(1).is_err());
    /// # });
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> SetOnce<T> {
        SetOnce {
            state: AtomicUsize::new(FULL),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            notify: Notify::const_new(),
        }
    }

    /// Whether the value has been set.
    ///
    /// ```
    /// let once = zokio_sync::SetOnce::new();
    /// assert!(!once.initialized());
    /// once.set(1).unwrap();
    /// assert!(once.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.state.load(Ordering::Acquire) == FULL
    }

    /// The value, if it has been set.
    ///
    /// ```
    /// let once = zokio_sync::SetOnce::new();
    /// assert_eq!(once.get(), None); // does not wait
    /// once.set('k').unwrap();
    /// assert_eq!(once.get(), Some(&'k'));
    /// ```
    pub fn get(&self) -> Option<&T> {
        if self.initialized() {
            // SAFETY: `FULL`, seen with acquire ordering, means the value was written (before the
            // release store of `FULL`) and will not be written again while `self` is borrowed.
            Some(unsafe { self.value_unchecked() })
        } else {
            None
        }
    }

    /// # Safety
    ///
    /// The caller saw `FULL` with acquire ordering (or owns `self`, with `FULL` in the word).
    unsafe fn value_unchecked(&self) -> &T {
        // SAFETY: the caller's promise: the value is initialised and is not being written.
        self.value.with(|slot| unsafe { (*slot).assume_init_ref() })
    }

    /// Sets the value, and wakes every task waiting in [`SetOnce::wait`].
    ///
    /// # Errors
    ///
    /// If the value was already set (or another `set` is setting it), returns `value` back in
    /// the error. After `set` returns, either way, [`SetOnce::get`] returns the value.
    ///
    /// ```
    /// use zokio_sync::{SetOnce, SetOnceError};
    /// let once = SetOnce::new();
    /// assert_eq!(once.set(1), Ok(()));
    /// assert_eq!(once.set(2), Err(SetOnceError(2))); // refused value handed back
    /// assert_eq!(once.get(), Some(&1));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetOnceError<T>> {
        if let Err(state) =
            self.state
                .compare_exchange(EMPTY, WRITING, Ordering::SeqCst, Ordering::Acquire)
        {
            if state == WRITING {
                self.wait_for_writer();
            }
            return Err(SetOnceError(value));
        }
        // SAFETY: winning the `EMPTY -> WRITING` exchange gives this call sole access to the
        // slot: no other `set` can win it, and readers wait for `FULL`.
        self.value.with_mut(|slot| unsafe { (*slot).write(value) });
        self.state.store(FULL, Ordering::SeqCst);
        self.notify.notify_waiters();
        Ok(())
    }

    /// Waits out a concurrent `set` that is moving its value in (a few instructions, unless its
    /// thread was preempted there).
    #[cold]
    fn wait_for_writer(&self) {
        let mut spins = 0u32;
        while self.state.load(Ordering::Acquire) == WRITING {
            if spins < 64 {
                spins += 1;
                spin_loop();
            } else {
                #[cfg(not(loom))]
                std::thread::yield_now();
                #[cfg(loom)]
                spin_loop();
            }
        }
    }

    /// Waits until the value is set and returns it; returns at once if it already is.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future before it completes changes nothing.
    ///
    /// ```
    /// use zokio_sync::SetOnce;
    ///
    /// # futures_lite::future::block_on(async {
    /// let ready = SetOnce::new();
    /// let (value, ()) = zokio_sync::join!(ready.wait(), async { ready.set(5).unwrap() });
    /// assert_eq!(*value, 5);
    /// # });
    /// ```
    pub async fn wait(&self) -> &T {
        loop {
            if let Some(value) = self.get() {
                return value;
            }
            // Created first: from here on a `notify_waiters` completes it even unpolled.
            let notified = self.notify.notified();
            if self.state.load(Ordering::SeqCst) == FULL {
                // SAFETY: `FULL` seen (with an ordering at least as strong as acquire).
                return unsafe { self.value_unchecked() };
            }
            notified.await;
        }
    }

    /// The value, if it was set, consuming the `SetOnce`.
    ///
    /// ```
    /// use zokio_sync::SetOnce;
    /// let once = SetOnce::new();
    /// once.set(String::from("v")).unwrap();
    /// assert_eq!(once.into_inner().as_deref(), Some("v"));
    /// assert_eq!(SetOnce::<String>::new().into_inner(), None);
    /// ```
    pub fn into_inner(self) -> Option<T> {
        let full = self.state.load(Ordering::Acquire) == FULL;
        if !full {
            return None;
        }
        // Our own drop must not drop the value we move out.
        self.state.store(EMPTY, Ordering::Relaxed);
        // SAFETY: `FULL`: the value is initialised; `self` is owned, so nobody else reads it,
        // and the state is now `EMPTY`, so it is read out exactly once.
        Some(
            self.value
                .with(|slot| unsafe { (*slot).assume_init_read() }),
        )
    }
}

impl<T> Drop for SetOnce<T> {
    fn drop(&mut self) {
        if self.state.load(Ordering::Acquire) == FULL {
            // SAFETY: `FULL`: the value is initialised, and `&mut self` means nobody else uses it;
            // it is dropped exactly once (the slot is never read again).
            self.value
                .with_mut(|slot| unsafe { (*slot).assume_init_drop() });
        }
    }
}

impl<T> Default for SetOnce<T> {
    fn default() -> SetOnce<T> {
        SetOnce::new()
    }
}

impl<T> From<T> for SetOnce<T> {
    /// A `SetOnce` that holds `value` already.
    fn from(value: T) -> SetOnce<T> {
        SetOnce::with_state(FULL, MaybeUninit::new(value))
    }
}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetOnce")
            .field("value", &self.get())
            .finish()
    }
}

impl<T: Clone> Clone for SetOnce<T> {
    /// A `SetOnce` with a clone of the value if it is set, else an empty one.
    fn clone(&self) -> SetOnce<T> {
        SetOnce::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for SetOnce<T> {
    /// Equal when both are empty, or both are set to equal values.
    fn eq(&self, other: &SetOnce<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for SetOnce<T> {}

/// The error of [`SetOnce::set`] when the value was already set; holds the value that was
/// refused.
///
/// ```
/// use zokio_sync::SetOnce;
/// let once = SetOnce::from(1);
/// let err = once.set(2).unwrap_err();
/// assert_eq!(err.0, 2);
/// assert_eq!(err.to_string(), "SetOnceError");
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct SetOnceError<T>(pub T);

impl<T> fmt::Display for SetOnceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetOnceError")
    }
}

impl<T: fmt::Debug> Error for SetOnceError<T> {}
