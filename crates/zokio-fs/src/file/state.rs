//! The state machine behind [`File`](super::File)'s `AsyncRead`/`AsyncWrite`/`AsyncSeek`.
//!
//! At most one blocking trip per file is in flight ([`State::Busy`]); it owns a buffer and an `Arc`
//! of the file and hands both back. Rules:
//!
//! - **Writes** are copied into a buffer and sent as a trip; the call returns at once. While a write
//!   trip is in flight, further writes are appended to `pending` (up to `max_buf` bytes), which
//!   becomes the next trip as soon as the current one is seen to finish. So `n` small writes cost
//!   about as many trips as the pool can complete meanwhile, not `n`.
//! - **Reads** first try the non-blocking page-cache read ([`super::nowait`]) on the caller's thread;
//!   otherwise a trip reads into the buffer, and the data is handed out from there. A file that has
//!   unread buffered data has an OS position ahead of the user's; a write or seek corrects it first.
//! - **Errors** of background writes are kept in `error` and returned by the next read, write, seek
//!   or flush. Data accepted after a failed write (still in `pending`) is dropped with it.
//! - Invariant: `pending` is empty unless a write trip is in flight.

use std::fs::File as StdFile;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::mem;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use zokio_task::{JoinError, JoinHandle};

use super::nowait::{self, Nowait};
use crate::blocking::spawn;

/// The most bytes one trip moves unless [`File::set_max_buf_size`](super::File::set_max_buf_size)
/// says otherwise.
pub(super) const DEFAULT_MAX_BUF_SIZE: usize = 2 * 1024 * 1024;

/// The most bytes one non-blocking read copies on the task's thread, so that a huge read of a cached
/// file does not hold the worker for long (a read may return fewer bytes than asked).
const INLINE_READ_MAX: usize = 256 * 1024;

/// Bytes read ahead by a trip and not yet handed out, or a spare allocation.
#[derive(Debug, Default)]
pub(super) struct Buf {
    data: Vec<u8>,
    pos: usize,
}

impl Buf {
    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        let n = dst.len().min(self.remaining());
        dst[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    fn discard(&mut self) {
        self.data.clear();
        self.pos = 0;
    }
}

#[derive(Debug)]
pub(super) enum Op {
    Read(io::Result<usize>),
    Write(io::Result<()>),
}

/// A trip to the blocking pool, handing back its result and buffer.
pub(super) type Trip = JoinHandle<(Op, Buf)>;

#[derive(Debug)]
enum State {
    Idle(Buf),
    Busy {
        handle: Trip,
        /// Whether the trip is a write (which later writes may queue behind).
        write: bool,
    },
}

/// What a finished trip means for the operation that observed it.
enum Finished {
    Read(io::Result<usize>),
    Other,
}

/// Everything of a file but the descriptor.
#[derive(Debug)]
pub(super) struct Inner {
    state: State,
    pending: Vec<u8>,
    error: Option<io::Error>,
    /// Whether non-blocking reads are still worth trying on this file.
    nowait: bool,
    max_buf: usize,
}

fn spawn_write(std: Arc<StdFile>, buf: Buf) -> State {
    let handle = spawn(move || {
        let result = (&*std).write_all(&buf.data);
        (Op::Write(result), buf)
    });
    State::Busy {
        handle,
        write: true,
    }
}

fn spawn_read(std: Arc<StdFile>, mut buf: Buf, len: usize) -> State {
    let handle = spawn(move || {
        buf.discard();
        buf.data.resize(len, 0);
        let result = loop {
            match (&*std).read(&mut buf.data) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                result => break result,
            }
        };
        buf.data.truncate(*result.as_ref().unwrap_or(&0));
        (Op::Read(result), buf)
    });
    State::Busy {
        handle,
        write: false,
    }
}

impl Inner {
    pub(super) fn new() -> Inner {
        Inner {
            state: State::Idle(Buf::default()),
            pending: Vec::new(),
            error: None,
            nowait: true,
            max_buf: DEFAULT_MAX_BUF_SIZE,
        }
    }

