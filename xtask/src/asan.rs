//! `cargo xtask asan`: the library crates' tests under nightly AddressSanitizer, with leak detection.
//!
//! It runs `cargo +nightly test --target <host> -p <each library crate but zokio-macros> --lib
//! --tests --no-fail-fast` with `RUSTFLAGS=-Zsanitizer=address` in its own target directory
//! (`target/asan`), so that switching between it and a normal build rebuilds nothing. `--target` keeps
//! the sanitizer off build scripts and proc macros, which the compiler loads itself. ASan needs no
//! `rust-src` (only `-Zbuild-std` would). Doc-tests are left out: they are examples, and each one
//! would be another sanitized build.
//!
//! Leaks that tests make on purpose (a `Vec::leak`ed table, a local task's future that must not be
//! dropped on another thread) are suppressed by `xtask/lsan-suppressions.txt`, which never names
//! library code.
//!
//! The output of every test binary goes to `target/asan/asan.log`; at the end a summary lists each
//! binary that ASan or LeakSanitizer complained about, with every distinct leak and the first
//! workspace frame of its allocation stack.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::logrun::{self, Outcome};
use crate::run::workspace;
use crate::tools::Rustc;

/// Library crates left out: zokio-macros is a proc macro, which runs inside the compiler, and its
/// only test compiles UI cases with trybuild (whose expected compiler messages are stable's, and
/// whose nested cargo would build the proc macro itself with the sanitizer). What its expansions
/// do at run time is tested under ASan through zokio's `tests/macros.rs`.
pub const SKIPPED: [&str; 1] = ["zokio-macros"];

/// The library crates that run under ASan.
pub fn packages(library_crates: &[String]) -> Vec<&str> {
    library_crates
        .iter()
        .map(String::as_str)
        .filter(|c| !SKIPPED.contains(c))
        .collect()
}

/// LeakSanitizer's suppressions: leaks that tests make on purpose (relative to the workspace root).
pub const SUPPRESSIONS: &str = "xtask/lsan-suppressions.txt";

/// The flags that turn the sanitizer on. Frame pointers give ASan's fast unwinder whole
/// allocation stacks.
const SANITIZER_FLAGS: &str = "-Zsanitizer=address -Cforce-frame-pointers=yes";

/// Appends the sanitizer flags to the caller's RUSTFLAGS.
pub fn sanitizer_rustflags(existing: Option<&str>) -> String {
    match existing.map(str::trim) {
        Some(flags) if !flags.is_empty() => format!("{flags} {SANITIZER_FLAGS}"),
        _ => SANITIZER_FLAGS.to_string(),
    }
}

/// The caller's ASAN_OPTIONS with leak detection turned on (unless it says otherwise).
pub fn asan_options(existing: Option<&str>) -> String {
    match existing.map(str::trim) {
        Some(opts) if opts.contains("detect_leaks=") => opts.to_string(),
        Some(opts) if !opts.is_empty() => format!("{opts}:detect_leaks=1"),
        _ => "detect_leaks=1".to_string(),
    }
}

/// The caller's LSAN_OPTIONS with the workspace's suppressions file added (unless it names one).
pub fn lsan_options(existing: Option<&str>, suppressions: &Path) -> String {
    let ours = format!("suppressions={}", suppressions.display());
    match existing.map(str::trim) {
        Some(opts) if opts.contains("suppressions=") => opts.to_string(),
        Some(opts) if !opts.is_empty() => format!("{opts}:{ours}"),
        _ => ours,
    }
}

/// One leak report (`Direct leak of 48 byte(s) in 1 object(s) allocated from:` and its stack).
#[derive(Debug, Clone, PartialEq)]
pub struct Leak {
    /// `Direct` or `Indirect`.
    pub kind: String,
    /// Bytes leaked.
    pub bytes: u64,
    /// Allocations leaked.
    pub objects: u64,
    /// The first frame of the allocation stack in the workspace's own code (else the first frame
    /// past the allocator), as `function at file:line`.
    pub frame: String,
}

