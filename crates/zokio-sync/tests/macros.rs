//! select!, join!, try_join!, pin! and Timeout.
#![cfg(not(loom))]

mod common;

use std::future::Future;
use std::task::Poll;

use common::Exec;
use zokio_sync::time::{Elapsed, Timeout};
use zokio_sync::{join, mpsc, oneshot, pin, select, try_join};

fn select_is_random_by_default_and_biased_on_request<E: Exec>() {
    E::block_on(async {
        let mut counts = [0; 2];
        for _ in 0..200 {
            let branch = select! {
                _ = std::future::ready(()) => 0,
                _ = std::future::ready(()) => 1,
            };
            counts[branch] += 1;
        }
        assert!(counts[0] > 20 && counts[1] > 20, "random order: {counts:?}");
        for _ in 0..50 {
            let branch = select! {
                biased;
                _ = std::future::ready(()) => 0,
                _ = std::future::ready(()) => 1,
            };
            assert_eq!(branch, 0);
        }
    });
}

fn select_patterns_preconditions_and_else<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = mpsc::channel::<u32>(4);
        drop(tx);
        // `None` does not match `Some(v)`: that branch is disabled, the other one wins.
        let got = select! {
            Some(v) = rx.recv() => v,
            v = async { 5 } => v + 100,
        };
        assert_eq!(got, 105);
        // Every branch disabled (pattern or precondition): `else` runs.
        let got = select! {
            Some(v) = rx.recv() => v,
            v = async { 1 }, if false => v,
            else => 42,
        };
        assert_eq!(got, 42);
    });
}

fn select_in_a_loop_with_break_and_mut_bindings<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = mpsc::channel::<String>(8);
        let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
        for word in ["a", "b", "c"] {
            tx.send(word.to_string()).await.unwrap();
        }
        let mut joined = String::new();
        let mut stop_tx = Some(stop_tx);
        let mut stopped = false;
        let mut rounds = 0;
        while !stopped {
            rounds += 1;
            select! {
                biased;
                _ = &mut stop_rx, if !stopped => {
                    stopped = true;
                    continue;
                }
                Some(mut word) = rx.recv() => {
                    word.push('!');
                    joined.push_str(&word);
                    if joined.len() == 6 {
                        // Only now ask to stop: the loop must then see the stop branch.
                        stop_tx.take().unwrap().send(()).unwrap();
                    }
                }
                else => break,
            }
            // `continue` in the stop handler skips this.
            assert!(!stopped);
        }
        assert_eq!(joined, "a!b!c!");
        assert_eq!(rounds, 4);
        drop(tx);
    });
}

fn select_drops_the_losing_futures<E: Exec>() {
    E::block_on(async {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let result = select! {
            v = rx.recv() => v,
            _ = async {} => None,
        };
        // Whichever won, the channel lost nothing.
        tx.send(1).await.unwrap();
        assert!(result.is_none());
        assert_eq!(rx.recv().await, Some(1));
    });
}

#[test]
#[should_panic(expected = "all branches are disabled")]
fn select_without_else_panics_when_all_disabled() {
    futures_lite::future::block_on(async {
        select! {
            _ = async {}, if false => {}
        }
    });
}

fn join_and_try_join<E: Exec>() {
    E::block_on(async {
        let (tx, rx) = oneshot::channel();
        let (a, b, ()) = join!(async { 1 }, rx, async move { tx.send("x").unwrap() });
        assert_eq!((a, b), (1, Ok("x")));
        let ok: Result<(u8, &str), u8> = try_join!(async { Ok(1) }, async { Ok("y") });
        assert_eq!(ok, Ok((1, "y")));
        // The error wins even though the other future never completes.
        let err: Result<(u8, ()), u8> =
            try_join!(async { Err(9) }, std::future::pending::<Result<(), u8>>());
        assert_eq!(err, Err(9));
    });
}

#[test]
fn pin_shadows_and_declares() {
    let first = async { 1 };
    let second = async { 2 };
    pin!(first, second);
    pin! {
        let third = async { 3 };
    }
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert_eq!(first.as_mut().poll(&mut cx), Poll::Ready(1));
    assert_eq!(second.as_mut().poll(&mut cx), Poll::Ready(2));
    assert_eq!(third.as_mut().poll(&mut cx), Poll::Ready(3));
}

fn timeout_races_a_deadline<E: Exec>() {
    E::block_on(async {
        let (deadline_tx, deadline_rx) = oneshot::channel::<()>();
        let (value_tx, value_rx) = oneshot::channel::<u8>();
        let mut timeout = Box::pin(Timeout::new(value_rx, deadline_rx));
        {
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            assert!(timeout.as_mut().poll(&mut cx).is_pending());
        }
        deadline_tx.send(()).unwrap();
        value_tx.send(1).unwrap();
        // Both are ready: the future wins.
        assert_eq!(timeout.await.unwrap(), Ok(1));
        let expired = Timeout::new(std::future::pending::<()>(), async {}).await;
        assert_eq!(expired, Err(Elapsed::new_for_runtime()));
        assert_eq!(expired.unwrap_err().to_string(), "deadline has elapsed");
        let io: std::io::Error = Elapsed::new_for_runtime().into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
    });
}

exec_tests!(
    select_is_random_by_default_and_biased_on_request,
    select_patterns_preconditions_and_else,
    select_in_a_loop_with_break_and_mut_bindings,
    select_drops_the_losing_futures,
    join_and_try_join,
    timeout_races_a_deadline,
);

/// Polled by hand: `select!` is pending while every branch is, registers the task's waker with
/// each of them, and completes with the branch that became ready.
#[test]
fn select_pends_until_a_branch_is_ready() {
    use common::hooks::counting_waker;

    let (first_tx, mut first) = oneshot::channel::<u8>();
    let (second_tx, mut second) = oneshot::channel::<u8>();
    let (waker, counts) = counting_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    {
        let mut selecting = std::pin::pin!(async {
            select! {
                v = &mut first => (0, v.unwrap()),
                v = &mut second => (1, v.unwrap()),
            }
        });
        assert!(selecting.as_mut().poll(&mut cx).is_pending());
        assert!(
            selecting.as_mut().poll(&mut cx).is_pending(),
            "still nothing"
        );
        second_tx.send(7).unwrap();
        assert_eq!(counts.wakes(), 1, "the second branch woke the task");
        assert_eq!(selecting.as_mut().poll(&mut cx), Poll::Ready((1, 7)));
    } // The select! and its futures are dropped here.
    // The losing branch took nothing.
    first_tx.send(8).unwrap();
    assert_eq!(first.try_recv(), Ok(8));
}
