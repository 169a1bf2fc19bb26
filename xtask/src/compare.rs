//! Saved baselines and the regression table against them.
//!
//! A baseline is simply a saved `report.json` (`target/zokio-bench/baselines/<name>.json`), so a
//! comparison has the medians and their confidence intervals of both runs.

use std::fs;
use std::path::{Path, PathBuf};

use crate::model::{Report, RuntimeResult};
use crate::table::{self, Table};

/// Changes smaller than this are never flagged, even with tight confidence intervals: run-to-run
/// differences of a percent or two are common on shared machines.
pub const NOISE_THRESHOLD: f64 = 0.02;

/// Where baseline `name` lives under the bench output directory.
pub fn baseline_path(out_dir: &Path, name: &str) -> Result<PathBuf, String> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !name.starts_with('.');
    if !valid {
        return Err(format!(
            "baseline name {name:?} must be letters, digits, '-', '_' or '.' (not leading)"
        ));
    }
    Ok(out_dir.join("baselines").join(format!("{name}.json")))
}

/// Saves `report` as baseline `name`.
pub fn save(report: &Report, out_dir: &Path, name: &str) -> Result<PathBuf, String> {
    let path = baseline_path(out_dir, name)?;
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let json = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    fs::write(&path, json + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Loads baseline `name`.
pub fn load(out_dir: &Path, name: &str) -> Result<Report, String> {
    let path = baseline_path(out_dir, name)?;
    let text = fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read baseline {name:?} ({}): {e}; save one with --save-baseline {name}",
            path.display()
        )
    })?;
    serde_json::from_str(&text).map_err(|e| format!("cannot parse {}: {e}", path.display()))
}

/// How one measurement moved against the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Slower, with confidence intervals that do not overlap and a change above the threshold.
    Regressed,
    /// Faster, by the same standard.
    Improved,
    /// Within the noise.
    Unchanged,
}

/// Judges a change of median time from `old` to `new`.
pub fn verdict(old: &RuntimeResult, new: &RuntimeResult) -> Verdict {
    let change = new.median_ns / old.median_ns - 1.0;
    if new.median_lower_ns > old.median_upper_ns && change > NOISE_THRESHOLD {
        Verdict::Regressed
    } else if new.median_upper_ns < old.median_lower_ns && change < -NOISE_THRESHOLD {
        Verdict::Improved
    } else {
        Verdict::Unchanged
    }
}

/// The comparison of a run against a baseline.
pub struct Comparison {
    /// One row per (workload, runtime) measured in both runs.
    pub table: Table,
    /// Number of rows flagged as regressions.
    pub regressions: usize,
    /// Number of rows flagged as improvements.
    pub improvements: usize,
    /// A note when the runs are not like for like (quick against full).
    pub warning: Option<String>,
}

