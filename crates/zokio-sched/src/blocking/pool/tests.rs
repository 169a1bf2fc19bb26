//! The pool's hand-off between threads, with a stand-in thread that never wakes.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{BlockingPool, Mail, Mailbox};
use crate::blocking::Config;

/// A task mailed to a thread that never wakes up is run by the next pool thread that runs out
/// of work, and the mailbox tells its owner that the task was taken over.
#[test]
fn a_thread_out_of_work_takes_over_mail_its_owner_has_not_taken() {
    let pool = BlockingPool::new(Config::default());
    // An "idle thread" that never looks at its mail: it waits on a channel, not in `park`.
    let (release, wait) = mpsc::channel::<()>();
    let sleeper = std::thread::spawn(move || {
        let _ = wait.recv();
    });
    let mailbox = Arc::new(Mailbox {
        thread: sleeper.thread().clone(),
        mail: Mutex::new(Mail::Empty),
    });
    pool.spawner.inner.lock().idle.push(Arc::clone(&mailbox));

    let (done, finished) = mpsc::channel();
    let first_done = done.clone();
    // Mailed to the sleeper, the only idle thread.
    let first = pool
        .spawner()
        .spawn_blocking(move || first_done.send(1).unwrap());
    assert!(matches!(*mailbox.mail.lock().unwrap(), Mail::Task(_)));
    // No idle thread left: this starts a pool thread, which runs it and then the first.
    let second = pool.spawner().spawn_blocking(move || done.send(2).unwrap());
    let mut ran: Vec<i32> = (0..2)
        .map(|_| {
            finished
                .recv_timeout(Duration::from_secs(10))
                .expect("the task mailed to a thread that never woke was not taken over")
        })
        .collect();
    ran.sort_unstable();
    assert_eq!(ran, [1, 2]);
    assert!(matches!(*mailbox.mail.lock().unwrap(), Mail::TakenOver));
    assert_eq!(pool.spawner().num_threads(), 1);
    drop((first, second));
    release.send(()).unwrap();
    sleeper.join().unwrap();
}
