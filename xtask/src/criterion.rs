//! Reading criterion's saved results.
//!
//! Criterion writes, for every benchmark, a directory `<home>/<group>/<function>/new/` holding
//! `benchmark.json` (the ids and throughput), `estimates.json` (point estimates with bootstrap
//! confidence intervals) and `sample.json` (the raw samples). Directory names are mangled versions of
//! the ids, so the ids are taken from `benchmark.json` rather than from the path.
//!
//! `cargo xtask bench` gives every suite (bench target) its own criterion home,
//! `<target>/criterion/<suite>/`, so that equal group names in two suites never overwrite each
//! other's results.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Deserialize;

use crate::model::{Group, RuntimeResult, runtime_rank};

/// One benchmark's saved result.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// `group/function[/value]`, the id criterion prints and filters on.
    pub full_id: String,
    /// Group id, with `/value` appended for parameterised benchmarks.
    pub group: String,
    /// Function id (the runtime name in our benches).
    pub runtime: String,
    /// Elements per iteration when the group declared `Throughput::Elements`.
    pub elements: Option<u64>,
    /// The statistics the report uses.
    pub result: RuntimeResult,
    /// When criterion wrote `estimates.json`, to tell this run's results from stale ones.
    pub written: SystemTime,
}

#[derive(Deserialize)]
struct BenchmarkFile {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
    throughput: Option<serde_json::Value>,
    full_id: String,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct EstimatesFile {
    median: Estimate,
}

#[derive(Deserialize)]
struct SampleFile {
    iters: Vec<f64>,
    times: Vec<f64>,
}

/// Measurements keyed by (suite, full id).
pub type Measurements = HashMap<(String, String), Measurement>;

/// Reads every result saved under `root/<suite>/` for each suite.
/// A missing directory yields no results; unreadable result directories are reported as errors.
pub fn read_suites(root: &Path, suites: &[String]) -> Result<Measurements, String> {
    let mut out = HashMap::new();
    for suite in suites {
        let mut dirs = Vec::new();
        find_new_dirs(&root.join(suite), &mut dirs)?;
        dirs.sort();
        for dir in dirs {
            let m = read_one(&dir)?;
            out.insert((suite.clone(), m.full_id.clone()), m);
        }
    }
    Ok(out)
}

/// Collects every `new` directory that holds a `benchmark.json`, however deeply nested (criterion
/// nests one level per id part). The `report` directories hold HTML only and are skipped.
fn find_new_dirs(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    };
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let name = entry.file_name();
        if name == "new" && path.join("benchmark.json").is_file() {
            out.push(path);
        } else if name != "report" {
            find_new_dirs(&path, out)?;
        }
    }
    Ok(())
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("cannot parse {}: {e}", path.display()))
}

/// Reads one criterion result directory (`.../new`).
pub fn read_one(dir: &Path) -> Result<Measurement, String> {
    let bench: BenchmarkFile = read_json(&dir.join("benchmark.json"))?;
    let estimates_path = dir.join("estimates.json");
    let estimates: EstimatesFile = read_json(&estimates_path)?;
    let sample: SampleFile = read_json(&dir.join("sample.json"))?;
    let written = fs::metadata(&estimates_path)
        .and_then(|m| m.modified())
        .map_err(|e| format!("cannot stat {}: {e}", estimates_path.display()))?;

    // Each sample is `times[i]` nanoseconds for `iters[i]` iterations.
    let per_iter = sample
        .iters
        .iter()
        .zip(&sample.times)
        .filter(|(iters, _)| **iters > 0.0)
        .map(|(iters, time)| time / iters);
    let (min_ns, max_ns) = per_iter.fold((f64::INFINITY, 0.0f64), |(lo, hi), t| {
        (lo.min(t), hi.max(t))
    });
    if !min_ns.is_finite() {
        return Err(format!("{}: sample.json holds no samples", dir.display()));
    }

    let group = match &bench.value_str {
        Some(value) => format!("{}/{}", bench.group_id, value),
        None => bench.group_id.clone(),
    };
    Ok(Measurement {
        full_id: bench.full_id,
        group,
        runtime: bench.function_id.unwrap_or_else(|| "-".to_string()),
        elements: bench.throughput.as_ref().and_then(elements),
        result: RuntimeResult {
            runtime: String::new(),
            median_ns: estimates.median.point_estimate,
            median_lower_ns: estimates.median.confidence_interval.lower_bound,
            median_upper_ns: estimates.median.confidence_interval.upper_bound,
            min_ns,
            max_ns,
        },
        written,
    })
}

