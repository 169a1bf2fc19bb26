//! The forms of `select!`, `join!` and `try_join!` that Tokio accepts, their polling order, their
//! budget checks, and the size of the futures they make (no larger than Tokio's).
#![cfg(not(loom))]
// The expansions must compile in crates that forbid `unsafe`.
#![forbid(unsafe_code)]

mod common;

use std::future::{Future, IntoFuture, Ready, ready};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use common::Exec;
use zokio_coop::{Budget, with_budget};
use zokio_sync::{join, mpsc, oneshot, select, try_join};

fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// Counts its drops.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Not a future, but turns into one.
struct Later(u8);

impl IntoFuture for Later {
    type Output = u8;
    type IntoFuture = Ready<u8>;

    fn into_future(self) -> Ready<u8> {
        ready(self.0)
    }
}

/// Returns `Pending` once (after waking its task), then completes.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

async fn never() -> ! {
    std::future::pending().await
}

async fn bump(value: &mut i32) {
    *value += 1;
}

#[test]
fn select_with_only_an_else_branch_runs_it() {
    futures_lite::future::block_on(async {
        let plain = select! { else => 1 };
        let biased = select! {
            biased;
            else => { 2 },
        };
        assert_eq!((plain, biased), (1, 2));
    });
}

fn select_infers_the_output_of_a_disabled_branch<E: Exec>() {
    E::block_on(async {
        // Nothing names this future's output type: it is never polled, and `select!` must still
        // compile.
        let disabled = std::future::poll_fn(|_| panic!("a disabled branch was polled"));
        let (tx, rx) = oneshot::channel();
        tx.send(5u8).unwrap();
        let got = select! {
            _ = disabled, if false => unreachable!(),
            v = rx => v.unwrap(),
        };
        assert_eq!(got, 5);
    });
}

fn operands_may_be_into_future<E: Exec>() {
    E::block_on(async {
        let got = select! {
            v = Later(3) => v,
        };
        assert_eq!(got, 3);
        assert_eq!(join!(Later(1), async { 2 }), (1, 2));
        assert_eq!(join!(biased; Later(4)), (4,));
        let ok: Result<(u8, u8), ()> = try_join!(async { Ok(5) }, async { Ok(Later(6).await) });
        assert_eq!(ok, Ok((5, 6)));
    });
}

fn handlers_may_use_what_the_branch_futures_borrowed<E: Exec>() {
    E::block_on(async {
        let mut value = 10;
        select! {
            biased;
            () = bump(&mut value) => value += 100,
            () = async {} => value += 1000,
            else => value = 0,
        }
        assert_eq!(value, 111);

        let (tx, mut rx) = mpsc::channel::<u8>(4);
        tx.send(1).await.unwrap();
        tx.send(2).await.unwrap();
        let both = select! {
            // `rx.recv()`'s future holds `rx` borrowed; the handler can receive again.
            Some(first) = rx.recv() => (first, rx.recv().await),
        };
        assert_eq!(both, (1, Some(2)));
    });
}

fn branch_futures_are_dropped_before_the_handler_runs<E: Exec>() {
    E::block_on(async {
        let drops = Arc::new(AtomicUsize::new(0));
        let (winner, loser) = (DropCount(drops.clone()), DropCount(drops.clone()));
        let got = select! {
            biased;
            v = async move {
                let _winner = winner;
                7
            } => {
                // The finished future and the pending one are both gone by now.
                assert_eq!(drops.load(Ordering::SeqCst), 2);
                v
            }
            () = async move {
                let _loser = loser;
                std::future::pending::<()>().await
            } => unreachable!(),
        };
        assert_eq!(got, 7);
    });
}

fn select_patterns_may_bind_by_ref_mut_and_mut<E: Exec>() {
    E::block_on(async {
        let a = select! {
            Some(ref mut text) = async { Some(String::from("a")) } => {
                text.push('!');
                text.clone()
            }
        };
        let b = select! {
            Some(mut text) = async { Some(String::from("b")) } => {
                text.push('?');
                text
            }
        };
        let c = select! {
            (ref left, mut right) = async { (1u8, 2u8) } => {
                right += *left;
                right
            }
        };
        assert_eq!((a.as_str(), b.as_str(), c), ("a!", "b?", 3));
    });
}

