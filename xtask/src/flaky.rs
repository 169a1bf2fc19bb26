//! `cargo xtask flaky --runs N`: runs the whole test suite N times and reports every test that
//! ever failed, with how often.
//!
//! The tests are built once (`cargo test --workspace --no-run`), then every test binary is run N
//! times, one after the other, from its package's directory and with the variables cargo would set,
//! as `cargo test` runs it. A binary that dies without naming a failed test (a signal, an abort)
//! counts as a failure of the binary, and one still running after `--timeout-secs` is killed and
//! counts as a hang, with the tests it had not finished. `--doc` adds `cargo test --workspace --doc`
//! to every run (each run compiles the doc-tests again, so it is slow). The log of every failing run
//! is kept in `target/zokio-flaky/`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::logrun::{self, Outcome};
use crate::run::{cargo, workspace};
use crate::table::Table;

/// Options of `cargo xtask flaky`.
#[derive(Debug, Clone, PartialEq)]
pub struct FlakyOptions {
    /// How many times to run the suite.
    pub runs: usize,
    /// Also run the doc-tests in every run.
    pub doc: bool,
    /// Time limit of one test binary's run, in seconds.
    pub timeout_secs: u64,
    /// Arguments for every test binary (filters, `--test-threads`, ...).
    pub test_args: Vec<String>,
}

impl Default for FlakyOptions {
    fn default() -> Self {
        FlakyOptions {
            runs: 10,
            doc: false,
            timeout_secs: 300,
            test_args: Vec::new(),
        }
    }
}

/// A test binary cargo built.
#[derive(Debug, Clone, PartialEq)]
pub struct TestBinary {
    /// A short name: `<package>/lib`, `<package>/tests/<name>`, `<package>/bin/<name>`, ...
    pub label: String,
    /// The executable.
    pub exe: PathBuf,
    /// The package's name.
    pub package: String,
    /// The package's version.
    pub version: String,
    /// The package's `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// The target's crate name (its name with `-` as `_`).
    pub crate_name: String,
}

/// `path+file:///w/crates/zokio-sync#0.1.0` → (`zokio-sync`, `0.1.0`);
/// `path+file:///w/xtask#xtask@0.1.0` and `registry+...#serde@1.0.0` name the package after `#`.
pub fn package_name_version(id: &str) -> Option<(String, String)> {
    let (url, fragment) = id.rsplit_once('#')?;
    match fragment.split_once('@') {
        Some((name, version)) => Some((name.to_string(), version.to_string())),
        None => {
            let name = url.trim_end_matches('/').rsplit('/').next()?;
            Some((name.to_string(), fragment.to_string()))
        }
    }
}

/// The test binaries in the output of `cargo test --no-run --message-format=json`.
pub fn test_binaries(json_lines: &str) -> Result<Vec<TestBinary>, String> {
    let mut out = Vec::new();
    for line in json_lines.lines().filter(|l| l.starts_with('{')) {
        let msg: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("bad cargo JSON message: {e}"))?;
        if msg["reason"] != "compiler-artifact" || msg["profile"]["test"] != true {
            continue;
        }
        let Some(exe) = msg["executable"].as_str() else {
            continue;
        };
        let id = msg["package_id"].as_str().unwrap_or_default();
        let (package, version) =
            package_name_version(id).ok_or_else(|| format!("cannot read the package id {id:?}"))?;
        let name = msg["target"]["name"].as_str().unwrap_or_default();
        let kind = msg["target"]["kind"][0].as_str().unwrap_or_default();
        let label = match kind {
            "lib" | "rlib" | "proc-macro" | "cdylib" | "dylib" | "staticlib" => {
                format!("{package}/lib")
            }
            "test" => format!("{package}/tests/{name}"),
            "bench" => format!("{package}/benches/{name}"),
            "example" => format!("{package}/examples/{name}"),
            other => format!("{package}/{other}/{name}"),
        };
        out.push(TestBinary {
            label,
            exe: PathBuf::from(exe),
            package,
            version,
            manifest_path: PathBuf::from(msg["manifest_path"].as_str().unwrap_or_default()),
            crate_name: name.replace('-', "_"),
        });
    }
    out.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(out)
}

