//! The state machine behind [`File`](super::File)'s `AsyncRead`/`AsyncWrite`/`AsyncSeek`.
//!
//! At most one blocking trip per file is in flight ([`State::Busy`]); it owns a buffer and an `Arc`
//! of the file and hands both back. Rules:
//!
//! - **Writes** with nothing in flight first try the non-blocking write ([`super::nowait`]) on the
//!   caller's thread, for a write of at most [`INLINE_WRITE_MAX`] bytes: where the file system
//!   takes `RWF_NOWAIT` and the pages are at hand, the bytes reach the OS during the call and
//!   nothing is left in flight (so the next `flush` has nothing to wait for). A file that refuses
//!   the flag is remembered and never asked again; a bigger write tries its first
//!   [`INLINE_WRITE_MAX`] bytes the same way and returns that short count when they all went. A
//!   write that would wait (`EAGAIN`) and a short write's rest go the usual way: copied into a
//!   buffer and sent as a trip, the call returning at once. While a write trip runs, further writes are appended to the file's
//!   [`Queue`] (up to `max_buf` bytes), and the trip keeps writing whatever is queued until it
//!   finds the queue empty, then closes it. So `n` small writes cost about as many trips as there
//!   are pauses in the writing, not `n`, and no accepted byte waits for the next call on the file
//!   to be written (a file written once and then left alone still gets its data to the OS). Either
//!   way writes reach the OS in the order they were made: a write only goes inline when no trip
//!   is in flight and nothing is queued.
//! - **Reads** first try the non-blocking page-cache read ([`super::nowait`]) on the caller's thread;
//!   otherwise a trip reads into the buffer, and the data is handed out from there. A file that has
//!   unread buffered data has an OS position ahead of the user's; a write or seek corrects it first.
//! - **Position.** The file keeps the descriptor's OS offset where it knows it (after a seek, moved
//!   on by each read and write), so that Tokio's `poll_complete` with no seek started, which
//!   `AsyncSeekExt::seek` calls before every seek, returns it without an `lseek`, and a seek to
//!   where the descriptor already is makes none. See [`Offset::trusted`] for when the file asks
//!   the OS instead.
//! - **Errors** of background writes are kept in `error` and returned by the next read, write, seek
//!   or flush. Bytes still queued behind a failed write are dropped with it. A failed inline write
//!   is treated the same way (its bytes are accepted and its error kept for the next operation), so
//!   that a file behaves alike whether its writes go inline or through the pool.

use std::fs::File as StdFile;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::mem;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker, ready};

use tokio::io::ReadBuf;
use zokio_task::{JoinError, JoinHandle};

use super::nowait::{self, Nowait};
use crate::blocking::{poll_trip, spawn};

/// The most bytes one trip moves unless [`File::set_max_buf_size`](super::File::set_max_buf_size)
/// says otherwise.
pub(super) const DEFAULT_MAX_BUF_SIZE: usize = 2 * 1024 * 1024;

/// The most bytes one non-blocking read copies on the task's thread, so that a huge read of a cached
/// file does not hold the worker for long (a read may return fewer bytes than asked).
const INLINE_READ_MAX: usize = 256 * 1024;

/// The most bytes one write tries on the task's thread. A bigger write tries its first
/// `INLINE_WRITE_MAX` bytes and, if the kernel takes them all, returns that short count: a
/// `write_all` of 64 MiB in 1 MiB calls then makes the same `pwritev2` calls as a plain loop would,
/// with no copy into a buffer and no trip (and no fresh megabyte buffers per file, whose page
/// faults made such a file 15-25% slower than Tokio's). What the kernel refuses goes to the pool.
pub(super) const INLINE_WRITE_MAX: usize = 256 * 1024;

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

    /// Hands out at most `max` buffered bytes into `dst`.
    fn copy_to(&mut self, dst: &mut ReadBuf<'_>, max: usize) {
        let n = dst.remaining().min(self.remaining()).min(max);
        dst.put_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
    }

    fn discard(&mut self) {
        self.data.clear();
        self.pos = 0;
    }
}

/// Bytes accepted while a write trip runs. The trip drains it before it ends; `closed` (set by the
/// trip when it finds the queue empty, under the lock) tells the writer that nobody will drain it
/// any more, so the writer must start a new trip instead. A writer that finds the queue full parks
/// its waker here; the trip wakes it whenever it takes the queued bytes (room again) or closes, so
/// the writer fills the next batch while the trip writes the current one.
#[derive(Debug)]
pub(super) struct Queue {
    data: Vec<u8>,
    closed: bool,
    writer: Option<Waker>,
}