fn select_extends_temporaries_and_accepts_never_branches<E: Exec>() {
    E::block_on(async {
        let got = select! {
            v = &mut ready(4u8) => v,
        };
        assert_eq!(got, 4);
        let got = select! {
            _ = never() => 0,
            one = async { 1 } => one,
        };
        assert_eq!(got, 1);
    });
}

exec_tests!(
    select_infers_the_output_of_a_disabled_branch,
    operands_may_be_into_future,
    handlers_may_use_what_the_branch_futures_borrowed,
    branch_futures_are_dropped_before_the_handler_runs,
    select_patterns_may_bind_by_ref_mut_and_mut,
    select_extends_temporaries_and_accepts_never_branches,
);

/// Three branches that each record their number on every poll and yield `rounds` times.
fn recorder(
    order: &Arc<Mutex<Vec<u8>>>,
    branch: u8,
    rounds: usize,
) -> impl Future<Output = Result<u8, u8>> + use<> {
    let order = order.clone();
    async move {
        for _ in 0..rounds {
            order.lock().unwrap().push(branch);
            yield_once().await;
        }
        Ok(branch)
    }
}

#[test]
fn join_starts_with_the_next_branch_on_every_poll() {
    let order = Arc::new(Mutex::new(Vec::new()));
    let out = futures_lite::future::block_on(async {
        join!(
            recorder(&order, 0, 3),
            recorder(&order, 1, 3),
            recorder(&order, 2, 3)
        )
    });
    assert_eq!(out, (Ok(0), Ok(1), Ok(2)));
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 1, 2, 0, 2, 0, 1]);

    order.lock().unwrap().clear();
    let out = futures_lite::future::block_on(async {
        try_join!(
            recorder(&order, 0, 3),
            recorder(&order, 1, 3),
            recorder(&order, 2, 3),
        )
    });
    assert_eq!(out, Ok((0, 1, 2)));
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 1, 2, 0, 2, 0, 1]);
}

#[test]
fn biased_join_polls_top_to_bottom() {
    let order = Arc::new(Mutex::new(Vec::new()));
    let out = futures_lite::future::block_on(async {
        join!(
            biased;
            recorder(&order, 0, 3),
            recorder(&order, 1, 2),
            recorder(&order, 2, 3),
        )
    });
    assert_eq!(out, (Ok(0), Ok(1), Ok(2)));
    // Branch 1 finished after its second yield and is not polled again.
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 0, 1, 2, 0, 2]);

    order.lock().unwrap().clear();
    let out: Result<(u8, u8), u8> = futures_lite::future::block_on(async {
        try_join!(biased; recorder(&order, 0, 2), recorder(&order, 1, 2))
    });
    assert_eq!(out, Ok((0, 1)));
    assert_eq!(*order.lock().unwrap(), [0, 1, 0, 1]);
}

#[test]
fn try_join_returns_the_first_error_and_drops_the_rest() {
    let drops = Arc::new(AtomicUsize::new(0));
    let guard = DropCount(drops.clone());
    let out: Result<((), u8), &str> = futures_lite::future::block_on(async {
        try_join!(
            biased;
            async move {
                let _guard = guard;
                std::future::pending::<Result<(), &str>>().await
            },
            async {
                yield_once().await;
                Err("second failed")
            },
        )
    });
    assert_eq!(out, Err("second failed"));
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "the pending branch was dropped"
    );
    // Two failures ready on the same poll: the first one polled wins.
    let out: Result<(u8, u8), u8> =
        futures_lite::future::block_on(async { try_join!(biased; ready(Err(1)), ready(Err(2))) });
    assert_eq!(out, Err(1));
}

#[test]
#[allow(clippy::unit_cmp)]
fn empty_joins() {
    futures_lite::future::block_on(async {
        assert_eq!(join!(), ());
        assert_eq!(join!(biased;), ());
        assert_eq!(try_join!(), Ok::<(), ()>(()));
        assert_eq!(try_join!(biased;), Ok::<(), ()>(()));
    });
}

macro_rules! select_and_join_all {
    ($($i:literal)*) => {{
        // Only the last branch is enabled.
        let selected = select! { $( v = ready($i), if $i == 63 => v, )* };
        let joined = join!($( ready($i) ),*);
        let tried: Result<_, ()> = try_join!($( ready(Ok($i)) ),*);
        (selected, joined.63, tried.map(|all| all.0 + all.63))
    }};
}

