//! `spawn_local`: `!Send` futures bound to the spawning thread.

mod common;

use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::thread;

use common::{Counters, Gate, poll_once, tracked};
use zokio_task::{JoinHandle, Runnable, TaskList};

/// A queue that any thread may schedule into; the test thread runs it.
struct LocalQueue {
    queue: Arc<Mutex<VecDeque<Runnable>>>,
    list: Arc<TaskList>,
}

impl LocalQueue {
    fn new() -> LocalQueue {
        LocalQueue {
            queue: Arc::default(),
            list: Arc::new(TaskList::new(1)),
        }
    }

    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let queue = Arc::clone(&self.queue);
        let (runnable, handle) = zokio_task::spawn_local(
            future,
            move |runnable, _| queue.lock().unwrap().push_back(runnable),
            &self.list,
        );
        runnable.schedule();
        handle
    }

    fn pop(&self) -> Option<Runnable> {
        self.queue.lock().unwrap().pop_front()
    }

    fn run_until_idle(&self) -> usize {
        let mut ran = 0;
        while let Some(runnable) = self.pop() {
            runnable.run();
            ran += 1;
        }
        ran
    }
}

impl Drop for LocalQueue {
    fn drop(&mut self) {
        self.list.close_and_abort_all();
        self.run_until_idle();
    }
}

fn assert_send<T: Send>(_: &T) {}

/// Takes the output of a finished task.
fn output<T>(handle: &mut JoinHandle<T>) -> Result<T, zokio_task::JoinError> {
    match poll_once(handle) {
        Poll::Ready(result) => result,
        Poll::Pending => panic!("the task has not finished"),
    }
}

#[test]
fn runs_a_non_send_future_and_delivers_its_output() {
    let ex = LocalQueue::new();
    let shared = Rc::new(Cell::new(1));
    let in_task = Rc::clone(&shared);
    let mut handle = ex.spawn(async move {
        in_task.set(in_task.get() + 1);
        in_task.get() * 10
    });
    // The output is `Send`, so the handle is, although the future is not.
    assert_send(&handle);
    assert!(poll_once(&mut handle).is_pending());
    assert_eq!(ex.run_until_idle(), 1);
    assert_eq!(output(&mut handle).unwrap(), 20);
    assert_eq!(shared.get(), 2);
    assert_eq!(Rc::strong_count(&shared), 1, "the future was dropped");
}

#[test]
fn a_non_send_output_is_delivered_on_the_spawning_thread() {
    let ex = LocalQueue::new();
    let mut handle = ex.spawn(async { Rc::new(String::from("local")) });
    ex.run_until_idle();
    assert_eq!(*output(&mut handle).unwrap(), "local");
}

#[test]
fn id_and_panics_work_as_for_send_tasks() {
    let ex = LocalQueue::new();
    let mut id_task = ex.spawn(async { zokio_task::id() });
    let mut panicking = ex.spawn(async {
        let not_send = Rc::new(7);
        if *not_send == 7 {
            panic!("local boom");
        }
    });
    let expected = id_task.id();
    ex.run_until_idle();
    assert_eq!(output(&mut id_task).unwrap(), expected);
    let err = output(&mut panicking).unwrap_err();
    assert!(err.is_panic());
    assert_eq!(
        *err.into_panic().downcast::<&'static str>().unwrap(),
        "local boom"
    );
}

/// A wake from another thread reaches the schedule function there; the runnable is then run back
/// on the spawning thread.
#[test]
fn woken_from_another_thread() {
    let ex = LocalQueue::new();
    let gate = Gate::new();
    let wait = gate.wait();
    let marker = Rc::new(());
    let mut handle = ex.spawn(async move {
        wait.await;
        Rc::strong_count(&marker)
    });
    assert_eq!(ex.run_until_idle(), 1);
    assert!(poll_once(&mut handle).is_pending());
    let opener = Arc::clone(&gate);
    thread::spawn(move || opener.open()).join().unwrap();
    assert_eq!(ex.run_until_idle(), 1);
    assert_eq!(output(&mut handle).unwrap(), 1);
}

