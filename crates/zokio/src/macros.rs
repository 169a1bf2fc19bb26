//! `cfg_*!` macros: each puts its items behind one of the crate's Cargo features (and, on docs.rs,
//! labels them with it), so that the modules read as lists of items rather than of `cfg`s.
//!
//! Also [`pin!`](crate::pin), which Tokio has with every feature set.

// Which of these a build uses depends on its features.
#![allow(unused_macros)]

macro_rules! cfg_feature {
    ($feature:literal; $($item:item)*) => {
        $(
            #[cfg(feature = $feature)]
            #[cfg_attr(docsrs, doc(cfg(feature = $feature)))]
            $item
        )*
    };
}

/// The runtime: `runtime`, `task`, `spawn`.
macro_rules! cfg_rt {
    ($($item:item)*) => { cfg_feature! { "rt"; $($item)* } };
}

/// The work-stealing runtime.
macro_rules! cfg_rt_multi_thread {
    ($($item:item)*) => { cfg_feature! { "rt-multi-thread"; $($item)* } };
}

/// `zokio::net`.
macro_rules! cfg_net {
    ($($item:item)*) => { cfg_feature! { "net"; $($item)* } };
}

/// `zokio::time`.
macro_rules! cfg_time {
    ($($item:item)*) => { cfg_feature! { "time"; $($item)* } };
}

/// `zokio::fs`.
macro_rules! cfg_fs {
    ($($item:item)*) => { cfg_feature! { "fs"; $($item)* } };
}

/// `zokio::process`.
macro_rules! cfg_process {
    ($($item:item)*) => { cfg_feature! { "process"; $($item)* } };
}

/// `zokio::signal`.
macro_rules! cfg_signal {
    ($($item:item)*) => { cfg_feature! { "signal"; $($item)* } };
}

/// `zokio::sync`.
macro_rules! cfg_sync {
    ($($item:item)*) => { cfg_feature! { "sync"; $($item)* } };
}

/// The attributes and `select!`/`join!`/`try_join!`.
macro_rules! cfg_macros {
    ($($item:item)*) => { cfg_feature! { "macros"; $($item)* } };
}

/// The extension traits and helpers of `zokio::io`.
macro_rules! cfg_io_util {
    ($($item:item)*) => { cfg_feature! { "io-util"; $($item)* } };
}

/// `zokio::io::{stdin, stdout, stderr}`.
macro_rules! cfg_io_std {
    ($($item:item)*) => { cfg_feature! { "io-std"; $($item)* } };
}

/// Paused time.
macro_rules! cfg_test_util {
    ($($item:item)*) => { cfg_feature! { "test-util"; $($item)* } };
}

/// What needs the I/O driver: `Builder::enable_io`, `io::{Interest, Ready}` (Tokio's
/// `net`/`process`/`signal` group).
macro_rules! cfg_io_driver {
    ($($item:item)*) => {
        $(
            #[cfg(any(feature = "net", feature = "process", feature = "signal"))]
            #[cfg_attr(
                docsrs,
                doc(cfg(any(feature = "net", feature = "process", feature = "signal")))
            )]
            $item
        )*
    };
}

/// Items that exist when zokio-reactor is linked in (any of `net`, `time`, `process`, `signal`).
macro_rules! cfg_reactor {
    ($($item:item)*) => {
        $(
            #[cfg(any(
                feature = "net",
                feature = "time",
                feature = "process",
                feature = "signal"
            ))]
            $item
        )*
    };
}

/// Items that exist when zokio-reactor is not linked in.
macro_rules! cfg_not_reactor {
    ($($item:item)*) => {
        $(
            #[cfg(not(any(
                feature = "net",
                feature = "time",
                feature = "process",
                feature = "signal"
            )))]
            $item
        )*
    };
}

/// Pins values on the stack: `pin!(a, b)` shadows the local variables `a` and `b` with
/// `Pin<&mut _>` to them; `pin! { let a = expr; }` declares and pins in one go. Needs no feature,
/// as Tokio's.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// let fut = async { 5 };
/// zokio::pin!(fut);
/// let mut cx = Context::from_waker(Waker::noop());
/// assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(5));
///
/// zokio::pin! {
///     let later = async { 6 };
/// }
/// assert_eq!(later.as_mut().poll(&mut cx), Poll::Ready(6));
/// ```
#[macro_export]
macro_rules! pin {
    ($($x:ident),* $(,)?) => {
        $(
            #[allow(unused_mut)]
            let mut $x = ::core::pin::pin!($x);
        )*
    };
    ($(let $x:ident = $init:expr;)*) => {
        $(
            let $x = $init;
            $crate::pin!($x);
        )*
    };
}
