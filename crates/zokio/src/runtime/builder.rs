//! `Builder`: configure and build a [`Runtime`].

use std::fmt;
use std::io;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use zokio_sched::{Driver, Scheduler, ThreadBody, ThreadConfig};

use super::{Handle, Kind, Runtime, UnhandledPanic, driver};

type Callback = Arc<dyn Fn() + Send + Sync>;
type CustomScheduler =
    Arc<dyn Fn(Box<dyn Driver>, ThreadConfig) -> io::Result<Arc<dyn Scheduler>> + Send + Sync>;

/// Builds a [`Runtime`] with custom settings.
///
/// ```
/// use zokio::runtime::Builder;
///
/// let rt = Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("my-worker")
///     .enable_all()
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { zokio::spawn(async { 40 + 2 }).await.unwrap() }), 42);
/// ```
pub struct Builder {
    /// Which scheduler `build` makes (`Custom` once [`Builder::scheduler`] gave one).
    kind: Kind,
    enable_io: bool,
    enable_time: bool,
    start_paused: bool,
    worker_threads: Option<usize>,
    thread_name: Arc<dyn Fn() -> String + Send + Sync>,
    thread_stack_size: Option<usize>,
    on_thread_start: Option<Callback>,
    on_thread_stop: Option<Callback>,
    on_thread_park: Option<Callback>,
    on_thread_unpark: Option<Callback>,
    name: Option<Arc<str>>,
    unhandled_panic: UnhandledPanic,
    max_blocking_threads: usize,
    thread_keep_alive: Duration,
    global_queue_interval: Option<u32>,
    event_interval: u32,
    disable_lifo_slot: bool,
    custom: Option<CustomScheduler>,
}

impl Builder {
    /// A builder for a runtime whose tasks all run on the thread that calls `block_on`.
    pub fn new_current_thread() -> Builder {
        Builder::new(
            Kind::CurrentThread,
            zokio_sched::current_thread::EVENT_INTERVAL,
        )
    }

    cfg_rt_multi_thread! {
        /// A builder for a work-stealing runtime with one worker thread per core by default.
        pub fn new_multi_thread() -> Builder {
            Builder::new(
                Kind::MultiThread,
                zokio_sched::multi_thread::DEFAULT_EVENT_INTERVAL,
            )
        }
    }

    fn new(kind: Kind, event_interval: u32) -> Builder {
        Builder {
            kind,
            enable_io: false,
            enable_time: false,
            start_paused: false,
            worker_threads: None,
            thread_name: Arc::new(|| "zokio-runtime-worker".to_owned()),
            thread_stack_size: None,
            on_thread_start: None,
            on_thread_stop: None,
            on_thread_park: None,
            on_thread_unpark: None,
            name: None,
            unhandled_panic: UnhandledPanic::Ignore,
            max_blocking_threads: 512,
            thread_keep_alive: Duration::from_secs(10),
            global_queue_interval: None,
            event_interval,
            disable_lifo_slot: false,
            custom: None,
        }
    }

    /// Enables both the I/O and the time drivers: those that the crate's features compile in, as
    /// on Tokio (the I/O driver with `net`, `process` or `signal`; the time driver with `time`).
    pub fn enable_all(&mut self) -> &mut Self {
        #[cfg(any(feature = "net", feature = "process", feature = "signal"))]
        self.enable_io();
        #[cfg(feature = "time")]
        self.enable_time();
        self
    }

    cfg_io_driver! {
        /// Enables the I/O driver (sockets, signals, async pipes).
        pub fn enable_io(&mut self) -> &mut Self {
            self.enable_io = true;
            self
        }
    }

    cfg_time! {
        /// Enables the time driver (sleep, interval, timeout).
        pub fn enable_time(&mut self) -> &mut Self {
            self.enable_time = true;
            self
        }
    }

    cfg_test_util! {
        /// Starts the runtime's clock paused (for tests): time only moves through
        /// `zokio::time::advance` or, when every task is idle, jumps straight to the next timer.
        /// Requires the time driver and the built-in current-thread scheduler: with several
        /// threads, one idle thread cannot tell that the others are idle too, and the clock would
        /// jump while tasks still run.
        pub fn start_paused(&mut self, start_paused: bool) -> &mut Self {
            self.start_paused = start_paused;
            self
        }
    }

