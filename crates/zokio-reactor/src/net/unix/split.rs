//! Halves of a [`UnixStream`]: borrowed and owned. They implement both Tokio's and the futures-io
//! traits, like the stream; shutting a write half down shuts the stream's write direction down.

use std::sync::Arc;

use crate::io::{impl_stream_read, impl_stream_write};
use crate::net::unix::UnixStream;

/// The reading half of a borrowed [`UnixStream`]. Created by [`UnixStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a>(pub(crate) &'a UnixStream);

/// The writing half of a borrowed [`UnixStream`]. Created by [`UnixStream::split`].
#[derive(Debug)]
pub struct WriteHalf<'a>(pub(crate) &'a UnixStream);

/// The owned reading half of a [`UnixStream`]. Created by [`UnixStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf(pub(crate) Arc<UnixStream>);

/// The owned writing half of a [`UnixStream`]. Created by [`UnixStream::into_split`]. Dropping it
/// shuts the write direction down.
#[derive(Debug)]
pub struct OwnedWriteHalf(pub(crate) Arc<UnixStream>);

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        // The peer sees EOF; if the connection is already gone there is nothing to report.
        let _ = self.0.shutdown_write_inner();
    }
}

impl_stream_read!(ReadHalf<'_>, |this| this.0);
impl_stream_write!(WriteHalf<'_>, |this| this.0);
impl_stream_read!(OwnedReadHalf, |this| this.0);
impl_stream_write!(OwnedWriteHalf, |this| this.0);
