//! Observing a child's exit without a thread per child, and reaping children nobody waits for.
//!
//! - **pidfd** (Linux 5.3+): `pidfd_open` gives a descriptor that turns readable when the process
//!   exits; it is registered with the reactor like a socket, so each child costs one descriptor and
//!   its waiter is woken exactly when *its* child exits.
//! - **`SIGCHLD`** elsewhere (or if `pidfd_open` fails): a signal listener from the reactor's signal
//!   machinery; every `SIGCHLD` wakes every waiter, which then checks its own child with
//!   `waitpid(pid, WNOHANG)`. Never `waitpid(-1)`, so children spawned by other code are left alone.
//!
//! A child whose handle is dropped before it was reaped is handed to a task on the current runtime
//! that waits for it; if there is no runtime (or it shuts down first), the child goes to a global
//! orphan list that every later spawn sweeps with `WNOHANG`. So no zombie outlives the next spawn.

use std::io;
use std::process::ExitStatus;
use std::sync::Mutex;
use std::task::{Context, Poll, ready};

use zokio_reactor::Async;
use zokio_reactor::signal::unix::{Signal, SignalKind, signal};

/// How a waiter learns that its child may have exited.
#[derive(Debug)]
enum Watcher {
    #[cfg(target_os = "linux")]
    Pidfd(Async<std::os::fd::OwnedFd>),
    Signal(Signal),
}

#[cfg(target_os = "linux")]
fn pidfd_open(pid: u32) -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;

    let open = |flags: libc::c_int| {
        // SAFETY: `pidfd_open(pid, flags)` takes plain integers and returns a new descriptor or
        // -1; it touches no memory of ours.
        unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, flags) }
    };
    // Non-blocking from the start (`PIDFD_NONBLOCK`, Linux 5.10), which saves registering it a
    // `fcntl`; kernels 5.3 to 5.9 refuse the flag with `EINVAL` and get a plain one.
    let mut fd = open(libc::O_NONBLOCK);
    if fd < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL) {
        fd = open(0);
    }
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel just returned `fd` as a new descriptor that nothing else owns.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as i32) })
}

impl Watcher {
    /// Picks the watcher for `pid`. Must be called before the first `try_wait` of the wait loop, so
    /// an exit after that check is always signalled.
    fn new(pid: u32) -> io::Result<Watcher> {
        #[cfg(target_os = "linux")]
        if let Ok(fd) = pidfd_open(pid) {
            if let Ok(fd) = Async::new(fd) {
                return Ok(Watcher::Pidfd(fd));
            }
        }
        let _ = pid;
        Ok(Watcher::Signal(signal(SignalKind::child())?))
    }
}

/// Collects the exit status of `child` if it has exited, without waiting, and leaves `None` there
/// once it is collected.
fn try_wait(child: &mut Option<std::process::Child>) -> io::Result<Option<ExitStatus>> {
    let Some(running) = child else {
        return Err(already_reaped());
    };
    let status = running.try_wait()?;
    if status.is_some() {
        *child = None;
    }
    Ok(status)
}

/// The error for waiting on a child whose status was collected already.
fn already_reaped() -> io::Error {
    io::Error::other("the child was already reaped")
}

/// A spawned child that has not been reaped yet, with the means to wait for it.
#[derive(Debug)]
pub(crate) struct Reaper {
    /// `None` once the exit status was collected (or the child moved to the orphan list).
    child: Option<std::process::Child>,
    watcher: Watcher,
}

impl Reaper {
    pub(crate) fn new(child: std::process::Child) -> io::Result<Reaper> {
        let watcher = match Watcher::new(child.id()) {
            Ok(watcher) => watcher,
            Err(error) => {
                // Without a watcher the child could never be waited for: leave it to the sweep.
                orphan(child);
                return Err(error);
            }
        };
        Ok(Reaper {
            child: Some(child),
            watcher,
        })
    }

    pub(crate) fn id(&self) -> Option<u32> {
        self.child.as_ref().map(std::process::Child::id)
    }

