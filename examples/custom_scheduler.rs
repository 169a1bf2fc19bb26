//! A scheduler of our own, plugged into zokio with `Builder::scheduler`: one worker thread that
//! always runs the most recently scheduled task first (a LIFO stack), parking on zokio's I/O and
//! timer driver when it has nothing to do. Sockets, timers, `spawn_blocking` and `JoinHandle`s
//! all work on it as on the built-in schedulers.
//!
//! LIFO favours the task just woken or spawned (its data is still in cache) at the price of
//! fairness: a task that keeps waking others can starve older ones. The built-in multi-thread
//! scheduler uses a LIFO *slot* of one task for the same reason, next to fair FIFO queues.
//!
//! ```sh
//! cargo run --example custom_scheduler
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use zokio::runtime::Builder;
use zokio::runtime::scheduler::{
    Budget, Driver, Runnable, ScheduleInfo, Scheduler, TaskList, ThreadConfig, Unpark,
    block_on_thread, enter_runtime, with_budget,
};

/// How many tasks the worker runs between two non-blocking looks at the driver, so that I/O and
/// timers make progress while tasks keep it busy.
const EVENT_INTERVAL: u64 = 61;

/// A one-thread LIFO scheduler.
struct Lifo {
    state: Mutex<State>,
    driver: Mutex<Box<dyn Driver>>,
    unpark: Arc<dyn Unpark>,
    tasks: Arc<TaskList>,
    worker: Mutex<Option<JoinHandle<()>>>,
    polls: AtomicU64,
}

struct State {
    stack: Vec<Runnable>,
    closed: bool,
    /// The worker is (about to be) parked on the driver and needs an unpark to see new tasks.
    parked: bool,
}

impl Lifo {
    /// Starts the worker thread with the runtime's thread settings (so it runs inside the
    /// runtime's context: `zokio::spawn`, sockets and timers work in its tasks).
    fn start(driver: Box<dyn Driver>, threads: ThreadConfig) -> io::Result<Arc<Lifo>> {
        let lifo = Arc::new(Lifo {
            state: Mutex::new(State {
                stack: Vec::new(),
                closed: false,
                parked: false,
            }),
            unpark: driver.unparker(),
            driver: Mutex::new(driver),
            tasks: Arc::new(TaskList::new(4)),
            worker: Mutex::new(None),
            polls: AtomicU64::new(0),
        });
        let worker = Arc::clone(&lifo);
        let handle = threads.spawn(move || worker.run())?;
        *lock(&lifo.worker) = Some(handle);
        Ok(lifo)
    }

    fn run(&self) {
        // This thread polls tasks: blocking calls in them must fail loudly, not deadlock it.
        let _runtime = enter_runtime();
        let mut tick = 0u64;
        loop {
            let next = {
                let mut state = lock(&self.state);
                match state.stack.pop() {
                    Some(runnable) => Some(runnable),
                    None if state.closed => return,
                    None => {
                        // Set under the lock: a `schedule` after this point unparks the driver
                        // (and an unpark before `park` makes it return at once).
                        state.parked = true;
                        None
                    }
                }
            };
            match next {
                Some(runnable) => {
                    // Each poll gets a fresh cooperative budget, as on zokio's own schedulers.
                    with_budget(Budget::initial(), || runnable.run());
                    self.polls.fetch_add(1, Ordering::Relaxed);
                    tick += 1;
                    if tick % EVENT_INTERVAL == 0 {
                        lock(&self.driver).park(Some(Duration::ZERO));
                    }
                }
                None => {
                    // Nothing to run: wait for I/O, a timer or a new task.
                    lock(&self.driver).park(None);
                    lock(&self.state).parked = false;
                }
            }
        }
    }
}

impl Scheduler for Lifo {
    fn schedule(&self, runnable: Runnable, _info: ScheduleInfo) {
        let mut state = lock(&self.state);
        if state.closed {
            drop(state);
            // After shutdown the task is dropped, outside the lock.
            drop(runnable);
            return;
        }
        state.stack.push(runnable);
        if state.parked {
            state.parked = false;
            drop(state);
            self.unpark.unpark();
        }
    }

    fn block_on(&self, future: Pin<&mut dyn Future<Output = ()>>) {
        // The calling thread polls `future` itself and sleeps in between; tasks run on the worker.
        block_on_thread(future);
    }

    fn task_list(&self) -> &Arc<TaskList> {
        &self.tasks
    }

    fn shutdown(&self, timeout: Duration) {
        // Abort first, while `schedule` still queues: every task is queued (and then run, which
        // drops its future, or dropped) before any future is dropped under a lock.
        self.tasks.close_and_abort_all();
        let queued = {
            let mut state = lock(&self.state);
            state.closed = true;
            std::mem::take(&mut state.stack)
        };
        self.unpark.unpark();
        drop(queued);
        if let Some(worker) = lock(&self.worker).take() {
            if worker.thread().id() != std::thread::current().id() {
                // `timeout` may be `Duration::MAX`: no deadline then.
                let deadline = std::time::Instant::now().checked_add(timeout);
                while !worker.is_finished()
                    && deadline.is_none_or(|d| std::time::Instant::now() < d)
                {
                    std::thread::sleep(Duration::from_millis(1));
                }
                if worker.is_finished() {
                    let _ = worker.join();
                }
            }
        }
        lock(&self.driver).shutdown();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn main() -> io::Result<()> {
    let lifo = Arc::new(Mutex::new(None::<Arc<Lifo>>));
    let made = Arc::clone(&lifo);
    let rt = Builder::new_multi_thread()
        .scheduler(move |driver, threads| {
            let scheduler = Lifo::start(driver, threads)?;
            *lock(&made) = Some(Arc::clone(&scheduler));
            Ok(scheduler)
        })
        .enable_all()
        .build()?;

    let order = rt.block_on(async {
        // A task spawns five children while it runs, so all five are queued before any runs:
        // the last one pushed runs first.
        let order = zokio::spawn(async {
            let ran = Arc::new(Mutex::new(Vec::new()));
            let children: Vec<_> = (0..5)
                .map(|i| {
                    let ran = Arc::clone(&ran);
                    zokio::spawn(async move { lock(&ran).push(i) })
                })
                .collect();
            for child in children {
                child.await.unwrap();
            }
            lock(&ran).clone()
        })
        .await
        .unwrap();

        // Timers, the blocking pool and sockets work as usual.
        zokio::time::sleep(Duration::from_millis(10)).await;
        let answer = zokio::task::spawn_blocking(|| 6 * 7).await.unwrap();
        assert_eq!(answer, 42);
        let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accept = zokio::spawn(async move { listener.accept().await.map(|_| ()) });
        zokio::net::TcpStream::connect(addr).await.unwrap();
        accept.await.unwrap().unwrap();
        order
    });
    println!("children ran in the order {order:?} (spawned 0 to 4)");
    assert_eq!(order, [4, 3, 2, 1, 0], "last in, first out");
    let polls = lock(&lifo)
        .as_ref()
        .map_or(0, |s| s.polls.load(Ordering::Relaxed));
    println!("the LIFO worker polled {polls} tasks");
    Ok(())
}