/// Compares `new` against `old`, row by row.
pub fn compare(old: &Report, new: &Report) -> Comparison {
    let mut table = Table::new([
        "workload",
        "runtime",
        "baseline median",
        "new median",
        "time change",
        "verdict",
    ])
    .text_columns(2);
    let (mut regressions, mut improvements) = (0, 0);
    for g in &new.groups {
        let Some(old_group) = old
            .groups
            .iter()
            .find(|o| o.suite == g.suite && o.name == g.name)
        else {
            continue;
        };
        for r in &g.results {
            let Some(o) = old_group.result(&r.runtime) else {
                continue;
            };
            let v = verdict(o, r);
            let label = match v {
                Verdict::Regressed => {
                    regressions += 1;
                    "**regressed**"
                }
                Verdict::Improved => {
                    improvements += 1;
                    "improved"
                }
                Verdict::Unchanged => "within noise",
            };
            table.row(vec![
                g.label(),
                r.runtime.clone(),
                table::time(o.median_ns),
                table::time(r.median_ns),
                table::percent(r.median_ns / o.median_ns - 1.0),
                label.to_string(),
            ]);
        }
    }
    let warning = if old.quick != new.quick {
        Some(
            "the baseline and this run used different modes (--quick against full): workload \
             sizes differ, so the times are not comparable"
                .to_string(),
        )
    } else if old.settings != new.settings {
        Some(format!(
            "the baseline used other criterion settings ({}), which makes intervals and \
             medians less comparable",
            old.settings
        ))
    } else {
        None
    };
    Comparison {
        table,
        regressions,
        improvements,
        warning,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Group, Machine};

    fn result(runtime: &str, median: f64, half_width: f64) -> RuntimeResult {
        RuntimeResult {
            runtime: runtime.into(),
            median_ns: median,
            median_lower_ns: median - half_width,
            median_upper_ns: median + half_width,
            min_ns: median - 2.0 * half_width,
            max_ns: median + 2.0 * half_width,
        }
    }

    fn report(results: Vec<RuntimeResult>) -> Report {
        Report {
            date: "2026-11-29T20:00:00Z".into(),
            machine: Machine {
                cpus: 2,
                cpu_model: "cpu".into(),
                os: "linux x86_64".into(),
                rustc: "rustc".into(),
            },
            quick: false,
            settings: String::new(),
            rounds: 1,
            load_average: None,
            runtimes: Vec::new(),
            groups: vec![Group {
                suite: "s".into(),
                name: "g".into(),
                elements: None,
                results,
            }],
        }
    }

    #[test]
    fn verdicts_use_confidence_intervals_and_threshold() {
        let old = result("zokio", 100.0, 2.0);
        assert_eq!(
            verdict(&old, &result("zokio", 110.0, 2.0)),
            Verdict::Regressed
        );
        assert_eq!(
            verdict(&old, &result("zokio", 90.0, 2.0)),
            Verdict::Improved
        );
        // Overlapping intervals: noise, even though the median moved by 5%.
        assert_eq!(
            verdict(&old, &result("zokio", 105.0, 4.0)),
            Verdict::Unchanged
        );
        // Disjoint intervals but below the threshold: noise.
        assert_eq!(
            verdict(&old, &result("zokio", 101.5, 0.1)),
            Verdict::Unchanged
        );
    }

    #[test]
    fn compare_counts_and_renders() {
        let old = report(vec![
            result("zokio", 100.0, 1.0),
            result("tokio", 100.0, 1.0),
        ]);
        let new = report(vec![
            result("zokio", 120.0, 1.0),
            result("tokio", 100.5, 1.0),
        ]);
        let c = compare(&old, &new);
        assert_eq!((c.regressions, c.improvements), (1, 0));
        assert!(c.warning.is_none());
        let mut quick = new.clone();
        quick.quick = true;
        assert!(compare(&old, &quick).warning.unwrap().contains("--quick"));
        let mut other = new.clone();
        other.settings = "criterion --sample-size 99".into();
        assert!(
            compare(&other, &new)
                .warning
                .unwrap()
                .contains("--sample-size 99")
        );
        let md = c.table.to_markdown();
        assert!(
            md.contains("| s/g | zokio | 100 ns | 120 ns | +20.0% | **regressed** |"),
            "{md}"
        );
        assert!(
            md.contains("| s/g | tokio | 100 ns | 100 ns | +0.5% | within noise |"),
            "{md}"
        );
    }

    #[test]
    fn baselines_round_trip_and_reject_bad_names() {
        let dir = std::env::temp_dir().join(format!("xtask-baseline-{}", std::process::id()));
        let r = report(vec![result("zokio", 100.0, 1.0)]);
        save(&r, &dir, "main").unwrap();
        assert_eq!(load(&dir, "main").unwrap(), r);
        assert!(
            load(&dir, "missing")
                .unwrap_err()
                .contains("--save-baseline missing")
        );
        assert!(baseline_path(&dir, "../x").is_err());
        assert!(baseline_path(&dir, "").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
