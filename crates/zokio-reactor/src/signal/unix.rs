//! Unix signals: [`signal`], [`Signal`], [`SignalKind`].

use std::future::poll_fn;
use std::io::{self, Read};
use std::os::unix::net::UnixStream;
use std::task::{Context, Poll, ready};

use crate::io::Async;
use crate::signal::registry::{Globals, MAX_SIGNAL, globals};

/// A kind of Unix signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(i32);

impl SignalKind {
    /// Any signal by number, e.g. a real-time signal.
    pub const fn from_raw(signum: i32) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal number.
    pub const fn as_raw_value(&self) -> i32 {
        self.0
    }

    /// `SIGALRM`.
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// `SIGCHLD`.
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// `SIGHUP`.
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// `SIGINT` (Ctrl-C).
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// `SIGIO`.
    pub const fn io() -> SignalKind {
        SignalKind(libc::SIGIO)
    }

    /// `SIGPIPE`.
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// `SIGQUIT`.
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// `SIGTERM`.
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// `SIGUSR1`.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// `SIGUSR2`.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// `SIGWINCH`.
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<i32> for SignalKind {
    fn from(signum: i32) -> SignalKind {
        SignalKind(signum)
    }
}

/// Listens for `kind`: every delivery after this call is seen by [`Signal::recv`] (repeated
/// deliveries between two `recv` calls may coalesce into one; see the [module docs](crate::signal)).
///
/// # Errors
///
/// `InvalidInput` for a signal that cannot be handled (`SIGKILL`, `SIGSTOP`, `SIGSEGV`, `SIGILL`,
/// `SIGFPE`, or an out-of-range number); other errors outside a reactor context with I/O enabled.
///
/// ```
/// use zokio_reactor::signal::unix::{SignalKind, signal};
/// # let mut reactor = zokio_reactor::Reactor::new(Default::default()).unwrap();
/// # reactor.block_on(async {
/// let mut usr2 = signal(SignalKind::user_defined2())?;
/// // SAFETY: `raise` sends SIGUSR2 to this thread only, and the handler is installed above.
/// assert_eq!(unsafe { libc::raise(libc::SIGUSR2) }, 0);
/// usr2.recv().await;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let signum = kind.0;
    if signum <= 0
        || signum as usize >= MAX_SIGNAL
        || signal_hook_registry::FORBIDDEN.contains(&signum)
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("signal {signum} cannot be handled"),
        ));
    }
    let globals = globals()?;
    globals.install(signum)?;
    let receiver = Async::new(globals.receiver()?)?;
    Ok(Signal {
        signum,
        seen: globals.slot(signum).version(),
        globals,
        receiver,
        waiter: None,
    })
}

/// A listener for one kind of signal. Created by [`signal`].
#[derive(Debug)]
pub struct Signal {
    signum: i32,
    /// The slot version this listener has reported.
    seen: u64,
    globals: &'static Globals,
    receiver: Async<UnixStream>,
    waiter: Option<usize>,
}

impl std::fmt::Debug for Globals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Globals").finish_non_exhaustive()
    }
}

impl Signal {
    /// Waits for the next delivery. Returns `None` only if the reactor shut down.
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next delivery; see [`recv`](Self::recv).
    ///
    /// A delivery spends a unit of the task's cooperative budget (as Tokio's does), so a loop
    /// over a signal that keeps arriving still yields.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let coop = ready!(zokio_coop::poll_proceed(cx));
        let slot = self.globals.slot(self.signum);
        // Register first, then check: a broadcast after the check finds this waker.
        slot.register_waker(&mut self.waiter, cx.waker());
        if self.take_delivery() {
            coop.made_progress();
            return Poll::Ready(Some(()));
        }
        // Drain the self-pipe through this listener's registration (any listener may do it), then
        // publish what was pending. These reads are part of this one `recv`: they spend no budget.
        loop {
            let read = self.receiver.try_read_with(|mut socket| {
                let mut buf = [0u8; 128];
                socket.read(&mut buf)
            });
            match read {
                Ok(0) => break,
                Ok(_) => {}
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    // Drained: wait for the next byte (an event that arrived meanwhile makes
                    // this ready, and the loop reads again).
                    match self.receiver.poll_readable_unbudgeted(cx) {
                        Poll::Pending => break,
                        Poll::Ready(Ok(())) => {}
                        Poll::Ready(Err(_)) => return Poll::Ready(None),
                    }
                }
                Err(_) => return Poll::Ready(None),
            }
        }
        self.globals.broadcast();
        if self.take_delivery() {
            coop.made_progress();
            return Poll::Ready(Some(()));
        }
        Poll::Pending
    }

    fn take_delivery(&mut self) -> bool {
        let version = self.globals.slot(self.signum).version();
        if version != self.seen {
            self.seen = version;
            return true;
        }
        false
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.globals.slot(self.signum).remove_waker(key);
        }
    }
}
