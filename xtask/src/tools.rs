//! `cargo xtask loom` and `cargo xtask miri`: the correctness checks that need special flags.

use std::process::{Command, Stdio};

use crate::run::cargo;

/// Crates holding loom models (tests whose names start with `loom`).
const LOOM_PACKAGES: [&str; 2] = ["zokio-sched", "zokio-sync"];

/// What runs under miri: every test of zokio-task (its suite shrinks itself under `cfg(miri)`), and
/// the work-stealing queue's unit tests in zokio-sched (the lock-free part of the scheduler).
const MIRI_RUNS: [(&str, &[&str]); 2] = [("zokio-task", &[]), ("zokio-sched", &["--lib", "queue"])];

/// Default preemption bound: two preemptions find the known classes of queue and wake-up races
/// while keeping the state space small enough for minutes, not hours.
const DEFAULT_PREEMPTIONS: &str = "2";

/// Runs a command to completion, turning failure into an error message.
fn status(mut cmd: Command, what: &str) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Adds `--cfg loom` to whatever RUSTFLAGS the caller already has.
fn loom_rustflags(existing: Option<&str>) -> String {
    match existing.map(str::trim) {
        Some(flags) if !flags.is_empty() => format!("{flags} --cfg loom"),
        _ => "--cfg loom".to_string(),
    }
}

/// Runs the loom model tests in release mode (loom explores many interleavings; debug builds are
/// several times slower). Extra arguments go to the test harness.
pub fn loom(extra: &[String]) -> Result<(), String> {
    let mut cmd = cargo();
    cmd.arg("test");
    for p in LOOM_PACKAGES {
        cmd.args(["-p", p]);
    }
    cmd.args(["--release", "--", "loom"]).args(extra);
    let existing = std::env::var("RUSTFLAGS").ok();
    cmd.env("RUSTFLAGS", loom_rustflags(existing.as_deref()));
    if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_none() {
        cmd.env("LOOM_MAX_PREEMPTIONS", DEFAULT_PREEMPTIONS);
    }
    // A separate target directory: `--cfg loom` changes every crate's build, and sharing the
    // normal one would make each switch rebuild everything.
    let target = crate::run::workspace()?.target_dir;
    cmd.env("CARGO_TARGET_DIR", target.join("loom"));
    status(cmd, "loom tests")
}

/// Runs the unit tests of the unsafe-heavy crates under miri (needs a nightly toolchain with the
/// miri component).
pub fn miri(extra: &[String]) -> Result<(), String> {
    let probe = Command::new("cargo")
        .args(["+nightly", "miri", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        return Err(
            "miri is not available: `cargo +nightly miri --version` failed.\n\
             Install it with `rustup toolchain install nightly --component miri`, then rerun \
             `cargo xtask miri`."
                .to_string(),
        );
    }
    // `cargo` here is the rustup proxy, which understands `+nightly`; $CARGO would be the
    // stable toolchain's binary itself.
    for (package, args) in MIRI_RUNS {
        let mut cmd = Command::new("cargo");
        cmd.args(["+nightly", "miri", "test", "-p", package]);
        let (cargo_args, filters): (Vec<&str>, Vec<&str>) =
            args.iter().partition(|a| a.starts_with("--"));
        cmd.args(cargo_args);
        cmd.args(&filters);
        if !extra.is_empty() {
            cmd.arg("--").args(extra);
        }
        status(cmd, &format!("miri tests of {package}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loom_flag_is_appended() {
        assert_eq!(loom_rustflags(None), "--cfg loom");
        assert_eq!(loom_rustflags(Some("  ")), "--cfg loom");
        assert_eq!(
            loom_rustflags(Some("-C opt-level=2")),
            "-C opt-level=2 --cfg loom"
        );
    }
}