/// What one run of a test binary printed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestOutput {
    /// Tests that passed.
    pub finished: Vec<String>,
    /// Tests that were ignored.
    pub ignored: Vec<String>,
    /// Tests that failed.
    pub failed: Vec<String>,
    /// Whether a `test result:` line closed the run.
    pub completed: bool,
}

/// Reads libtest's output: `test <name> ... ok|FAILED|ignored` lines and the closing
/// `test result:` line. The captured output printed after `failures:` is skipped.
pub fn parse_libtest(output: &str) -> TestOutput {
    let mut out = TestOutput::default();
    let mut in_failures = false;
    for line in output.lines() {
        if line.starts_with("test result: ") {
            out.completed = true;
            in_failures = false;
            continue;
        }
        if line == "failures:" {
            in_failures = true;
        } else if line.starts_with("running ") {
            in_failures = false;
        }
        if in_failures {
            continue;
        }
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        let Some((name, verdict)) = rest.rsplit_once(" ... ") else {
            continue;
        };
        // `test foo - should panic ... ok`.
        let name = name.strip_suffix(" - should panic").unwrap_or(name).trim();
        match verdict.trim() {
            "FAILED" => out.failed.push(name.to_string()),
            "ok" => out.finished.push(name.to_string()),
            v if v.starts_with("ignored") => out.ignored.push(name.to_string()),
            _ => {}
        }
    }
    out
}

/// Test names in the output of `<test binary> --list`.
pub fn parse_list(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(String::from)
        .collect()
}

/// Failures of one test (or one binary) over all runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Runs it failed in.
    pub failures: usize,
    /// Log of its last failing run.
    pub last_log: Option<PathBuf>,
    /// What else is known (for hangs: the tests that had not finished).
    pub note: String,
}

/// Every failure of a run of one binary, keyed `<binary> <test>` (a crash or a hang is keyed by the
/// binary alone).
pub fn failures_of(
    label: &str,
    output: &TestOutput,
    outcome: &RunEnd,
) -> Vec<(String, Option<String>)> {
    let mut keys: Vec<(String, Option<String>)> = output
        .failed
        .iter()
        .map(|t| (format!("{label} {t}"), None))
        .collect();
    match outcome {
        RunEnd::Success => {}
        RunEnd::Failure(status) => {
            if output.failed.is_empty() || !output.completed {
                keys.push((format!("{label} (died: {status})"), None));
            }
        }
        RunEnd::Hung { secs, unfinished } => {
            let note = if unfinished.is_empty() {
                String::new()
            } else {
                const SHOWN: usize = 5;
                let more = unfinished.len().saturating_sub(SHOWN);
                let mut s = format!(
                    "unfinished: {}",
                    unfinished[..unfinished.len().min(SHOWN)].join(", ")
                );
                if more > 0 {
                    s.push_str(&format!(" and {more} more"));
                }
                s
            };
            keys.push((format!("{label} (hung: killed after {secs} s)"), Some(note)));
        }
    }
    keys
}

/// How a run of a binary ended, for [`failures_of`].
#[derive(Debug, Clone, PartialEq)]
pub enum RunEnd {
    /// Exit status 0.
    Success,
    /// Another exit status or a signal, in words.
    Failure(String),
    /// Killed at the time limit; the tests that had not finished.
    Hung {
        /// The time limit.
        secs: u64,
        /// Tests listed by the binary that did not finish.
        unfinished: Vec<String>,
    },
}