#[test]
fn sixty_four_branches() {
    let out = futures_lite::future::block_on(async {
        select_and_join_all!(
            0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
            32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60
            61 62 63
        )
    });
    assert_eq!(out, (63, 63, Ok(63)));
}

#[test]
fn select_yields_when_the_budget_is_spent_and_join_does_not() {
    let mut select = std::pin::pin!(async {
        select! {
            biased;
            v = ready(1) => v,
            v = ready(2) => v,
        }
    });
    with_budget(Budget::units(0), || {
        assert!(poll_once(select.as_mut()).is_pending(), "no budget: yield");
    });
    with_budget(Budget::units(3), || {
        assert_eq!(poll_once(select.as_mut()), Poll::Ready(1));
        // Checking spends nothing: only the branches themselves do.
        assert_eq!(zokio_coop::current().remaining(), Some(3));
    });
    // Tokio's `join!` does not check the budget; neither does ours.
    let mut joined = std::pin::pin!(async { join!(ready(1), ready(2)) });
    with_budget(Budget::units(0), || {
        assert_eq!(poll_once(joined.as_mut()), Poll::Ready((1, 2)));
    });
}

/// `std::mem::size_of_val` of the same `async` block written with zokio's and with Tokio's macro.
macro_rules! sizes {
    ($($name:literal: $macro:ident!($($body:tt)*);)*) => {
        [$((
            $name,
            std::mem::size_of_val(&async { zokio_sync::$macro!($($body)*) }),
            std::mem::size_of_val(&async { tokio::$macro!($($body)*) }),
        ),)*]
    };
}

#[test]
fn macro_futures_are_no_larger_than_tokios() {
    let shapes = sizes! {
        "select 1": select!(_ = ready(()) => {});
        "select 2": select!(_ = ready(()) => {}, _ = ready(()) => {});
        "select 3": select!(_ = ready(()) => {}, _ = ready(()) => {}, _ = ready(()) => {});
        "select 4": select!(_ = ready(()) => {}, _ = ready(()) => {}, _ = ready(()) => {},
            _ = ready(()) => {});
        "select i32 x3": select!(_ = ready(0i32) => {}, _ = ready(0i32) => {},
            _ = ready(0i32) => {});
        "select biased, if, else": select!(biased; v = ready(1u64) => v,
            v = ready(2u64), if false => v, else => 0);
        "select 9 (u16 mask)": select!(_ = ready(()) => {}, _ = ready(()) => {},
            _ = ready(()) => {}, _ = ready(()) => {}, _ = ready(()) => {}, _ = ready(()) => {},
            _ = ready(()) => {}, _ = ready(()) => {}, _ = ready(()) => {});
        "join 1": join!(ready(()));
        "join 2": join!(ready(()), ready(()));
        "join 3": join!(ready(()), ready(()), ready(()));
        "join 4": join!(ready(()), ready(()), ready(()), ready(()));
        "join i32 x2": join!(ready(0i32), ready(0i32));
        "join biased": join!(biased; ready(0i32), ready(0i32));
        "try_join 2": try_join!(ready(Ok::<u8, u8>(1)), ready(Ok::<u8, u8>(2)));
        "try_join biased 3": try_join!(biased; ready(Ok::<u8, u8>(1)), ready(Ok::<u8, u8>(2)),
            ready(Ok::<u8, u8>(3)));
    };
    for (name, zokio, tokio) in shapes {
        assert!(
            zokio <= tokio,
            "{name}: zokio's future is {zokio} bytes, Tokio's {tokio}"
        );
    }
    // Tokio's own figures for two and three `ready(())` branches, for reference: 24 and 24 bytes
    // of `select!`, 40 and 48 of `join!` on 64-bit targets at the time of writing; ours hold the
    // branch futures and a byte or two of state, and nothing else.
    assert!(
        std::mem::size_of_val(&async { select!(_ = ready(()) => {}, _ = ready(()) => {}) }) <= 8
    );
    assert!(std::mem::size_of_val(&async { join!(ready(()), ready(())) }) <= 8);
}