    pub(super) fn set_max_buf_size(&mut self, max_buf: usize) {
        self.max_buf = max_buf.max(1);
    }

    /// Whether no trip is in flight and nothing is buffered: the descriptor alone is the file.
    pub(super) fn is_quiescent(&self) -> bool {
        matches!(&self.state, State::Idle(buf) if buf.remaining() == 0) && self.error.is_none()
    }

    /// Takes a trip's result: a write's error is kept, queued writes start as the next trip.
    fn finish(&mut self, std: &Arc<StdFile>, result: Result<(Op, Buf), JoinError>) -> Finished {
        let (op, mut buf) = match result {
            Ok(done) => done,
            Err(error) => {
                // Only a runtime shutting down cancels a trip (our closures do not panic); what was in
                // flight is lost, so report it like a failed write.
                self.state = State::Idle(Buf::default());
                self.pending.clear();
                self.error = Some(io::Error::other(error));
                return Finished::Other;
            }
        };
        if let Op::Write(_) = op {
            // What a write trip hands back is spent data, not read-ahead.
            buf.discard();
        }
        match op {
            Op::Read(result) => {
                self.state = State::Idle(buf);
                Finished::Read(result)
            }
            Op::Write(Err(error)) => {
                self.pending.clear();
                self.error = Some(error);
                self.state = State::Idle(buf);
                Finished::Other
            }
            Op::Write(Ok(())) if self.pending.is_empty() => {
                self.state = State::Idle(buf);
                Finished::Other
            }
            Op::Write(Ok(())) => {
                let mut next = buf;
                mem::swap(&mut next.data, &mut self.pending);
                self.state = spawn_write(std.clone(), next);
                Finished::Other
            }
        }
    }

    /// Drives trips until none is in flight and no write is queued, then returns (and clears) the
    /// error of a background write, if any.
    pub(super) fn poll_idle(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
    ) -> Poll<io::Result<()>> {
        loop {
            match &mut self.state {
                State::Idle(_) => {
                    return Poll::Ready(match self.error.take() {
                        Some(error) => Err(error),
                        None => Ok(()),
                    });
                }
                State::Busy { handle, .. } => {
                    let result = ready!(Pin::new(handle).poll(cx));
                    self.finish(std, result);
                }
            }
        }
    }

