//! Unix-domain sockets: [`UnixListener`], [`UnixStream`] with its halves, [`UnixDatagram`].

mod addr_ops;
mod datagram;
mod listener;
mod ready;
mod split;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
pub use std::os::unix::net::SocketAddr;
pub use stream::UnixStream;

use std::io;
use std::path::Path;

/// The address of a path that names a Linux *abstract* socket: one whose first byte is NUL, as in
/// `"\0name"` (Tokio's convention; std spells it `SocketAddr::from_abstract_name`). `None` for an
/// ordinary path, which the callers hand to std unchanged.
///
/// Abstract names live in the network namespace rather than the file system: nothing is created on
/// disk, and the name goes away with the last socket bound to it.
pub(crate) fn abstract_addr(path: &Path) -> io::Result<Option<SocketAddr>> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        #[cfg(target_os = "android")]
        use std::os::android::net::SocketAddrExt;
        #[cfg(target_os = "linux")]
        use std::os::linux::net::SocketAddrExt;
        use std::os::unix::ffi::OsStrExt;

        if let Some((&0, name)) = path.as_os_str().as_bytes().split_first() {
            return SocketAddr::from_abstract_name(name).map(Some);
        }
    }
    let _ = path;
    Ok(None)
}
