//! Asynchronous file system operations (in progress).
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]