/// The final table: each failing test with its count, the most frequent first.
pub fn failure_table(tally: &BTreeMap<String, Tally>, runs: usize) -> Table {
    let mut rows: Vec<(&String, &Tally)> = tally.iter().collect();
    rows.sort_by(|a, b| b.1.failures.cmp(&a.1.failures).then(a.0.cmp(b.0)));
    let mut table = Table::new(["test", "failed", "runs", "last log"]);
    for (key, t) in rows {
        let name = if t.note.is_empty() {
            key.clone()
        } else {
            format!("{key} [{}]", t.note)
        };
        table.row(vec![
            name,
            t.failures.to_string(),
            runs.to_string(),
            t.last_log
                .as_ref()
                .map_or(String::new(), |p| p.display().to_string()),
        ]);
    }
    table
}

/// Builds the tests, runs them `opts.runs` times and reports.
pub fn flaky(opts: &FlakyOptions) -> Result<(), String> {
    let ws = workspace()?;
    let out_dir = ws.target_dir.join("zokio-flaky");
    // Logs of an earlier run would be mistaken for this one's.
    let _ = fs::remove_dir_all(&out_dir);
    fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;

    eprintln!("flaky: building the tests (cargo test --workspace --no-run)");
    let build = cargo()
        .current_dir(&ws.root)
        .args([
            "test",
            "--workspace",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo test --no-run: {e}"))?;
    if !build.status.success() {
        return Err("building the tests failed".into());
    }
    let binaries = test_binaries(&String::from_utf8_lossy(&build.stdout))?;
    if binaries.is_empty() {
        return Err("cargo built no test binary".into());
    }
    let cargo_path = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let limit = Duration::from_secs(opts.timeout_secs);
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    let scratch = out_dir.join("current.log");
    let width = opts.runs.to_string().len();

    for run in 1..=opts.runs {
        let start = Instant::now();
        let (mut passed, mut failed, mut ignored) = (0usize, 0usize, 0usize);
        let mut jobs: Vec<(String, Command)> = binaries
            .iter()
            .map(|b| {
                let dir = b.manifest_path.parent().unwrap_or(Path::new("."));
                let mut cmd = Command::new(&b.exe);
                cmd.current_dir(dir)
                    .args(&opts.test_args)
                    .env("CARGO", &cargo_path)
                    .env("CARGO_MANIFEST_DIR", dir)
                    .env("CARGO_MANIFEST_PATH", &b.manifest_path)
                    .env("CARGO_PKG_NAME", &b.package)
                    .env("CARGO_PKG_VERSION", &b.version)
                    .env("CARGO_CRATE_NAME", &b.crate_name);
                (b.label.clone(), cmd)
            })
            .collect();
        if opts.doc {
            let mut cmd = cargo();
            cmd.current_dir(&ws.root)
                .args(["test", "--workspace", "--doc", "--"])
                .args(&opts.test_args);
            jobs.push(("doctests".to_string(), cmd));
        }
        for (label, cmd) in jobs {
            let outcome = logrun::run(cmd, &scratch, false, Some(limit))?;
            let text = fs::read_to_string(&scratch).unwrap_or_default();
            let output = parse_libtest(&text);
            passed += output.finished.len();
            failed += output.failed.len();
            ignored += output.ignored.len();
            let end = match outcome {
                Outcome::Exited(s) if s.success() => RunEnd::Success,
                Outcome::Exited(s) => RunEnd::Failure(s.to_string()),
                Outcome::TimedOut => {
                    let listed = binaries
                        .iter()
                        .find(|b| b.label == label)
                        .map(|b| list_tests(&b.exe, &opts.test_args))
                        .unwrap_or_default();
                    RunEnd::Hung {
                        secs: opts.timeout_secs,
                        unfinished: listed
                            .into_iter()
                            .filter(|t| {
                                ![&output.finished, &output.failed, &output.ignored]
                                    .iter()
                                    .any(|done| done.contains(t))
                            })
                            .collect(),
                    }
                }
            };
            let keys = failures_of(&label, &output, &end);
            if keys.is_empty() {
                continue;
            }
            let kept = out_dir.join(format!("{}-run{run}.log", label.replace('/', "_")));
            let _ = fs::rename(&scratch, &kept);
            for (key, note) in keys {
                eprintln!("flaky: run {run}: {key} failed (log: {})", kept.display());
                let t = tally.entry(key).or_default();
                t.failures += 1;
                t.last_log = Some(kept.clone());
                if let Some(n) = note {
                    t.note = n;
                }
            }
        }
        eprintln!(
            "flaky: run {run:>width$}/{}: {passed} passed, {failed} failed, {ignored} ignored \
             ({:.0} s)",
            opts.runs,
            start.elapsed().as_secs_f64()
        );
    }
    let _ = fs::remove_file(&scratch);

    if tally.is_empty() {
        println!(
            "\nflaky: {} runs of {} test binaries{}: no test failed.",
            opts.runs,
            binaries.len(),
            if opts.doc { " and the doc-tests" } else { "" }
        );
        return Ok(());
    }
    println!(
        "\nflaky: tests that failed in some of the {} runs:\n",
        opts.runs
    );
    print!("{}", failure_table(&tally, opts.runs).to_text());
    Err(format!("{} tests failed at least once", tally.len()))
}

/// The tests a binary would run with these arguments (for naming the unfinished ones of a hang).
fn list_tests(exe: &Path, test_args: &[String]) -> Vec<String> {
    // `--list` understands filters and `--exact`/`--skip`; options that only shape a run are
    // dropped.
    let args = test_args.iter().filter(|a| {
        !a.starts_with("--test-threads") && *a != "--nocapture" && !a.starts_with("--format")
    });
    Command::new(exe)
        .arg("--list")
        .args(args)
        .stderr(Stdio::null())
        .output()
        .map(|o| parse_list(&String::from_utf8_lossy(&o.stdout)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_package_ids() {
        assert_eq!(
            package_name_version("path+file:///w/crates/zokio-sync#0.1.0"),
            Some(("zokio-sync".into(), "0.1.0".into()))
        );
        assert_eq!(
            package_name_version("path+file:///w/xtask#xtask@0.1.0"),
            Some(("xtask".into(), "0.1.0".into()))
        );
        assert_eq!(package_name_version("zokio 0.1.0"), None);
    }

    #[test]
    fn finds_test_binaries() {
        let json = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/crates/zokio-sync#0.1.0","manifest_path":"/w/crates/zokio-sync/Cargo.toml","target":{"kind":["lib"],"crate_types":["lib"],"name":"zokio_sync","src_path":"/w/crates/zokio-sync/src/lib.rs"},"profile":{"test":true},"executable":"/t/debug/deps/zokio_sync-aa"}
{"reason":"compiler-artifact","package_id":"path+file:///w/crates/zokio-sync#0.1.0","manifest_path":"/w/crates/zokio-sync/Cargo.toml","target":{"kind":["lib"],"name":"zokio_sync"},"profile":{"test":false},"executable":null}
{"reason":"compiler-artifact","package_id":"path+file:///w/crates/zokio-sync#0.1.0","manifest_path":"/w/crates/zokio-sync/Cargo.toml","target":{"kind":["test"],"name":"mpsc-close"},"profile":{"test":true},"executable":"/t/debug/deps/mpsc_close-bb"}
{"reason":"compiler-artifact","package_id":"path+file:///w/crates/zokio#0.1.0","manifest_path":"/w/crates/zokio/Cargo.toml","target":{"kind":["example"],"name":"soak"},"profile":{"test":false},"executable":"/t/debug/examples/soak"}
{"reason":"compiler-artifact","package_id":"path+file:///w/crates/zokio-macros#0.1.0","manifest_path":"/w/crates/zokio-macros/Cargo.toml","target":{"kind":["proc-macro"],"name":"zokio_macros"},"profile":{"test":true},"executable":"/t/debug/deps/zokio_macros-cc"}
{"reason":"build-finished","success":true}"#;
        let found = test_binaries(json).unwrap();
        let labels: Vec<&str> = found.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "zokio-macros/lib",
                "zokio-sync/lib",
                "zokio-sync/tests/mpsc-close"
            ]
        );
        let close = &found[2];
        assert_eq!(close.exe, Path::new("/t/debug/deps/mpsc_close-bb"));
        assert_eq!(close.crate_name, "mpsc_close");
        assert_eq!(close.package, "zokio-sync");
        assert_eq!(close.version, "0.1.0");
        assert_eq!(
            close.manifest_path,
            Path::new("/w/crates/zokio-sync/Cargo.toml")
        );
        assert!(test_binaries("{not json").is_err());
        assert!(test_binaries("   Compiling x\n").unwrap().is_empty());
    }

    const OUTPUT: &str = "\
running 5 tests
test mpsc::send_then_close ... ok
test mpsc::closed_wakes - should panic ... ok
test slow ... ignored, takes minutes
test flaky::timing ... FAILED
test other ... FAILED

failures:

---- flaky::timing stdout ----
thread 'flaky::timing' panicked at tests/x.rs:3:5:
test something ... ok

failures:
    flaky::timing
    other

test result: FAILED. 2 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.20s
";

    #[test]
    fn reads_libtest_output() {
        let out = parse_libtest(OUTPUT);
        assert_eq!(
            out.finished,
            ["mpsc::send_then_close", "mpsc::closed_wakes"]
        );
        assert_eq!(out.ignored, ["slow"]);
        assert_eq!(out.failed, ["flaky::timing", "other"]);
        assert!(out.completed);
        let cut = parse_libtest("running 1 test\ntest a ... ok\n");
        assert!(!cut.completed && cut.failed.is_empty());
        assert_eq!(
            parse_list("a::b: test\nc: test\nd: benchmark\n\n2 tests, 1 benchmark\n"),
            ["a::b", "c"]
        );
    }

    #[test]
    fn keys_failures_crashes_and_hangs() {
        let out = parse_libtest(OUTPUT);
        let failed = failures_of(
            "zokio/tests/x",
            &out,
            &RunEnd::Failure("exit status: 101".into()),
        );
        assert_eq!(
            failed,
            [
                ("zokio/tests/x flaky::timing".to_string(), None),
                ("zokio/tests/x other".to_string(), None)
            ]
        );
        assert!(failures_of("b", &TestOutput::default(), &RunEnd::Success).is_empty());
        // A binary that died without a failed test (a signal, an abort).
        let died = failures_of(
            "b",
            &parse_libtest("test a ... ok\n"),
            &RunEnd::Failure("signal: 6 (SIGABRT)".into()),
        );
        assert_eq!(died, [("b (died: signal: 6 (SIGABRT))".to_string(), None)]);
        let hung = failures_of(
            "b",
            &TestOutput::default(),
            &RunEnd::Hung {
                secs: 300,
                unfinished: (1..=7).map(|i| format!("t{i}")).collect(),
            },
        );
        assert_eq!(hung[0].0, "b (hung: killed after 300 s)");
        assert_eq!(
            hung[0].1.as_deref(),
            Some("unfinished: t1, t2, t3, t4, t5 and 2 more")
        );
    }

    #[test]
    fn table_lists_the_most_frequent_first() {
        let mut tally = BTreeMap::new();
        tally.insert(
            "a/lib x".to_string(),
            Tally {
                failures: 1,
                last_log: Some(PathBuf::from("/l/a.log")),
                note: String::new(),
            },
        );
        tally.insert(
            "b/lib y".to_string(),
            Tally {
                failures: 3,
                last_log: None,
                note: "unfinished: z".into(),
            },
        );
        let md = failure_table(&tally, 20).to_markdown();
        let rows: Vec<&str> = md.lines().skip(2).collect();
        assert_eq!(
            rows,
            [
                "| b/lib y [unfinished: z] | 3 | 20 |  |",
                "| a/lib x | 1 | 20 | /l/a.log |"
            ]
        );
    }
}
