//! `ThreadParker`: how a scheduler thread sleeps until it is given work.

use std::time::Instant;

use crate::loom::{Condvar, Mutex};

/// A token-based thread parker: an `unpark` before `park` makes that `park` return at once.
///
/// Share it in an `Arc` between the sleeping thread and whoever wakes it. Unlike
/// `parking::Parker`, it keeps its timed waits under `--cfg loom`, so the schedulers that use it
/// still compile for their loom models.
///
/// ```
/// use std::sync::Arc;
/// use zokio_sched::toolkit::ThreadParker;
///
/// let parker = Arc::new(ThreadParker::default());
/// let waker = Arc::clone(&parker);
/// let thread = std::thread::spawn(move || waker.unpark());
/// assert!(parker.park(None), "woken by the token, with no timeout");
/// thread.join().unwrap();
/// // No token left: a timed park runs out.
/// assert!(!parker.park(Some(std::time::Instant::now())));
/// ```
pub struct ThreadParker {
    token: Mutex<bool>,
    condvar: Condvar,
}

impl Default for ThreadParker {
    fn default() -> ThreadParker {
        ThreadParker {
            token: Mutex::new(false),
            condvar: Condvar::new(),
        }
    }
}

impl ThreadParker {
    /// Waits for the token (until `deadline`, if any) and consumes it; `false` on timeout.
    pub fn park(&self, deadline: Option<Instant>) -> bool {
        let mut token = self.token.lock().unwrap_or_else(|p| p.into_inner());
        while !*token {
            match deadline {
                None => token = self.condvar.wait(token).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    token = self
                        .condvar
                        .wait_timeout(token, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
        *token = false;
        true
    }

    /// Leaves the token, waking the parked thread if there is one.
    pub fn unpark(&self) {
        // Set under the lock, so a parker between its check and its wait cannot miss it.
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.condvar.notify_one();
    }
}

impl std::fmt::Debug for ThreadParker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadParker").finish_non_exhaustive()
    }
}