type SharedQueue = Arc<Mutex<Queue>>;

fn lock(queue: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    // The closure holding the lock only moves bytes between vectors: consistent even if poisoned.
    queue.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug)]
pub(super) enum Op {
    Read(io::Result<usize>),
    /// The bytes written, all of them (`write_all`), or the first error.
    Write(io::Result<u64>),
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
    queue: SharedQueue,
    error: Option<io::Error>,
    /// Whether non-blocking reads are still worth trying on this file.
    nowait_read: bool,
    /// Whether non-blocking writes are still worth trying on this file.
    nowait_write: bool,
    max_buf: usize,
    /// A seek started by Tokio's `start_seek` and not yet run by `poll_complete` (or by the next
    /// read, write or flush, which run it first).
    seek: Option<SeekFrom>,
    offset: Offset,
}

/// What a file knows of its descriptor's OS offset.
#[derive(Debug, Default)]
struct Offset {
    /// The offset, where known: set by every seek the file makes and moved on by every read and
    /// write it makes; `None` after an error, until the next seek or query.
    known: Option<u64>,
    /// Whether a write moved `known` on since the OS last told it: right only if the descriptor
    /// does not append (an appending write moves the offset to the end of the file instead).
    wrote: bool,
    /// Whether the descriptor appends (`O_APPEND`), once asked.
    append: Option<bool>,
    /// Whether another party may move the offset: the descriptor came from outside, was
    /// duplicated or was lent out (see `File::shared`). Then `known` is never trusted.
    shared: bool,
    /// How many times [`Offset::get`] asked the OS.
    #[cfg(test)]
    queries: usize,
    /// How many seeks went to the OS (the others were found to be no-ops).
    #[cfg(test)]
    seeks: usize,
}

impl Offset {
    /// The offset kept, where it can be trusted: it is known (the file has seen a seek and no
    /// operation failed since), nobody else may move it (not `shared`), and no write has moved it
    /// on a descriptor that appends.
    fn trusted(&mut self, std: &StdFile) -> Option<u64> {
        let pos = self.known?;
        let moved_elsewhere = self.shared || (self.wrote && self.appends(std));
        (!moved_elsewhere).then_some(pos)
    }

    /// The OS offset: the [trusted](Offset::trusted) one, else asked of the OS (an `lseek`), and
    /// kept.
    fn get(&mut self, std: &StdFile) -> io::Result<u64> {
        if let Some(pos) = self.trusted(std) {
            return Ok(pos);
        }
        #[cfg(test)]
        {
            self.queries += 1;
        }
        let mut std = std;
        self.learn(std.stream_position())
    }

    /// Keeps the result of a seek as the offset, or forgets the offset on failure.
    fn learn(&mut self, result: io::Result<u64>) -> io::Result<u64> {
        self.known = result.as_ref().ok().copied();
        self.wrote = false;
        result
    }

    fn forget(&mut self) {
        self.known = None;
    }

    /// Moves the offset on by a read of `n` bytes.
    fn read(&mut self, n: usize) {
        if let Some(pos) = &mut self.known {
            *pos += n as u64;
        }
    }

    /// Moves the offset on by a write of `n` bytes (see [`Offset::trusted`] for descriptors that
    /// append).
    fn wrote(&mut self, n: u64) {
        if let Some(pos) = &mut self.known {
            *pos += n;
            self.wrote = true;
        }
    }

    fn appends(&mut self, std: &StdFile) -> bool {
        *self.append.get_or_insert_with(|| appends(std))
    }
}

fn spawn_write(std: Arc<StdFile>, buf: Buf, queue: &SharedQueue) -> State {
    lock(queue).closed = false;
    let queue = queue.clone();
    let handle = spawn(move || {
        let mut buf = buf;
        let mut total = 0u64;
        loop {
            let written = (&*std).write_all(&buf.data);
            total += buf.data.len() as u64;
            buf.discard();
            let mut queued = lock(&queue);
            let writer = queued.writer.take();
            let done = match written {
                Err(error) => {
                    queued.data.clear();
                    Some(Err(error))
                }
                Ok(()) if queued.data.is_empty() => Some(Ok(total)),
                Ok(()) => {
                    // Take the queued bytes, leaving our spent allocation for the next ones.
                    mem::swap(&mut buf.data, &mut queued.data);
                    None
                }
            };
            queued.closed = done.is_some();
            drop(queued);
            if let Some(writer) = writer {
                writer.wake();
            }
            if let Some(result) = done {
                return (Op::Write(result), buf);
            }
        }
    });
    State::Busy {
        handle,
        write: true,
    }
}

