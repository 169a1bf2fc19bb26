//! Building, listing and running the criterion benches of the `benches` package.
//!
//! The bench binaries are built once with `cargo bench --no-run` (bench profile) and then run
//! directly, so that their output can drive the progress bar. Criterion prints
//! `Benchmarking <id>: ...` status lines on stderr; `...: Analyzing` marks a finished measurement.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// The package whose bench targets are run.
const PACKAGE: &str = "benches";

/// Suites run first, in this order; others follow by name.
const SUITE_ORDER: [&str; 3] = ["headline", "current_thread", "multi_thread"];

/// Where things are, from `cargo metadata`.
pub struct Workspace {
    /// The workspace root (where the top `Cargo.toml` is).
    pub root: PathBuf,
    /// The `target` directory (honours `CARGO_TARGET_DIR`).
    pub target_dir: PathBuf,
    /// The library crates: the workspace's packages under `crates/`, by name.
    pub library_crates: Vec<String>,
    /// Directory of the `benches` package (criterion runs from there, as under `cargo bench`).
    pub package_dir: PathBuf,
    /// Names of the package's bench targets, in run order.
    pub suites: Vec<String>,
}

/// The cargo binary that started us (cargo sets `CARGO` for `cargo run`), or `cargo`.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Reads the workspace layout.
pub fn workspace() -> Result<Workspace, String> {
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err("cargo metadata failed".into());
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("bad cargo metadata output: {e}"))?;
    let target_dir = meta["target_directory"]
        .as_str()
        .ok_or("cargo metadata has no target_directory")?;
    let root = meta["workspace_root"]
        .as_str()
        .ok_or("cargo metadata has no workspace_root")?;
    let package = meta["packages"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == PACKAGE))
        .ok_or_else(|| format!("no package named {PACKAGE} in the workspace"))?;
    let manifest = package["manifest_path"]
        .as_str()
        .ok_or("package has no manifest_path")?;
    let mut suites: Vec<String> = package["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bench"))
        })
        .filter_map(|t| t["name"].as_str().map(String::from))
        // Not criterion: `cargo xtask paired` runs it.
        .filter(|name| name != crate::paired::PAIRED_SUITE)
        .collect();
    suites.sort_by_key(|s| {
        let rank = SUITE_ORDER
            .iter()
            .position(|o| o == s)
            .unwrap_or(SUITE_ORDER.len());
        (rank, s.clone())
    });
    Ok(Workspace {
        library_crates: library_crates(&meta, Path::new(root)),
        root: PathBuf::from(root),
        target_dir: PathBuf::from(target_dir),
        package_dir: Path::new(manifest)
            .parent()
            .ok_or("manifest path has no parent")?
            .to_path_buf(),
        suites,
    })
}

/// The packages of `cargo metadata` whose manifests lie under `<root>/crates/`, sorted by name.
pub fn library_crates(meta: &serde_json::Value, root: &Path) -> Vec<String> {
    let crates_dir = root.join("crates");
    let mut names: Vec<String> = meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| {
            p["manifest_path"]
                .as_str()
                .is_some_and(|m| Path::new(m).starts_with(&crates_dir))
        })
        .filter_map(|p| p["name"].as_str().map(String::from))
        .collect();
    names.sort();
    names
}

/// The comma-separated patterns of a `--filter` value.
fn patterns(filter: &str) -> impl Iterator<Item = &str> {
    filter.split(',').map(str::trim).filter(|p| !p.is_empty())
}

/// Suites worth building for `filter`: those its patterns name (`current_thread` or
/// `current_thread/spawn_many`), or every suite when some pattern names none of them (it may
/// match groups in any suite).
pub fn suites_for_filter(suites: &[String], filter: Option<&str>) -> Vec<String> {
    let Some(filter) = filter else {
        return suites.to_vec();
    };
    let mut named = vec![false; suites.len()];
    for pattern in patterns(filter) {
        let mut any = false;
        for (i, s) in suites.iter().enumerate() {
            if s.contains(pattern) || pattern.starts_with(&format!("{s}/")) {
                named[i] = true;
                any = true;
            }
        }
        if !any {
            return suites.to_vec();
        }
    }
    suites
        .iter()
        .zip(named)
        .filter(|(_, n)| *n)
        .map(|(s, _)| s.clone())
        .collect()
}

/// Builds the given bench targets in the bench profile; returns each target's executable.
pub fn build(suites: &[String]) -> Result<HashMap<String, PathBuf>, String> {
    let mut cmd = cargo();
    cmd.args([
        "bench",
        "--no-run",
        "--message-format=json-render-diagnostics",
        "-p",
        PACKAGE,
    ]);
    for s in suites {
        cmd.args(["--bench", s]);
    }
    // Compiler progress and diagnostics go straight to the terminal; stdout carries JSON messages.
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo bench: {e}"))?;
    if !out.status.success() {
        return Err("building the benches failed (see the compiler output above)".into());
    }
    let mut exes = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_bench = msg["target"]["kind"]
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k == "bench"));
        if msg["reason"] == "compiler-artifact" && is_bench {
            if let (Some(name), Some(exe)) =
                (msg["target"]["name"].as_str(), msg["executable"].as_str())
            {
                exes.insert(name.to_string(), PathBuf::from(exe));
            }
        }
    }
    match suites.iter().find(|s| !exes.contains_key(*s)) {
        Some(missing) => Err(format!(
            "cargo did not report an executable for bench {missing}"
        )),
        None => Ok(exes),
    }
}