/// What the sanitizer said about one test binary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Finding {
    /// The binary, as cargo's `Running` line names it.
    pub binary: String,
    /// The `ERROR: ...Sanitizer: ...` lines.
    pub errors: Vec<String>,
    /// The `SUMMARY: AddressSanitizer: ...` lines.
    pub summaries: Vec<String>,
    /// Every leak report.
    pub leaks: Vec<Leak>,
}

/// Reads the combined output of `cargo test` under ASan and returns one finding per binary the
/// sanitizer reported on. `root` is stripped from file names.
pub fn findings(log: &str, root: &str) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut binary = String::from("(before the first test binary)");
    let mut lines = log.lines().peekable();
    let current = |out: &mut Vec<Finding>, binary: &str| -> usize {
        match out.iter().position(|f| f.binary == binary) {
            Some(i) => i,
            None => {
                out.push(Finding {
                    binary: binary.to_string(),
                    ..Finding::default()
                });
                out.len() - 1
            }
        }
    };
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("Running ") {
            binary = running_label(rest);
        } else if let Some(error) = sanitizer_error(trimmed) {
            let at = current(&mut out, &binary);
            out[at].errors.push(error.to_string());
        } else if trimmed.starts_with("SUMMARY: ") && trimmed.contains("Sanitizer") {
            let at = current(&mut out, &binary);
            out[at]
                .summaries
                .push(trimmed["SUMMARY: ".len()..].to_string());
        } else if let Some((kind, bytes, objects)) = leak_header(trimmed) {
            let mut frames = Vec::new();
            while let Some(next) = lines.peek() {
                let t = next.trim();
                if t.starts_with('#') {
                    frames.push(t.to_string());
                    lines.next();
                } else {
                    break;
                }
            }
            let at = current(&mut out, &binary);
            out[at].leaks.push(Leak {
                kind,
                bytes,
                objects,
                frame: summary_frame(&frames, root),
            });
        }
    }
    out
}

/// The leaks LeakSanitizer suppressed (its `Suppressions used:` tables), as
/// `binary: template (N leaks, B bytes)`.
pub fn suppressed(log: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut binary = String::new();
    let mut in_table = false;
    for line in log.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("Running ") {
            binary = running_label(rest);
        } else if t == "Suppressions used:" {
            in_table = true;
        } else if in_table {
            let cols: Vec<&str> = t.split_whitespace().collect();
            match cols.as_slice() {
                ["count", "bytes", "template"] => {}
                [count, bytes, template @ ..]
                    if count.parse::<u64>().is_ok() && bytes.parse::<u64>().is_ok() =>
                {
                    out.push(format!(
                        "{binary}: {} ({count} leaks, {bytes} bytes)",
                        template.join(" ")
                    ));
                }
                _ => in_table = false,
            }
        }
    }
    out
}

