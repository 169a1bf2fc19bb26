//! `select!`, `join!`, `try_join!` and `pin!`, written with `$crate::` paths so that they work
//! unchanged when re-exported (as `zokio::select!` and so on).
//!
//! The macros are plain `macro_rules!` that recurse once per branch. Each `select!` branch gets an
//! index from a fixed list (64 at most, as in Tokio) that names its disable bit and its output
//! variant. The branch futures go into one tuple inside a [`Multi`](crate::__private::Multi),
//! whose poll closure captures nothing: the awaited future is the futures plus a mask (or, for
//! `join!`, a one-byte rotation), with no pointers to them. Fields are reached pinned through
//! [`PinTuple`](crate::__private::PinTuple), so the expansion contains no `unsafe` and also
//! compiles in crates that forbid it.

/// Waits on several futures at once and runs the handler of the first that completes with a value
/// matching its pattern; the other futures are dropped.
///
/// ```text
/// select! {
///     [biased;]
///     <pattern> = <async expression> [, if <precondition>] => <handler>,
///     ...
///     [else => <handler>]
/// }
/// ```
///
/// * Preconditions are evaluated first; a branch whose precondition is `false` is disabled (its
///   future is still created, never polled).
/// * The async expressions may be anything that implements [`IntoFuture`](std::future::IntoFuture).
/// * Branches are polled in a random order each time, so no branch starves; `biased;` polls them
///   top to bottom instead.
/// * If a future completes with a value that does not match its pattern (e.g. `None` for
///   `Some(v) = rx.recv()`), its branch is disabled and the others keep going.
/// * When every branch is disabled, the `else` handler runs; without `else` that panics. A
///   `select!` with only an `else` branch just runs it.
/// * Every branch future is dropped before the handler runs, so a handler may use what the
///   futures borrowed.
/// * Like Tokio's, it returns `Pending` without polling anything once the task's cooperative
///   budget is spent (zokio's, and Tokio's too with the `tokio-coop` feature), so a loop around
///   a `select!` of always-ready futures still yields.
///
/// # Example
///
/// ```
/// use zokio_sync::{mpsc, select};
///
/// # futures_lite::future::block_on(async {
/// let (tx, mut rx) = mpsc::channel::<u32>(1);
/// let (_tx2, mut rx2) = mpsc::channel::<u32>(1);
/// tx.send(7).await.unwrap();
/// let got = select! {
///     Some(v) = rx.recv() => v,
///     Some(v) = rx2.recv(), if false => v + 100,
///     else => 0,
/// };
/// assert_eq!(got, 7);
/// // The `rx.recv()` future is gone when the handler runs: the handler may use `rx` again.
/// tx.send(8).await.unwrap();
/// drop(tx);
/// let both = select! {
///     v = rx.recv() => (v, rx.recv().await),
/// };
/// assert_eq!(both, (Some(8), None));
/// # });
/// ```
///
/// A loop that serves two channels until both are closed, the usual shape of an actor:
///
/// ```
/// use zokio_sync::{mpsc, select};
///
/// # futures_lite::future::block_on(async {
/// let (jobs_tx, mut jobs) = mpsc::unbounded_channel();
/// let (ctl_tx, mut ctl) = mpsc::unbounded_channel();
/// jobs_tx.send(2).unwrap();
/// jobs_tx.send(3).unwrap();
/// ctl_tx.send("reset").unwrap();
/// drop((jobs_tx, ctl_tx));
/// let (mut total, mut resets) = (0, 0);
/// loop {
///     select! {
///         biased; // control messages first
///         Some(_) = ctl.recv() => resets += 1,
///         Some(n) = jobs.recv() => total += n,
///         else => break, // both returned `None`: their branches are disabled
///     }
/// }
/// assert_eq!((total, resets), (5, 1));
/// # });
/// ```
#[macro_export]
macro_rules! select {
    (biased; else => $else:expr $(,)?) => {
        $else
    };
    (else => $else:expr $(,)?) => {
        $else
    };
    (biased;) => {
        ::core::compile_error!("select! requires at least one branch")
    };
    () => {
        ::core::compile_error!("select! requires at least one branch")
    };
    (biased; $($tokens:tt)+) => {
        $crate::__select_parse!(@start true; $($tokens)+)
    };
    ($($tokens:tt)+) => {
        $crate::__select_parse!(@start false; $($tokens)+)
    };
}

