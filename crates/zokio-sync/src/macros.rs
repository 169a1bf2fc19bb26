//! `select!`, `join!`, `try_join!` and `pin!`, written with `$crate::` paths so that they work
//! unchanged when re-exported (as `zokio::select!` and so on).
//!
//! The macros are plain `macro_rules!`. Each branch gets an index from a fixed list (64 at most, as
//! in Tokio) that names its tuple field, its disable bit and its output variant. Futures are pinned
//! in place with `core::pin::pin!`, so the expansion contains no `unsafe` and also compiles in
//! crates that forbid it.

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
/// * Branches are polled in a random order each time, so no branch starves; `biased;` polls them
///   top to bottom instead.
/// * If a future completes with a value that does not match its pattern (e.g. `None` for
///   `Some(v) = rx.recv()`), its branch is disabled and the others keep going.
/// * When every branch is disabled, the `else` handler runs; without `else` that panics.
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
/// # });
/// ```
#[macro_export]
macro_rules! select {
    (biased; $($tokens:tt)*) => {
        $crate::__select_parse!(@{ true; []; [(0 _0) (1 _1) (2 _2) (3 _3) (4 _4) (5 _5) (6 _6) (7 _7) (8 _8) (9 _9) (10 _10) (11 _11) (12 _12) (13 _13) (14 _14) (15 _15) (16 _16) (17 _17) (18 _18) (19 _19) (20 _20) (21 _21) (22 _22) (23 _23) (24 _24) (25 _25) (26 _26) (27 _27) (28 _28) (29 _29) (30 _30) (31 _31) (32 _32) (33 _33) (34 _34) (35 _35) (36 _36) (37 _37) (38 _38) (39 _39) (40 _40) (41 _41) (42 _42) (43 _43) (44 _44) (45 _45) (46 _46) (47 _47) (48 _48) (49 _49) (50 _50) (51 _51) (52 _52) (53 _53) (54 _54) (55 _55) (56 _56) (57 _57) (58 _58) (59 _59) (60 _60) (61 _61) (62 _62) (63 _63)]; [] } $($tokens)*)
    };
    ($($tokens:tt)*) => {
        $crate::__select_parse!(@{ false; []; [(0 _0) (1 _1) (2 _2) (3 _3) (4 _4) (5 _5) (6 _6) (7 _7) (8 _8) (9 _9) (10 _10) (11 _11) (12 _12) (13 _13) (14 _14) (15 _15) (16 _16) (17 _17) (18 _18) (19 _19) (20 _20) (21 _21) (22 _22) (23 _23) (24 _24) (25 _25) (26 _26) (27 _27) (28 _28) (29 _29) (30 _30) (31 _31) (32 _32) (33 _33) (34 _34) (35 _35) (36 _36) (37 _37) (38 _38) (39 _39) (40 _40) (41 _41) (42 _42) (43 _43) (44 _44) (45 _45) (46 _46) (47 _47) (48 _48) (49 _49) (50 _50) (51 _51) (52 _52) (53 _53) (54 _54) (55 _55) (56 _56) (57 _57) (58 _58) (59 _59) (60 _60) (61 _61) (62 _62) (63 _63)]; [] } $($tokens)*)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_parse {
    // All branches read.
    (@{ $biased:tt; $else:tt; $idx:tt; $branches:tt }) => {
        $crate::__select_impl!($biased; $else; $branches)
    };
    // Separator left over after a block handler.
    (@{ $biased:tt; $else:tt; $idx:tt; $branches:tt } , $($rest:tt)*) => {
        $crate::__select_parse!(@{ $biased; $else; $idx; $branches } $($rest)*)
    };
    (@{ $biased:tt; []; $idx:tt; $branches:tt } else => $handler:block $($rest:tt)*) => {
        $crate::__select_parse!(@{ $biased; [$handler]; $idx; $branches } $($rest)*)
    };
    (@{ $biased:tt; []; $idx:tt; $branches:tt } else => $handler:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@{ $biased; [$handler]; $idx; $branches } $($($rest)*)?)
    };
    (@{ $biased:tt; $else:tt; [($i:tt $v:ident) $($idx:tt)*]; [$($branches:tt)*] }
        $p:pat = $f:expr, if $c:expr => $handler:block $($rest:tt)*) => {
        $crate::__select_parse!(@{ $biased; $else; [$($idx)*];
            [$($branches)* ($i $v [$p] [$f] [$c] [$handler])] } $($rest)*)
    };
    (@{ $biased:tt; $else:tt; [($i:tt $v:ident) $($idx:tt)*]; [$($branches:tt)*] }
        $p:pat = $f:expr, if $c:expr => $handler:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@{ $biased; $else; [$($idx)*];
            [$($branches)* ($i $v [$p] [$f] [$c] [$handler])] } $($($rest)*)?)
    };
    (@{ $biased:tt; $else:tt; [($i:tt $v:ident) $($idx:tt)*]; [$($branches:tt)*] }
        $p:pat = $f:expr => $handler:block $($rest:tt)*) => {
        $crate::__select_parse!(@{ $biased; $else; [$($idx)*];
            [$($branches)* ($i $v [$p] [$f] [true] [$handler])] } $($rest)*)
    };
    (@{ $biased:tt; $else:tt; [($i:tt $v:ident) $($idx:tt)*]; [$($branches:tt)*] }
        $p:pat = $f:expr => $handler:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@{ $biased; $else; [$($idx)*];
            [$($branches)* ($i $v [$p] [$f] [true] [$handler])] } $($($rest)*)?)
    };
    (@{ $biased:tt; $else:tt; []; $branches:tt } $($rest:tt)+) => {
        ::core::compile_error!("select! supports at most 64 branches")
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_impl {
    ($biased:tt; [$($else:tt)*];
        [$( ($i:tt $v:ident [$($p:tt)*] [$($f:tt)*] [$($c:tt)*] [$($h:tt)*]) )*]) => {{
        #[allow(non_camel_case_types, dead_code)]
        enum __SelectOut<$($v,)*> {
            $($v($v),)*
            Disabled,
        }
        let __branches: u32 = [$($i),*].len() as u32;
        // Preconditions first, as documented; a disabled future is still created but never polled.
        let mut __disabled: u64 = 0;
        $(
            if !($($c)*) {
                __disabled |= 1u64 << $i;
            }
        )*
        #[allow(unused_mut)]
        let mut __futures = ( $( $crate::__private::pin!($($f)*), )* );
        let __start: u32 = if $biased { 0 } else { $crate::__private::random_start(__branches) };
        let __output = $crate::__private::poll_fn(|__cx| {
            let mut __any_pending = false;
            for __n in 0..__branches {
                let __branch = (__start + __n) % __branches;
                $(
                    if __branch == $i {
                        if __disabled & (1u64 << $i) == 0 {
                            match $crate::__private::Future::poll(__futures.$i.as_mut(), __cx) {
                                $crate::__private::Poll::Ready(__value) => {
                                    // A completed future must not be polled again.
                                    __disabled |= 1u64 << $i;
                                    let mut __matched = false;
                                    // Test the pattern without moving the value: the guard only
                                    // runs on a match, records it and declines the arm.
                                    #[allow(unused_variables, unused_mut, unreachable_patterns)]
                                    match __value {
                                        $($p)* if { __matched = true; false } => ::core::unreachable!(),
                                        _ => {}
                                    }
                                    if __matched {
                                        return $crate::__private::Poll::Ready(__SelectOut::$v(__value));
                                    }
                                }
                                $crate::__private::Poll::Pending => __any_pending = true,
                            }
                        }
                        continue;
                    }
                )*
            }
            if __any_pending {
                $crate::__private::Poll::Pending
            } else {
                $crate::__private::Poll::Ready(__SelectOut::Disabled)
            }
        })
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
/// ```
/// # futures_lite::future::block_on(async {
/// let (a, b) = zokio_sync::join!(async { 1 }, async { "two" });
/// assert_eq!((a, b), (1, "two"));
/// # });
/// ```
#[macro_export]
macro_rules! join {
    (@[$( ($i:tt $e:expr) )*] [$($idx:tt)*]) => {{
        #[allow(unused_mut)]
        let mut __pinned = ( $( $crate::__private::pin!($e), )* );
        #[allow(unused_mut)]
        let mut __futures = ( $( $crate::__private::MaybeDone::new(__pinned.$i.as_mut()), )* );
        $crate::__private::poll_fn(|__cx| {
            let mut __all_done = true;
            $( __all_done &= __futures.$i.poll_done(__cx); )*
            let _ = __cx;
            if __all_done {
                $crate::__private::Poll::Ready(())
            } else {
                $crate::__private::Poll::Pending
            }
        })
        .await;
        ( $( __futures.$i.take_output(), )* )
    }};
    (@[$($acc:tt)*] [$i:tt $($idx:tt)*] $e:expr $(, $($rest:tt)*)?) => {
        $crate::join!(@[$($acc)* ($i $e)] [$($idx)*] $($($rest)*)?)
    };
    ($($e:tt)*) => {
        $crate::join!(@[] [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63] $($e)*)
    };
}

/// Like [`join!`], for futures returning `Result`: returns `Ok` with every value once all
/// succeed, or the first `Err` as soon as one fails (dropping the others).
///
/// ```
/// # futures_lite::future::block_on(async {
/// let ok: Result<(u8, u8), &str> = zokio_sync::try_join!(async { Ok(1) }, async { Ok(2) });
/// assert_eq!(ok, Ok((1, 2)));
/// let err: Result<(u8, u8), &str> =
///     zokio_sync::try_join!(async { Ok(1) }, async { Err("boom") });
/// assert_eq!(err, Err("boom"));
/// # });
/// ```
#[macro_export]
macro_rules! try_join {
    (@[$( ($i:tt $e:expr) )*] [$($idx:tt)*]) => {{
        #[allow(unused_mut)]
        let mut __pinned = ( $( $crate::__private::pin!($e), )* );
        #[allow(unused_mut)]
        let mut __futures = ( $( $crate::__private::MaybeDone::new(__pinned.$i.as_mut()), )* );
        let __result = $crate::__private::poll_fn(|__cx| {
            let mut __all_done = true;
            $(
                match __futures.$i.poll_try(__cx) {
                    ::core::result::Result::Ok(__done) => __all_done &= __done,
                    ::core::result::Result::Err(__error) => {
                        return $crate::__private::Poll::Ready(::core::result::Result::Err(__error));
                    }
                }
            )*
            let _ = __cx;
            if __all_done {
                $crate::__private::Poll::Ready(::core::result::Result::Ok(()))
            } else {
                $crate::__private::Poll::Pending
            }
        })
        .await;
        match __result {
            ::core::result::Result::Ok(()) => {
                ::core::result::Result::Ok(( $( __futures.$i.take_ok(), )* ))
            }
            ::core::result::Result::Err(__error) => ::core::result::Result::Err(__error),
        }
    }};
    (@[$($acc:tt)*] [$i:tt $($idx:tt)*] $e:expr $(, $($rest:tt)*)?) => {
        $crate::try_join!(@[$($acc)* ($i $e)] [$($idx)*] $($($rest)*)?)
    };
    ($($e:tt)*) => {
        $crate::try_join!(@[] [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63] $($e)*)
    };
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
