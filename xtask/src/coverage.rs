//! `cargo xtask coverage`: line coverage of the library crates, measured with cargo-llvm-cov.
//!
//! The library crates are the workspace's packages under `crates/`. Two test runs are merged into
//! one report: every library crate's tests with all features (what
//! `cargo test --workspace` builds, `tokio-coop` included), then `zokio-sync` alone with its default
//! features, so that the lines compiled only without `tokio-coop` count too. The `benches` and
//! `xtask` packages are left out: the benches' smoke tests would only execute library code, not
//! check it. The table groups the files under `crates/<name>/src/` by crate (test files are not
//! counted).
//!
//! cargo-llvm-cov needs `llvm-cov` and `llvm-profdata` of the LLVM that rustc was built with:
//! `$LLVM_COV` and `$LLVM_PROFDATA` when both are set, else rustup's `llvm-tools` component, else
//! Debian's `llvm-<major>` package (`/usr/lib/llvm-<major>/bin`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::run::{cargo, workspace};
use crate::table::Table;
use crate::tools::{Rustc, status};

/// Options of `cargo xtask coverage`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CoverageOptions {
    /// Also write an HTML report.
    pub html: bool,
}

/// Where cargo-llvm-cov gets `llvm-cov` and `llvm-profdata` from.
#[derive(Debug, Clone, PartialEq)]
pub enum LlvmTools {
    /// `$LLVM_COV` and `$LLVM_PROFDATA`, set by the caller: passed on as they are.
    Env,
    /// rustup's `llvm-tools` component, which cargo-llvm-cov finds by itself.
    Rustup,
    /// A directory holding both tools (Debian's `/usr/lib/llvm-<major>/bin`).
    Dir(PathBuf),
}

/// Finds the LLVM tools, given the `LLVM_COV`/`LLVM_PROFDATA` variables, rustc's sysroot and host,
/// the LLVM major version rustc was built with, and a test for whether a file exists. The error is
/// the message to show, with the commands that install the tools.
pub fn find_llvm_tools(
    env_cov: Option<&str>,
    env_profdata: Option<&str>,
    sysroot: &Path,
    rustc: &Rustc,
    exists: impl Fn(&Path) -> bool,
) -> Result<LlvmTools, String> {
    match (env_cov, env_profdata) {
        (Some(cov), Some(profdata)) => {
            for (var, path) in [("LLVM_COV", cov), ("LLVM_PROFDATA", profdata)] {
                if !exists(Path::new(path)) {
                    return Err(format!("{var} is set to {path:?}, which does not exist"));
                }
            }
            return Ok(LlvmTools::Env);
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err("set both LLVM_COV and LLVM_PROFDATA, or neither".into());
        }
        (None, None) => {}
    }
    let both_in = |dir: &Path| exists(&dir.join("llvm-cov")) && exists(&dir.join("llvm-profdata"));
    let rustup_dir = sysroot
        .join("lib")
        .join("rustlib")
        .join(&rustc.host)
        .join("bin");
    if both_in(&rustup_dir) {
        return Ok(LlvmTools::Rustup);
    }
    let major = rustc.llvm_major;
    if let Some(major) = major {
        let debian = PathBuf::from(format!("/usr/lib/llvm-{major}/bin"));
        if both_in(&debian) {
            return Ok(LlvmTools::Dir(debian));
        }
    }
    let package = match major {
        Some(m) => format!("llvm-{m}"),
        None => "llvm-<the major version of `rustc -vV`'s LLVM>".to_string(),
    };
    Err(format!(
        "llvm-cov and llvm-profdata matching rustc's LLVM were not found. Install them with one of:\n\
         \x20   rustup component add llvm-tools-preview\n\
         \x20   apt-get install {package}     (Debian: the tools land in /usr/lib/{package}/bin)\n\
         or point LLVM_COV and LLVM_PROFDATA at them, then rerun `cargo xtask coverage`."
    ))
}

/// Line counts of one crate (or of all of them).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Lines {
    /// Lines with code.
    pub count: u64,
    /// Lines with code that ran.
    pub covered: u64,
}

