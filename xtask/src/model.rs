//! The report's data model: what `report.json` holds and what the markdown, chart and comparison
//! are drawn from.
//!
//! All times are nanoseconds per criterion iteration. A "speed-up" is always oriented so that a value
//! above 1.0 means zokio did better: `other_time / zokio_time`, which for throughput groups is the same
//! number as `zokio_ops_per_s / other_ops_per_s`.

use serde::{Deserialize, Serialize};

/// The runtime that every ratio is computed for.
pub const SUBJECT: &str = "zokio";

/// Runtimes zokio is compared against, in report order.
pub const BASELINES: [&str; 2] = ["tokio", "smol"];

/// Every runtime the benches know about, in report order (the runtimes `--runtimes` selects
/// from).
pub const RUNTIMES: [&str; 3] = ["zokio", "tokio", "smol"];

/// The synchronous reference that the file, CPU and TCP groups measure next to the runtimes: the
/// same work as plain blocking code on the bench thread, the distance to the machine's limit. It
/// is not a runtime (`--runtimes` does not select it: it runs whenever its group does); groups
/// without it show "–" in its columns.
pub const REFERENCE: &str = "raw";

/// Everything zokio's ratio is reported against, in report order: the baselines, then the
/// reference.
pub const COMPARED: [&str; 3] = [BASELINES[0], BASELINES[1], REFERENCE];

/// One complete benchmark run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// When the run finished, UTC, ISO 8601.
    pub date: String,
    /// The machine it ran on.
    pub machine: Machine,
    /// Whether this was a `--quick` run (shorter measurements, smaller workloads).
    pub quick: bool,
    /// The criterion options the run used (warm-up, measurement time, samples).
    pub settings: String,
    /// How many times every benchmark was run, one full pass over all selected benchmarks after
    /// another. With more than one, a result's median is the median of the rounds' medians and
    /// its interval is the range of those medians.
    #[serde(default = "one")]
    pub rounds: usize,
    /// One-minute load average before and after the run, where the OS reports it: other processes
    /// competing for the CPUs make absolute times slower and noisier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_average: Option<(f64, f64)>,
    /// How each runtime was configured.
    pub runtimes: Vec<RuntimeConfig>,
    /// Results, one entry per criterion group, in run order.
    pub groups: Vec<Group>,
}

fn one() -> usize {
    1
}

/// Where a run happened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Machine {
    /// Logical CPUs available to the process.
    pub cpus: usize,
    /// CPU model string (from `/proc/cpuinfo` on Linux).
    pub cpu_model: String,
    /// Operating system and architecture, e.g. `linux x86_64`.
    pub os: String,
    /// `rustc --version` of the toolchain that built the benches.
    pub rustc: String,
}

/// How one runtime was set up for the benches.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuntimeConfig {
    /// Runtime name as used in benchmark ids.
    pub name: String,
    /// Configuration used by the current-thread suite.
    pub current_thread: String,
    /// Configuration used by every multi-thread suite.
    pub multi_thread: String,
}

/// One criterion group: the same workload measured on each runtime.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Group {
    /// Bench target (suite) the group lives in, e.g. `current_thread`.
    pub suite: String,
    /// Criterion group id (plus `/value` for parameterised benchmarks).
    pub name: String,
    /// Operations per iteration when the group reports throughput.
    pub elements: Option<u64>,
    /// One entry per runtime (criterion function id), in report order.
    pub results: Vec<RuntimeResult>,
}

/// The measurements of one runtime on one workload.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuntimeResult {
    /// Runtime name (criterion function id).
    pub runtime: String,
    /// Median time per iteration.
    pub median_ns: f64,
    /// Lower bound of the median's confidence interval.
    pub median_lower_ns: f64,
    /// Upper bound of the median's confidence interval.
    pub median_upper_ns: f64,
    /// Fastest sample (time per iteration).
    pub min_ns: f64,
    /// Slowest sample (time per iteration).
    pub max_ns: f64,
}

impl Group {
    /// The result of `runtime`, if it was measured.
    pub fn result(&self, runtime: &str) -> Option<&RuntimeResult> {
        self.results.iter().find(|r| r.runtime == runtime)
    }

    /// zokio's speed-up over `baseline` (above 1.0: zokio is faster), if both were measured.
    pub fn speedup(&self, baseline: &str) -> Option<f64> {
        let subject = self.result(SUBJECT)?;
        let other = self.result(baseline)?;
        if subject.median_ns > 0.0 {
            Some(other.median_ns / subject.median_ns)
        } else {
            None
        }
    }

    /// Operations per second for a time per iteration, for throughput groups.
    pub fn ops_per_sec(&self, ns: f64) -> Option<f64> {
        match self.elements {
            Some(n) if ns > 0.0 => Some(n as f64 * 1e9 / ns),
            _ => None,
        }
    }

    /// `suite/name`, the label used in tables and the chart.
    pub fn label(&self) -> String {
        format!("{}/{}", self.suite, self.name)
    }
}

/// Orders runtime names: the known runtimes first in [`RUNTIMES`] order, then the
/// [`REFERENCE`], then the rest by name.
pub fn runtime_rank(name: &str) -> (usize, String) {
    let rank = RUNTIMES
        .iter()
        .chain([&REFERENCE])
        .position(|r| *r == name)
        .unwrap_or(RUNTIMES.len() + 1);
    (rank, name.to_string())
}

/// A result whose every statistic is `median_ns`, for tests.
#[cfg(test)]
pub(crate) fn flat_result(runtime: &str, median_ns: f64) -> RuntimeResult {
    RuntimeResult {
        runtime: runtime.into(),
        median_ns,
        median_lower_ns: median_ns,
        median_upper_ns: median_ns,
        min_ns: median_ns,
        max_ns: median_ns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_ranks_after_the_runtimes() {
        let mut names = ["other", "raw", "smol", "zokio", "tokio", "another"];
        names.sort_by_key(|n| runtime_rank(n));
        assert_eq!(names, ["zokio", "tokio", "smol", "raw", "another", "other"]);
    }

    #[test]
    fn speedup_over_the_reference() {
        let result = flat_result;
        let g = Group {
            suite: "fs".into(),
            name: "file_mixed_4k".into(),
            elements: Some(1000),
            results: vec![result("zokio", 400.0), result(REFERENCE, 100.0)],
        };
        // zokio takes four times as long as the synchronous loop: 0.25x.
        assert_eq!(g.speedup(REFERENCE), Some(0.25));
        assert_eq!(g.speedup("tokio"), None);
    }
}
