//! [`UnixListener`].

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

use crate::io::Async;
use crate::net::unix::{UnixStream, abstract_addr};

/// A Unix-domain socket that accepts connections.
///
/// ```
/// use zokio_reactor::net::{UnixListener, UnixStream};
/// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
/// # reactor.block_on(async {
/// let dir = std::env::temp_dir().join(format!("zokio-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("listener.sock");
/// # let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path)?;
/// let client = UnixStream::connect(&path).await?;
/// let (server, _) = listener.accept().await?;
/// assert_eq!(server.local_addr()?.as_pathname(), Some(path.as_path()));
/// # drop((client, server, listener));
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct UnixListener {
    io: Async<std::os::unix::net::UnixListener>,
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl UnixListener {
    /// Binds to `path` and listens.
    ///
    /// On Linux and Android a path whose first byte is NUL (`"\0name"`) binds the *abstract*
    /// socket `name`, which has no file.
    ///
    /// # Errors
    ///
    /// `AddrInUse` when `path` exists (or the abstract name is taken), and other OS errors.
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        let path = path.as_ref();
        let listener = match abstract_addr(path)? {
            Some(addr) => std::os::unix::net::UnixListener::bind_addr(&addr)?,
            None => std::os::unix::net::UnixListener::bind(path)?,
        };
        UnixListener::from_std(listener)
    }

    /// Registers a standard listener with the current reactor (switching it to non-blocking mode).
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: Async::new(listener)?,
        })
    }

    /// Deregisters the listener and returns it as a standard one, still in non-blocking mode.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        self.io.into_inner()
    }

    /// Accepts a connection. Any number of tasks may wait at once.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.read_with(|listener| listener.accept()).await?;
        Ok((UnixStream::from_std(stream)?, addr))
    }

    /// Polls for a connection (a single waker slot: one polling task at a time).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        self.io
            .poll_read_with(cx, |listener| listener.accept())
            .map(|result| {
                let (stream, addr) = result?;
                Ok((UnixStream::from_std(stream)?, addr))
            })
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}