impl Lines {
    /// Covered lines as a percentage (100 for a crate without code).
    pub fn percent(&self) -> f64 {
        if self.count == 0 {
            100.0
        } else {
            self.covered as f64 * 100.0 / self.count as f64
        }
    }
}

/// The crate a source file belongs to: `<name>` of `<root>/crates/<name>/src/...`; `None` for
/// anything else (tests, benches, the xtask, dependencies).
pub fn crate_of(root: &Path, file: &str) -> Option<String> {
    let rel = Path::new(file).strip_prefix(root).ok()?;
    let mut parts = rel.components().map(|c| c.as_os_str().to_str());
    match (parts.next()?, parts.next()?, parts.next()?) {
        (Some("crates"), Some(name), Some("src")) => Some(name.to_string()),
        _ => None,
    }
}

/// Sums the per-file line counts of an `llvm-cov export` JSON document (as written by
/// `cargo llvm-cov report --json --summary-only`) by crate.
pub fn lines_by_crate(json: &str, root: &Path) -> Result<BTreeMap<String, Lines>, String> {
    let doc: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("bad coverage JSON: {e}"))?;
    let data = doc["data"]
        .as_array()
        .ok_or("coverage JSON has no `data` array")?;
    let mut by_crate: BTreeMap<String, Lines> = BTreeMap::new();
    for file in data.iter().filter_map(|d| d["files"].as_array()).flatten() {
        let name = file["filename"]
            .as_str()
            .ok_or("a file of the coverage JSON has no filename")?;
        let Some(krate) = crate_of(root, name) else {
            continue;
        };
        let lines = &file["summary"]["lines"];
        let (Some(count), Some(covered)) = (lines["count"].as_u64(), lines["covered"].as_u64())
        else {
            return Err(format!("no line summary for {name} in the coverage JSON"));
        };
        let entry = by_crate.entry(krate).or_default();
        entry.count += count;
        entry.covered += covered;
    }
    Ok(by_crate)
}

/// The per-crate table: all library crates first, then each crate from the least covered up.
/// Library crates with no measured file show as not measured.
pub fn coverage_table(by_crate: &BTreeMap<String, Lines>, library_crates: &[String]) -> Table {
    let mut table = Table::new(["crate", "lines", "covered", "line coverage"]);
    let pct = |l: &Lines| format!("{:.1}%", l.percent());
    let mut total = Lines::default();
    let mut rows: Vec<(&str, Option<&Lines>)> = library_crates
        .iter()
        .map(|c| (c.as_str(), by_crate.get(c)))
        .collect();
    for (_, lines) in &rows {
        if let Some(l) = lines {
            total.count += l.count;
            total.covered += l.covered;
        }
    }
    rows.sort_by(|a, b| {
        let key = |l: &Option<&Lines>| l.map_or(-1.0, |l| l.percent());
        key(&a.1).total_cmp(&key(&b.1)).then(a.0.cmp(b.0))
    });
    table.row(vec![
        "all library crates".into(),
        total.count.to_string(),
        total.covered.to_string(),
        pct(&total),
    ]);
    for (name, lines) in rows {
        let label = if name == "zokio" {
            "zokio (facade)".to_string()
        } else {
            name.to_string()
        };
        match lines {
            Some(l) => table.row(vec![
                label,
                l.count.to_string(),
                l.covered.to_string(),
                pct(l),
            ]),
            None => table.row(vec![label, "–".into(), "–".into(), "not measured".into()]),
        }
    }
    table
}

/// The `cargo llvm-cov` runs: `(arguments, what)`; each collects profiles without reporting.
fn test_runs(library_crates: &[String]) -> Vec<(Vec<String>, &'static str)> {
    let mut all: Vec<String> = [
        "llvm-cov",
        "--no-report",
        "--no-fail-fast",
        "--all-features",
    ]
    .map(String::from)
    .to_vec();
    for c in library_crates {
        all.extend(["-p".to_string(), c.clone()]);
    }
    let sync_default = [
        "llvm-cov",
        "--no-report",
        "--no-fail-fast",
        "-p",
        "zokio-sync",
    ]
    .map(String::from)
    .to_vec();
    vec![
        (all, "the library crates' tests (all features)"),
        (sync_default, "zokio-sync's tests with its default features"),
    ]
}