    pub(super) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let coop = ready!(zokio_coop::poll_proceed(cx));
        loop {
            match &mut self.state {
                State::Idle(buf) => {
                    if let Some(error) = self.error.take() {
                        coop.made_progress();
                        return Poll::Ready(Err(error));
                    }
                    if buf.remaining() > 0 || dst.is_empty() {
                        coop.made_progress();
                        return Poll::Ready(Ok(buf.copy_to(dst)));
                    }
                    if self.nowait {
                        let len = dst.len().min(INLINE_READ_MAX);
                        match nowait::read(std, &mut dst[..len]) {
                            Nowait::Done(result) => {
                                coop.made_progress();
                                return Poll::Ready(result);
                            }
                            Nowait::WouldBlock => {}
                            Nowait::Unsupported => self.nowait = false,
                        }
                    }
                    let len = dst.len().min(self.max_buf);
                    let buf = mem::take(buf);
                    self.state = spawn_read(std.clone(), buf, len);
                }
                State::Busy { handle, .. } => {
                    let result = ready!(Pin::new(handle).poll(cx));
                    match self.finish(std, result) {
                        // End of file: say so now rather than reading again.
                        Finished::Read(Ok(0)) => {
                            coop.made_progress();
                            return Poll::Ready(Ok(0));
                        }
                        Finished::Read(Err(error)) => {
                            coop.made_progress();
                            return Poll::Ready(Err(error));
                        }
                        Finished::Read(Ok(_)) | Finished::Other => {}
                    }
                }
            }
        }
    }

    pub(super) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let coop = ready!(zokio_coop::poll_proceed(cx));
        loop {
            match &mut self.state {
                State::Idle(buf) => {
                    if let Some(error) = self.error.take() {
                        coop.made_progress();
                        return Poll::Ready(Err(error));
                    }
                    if buf.remaining() > 0 {
                        // The OS position is past the data the user has not read yet: step back, so
                        // the write lands where the user expects.
                        let back = buf.remaining() as i64;
                        if let Err(error) = (&**std).seek(SeekFrom::Current(-back)) {
                            coop.made_progress();
                            return Poll::Ready(Err(error));
                        }
                        buf.discard();
                    }
                    if src.is_empty() {
                        coop.made_progress();
                        return Poll::Ready(Ok(0));
                    }
                    let n = src.len().min(self.max_buf);
                    let mut buf = mem::take(buf);
                    buf.discard();
                    buf.data.extend_from_slice(&src[..n]);
                    self.state = spawn_write(std.clone(), buf);
                    coop.made_progress();
                    return Poll::Ready(Ok(n));
                }
                State::Busy { handle, write } => {
                    // A finished trip is collected first so the queued bytes leave without waiting
                    // for the queue to fill.
                    if *write && !handle.is_finished() && self.pending.len() < self.max_buf {
                        let n = src.len().min(self.max_buf - self.pending.len());
                        self.pending.extend_from_slice(&src[..n]);
                        coop.made_progress();
                        return Poll::Ready(Ok(n));
                    }
                    let result = ready!(Pin::new(handle).poll(cx));
                    self.finish(std, result);
                    if let State::Busy { write: true, .. } = self.state {
                        // The queued bytes just left; this write can queue behind them.
                        if self.pending.len() < self.max_buf {
                            let n = src.len().min(self.max_buf - self.pending.len());
                            self.pending.extend_from_slice(&src[..n]);
                            coop.made_progress();
                            return Poll::Ready(Ok(n));
                        }
                    }
                }
            }
        }
    }

    pub(super) fn poll_flush(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
    ) -> Poll<io::Result<()>> {
        self.poll_idle(cx, std)
    }

    pub(super) fn poll_seek(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        ready!(self.poll_idle(cx, std))?;
        let State::Idle(buf) = &mut self.state else {
            unreachable!("poll_idle returns Ready only when idle");
        };
        // `lseek` does no I/O, so it runs here rather than as a trip.
        let pos = match pos {
            SeekFrom::Current(offset) => SeekFrom::Current(offset - buf.remaining() as i64),
            other => other,
        };
        let result = (&**std).seek(pos);
        if result.is_ok() {
            buf.discard();
        }
        Poll::Ready(result)
    }

    /// Makes the OS position the user's (after a flush): drops read-ahead data, stepping back over it.
    pub(super) fn sync_position(&mut self, std: &Arc<StdFile>) -> io::Result<()> {
        if let State::Idle(buf) = &mut self.state {
            if buf.remaining() > 0 {
                (&**std).seek(SeekFrom::Current(-(buf.remaining() as i64)))?;
                buf.discard();
            }
        }
        Ok(())
    }

    /// For `Drop`: the write trip in flight and the bytes queued behind it, if any are queued.
    pub(super) fn take_queued(&mut self) -> Option<(Trip, Vec<u8>)> {
        if self.pending.is_empty() {
            return None;
        }
        match mem::replace(&mut self.state, State::Idle(Buf::default())) {
            State::Busy { handle, .. } => Some((handle, mem::take(&mut self.pending))),
            State::Idle(_) => None,
        }
    }
}

/// Writes `queued` once `in_flight` succeeded; the end of a dropped file's write-behind.
pub(super) fn write_queued(
    std: &StdFile,
    in_flight: Result<(Op, Buf), JoinError>,
    queued: &[u8],
) -> io::Result<()> {
    match in_flight {
        Ok((Op::Write(Ok(())), _)) => {
            let mut std = std;
            std.write_all(queued)
        }
        _ => Ok(()),
    }
}
