//! Task-local storage: [`task_local!`](crate::task_local) and [`LocalKey`].
//!
//! # Design
//!
//! Each key is a thread-local slot, `RefCell<Option<T>>`, holding the value of the scope that is
//! running on the thread right now (`None` outside every scope). A scope owns its value while it is
//! not running. Entering it (each poll of a [`TaskLocalFuture`], the call of a
//! [`LocalKey::sync_scope`]) swaps the scope's value into the slot, and leaving it swaps the slot's
//! contents back out, by a guard, so also when the poll panics. Whatever the slot held before (an
//! enclosing scope's value, or `None`) waits in the scope's place meanwhile and is back in the slot
//! when the scope is left: nested scopes of one key shadow each other, scopes of different keys
//! never meet, and a task that moves to another thread between two polls takes its value along
//! (the value lives in the future, not in the thread).

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local keys: statics of type [`LocalKey`](crate::task::LocalKey), whose values are
/// set for the duration of a future with [`LocalKey::scope`](crate::task::LocalKey::scope) (or of a
/// closure with [`LocalKey::sync_scope`](crate::task::LocalKey::sync_scope)).
///
/// Each declaration keeps its attributes and visibility; a trailing `;` is optional after the last.
///
/// ```
/// zokio::task_local! {
///     /// The id of the request being served.
///     pub static REQUEST_ID: u64;
///     static USER: String;
/// }
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// REQUEST_ID
///     .scope(7, async {
///         assert_eq!(REQUEST_ID.get(), 7);
///         zokio::task::yield_now().await; // The value survives the `.await`.
///         assert_eq!(REQUEST_ID.get(), 7);
///     })
///     .await;
/// assert!(REQUEST_ID.try_with(|_| ()).is_err(), "unset outside the scope");
/// # });
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $ty:ty; $($rest:tt)*) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $ty);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $ty:ty) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $ty);
    };
}

/// Declares one key of [`task_local!`]. Not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_key {
    ($(#[$attr:meta])* $vis:vis $name:ident, $ty:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$ty> = {
            ::std::thread_local! {
                static SLOT: ::std::cell::RefCell<::std::option::Option<$ty>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey::__from_slot(SLOT)
        };
    };
}