/// Files left out of the reports (the HTML one would list them otherwise).
const IGNORE_FILES: &str = r"(^|/)(benches|xtask)/";

/// Runs the tests under cargo-llvm-cov and prints the per-crate table.
pub fn coverage(opts: &CoverageOptions) -> Result<(), String> {
    let probe = cargo()
        .args(["llvm-cov", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        return Err(
            "cargo-llvm-cov is not installed: `cargo llvm-cov --version` failed.\n\
             Install it with `cargo install cargo-llvm-cov --locked`, then rerun \
             `cargo xtask coverage`."
                .into(),
        );
    }
    let rustc = Rustc::current()?;
    let sysroot = sysroot()?;
    let cov = std::env::var("LLVM_COV").ok();
    let profdata = std::env::var("LLVM_PROFDATA").ok();
    let tools = find_llvm_tools(
        cov.as_deref(),
        profdata.as_deref(),
        &sysroot,
        &rustc,
        Path::exists,
    )?;
    let with_tools = |mut cmd: Command| {
        if let LlvmTools::Dir(dir) = &tools {
            cmd.env("LLVM_COV", dir.join("llvm-cov"));
            cmd.env("LLVM_PROFDATA", dir.join("llvm-profdata"));
        }
        cmd
    };
    match &tools {
        LlvmTools::Env => eprintln!("coverage: llvm tools from LLVM_COV and LLVM_PROFDATA"),
        LlvmTools::Rustup => eprintln!("coverage: llvm tools from rustup's llvm-tools component"),
        LlvmTools::Dir(d) => eprintln!("coverage: llvm tools from {}", d.display()),
    }

    let ws = workspace()?;
    // Stale profiles of an earlier run would be merged into this one.
    let mut clean = with_tools(cargo());
    clean.args(["llvm-cov", "clean", "--workspace"]);
    status(clean, "cargo llvm-cov clean")?;
    let mut failed = Vec::new();
    for (args, what) in test_runs(&ws.library_crates) {
        eprintln!("coverage: running {what}");
        let mut cmd = with_tools(cargo());
        cmd.args(&args);
        if let Err(e) = status(cmd, what) {
            // Keep going: the report of the tests that did pass is still worth having.
            failed.push(e);
        }
    }

    let out_dir = ws.target_dir.join("llvm-cov");
    fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let json_path = out_dir.join("summary.json");
    let mut report = with_tools(cargo());
    report
        .args(["llvm-cov", "report", "--json", "--summary-only"])
        .args(["--ignore-filename-regex", IGNORE_FILES])
        .arg("--output-path")
        .arg(&json_path);
    status(report, "cargo llvm-cov report --json")?;
    let json = fs::read_to_string(&json_path)
        .map_err(|e| format!("cannot read {}: {e}", json_path.display()))?;
    let by_crate = lines_by_crate(&json, &ws.root)?;
    let table = coverage_table(&by_crate, &ws.library_crates);
    println!("\nLine coverage of the library crates (files under crates/<name>/src):\n");
    print!("{}", table.to_text());
    let md_path = out_dir.join("coverage.md");
    fs::write(&md_path, table.to_markdown())
        .map_err(|e| format!("cannot write {}: {e}", md_path.display()))?;
    println!(
        "\nmarkdown: {}\nJSON summary: {}",
        md_path.display(),
        json_path.display()
    );

    if opts.html {
        let html_dir = out_dir.join("html");
        let mut html = with_tools(cargo());
        html.args(["llvm-cov", "report", "--html"])
            .args(["--ignore-filename-regex", IGNORE_FILES])
            .arg("--output-dir")
            .arg(&out_dir);
        status(html, "cargo llvm-cov report --html")?;
        println!("HTML report: {}", html_dir.join("index.html").display());
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "some tests failed, so the coverage above misses what they would have run:\n  {}",
            failed.join("\n  ")
        ))
    }
}

