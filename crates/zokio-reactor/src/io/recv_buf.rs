//! Receiving into Tokio's [`ReadBuf`] and into a [`BufMut`]: the buffer plumbing of the datagram
//! sockets' `poll_recv*`, `recv_buf*` and `try_recv_buf*` methods. The syscall is the caller's
//! `op`, which gets the uninitialised free space and returns how many bytes it wrote there.

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::AsFd;

use bytes::BufMut;
use socket2::{SockAddr, SockRef};
use tokio::io::ReadBuf;

/// Runs `op` on `buf`'s unfilled part and marks the `n` bytes it received filled.
pub(crate) fn into_read_buf<A>(
    buf: &mut ReadBuf<'_>,
    op: impl FnOnce(&mut [MaybeUninit<u8>]) -> io::Result<(usize, A)>,
) -> io::Result<A> {
    // SAFETY: `op` receives into the slice, which never de-initialises a byte (the one thing the
    // caller of `unfilled_mut` must not do).
    let (n, addr) = op(unsafe { buf.unfilled_mut() })?;
    // SAFETY: `op` returned `n`, the bytes the syscall wrote at the start of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Ok(addr)
}

/// Runs `op` on `buf`'s next chunk of free space and advances `buf` by the `n` bytes received.
pub(crate) fn into_buf_mut<B: BufMut, A>(
    buf: &mut B,
    op: impl FnOnce(&mut [MaybeUninit<u8>]) -> io::Result<(usize, A)>,
) -> io::Result<(usize, A)> {
    let chunk = buf.chunk_mut();
    // SAFETY: as above, `op` only receives into the slice and never writes uninitialised bytes.
    let (n, addr) = op(unsafe { chunk.as_uninit_slice_mut() })?;
    // SAFETY: the syscall initialised the first `n` bytes of the chunk.
    unsafe { buf.advance_mut(n) };
    Ok((n, addr))
}

/// One `recv(2)` with `flags` on `socket` into `dst`.
pub(crate) fn recv<T: AsFd>(
    socket: &T,
    dst: &mut [MaybeUninit<u8>],
    flags: libc::c_int,
) -> io::Result<(usize, ())> {
    Ok((SockRef::from(socket).recv_with_flags(dst, flags)?, ()))
}

/// One `recvfrom(2)` with `flags` on an IP socket into `dst`, with the sender's address.
pub(crate) fn recv_from_ip<T: AsFd>(
    socket: &T,
    dst: &mut [MaybeUninit<u8>],
    flags: libc::c_int,
) -> io::Result<(usize, std::net::SocketAddr)> {
    let (n, addr) = SockRef::from(socket).recv_from_with_flags(dst, flags)?;
    Ok((n, ip_addr(&addr)?))
}

/// The IP address of a sender, or an error for another family.
pub(crate) fn ip_addr(addr: &SockAddr) -> io::Result<std::net::SocketAddr> {
    addr.as_socket()
        .ok_or_else(|| io::Error::other("the sender's address is not an IP address"))
}

/// `dst` zeroed, for the syscalls of std that take an initialised slice (the standard library can
/// make a Unix `SocketAddr`, which has no public constructor, only from its own `recv_from`).
pub(crate) fn zeroed(dst: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    dst.fill(MaybeUninit::new(0));
    // SAFETY: every byte was just initialised, and `MaybeUninit<u8>` has `u8`'s layout.
    unsafe { &mut *(dst as *mut [MaybeUninit<u8>] as *mut [u8]) }
}