/// Aborting (here: closing the list) drops the future on the spawning thread when its runnable
/// runs there, and the handle reports the task cancelled.
#[test]
fn close_and_abort_all_cancels_local_tasks() {
    let ex = LocalQueue::new();
    let counters = Counters::new();
    let dropped_on = Rc::new(Cell::new(None));
    struct RecordThread(Rc<Cell<Option<thread::ThreadId>>>);
    impl Drop for RecordThread {
        fn drop(&mut self) {
            self.0.set(Some(thread::current().id()));
        }
    }
    let record = RecordThread(Rc::clone(&dropped_on));
    let mut handle = ex.spawn(tracked(&counters, async move {
        let _record = record;
        std::future::pending::<()>().await;
    }));
    ex.run_until_idle();
    assert_eq!(ex.list.close_and_abort_all(), 1);
    assert_eq!(ex.run_until_idle(), 1);
    assert!(output(&mut handle).unwrap_err().is_cancelled());
    assert_eq!(counters.polls(), 1);
    assert_eq!(counters.drops(), 1);
    assert_eq!(dropped_on.get(), Some(thread::current().id()));
}

/// A runnable run on another thread does not touch the future: the task ends with a panic error and
/// the future is leaked rather than dropped there.
#[test]
#[cfg_attr(miri, ignore = "leaks the future on purpose")]
fn run_on_another_thread_is_refused() {
    let ex = LocalQueue::new();
    let counters = Counters::new();
    let mut handle = ex.spawn(tracked(&counters, async { 5 }));
    let runnable = ex.pop().unwrap();
    thread::spawn(move || {
        runnable.run();
    })
    .join()
    .unwrap();
    assert_eq!(counters.polls(), 0, "never polled on the wrong thread");
    assert_eq!(
        counters.drops(),
        0,
        "leaked, not dropped on the wrong thread"
    );
    let err = output(&mut handle).unwrap_err();
    assert!(err.is_panic());
    assert_eq!(
        *err.into_panic().downcast::<&'static str>().unwrap(),
        "local task polled by a thread that didn't spawn it"
    );
}

/// A runnable dropped on another thread leaks the future instead of dropping it there; the handle
/// reports the task cancelled.
#[test]
#[cfg_attr(miri, ignore = "leaks the future on purpose")]
fn dropped_on_another_thread_leaks_the_future() {
    let ex = LocalQueue::new();
    let counters = Counters::new();
    let mut handle = ex.spawn(tracked(&counters, async { 5 }));
    let runnable = ex.pop().unwrap();
    thread::spawn(move || drop(runnable)).join().unwrap();
    assert_eq!(counters.drops(), 0);
    assert!(output(&mut handle).unwrap_err().is_cancelled());
    assert!(ex.list.is_empty(), "the task left its list");
}

/// Dropped on another thread while that thread unwinds, the runnable still leaks the future, and
/// without a second panic (which would abort the process): the thread's own panic comes out.
#[test]
#[cfg_attr(miri, ignore = "leaks the future on purpose")]
fn dropped_on_another_thread_leaks_the_future_even_while_that_thread_unwinds() {
    let ex = LocalQueue::new();
    let counters = Counters::new();
    let mut handle = ex.spawn(tracked(&counters, async { 5 }));
    let runnable = ex.pop().unwrap();
    let panicked = thread::spawn(move || {
        let _dropped_while_unwinding = runnable;
        std::panic::panic_any("the other thread panics");
    })
    .join()
    .unwrap_err();
    assert_eq!(
        *panicked.downcast::<&'static str>().unwrap(),
        "the other thread panics"
    );
    assert_eq!(counters.polls(), 0);
    assert_eq!(
        counters.drops(),
        0,
        "leaked, not dropped on the wrong thread"
    );
    assert!(output(&mut handle).unwrap_err().is_cancelled());
    assert!(ex.list.is_empty(), "the task left its list");
}