/// `rustc --print sysroot`.
fn sysroot() -> Result<PathBuf, String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc --print sysroot: {e}"))?;
    if !out.status.success() {
        return Err("rustc --print sysroot failed".into());
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The library crates of the fixtures below.
    fn crates() -> Vec<String> {
        ["zokio", "zokio-coop", "zokio-fs", "zokio-sync"]
            .map(String::from)
            .to_vec()
    }

    fn rustc(major: Option<u32>) -> Rustc {
        Rustc {
            host: "x86_64-unknown-linux-gnu".into(),
            llvm_major: major,
        }
    }

    #[test]
    fn finds_llvm_tools_in_order() {
        let sysroot = Path::new("/rust");
        let rustup_bin = "/rust/lib/rustlib/x86_64-unknown-linux-gnu/bin";
        let only = |files: &'static [&'static str]| {
            move |p: &Path| files.iter().any(|f| Path::new(f) == p)
        };
        // Both variables set and present: used as they are.
        let files: &[&str] = &["/opt/cov", "/opt/profdata"];
        assert_eq!(
            find_llvm_tools(
                Some("/opt/cov"),
                Some("/opt/profdata"),
                sysroot,
                &rustc(Some(22)),
                only(files)
            ),
            Ok(LlvmTools::Env)
        );
        let err = find_llvm_tools(
            Some("/opt/cov"),
            Some("/nope"),
            sysroot,
            &rustc(Some(22)),
            only(files),
        )
        .unwrap_err();
        assert!(err.contains("LLVM_PROFDATA") && err.contains("/nope"));
        assert!(
            find_llvm_tools(Some("/opt/cov"), None, sysroot, &rustc(None), only(files))
                .unwrap_err()
                .contains("both")
        );
        // rustup's component wins over Debian's package.
        let both: &[&str] = &[
            "/rust/lib/rustlib/x86_64-unknown-linux-gnu/bin/llvm-cov",
            "/rust/lib/rustlib/x86_64-unknown-linux-gnu/bin/llvm-profdata",
            "/usr/lib/llvm-22/bin/llvm-cov",
            "/usr/lib/llvm-22/bin/llvm-profdata",
        ];
        assert!(both[0].starts_with(rustup_bin));
        assert_eq!(
            find_llvm_tools(None, None, sysroot, &rustc(Some(22)), only(both)),
            Ok(LlvmTools::Rustup)
        );
        // Debian's package of rustc's LLVM major version, and not another one.
        assert_eq!(
            find_llvm_tools(None, None, sysroot, &rustc(Some(22)), only(&both[2..])),
            Ok(LlvmTools::Dir(PathBuf::from("/usr/lib/llvm-22/bin")))
        );
        let err =
            find_llvm_tools(None, None, sysroot, &rustc(Some(23)), only(&both[2..])).unwrap_err();
        assert!(err.contains("apt-get install llvm-23"), "{err}");
        assert!(
            err.contains("rustup component add llvm-tools-preview"),
            "{err}"
        );
        // Half of rustup's tools is not enough.
        let err =
            find_llvm_tools(None, None, sysroot, &rustc(Some(22)), only(&both[..1])).unwrap_err();
        assert!(err.contains("apt-get install llvm-22"), "{err}");
    }

    #[test]
    fn files_belong_to_crates() {
        let root = Path::new("/work/main");
        assert_eq!(
            crate_of(root, "/work/main/crates/zokio-sync/src/mpsc/chan.rs").as_deref(),
            Some("zokio-sync")
        );
        assert_eq!(
            crate_of(root, "/work/main/crates/zokio/src/lib.rs").as_deref(),
            Some("zokio")
        );
        assert_eq!(
            crate_of(root, "/work/main/crates/zokio/tests/runtime.rs"),
            None
        );
        assert_eq!(crate_of(root, "/work/main/benches/src/lib.rs"), None);
        assert_eq!(crate_of(root, "/work/main/xtask/src/main.rs"), None);
        assert_eq!(
            crate_of(root, "/home/u/.cargo/registry/src/x/polling/src/lib.rs"),
            None
        );
    }

    /// A trimmed `cargo llvm-cov report --json --summary-only` document.
    const SUMMARY: &str = r#"{
      "data": [{
        "files": [
          {"filename": "/w/crates/zokio-sync/src/lib.rs",
           "summary": {"lines": {"count": 100, "covered": 90, "percent": 90.0},
                       "functions": {"count": 10, "covered": 9, "percent": 90.0}}},
          {"filename": "/w/crates/zokio-sync/src/mutex.rs",
           "summary": {"lines": {"count": 300, "covered": 285, "percent": 95.0}}},
          {"filename": "/w/crates/zokio-sync/tests/mpsc.rs",
           "summary": {"lines": {"count": 50, "covered": 50, "percent": 100.0}}},
          {"filename": "/w/crates/zokio/src/lib.rs",
           "summary": {"lines": {"count": 200, "covered": 100, "percent": 50.0}}},
          {"filename": "/w/crates/zokio-coop/src/lib.rs",
           "summary": {"lines": {"count": 0, "covered": 0, "percent": 0.0}}}
        ],
        "totals": {"lines": {"count": 650, "covered": 525, "percent": 80.7}}
      }],
      "type": "llvm.coverage.json.export",
      "version": "3.0.1"
    }"#;

    #[test]
    fn sums_lines_by_crate() {
        let by_crate = lines_by_crate(SUMMARY, Path::new("/w")).unwrap();
        assert_eq!(
            by_crate["zokio-sync"],
            Lines {
                count: 400,
                covered: 375
            }
        );
        assert_eq!(
            by_crate["zokio"],
            Lines {
                count: 200,
                covered: 100
            }
        );
        assert_eq!(by_crate["zokio-coop"].percent(), 100.0);
        assert_eq!(by_crate.len(), 3);
        assert!(lines_by_crate("{}", Path::new("/w")).is_err());
        assert!(lines_by_crate("not json", Path::new("/w")).is_err());
        let no_lines = r#"{"data": [{"files": [{"filename": "/w/crates/zokio/src/a.rs",
                           "summary": {}}]}]}"#;
        assert!(
            lines_by_crate(no_lines, Path::new("/w"))
                .unwrap_err()
                .contains("a.rs")
        );
    }

    #[test]
    fn table_puts_the_total_first_and_the_least_covered_next() {
        let by_crate = lines_by_crate(SUMMARY, Path::new("/w")).unwrap();
        let md = coverage_table(&by_crate, &crates()).to_markdown();
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines[0], "| crate | lines | covered | line coverage |");
        assert_eq!(lines[2], "| all library crates | 600 | 475 | 79.2% |");
        // Crates without a measured file come first (they are the worst news), by name.
        assert!(lines[3].starts_with("| zokio-fs |"), "{md}");
        assert!(lines[3].ends_with("| not measured |"), "{md}");
        let measured: Vec<&str> = lines[3..]
            .iter()
            .filter(|l| !l.contains("not measured"))
            .copied()
            .collect();
        assert_eq!(
            measured,
            [
                "| zokio (facade) | 200 | 100 | 50.0% |",
                "| zokio-sync | 400 | 375 | 93.8% |",
                "| zokio-coop | 0 | 0 | 100.0% |",
            ]
        );
        assert_eq!(lines.len(), 2 + 1 + crates().len());
    }

    #[test]
    fn test_runs_cover_every_library_crate_and_sync_defaults() {
        let runs = test_runs(&crates());
        assert_eq!(runs.len(), 2);
        let all = runs[0].0.join(" ");
        for c in crates() {
            assert!(all.contains(&format!("-p {c}")), "{all}");
        }
        assert!(all.contains("--all-features") && all.contains("--no-report"));
        let sync = runs[1].0.join(" ");
        assert!(sync.ends_with("-p zokio-sync") && !sync.contains("features"));
    }
}