    /// The number of worker threads of a multi-thread runtime (default: the available parallelism).
    ///
    /// # Panics
    ///
    /// Panics when `n` is 0: a runtime needs at least one worker.
    #[track_caller]
    pub fn worker_threads(&mut self, n: usize) -> &mut Self {
        assert!(n > 0, "worker_threads must be greater than 0");
        self.worker_threads = Some(n);
        self
    }

    /// The name of the runtime's threads (default `zokio-runtime-worker`).
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Self {
        let name = name.into();
        self.thread_name = Arc::new(move || name.clone());
        self
    }

    /// A function that names each new runtime thread.
    pub fn thread_name_fn<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() -> String + Send + Sync + 'static,
    {
        self.thread_name = Arc::new(f);
        self
    }

    /// The stack size of the runtime's threads, in bytes.
    pub fn thread_stack_size(&mut self, size: usize) -> &mut Self {
        self.thread_stack_size = Some(size);
        self
    }

    /// Runs `f` on each runtime thread (workers and blocking threads) when it starts.
    pub fn on_thread_start<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on each runtime thread just before it stops.
    pub fn on_thread_stop<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// Runs `f` on a worker thread each time it runs out of work and is about to sleep (not around
    /// the driver polls of a busy worker). On a current-thread runtime, the thread inside
    /// `block_on`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let parks = Arc::new(AtomicUsize::new(0));
    /// let counter = parks.clone();
    /// let rt = zokio::runtime::Builder::new_current_thread()
    ///     .enable_all()
    ///     .on_thread_park(move || {
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async { zokio::time::sleep(std::time::Duration::from_millis(1)).await });
    /// assert!(parks.load(Ordering::SeqCst) >= 1);
    /// ```
    pub fn on_thread_park<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_park = Some(Arc::new(f));
        self
    }

    /// Runs `f` on a worker thread each time it wakes from the sleep that
    /// [`Builder::on_thread_park`] announced.
    pub fn on_thread_unpark<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_unpark = Some(Arc::new(f));
        self
    }

    /// Names the runtime; [`Handle::name`] returns it.
    ///
    /// # Panics
    ///
    /// Panics when the name is empty or only white space.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().name("ingest").build().unwrap();
    /// assert_eq!(rt.handle().name(), Some("ingest"));
    /// ```
    #[track_caller]
    pub fn name(&mut self, name: impl Into<String>) -> &mut Self {
        let name = name.into();
        assert!(
            !name.trim().is_empty(),
            "a runtime name must not be empty: pass a non-empty name to Builder::name"
        );
        self.name = Some(name.into());
        self
    }

    /// What the runtime does when a task panics (default [`UnhandledPanic::Ignore`]).
    ///
    /// With [`UnhandledPanic::ShutdownRuntime`] the first panicking task shuts the runtime down:
    /// every task is cancelled, and `block_on` panics with a message that says so. Unlike Tokio's
    /// (unstable, current-thread only) setting, this one is stable and works on every flavour.
    /// Panics inside `spawn_blocking` closures do not count: they are always returned through the
    /// closure's `JoinHandle`.
    ///
    /// ```
    /// use zokio::runtime::{Builder, UnhandledPanic};
    ///
    /// let rt = Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
    ///     .build()
    ///     .unwrap();
    /// let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     rt.block_on(async {
    ///         zokio::spawn(async { panic!("boom") });
    ///         std::future::pending::<()>().await
    ///     })
    /// }));
    /// assert!(outcome.is_err());
    /// ```
    pub fn unhandled_panic(&mut self, behavior: UnhandledPanic) -> &mut Self {
        self.unhandled_panic = behavior;
        self
    }

    /// The most threads the blocking pool may run at once (default 512).
    ///
    /// # Panics
    ///
    /// Panics when `n` is 0.
    #[track_caller]
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Self {
        assert!(n > 0, "max_blocking_threads must be greater than 0");
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before it exits (default 10 s).
    pub fn thread_keep_alive(&mut self, duration: Duration) -> &mut Self {
        self.thread_keep_alive = duration;
        self
    }

    /// Ticks between checks of the global queue ahead of a worker's own queue. Unset, the
    /// multi-thread scheduler tunes it from the observed poll times; the current-thread one uses 31.
    ///
    /// # Panics
    ///
    /// Panics when `n` is 0.
    #[track_caller]
    pub fn global_queue_interval(&mut self, n: u32) -> &mut Self {
        assert!(n > 0, "global_queue_interval must be greater than 0");
        self.global_queue_interval = Some(n);
        self
    }

    /// Task polls between non-blocking polls of the I/O and time driver (default 61).
    ///
    /// # Panics
    ///
    /// Panics when `n` is 0.
    #[track_caller]
    pub fn event_interval(&mut self, n: u32) -> &mut Self {
        assert!(n > 0, "event_interval must be greater than 0");
        self.event_interval = n;
        self
    }

    /// Disables the LIFO slot of the multi-thread scheduler: woken tasks always go to the back of the
    /// queue. Costs message-passing latency; helps strict fairness.
    pub fn disable_lifo_slot(&mut self) -> &mut Self {
        self.disable_lifo_slot = true;
        self
    }

    /// Runs the runtime's tasks on a scheduler of your own instead of the built-in one.
    ///
    /// `make` receives the runtime's driver (I/O and timers, or a plain thread parker) to park on, and
    /// the settings for the threads it starts: start them with [`ThreadConfig::spawn`] and they run
    /// inside the runtime's context (so `zokio::spawn`, sockets and timers work in tasks) with the
    /// builder's names and hooks. See `zokio_sched::global_fifo` for a complete minimal scheduler.
    ///
    /// ```
    /// use std::sync::{Arc, Condvar, Mutex, Weak};
    /// use zokio::runtime::Builder;
    /// use zokio::runtime::scheduler::GlobalFifo;
    ///
    /// let rt = Builder::new_multi_thread()
    ///     .scheduler(|driver, threads| {
    ///         let fifo: Arc<dyn zokio::runtime::scheduler::Scheduler> = GlobalFifo::with_threads(2, driver, threads)?;
    ///         Ok(fifo)
    ///     })
    ///     .enable_all()
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { zokio::spawn(async { 5 }).await.unwrap() }), 5);
    /// ```
    pub fn scheduler<F>(&mut self, make: F) -> &mut Self
    where
        F: Fn(Box<dyn Driver>, ThreadConfig) -> io::Result<Arc<dyn Scheduler>>
            + Send
            + Sync
            + 'static,
    {
        self.custom = Some(Arc::new(make));
        self.kind = Kind::Custom;
        self
    }

    /// Creates the runtime.
    ///
    /// # Errors
    ///
    /// Fails when the I/O driver cannot be created (e.g. the process is out of file descriptors), or
    /// when a worker thread cannot be started; also on invalid combinations of settings, such as
    /// `start_paused` without the time driver or on a multi-thread or custom scheduler
    /// (`InvalidInput`).
    pub fn build(&mut self) -> io::Result<Runtime> {
        // Timed waits in zokio-sync (`mpsc::Sender::send_timeout`) then use this runtime's timer.
        #[cfg(feature = "time")]
        zokio_sync::time::set_sleep_hook(sync_sleep_hook);
        if self.start_paused && !self.enable_time {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "start_paused(true) requires the time driver: call enable_time() or enable_all()",
            ));
        }
        if self.start_paused && self.kind != Kind::CurrentThread {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "start_paused(true) requires the built-in current-thread scheduler: use \
                 Builder::new_current_thread()",
            ));
        }
        let (driver, reactor) = self.driver()?;

        let cell = Arc::new(HandleCell::default());
        // The threads see the cell through a weak reference: the cell holds the scheduler handle,
        // which (through the scheduler and the blocking pool) holds this thread configuration, so
        // a strong reference here would be a cycle that keeps every dropped runtime alive. The
        // runtime owns the one strong reference.
        let threads = self.thread_config(reactor.clone(), Arc::downgrade(&cell));
        let mut pool_config = zokio_sched::blocking::Config::default();
        pool_config.max_threads = self.max_blocking_threads;
        pool_config.keep_alive = self.thread_keep_alive;
        pool_config.threads = threads.clone();
        #[cfg(feature = "time")]
        {
            pool_config.observer = self.paused_time_observer(reactor.as_ref());
        }
        let blocking = zokio_sched::blocking::BlockingPool::new(pool_config);
        let blocking_loan = driver::lend_blocking(reactor.as_ref(), blocking.spawner());

        let built: io::Result<(Arc<dyn Scheduler>, Kind)> = match self.kind {
            Kind::Custom => {
                let make = self.custom.as_ref().expect("`scheduler` sets the kind and the maker");
                make(driver, threads).map(|scheduler| (scheduler, Kind::Custom))
            }
            Kind::CurrentThread => {
                let mut config = zokio_sched::current_thread::Config::default();
                config.name = self.name.clone();
                if let Some(interval) = self.global_queue_interval {
                    config.global_queue_interval = interval;
                }
                config.event_interval = self.event_interval;
                config.park_hooks = self.park_hooks();
                let scheduler = zokio_sched::current_thread::CurrentThread::new(driver, config);
                Ok((Arc::new(scheduler), Kind::CurrentThread))
            }
            #[cfg(feature = "rt-multi-thread")]
            Kind::MultiThread => {
                let workers = self
                    .worker_threads
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
                let mut config = zokio_sched::multi_thread::Config::default();
                config.name = self.name.clone();
                config.worker_threads = workers;
                config.threads = threads;
                config.global_queue_interval = self.global_queue_interval;
                config.event_interval = self.event_interval;
                config.disable_lifo_slot = self.disable_lifo_slot;
                zokio_sched::multi_thread::MultiThread::new(
                    config,
                    driver,
                    blocking.spawner().clone(),
                )
                .map(|scheduler| {
                    let scheduler: Arc<dyn Scheduler> = scheduler;
                    (scheduler, Kind::MultiThread)
                })
            }
        };
        let (scheduler, kind) = match built {
            Ok(built) => built,
            Err(err) => {
                // Threads the scheduler started before failing wait on the cell: release them.
                cell.set(None);
                return Err(err);
            }
        };

        if kind != Kind::CurrentThread {
            // Only the current-thread scheduler parks the driver exactly when every task is idle,
            // which paused time's auto-advance relies on.
            if let Some(reactor) = &reactor {
                reactor.forbid_pause();
            }
        }
        let stop = self.install_unhandled_panic(&scheduler);
        let sched = zokio_sched::Handle::with_blocking(scheduler, blocking.spawner().clone())
            .with_name(self.name.clone())
            .with_stop_signal(stop);
        cell.set(Some(sched.clone()));
        Ok(Runtime::from_parts(
            Handle { sched, reactor },
            blocking,
            kind,
            cell,
            blocking_loan,
        ))
    }

    /// The I/O and time driver when either is enabled, else a plain thread parker.
    fn driver(&self) -> io::Result<(Box<dyn Driver>, Option<driver::Handle>)> {
        #[cfg(any(
            feature = "net",
            feature = "time",
            feature = "process",
            feature = "signal"
        ))]
        if self.enable_io || self.enable_time {
            let reactor = zokio_reactor::Reactor::new(zokio_reactor::ReactorConfig {
                enable_io: self.enable_io,
                enable_time: self.enable_time,
                start_paused: self.start_paused,
                ..zokio_reactor::ReactorConfig::default()
            })?;
            let handle = reactor.handle();
            return Ok((Box::new(reactor), Some(handle)));
        }
        Ok((Box::new(zokio_sched::ParkThread::new()), None))
    }

    fn park_hooks(&self) -> zokio_sched::ParkHooks {
        let mut hooks = zokio_sched::ParkHooks::default();
        hooks.before_park = self.on_thread_park.clone();
        hooks.after_unpark = self.on_thread_unpark.clone();
        hooks
    }

    /// With [`UnhandledPanic::ShutdownRuntime`], a hook on the task list that, on the first task
    /// panic, cancels every task, refuses new ones, and triggers the signal that makes `block_on`
    /// panic. The hook holds the list weakly: the list owns the hook.
    fn install_unhandled_panic(
        &self,
        scheduler: &Arc<dyn Scheduler>,
    ) -> Option<Arc<zokio_sched::context::StopSignal>> {
        if self.unhandled_panic != UnhandledPanic::ShutdownRuntime {
            return None;
        }
        let stop = Arc::new(zokio_sched::context::StopSignal::default());
        let list = Arc::downgrade(scheduler.task_list());
        let signal = Arc::clone(&stop);
        let _ = scheduler.task_list().set_panic_hook(move || {
            if signal.is_triggered() {
                return;
            }
            signal.trigger();
            if let Some(list) = list.upgrade() {
                list.close_and_abort_all();
            }
        });
        Some(stop)
    }

    /// On a runtime that can pause time (the built-in current-thread scheduler with the time
    /// driver), each blocking-pool task holds the clock's auto-advance off while it is in flight,
    /// as on Tokio: an idle runtime waiting for a blocking closure must not jump to its next timer.
    #[cfg(feature = "time")]
    fn paused_time_observer(
        &self,
        reactor: Option<&zokio_reactor::Handle>,
    ) -> Option<Arc<dyn zokio_sched::blocking::TaskObserver>> {
        if self.kind != Kind::CurrentThread || !self.enable_time {
            return None;
        }
        let reactor = reactor?.clone();
        Some(Arc::new(InhibitAutoAdvance(reactor)))
    }

    /// Thread settings with a wrapper that runs every runtime thread inside the reactor's context and
    /// the user's start/stop hooks.
    fn thread_config(
        &self,
        reactor: Option<driver::Handle>,
        cell: Weak<HandleCell>,
    ) -> ThreadConfig {
        let start = self.on_thread_start.clone();
        let stop = self.on_thread_stop.clone();
        let mut config = ThreadConfig::default();
        config.name_fn = Arc::clone(&self.thread_name);
        config.stack_size = self.thread_stack_size;
        config.park_hooks = self.park_hooks();
        config.wrap = Arc::new(move |body: ThreadBody| {
            let _reactor = reactor.as_ref().map(|r| r.enter());
            // A thread started after the runtime is gone (none should be) runs outside any
            // scheduler context rather than keeping the runtime alive.
            let sched = cell.upgrade().and_then(|cell| cell.wait());
            let _sched = sched.map(zokio_sched::context::enter);
            if let Some(start) = &start {
                start();
            }
            // Run the stop hook even if the body unwinds.
            struct Stop(Option<Callback>);
            impl Drop for Stop {
                fn drop(&mut self) {
                    if let Some(stop) = &self.0 {
                        stop();
                    }
                }
            }
            let _stop = Stop(stop.clone());
            body();
        });
        config
    }
}