/// Reads `select!`'s branches one by one. The state: whether it is biased, the `else` handler,
/// the indices left (index, output variant, type of the mask that covers it), the mask type so
/// far, one `_` per branch read (to pick a branch's future out of the tuple), and the branches.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_parse {
    (@start $biased:tt; $($tokens:tt)+) => {
        $crate::__select_parse!(@{ $biased; []; [
            (0 _0 u8) (1 _1 u8) (2 _2 u8) (3 _3 u8) (4 _4 u8) (5 _5 u8) (6 _6 u8) (7 _7 u8)
            (8 _8 u16) (9 _9 u16) (10 _10 u16) (11 _11 u16) (12 _12 u16) (13 _13 u16) (14 _14 u16)
            (15 _15 u16) (16 _16 u32) (17 _17 u32) (18 _18 u32) (19 _19 u32) (20 _20 u32)
            (21 _21 u32) (22 _22 u32) (23 _23 u32) (24 _24 u32) (25 _25 u32) (26 _26 u32)
            (27 _27 u32) (28 _28 u32) (29 _29 u32) (30 _30 u32) (31 _31 u32) (32 _32 u64)
            (33 _33 u64) (34 _34 u64) (35 _35 u64) (36 _36 u64) (37 _37 u64) (38 _38 u64)
            (39 _39 u64) (40 _40 u64) (41 _41 u64) (42 _42 u64) (43 _43 u64) (44 _44 u64)
            (45 _45 u64) (46 _46 u64) (47 _47 u64) (48 _48 u64) (49 _49 u64) (50 _50 u64)
            (51 _51 u64) (52 _52 u64) (53 _53 u64) (54 _54 u64) (55 _55 u64) (56 _56 u64)
            (57 _57 u64) (58 _58 u64) (59 _59 u64) (60 _60 u64) (61 _61 u64) (62 _62 u64)
            (63 _63 u64)
        ]; u8; []; [] } $($tokens)+)
    };
    // All branches read.
    (@{ $biased:tt; $else:tt; $idx:tt; $mask:tt; $skip:tt; $branches:tt }) => {
        $crate::__select_impl!($biased; $else; $mask; $branches)
    };
    // Separator left over after a block handler.
    (@{ $biased:tt; $else:tt; $idx:tt; $mask:tt; $skip:tt; $branches:tt } , $($rest:tt)*) => {
        $crate::__select_parse!(@{ $biased; $else; $idx; $mask; $skip; $branches } $($rest)*)
    };
    (@{ $biased:tt; []; $idx:tt; $mask:tt; $skip:tt; $branches:tt }
        else => $handler:block $($rest:tt)*) => {
        $crate::__select_parse!(@{ $biased; [$handler]; $idx; $mask; $skip; $branches } $($rest)*)
    };
    (@{ $biased:tt; []; $idx:tt; $mask:tt; $skip:tt; $branches:tt }
        else => $handler:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@{ $biased; [$handler]; $idx; $mask; $skip; $branches }
            $($($rest)*)?)
    };
    (@{ $biased:tt; $else:tt; [($i:tt $v:ident $m:tt) $($idx:tt)*]; $mask:tt; [$($s:tt)*];
        [$($branches:tt)*] } $p:pat = $f:expr, if $c:expr => $handler:block $($rest:tt)*) => {
        $crate::__select_parse!(@{ $biased; $else; [$($idx)*]; $m; [$($s)* _];
            [$($branches)* ($i $v [$($s)*] [$p] [$f] [$c] [$handler])] } $($rest)*)
    };
    (@{ $biased:tt; $else:tt; [($i:tt $v:ident $m:tt) $($idx:tt)*]; $mask:tt; [$($s:tt)*];
        [$($branches:tt)*] } $p:pat = $f:expr, if $c:expr => $handler:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@{ $biased; $else; [$($idx)*]; $m; [$($s)* _];
            [$($branches)* ($i $v [$($s)*] [$p] [$f] [$c] [$handler])] } $($($rest)*)?)
    };
    (@{ $biased:tt; $else:tt; [($i:tt $v:ident $m:tt) $($idx:tt)*]; $mask:tt; [$($s:tt)*];
        [$($branches:tt)*] } $p:pat = $f:expr => $handler:block $($rest:tt)*) => {
        $crate::__select_parse!(@{ $biased; $else; [$($idx)*]; $m; [$($s)* _];
            [$($branches)* ($i $v [$($s)*] [$p] [$f] [true] [$handler])] } $($rest)*)
    };
    (@{ $biased:tt; $else:tt; [($i:tt $v:ident $m:tt) $($idx:tt)*]; $mask:tt; [$($s:tt)*];
        [$($branches:tt)*] } $p:pat = $f:expr => $handler:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@{ $biased; $else; [$($idx)*]; $m; [$($s)* _];
            [$($branches)* ($i $v [$($s)*] [$p] [$f] [true] [$handler])] } $($($rest)*)?)
    };
    (@{ $biased:tt; $else:tt; []; $mask:tt; $skip:tt; $branches:tt } $($rest:tt)+) => {
        ::core::compile_error!("select! supports at most 64 branches")
    };
}