/// A key of task-local storage, declared with [`task_local!`](crate::task_local).
///
/// A value is set for the duration of a future with [`LocalKey::scope`], or of a closure with
/// [`LocalKey::sync_scope`], and read from inside it with [`LocalKey::with`], [`LocalKey::try_with`]
/// and, for `Clone` values, [`LocalKey::get`]. The value stays set across `.await`s of the scoped
/// future, whichever thread polls it; outside the scope it is not set (`try_with` returns
/// [`AccessError`]). A scope of a key inside another scope of the same key shadows the outer value
/// until it ends.
///
/// ```
/// zokio::task_local! {
///     static DEPTH: u32;
/// }
///
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let task = zokio::spawn(DEPTH.scope(1, async {
///     assert_eq!(DEPTH.get(), 1);
///     DEPTH.scope(2, async { assert_eq!(DEPTH.get(), 2) }).await;
///     DEPTH.get()
/// }));
/// assert_eq!(task.await.unwrap(), 1);
/// assert_eq!(DEPTH.sync_scope(5, || DEPTH.with(|depth| depth * 2)), 10);
/// # });
/// ```
pub struct LocalKey<T: 'static> {
    slot: std::thread::LocalKey<RefCell<Option<T>>>,
}

impl<T: 'static> LocalKey<T> {
    /// Builds a key around its thread-local slot. Used by [`task_local!`](crate::task_local); not
    /// public API.
    #[doc(hidden)]
    pub const fn __from_slot(slot: std::thread::LocalKey<RefCell<Option<T>>>) -> LocalKey<T> {
        LocalKey { slot }
    }

    /// Sets the key to `value` while `future` runs: returns a future that polls `future` with the
    /// value set, and drops it with the value set too.
    ///
    /// # Panics
    ///
    /// Polling the returned future panics while the key is borrowed by a [`LocalKey::with`] on the
    /// same thread, or while the thread is being destroyed.
    ///
    /// ```
    /// zokio::task_local! {
    ///     static NAME: &'static str;
    /// }
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let greeting = NAME.scope("zokio", async { format!("hello {}", NAME.get()) }).await;
    /// assert_eq!(greeting, "hello zokio");
    /// # });
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            value: Some(value),
            future: Some(future),
            _pinned: PhantomPinned,
        }
    }

    /// Sets the key to `value` while `f` runs, and returns what `f` returns.
    ///
    /// # Panics
    ///
    /// Panics while the key is borrowed by a [`LocalKey::with`] on this thread, or while the thread
    /// is being destroyed. A panic of `f` propagates, after the key has been restored.
    ///
    /// ```
    /// zokio::task_local! {
    ///     static LIMIT: usize;
    /// }
    ///
    /// let doubled = LIMIT.sync_scope(21, || LIMIT.get() * 2);
    /// assert_eq!(doubled, 42);
    /// ```
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut value = Some(value);
        match self.enter(&mut value) {
            Ok(_entered) => f(),
            Err(err) => err.panic(),
        }
    }

    /// Swaps `value` into the slot until the returned guard drops, which swaps it back.
    fn enter<'a>(&'static self, value: &'a mut Option<T>) -> Result<Entered<'a, T>, ScopeError> {
        self.slot
            .try_with(|slot| match slot.try_borrow_mut() {
                Ok(mut current) => {
                    std::mem::swap(&mut *current, value);
                    Ok(())
                }
                Err(_) => Err(ScopeError::Borrowed),
            })
            .map_err(|_| ScopeError::Destroyed)??;
        Ok(Entered { key: self, value })
    }

    /// Calls `f` with a reference to the key's value.
    ///
    /// # Panics
    ///
    /// Panics when the key is not set: outside a scope of it, or after the value was taken with
    /// [`TaskLocalFuture::take_value`].
    ///
    /// ```
    /// zokio::task_local! {
    ///     static TAGS: Vec<&'static str>;
    /// }
    ///
    /// TAGS.sync_scope(vec!["a", "b"], || {
    ///     assert_eq!(TAGS.with(|tags| tags.len()), 2);
    /// });
    /// ```
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(output) => output,
            Err(_) => panic!("cannot access a task-local storage value without setting it first"),
        }
    }

    /// Calls `f` with a reference to the key's value, or returns [`AccessError`] when the key is
    /// not set (or the thread is being destroyed).
    ///
    /// ```
    /// zokio::task_local! {
    ///     static ID: u32;
    /// }
    ///
    /// assert!(ID.try_with(|id| *id).is_err());
    /// assert_eq!(ID.sync_scope(3, || ID.try_with(|id| *id)), Ok(3));
    /// ```
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        let found = self.slot.try_with(|slot| slot.borrow().as_ref().map(f));
        match found {
            Ok(Some(output)) => Ok(output),
            Ok(None) | Err(_) => Err(AccessError { _private: () }),
        }
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A clone of the key's value.
    ///
    /// # Panics
    ///
    /// Panics when the key is not set, as [`LocalKey::with`] does.
    ///
    /// ```
    /// zokio::task_local! {
    ///     static COUNT: u8;
    /// }
    ///
    /// assert_eq!(COUNT.sync_scope(9, || COUNT.get()), 9);
    /// ```
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }

    /// A clone of the key's value, or [`AccessError`] when it is not set.
    pub fn try_get(&'static self) -> Result<T, AccessError> {
        self.try_with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalKey { .. }")
    }
}

/// A scope in progress: swaps the scope's value back out of the slot on drop (also on unwind).
struct Entered<'a, T: 'static> {
    key: &'static LocalKey<T>,
    /// The scope's own storage, holding what the slot held before the scope was entered.
    value: &'a mut Option<T>,
}

impl<T: 'static> Drop for Entered<'_, T> {
    fn drop(&mut self) {
        // The slot was reachable when the scope was entered, and no borrow of it outlives a `with`
        // call, which is over by now (on unwind too: the `Ref` inside it is dropped first).
        let _ = self
            .key
            .slot
            .try_with(|slot| std::mem::swap(&mut *slot.borrow_mut(), self.value));
    }
}