/// The benchmark ids (`group/function`) a bench binary defines.
pub fn list(exe: &Path, package_dir: &Path) -> Result<Vec<String>, String> {
    let out = Command::new(exe)
        .args(["--bench", "--list", "--format", "terse"])
        .current_dir(package_dir)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} --list failed:\n{}",
            exe.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": benchmark"))
        .map(String::from)
        .collect())
}

/// Whether benchmark `id` of `suite` is selected by the filter and the runtime list. The runtime
/// is the id segment naming one (group ids may themselves contain `/`); ids without such a segment
/// are kept whatever the runtime list says, the `raw` reference among them (it is what zokio/raw
/// is measured against, and cheap).
pub fn selected(suite: &str, id: &str, filter: Option<&str>, runtimes: &[String]) -> bool {
    let full = format!("{suite}/{id}");
    let filter_ok = filter.is_none_or(|f| patterns(f).any(|p| full.contains(p)));
    let runtime = id
        .split('/')
        .skip(1)
        .find(|s| crate::model::RUNTIMES.contains(s));
    let runtime_ok = runtime.is_none_or(|r| runtimes.iter().any(|x| x == r));
    filter_ok && runtime_ok
}

/// A criterion filter matching exactly the given ids.
pub fn exact_regex(ids: &[String]) -> String {
    let escaped: Vec<String> = ids.iter().map(|id| escape_regex(id)).collect();
    format!("^(?:{})$", escaped.join("|"))
}

/// Escapes every character the regex crate treats as a meta character.
fn escape_regex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One bench binary to run and the ids to run in it.
pub struct SuiteRun<'a> {
    /// Bench target name.
    pub suite: &'a str,
    /// Its executable.
    pub exe: &'a Path,
    /// Selected benchmark ids.
    pub ids: Vec<String>,
}

/// Runs every suite with the given criterion arguments once per round, showing progress;
/// criterion's own output goes to `log_path`. `env` is added to the benches' environment; in
/// round `k` each suite's results go to `round_roots[k]/<suite>/`.
pub fn run_all(
    runs: &[SuiteRun<'_>],
    criterion_args: &[String],
    env: &[(&str, String)],
    round_roots: &[PathBuf],
    package_dir: &Path,
    log_path: &Path,
) -> Result<(), String> {
    let total: usize = runs.iter().map(|r| r.ids.len()).sum::<usize>() * round_roots.len();
    let pb = ProgressBar::new(total as u64);
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner:.green} [{elapsed_precise}] [{bar:30.cyan/blue}] {pos}/{len} ETA {eta} {msg}",
        )
        .map_err(|e| e.to_string())?
        .progress_chars("=> "),
    );
    pb.enable_steady_tick(Duration::from_millis(200));
    let log =
        File::create(log_path).map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let log = Arc::new(Mutex::new(log));

    let rounds = round_roots.len();
    for (round, criterion_root) in round_roots.iter().enumerate() {
        // The benches rotate the order of each group's functions by the round, so that no
        // runtime is always measured first (`benches::turn_order`).
        let mut env = env.to_vec();
        env.push(("ZOKIO_BENCH_ROUND", round.to_string()));
        for run in runs.iter().filter(|r| !r.ids.is_empty()) {
            let prefix = if rounds > 1 {
                format!("round {}/{rounds} ", round + 1)
            } else {
                String::new()
            };
            run_suite(
                run,
                criterion_args,
                &env,
                criterion_root,
                package_dir,
                &pb,
                &log,
                prefix,
            )
            .map_err(|e| {
                pb.abandon();
                format!("{e}; criterion's output is in {}", log_path.display())
            })?;
        }
    }
    pb.finish_with_message("done");
    Ok(())
}

