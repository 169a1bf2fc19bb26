//! broadcast handles are `Send` and `Sync` for a `Send` value type that is not `Sync`, as Tokio's
//! are: receivers clone a value one at a time, under its slot's lock.
#![cfg(not(loom))]

mod common;

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::Exec;
use zokio_sync::broadcast;

/// `Send`, not `Sync`; its `clone` writes through `&self`, which would race if two threads
/// cloned the same value at once.
struct Tally {
    id: u32,
    clones: Cell<u32>,
    total: Arc<AtomicUsize>,
}

impl Clone for Tally {
    fn clone(&self) -> Tally {
        self.clones.set(self.clones.get() + 1);
        self.total.fetch_add(1, Ordering::Relaxed);
        Tally {
            id: self.id,
            clones: Cell::new(0),
            total: self.total.clone(),
        }
    }
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<broadcast::Receiver<Tally>>();
    send_sync::<broadcast::Sender<Tally>>();
    send_sync::<broadcast::WeakSender<Tally>>();
};

fn assert_send<T: Send>(value: T) -> T {
    value
}

fn receivers_of_a_send_only_type_work_on_other_threads<E: Exec>() {
    E::block_on(async {
        const VALUES: u32 = 200;
        const RECEIVERS: usize = 4;
        let total = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = broadcast::channel::<Tally>(VALUES as usize);
        let receivers: Vec<_> = (0..RECEIVERS)
            .map(|_| {
                let mut rx = tx.subscribe();
                E::spawn(async move {
                    let mut seen = 0;
                    // The receive future itself is `Send` too.
                    while let Ok(tally) = assert_send(rx.recv()).await {
                        assert_eq!(tally.id, seen);
                        assert_eq!(tally.clones.get(), 0);
                        seen += 1;
                    }
                    seen
                })
            })
            .collect();
        drop(rx);
        for id in 0..VALUES {
            let tally = Tally {
                id,
                clones: Cell::new(0),
                total: total.clone(),
            };
            assert_eq!(tx.send(tally).unwrap(), RECEIVERS);
        }
        drop(tx);
        for receiver in receivers {
            assert_eq!(receiver.await, VALUES);
        }
        assert_eq!(total.load(Ordering::Relaxed), VALUES as usize * RECEIVERS);
    });
}

exec_tests!(receivers_of_a_send_only_type_work_on_other_threads);