    /// Collects the exit status if the child has exited, without waiting.
    pub(crate) fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        try_wait(&mut self.child)
    }

    /// Sends `SIGKILL` (harmless if the child already exited but is not reaped); once it is reaped
    /// there is nothing to kill and nothing is sent.
    pub(crate) fn kill(&mut self) -> io::Result<()> {
        match &mut self.child {
            Some(child) => child.kill(),
            None => Ok(()),
        }
    }

    /// Waits for the exit and reaps the child. Spends one unit of the task's cooperative budget
    /// when it completes, as Tokio's `Child::wait` does; the watcher polls inside are part of that
    /// one operation and spend nothing more.
    pub(crate) fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        let coop = ready!(zokio_coop::poll_proceed(cx));
        zokio_coop::with_budget(zokio_coop::Budget::unconstrained(), || self.poll_exit(cx)).map(
            |result| {
                coop.made_progress();
                result
            },
        )
    }

    fn poll_exit(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        loop {
            match &mut self.watcher {
                #[cfg(target_os = "linux")]
                Watcher::Pidfd(fd) => {
                    let Some(child) = self.child.as_mut() else {
                        return Poll::Ready(Err(already_reaped()));
                    };
                    // The first poll tries `waitpid` before any event (the registration is
                    // optimistic), so no separate check comes first. Readiness stays set until the
                    // closure reports `WouldBlock`, so an exit seen by the kernel but not yet
                    // collectable simply retries on the next event.
                    let status = ready!(fd.poll_read_with(cx, |_| match child.try_wait()? {
                        Some(status) => Ok(status),
                        None => Err(io::ErrorKind::WouldBlock.into()),
                    }))?;
                    self.child = None;
                    return Poll::Ready(Ok(status));
                }
                Watcher::Signal(listener) => {
                    if let Some(status) = try_wait(&mut self.child)? {
                        return Poll::Ready(Ok(status));
                    }
                    if ready!(listener.poll_recv(cx)).is_none() {
                        return Poll::Ready(Err(io::Error::other(
                            "the reactor shut down while waiting for a child process",
                        )));
                    }
                }
            }
        }
    }

    /// Hands a child still running to the background (see the module docs).
    pub(crate) fn reap_in_background(mut self) {
        match self.try_wait() {
            Ok(None) => {}
            // Exited and reaped now, or an error that waiting later would repeat.
            Ok(Some(_)) | Err(_) => return,
        }
        if let Some(handle) = zokio_sched::try_current() {
            // The task owns the reaper; if the runtime drops it unfinished, `Drop` below orphans
            // the child, so it is still swept later.
            drop(handle.spawn(async move {
                let _ = std::future::poll_fn(|cx| self.poll_wait(cx)).await;
            }));
        }
        // Without a runtime, `self` drops here and orphans the child.
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            orphan(child);
        }
    }
}

/// Children dropped unreaped, swept by [`sweep_orphans`].
static ORPHANS: Mutex<Vec<std::process::Child>> = Mutex::new(Vec::new());

fn orphans() -> std::sync::MutexGuard<'static, Vec<std::process::Child>> {
    // A Vec of children stays consistent whatever panicked while it was locked.
    ORPHANS.lock().unwrap_or_else(|e| e.into_inner())
}

fn orphan(mut child: std::process::Child) {
    if let Ok(None) = child.try_wait() {
        orphans().push(child);
    }
}

/// Reaps every orphan that has exited (`WNOHANG`; never blocks).
pub(crate) fn sweep_orphans() {
    let mut orphans = orphans();
    if !orphans.is_empty() {
        orphans.retain_mut(|child| matches!(child.try_wait(), Ok(None)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> zokio::runtime::Runtime {
        zokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// A pidfd comes non-blocking from `pidfd_open` itself where the kernel takes the flag, so
    /// registering it with the reactor needs no `F_SETFL`.
    #[cfg(target_os = "linux")]
    #[test]
    fn pidfds_open_non_blocking() {
        use std::os::fd::AsRawFd;
        let Ok(fd) = pidfd_open(std::process::id()) else {
            return; // A kernel before 5.3 (or a sandbox without pidfds): the SIGCHLD path.
        };
        // SAFETY: `F_GETFL` only reads the flags of a descriptor we own.
        let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
        assert!(flags >= 0);
        let kernel_takes_the_flag = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .and_then(|release| {
                let mut parts = release.trim().split(['.', '-']);
                let major: u32 = parts.next()?.parse().ok()?;
                let minor: u32 = parts.next()?.parse().ok()?;
                Some((major, minor) >= (5, 10))
            })
            .unwrap_or(false);
        if kernel_takes_the_flag {
            assert_ne!(flags & libc::O_NONBLOCK, 0);
        }
    }

    /// The `SIGCHLD` path, used where pidfds are missing, forced here on any kernel.
    #[test]
    fn sigchld_watcher_sees_every_exit() {
        rt().block_on(async {
            let mut reapers: Vec<Reaper> = (0..20)
                .map(|i| {
                    let child = std::process::Command::new("sh")
                        .args(["-c", &format!("exit {i}")])
                        .spawn()
                        .unwrap();
                    Reaper {
                        child: Some(child),
                        watcher: Watcher::Signal(signal(SignalKind::child()).unwrap()),
                    }
                })
                .collect();
            for (i, reaper) in reapers.iter_mut().enumerate() {
                let status = std::future::poll_fn(|cx| reaper.poll_wait(cx))
                    .await
                    .unwrap();
                assert_eq!(status.code(), Some(i as i32));
                assert!(reaper.id().is_none());
            }
        });
    }

    #[test]
    fn orphans_are_swept() {
        let child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        orphan(child);
        // `true` exits quickly; sweep until it is gone (bounded).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::path::Path::new(&format!("/proc/{pid}")).exists() {
            assert!(std::time::Instant::now() < deadline, "orphan never reaped");
            sweep_orphans();
            std::thread::yield_now();
        }
        assert!(orphans().iter().all(|child| child.id() != pid));
    }
}
