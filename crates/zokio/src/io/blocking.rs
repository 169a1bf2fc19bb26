//! [`Blocking`]: a synchronous reader or writer driven from async code through the blocking pool,
//! one operation at a time, as behind [`stdin`](super::stdin), [`stdout`](super::stdout) and
//! [`stderr`](super::stderr).
//!
//! At most one trip to the pool is outstanding. It takes the reader or writer and a buffer with it
//! and hands both back:
//!
//! - **read**: the trip reads once into the buffer (at most what the caller asked for, capped at
//!   [`MAX_BUF`]); the bytes are then copied out, the rest kept for the next reads.
//! - **write**: the bytes are copied into the buffer and the call returns at once; the trip writes
//!   them all (`write_all`). The next write or flush waits for it and returns its error, if any.
//! - **flush** waits for the write in flight, then flushes the writer on the pool.
//!
//! Each read, write or flush spends one unit of zokio's cooperative budget, and waiting for the
//! trip spends no other.

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::ReadBuf;
use zokio_task::{JoinError, JoinHandle};

/// The most bytes one trip moves, as in Tokio.
pub(crate) const MAX_BUF: usize = 2 * 1024 * 1024;

/// Bytes read ahead (`data[pos..end]`) or about to be written (`data[..end]`). `data` stays
/// initialised, so a trip reuses it without zeroing it again.
#[derive(Debug, Default)]
struct Buf {
    data: Vec<u8>,
    pos: usize,
    end: usize,
}

impl Buf {
    fn remaining(&self) -> usize {
        self.end - self.pos
    }

    fn copy_to(&mut self, dst: &mut ReadBuf<'_>) {
        let n = dst.remaining().min(self.remaining());
        dst.put_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
    }

    fn clear(&mut self) {
        self.pos = 0;
        self.end = 0;
    }

    fn read_from(&mut self, reader: &mut impl Read, len: usize) -> io::Result<usize> {
        self.clear();
        if self.data.len() < len {
            self.data.resize(len, 0);
        }
        let n = loop {
            match reader.read(&mut self.data[..len]) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                result => break result?,
            }
        };
        self.end = n;
        Ok(n)
    }
}

type Trip<T> = JoinHandle<(io::Result<()>, Buf, T)>;

#[derive(Debug)]
enum State<T> {
    Idle(Buf),
    Busy(Trip<T>),
}

/// A reader or writer of type `T` used through the blocking pool; see the [module docs](self).
#[derive(Debug)]
pub(crate) struct Blocking<T> {
    /// `None` while a trip has it, and for good once a trip was cancelled (idle without it).
    inner: Option<T>,
    state: State<T>,
    /// Whether a write was accepted since the last flush.
    need_flush: bool,
}

impl<T: Send + 'static> Blocking<T> {
    pub(crate) fn new(inner: T) -> Blocking<T> {
        Blocking {
            inner: Some(inner),
            state: State::Idle(Buf::default()),
            need_flush: false,
        }
    }

    /// Starts `op` on the pool with the inner value and the buffer.
    fn start(
        &mut self,
        buf: Buf,
        op: impl FnOnce(&mut T, &mut Buf) -> io::Result<()> + Send + 'static,
    ) {
        let mut inner = self
            .inner
            .take()
            .expect("the inner value is here while no trip is in flight");
        let mut buf = buf;
        self.state = State::Busy(zokio_sched::blocking::spawn_blocking(move || {
            let result = op(&mut inner, &mut buf);
            (result, buf, inner)
        }));
    }

    /// Waits for the trip in flight, if any, and returns its result. The caller has spent the
    /// budget unit for the operation already, so the handle's poll spends none.
    fn poll_trip(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let State::Busy(handle) = &mut self.state else {
            return Poll::Ready(Ok(()));
        };
        let joined = ready!(zokio_coop::with_budget(
            zokio_coop::Budget::unconstrained(),
            || Pin::new(handle).poll(cx)
        ));
        let (result, buf, inner) = match joined {
            Ok(done) => done,
            Err(error) => {
                // The inner value went down with the trip: every later operation fails.
                self.state = State::Idle(Buf::default());
                return Poll::Ready(Err(trip_error(error)));
            }
        };
        self.inner = Some(inner);
        self.state = State::Idle(buf);
        Poll::Ready(result)
    }
}

/// A trip cancelled by a runtime shutting down (the inner value is lost with it), or one that
/// panicked (re-raised: our closures only call `Read`/`Write` methods).
fn trip_error(error: JoinError) -> io::Error {
    if error.is_panic() {
        std::panic::resume_unwind(error.into_panic());
    }
    io::Error::other("the blocking pool shut down while a standard I/O operation was pending")
}

fn gone_error() -> io::Error {
    io::Error::other("the standard stream was lost when the runtime shut down")
}

impl<T: Read + Send + 'static> Blocking<T> {
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let coop = ready!(zokio_coop::poll_proceed(cx));
        loop {
            match &mut self.state {
                State::Idle(buf) => {
                    if buf.remaining() > 0 || dst.remaining() == 0 {
                        buf.copy_to(dst);
                        coop.made_progress();
                        return Poll::Ready(Ok(()));
                    }
                    if self.inner.is_none() {
                        coop.made_progress();
                        return Poll::Ready(Err(gone_error()));
                    }
                    let len = dst.remaining().min(MAX_BUF);
                    let buf = std::mem::take(buf);
                    self.start(buf, move |reader, buf| buf.read_from(reader, len).map(drop));
                }
                State::Busy(_) => {
                    let result = ready!(self.poll_trip(cx));
                    coop.made_progress();
                    let State::Idle(buf) = &mut self.state else {
                        return Poll::Ready(result);
                    };
                    // Hand out what the trip read (nothing at end of file), or its error.
                    return Poll::Ready(result.map(|()| buf.copy_to(dst)));
                }
            }
        }
    }
}

impl<T: Write + Send + 'static> Blocking<T> {
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let coop = ready!(zokio_coop::poll_proceed(cx));
        // The previous write's error, if any, is this one's.
        let result = ready!(self.poll_trip(cx));
        coop.made_progress();
        result?;
        if self.inner.is_none() {
            return Poll::Ready(Err(gone_error()));
        }
        let State::Idle(buf) = &mut self.state else {
            unreachable!("poll_trip returns Ready only when idle");
        };
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = src.len().min(MAX_BUF);
        let mut buf = std::mem::take(buf);
        buf.clear();
        buf.data.clear();
        buf.data.extend_from_slice(&src[..n]);
        buf.end = n;
        self.start(buf, |writer, buf| {
            let result = writer.write_all(&buf.data[..buf.end]);
            buf.clear();
            result
        });
        self.need_flush = true;
        Poll::Ready(Ok(n))
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let coop = ready!(zokio_coop::poll_proceed(cx));
        loop {
            let result = ready!(self.poll_trip(cx));
            if result.is_ok() && self.inner.is_none() {
                // The stream was lost with a cancelled trip: nothing can reach it any more.
                coop.made_progress();
                return Poll::Ready(Err(gone_error()));
            }
            if result.is_err() || !self.need_flush {
                coop.made_progress();
                return Poll::Ready(result);
            }
            self.need_flush = false;
            let State::Idle(buf) = &mut self.state else {
                unreachable!("poll_trip returns Ready only when idle");
            };
            let buf = std::mem::take(buf);
            self.start(buf, |writer, _| writer.flush());
        }
    }
}