/// The expansion of `select!`: one [`Multi`](crate::__private::Multi) holding the futures and the
/// mask of disabled branches, awaited in a statement of its own so that the futures (and the
/// temporaries their expressions created) are dropped before the handler runs.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_impl {
    ($biased:tt; [$($else:tt)*]; $mask:tt; []) => {
        ::core::compile_error!("select! requires at least one branch")
    };
    ($biased:tt; [$($else:tt)*]; $mask:tt;
        [$( ($i:tt $v:ident [$($s:tt)*] [$($p:tt)*] [$($f:tt)*] [$($c:tt)*] [$($h:tt)*]) )*]) => {{
        #[allow(non_camel_case_types, dead_code)]
        enum __SelectOut<$($v,)*> {
            $($v($v),)*
            Disabled,
        }
        // Preconditions first, as documented; a disabled future is still created but never polled.
        #[allow(unused_mut)]
        let mut __disabled: $mask = 0;
        $(
            if !($($c)*) {
                __disabled |= 1 << $i;
            }
        )*
        #[allow(unused_mut)]
        let mut __output = $crate::__private::Multi::new(
            ( $( $crate::__private::IntoFuture::into_future($($f)*), )* ),
            __disabled,
            |mut __futures, __disabled, __cx| {
                // An expression, not a `const` item: items are not hygienic, and a `const` here
                // would shadow one of the caller's with the same name in its expressions.
                let __branches: u32 = [$($i),*].len() as u32;
                ::core::task::ready!($crate::__private::poll_budget_available(__cx));
                let __start: u32 = if $biased {
                    0
                } else {
                    $crate::__private::random_start(__branches)
                };
                let mut __any_pending = false;
                for __n in 0..__branches {
                    #[allow(clippy::modulo_one)]
                    let __branch = (__start + __n) % __branches;
                    match __branch {
                        $(
                            // A branch whose output type is `!` makes the rest unreachable.
                            #[allow(unreachable_code)]
                            $i => {
                                let __bit: $mask = 1 << $i;
                                if *__disabled & __bit != 0 {
                                    continue;
                                }
                                let ( $($s,)* __future, .. ) =
                                    $crate::__private::PinTuple::project(__futures.as_mut());
                                // Bound through a `match` whose other arm diverges, as in
                                // Tokio: an output type nothing else constrains (a disabled
                                // branch's) then falls back like a never-returning one.
                                #[allow(unused_mut)]
                                let mut __value = match $crate::__private::Future::poll(
                                    __future, __cx,
                                ) {
                                    $crate::__private::Poll::Ready(__value) => __value,
                                    $crate::__private::Poll::Pending => {
                                        __any_pending = true;
                                        continue;
                                    }
                                };
                                // A completed future must not be polled again.
                                *__disabled |= __bit;
                                let mut __matched = false;
                                // Test the pattern without moving the value: the guard only runs
                                // on a match, records it and declines the arm.
                                #[allow(unused_variables, unused_mut, unreachable_patterns)]
                                match __value {
                                    $($p)* if { __matched = true; false } => ::core::unreachable!(),
                                    _ => {}
                                }
                                if __matched {
                                    return $crate::__private::Poll::Ready(
                                        __SelectOut::$v(__value),
                                    );
                                }
                            }
                        )*
                        _ => ::core::unreachable!("select! branch index out of range"),
                    }
                }
                if __any_pending {
                    $crate::__private::Poll::Pending
                } else {
                    $crate::__private::Poll::Ready(__SelectOut::Disabled)
                }
            },
        )
        .await;
        #[allow(unreachable_patterns, unused_variables)]
        match __output {
            $( __SelectOut::$v($($p)*) => { $($h)* } )*
            __SelectOut::Disabled => { $crate::__select_else!($($else)*) }
            _ => ::core::unreachable!("select! value checked against its pattern before"),
        }
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_else {
    () => {
        ::core::panic!("all branches are disabled and there is no else branch")
    };
    ($($else:tt)+) => {
        $($else)+
    };
}

/// Runs several futures concurrently on the current task and returns all their outputs as a tuple,
/// once every one of them has completed.
///
/// The operands may be anything that implements [`IntoFuture`](std::future::IntoFuture). Each
/// time it is polled, `join!` starts with the next branch after the one it started with last
/// time, so a branch that always spends the task's whole cooperative budget cannot starve the
/// others; `join!(biased; ...)` always polls them top to bottom instead.
///
/// ```
/// # futures_lite::future::block_on(async {
/// let (a, b) = zokio_sync::join!(async { 1 }, async { "two" });
/// assert_eq!((a, b), (1, "two"));
/// let (c, ()) = zokio_sync::join!(biased; std::future::ready(3), async {});
/// assert_eq!(c, 3);
/// # });
/// ```
///
/// The operands make progress together: here the sender would wait forever on the full channel
/// if the receiver did not run at the same time.
///
/// ```
/// use zokio_sync::{join, mpsc};
///
/// # futures_lite::future::block_on(async {
/// let (tx, mut rx) = mpsc::channel(1);
/// let send_all = async move {
///     for i in 0..3 {
///         tx.send(i).await.unwrap(); // waits for the receiver to make room
///     }
/// };
/// let recv_all = async {
///     let mut sum = 0;
///     while let Some(i) = rx.recv().await {
///         sum += i;
///     }
///     sum
/// };
/// let ((), sum) = join!(send_all, recv_all);
/// assert_eq!(sum, 3);
/// # });
/// ```
#[macro_export]
macro_rules! join {
    (biased; $($e:expr),+ $(,)?) => {
        $crate::__join_impl!(join; Biased; [0]; []; []; $($e,)+)
    };
    ($($e:expr),+ $(,)?) => {
        $crate::__join_impl!(join; Rotator; [0]; []; []; $($e,)+)
    };
    (biased;) => {
        ()
    };
    () => {
        ()
    };
}

/// Like [`join!`], for futures returning `Result`: returns `Ok` with every value once all
/// succeed, or the first `Err` as soon as one fails (dropping the others). `biased;` works as in
/// [`join!`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// let ok: Result<(u8, u8), &str> = zokio_sync::try_join!(async { Ok(1) }, async { Ok(2) });
/// assert_eq!(ok, Ok((1, 2)));
/// let err: Result<(u8, u8), &str> =
///     zokio_sync::try_join!(biased; async { Ok(1) }, async { Err("boom") });
/// assert_eq!(err, Err("boom"));
/// // The first error returns at once, without waiting for the operands still pending.
/// let early: Result<((), ()), &str> =
///     zokio_sync::try_join!(std::future::pending(), async { Err("stop") });
/// assert_eq!(early, Err("stop"));
/// # });
/// ```
#[macro_export]
macro_rules! try_join {
    (biased; $($e:expr),+ $(,)?) => {
        $crate::__join_impl!(try_join; Biased; [0]; []; []; $($e,)+)
    };
    ($($e:expr),+ $(,)?) => {
        $crate::__join_impl!(try_join; Rotator; [0]; []; []; $($e,)+)
    };
    (biased;) => {
        ::core::result::Result::Ok(())
    };
    () => {
        ::core::result::Result::Ok(())
    };
}

/// The expansion of `join!` and `try_join!`. The state while reading the operands: the count so
/// far (as `0 + 1 + ...`), one `_` per operand read (to pick an operand's slot out of the tuple),
/// and the operands read.
#[doc(hidden)]
#[macro_export]
macro_rules! __join_impl {
    ($kind:ident; $rot:ident; [$($n:tt)*]; [$($s:tt)*]; [$($acc:tt)*]; $e:expr, $($rest:tt)*) => {
        $crate::__join_impl!($kind; $rot; [$($n)* + 1]; [$($s)* _]; [$($acc)* ([$($s)*] $e)];
            $($rest)*)
    };
    (join; $rot:ident; [$($n:tt)*]; $skip:tt; [$( ([$($s:tt)*] $e:expr) )+];) => {{
        $crate::__private::Multi::new(
            ( $( $crate::__private::MaybeDone::new($e), )+ ),
            <$crate::__private::$rot as ::core::default::Default>::default(),
            |mut __futures, __rotator, __cx| {
                // Skip the first `__skip` slots on the first pass, poll every slot once.
                let __branches: u32 = $($n)*;
                let mut __skip = __rotator.start(__branches);
                let mut __left = __branches;
                let mut __pending = false;
                loop {
                    $(
                        if __left == 0 {
                            break;
                        }
                        if __skip > 0 {
                            __skip -= 1;
                        } else {
                            __left -= 1;
                            let ( $($s,)* __slot, .. ) =
                                $crate::__private::PinTuple::project(__futures.as_mut());
                            if !__slot.poll_done(__cx) {
                                __pending = true;
                            }
                        }
                    )+
                }
                if __pending {
                    return $crate::__private::Poll::Pending;
                }
                $crate::__private::Poll::Ready(( $({
                    let ( $($s,)* __slot, .. ) =
                        $crate::__private::PinTuple::project(__futures.as_mut());
                    __slot.take_output()
                },)+ ))
            },
        )
        .await
    }};
    (try_join; $rot:ident; [$($n:tt)*]; $skip:tt; [$( ([$($s:tt)*] $e:expr) )+];) => {{
        $crate::__private::Multi::new(
            ( $( $crate::__private::MaybeDone::new($e), )+ ),
            <$crate::__private::$rot as ::core::default::Default>::default(),
            |mut __futures, __rotator, __cx| {
                let __branches: u32 = $($n)*;
                let mut __skip = __rotator.start(__branches);
                let mut __left = __branches;
                let mut __pending = false;
                loop {
                    $(
                        if __left == 0 {
                            break;
                        }
                        if __skip > 0 {
                            __skip -= 1;
                        } else {
                            __left -= 1;
                            let ( $($s,)* __slot, .. ) =
                                $crate::__private::PinTuple::project(__futures.as_mut());
                            match __slot.poll_try(__cx) {
                                ::core::result::Result::Ok(true) => {}
                                ::core::result::Result::Ok(false) => __pending = true,
                                ::core::result::Result::Err(__error) => {
                                    return $crate::__private::Poll::Ready(
                                        ::core::result::Result::Err(__error),
                                    );
                                }
                            }
                        }
                    )+
                }
                if __pending {
                    return $crate::__private::Poll::Pending;
                }
                $crate::__private::Poll::Ready(::core::result::Result::Ok(( $({
                    let ( $($s,)* __slot, .. ) =
                        $crate::__private::PinTuple::project(__futures.as_mut());
                    __slot.take_ok()
                },)+ )))
            },
        )
        .await
    }};
}

/// Pins values on the stack: `pin!(a, b)` shadows the local variables `a` and `b` with
/// `Pin<&mut _>` to them; `pin! { let a = expr; }` declares and pins in one go.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// let fut = async { 5 };
/// zokio_sync::pin!(fut);
/// let mut cx = Context::from_waker(Waker::noop());
/// assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(5));
/// ```
///
/// Pinning a future once, so that a loop can keep polling the same one through `&mut` (here in
/// `select!`, until it completes):
///
/// ```
/// use zokio_sync::{mpsc, pin, select};
///
/// # futures_lite::future::block_on(async {
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// for i in 1..=3 {
///     tx.send(i).unwrap();
/// }
/// pin! {
///     let done = async { "done" };
/// }
/// let mut seen = 0;
/// let finished = loop {
///     select! {
///         biased;
///         Some(_) = rx.recv() => seen += 1,
///         msg = &mut done => break msg, // the same future each time round
///     }
/// };
/// assert_eq!((seen, finished), (3, "done"));
/// # });
/// ```
#[macro_export]
macro_rules! pin {
    ($($x:ident),* $(,)?) => {
        $(
            #[allow(unused_mut)]
            let mut $x = $crate::__private::pin!($x);
        )*
    };
    ($(let $x:ident = $init:expr;)*) => {
        $(
            let $x = $init;
            $crate::pin!($x);
        )*
    };
}
