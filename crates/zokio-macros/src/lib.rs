//! The `#[zokio::main]` and `#[zokio::test]` attributes.
//!
//! Both turn an `async fn` into a plain function that builds a runtime and blocks on the body. Use
//! them through the `zokio` crate (`#[zokio::main]`), which re-exports them.
//!
//! Arguments:
//! - `flavor = "current_thread"` or `flavor = "multi_thread"` (default: `multi_thread` for `main`,
//!   `current_thread` for `test`, as in Tokio);
//! - `worker_threads = N` (multi-thread only, N > 0);
//! - `start_paused = true` (current-thread only: start with the clock paused, for tests of timeouts);
//! - `name = "..."`: the runtime's name (`Handle::name`);
//! - `unhandled_panic = "ignore"` or `"shutdown_runtime"`: what a panicking task does to the
//!   runtime (`Builder::unhandled_panic`);
//! - `crate = "path"` to name the zokio crate when it is renamed.
//!
//! `#[zokio::main]` works on any `async fn`, methods that take `self` included; `#[zokio::test]`
//! functions take no arguments.
//!
//! Bad arguments give a compile error that points at the argument.
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod config;
mod expand;

use proc_macro::TokenStream;

/// Marks the `async fn main` of a program: it runs on a zokio runtime with I/O and time enabled.
///
/// ```ignore
/// #[zokio::main]
/// async fn main() {
///     println!("hello from zokio");
/// }
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() { }
///
/// #[zokio::main(flavor = "multi_thread", worker_threads = 4)]
/// async fn main() { }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args.into(), item.into(), expand::Kind::Main).into()
}

/// Marks an `async fn` test: it runs on its own zokio runtime (current-thread by default).
///
/// ```ignore
/// #[zokio::test]
/// async fn adds() {
///     assert_eq!(zokio::spawn(async { 1 + 1 }).await.unwrap(), 2);
/// }
///
/// #[zokio::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() { }
///
/// #[zokio::test(start_paused = true)]
/// async fn with_paused_clock() { }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args.into(), item.into(), expand::Kind::Test).into()
}
