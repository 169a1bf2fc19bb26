//! [`Child`]: a spawned process, waited for asynchronously.

use std::future::poll_fn;
use std::io;
use std::process::{ExitStatus, Output};
use std::task::{Context, Poll};

use futures_lite::AsyncReadExt;

use crate::exit::Reaper;
use crate::pipes::{ChildStderr, ChildStdin, ChildStdout};

/// A child process spawned by [`Command::spawn`](crate::Command::spawn).
///
/// Dropping a `Child` does not kill the process (unless
/// [`kill_on_drop`](crate::Command::kill_on_drop) was set), but it is still reaped in the
/// background once it exits, so it never lingers as a zombie.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
/// use std::process::Stdio;
/// # zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let mut child = zokio_process::Command::new("cat")
///     .stdin(Stdio::piped())
///     .stdout(Stdio::piped())
///     .spawn()?;
/// let mut stdin = child.stdin.take().unwrap();
/// stdin.write_all(b"echo").await?;
/// drop(stdin); // end of input: cat exits
/// let mut out = String::new();
/// child.stdout.take().unwrap().read_to_string(&mut out).await?;
/// assert_eq!(out, "echo");
/// assert!(child.wait().await?.success());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct Child {
    /// The child's standard input, if it was [`Stdio::piped`](std::process::Stdio::piped).
    pub stdin: Option<ChildStdin>,
    /// The child's standard output, if it was piped.
    pub stdout: Option<ChildStdout>,
    /// The child's standard error, if it was piped.
    pub stderr: Option<ChildStderr>,
    state: State,
    kill_on_drop: bool,
}

#[derive(Debug)]
enum State {
    Running(Reaper),
    Exited(ExitStatus),
}

impl Child {
    pub(crate) fn new(
        reaper: Reaper,
        kill_on_drop: bool,
        stdio: (Option<ChildStdin>, Option<ChildStdout>, Option<ChildStderr>),
    ) -> Child {
        Child {
            stdin: stdio.0,
            stdout: stdio.1,
            stderr: stdio.2,
            state: State::Running(reaper),
            kill_on_drop,
        }
    }

    /// The OS process id, or `None` once the child has been reaped (the id may then belong to
    /// another process).
    pub fn id(&self) -> Option<u32> {
        match &self.state {
            State::Running(reaper) => reaper.id(),
            State::Exited(_) => None,
        }
    }

    /// Waits for the child to exit and returns its status. Closes [`stdin`](Self::stdin) first, so
    /// a child reading its input to the end does not wait forever.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a cancelled wait can be repeated.
    ///
    /// # Errors
    ///
    /// If the status cannot be collected (e.g. the child was reaped by other code with
    /// `waitpid(-1)`).
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        poll_fn(|cx| self.poll_wait(cx)).await
    }

    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        match &mut self.state {
            State::Exited(status) => Poll::Ready(Ok(*status)),
            State::Running(reaper) => {
                let status = std::task::ready!(reaper.poll_wait(cx))?;
                self.state = State::Exited(status);
                Poll::Ready(Ok(status))
            }
        }
    }

    /// Returns the exit status if the child has exited, without waiting.
    ///
    /// # Errors
    ///
    /// If the status cannot be collected.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        match &mut self.state {
            State::Exited(status) => Ok(Some(*status)),
            State::Running(reaper) => {
                let status = reaper.try_wait()?;
                if let Some(status) = status {
                    self.state = State::Exited(status);
                }
                Ok(status)
            }
        }
    }

    /// Sends `SIGKILL` without waiting for the exit. A child already reaped (by
    /// [`wait`](Self::wait) or [`try_wait`](Self::try_wait)) has nothing left to kill: that is
    /// `Ok(())`, as in Tokio, and no signal is sent (its id may belong to another process by now).
    ///
    /// # Errors
    ///
    /// That of `kill(2)`.
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Running(reaper) => reaper.kill(),
            State::Exited(_) => Ok(()),
        }
    }

    /// Kills the child and waits for it to exit; `Ok(())` at once if it was already reaped.
    ///
    /// # Errors
    ///
    /// Those of [`start_kill`](Self::start_kill) and [`wait`](Self::wait).
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await.map(drop)
    }

    /// Waits for the child to exit while reading all of its stdout and stderr (those that are
    /// piped; others give empty output). Closes stdin first.
    ///
    /// # Errors
    ///
    /// An error reading the pipes or waiting.
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        drop(self.stdin.take());
        let stdout = read_all(self.stdout.take());
        let stderr = read_all(self.stderr.take());
        let wait = self.wait();
        let (status, (stdout, stderr)) =
            futures_lite::future::try_zip(wait, futures_lite::future::try_zip(stdout, stderr))
                .await?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

async fn read_all(pipe: Option<impl futures_io::AsyncRead + Unpin>) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    if let Some(mut pipe) = pipe {
        pipe.read_to_end(&mut out).await?;
    }
    Ok(out)
}

impl Drop for Child {
    fn drop(&mut self) {
        let state = std::mem::replace(&mut self.state, State::Exited(exited_placeholder()));
        if let State::Running(mut reaper) = state {
            if self.kill_on_drop {
                // Already exited (and not reaped): nothing to kill, the reaper collects it.
                let _ = reaper.kill();
            }
            reaper.reap_in_background();
        }
    }
}

/// A status to leave behind in a `Child` being dropped; never observed.
fn exited_placeholder() -> ExitStatus {
    std::os::unix::process::ExitStatusExt::from_raw(0)
}
