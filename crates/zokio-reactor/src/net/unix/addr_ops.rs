//! [`UnixListener::bind_addr`], [`UnixStream::connect_addr`] (taking std's `SocketAddr`, as
//! Tokio's do), `take_error`, and `TryFrom` the std types.

use std::io;
use std::os::unix::net::SocketAddr;

use socket2::SockRef;

use crate::net::unix::{UnixListener, UnixStream};

impl UnixListener {
    /// Binds to `addr` (a path, or on Linux and Android an abstract name) and listens.
    ///
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// use std::os::linux::net::SocketAddrExt;
    /// use std::os::unix::net::SocketAddr;
    /// use zokio_reactor::net::{UnixListener, UnixStream};
    /// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
    /// # reactor.block_on(async {
    /// let name = format!("zokio-doc-bind-addr-{}", std::process::id());
    /// let addr = SocketAddr::from_abstract_name(name.as_bytes())?;
    /// let listener = UnixListener::bind_addr(&addr)?;
    /// let _client = UnixStream::connect_addr(&addr).await?;
    /// let (_server, _) = listener.accept().await?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `AddrInUse` when the address is taken, and other OS errors.
    pub fn bind_addr(addr: &SocketAddr) -> io::Result<UnixListener> {
        UnixListener::from_std(std::os::unix::net::UnixListener::bind_addr(addr)?)
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        SockRef::from(self).take_error()
    }
}

impl UnixStream {
    /// Connects to the socket at `addr`: a path, or on Linux and Android an abstract name.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for an unnamed address; otherwise as [`connect`](UnixStream::connect).
    pub async fn connect_addr(addr: &SocketAddr) -> io::Result<UnixStream> {
        if let Some(path) = addr.as_pathname() {
            return UnixStream::connect(path).await;
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            #[cfg(target_os = "android")]
            use std::os::android::net::SocketAddrExt;
            #[cfg(target_os = "linux")]
            use std::os::linux::net::SocketAddrExt;
            use std::os::unix::ffi::OsStrExt;

            if let Some(name) = addr.as_abstract_name() {
                // `connect`'s convention for abstract names: a path that starts with NUL.
                let path = [&[0u8][..], name].concat();
                return UnixStream::connect(std::ffi::OsStr::from_bytes(&path)).await;
            }
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "cannot connect to an unnamed Unix socket address",
        ))
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        SockRef::from(self).take_error()
    }
}

impl TryFrom<std::os::unix::net::UnixStream> for UnixStream {
    type Error = io::Error;

    /// [`UnixStream::from_std`]: registers the stream with the current reactor.
    fn try_from(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std(stream)
    }
}

impl TryFrom<std::os::unix::net::UnixListener> for UnixListener {
    type Error = io::Error;

    /// [`UnixListener::from_std`]: registers the listener with the current reactor.
    fn try_from(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        UnixListener::from_std(listener)
    }
}