/// Runs one suite's selected benchmarks, feeding the progress bar.
#[allow(clippy::too_many_arguments)]
fn run_suite(
    run: &SuiteRun<'_>,
    criterion_args: &[String],
    env: &[(&str, String)],
    criterion_root: &Path,
    package_dir: &Path,
    pb: &ProgressBar,
    log: &Arc<Mutex<File>>,
    prefix: String,
) -> Result<(), String> {
    let mut child = Command::new(run.exe)
        .arg("--bench")
        .args(criterion_args)
        .arg(exact_regex(&run.ids))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("CRITERION_HOME", criterion_root.join(run.suite))
        .current_dir(package_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", run.exe.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let stderr = child.stderr.take().ok_or("no stderr pipe")?;
    let out_log = Arc::clone(log);
    let out_thread = std::thread::spawn(move || copy_lines(stdout, &out_log, |_| {}));
    let suite = run.suite.to_string();
    let bar = pb.clone();
    let err_log = Arc::clone(log);
    let err_thread = std::thread::spawn(move || {
        copy_lines(stderr, &err_log, |line| {
            progress_line(&bar, &suite, &prefix, line)
        });
    });
    let status = child.wait().map_err(|e| e.to_string())?;
    let _ = out_thread.join();
    let _ = err_thread.join();
    if !status.success() {
        return Err(format!("bench {} failed ({status})", run.suite));
    }
    Ok(())
}

/// Copies each line of `input` to the log and hands it to `on_line`.
fn copy_lines(input: impl std::io::Read, log: &Mutex<File>, mut on_line: impl FnMut(&str)) {
    for line in BufReader::new(input).lines() {
        let Ok(line) = line else { break };
        if let Ok(mut f) = log.lock() {
            let _ = writeln!(f, "{line}");
        }
        on_line(&line);
    }
}

/// Updates the progress bar from one of criterion's status lines.
fn progress_line(pb: &ProgressBar, suite: &str, prefix: &str, line: &str) {
    let Some(rest) = line.strip_prefix("Benchmarking ") else {
        // Panics and errors must not vanish into the log.
        if line.contains("panicked") || line.starts_with("error") {
            pb.println(line);
        }
        return;
    };
    let (id, phase) = rest.split_once(": ").unwrap_or((rest, ""));
    // Our group ids already start with the suite name; others' might not.
    let label = if id.starts_with(&format!("{suite}/")) {
        format!("{prefix}{id}")
    } else {
        format!("{prefix}{suite}: {id}")
    };
    if phase.starts_with("Warming up") {
        pb.set_message(label);
    } else if phase.starts_with("Analyzing") || phase.starts_with("Complete") {
        pb.inc(1);
        if pb.is_hidden() {
            // No terminal to draw on: one plain line per finished benchmark instead.
            eprintln!("[{}/{}] {label}", pb.position(), pb.length().unwrap_or(0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_by_filter_and_runtime() {
        let all = ["zokio".to_string(), "tokio".into(), "smol".into()];
        let two = ["zokio".to_string(), "tokio".into()];
        assert!(selected("current_thread", "spawn_many/smol", None, &all));
        assert!(!selected("current_thread", "spawn_many/smol", None, &two));
        assert!(selected(
            "current_thread",
            "spawn_many/tokio",
            Some("current_thread"),
            &two
        ));
        assert!(!selected(
            "multi_thread",
            "spawn_many/tokio",
            Some("current_thread"),
            &two
        ));
        assert!(selected(
            "multi_thread",
            "spawn_many/tokio",
            Some("spawn_many"),
            &two
        ));
        // A function id that is not a runtime is not subject to the runtime list.
        assert!(selected("sync", "mutex/uncontended", None, &two));
        // Nor is the synchronous reference, which only the filter selects.
        assert!(selected("fs", "fs/file_mixed_4k/raw", None, &two));
        assert!(selected("fs", "fs/file_mixed_4k/raw", Some("mixed"), &two));
        assert!(!selected("fs", "fs/file_mixed_4k/raw", Some("net"), &two));
    }

    #[test]
    fn suites_named_by_filter() {
        let suites: Vec<String> = ["headline", "current_thread", "multi_thread"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            suites_for_filter(&suites, Some("current_thread")),
            ["current_thread"]
        );
        assert_eq!(
            suites_for_filter(&suites, Some("multi_thread/yield")),
            ["multi_thread"]
        );
        assert_eq!(suites_for_filter(&suites, Some("thread")).len(), 2);
        assert_eq!(suites_for_filter(&suites, Some("spawn_many")).len(), 3);
        assert_eq!(suites_for_filter(&suites, None).len(), 3);
        assert_eq!(
            suites_for_filter(&suites, Some("headline,current_thread")),
            ["headline", "current_thread"]
        );
        assert_eq!(
            suites_for_filter(&suites, Some("headline,ping_pong")).len(),
            3
        );
    }

    #[test]
    fn library_crates_are_the_packages_under_crates() {
        let meta = serde_json::json!({"packages": [
            {"name": "zokio", "manifest_path": "/w/crates/zokio/Cargo.toml"},
            {"name": "benches", "manifest_path": "/w/benches/Cargo.toml"},
            {"name": "xtask", "manifest_path": "/w/xtask/Cargo.toml"},
            {"name": "zokio-coop", "manifest_path": "/w/crates/zokio-coop/Cargo.toml"},
            {"name": "other", "manifest_path": "/elsewhere/crates/other/Cargo.toml"}
        ]});
        assert_eq!(
            library_crates(&meta, Path::new("/w")),
            ["zokio", "zokio-coop"]
        );
    }

    #[test]
    fn exact_regex_escapes() {
        let ids = ["a/zokio".to_string(), "b.c/tokio".into()];
        assert_eq!(exact_regex(&ids), r"^(?:a/zokio|b\.c/tokio)$");
    }
}
