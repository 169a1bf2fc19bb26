//! Reads and writes that never block: `preadv2`/`pwritev2` with `RWF_NOWAIT` at the file's current
//! position.
//!
//! With `RWF_NOWAIT` the kernel copies data that is already in the page cache (or, for a write,
//! into pages it can take without waiting) and returns `EAGAIN` instead of waiting for the disk, a
//! lock or memory, so the call can run on the task's own thread: a page-cache hit costs one
//! syscall instead of two thread hand-offs through the blocking pool. File systems (and file
//! types) that do not support the flag answer `EOPNOTSUPP` (or `EINVAL`); the file then stops
//! trying. Reads are supported by most local file systems; buffered writes by those that declare
//! non-blocking buffered writes (XFS since Linux 6.0, btrfs since 6.1; not ext4 or tmpfs as of
//! 6.18), and by pipes and character devices such as `/dev/null`.
//!
//! In this crate's unit tests, [`force_write`] makes the writes of the current thread answer as a
//! file system would that refuses the flag, always waits, takes it, or fails, without the
//! `pwritev2` call: so every path is tested on any file system.

use std::fs::File;
use std::io;

use tokio::io::ReadBuf;

/// What an attempt at a non-blocking read or write gave.
pub(super) enum Nowait<T> {
    /// The call completed (a read filled nothing at end of file; a write may be short).
    Done(io::Result<T>),
    /// The data is not in memory, or the write would wait (or the call was interrupted): use the
    /// blocking pool.
    WouldBlock,
    /// This file does not support the flag at all.
    Unsupported,
}

#[cfg(test)]
std::thread_local! {
    /// What [`force_write`] asked for, and how many writes were answered that way.
    static FORCED: std::cell::Cell<(Option<Forced>, usize)> =
        const { std::cell::Cell::new((None, 0)) };
}

/// An answer the test-only switch [`force_write`] gives instead of the `pwritev2` call.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Forced {
    /// As a file system without non-blocking buffered writes (ext4, tmpfs): `EOPNOTSUPP`.
    Unsupported,
    /// As a file whose writes would always wait: `EAGAIN`.
    WouldBlock,
    /// As a file system that takes the flag (XFS, btrfs): a plain `write(2)` of at most `max`
    /// bytes, so a longer write is short, as when the kernel would have waited for the rest.
    Accept {
        /// The most bytes one write takes.
        max: usize,
    },
    /// As a write that fails with this OS error.
    Fail(i32),
}

/// Makes this thread's non-blocking writes answer `forced` (`None`: make the real call again);
/// returns how many writes the previous setting answered.
#[cfg(test)]
pub(super) fn force_write(forced: Option<Forced>) -> usize {
    FORCED.with(|f| f.replace((forced, 0)).1)
}

/// The forced answer for this write, if a test asked for one.
#[cfg(test)]
fn forced_write(file: &File, src: &[u8]) -> Option<Nowait<usize>> {
    use std::io::Write;

    let (forced, calls) = FORCED.with(std::cell::Cell::get);
    let answer = forced?;
    FORCED.with(|f| f.set((Some(answer), calls + 1)));
    Some(match answer {
        Forced::Unsupported => Nowait::Unsupported,
        Forced::WouldBlock => Nowait::WouldBlock,
        Forced::Accept { max } => Nowait::Done((&*file).write(&src[..src.len().min(max)])),
        Forced::Fail(code) => Nowait::Done(Err(io::Error::from_raw_os_error(code))),
    })
}

#[cfg(not(test))]
fn forced_write(_file: &File, _src: &[u8]) -> Option<Nowait<usize>> {
    None
}

/// Sorts a failed call's error.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn failed<T>() -> Nowait<T> {
    let error = io::Error::last_os_error();
    match error.raw_os_error() {
        Some(libc::EAGAIN) | Some(libc::EINTR) => Nowait::WouldBlock,
        // EOPNOTSUPP: the file system or file type lacks the flag (a buffered write on ext4 or
        // tmpfs); EINVAL: the same for a write on some file systems, or a kernel older than
        // `RWF_NOWAIT` (4.14); ENOSYS: a kernel older than `preadv2` (4.6); ESPIPE: a descriptor
        // without a position. Whatever the real cause, the blocking call on the pool gives the
        // genuine result.
        Some(libc::EOPNOTSUPP) | Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::ESPIPE) => {
            Nowait::Unsupported
        }
        _ => Nowait::Done(Err(error)),
    }
}

/// Reads at most `len` bytes (no more than `buf.remaining()`) at the current position of `file`
/// into the unfilled part of `buf` without blocking on I/O, moving the position like `read(2)`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(super) fn read(file: &File, buf: &mut ReadBuf<'_>, len: usize) -> Nowait<()> {
    use std::os::fd::AsRawFd;

    // SAFETY: the kernel only writes into this memory; no byte is de-initialised.
    let unfilled = unsafe { buf.unfilled_mut() };
    let len = len.min(unfilled.len());
    let iov = libc::iovec {
        iov_base: unfilled.as_mut_ptr().cast(),
        iov_len: len,
    };
    // SAFETY: `iov` describes the first `len` bytes of the unfilled part of `buf`, valid for writes
    // (uninitialised memory is fine for the kernel to write to) and exclusively borrowed for the
    // call; the descriptor is open for the lifetime of `file`. An offset of -1 makes the kernel use
    // (and advance) the file position, as `read(2)` does.
    let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, -1, libc::RWF_NOWAIT) };
    if n >= 0 {
        let n = n as usize;
        // SAFETY: the kernel wrote `n` bytes at the start of the unfilled part.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        return Nowait::Done(Ok(()));
    }
    failed()
}

/// Writes `src` at the current position of `file` (or at its end, for a file opened to append)
/// without blocking, moving the position like `write(2)`; returns the bytes written, which may
/// be fewer than `src.len()` when the kernel would have had to wait for the rest.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(super) fn write(file: &File, src: &[u8]) -> Nowait<usize> {
    use std::os::fd::AsRawFd;

    if let Some(answer) = forced_write(file, src) {
        return answer;
    }
    let iov = libc::iovec {
        iov_base: src.as_ptr().cast_mut().cast(),
        iov_len: src.len(),
    };
    // SAFETY: `iov` describes `src`, valid for reads for the call (the kernel only reads through
    // it, whatever the pointer's mutability); the descriptor is open for the lifetime of `file`.
    // An offset of -1 makes the kernel use (and advance) the file position, as `write(2)` does,
    // and honour `O_APPEND`.
    let n = unsafe { libc::pwritev2(file.as_raw_fd(), &iov, 1, -1, libc::RWF_NOWAIT) };
    if n >= 0 {
        return Nowait::Done(Ok(n as usize));
    }
    failed()
}

/// Elsewhere there is no such call: every read goes to the blocking pool.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(super) fn read(_file: &File, _buf: &mut ReadBuf<'_>, _len: usize) -> Nowait<()> {
    Nowait::Unsupported
}

/// Elsewhere there is no such call: every write goes to the blocking pool.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(super) fn write(file: &File, src: &[u8]) -> Nowait<usize> {
    forced_write(file, src).unwrap_or(Nowait::Unsupported)
}
