//! Runnable examples of zokio (this package has no library API of its own).
//!
//! Run one from the workspace root with `cargo run --example NAME`:
//!
//! | example | what it shows |
//! |---|---|
//! | `tcp_echo` | a TCP echo server, a task per connection |
//! | `axum_hello` | an axum `Router` served by `zokio_hyper::serve`, with graceful shutdown |
//! | `chat` | a line-based chat server on a `broadcast` channel |
//! | `line_client` | a line-protocol client with tokio-util's `Framed` and `LinesCodec` |
//! | `file_copy` | a file copy on `zokio::fs` with an indicatif progress bar |
//! | `process_pipeline` | `ls \| grep`: one child's stdout piped into another's stdin |
//! | `custom_scheduler` | a LIFO scheduler of our own, plugged in with `Builder::scheduler` |
//!
//! The network examples take `--smoke` (or `ZOKIO_EXAMPLE_SMOKE=1`): they then bind 127.0.0.1:0,
//! talk to themselves once over loopback and exit 0, which is what CI runs.
