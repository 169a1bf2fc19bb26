//! `cargo xtask loom` and `cargo xtask miri`: the correctness checks that need special flags; and
//! what the other checks share (running a command, the toolchain's host and LLVM version).

use std::process::{Command, Stdio};

use crate::run::cargo;

/// Crates holding loom models (tests whose names start with `loom`).
const LOOM_PACKAGES: [&str; 3] = ["zokio-sched", "zokio-sync", "zokio-reactor"];

/// What runs under miri: every test of zokio-task (its suite shrinks itself under `cfg(miri)`), the
/// work-stealing queue's unit tests in zokio-sched (the lock-free part of the scheduler), and
/// zokio-sync's unit tests plus `tests/miri_paths.rs`, which walks the unsafe paths of every
/// primitive without a runtime (oneshot's in-place state, the mpsc block list, the intrusive waiter
/// lists, guards). Cargo flags are single tokens (`--test=NAME`): the others are test-name filters.
const MIRI_RUNS: [(&str, &[&str]); 3] = [
    ("zokio-task", &[]),
    ("zokio-sched", &["--lib", "queue"]),
    ("zokio-sync", &["--lib", "--test=miri_paths"]),
];

/// Default preemption bound: two preemptions find the known classes of queue and wake-up races
/// while keeping the state space small enough for minutes, not hours.
const DEFAULT_PREEMPTIONS: &str = "2";

/// Runs a command to completion, turning failure into an error message.
pub fn status(mut cmd: Command, what: &str) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// What `rustc -vV` says about the toolchain that cargo builds with.
#[derive(Debug, Clone, PartialEq)]
pub struct Rustc {
    /// The host triple, such as `x86_64-unknown-linux-gnu`.
    pub host: String,
    /// Major version of the LLVM that rustc was built with (22 for rustc 1.95).
    pub llvm_major: Option<u32>,
}

impl Rustc {
    /// Asks the `rustc` that cargo uses (`$RUSTC`, or `rustc` on the path).
    pub fn current() -> Result<Rustc, String> {
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let out = Command::new(rustc)
            .arg("-vV")
            .output()
            .map_err(|e| format!("cannot run rustc -vV: {e}"))?;
        if !out.status.success() {
            return Err("rustc -vV failed".into());
        }
        Rustc::parse(&String::from_utf8_lossy(&out.stdout))
    }

    /// Reads the output of `rustc -vV`.
    pub fn parse(verbose_version: &str) -> Result<Rustc, String> {
        let field = |name: &str| {
            verbose_version
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
        };
        let host = field("host:").ok_or("rustc -vV names no host")?.to_string();
        let llvm_major = field("LLVM version:")
            .and_then(|v| v.split('.').next())
            .and_then(|m| m.parse().ok());
        Ok(Rustc { host, llvm_major })
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
    fn reads_rustc_version() {
        let out = "rustc 1.95.0 (59807616e 2026-04-14)\nbinary: rustc\n\
                   commit-hash: 59807616e\nhost: x86_64-unknown-linux-gnu\n\
                   release: 1.95.0\nLLVM version: 22.1.2\n";
        assert_eq!(
            Rustc::parse(out).unwrap(),
            Rustc {
                host: "x86_64-unknown-linux-gnu".into(),
                llvm_major: Some(22)
            }
        );
        let no_llvm = Rustc::parse("host: aarch64-apple-darwin\n").unwrap();
        assert_eq!(no_llvm.llvm_major, None);
        assert!(Rustc::parse("rustc 1.95.0\n").is_err());
    }

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
