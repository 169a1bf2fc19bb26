//! Model checks of the mpsc block list ([`crate::mpsc::list`]) with two-slot blocks, so that a
//! handful of messages crosses block boundaries, releases blocks and frees them.
//!
//! Every block free touches each slot and the block's `start` mutably under loom, so a producer
//! that could still write or walk a freed block makes loom report a causality violation.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p zokio-sync --release --lib loom`.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use crate::loom_tests::model;
use crate::mpsc::list::{BLOCK_CAP, Queue};

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

fn pop<T>(queue: &Queue<T>) -> Option<T> {
    // SAFETY: in every model only the main thread pops.
    unsafe { queue.pop() }
}

/// Pops until `n` values arrived (the producers always finish), yielding to loom while empty.
fn pop_n(queue: &Queue<u32>, n: usize) -> Vec<u32> {
    let mut got = Vec::new();
    while got.len() < n {
        match pop(queue) {
            Some(v) => got.push(v),
            None => thread::yield_now(),
        }
    }
    got
}

#[test]
fn loom_mpsc_list_two_producers_cross_a_block() {
    assert_eq!(BLOCK_CAP, 2);
    model(|| {
        let queue = Arc::new(Queue::new());
        let a = {
            let queue = queue.clone();
            thread::spawn(move || {
                queue.push(10);
                queue.push(11);
            })
        };
        let b = {
            let queue = queue.clone();
            thread::spawn(move || queue.push(20))
        };
        let got = pop_n(&queue, 3);
        let pos = |v| got.iter().position(|&x| x == v).unwrap();
        // Everything arrives once, and each producer's values in its order.
        assert!(pos(10) < pos(11));
        assert!(got.contains(&20));
        assert_eq!(pop(&queue), None);
        a.join().unwrap();
        b.join().unwrap();
        assert_eq!(queue.len(), 0);
    });
}

#[test]
fn loom_mpsc_list_drop_with_unconsumed_values() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let queue = Arc::new(Queue::new());
        let a = {
            let (queue, drops) = (queue.clone(), drops.clone());
            thread::spawn(move || {
                queue.push(Counted(drops.clone()));
                queue.push(Counted(drops));
            })
        };
        let b = {
            let (queue, drops) = (queue.clone(), drops.clone());
            thread::spawn(move || queue.push(Counted(drops)))
        };
        // Take whatever is ready now (maybe nothing), then leave the rest to the drop.
        let taken = usize::from(pop(&queue).is_some());
        assert_eq!(drops.load(Ordering::Relaxed), taken);
        a.join().unwrap();
        b.join().unwrap();
        drop(queue);
        assert_eq!(drops.load(Ordering::Relaxed), 3);
    });
}

#[test]
fn loom_mpsc_list_free_races_a_producer_still_in_the_block() {
    model(|| {
        let queue = Arc::new(Queue::new());
        // Position 0 is written; 1 (the last slot of block 0) and 2, 3 (block 1) race with the
        // consumer, which frees block 0 as soon as it may: one producer may still be writing its
        // last slot, or walking through it towards block 1.
        queue.push(0);
        let a = {
            let queue = queue.clone();
            thread::spawn(move || queue.push(10))
        };
        let b = {
            let queue = queue.clone();
            thread::spawn(move || {
                queue.push(20);
                queue.push(21);
            })
        };
        let got = pop_n(&queue, 4);
        assert_eq!(got[0], 0);
        let pos = |v| got.iter().position(|&x| x == v).unwrap();
        assert!(pos(20) < pos(21));
        assert!(got.contains(&10));
        a.join().unwrap();
        b.join().unwrap();
        assert_eq!(pop(&queue), None);
    });
}
