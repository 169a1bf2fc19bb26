//! Rendering a [`Report`] as markdown (`report.md`) and as the terminal summary.

use crate::model::{COMPARED, Group, Report, SUBJECT};
use crate::table::{self, Table};

/// Name of the bench target holding the headline workloads.
pub const HEADLINE_SUITE: &str = "headline";

/// One of the four figures zokio was first specified against.
pub struct Headline {
    /// Criterion group id inside the headline suite.
    pub group: &'static str,
    /// What is measured.
    pub metric: &'static str,
    /// The first target, in operations per second.
    pub target: u64,
    /// What one operation is.
    pub workload: &'static str,
}

/// The headline figures, in report order.
pub const HEADLINES: [Headline; 4] = [
    Headline {
        group: "file_io",
        metric: "file I/O",
        target: 50_000,
        workload: "4 KiB reads and writes through open async files, 16 tasks, page-cache resident; op = one read or write",
    },
    Headline {
        group: "network_io",
        metric: "network I/O",
        target: 10_000,
        workload: "64-byte TCP request/response round trips, 50 connections on loopback; op = one round trip",
    },
    Headline {
        group: "cpu",
        metric: "CPU-intensive",
        target: 100_000_000,
        workload: "1000 tasks each running a fixed xorshift loop; op = one iteration",
    },
    Headline {
        group: "mixed",
        metric: "mixed",
        target: 5_000,
        workload: "per connection: one TCP round trip, a sleep of at most 1 ms, a short CPU loop and a small file write; op = one cycle",
    },
];

/// How the numbers were obtained; printed at the top of every report.
const METHOD: &str = "\
Every workload is one criterion group whose functions are the runtimes (`zokio`, `tokio`, `smol`). \
Criterion measures one function at a time, so the runtimes of a workload run back to back inside \
the same group, one workload after another: slow drift of the machine (thermal state, other load) \
hits all runtimes of a workload alike instead of one runtime's whole suite. \
The workload bodies are the same code for every runtime (the `Rt` trait in `benches/src`). \
Times are per criterion iteration; *median* is criterion's bootstrap estimate of the median with its \
95% confidence interval, *min*/*max* are the fastest and slowest sample. \
Ratios are zokio's speed-up: the other runtime's median time divided by zokio's (for throughput \
groups the same as zokio's ops/s divided by the other's); **above 1.00x zokio is faster**. \
The file, CPU and TCP groups also measure `raw`, the same work done by plain synchronous code on \
the bench thread (blocking `pread`/`pwrite` on open `std::fs::File`s, a plain loop, blocking \
`std::net` sockets with both ends of each connection on that thread): no runtime and no thread \
hop, so zokio/raw is the share of the machine's limit that zokio reaches (one thread; the \
multi-thread runtimes may pass it on CPU work). Groups without it show \"–\" there.";

/// The median of a runtime, as ops/s for throughput groups and as time otherwise.
fn median_cell(group: &Group, runtime: &str) -> String {
    match group.result(runtime) {
        None => "–".to_string(),
        Some(r) => match group.ops_per_sec(r.median_ns) {
            Some(ops) => table::rate(ops),
            None => table::time(r.median_ns),
        },
    }
}

/// The per-runtime column names of the summary and headline tables: one median per runtime and
/// for the `raw` reference, then zokio's ratio to each of them.
fn runtime_headers() -> impl Iterator<Item = String> {
    let runtimes = [SUBJECT].into_iter().chain(COMPARED).map(str::to_string);
    runtimes.chain(COMPARED.iter().map(|b| format!("{SUBJECT}/{b}")))
}

/// The cells under [`runtime_headers`] for one group ("–" where a group lacks a runtime).
fn runtime_cells(g: &Group) -> impl Iterator<Item = String> + '_ {
    let medians = [SUBJECT]
        .into_iter()
        .chain(COMPARED)
        .map(|r| median_cell(g, r));
    medians.chain(COMPARED.iter().map(|b| table::ratio(g.speedup(b))))
}

/// Header row shared by the summary tables.
fn summary_header() -> Vec<String> {
    let mut header = vec!["workload".to_string()];
    header.extend(runtime_headers());
    header
}

/// One row per group: medians per runtime, then the ratios.
pub fn summary_table(groups: &[Group]) -> Table {
    let mut t = Table::new(summary_header());
    for g in groups {
        let mut row = vec![g.label()];
        row.extend(runtime_cells(g));
        t.row(row);
    }
    t
}

