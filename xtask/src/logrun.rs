//! Running a command with its stdout and stderr in one log file, in the order it wrote them, while
//! (optionally) echoing the log to the terminal as it grows, and with an optional time limit.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How a logged run ended.
#[derive(Debug)]
pub enum Outcome {
    /// The command exited (or was killed by a signal) by itself.
    Exited(ExitStatus),
    /// The time limit passed and the command was killed.
    TimedOut,
}

/// Runs `cmd` with stdout and stderr both appended to `log` (created or truncated), echoing the log
/// to our stderr while it runs when `echo` is set, and killing the command after `limit`.
pub fn run(
    mut cmd: Command,
    log: &Path,
    echo: bool,
    limit: Option<Duration>,
) -> Result<Outcome, String> {
    let file = File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let err = file
        .try_clone()
        .map_err(|e| format!("cannot reopen {}: {e}", log.display()))?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err));
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    let finished = Arc::new(AtomicBool::new(false));
    let tail = if echo {
        let mut reader =
            File::open(log).map_err(|e| format!("cannot read {}: {e}", log.display()))?;
        let finished = finished.clone();
        Some(std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            let mut stderr = std::io::stderr();
            loop {
                // Read what is there; once the command has ended, one last pass drains the file.
                let done = finished.load(Ordering::Acquire);
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            let _ = stderr.write_all(&buf[..n]);
                        }
                    }
                }
                if done {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }))
    } else {
        None
    };
    let start = Instant::now();
    let outcome = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Outcome::Exited(status),
            Ok(None) => {}
            Err(e) => return Err(format!("cannot wait for {:?}: {e}", cmd.get_program())),
        }
        if limit.is_some_and(|l| start.elapsed() >= l) {
            let _ = child.kill();
            let _ = child.wait();
            break Outcome::TimedOut;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    finished.store(true, Ordering::Release);
    if let Some(t) = tail {
        let _ = t.join();
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_both_streams_in_order_and_times_out() {
        let dir = std::env::temp_dir().join(format!("xtask-logrun-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("out.log");
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo one; echo two >&2; echo three; exit 3"]);
        let Outcome::Exited(status) = run(cmd, &log, false, None).unwrap() else {
            panic!("timed out");
        };
        assert_eq!(status.code(), Some(3));
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "one\ntwo\nthree\n");
        let mut cmd = Command::new("sleep");
        cmd.arg("5");
        let start = Instant::now();
        assert!(matches!(
            run(cmd, &log, true, Some(Duration::from_millis(200))).unwrap(),
            Outcome::TimedOut
        ));
        assert!(start.elapsed() < Duration::from_secs(4));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
