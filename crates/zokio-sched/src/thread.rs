//! How a runtime starts its threads (workers and blocking threads).
//!
//! The facade fills a [`ThreadConfig`] from the user's `Builder` settings and wraps each thread's body
//! so that it runs inside the runtime context (the reactor handle, the scheduler handle, the user's
//! `on_thread_start`/`on_thread_stop` hooks). Schedulers only call [`ThreadConfig::spawn`].

use std::fmt;
use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;

/// The body of a runtime thread, handed to [`ThreadConfig::wrap`].
pub type ThreadBody = Box<dyn FnOnce() + Send + 'static>;

/// Names, stack size and context of the threads a scheduler starts.
#[derive(Clone)]
#[non_exhaustive]
pub struct ThreadConfig {
    /// Produces each new thread's name.
    pub name_fn: Arc<dyn Fn() -> String + Send + Sync>,
    /// The stack size of each new thread; the platform default when `None`.
    pub stack_size: Option<usize>,
    /// Runs a thread's body inside the runtime's context: it must call the body exactly once.
    pub wrap: Arc<dyn Fn(ThreadBody) + Send + Sync>,
    /// Called around each idle park of a worker (`Builder::on_thread_park`/`on_thread_unpark`).
    pub park_hooks: ParkHooks,
}

/// A callback run on a runtime thread.
pub type ThreadCallback = Arc<dyn Fn() + Send + Sync>;

/// The user's callbacks around a worker's idle park.
///
/// A scheduler calls [`ParkHooks::before_park`] when a worker runs out of work and is about to
/// sleep, and [`ParkHooks::after_unpark`] when it wakes from that sleep; not around the driver
/// polls that a busy worker makes without sleeping.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct ParkHooks {
    /// Run just before an idle worker parks.
    pub before_park: Option<ThreadCallback>,
    /// Run just after an idle worker wakes.
    pub after_unpark: Option<ThreadCallback>,
}

impl ParkHooks {
    /// Runs the `before_park` callback, if any.
    #[inline]
    pub fn before_park(&self) {
        if let Some(f) = &self.before_park {
            f();
        }
    }

    /// Runs the `after_unpark` callback, if any.
    #[inline]
    pub fn after_unpark(&self) {
        if let Some(f) = &self.after_unpark {
            f();
        }
    }
}

impl fmt::Debug for ParkHooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParkHooks")
            .field("before_park", &self.before_park.is_some())
            .field("after_unpark", &self.after_unpark.is_some())
            .finish()
    }
}

impl ThreadConfig {
    /// Threads named `name`, default stack, no extra context.
    pub fn named(name: &str) -> ThreadConfig {
        let name = name.to_owned();
        ThreadConfig {
            name_fn: Arc::new(move || name.clone()),
            stack_size: None,
            wrap: Arc::new(|body| body()),
            park_hooks: ParkHooks::default(),
        }
    }

    /// Starts a thread that runs `body` inside [`ThreadConfig::wrap`].
    pub fn spawn(&self, body: impl FnOnce() + Send + 'static) -> io::Result<JoinHandle<()>> {
        let mut builder = std::thread::Builder::new().name((self.name_fn)());
        if let Some(size) = self.stack_size {
            builder = builder.stack_size(size);
        }
        let wrap = Arc::clone(&self.wrap);
        builder.spawn(move || wrap(Box::new(body)))
    }

    /// [`ThreadConfig::spawn`] for a scheduler's own worker threads. Under this crate's loom models
    /// it starts a loom thread instead, so that the models run the real scheduler on threads loom
    /// controls (the facade's `JoinHandle` is loom's there, `std`'s otherwise).
    pub(crate) fn spawn_worker(
        &self,
        body: impl FnOnce() + Send + 'static,
    ) -> io::Result<crate::loom::JoinHandle<()>> {
        #[cfg(not(all(test, loom)))]
        return self.spawn(body);
        #[cfg(all(test, loom))]
        {
            let wrap = Arc::clone(&self.wrap);
            loom::thread::Builder::new()
                .name((self.name_fn)())
                .spawn(move || wrap(Box::new(body)))
        }
    }
}

impl Default for ThreadConfig {
    fn default() -> ThreadConfig {
        ThreadConfig::named("zokio-runtime-worker")
    }
}

impl fmt::Debug for ThreadConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadConfig")
            .field("stack_size", &self.stack_size)
            .field("park_hooks", &self.park_hooks)
            .finish_non_exhaustive()
    }
}