/// Why a scope could not be entered.
enum ScopeError {
    /// A `with` of the same key is running on this thread.
    Borrowed,
    /// The thread-local slot has been destroyed (thread exit).
    Destroyed,
}

impl ScopeError {
    #[track_caller]
    fn panic(self) -> ! {
        match self {
            ScopeError::Borrowed => {
                panic!("cannot enter a task-local scope while the task-local storage is borrowed")
            }
            ScopeError::Destroyed => panic!(
                "cannot enter a task-local scope during or after destruction of the underlying \
                 thread-local"
            ),
        }
    }
}

/// The future of a task-local scope, returned by [`LocalKey::scope`]: it polls the inner future
/// with the key set to the scope's value.
///
/// The inner future is also dropped with the value set, so its destructor can read it.
pub struct TaskLocalFuture<T: 'static, F> {
    key: &'static LocalKey<T>,
    /// The scope's value while the scope is not running. Not pinned.
    value: Option<T>,
    /// `None` once it has completed. Structurally pinned.
    future: Option<F>,
    /// Tokio's `TaskLocalFuture` is `!Unpin` whatever `F` is; so is this one, so that code written
    /// for one compiles against the other.
    _pinned: PhantomPinned,
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the scope's value out, leaving the key unset inside the scope from then on (the
    /// inner future then sees no value, even where an outer scope set one). Returns `None` if the
    /// value was taken already.
    ///
    /// ```
    /// zokio::task_local! {
    ///     static KEY: u8;
    /// }
    ///
    /// let mut scope = Box::pin(KEY.scope(1, async {}));
    /// assert_eq!(scope.as_mut().take_value(), Some(1));
    /// assert_eq!(scope.as_mut().take_value(), None);
    /// ```
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        // SAFETY: only `value`, which is not structurally pinned, is touched; nothing is moved
        // out of the pinned `future`.
        let this = unsafe { self.get_unchecked_mut() };
        this.value.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned (it is only reached through `Pin` below, and
        // dropped in place with `Pin::set` or by `Drop`); `key` and `value` are not pinned and may
        // be used through `&mut`. Nothing is moved out of `this`.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above; `this.future` is never moved while the wrapper is pinned.
        let mut future = unsafe { Pin::new_unchecked(&mut this.future) };
        let key = this.key;
        let entered = match key.enter(&mut this.value) {
            Ok(entered) => entered,
            Err(err) => err.panic(),
        };
        let Some(inner) = future.as_mut().as_pin_mut() else {
            drop(entered);
            panic!("`TaskLocalFuture` polled after completion");
        };
        let polled = inner.poll(cx);
        if polled.is_ready() {
            // Dropped inside the scope, like a cancelled one (see `Drop`).
            future.set(None);
        }
        drop(entered);
        polled
    }
}

impl<T: 'static, F> Drop for TaskLocalFuture<T, F> {
    fn drop(&mut self) {
        if self.future.is_none() {
            return;
        }
        // SAFETY: `future` is structurally pinned; `drop` gets the pinned value for the last time,
        // and dropping the field in place (`Pin::set`) is what pinning allows.
        let mut future = unsafe { Pin::new_unchecked(&mut self.future) };
        // Dropped with the value set, so that its destructor can read it. If the scope cannot be
        // entered (thread exit, or inside a `with` of the key), it is dropped without.
        let key = self.key;
        let _entered = key.enter(&mut self.value);
        future.set(None);
    }
}

impl<T: fmt::Debug + 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    /// Shows the scope's value, or `<missing>` once [`TaskLocalFuture::take_value`] took it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Value<'a, T>(&'a Option<T>);
        impl<T: fmt::Debug> fmt::Debug for Value<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.0 {
                    Some(value) => value.fmt(f),
                    None => f.write_str("<missing>"),
                }
            }
        }
        f.debug_struct("TaskLocalFuture")
            .field("value", &Value(&self.value))
            .finish()
    }
}

/// The error of [`LocalKey::try_with`] and [`LocalKey::try_get`]: the key is not set here.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccessError {
    _private: (),
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessError").finish()
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set")
    }
}

impl Error for AccessError {}