/// `Running tests/mpsc.rs (target/.../deps/mpsc-0123abcd)` → `tests/mpsc.rs (mpsc)`.
fn running_label(rest: &str) -> String {
    match rest.rsplit_once(" (") {
        Some((what, path)) => {
            let file = path
                .trim_end_matches(')')
                .rsplit('/')
                .next()
                .unwrap_or(path);
            let stem = match file.rsplit_once('-') {
                Some((stem, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => stem,
                _ => file,
            };
            let what = what.strip_prefix("unittests ").unwrap_or(what);
            format!("{stem}: {what}")
        }
        None => rest.to_string(),
    }
}

/// `==1234==ERROR: LeakSanitizer: detected memory leaks` → `LeakSanitizer: detected memory leaks`.
fn sanitizer_error(line: &str) -> Option<&str> {
    let (_, error) = line.split_once("ERROR: ")?;
    error.contains("Sanitizer").then_some(error.trim())
}

/// Parses `Direct leak of 48 byte(s) in 1 object(s) allocated from:`.
fn leak_header(line: &str) -> Option<(String, u64, u64)> {
    let (kind, rest) = line.split_once(" leak of ")?;
    if kind != "Direct" && kind != "Indirect" {
        return None;
    }
    let (bytes, rest) = rest.split_once(" byte(s) in ")?;
    let (objects, _) = rest.split_once(" object(s)")?;
    Some((kind.to_string(), bytes.parse().ok()?, objects.parse().ok()?))
}

/// Frames of allocator and standard-library plumbing, skipped when no workspace frame is found.
const PLUMBING: [&str; 9] = [
    " in malloc",
    " in calloc",
    " in realloc",
    " in posix_memalign",
    " in aligned_alloc",
    " in alloc::",
    " in __rust",
    " in core::",
    " in std::",
];

/// The frame that says where a leak comes from: the first in `<root>/crates/` (the library code),
/// else the first that is not allocator plumbing, else the first; as `function at file:line`.
fn summary_frame(frames: &[String], root: &str) -> String {
    let ours = |f: &&String| f.contains("/crates/") || (!root.is_empty() && f.contains(root));
    let chosen = frames
        .iter()
        .find(|f| ours(f) && f.contains("/crates/"))
        .or_else(|| frames.iter().find(ours))
        .or_else(|| {
            frames
                .iter()
                .find(|f| !PLUMBING.iter().any(|p| f.contains(p)))
        })
        .or_else(|| frames.first());
    let Some(frame) = chosen else {
        return "(no stack)".to_string();
    };
    // `#3 0x55d0c1 in zokio_task::spawn::h01234 /work/main/crates/zokio-task/src/lib.rs:10:5`
    let body = frame
        .split_once(" in ")
        .map_or(frame.as_str(), |(_, b)| b)
        .trim();
    let (function, location) = match body.rsplit_once(' ') {
        Some((f, l)) if l.contains('/') || l.contains(".rs") => (f, Some(l)),
        _ => (body, None),
    };
    let function = strip_hash(function);
    match location {
        Some(l) => {
            let l = l.strip_prefix(root).unwrap_or(l).trim_start_matches('/');
            format!("{function} at {l}")
        }
        None => function,
    }
}

/// Drops the `::h0123456789abcdef` suffix of a mangled-then-demangled Rust symbol.
fn strip_hash(function: &str) -> String {
    match function.rsplit_once("::h") {
        Some((f, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            f.to_string()
        }
        _ => function.to_string(),
    }
}

/// The summary printed at the end: one paragraph per binary, each distinct leak once with a count.
pub fn summary(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "asan: no sanitizer report.\n".to_string();
    }
    let mut out = format!(
        "asan: the sanitizer reported on {} test binar{}:\n",
        findings.len(),
        if findings.len() == 1 { "y" } else { "ies" }
    );
    for f in findings {
        out.push_str(&format!("\n  {}\n", f.binary));
        for e in &f.errors {
            out.push_str(&format!("    {e}\n"));
        }
        for s in &f.summaries {
            out.push_str(&format!("    {s}\n"));
        }
        // Identical leaks (same kind and frame) once each, with totals.
        let mut distinct: Vec<(&str, &str, u64, u64, usize)> = Vec::new();
        for l in &f.leaks {
            match distinct
                .iter_mut()
                .find(|d| d.0 == l.kind && d.1 == l.frame)
            {
                Some(d) => {
                    d.2 += l.bytes;
                    d.3 += l.objects;
                    d.4 += 1;
                }
                None => distinct.push((&l.kind, &l.frame, l.bytes, l.objects, 1)),
            }
        }
        for (kind, frame, bytes, objects, reports) in distinct {
            let times = if reports > 1 {
                format!(" ({reports} reports)")
            } else {
                String::new()
            };
            out.push_str(&format!(
                "    {kind} leak, {bytes} bytes in {objects} objects{times}: {frame}\n"
            ));
        }
    }
    out
}

/// Runs the tests under AddressSanitizer; extra arguments go to the test harness.
pub fn asan(extra: &[String]) -> Result<(), String> {
    // `cargo` here is the rustup proxy, which understands `+nightly`.
    let probe = Command::new("cargo")
        .args(["+nightly", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        return Err(
            "a nightly toolchain is needed: `cargo +nightly --version` failed.\n\
             Install it with `rustup toolchain install nightly`, then rerun `cargo xtask asan`."
                .into(),
        );
    }
    let nightly = nightly_rustc()?;
    let ws = workspace()?;
    let target_dir = ws.target_dir.join("asan");
    fs::create_dir_all(&target_dir)
        .map_err(|e| format!("cannot create {}: {e}", target_dir.display()))?;
    let log = target_dir.join("asan.log");

    let mut cmd = Command::new("cargo");
    cmd.current_dir(&ws.root)
        .args(["+nightly", "test", "--target", &nightly.host]);
    for p in packages(&ws.library_crates) {
        cmd.args(["-p", p]);
    }
    cmd.args(["--lib", "--tests", "--no-fail-fast", "--"])
        .args(extra);
    let rustflags = sanitizer_rustflags(std::env::var("RUSTFLAGS").ok().as_deref());
    cmd.env("RUSTFLAGS", &rustflags)
        .env("RUSTDOCFLAGS", &rustflags)
        .env("CARGO_TARGET_DIR", &target_dir)
        .env(
            "ASAN_OPTIONS",
            asan_options(std::env::var("ASAN_OPTIONS").ok().as_deref()),
        )
        .env(
            "LSAN_OPTIONS",
            lsan_options(
                std::env::var("LSAN_OPTIONS").ok().as_deref(),
                &ws.root.join(SUPPRESSIONS),
            ),
        );
    // Without a symbolizer the stacks are bare addresses. Debian's llvm-<major> has one.
    let symbolizer = nightly
        .llvm_major
        .map(|major| format!("/usr/lib/llvm-{major}/bin/llvm-symbolizer"))
        .filter(|s| Path::new(s).exists());
    if let (None, Some(symbolizer)) = (std::env::var_os("ASAN_SYMBOLIZER_PATH"), symbolizer) {
        cmd.env("ASAN_SYMBOLIZER_PATH", symbolizer);
    }
    eprintln!(
        "asan: RUSTFLAGS=\"{rustflags}\" cargo +nightly test --target {} (log: {})",
        nightly.host,
        log.display()
    );
    let outcome = logrun::run(cmd, &log, true, None)?;
    let text =
        fs::read_to_string(&log).map_err(|e| format!("cannot read {}: {e}", log.display()))?;
    let found = findings(&text, &format!("{}/", ws.root.display()));
    let quiet = suppressed(&text);
    if !quiet.is_empty() {
        eprintln!("\nasan: leaks suppressed on purpose ({SUPPRESSIONS}):");
        for q in &quiet {
            eprintln!("  {q}");
        }
    }
    eprint!("\n{}", summary(&found));
    let tests_ok = matches!(outcome, Outcome::Exited(s) if s.success());
    match (found.is_empty(), tests_ok) {
        (true, true) => Ok(()),
        (true, false) => Err(format!(
            "tests failed under ASan without a sanitizer report; see {}",
            log.display()
        )),
        (false, _) => Err(format!(
            "AddressSanitizer reported on {} test binaries; the full reports are in {}",
            found.len(),
            log.display()
        )),
    }
}

/// The nightly toolchain's host and LLVM version.
fn nightly_rustc() -> Result<Rustc, String> {
    let out = Command::new("rustc")
        .args(["+nightly", "-vV"])
        .output()
        .map_err(|e| format!("cannot run rustc +nightly -vV: {e}"))?;
    if !out.status.success() {
        return Err("rustc +nightly -vV failed".into());
    }
    Rustc::parse(&String::from_utf8_lossy(&out.stdout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_every_library_crate_but_the_proc_macro() {
        let crates: Vec<String> = ["zokio", "zokio-macros", "zokio-sync"]
            .map(String::from)
            .to_vec();
        assert_eq!(packages(&crates), ["zokio", "zokio-sync"]);
    }

    #[test]
    fn flags_and_options() {
        assert_eq!(sanitizer_rustflags(None), SANITIZER_FLAGS);
        assert_eq!(
            sanitizer_rustflags(Some("-D warnings")),
            format!("-D warnings {SANITIZER_FLAGS}")
        );
        assert_eq!(asan_options(None), "detect_leaks=1");
        assert_eq!(asan_options(Some("")), "detect_leaks=1");
        assert_eq!(
            asan_options(Some("abort_on_error=1")),
            "abort_on_error=1:detect_leaks=1"
        );
        assert_eq!(asan_options(Some("detect_leaks=0")), "detect_leaks=0");
        let supp = Path::new("/w/xtask/lsan-suppressions.txt");
        assert_eq!(
            lsan_options(None, supp),
            "suppressions=/w/xtask/lsan-suppressions.txt"
        );
        assert_eq!(
            lsan_options(Some("report_objects=1"), supp),
            "report_objects=1:suppressions=/w/xtask/lsan-suppressions.txt"
        );
        assert_eq!(
            lsan_options(Some("suppressions=/mine.txt"), supp),
            "suppressions=/mine.txt"
        );
    }

    #[test]
    fn suppressions_file_exists_and_names_only_test_code() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("lsan-suppressions.txt");
        let text = fs::read_to_string(&path).unwrap();
        let rules: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .collect();
        assert!(!rules.is_empty());
        for rule in rules {
            let pattern = rule.strip_prefix("leak:").expect(rule);
            // Test binaries' own functions: `<test file>::<fn>`, never a library crate path.
            assert!(!pattern.starts_with("zokio"), "{rule}");
        }
        assert_eq!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("lsan-suppressions.txt"),
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .unwrap()
                .join(SUPPRESSIONS)
        );
    }

    /// What cargo and a leaking test binary print (trimmed).
    const LOG: &str = "\
   Compiling zokio-task v0.1.0 (/w/crates/zokio-task)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 1m 02s
     Running unittests src/lib.rs (/w/target/asan/x86_64-unknown-linux-gnu/debug/deps/zokio_task-0123456789abcdef)

running 2 tests
test a ... ok
test b ... ok

test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

     Running tests/runtime_leak.rs (/w/target/asan/x86_64-unknown-linux-gnu/debug/deps/runtime_leak-fedcba9876543210)

running 1 test
test leaks ... ok

test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.02s


=================================================================
==4242==ERROR: LeakSanitizer: detected memory leaks

Direct leak of 96 byte(s) in 1 object(s) allocated from:
    #0 0x55f0 in malloc /rustc/llvm/compiler-rt/lib/asan/asan_malloc_linux.cpp:67:3
    #1 0x55f1 in alloc::alloc::alloc::h0123456789abcdef /rustc/abc/library/alloc/src/alloc.rs:95:9
    #2 0x55f2 in zokio_sched::pool::Pool::spawn::h0123456789abcdef /w/crates/zokio-sched/src/pool.rs:120:17
    #3 0x55f3 in runtime_leak::leaks::h0123456789abcdef /w/crates/zokio/tests/runtime_leak.rs:10:5

Direct leak of 96 byte(s) in 1 object(s) allocated from:
    #0 0x55f0 in malloc /rustc/llvm/compiler-rt/lib/asan/asan_malloc_linux.cpp:67:3
    #2 0x55f2 in zokio_sched::pool::Pool::spawn::h0123456789abcdef /w/crates/zokio-sched/src/pool.rs:120:17

Indirect leak of 24 byte(s) in 3 object(s) allocated from:
    #0 0x55f0 in malloc /rustc/llvm/compiler-rt/lib/asan/asan_malloc_linux.cpp:67:3
    #1 0x55f5 in std::thread::spawn::h0123456789abcdef /rustc/abc/library/std/src/thread/mod.rs:1:1
    #2 0x55f6 in <unknown module>

SUMMARY: AddressSanitizer: 216 byte(s) leaked in 5 allocation(s).
error: test failed, to rerun pass `-p zokio --test runtime_leak`
     Running tests/clean.rs (/w/target/asan/x86_64-unknown-linux-gnu/debug/deps/clean-00112233aabbccdd)
test clean ... ok
";

    #[test]
    fn reads_leak_reports() {
        let found = findings(LOG, "/w/");
        assert_eq!(found.len(), 1, "{found:#?}");
        let f = &found[0];
        assert_eq!(f.binary, "runtime_leak: tests/runtime_leak.rs");
        assert_eq!(f.errors, ["LeakSanitizer: detected memory leaks"]);
        assert_eq!(
            f.summaries,
            ["AddressSanitizer: 216 byte(s) leaked in 5 allocation(s)."]
        );
        assert_eq!(f.leaks.len(), 3);
        assert_eq!(
            f.leaks[0],
            Leak {
                kind: "Direct".into(),
                bytes: 96,
                objects: 1,
                frame: "zokio_sched::pool::Pool::spawn at crates/zokio-sched/src/pool.rs:120:17"
                    .into(),
            }
        );
        // No workspace frame: the first frame past the allocator and the standard library.
        assert_eq!(f.leaks[2].frame, "<unknown module>");
        let text = summary(&found);
        assert!(
            text.contains("runtime_leak: tests/runtime_leak.rs"),
            "{text}"
        );
        assert!(
            text.contains(
                "Direct leak, 192 bytes in 2 objects (2 reports): \
                 zokio_sched::pool::Pool::spawn at crates/zokio-sched/src/pool.rs:120:17"
            ),
            "{text}"
        );
        assert!(text.contains("Indirect leak, 24 bytes in 3 objects: <unknown module>"));
        assert_eq!(summary(&[]), "asan: no sanitizer report.\n");
    }

    #[test]
    fn reads_suppressed_leaks() {
        let log = "     Running tests/tcp.rs (/w/t/debug/deps/tcp-0123456789abcdef)\n\
                   test echo ... ok\n\
                   -----------------------------------------------------\n\
                   Suppressions used:\n\
                   \x20 count      bytes template\n\
                   \x20     1      65787 tcp::pattern_table\n\
                   \x20     2         33 local::a b\n\
                   -----------------------------------------------------\n\
                   \n\
                   \x20    Running tests/time.rs (/w/t/debug/deps/time-0123456789abcdef)\n";
        assert_eq!(
            suppressed(log),
            [
                "tcp: tests/tcp.rs: tcp::pattern_table (1 leaks, 65787 bytes)",
                "tcp: tests/tcp.rs: local::a b (2 leaks, 33 bytes)"
            ]
        );
        // Suppressed leaks are not findings.
        assert!(findings(log, "/w/").is_empty());
    }

    #[test]
    fn reads_other_sanitizer_errors() {
        let log = "     Running unittests src/lib.rs (/w/t/debug/deps/zokio_sync-0123456789abcdef)\n\
                   ==7==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020 at pc 0x1\n\
                   SUMMARY: AddressSanitizer: heap-use-after-free /w/crates/zokio-sync/src/a.rs:3:9 in f\n";
        let found = findings(log, "/w/");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].binary, "zokio_sync: src/lib.rs");
        assert!(found[0].errors[0].starts_with("AddressSanitizer: heap-use-after-free"));
        assert!(found[0].leaks.is_empty());
    }

    #[test]
    fn frames_and_labels() {
        assert_eq!(
            strip_hash("zokio::Runtime::new::h0123456789abcdef"),
            "zokio::Runtime::new"
        );
        assert_eq!(strip_hash("zokio::hello"), "zokio::hello");
        assert_eq!(
            running_label("tests/x.rs (target/debug/deps/x-0a1b2c3d4e5f6789)"),
            "x: tests/x.rs"
        );
        assert_eq!(running_label("something else"), "something else");
        assert_eq!(summary_frame(&[], "/w/"), "(no stack)");
    }
}
