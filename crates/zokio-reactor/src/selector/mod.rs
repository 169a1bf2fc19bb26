//! The OS poller: registering descriptors, waiting for their events, and waking a waiting driver.
//!
//! On Linux and Android the reactor owns its epoll instance outright (`epoll.rs`): one
//! `epoll_create1`, one `epoll_ctl` per registration (edge-triggered, both directions, priority
//! data and the peer's half-close `EPOLLRDHUP`, which the sticky read-closed readiness needs), one
//! `epoll_wait` per park with the wheel's millisecond timeout, and an eventfd of its own for
//! wake-ups. Elsewhere (macOS, iOS and the BSDs, where kqueue is) it uses the `polling` crate
//! through its public API only (`portable.rs`): this project's machines cannot build or run the
//! kqueue code, and `polling`'s is well kept. No other crate's internals are relied on anywhere.
//!
//! Every event carries the address of its source's [`Source`](crate::io::source::Source) as the
//! key, so the driver dispatches an event with no lookup and no lock; see `driver.rs` for why the
//! address stays valid until no event can carry it any more.

use std::time::Duration;

/// An event: the source's key (the address of its `Source`) and its readiness.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadyKey {
    pub(crate) key: usize,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
    /// The event's closed, priority and error readiness, in `io::source::bits`' layout.
    pub(crate) extra: usize,
}

/// Rounds a park timeout up to whole milliseconds, so that a wait for a timer never ends just
/// before it is due.
#[cfg_attr(not(any(target_os = "linux", target_os = "android")), allow(dead_code))]
fn timeout_ms(timeout: Option<Duration>) -> i32 {
    match timeout {
        None => -1,
        Some(timeout) => {
            let ms = timeout.as_millis() + u128::from(timeout.subsec_nanos() % 1_000_000 != 0);
            i32::try_from(ms).unwrap_or(i32::MAX)
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod epoll;
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) mod notify_flag;
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) use epoll::{Notifier, Poller, Selector};

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod portable;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) use portable::{Notifier, Poller, Selector};

#[cfg(test)]
mod tests {
    use super::timeout_ms;
    use std::time::Duration;

    #[test]
    fn timeouts_round_up_to_whole_milliseconds() {
        assert_eq!(timeout_ms(None), -1);
        assert_eq!(timeout_ms(Some(Duration::ZERO)), 0);
        assert_eq!(timeout_ms(Some(Duration::from_micros(1))), 1);
        assert_eq!(timeout_ms(Some(Duration::from_millis(5))), 5);
        assert_eq!(timeout_ms(Some(Duration::from_secs(u64::MAX))), i32::MAX);
    }
}