/// Criterion serialises `Throughput::Elements(n)` as `{"Elements": n}`; byte throughputs are left
/// out (the report only speaks of operations).
fn elements(value: &serde_json::Value) -> Option<u64> {
    value.get("Elements")?.as_u64()
}

/// Merges the measurements of several rounds of the same benchmarks. Per benchmark: the median is
/// the median of the rounds' medians, the interval spans the rounds' medians (how far repeated
/// runs disagree, which on a shared machine is wider than criterion's per-run interval), and min
/// and max are taken over every sample of every round. A single round is returned unchanged.
pub fn merge_rounds(mut rounds: Vec<Measurements>) -> Measurements {
    if rounds.len() == 1 {
        return rounds.pop().unwrap_or_default();
    }
    let mut merged: Measurements = HashMap::new();
    let mut medians: HashMap<(String, String), Vec<f64>> = HashMap::new();
    for round in rounds {
        for (key, m) in round {
            medians
                .entry(key.clone())
                .or_default()
                .push(m.result.median_ns);
            match merged.get_mut(&key) {
                Some(acc) => {
                    acc.result.min_ns = acc.result.min_ns.min(m.result.min_ns);
                    acc.result.max_ns = acc.result.max_ns.max(m.result.max_ns);
                    acc.written = acc.written.min(m.written);
                }
                None => {
                    merged.insert(key, m);
                }
            }
        }
    }
    for (key, mut values) in medians {
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2.0
        };
        if let Some(m) = merged.get_mut(&key) {
            m.result.median_ns = median;
            m.result.median_lower_ns = values[0];
            m.result.median_upper_ns = values[n - 1];
        }
    }
    merged
}

/// Groups measurements by (suite, group) in the order of `order` (pairs of suite and full id), so
/// the report follows the order the benches ran in. Ids without a measurement are skipped. Group
/// ids that repeat the suite name (`current_thread/spawn_many`, which keeps plain `cargo bench`
/// output unambiguous) are shortened to the part after it.
pub fn build_groups(order: &[(String, String)], measurements: &Measurements) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for key in order {
        let Some(m) = measurements.get(key) else {
            continue;
        };
        let suite = &key.0;
        let name = m
            .group
            .strip_prefix(suite.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(&m.group);
        let mut result = m.result.clone();
        result.runtime = m.runtime.clone();
        match groups
            .iter_mut()
            .find(|g| &g.suite == suite && g.name == name)
        {
            Some(g) => g.results.push(result),
            None => groups.push(Group {
                suite: suite.clone(),
                name: name.to_string(),
                elements: m.elements,
                results: vec![result],
            }),
        }
    }
    for g in &mut groups {
        g.results.sort_by_key(|r| runtime_rank(&r.runtime));
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measurement(median: f64, min: f64, max: f64) -> Measurement {
        Measurement {
            full_id: "g/zokio".into(),
            group: "g".into(),
            runtime: "zokio".into(),
            elements: None,
            result: RuntimeResult {
                runtime: String::new(),
                median_ns: median,
                median_lower_ns: median - 1.0,
                median_upper_ns: median + 1.0,
                min_ns: min,
                max_ns: max,
            },
            written: SystemTime::UNIX_EPOCH,
        }
    }

    fn round(median: f64, min: f64, max: f64) -> Measurements {
        let key = ("s".to_string(), "g/zokio".to_string());
        HashMap::from([(key, measurement(median, min, max))])
    }

    #[test]
    fn rounds_merge_to_median_of_medians() {
        let key = ("s".to_string(), "g/zokio".to_string());
        let merged = merge_rounds(vec![
            round(120.0, 100.0, 150.0),
            round(100.0, 90.0, 130.0),
            round(300.0, 200.0, 400.0),
        ]);
        let r = &merged[&key].result;
        assert_eq!(r.median_ns, 120.0);
        assert_eq!((r.median_lower_ns, r.median_upper_ns), (100.0, 300.0));
        assert_eq!((r.min_ns, r.max_ns), (90.0, 400.0));
        // One round is left as criterion reported it.
        let single = merge_rounds(vec![round(120.0, 100.0, 150.0)]);
        assert_eq!(single[&key].result.median_lower_ns, 119.0);
        // An even number of rounds averages the middle two.
        let two = merge_rounds(vec![round(100.0, 1.0, 2.0), round(200.0, 1.0, 2.0)]);
        assert_eq!(two[&key].result.median_ns, 150.0);
    }
}