/// The headline table: ops/s per runtime next to the first target.
fn headline_table(groups: &[Group]) -> Table {
    let mut header = vec!["metric".to_string(), "first target".to_string()];
    header.extend(runtime_headers());
    header.push("zokio meets target".to_string());
    let mut t = Table::new(header);
    for h in &HEADLINES {
        let Some(g) = groups
            .iter()
            .find(|g| g.suite == HEADLINE_SUITE && g.name == h.group)
        else {
            continue;
        };
        let mut row = vec![
            h.metric.to_string(),
            format!("{} ops/s", table::thousands(h.target)),
        ];
        row.extend(runtime_cells(g));
        let met = g
            .result(SUBJECT)
            .and_then(|r| g.ops_per_sec(r.median_ns))
            .map_or("–", |ops| {
                if ops >= h.target as f64 {
                    "yes"
                } else {
                    "**no**"
                }
            });
        row.push(met.to_string());
        t.row(row);
    }
    t
}

/// The detail table of one group: every statistic per runtime.
fn detail_table(g: &Group, rounds: usize) -> Table {
    let interval = if rounds > 1 {
        "range of round medians"
    } else {
        "95% CI of median"
    };
    let mut header = vec!["runtime", "median", interval, "min", "max"];
    if g.elements.is_some() {
        header.push("median ops/s");
    }
    header.push("zokio speed-up");
    let mut t = Table::new(header);
    for r in &g.results {
        let mut row = vec![
            r.runtime.clone(),
            table::time(r.median_ns),
            format!(
                "{} – {}",
                table::time(r.median_lower_ns),
                table::time(r.median_upper_ns)
            ),
            table::time(r.min_ns),
            table::time(r.max_ns),
        ];
        if let Some(ops) = g.ops_per_sec(r.median_ns) {
            row.push(table::rate(ops));
        }
        row.push(if r.runtime == SUBJECT {
            "–".to_string()
        } else {
            table::ratio(g.speedup(&r.runtime))
        });
        t.row(row);
    }
    t
}

