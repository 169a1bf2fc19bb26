//! Socket options and conversions of [`TcpStream`] and [`TcpListener`] that Tokio has and the
//! main files do not: `set_zero_linger`, `take_error`, `quickack`, `TryFrom` the std types.

use std::io;
use std::time::Duration;

use socket2::SockRef;

use crate::net::{TcpListener, TcpStream};

impl TcpStream {
    /// Sets `SO_LINGER` to zero: dropping the stream then discards unsent data and resets the
    /// connection (the peer sees `ConnectionReset`) instead of shutting it down gracefully.
    ///
    /// ```
    /// use zokio_reactor::net::{TcpListener, TcpStream};
    /// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
    /// # reactor.block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_zero_linger()?;
    /// assert_eq!(stream.linger()?, Some(std::time::Duration::ZERO));
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn set_zero_linger(&self) -> io::Result<()> {
        SockRef::from(self).set_linger(Some(Duration::ZERO))
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        SockRef::from(self).take_error()
    }

    /// Whether `TCP_QUICKACK` is set.
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn quickack(&self) -> io::Result<bool> {
        SockRef::from(self).quickack()
    }

    /// Sets `TCP_QUICKACK` (send ACKs at once rather than delayed; the kernel may reset it).
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn set_quickack(&self, quickack: bool) -> io::Result<()> {
        SockRef::from(self).set_quickack(quickack)
    }
}

impl TryFrom<std::net::TcpStream> for TcpStream {
    type Error = io::Error;

    /// [`TcpStream::from_std`]: registers the stream with the current reactor.
    fn try_from(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std(stream)
    }
}

impl TcpListener {
    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        SockRef::from(self).take_error()
    }
}

impl TryFrom<std::net::TcpListener> for TcpListener {
    type Error = io::Error;

    /// [`TcpListener::from_std`]: registers the listener with the current reactor.
    fn try_from(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(listener)
    }
}
