//! [hyper] 1.x on [zokio]: serve axum or hyper services, and use hyper-util's pooled client,
//! with no Tokio runtime.
//!
//! - `serve`: an HTTP/1 and HTTP/2 server (protocol detected per connection, through
//!   hyper-util's `auto` builder) for any tower `Service` (an axum `Router`) or hyper `Service`,
//!   each connection on its own zokio task, with graceful shutdown
//!   (`Serve::with_graceful_shutdown`).
//! - [`ZokioExecutor`] ([`hyper::rt::Executor`]) and [`ZokioTimer`] ([`hyper::rt::Timer`], on
//!   [`zokio::time`], paused time included): what hyper's own connection builders need.
//! - [`ZokioIo`]: hyper's I/O traits over Tokio's, which zokio's sockets implement.
//! - `client::ZokioConnector` (feature `client`): a connector for hyper-util's pooled
//!   `client::legacy::Client`.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//!
//! #[zokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let app = Router::new().route("/", get(|| async { "Hello from zokio" }));
//!     let listener = zokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     zokio_hyper::serve(listener, app)
//!         .with_graceful_shutdown(async {
//!             zokio::signal::ctrl_c().await.ok();
//!         })
//!         .await
//! }
//! ```
//!
//! # No Tokio runtime
//!
//! zokio's I/O types implement Tokio's `AsyncRead`/`AsyncWrite` from the `tokio` crate built
//! without any runtime feature, and this crate uses hyper-util without its `tokio` feature (which
//! turns on Tokio's `rt` and `time` for hyper-util's `TokioExecutor` and `TokioTimer`). With the
//! default features, no Tokio feature beyond `sync` (which hyper itself uses) and the I/O traits is
//! compiled in. The `client` feature needs hyper-util's `client-legacy`, which turns on Tokio's
//! `net` for hyper-util's own `HttpConnector`: Tokio's socket types are then compiled in, but still
//! no scheduler or timer, and nothing here ever starts a Tokio runtime.
//!
//! # Features
//!
//! - `server` (default): `serve`, `Serve`, `server::builder`, `service`.
//! - `client`: `client::ZokioConnector`, `client::builder`, `client::Client`.
//!
//! axum's `tokio` feature (for `axum::serve`) is not needed: turn axum's default features off, as
//! `serve` replaces `axum::serve`.
#![deny(missing_docs)]

mod io;
mod rt;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub mod service;

pub use io::ZokioIo;
pub use rt::{ZokioExecutor, ZokioSleep, ZokioTimer};
#[cfg(feature = "server")]
pub use server::{Serve, serve};
