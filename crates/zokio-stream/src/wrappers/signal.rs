//! [`SignalStream`].

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use zokio_reactor::signal::unix::Signal;

/// A [`Stream`] of the deliveries of a Unix signal, from a
/// [`Signal`](zokio_reactor::signal::unix::Signal) (the type `zokio::signal::unix::signal`
/// returns): one `()` per delivery (deliveries that arrive between two polls count as one). It
/// ends only if the runtime shuts down.
///
/// ```
/// use zokio::signal::unix::{SignalKind, signal};
/// use zokio_stream::StreamExt;
/// use zokio_stream::wrappers::SignalStream;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut usr1 = SignalStream::new(signal(SignalKind::user_defined1())?);
/// // SAFETY: `raise` sends SIGUSR1 to this thread, whose handler is installed above.
/// assert_eq!(unsafe { libc::raise(libc::SIGUSR1) }, 0);
/// assert_eq!(usr1.next().await, Some(()));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct SignalStream {
    inner: Signal,
}

impl SignalStream {
    /// Wraps `signal`.
    pub fn new(signal: Signal) -> Self {
        SignalStream { inner: signal }
    }

    /// Gives back the signal listener.
    pub fn into_inner(self) -> Signal {
        self.inner
    }
}

impl Stream for SignalStream {
    type Item = ();

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.inner.poll_recv(cx)
    }
}

impl AsRef<Signal> for SignalStream {
    fn as_ref(&self) -> &Signal {
        &self.inner
    }
}

impl AsMut<Signal> for SignalStream {
    fn as_mut(&mut self) -> &mut Signal {
        &mut self.inner
    }
}
