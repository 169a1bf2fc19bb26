//! Unit tests of the local queue, small enough for miri (`cargo miri test -p zokio-sched --lib
//! queue_tests`).

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use super::queue::{CAPACITY, Overflow, local, local_at};

struct Sink<T>(RefCell<Vec<T>>);

impl<T> Default for Sink<T> {
    fn default() -> Self {
        Sink(RefCell::new(Vec::new()))
    }
}

impl<T> Overflow<T> for Sink<T> {
    fn push_batch(&self, tasks: impl Iterator<Item = T>) {
        self.0.borrow_mut().extend(tasks);
    }
}

/// Small under miri, which is slow.
const ROUNDS: usize = if cfg!(miri) { 3 } else { 200 };

#[test]
fn push_pop_is_fifo() {
    let (mut q, _) = local::<usize>();
    let sink = Sink::default();
    for i in 0..10 {
        assert!(!q.push_back_or_overflow(i, &sink));
    }
    assert_eq!(q.len(), 10);
    let popped: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
    assert_eq!(popped, (0..10).collect::<Vec<_>>());
    assert!(!q.has_tasks());
}

#[test]
fn overflow_sends_the_newer_half_and_keeps_the_older() {
    let (mut q, _) = local::<usize>();
    let sink = Sink::default();
    for i in 0..CAPACITY {
        assert!(!q.push_back_or_overflow(i, &sink));
    }
    assert_eq!(q.remaining_slots(), 0);
    assert!(q.push_back_or_overflow(CAPACITY, &sink));
    let overflowed = sink.0.into_inner();
    assert_eq!(overflowed, (CAPACITY / 2..=CAPACITY).collect::<Vec<_>>());
    let kept: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
    assert_eq!(kept, (0..CAPACITY / 2).collect::<Vec<_>>());
}

#[test]
fn overflow_does_not_bounce_tasks_taken_from_the_global_queue() {
    // A worker takes a batch from the global queue (the front of its queue), then spawns until the
    // queue overflows: the batch must stay local (tokio#8029).
    let (mut q, _) = local::<usize>();
    let sink = Sink::default();
    for task in 1000..1000 + CAPACITY / 2 {
        q.push_back_or_overflow(task, &sink);
    }
    for i in 0..CAPACITY / 2 + 1 {
        q.push_back_or_overflow(i, &sink);
    }
    assert!(
        sink.0.borrow().iter().all(|&t| t < 1000),
        "a global task bounced back"
    );
    let kept: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
    assert_eq!(kept, (1000..1000 + CAPACITY / 2).collect::<Vec<_>>());
}

#[test]
fn steal_takes_the_older_half_rounded_up() {
    let (mut victim, steal) = local::<usize>();
    let (mut thief, _) = local::<usize>();
    let sink = Sink::default();
    for i in 0..5 {
        victim.push_back_or_overflow(i, &sink);
    }
    let (task, stolen) = steal.steal_into(&mut thief).expect("something to steal");
    assert_eq!(stolen, 3);
    assert_eq!(task, 2, "the thief runs the last stolen task");
    assert_eq!(
        std::iter::from_fn(|| thief.pop()).collect::<Vec<_>>(),
        vec![0, 1]
    );
    assert_eq!(
        std::iter::from_fn(|| victim.pop()).collect::<Vec<_>>(),
        vec![3, 4]
    );
    assert!(steal.steal_into(&mut thief).is_none());
}

#[test]
fn thief_more_than_half_full_does_not_steal() {
    let (mut victim, steal) = local::<usize>();
    let (mut thief, _) = local::<usize>();
    let sink = Sink::default();
    victim.push_back_or_overflow(0, &sink);
    for task in 0..CAPACITY / 2 + 1 {
        thief.push_back_or_overflow(task, &sink);
    }
    assert!(steal.steal_into(&mut thief).is_none());
    assert_eq!(victim.len(), 1);
}

#[test]
fn positions_wrap_around_u32() {
    let (mut q, steal) = local_at::<usize>(u32::MAX - 3);
    let (mut thief, _) = local::<usize>();
    let sink = Sink::default();
    let mut next = 0;
    let mut seen = Vec::new();
    for _ in 0..ROUNDS.min(20) {
        for _ in 0..7 {
            q.push_back_or_overflow(next, &sink);
            next += 1;
        }
        if let Some((task, _)) = steal.steal_into(&mut thief) {
            seen.push(task);
        }
        seen.extend(std::iter::from_fn(|| thief.pop()));
        seen.extend(std::iter::from_fn(|| q.pop()));
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..next).collect::<Vec<_>>());
}

#[test]
fn dropping_the_queue_drops_its_tasks() {
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicUsize::new(0));
    let (mut q, steal) = local::<Counted>();
    let sink = Sink::default();
    for _ in 0..10 {
        q.push_back_or_overflow(Counted(dropped.clone()), &sink);
    }
    // The owner's end drops what is left, even while a stealer's end lives on.
    drop(q);
    assert_eq!(dropped.load(Ordering::SeqCst), 10);
    assert!(steal.is_empty());
}

#[test]
fn concurrent_steals_lose_and_duplicate_nothing() {
    let (mut owner, steal) = local::<usize>();
    let total = ROUNDS * 50;
    let barrier = Arc::new(Barrier::new(3));
    let stolen: Vec<_> = (0..2)
        .map(|_| {
            let steal = steal.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let (mut mine, _) = local::<usize>();
                let mut got = Vec::new();
                barrier.wait();
                for _ in 0..total {
                    if let Some((task, _)) = steal.steal_into(&mut mine) {
                        got.push(task);
                        got.extend(std::iter::from_fn(|| mine.pop()));
                    }
                }
                got
            })
        })
        .collect();
    let sink = Sink::default();
    let mut got = Vec::new();
    barrier.wait();
    for i in 0..total {
        owner.push_back_or_overflow(i, &sink);
        if i % 3 == 0 {
            got.extend(owner.pop());
        }
    }
    got.extend(std::iter::from_fn(|| owner.pop()));
    for thread in stolen {
        got.extend(thread.join().unwrap());
    }
    got.extend(sink.0.into_inner());
    got.sort_unstable();
    assert_eq!(got, (0..total).collect::<Vec<_>>());
}
