//! [`Interest`] (what a task waits for) and [`Ready`] (what a descriptor is ready for), with
//! Tokio's constants, methods and operators.
//!
//! Both are bit sets. `Ready`'s bits are the ones the reactor stores per source (see
//! `io::source`), so a readiness snapshot converts to a `Ready` with a mask and nothing else.

use std::fmt;
use std::ops;

use crate::io::source::bits;

/// The readiness a task waits for: readable, writable, an error, or (Linux and Android) priority
/// data. Combine them with `|` or [`add`](Interest::add).
///
/// ```
/// use zokio_reactor::io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert_eq!(both.remove(Interest::READABLE), Some(Interest::WRITABLE));
/// assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Interest(usize);

impl Interest {
    /// Interest in reading: satisfied by [`Ready::READABLE`] or [`Ready::READ_CLOSED`].
    pub const READABLE: Interest = Interest(bits::READABLE);

    /// Interest in writing: satisfied by [`Ready::WRITABLE`] or [`Ready::WRITE_CLOSED`].
    pub const WRITABLE: Interest = Interest(bits::WRITABLE);

    /// Interest in error readiness: satisfied by [`Ready::ERROR`] (an `EPOLLERR` on Linux, for
    /// example a UDP socket with `IP_RECVERR` whose error queue is not empty).
    pub const ERROR: Interest = Interest(bits::ERROR);

    /// Interest in priority data (`EPOLLPRI`, e.g. TCP out-of-band data): satisfied by
    /// [`Ready::PRIORITY`] or [`Ready::READ_CLOSED`].
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const PRIORITY: Interest = Interest(bits::PRIORITY);

    /// Whether the set includes readable interest.
    pub const fn is_readable(self) -> bool {
        self.0 & bits::READABLE != 0
    }

    /// Whether the set includes writable interest.
    pub const fn is_writable(self) -> bool {
        self.0 & bits::WRITABLE != 0
    }

    /// Whether the set includes error interest.
    pub const fn is_error(self) -> bool {
        self.0 & bits::ERROR != 0
    }

