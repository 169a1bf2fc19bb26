//! A program on zokio built with `default-features = false, features = ["rt", "macros", "sync"]`:
//! the current-thread runtime, tasks, the attributes, `select!`/`join!`/`try_join!` and the sync
//! primitives, with no I/O or time driver compiled in. CI builds and runs it (and its test) on its
//! own, so that no other workspace member's features are unified in.

use std::sync::Arc;

use zokio::sync::{Mutex, mpsc, oneshot};

/// Sends `n` numbers through a channel to a spawned task, which sums them under a lock.
async fn sum_through_tasks(n: u64) -> u64 {
    let total = Arc::new(Mutex::new(0));
    let (tx, mut rx) = mpsc::channel(4);
    let adder = zokio::spawn({
        let total = Arc::clone(&total);
        async move {
            while let Some(i) = rx.recv().await {
                *total.lock().await += i;
            }
        }
    });
    for i in 1..=n {
        tx.send(i).await.expect("the adder is alive");
    }
    drop(tx);
    adder.await.expect("the adder does not panic");
    *total.lock().await
}

/// `select!`, `join!` and `try_join!` on oneshot channels and plain futures.
async fn macros() -> (u32, u32) {
    let (tx, rx) = oneshot::channel();
    let (_never_tx, never) = oneshot::channel::<u32>();
    zokio::spawn(async move { tx.send(7).unwrap() });
    let first = zokio::select! {
        v = rx => v.unwrap(),
        v = never => v.unwrap(),
    };
    let (a, b) = zokio::join!(async { 1 }, async {
        zokio::task::yield_now().await;
        2
    });
    let (c,) = zokio::try_join!(async { Ok::<_, ()>(a + b) }).unwrap();
    (first, c)
}

#[zokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(sum_through_tasks(100).await, 5050);
    assert_eq!(macros().await, (7, 3));
    let blocking = zokio::task::spawn_blocking(|| 6 * 7).await.unwrap();
    assert_eq!(blocking, 42);
    println!("zokio with rt, macros and sync only: ok");
}

#[cfg(test)]
mod tests {
    #[zokio::test]
    async fn runs_on_the_minimal_feature_set() {
        assert_eq!(super::sum_through_tasks(10).await, 55);
        assert_eq!(super::macros().await, (7, 3));
    }
}