/// Renders the whole report as markdown.
pub fn markdown(report: &Report) -> String {
    let mut out = String::from("# zokio benchmark report\n\n");
    let m = &report.machine;
    out.push_str(&format!("- Date: {}\n", report.date));
    out.push_str(&format!(
        "- Machine: {} logical CPUs, {}, {}\n",
        m.cpus, m.cpu_model, m.os
    ));
    out.push_str(&format!("- Toolchain: {}\n", m.rustc));
    let mode = if report.quick {
        "quick, smaller workloads (`ZOKIO_BENCH_QUICK=1`)"
    } else {
        "full"
    };
    out.push_str(&format!("- Mode: {mode}; {}\n", report.settings));
    if report.rounds > 1 {
        out.push_str(&format!(
            "- Rounds: {}; every benchmark ran once per round, one full pass after another. A \
             median below is the median of the rounds' medians and its interval is the range of \
             the rounds' medians (how much repeated runs disagree)\n",
            report.rounds
        ));
    }
    if let Some((before, after)) = report.load_average {
        out.push_str(&format!(
            "- Load: 1-minute load average {before:.2} before the run, {after:.2} after it; \
             with other processes on the CPUs absolute times are slower and noisier than on an \
             idle machine, ratios within a workload less so\n"
        ));
    }
    out.push('\n');
    out.push_str(METHOD);
    out.push_str("\n\n## Runtime configurations\n\n");
    let mut cfg =
        Table::new(["runtime", "current-thread suite", "multi-thread suites"]).text_columns(3);
    for r in &report.runtimes {
        cfg.row(vec![
            r.name.clone(),
            r.current_thread.clone(),
            r.multi_thread.clone(),
        ]);
    }
    out.push_str(&cfg.to_markdown());
    out.push_str(
        "\nThe `current_thread` suite uses the current-thread set-ups; every other suite \
         (`multi_thread`, `headline`, ...) uses each runtime's documented multi-thread set-up with \
         one worker thread per logical CPU.\n",
    );

    let headline = headline_table(&report.groups);
    if !headline.is_empty() {
        out.push_str("\n## Headline figures\n\n");
        out.push_str(&headline.to_markdown());
        out.push('\n');
        for h in &HEADLINES {
            if report
                .groups
                .iter()
                .any(|g| g.suite == HEADLINE_SUITE && g.name == h.group)
            {
                out.push_str(&format!("- {}: {}\n", h.metric, h.workload));
            }
        }
    }

    out.push_str("\n## Summary (median time, or median throughput for ops/s groups)\n\n");
    out.push_str(&summary_table(&report.groups).to_markdown());

    let mut suite = "";
    for g in &report.groups {
        if g.suite != suite {
            suite = &g.suite;
            out.push_str(&format!("\n## Suite `{suite}`\n"));
        }
        out.push_str(&format!("\n### {}\n\n", g.label()));
        if let Some(n) = g.elements {
            out.push_str(&format!(
                "{} operations per iteration.\n\n",
                table::thousands(n)
            ));
        }
        out.push_str(&detail_table(g, report.rounds).to_markdown());
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::criterion;
    use crate::model::{Machine, REFERENCE, RuntimeConfig};

    fn fixture_report() -> Report {
        let home = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/criterion");
        let suites = ["current_thread".to_string(), "headline".to_string()];
        let measurements =
            criterion::read_suites(&home, &suites).expect("fixture results are readable");
        assert_eq!(measurements.len(), 7);
        let order: Vec<(String, String)> = [
            ("current_thread", "current_thread/spawn_many/smol"),
            ("current_thread", "current_thread/spawn_many/zokio"),
            ("current_thread", "current_thread/spawn_many/tokio"),
            ("headline", "headline/cpu/raw"),
            ("headline", "headline/cpu/zokio"),
            ("headline", "headline/cpu/tokio"),
            ("headline", "headline/cpu/smol"),
        ]
        .iter()
        .map(|(s, id)| (s.to_string(), id.to_string()))
        .collect();
        Report {
            date: "2026-11-29T20:00:00Z".into(),
            machine: Machine {
                cpus: 2,
                cpu_model: "Test CPU".into(),
                os: "linux x86_64".into(),
                rustc: "rustc 1.95.0".into(),
            },
            quick: true,
            settings: "criterion --sample-size 10".into(),
            rounds: 1,
            load_average: Some((0.5, 1.25)),
            runtimes: vec![RuntimeConfig {
                name: "zokio".into(),
                current_thread: "ct".into(),
                multi_thread: "mt".into(),
            }],
            groups: criterion::build_groups(&order, &measurements),
        }
    }

    #[test]
    fn fixture_groups_have_expected_statistics() {
        let report = fixture_report();
        let g = &report.groups[0];
        assert_eq!(g.label(), "current_thread/spawn_many");
        // Runtimes are sorted zokio, tokio, smol whatever order they ran in.
        let names: Vec<&str> = g.results.iter().map(|r| r.runtime.as_str()).collect();
        assert_eq!(names, ["zokio", "tokio", "smol"]);
        let zokio = g.result("zokio").unwrap();
        // sample.json: 100 ns over 1 iteration, 300 ns over 2, 600 ns over 3 -> 100, 150, 200 per iteration.
        assert_eq!((zokio.min_ns, zokio.max_ns), (100.0, 200.0));
        assert_eq!(g.speedup("tokio"), Some(2.0));
        // No reference in this group.
        assert_eq!(g.speedup(REFERENCE), None);
        let cpu = &report.groups[1];
        assert_eq!(cpu.elements, Some(1_000_000));
        // The reference sorts after the runtimes, whatever order it ran in.
        let names: Vec<&str> = cpu.results.iter().map(|r| r.runtime.as_str()).collect();
        assert_eq!(names, ["zokio", "tokio", "smol", "raw"]);
        assert_eq!(cpu.speedup(REFERENCE), Some(2.0));
    }

    #[test]
    fn markdown_matches_fixture() {
        let md = markdown(&fixture_report());
        let expected_path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/expected_report.md");
        // `XTASK_BLESS=1 cargo test -p xtask` rewrites the expected file after a deliberate change.
        if std::env::var_os("XTASK_BLESS").is_some() {
            std::fs::write(&expected_path, &md).expect("expected report is writable");
        }
        let expected = std::fs::read_to_string(&expected_path).expect("expected report exists");
        assert_eq!(
            md,
            expected,
            "rendered report differs from {}",
            expected_path.display()
        );
    }

    #[test]
    fn summary_table_has_ratios() {
        let text = summary_table(&fixture_report().groups).to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(
            lines[0].ends_with("zokio/tokio  zokio/smol  zokio/raw"),
            "{text}"
        );
        assert!(lines[2].starts_with("current_thread/spawn_many"));
        // No raw reference for spawning: its median and ratio are dashes.
        assert!(
            lines[2].ends_with("–        2.00x       0.50x          –"),
            "{text}"
        );
        assert!(lines[3].contains("1.00 G ops/s"), "{text}");
        assert!(
            lines[3].ends_with("500 M ops/s        1.50x       1.20x      2.00x"),
            "{text}"
        );
    }
}