    /// Whether the set includes priority interest.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const fn is_priority(self) -> bool {
        self.0 & bits::PRIORITY != 0
    }

    /// The union of `self` and `other` (usable in constants, unlike `|`).
    ///
    /// ```
    /// use zokio_reactor::io::Interest;
    ///
    /// const BOTH: Interest = Interest::READABLE.add(Interest::WRITABLE);
    /// assert!(BOTH.is_readable() && BOTH.is_writable());
    /// ```
    #[must_use = "this returns the union, without modifying `self`"]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// `self` without the interests in `other`; `None` if nothing is left.
    #[must_use = "this returns the difference, without modifying `self`"]
    pub fn remove(self, other: Interest) -> Option<Interest> {
        let left = self.0 & !other.0;
        (left != 0).then_some(Interest(left))
    }

    /// The readiness bits that satisfy this interest (Tokio's rule: reading is also satisfied by
    /// the read direction being closed, writing by the write direction being closed).
    pub(crate) const fn mask(self) -> usize {
        let mut mask = 0;
        if self.0 & bits::READABLE != 0 {
            mask |= bits::READABLE | bits::READ_CLOSED;
        }
        if self.0 & bits::WRITABLE != 0 {
            mask |= bits::WRITABLE | bits::WRITE_CLOSED;
        }
        if self.0 & bits::PRIORITY != 0 {
            mask |= bits::PRIORITY | bits::READ_CLOSED;
        }
        if self.0 & bits::ERROR != 0 {
            mask |= bits::ERROR;
        }
        mask
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (bits::READABLE, "READABLE"),
            (bits::WRITABLE, "WRITABLE"),
            (bits::PRIORITY, "PRIORITY"),
            (bits::ERROR, "ERROR"),
        ];
        let mut first = true;
        for (bit, name) in names {
            if self.0 & bit != 0 {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}

/// What a descriptor is ready for, as last reported by the reactor.
///
/// The closed states are sticky: once the reactor has seen the peer close the read direction
/// (`EPOLLRDHUP`/`EPOLLHUP` on Linux), [`is_read_closed`](Ready::is_read_closed) stays true and a
/// wait for reading returns at once. They are best effort: a platform may report a closed
/// direction as plain readiness only (kqueue, for one, reports no closed state here).
///
/// ```
/// use zokio_reactor::io::Ready;
///
/// let ready = Ready::READABLE | Ready::WRITE_CLOSED;
/// assert!(ready.is_readable() && ready.is_writable() && ready.is_write_closed());
/// assert!(!ready.is_read_closed());
/// assert_eq!(ready - Ready::READABLE, Ready::WRITE_CLOSED);
/// assert!(Ready::EMPTY.is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ready(usize);

impl Ready {
    /// The empty set.
    pub const EMPTY: Ready = Ready(0);

    /// Readable.
    pub const READABLE: Ready = Ready(bits::READABLE);

    /// Writable.
    pub const WRITABLE: Ready = Ready(bits::WRITABLE);

    /// The read direction is closed (the peer shut down its writing side, or hung up).
    pub const READ_CLOSED: Ready = Ready(bits::READ_CLOSED);

    /// The write direction is closed (the peer hung up, or an error ended writing).
    pub const WRITE_CLOSED: Ready = Ready(bits::WRITE_CLOSED);

    /// Priority data is available (`EPOLLPRI`).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const PRIORITY: Ready = Ready(bits::PRIORITY);

    /// An error is pending (`EPOLLERR`).
    pub const ERROR: Ready = Ready(bits::ERROR);

    /// Every readiness this platform reports.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const ALL: Ready = Ready(bits::ALL_READY);

    /// Every readiness this platform reports.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub const ALL: Ready = Ready(bits::ALL_READY & !bits::PRIORITY);

    /// A `Ready` from the reactor's readiness bits (anything else is dropped).
    pub(crate) const fn from_bits(value: usize) -> Ready {
        Ready(value & bits::ALL_READY)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the set includes readable readiness, or the read direction is closed.
    pub fn is_readable(self) -> bool {
        self.0 & (bits::READABLE | bits::READ_CLOSED) != 0
    }

    /// Whether the set includes writable readiness, or the write direction is closed.
    pub fn is_writable(self) -> bool {
        self.0 & (bits::WRITABLE | bits::WRITE_CLOSED) != 0
    }

    /// Whether the read direction is closed.
    pub fn is_read_closed(self) -> bool {
        self.0 & bits::READ_CLOSED != 0
    }

    /// Whether the write direction is closed.
    pub fn is_write_closed(self) -> bool {
        self.0 & bits::WRITE_CLOSED != 0
    }

    /// Whether priority data is available.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn is_priority(self) -> bool {
        self.0 & bits::PRIORITY != 0
    }

    /// Whether an error is pending.
    pub fn is_error(self) -> bool {
        self.0 & bits::ERROR != 0
    }

    /// The raw bits, in the reactor's layout.
    pub(crate) const fn bits(self) -> usize {
        self.0
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;

    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl ops::BitAnd for Ready {
    type Output = Ready;

    fn bitand(self, other: Ready) -> Ready {
        Ready(self.0 & other.0)
    }
}

impl ops::Sub for Ready {
    type Output = Ready;

    fn sub(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Ready");
        s.field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .field("is_error", &self.is_error());
        #[cfg(any(target_os = "linux", target_os = "android"))]
        s.field("is_priority", &self.is_priority());
        s.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interest_masks_follow_tokio() {
        assert_eq!(
            Interest::READABLE.mask(),
            (Ready::READABLE | Ready::READ_CLOSED).bits()
        );
        assert_eq!(
            Interest::WRITABLE.mask(),
            (Ready::WRITABLE | Ready::WRITE_CLOSED).bits()
        );
        assert_eq!(Interest::ERROR.mask(), Ready::ERROR.bits());
        #[cfg(any(target_os = "linux", target_os = "android"))]
        assert_eq!(
            Interest::PRIORITY.mask(),
            (Ready::PRIORITY | Ready::READ_CLOSED).bits()
        );
    }

    #[test]
    fn debug_output() {
        assert_eq!(
            format!("{:?}", Interest::READABLE | Interest::ERROR),
            "READABLE | ERROR"
        );
        let text = format!("{:?}", Ready::WRITABLE);
        assert!(text.contains("is_writable: true") && text.contains("is_readable: false"));
    }
}
