//! The poller elsewhere (macOS, iOS, the BSDs): the `polling` crate, through its public API only.

use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

use polling::{Event, Events, PollMode};

use super::ReadyKey;

/// The reactor's poller (kqueue, through `polling`).
#[derive(Debug)]
pub(crate) struct Poller {
    poller: polling::Poller,
}

impl Poller {
    pub(crate) fn new() -> io::Result<Poller> {
        let poller = polling::Poller::new()?;
        if !poller.supports_edge() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "zokio-reactor needs an edge-triggered poller (epoll or kqueue)",
            ));
        }
        Ok(Poller { poller })
    }

    /// Adds `fd`, edge-triggered, for both directions. Its events carry `key`.
    ///
    /// # Safety
    ///
    /// As for `polling`'s `add`: `fd` must be deleted before it is closed.
    pub(crate) unsafe fn add(&self, fd: RawFd, key: usize) -> io::Result<()> {
        // SAFETY: forwarded to the caller.
        unsafe {
            self.poller
                .add_with_mode(fd, Event::all(key), PollMode::Edge)
        }
    }

    /// Removes `fd`. Events already collected by a wait in progress may still carry its key.
    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.poller.delete(fd)
    }
}

/// Wakes a waiting driver through `polling`'s notify.
#[derive(Debug)]
pub(crate) struct Notifier;

impl Notifier {
    pub(crate) fn new(_poller: &Poller) -> io::Result<Notifier> {
        Ok(Notifier)
    }

    pub(crate) fn notify(&self, poller: &Poller) {
        // Only fails if the poller's own wake-up channel is broken; nothing better to do then.
        let _ = poller.poller.notify();
    }
}

/// The driver's event buffer.
#[derive(Debug)]
pub(crate) struct Selector {
    events: Events,
}

impl Selector {
    pub(crate) fn new(capacity: NonZeroUsize) -> Selector {
        Selector {
            events: Events::with_capacity(capacity),
        }
    }

    /// Waits for events and appends the sources' events to `ready`.
    pub(crate) fn wait(
        &mut self,
        poller: &Poller,
        _notifier: &Notifier,
        timeout: Option<Duration>,
        ready: &mut Vec<ReadyKey>,
    ) -> io::Result<()> {
        use crate::io::source::bits;
        self.events.clear();
        poller.poller.wait(&mut self.events, timeout)?;
        for event in self.events.iter() {
            let hup = event.is_interrupt();
            let err = event.is_err().unwrap_or(false);
            ready.push(ReadyKey {
                key: event.key,
                readable: event.readable,
                writable: event.writable,
                extra: (if hup { bits::CLOSED } else { 0 })
                    | (if event.is_priority() {
                        bits::PRIORITY
                    } else {
                        0
                    })
                    | (if err { bits::ERROR } else { 0 }),
            });
        }
        Ok(())
    }
}