/// How many of `want` bytes the write queue takes now (0: wait for the trip). At most `max_buf` in
/// all, and never by growing the queue's allocation past [`INLINE_WRITE_MAX`]: a big batch takes
/// what fits in the allocation it has, and a big write that does not fit waits for the trip, whose
/// spent buffer then takes it without allocating. Growing instead gave a file a second and a third
/// megabyte block for a run of 1 MiB writes (Tokio's file has one): freed together when the file
/// closed, they made glibc trim its heap, and every new file faulted its blocks in again, 4 KiB
/// at a time (177,000 page faults in a run where Tokio's file had 6,000).
fn queue_room(queued: &Vec<u8>, max_buf: usize, want: usize) -> usize {
    let n = want.min(max_buf.saturating_sub(queued.len()));
    let fits = queued.capacity() - queued.len();
    if n > fits && queued.len() + n > INLINE_WRITE_MAX {
        fits
    } else {
        n
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
            queue: Arc::new(Mutex::new(Queue {
                data: Vec::new(),
                closed: true,
                writer: None,
            })),
            error: None,
            nowait_read: true,
            nowait_write: true,
            max_buf: DEFAULT_MAX_BUF_SIZE,
            seek: None,
            offset: Offset::default(),
        }
    }

    /// Notes that another party may move the descriptor's offset from now on.
    pub(super) fn share(&mut self) {
        self.offset.shared = true;
    }

    /// How many seeks went to the OS (for tests).
    #[cfg(test)]
    pub(super) fn os_seeks(&self) -> usize {
        self.offset.seeks
    }

    /// The OS offset this file knows, if any (for tests).
    #[cfg(test)]
    pub(super) fn known_offset(&self) -> Option<u64> {
        self.offset.known
    }

    /// How many times the file asked the OS for its offset (for tests).
    #[cfg(test)]
    pub(super) fn offset_queries(&self) -> usize {
        self.offset.queries
    }

    pub(super) fn max_buf_size(&self) -> usize {
        self.max_buf
    }

    pub(super) fn set_max_buf_size(&mut self, max_buf: usize) {
        self.max_buf = max_buf.max(1);
    }

    /// Whether no trip is in flight and nothing is buffered: the descriptor alone is the file.
    pub(super) fn is_quiescent(&self) -> bool {
        matches!(&self.state, State::Idle(buf) if buf.remaining() == 0)
            && self.error.is_none()
            && self.seek.is_none()
    }

    /// Takes a trip's result; a write's error is kept for the next operation.
    fn finish(&mut self, result: Result<(Op, Buf), JoinError>) -> Finished {
        let (op, mut buf) = match result {
            Ok(done) => done,
            Err(error) => {
                // Only a runtime shutting down cancels a trip (our closures do not panic); what was
                // in flight or queued is lost, so report it like a failed write.
                let mut queue = lock(&self.queue);
                queue.data.clear();
                queue.closed = true;
                drop(queue);
                self.state = State::Idle(Buf::default());
                self.error = Some(io::Error::other(error));
                self.offset.forget();
                return Finished::Other;
            }
        };
        match op {
            Op::Read(result) => {
                match &result {
                    Ok(n) => self.offset.read(*n),
                    Err(_) => self.offset.forget(),
                }
                self.state = State::Idle(buf);
                Finished::Read(result)
            }
            Op::Write(result) => {
                // What a write trip hands back is spent data, not read-ahead.
                buf.discard();
                self.state = State::Idle(buf);
                match result {
                    Ok(n) => self.offset.wrote(n),
                    Err(error) => {
                        self.error = Some(error);
                        self.offset.forget();
                    }
                }
                Finished::Other
            }
        }
    }

    /// Drives trips until none is in flight and no write is queued, then returns (and clears) the
    /// error of a background write, if any.
    pub(super) fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
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
                    self.finish(result);
                }
            }
        }
    }

    /// Reads into the unfilled part of `dst` (at most `max_buf` bytes); both trait families'
    /// `poll_read` end here.
    pub(super) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let coop = ready!(zokio_coop::poll_proceed(cx));
        if let Err(error) = ready!(self.poll_pending_seek(cx, std)) {
            coop.made_progress();
            return Poll::Ready(Err(error));
        }
        loop {
            match &mut self.state {
                State::Idle(buf) => {
                    if let Some(error) = self.error.take() {
                        coop.made_progress();
                        return Poll::Ready(Err(error));
                    }
                    if buf.remaining() > 0 || dst.remaining() == 0 {
                        coop.made_progress();
                        // Bounded too: the data may come from a trip started before a smaller
                        // `max_buf` was set.
                        buf.copy_to(dst, self.max_buf);
                        return Poll::Ready(Ok(()));
                    }
                    if self.nowait_read {
                        // `max_buf` bounds what one read hands out, on the pool or not.
                        let len = dst.remaining().min(INLINE_READ_MAX).min(self.max_buf);
                        let before = dst.filled().len();
                        match nowait::read(std, dst, len) {
                            Nowait::Done(result) => {
                                match &result {
                                    Ok(()) => self.offset.read(dst.filled().len() - before),
                                    Err(_) => self.offset.forget(),
                                }
                                coop.made_progress();
                                return Poll::Ready(result);
                            }
                            Nowait::WouldBlock => {}
                            Nowait::Unsupported => self.nowait_read = false,
                        }
                    }
                    let len = dst.remaining().min(self.max_buf);
                    let buf = mem::take(buf);
                    self.state = spawn_read(std.clone(), buf, len);
                }
                State::Busy { handle, .. } => {
                    let result = ready!(poll_trip(handle, cx));
                    match self.finish(result) {
                        // End of file: say so now rather than reading again.
                        Finished::Read(Ok(0)) => {
                            coop.made_progress();
                            return Poll::Ready(Ok(()));
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
        if let Err(error) = ready!(self.poll_pending_seek(cx, std)) {
            coop.made_progress();
            return Poll::Ready(Err(error));
        }
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
                        let stepped = (&**std).seek(SeekFrom::Current(-back));
                        if let Err(error) = self.offset.learn(stepped) {
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
                    // Nothing in flight or queued (the state is idle): a write on this thread
                    // lands in order.
                    let mut inline = 0;
                    if self.nowait_write {
                        // A big write is tried in part: what the kernel takes here needs no copy
                        // into a buffer and no trip, and the caller's next write goes on from it.
                        let tried = n.min(INLINE_WRITE_MAX);
                        match nowait::write(std, &src[..tried]) {
                            Nowait::Done(Ok(written)) if written >= tried && tried < n => {
                                self.offset.wrote(tried as u64);
                                coop.made_progress();
                                return Poll::Ready(Ok(tried));
                            }
                            Nowait::Done(Ok(written)) => {
                                inline = written.min(tried);
                                self.offset.wrote(inline as u64);
                            }
                            Nowait::Done(Err(error)) => {
                                // As a failed trip would: accepted, reported by the next call.
                                self.error = Some(error);
                                self.offset.forget();
                                coop.made_progress();
                                return Poll::Ready(Ok(n));
                            }
                            Nowait::WouldBlock => {}
                            Nowait::Unsupported => self.nowait_write = false,
                        }
                    }
                    if inline < n {
                        // The rest (all of it unless the kernel took a part) goes to the pool.
                        let mut buf = mem::take(buf);
                        buf.discard();
                        buf.data.extend_from_slice(&src[inline..n]);
                        self.state = spawn_write(std.clone(), buf, &self.queue);
                    }
                    coop.made_progress();
                    return Poll::Ready(Ok(n));
                }
                State::Busy { handle, write } => {
                    if *write {
                        let mut queue = lock(&self.queue);
                        if !queue.closed {
                            let n = queue_room(&queue.data, self.max_buf, src.len());
                            if n == 0 {
                                // Full: the trip wakes us when it takes the batch or closes. The
                                // handle is watched too, for a trip cancelled before it ran.
                                let replaced = queue.writer.replace(cx.waker().clone());
                                drop(queue);
                                // Dropped after the unlock: a waker's `Drop` is user code.
                                drop(replaced);
                                let result = ready!(poll_trip(handle, cx));
                                self.finish(result);
                                continue;
                            }
                            queue.data.extend_from_slice(&src[..n]);
                            drop(queue);
                            coop.made_progress();
                            return Poll::Ready(Ok(n));
                        }
                    }
                    // A read, or a write trip that is ending: wait for it, then start another.
                    let result = ready!(poll_trip(handle, cx));
                    self.finish(result);
                }
            }
        }
    }

    /// The futures-io seek: runs a seek left pending by Tokio's `start_seek` first (so the two
    /// families may be mixed), then this one.
    pub(super) fn poll_seek(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        ready!(self.poll_pending_seek(cx, std))?;
        self.poll_seek_now(cx, std, pos)
    }

    /// Waits for writes in flight, then seeks; one budget unit.
    fn poll_seek_now(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        // One unit per seek, as in Tokio (whose seeks are trips, and a trip's handle spends one);
        // waiting for writes in flight is part of the seek and spends none.
        let coop = ready!(zokio_coop::poll_proceed(cx));
        let idle = ready!(zokio_coop::with_budget(
            zokio_coop::Budget::unconstrained(),
            || self.poll_idle(cx)
        ));
        coop.made_progress();
        idle?;
        let State::Idle(buf) = &mut self.state else {
            unreachable!("poll_idle returns Ready only when idle");
        };
        if buf.remaining() == 0 {
            // A seek to where the descriptor is already needs no `lseek`: the next operation of
            // a read-then-seek-back loop, or `stream_position`.
            if let Some(at) = self.offset.trusted(std) {
                let target = match pos {
                    SeekFrom::Start(target) => Some(target),
                    SeekFrom::Current(delta) => at.checked_add_signed(delta),
                    SeekFrom::End(_) => None,
                };
                if target == Some(at) {
                    return Poll::Ready(Ok(at));
                }
            }
        }
        #[cfg(test)]
        {
            self.offset.seeks += 1;
        }
        // `lseek` does no I/O, so it runs here rather than as a trip.
        let pos = match pos {
            SeekFrom::Current(offset) => SeekFrom::Current(offset - buf.remaining() as i64),
            other => other,
        };
        let result = (&**std).seek(pos);
        if result.is_ok() {
            buf.discard();
        }
        Poll::Ready(self.offset.learn(result))
    }

    /// Records a seek for [`poll_complete`](Self::poll_complete) (Tokio's `start_seek`).
    pub(super) fn start_seek(&mut self, pos: SeekFrom) -> io::Result<()> {
        if self.seek.is_some() {
            return Err(io::Error::other(
                "a seek is already pending: call poll_complete before start_seek",
            ));
        }
        self.seek = Some(pos);
        Ok(())
    }

    /// Tokio's `poll_complete`: runs the seek that `start_seek` recorded and returns the new
    /// position. Without one, waits for writes in flight (returning their error) and returns the
    /// current position, spending no budget: `AsyncSeekExt::seek` calls it before `start_seek`,
    /// and one seek costs one unit, as on the futures-io path.
    pub(super) fn poll_complete(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
    ) -> Poll<io::Result<u64>> {
        if let Some(pos) = self.seek {
            let result = ready!(self.poll_seek_now(cx, std, pos));
            self.seek = None;
            return Poll::Ready(result);
        }
        ready!(zokio_coop::with_budget(
            zokio_coop::Budget::unconstrained(),
            || self.poll_idle(cx)
        ))?;
        let State::Idle(buf) = &self.state else {
            unreachable!("poll_idle returns Ready only when idle");
        };
        let unread = buf.remaining() as u64;
        Poll::Ready(self.offset.get(std).map(|pos| pos - unread))
    }

    /// Runs a seek recorded by `start_seek` before another operation, which has spent the budget
    /// unit already.
    fn poll_pending_seek(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
    ) -> Poll<io::Result<()>> {
        let Some(pos) = self.seek else {
            return Poll::Ready(Ok(()));
        };
        let result = ready!(zokio_coop::with_budget(
            zokio_coop::Budget::unconstrained(),
            || self.poll_seek_now(cx, std, pos)
        ));
        self.seek = None;
        Poll::Ready(result.map(drop))
    }

    /// Runs a pending seek, then [`poll_idle`](Self::poll_idle): `flush`, and the start of every
    /// method that needs the descriptor settled.
    pub(super) fn poll_flush(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
    ) -> Poll<io::Result<()>> {
        ready!(self.poll_pending_seek(cx, std))?;
        self.poll_idle(cx)
    }

    /// Makes the OS position the user's (after a flush): drops read-ahead data, stepping back over it.
    pub(super) fn sync_position(&mut self, std: &Arc<StdFile>) -> io::Result<()> {
        if let State::Idle(buf) = &mut self.state {
            if buf.remaining() > 0 {
                let stepped = (&**std).seek(SeekFrom::Current(-(buf.remaining() as i64)));
                self.offset.learn(stepped)?;
                buf.discard();
            }
        }
        Ok(())
    }
}

/// Whether `file`'s descriptor appends (`O_APPEND`); `true` when that cannot be told, so that the
/// caller asks the OS for the offset after writes rather than trust a guess.
#[cfg(unix)]
fn appends(file: &StdFile) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: `F_GETFL` only reads the status flags of a descriptor that is open for the lifetime
    // of `file`.
    let flags = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETFL) };
    flags < 0 || flags & libc::O_APPEND != 0
}

#[cfg(not(unix))]
fn appends(_file: &StdFile) -> bool {
    true
}

#[cfg(test)]
mod tests;
