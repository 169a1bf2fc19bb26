//! The dedupe of driver wake-ups: at most one write to the wake-up descriptor per park.

use std::sync::atomic::Ordering;

// From the loom facade: a loom model (`loom_tests.rs`) checks this protocol with a model of the
// descriptor in place of the eventfd.
use crate::loom::AtomicBool;

/// The descriptor a [`NotifyFlag`] writes to and drains: the eventfd (`epoll.rs`), or a model of one
/// under loom.
pub(crate) trait WakeFd {
    /// Makes the driver's current or next wait return (the wait reports the descriptor ready).
    fn write(&self);
    /// Consumes every pending write, so that the next wait blocks again. (The eventfd has nothing
    /// to do here: it is edge-triggered, see its `drain`. The loom model's descriptor is
    /// level-triggered, the harder case for the flag.)
    fn drain(&self);
}

/// Set from the first `notify` until the driver's next wait returns: later notifies skip the
/// syscall, since one pending wake-up is enough.
#[derive(Debug)]
pub(crate) struct NotifyFlag {
    /// Whether a wake-up is pending: written to the descriptor and not yet consumed by a wait.
    notified: AtomicBool,
}

impl NotifyFlag {
    /// A flag with no wake-up pending.
    pub(crate) fn new() -> NotifyFlag {
        NotifyFlag {
            notified: AtomicBool::new(false),
        }
    }

    /// Wakes the driver through `fd`, unless a wake-up is pending already.
    pub(crate) fn notify(&self, fd: &impl WakeFd) {
        if !self.notified.swap(true, Ordering::AcqRel) {
            fd.write();
        }
    }

    /// Called by the driver when a wait has returned, with whether the wait reported `fd` ready:
    /// drains it then, and re-arms the flag (any notify from here on writes again).
    ///
    /// The order matters. A notify between the drain and the re-arm is skipped, which is harmless:
    /// its caller published its work before notifying, and the driver's caller (the scheduler) checks
    /// for work after the park returns. A write between a re-arm and a drain would be erased by the
    /// drain while the flag stays set, and every later notify would be skipped: the driver could then
    /// sleep through every wake-up.
    ///
    /// The re-arm is a swap with acquire ordering, not a plain store: it then reads the flag as the
    /// last skipped notify left it, so that notify's caller's work happens before whatever the
    /// driver's caller does next, and it sees that work. With a release store, only a `SeqCst` fence
    /// on each side (or the hardware's ordering) would ensure it; the loom model
    /// (`loom_notify_flag_dedupe_never_loses_a_wake_up`) finds the lost wake-up without them.
    pub(crate) fn wait_returned(&self, fd: &impl WakeFd, fd_ready: bool) {
        if fd_ready {
            fd.drain();
        }
        self.notified.swap(false, Ordering::AcqRel);
    }
}
