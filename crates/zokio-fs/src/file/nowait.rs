//! Reads that never block: `preadv2(RWF_NOWAIT)` at the file's current position.
//!
//! With `RWF_NOWAIT` the kernel copies data that is already in the page cache and returns `EAGAIN`
//! instead of waiting for the disk, so the read can run on the task's own thread: a page-cache hit
//! costs one syscall instead of two thread hand-offs through the blocking pool. File systems (and
//! file types) that do not support the flag answer `EOPNOTSUPP`; the file then stops trying.

use std::fs::File;
use std::io;

use tokio::io::ReadBuf;

/// What an attempt at a non-blocking read gave.
pub(super) enum Nowait {
    /// The read completed (and filled nothing at end of file).
    Done(io::Result<()>),
    /// The data is not in memory (or the call was interrupted): use the blocking pool.
    WouldBlock,
    /// This file does not support non-blocking reads at all.
    Unsupported,
}

/// Reads at most `len` bytes (no more than `buf.remaining()`) at the current position of `file`
/// into the unfilled part of `buf` without blocking on I/O, moving the position like `read(2)`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(super) fn read(file: &File, buf: &mut ReadBuf<'_>, len: usize) -> Nowait {
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
    let error = io::Error::last_os_error();
    match error.raw_os_error() {
        Some(libc::EAGAIN) | Some(libc::EINTR) => Nowait::WouldBlock,
        // EOPNOTSUPP: the file system or file type lacks the flag; EINVAL/ENOSYS: a kernel older than
        // `preadv2` or `RWF_NOWAIT` (4.14); ESPIPE: a descriptor without a position.
        Some(libc::EOPNOTSUPP) | Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::ESPIPE) => {
            Nowait::Unsupported
        }
        _ => Nowait::Done(Err(error)),
    }
}

/// Elsewhere there is no such call: every read goes to the blocking pool.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(super) fn read(_file: &File, _buf: &mut ReadBuf<'_>, _len: usize) -> Nowait {
    Nowait::Unsupported
}