/// The scheduler handle, published once `build` has made it, for threads that the scheduler started
/// while it was still being built. A thread waits for it before running anything, which takes no
/// longer than the rest of `build`.
#[derive(Default)]
pub(crate) struct HandleCell {
    // `None`: not built yet; `Some(None)`: the build failed; `Some(Some(h))`: built.
    state: Mutex<Option<Option<zokio_sched::Handle>>>,
    ready: Condvar,
}

impl HandleCell {
    fn set(&self, handle: Option<zokio_sched::Handle>) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        self.ready.notify_all();
    }

    fn wait(&self) -> Option<zokio_sched::Handle> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(handle) = &*state {
                return handle.clone();
            }
            state = self.ready.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// Holds a paused clock's auto-advance off while a blocking-pool task is in flight.
#[cfg(feature = "time")]
struct InhibitAutoAdvance(zokio_reactor::Handle);

#[cfg(feature = "time")]
impl zokio_sched::blocking::TaskObserver for InhibitAutoAdvance {
    fn spawned(&self) {
        self.0.inhibit_auto_advance();
    }

    fn finished(&self) {
        self.0.allow_auto_advance();
    }
}

/// zokio-sync's timer hook: a `Sleep` on the current runtime's clock (so paused time applies), or
/// `None` outside a runtime with the time driver, where zokio-sync falls back to its own timer.
#[cfg(feature = "time")]
fn sync_sleep_hook(
    duration: Duration,
) -> Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>> {
    zokio_reactor::Handle::try_current()
        .filter(zokio_reactor::Handle::is_time_enabled)
        .map(
            |_| -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
                Box::pin(crate::time::sleep(duration))
            },
        )
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("kind", &self.kind)
            .field("enable_io", &self.enable_io)
            .field("enable_time", &self.enable_time)
            .field("start_paused", &self.start_paused)
            .field("worker_threads", &self.worker_threads)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("thread_keep_alive", &self.thread_keep_alive)
            .field("global_queue_interval", &self.global_queue_interval)
            .field("event_interval", &self.event_interval)
            .field("disable_lifo_slot", &self.disable_lifo_slot)
            .field("name", &self.name)
            .field("unhandled_panic", &self.unhandled_panic)
            .finish_non_exhaustive()
    }
}
