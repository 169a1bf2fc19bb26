//! Reads that never block: `preadv2(RWF_NOWAIT)` at the file's current position.
//!
//! With `RWF_NOWAIT` the kernel copies data that is already in the page cache and returns `EAGAIN`
//! instead of waiting for the disk, so the read can run on the task's own thread: a page-cache hit
//! costs one syscall instead of two thread hand-offs through the blocking pool. File systems (and
//! file types) that do not support the flag answer `EOPNOTSUPP`; the file then stops trying.

use std::fs::File;
use std::io;

/// What an attempt at a non-blocking read gave.
pub(super) enum Nowait {
    /// The read completed (0 at end of file).
    Done(io::Result<usize>),
    /// The data is not in memory (or the call was interrupted): use the blocking pool.
    WouldBlock,
    /// This file does not support non-blocking reads at all.
    Unsupported,
}

/// Reads at most `buf.len()` bytes at the current position of `file` without blocking on I/O, moving
/// the position like `read(2)`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(super) fn read(file: &File, buf: &mut [u8]) -> Nowait {
    use std::os::fd::AsRawFd;

    let iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: `iov` describes `buf`, which is valid for writes of `buf.len()` bytes and exclusively
    // borrowed for the call; the descriptor is open for the lifetime of `file`. An offset of -1 makes
    // the kernel use (and advance) the file position, as `read(2)` does.
    let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, -1, libc::RWF_NOWAIT) };
    if n >= 0 {
        return Nowait::Done(Ok(n as usize));
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
pub(super) fn read(_file: &File, _buf: &mut [u8]) -> Nowait {
    Nowait::Unsupported
}
