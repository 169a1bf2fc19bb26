//! `cargo xtask bench`: build, run, collect, report, compare.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::model::Report;
use crate::run::{self, SuiteRun};
use crate::{chart, compare, criterion, machine, report};

/// Options of `cargo xtask bench`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BenchOptions {
    /// Short measurements and smaller workloads.
    pub quick: bool,
    /// Comma-separated substrings of `suite/group/runtime`; a benchmark matching any is run.
    pub filter: Option<String>,
    /// Runtimes to run (function ids).
    pub runtimes: Vec<String>,
    /// Save this run as a named baseline.
    pub save_baseline: Option<String>,
    /// Compare this run against a named baseline.
    pub compare: Option<String>,
    /// Do not run anything: report on the results criterion already holds.
    pub no_run: bool,
    /// Passes over every selected benchmark (at least 1).
    pub rounds: usize,
}

/// Criterion options of a quick run: under a second per benchmark including analysis, so that
/// the hundred-odd benchmarks of all suites take about two minutes.
const QUICK_ARGS: &[&str] = &[
    "--warm-up-time",
    "0.2",
    "--measurement-time",
    "0.6",
    "--sample-size",
    "10",
    "--nresamples",
    "5000",
    "--noplot",
];

/// Criterion options of a full run: about 7 s per benchmark.
const FULL_ARGS: &[&str] = &[
    "--warm-up-time",
    "2",
    "--measurement-time",
    "4",
    "--sample-size",
    "40",
];

/// Runs the benchmarks and writes the report.
pub fn bench(opts: &BenchOptions) -> Result<(), String> {
    let ws = run::workspace()?;
    let out_dir = ws.target_dir.join("zokio-bench");
    fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let criterion_home = ws.target_dir.join("criterion");
    // Round k of a multi-round run keeps its results apart from the others.
    let round_roots: Vec<PathBuf> = match opts.rounds {
        0 | 1 => vec![criterion_home.clone()],
        n => (1..=n)
            .map(|k| criterion_home.join(format!("round-{k}")))
            .collect(),
    };
    // Fail before the long run, not after it, when the baseline to compare with is missing.
    let baseline = match &opts.compare {
        Some(name) => Some(compare::load(&out_dir, name)?),
        None => None,
    };
    if let Some(name) = &opts.save_baseline {
        compare::baseline_path(&out_dir, name)?;
    }

    let suites = run::suites_for_filter(&ws.suites, opts.filter.as_deref());
    eprintln!(
        "building bench suites {} (bench profile)...",
        suites.join(", ")
    );
    let exes = run::build(&suites)?;
    let mut order = Vec::new();
    let mut runs = Vec::new();
    for suite in &suites {
        let exe = &exes[suite];
        let ids: Vec<String> = run::list(exe, &ws.package_dir)?
            .into_iter()
            .filter(|id| run::selected(suite, id, opts.filter.as_deref(), &opts.runtimes))
            .collect();
        order.extend(ids.iter().map(|id| (suite.clone(), id.clone())));
        runs.push(SuiteRun { suite, exe, ids });
    }
    if order.is_empty() {
        return Err(format!(
            "no benchmark matches filter {:?} and runtimes {}",
            opts.filter.as_deref().unwrap_or(""),
            opts.runtimes.join(",")
        ));
    }

    let args: Vec<String> = if opts.quick { QUICK_ARGS } else { FULL_ARGS }
        .iter()
        .map(|s| s.to_string())
        .collect();
    let started = SystemTime::now();
    let load_before = machine::load_average();
    if !opts.no_run {
        if round_roots.len() > 1 {
            eprintln!(
                "running {} benchmarks, {} rounds...",
                order.len(),
                round_roots.len()
            );
        } else {
            eprintln!("running {} benchmarks...", order.len());
        }
        let quick = if opts.quick { "1" } else { "0" };
        run::run_all(
            &runs,
            &args,
            &[("ZOKIO_BENCH_QUICK", quick.to_string())],
            &round_roots,
            &ws.package_dir,
            &out_dir.join("criterion.log"),
        )?;
    }

    let mut rounds = Vec::new();
    for root in &round_roots {
        let mut measurements = criterion::read_suites(root, &suites)?;
        if !opts.no_run {
            // Results of earlier runs with other filters stay on disk; report only this run's.
            measurements.retain(|_, m| m.written >= started);
        }
        rounds.push(measurements);
    }
    let measurements = criterion::merge_rounds(rounds);
    let missing: Vec<String> = order
        .iter()
        .filter(|key| !measurements.contains_key(*key))
        .map(|(suite, id)| format!("{suite}: {id}"))
        .collect();
    if !missing.is_empty() {
        eprintln!("warning: no criterion results for: {}", missing.join(", "));
    }

    let machine = machine::current();
    let report = Report {
        date: machine::now_utc(),
        runtimes: machine::runtime_configs(machine.cpus),
        machine,
        quick: opts.quick,
        settings: format!("criterion {}", args.join(" ")),
        rounds: round_roots.len(),
        load_average: if opts.no_run {
            None
        } else {
            load_before.zip(machine::load_average())
        },
        groups: criterion::build_groups(&order, &measurements),
    };
    write_outputs(&report, &out_dir)?;

    if let Some(old) = &baseline {
        let c = compare::compare(old, &report);
        let name = opts.compare.as_deref().unwrap_or_default();
        println!(
            "\nComparison with baseline {name:?} (recorded {}):\n",
            old.date
        );
        print!("{}", c.table.to_text());
        println!(
            "\n{} regression(s), {} improvement(s) beyond the noise (non-overlapping intervals, \
             95% CI or range of round medians, and a change above {:.0}%)",
            c.regressions,
            c.improvements,
            compare::NOISE_THRESHOLD * 100.0
        );
        if let Some(w) = &c.warning {
            println!("warning: {w}");
        }
        let md = format!(
            "# Comparison with baseline `{name}`\n\nBaseline: {}; this run: {}.\n\n{}",
            old.date,
            report.date,
            c.table.to_markdown()
        );
        write(&out_dir.join("compare.md"), &md)?;
    }
    if let Some(name) = &opts.save_baseline {
        let path = compare::save(&report, &out_dir, name)?;
        println!("saved baseline {name:?} to {}", path.display());
    }
    Ok(())
}

/// Writes report.md, report.json and ratios.svg, and prints the summary.
fn write_outputs(report: &Report, out_dir: &Path) -> Result<(), String> {
    let json = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    write(&out_dir.join("report.json"), &(json + "\n"))?;
    write(&out_dir.join("report.md"), &report::markdown(report))?;
    let svg = out_dir.join("ratios.svg");
    let drew = chart::write_svg(&report.groups, &svg)?;

    println!(
        "\nzokio speed-up (above 1.00x: zokio faster), {} on {} CPUs ({}):\n",
        if report.quick {
            "quick run"
        } else {
            "full run"
        },
        report.machine.cpus,
        report.machine.cpu_model
    );
    print!("{}", report::summary_table(&report.groups).to_text());
    println!("\nreport: {}", out_dir.join("report.md").display());
    println!("json:   {}", out_dir.join("report.json").display());
    if drew {
        println!("chart:  {}", svg.display());
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
