//! `cargo xtask soak --minutes N`: runs the soak load (`crates/zokio/examples/soak.rs`: TCP echo over
//! 64 loopback connections, timers, channels and `spawn_blocking` file writes on one zokio runtime)
//! and judges its samples.
//!
//! The load prints a sample of its RSS and open descriptors every `--sample-secs` (10 by default);
//! they are printed here as they come, written to `target/zokio-soak/samples.csv`, and drawn in
//! `target/zokio-soak/soak.svg`. The run fails when, after the warm-up (a quarter of the run, at
//! least one sample interval, or `--warmup-secs`):
//!
//! - the open descriptors (sockets, the poller, pipes: all but the load's own files) grow at all
//!   from the first sample after the warm-up to the last, or more of the load's files are open at
//!   once than it has writers;
//! - the RSS grows from the first sample after the warm-up to the last by more than 25% *and* by more
//!   than 8 MiB (a small process's RSS moves by a few hundred KiB as allocator caches fill);
//!
//! and at any time when an operation took over 1 s (an echo round trip, a channel call, a file write,
//! or a sleep waking that late), when one has been in flight for over 1 s at a sample, when an
//! interval completed no operation at all, when an operation failed, or when the load exits with an
//! error.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use plotters::prelude::*;

use crate::run::{cargo, workspace};
use crate::tools::status;

/// Options of `cargo xtask soak`.
#[derive(Debug, Clone, PartialEq)]
pub struct SoakOptions {
    /// Length of the load, in minutes (fractions allowed).
    pub minutes: f64,
    /// Seconds between samples.
    pub sample_secs: u64,
    /// Seconds of warm-up before growth counts; `None`: a quarter of the run, at least one sample
    /// interval.
    pub warmup_secs: Option<u64>,
}

impl Default for SoakOptions {
    fn default() -> Self {
        SoakOptions {
            minutes: 1.0,
            sample_secs: 10,
            warmup_secs: None,
        }
    }
}

impl SoakOptions {
    /// Length of the load in whole seconds (at least one).
    pub fn seconds(&self) -> u64 {
        ((self.minutes * 60.0).round() as u64).max(1)
    }

    /// The warm-up in seconds.
    pub fn warmup(&self) -> u64 {
        self.warmup_secs
            .unwrap_or_else(|| (self.seconds() / 4).max(self.sample_secs))
    }
}

/// RSS growth after warm-up that fails the run: more than this fraction...
pub const RSS_GROWTH: f64 = 0.25;
/// ... and more than this many KiB.
pub const RSS_SLACK_KIB: u64 = 8 * 1024;
/// An operation slower than this (or in flight for longer) is a stall.
pub const STALL_MS: f64 = 1000.0;

/// Seconds after the end of the load at which it is killed (it exits by itself 30 s after).
const BACKSTOP_SECS: u64 = 120;

/// One sample line of the load.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// Seconds since the load started.
    pub t: f64,
    /// Resident set size, KiB.
    pub rss_kib: u64,
    /// Open descriptors other than the load's files.
    pub fds: u64,
    /// The load's files open at the sample.
    pub file_fds: u64,
    /// Operations completed in the interval.
    pub requests: u64,
    /// The slowest operation of the interval, ms.
    pub max_ms: f64,
    /// Age of the oldest operation in flight, ms.
    pub oldest_ms: f64,
    /// Operations over 1 s since the start.
    pub stalls: u64,
    /// Failed operations since the start.
    pub errors: u64,
}

/// Parses `sample t=10.0 rss_kib=9876 fds=140 ...`; `None` for other lines.
pub fn parse_sample(line: &str) -> Option<Result<Sample, String>> {
    let rest = line.strip_prefix("sample ")?;
    let mut s = Sample::default();
    let mut seen = 0;
    for field in rest.split_whitespace() {
        let Some((key, value)) = field.split_once('=') else {
            return Some(Err(format!("bad field {field:?} in {line:?}")));
        };
        let int = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("bad {key} in {line:?}"))
        };
        let float = || {
            value
                .parse::<f64>()
                .map_err(|_| format!("bad {key} in {line:?}"))
        };
        let parsed = match key {
            "t" => float().map(|v| s.t = v),
            "rss_kib" => int().map(|v| s.rss_kib = v),
            "fds" => int().map(|v| s.fds = v),
            "file_fds" => int().map(|v| s.file_fds = v),
            "requests" => int().map(|v| s.requests = v),
            "max_ms" => float().map(|v| s.max_ms = v),
            "oldest_ms" => float().map(|v| s.oldest_ms = v),
            "stalls" => int().map(|v| s.stalls = v),
            "errors" => int().map(|v| s.errors = v),
            _ => Ok(()),
        };
        if let Err(e) = parsed {
            return Some(Err(e));
        }
        seen += 1;
    }
    if seen < 9 {
        return Some(Err(format!("a field is missing in {line:?}")));
    }
    Some(Ok(s))
}

/// The number of file writers the load's header line (`soak ... writers=4`) announces.
pub fn parse_writers(line: &str) -> Option<u64> {
    line.strip_prefix("soak ")?
        .split_whitespace()
        .find_map(|f| f.strip_prefix("writers="))?
        .parse()
        .ok()
}

/// Everything wrong with a run, given its samples, the warm-up and the load's writers; empty when
/// it passed.
pub fn judge(samples: &[Sample], warmup_secs: u64, writers: u64) -> Vec<String> {
    let mut problems = Vec::new();
    for s in samples {
        let at = format!("at {:.0} s", s.t);
        if s.max_ms > STALL_MS {
            problems.push(format!(
                "an operation took {:.0} ms (over {STALL_MS:.0} ms) in the interval ending {at}",
                s.max_ms
            ));
        }
        if s.oldest_ms > STALL_MS {
            problems.push(format!(
                "an operation had been in flight for {:.0} ms {at}",
                s.oldest_ms
            ));
        }
        if s.requests == 0 {
            problems.push(format!(
                "no operation completed in the interval ending {at}"
            ));
        }
        if s.file_fds > writers {
            problems.push(format!(
                "{} of the load's files were open {at}, with {writers} writers",
                s.file_fds
            ));
        }
    }
    if let Some(last) = samples.last() {
        if last.stalls > 0 {
            problems.push(format!(
                "{} operations took over {STALL_MS:.0} ms",
                last.stalls
            ));
        }
        if last.errors > 0 {
            problems.push(format!("{} operations failed", last.errors));
        }
    }
    // Half a second of slack: the sampler wakes a little after each multiple of the interval.
    let after: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.t + 0.5 >= warmup_secs as f64)
        .collect();
    match (after.first(), after.last()) {
        (Some(first), Some(last)) if after.len() >= 2 => {
            if last.fds > first.fds {
                problems.push(format!(
                    "open descriptors grew after the warm-up: {} at {:.0} s, {} at {:.0} s",
                    first.fds, first.t, last.fds, last.t
                ));
            }
            let grown = last.rss_kib.saturating_sub(first.rss_kib);
            if grown as f64 > first.rss_kib as f64 * RSS_GROWTH && grown > RSS_SLACK_KIB {
                problems.push(format!(
                    "RSS grew after the warm-up by {:.1} MiB ({:.0}%): {:.1} MiB at {:.0} s, \
                     {:.1} MiB at {:.0} s",
                    grown as f64 / 1024.0,
                    grown as f64 * 100.0 / first.rss_kib.max(1) as f64,
                    mib(first.rss_kib),
                    first.t,
                    mib(last.rss_kib),
                    last.t
                ));
            }
        }
        _ => problems.push(format!(
            "fewer than 2 samples after the {warmup_secs} s warm-up: run longer, or sample more \
             often (--sample-secs)"
        )),
    }
    problems
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// One line of the printed curve.
pub fn curve_line(s: &Sample, sample_secs: u64) -> String {
    format!(
        "{:>7.0} s  RSS {:>7.1} MiB  fds {:>4}  files {:>2}  {:>9.0} ops/s  slowest {:>7.1} ms  \
         oldest in flight {:>7.1} ms  stalls {}",
        s.t,
        mib(s.rss_kib),
        s.fds,
        s.file_fds,
        s.requests as f64 / sample_secs.max(1) as f64,
        s.max_ms,
        s.oldest_ms,
        s.stalls
    )
}

/// The samples as CSV.
pub fn csv(samples: &[Sample]) -> String {
    let mut out =
        String::from("t_secs,rss_kib,fds,file_fds,requests,max_ms,oldest_ms,stalls,errors\n");
    for s in samples {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            s.t,
            s.rss_kib,
            s.fds,
            s.file_fds,
            s.requests,
            s.max_ms,
            s.oldest_ms,
            s.stalls,
            s.errors
        ));
    }
    out
}

/// Draws RSS (top) and open descriptors (bottom) over time, with the end of the warm-up marked.
pub fn write_svg(samples: &[Sample], warmup_secs: u64, path: &Path) -> Result<(), String> {
    draw(samples, warmup_secs, path).map_err(|e| format!("cannot draw {}: {e}", path.display()))
}

/// One chart of [`write_svg`]: its name, unit, colour and points.
type Panel<'a> = (&'a str, &'a str, RGBColor, Vec<(f64, f64)>);

fn draw(
    samples: &[Sample],
    warmup_secs: u64,
    path: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (760, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((2, 1));
    let t_max = samples.iter().map(|s| s.t).fold(1.0f64, f64::max);
    let series: [Panel; 2] = [
        (
            "RSS",
            "MiB",
            RGBColor(31, 119, 180),
            samples.iter().map(|s| (s.t, mib(s.rss_kib))).collect(),
        ),
        (
            "open descriptors",
            "fds",
            RGBColor(255, 127, 14),
            samples.iter().map(|s| (s.t, s.fds as f64)).collect(),
        ),
    ];
    for (panel, (name, unit, colour, points)) in panels.iter().zip(series) {
        let hi = points.iter().map(|p| p.1).fold(0.0f64, f64::max);
        // From zero, so that growth looks as big as it is.
        let y_hi = (hi * 1.2).max(1.0);
        let mut chart = ChartBuilder::on(panel)
            .caption(
                format!("zokio soak: {name} (dashed: end of warm-up)"),
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..t_max, 0.0..y_hi)?;
        let y_format = |y: &f64| {
            if unit == "fds" {
                format!("{y:.0}")
            } else {
                format!("{y:.1}")
            }
        };
        chart
            .configure_mesh()
            .x_desc("seconds")
            .y_desc(unit)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&y_format)
            .draw()?;
        chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))?;
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
        let w = (warmup_secs as f64).min(t_max);
        chart.draw_series(DashedLineSeries::new(
            [(w, 0.0), (w, y_hi)],
            6,
            4,
            BLACK.stroke_width(1),
        ))?;
    }
    root.present()?;
    Ok(())
}

/// Builds and runs the load, prints its curve and judges it.
pub fn soak(opts: &SoakOptions) -> Result<(), String> {
    let ws = workspace()?;
    let mut build = cargo();
    build
        .current_dir(&ws.root)
        .args(["build", "--release", "-p", "zokio", "--example", "soak"]);
    status(build, "building the soak example")?;
    let exe = ws.target_dir.join("release").join("examples").join("soak");
    let out_dir = ws.target_dir.join("zokio-soak");
    fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let files = std::env::temp_dir().join(format!("zokio-soak-{}", std::process::id()));

    let (seconds, warmup) = (opts.seconds(), opts.warmup());
    eprintln!(
        "soak: {seconds} s of load, a sample every {} s, warm-up {warmup} s",
        opts.sample_secs
    );
    let mut child = Command::new(&exe)
        .args(["--seconds", &seconds.to_string()])
        .args(["--sample-secs", &opts.sample_secs.to_string()])
        .arg("--dir")
        .arg(&files)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout from the soak load")?;
    // The load ends itself 30 s after its end at the latest; this is the backstop.
    let child = Arc::new(Mutex::new(child));
    let deadline = Instant::now() + Duration::from_secs(seconds + BACKSTOP_SECS);
    let watchdog = {
        let child = child.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                let mut c = child.lock().unwrap_or_else(|e| e.into_inner());
                if !matches!(c.try_wait(), Ok(None)) {
                    return false;
                }
                if Instant::now() >= deadline {
                    let _ = c.kill();
                    return true;
                }
            }
        })
    };

    let mut samples = Vec::new();
    let mut writers = 4;
    let mut bad_lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("cannot read the soak load's output: {e}"))?;
        if let Some(w) = parse_writers(&line) {
            writers = w;
            continue;
        }
        match parse_sample(&line) {
            Some(Ok(s)) => {
                println!("{}", curve_line(&s, opts.sample_secs));
                samples.push(s);
            }
            Some(Err(e)) => {
                println!("{line}");
                bad_lines.push(e);
            }
            None => {
                println!("{line}");
            }
        }
    }
    let killed = watchdog.join().unwrap_or(false);
    let exit = child
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .wait()
        .map_err(|e| format!("cannot wait for the soak load: {e}"))?;
    let _ = fs::remove_dir_all(&files);

    let csv_path = out_dir.join("samples.csv");
    fs::write(&csv_path, csv(&samples))
        .map_err(|e| format!("cannot write {}: {e}", csv_path.display()))?;
    let svg_path = out_dir.join("soak.svg");
    if !samples.is_empty() {
        write_svg(&samples, warmup, &svg_path)?;
        println!(
            "chart: {}\nsamples: {}",
            svg_path.display(),
            csv_path.display()
        );
    }

    let mut problems = judge(&samples, warmup, writers);
    problems.extend(bad_lines);
    if killed {
        problems.push(format!(
            "the load was still running {BACKSTOP_SECS} s after its end and was killed"
        ));
    } else if !exit.success() {
        problems.push(format!("the load exited with {exit}"));
    }
    if problems.is_empty() {
        println!(
            "soak: passed ({} samples; after the warm-up RSS and descriptors held, no operation \
             over {STALL_MS:.0} ms)",
            samples.len()
        );
        Ok(())
    } else {
        Err(format!("soak failed:\n  {}", problems.join("\n  ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: f64, rss_kib: u64, fds: u64) -> Sample {
        Sample {
            t,
            rss_kib,
            fds,
            requests: 1000,
            max_ms: 5.0,
            oldest_ms: 1.0,
            ..Sample::default()
        }
    }

    #[test]
    fn reads_sample_lines() {
        let line = "sample t=10.0 rss_kib=3332 fds=139 file_fds=1 requests=269456 max_ms=24.588 \
                    oldest_ms=1.943 stalls=0 errors=0";
        assert_eq!(
            parse_sample(line).unwrap().unwrap(),
            Sample {
                t: 10.0,
                rss_kib: 3332,
                fds: 139,
                file_fds: 1,
                requests: 269456,
                max_ms: 24.588,
                oldest_ms: 1.943,
                stalls: 0,
                errors: 0,
            }
        );
        assert!(parse_sample("done requests=1 stalls=0 errors=0").is_none());
        assert!(parse_sample("sample t=1 rss_kib=x").unwrap().is_err());
        assert!(parse_sample("sample t=1 rss_kib=2").unwrap().is_err());
        assert!(parse_sample("sample nonsense").unwrap().is_err());
        assert_eq!(
            parse_writers("soak seconds=60 sample_secs=10 connections=64 writers=4"),
            Some(4)
        );
        assert_eq!(parse_writers("sample t=1"), None);
    }

    #[test]
    fn options_give_the_warm_up() {
        let o = SoakOptions::default();
        assert_eq!((o.seconds(), o.warmup()), (60, 15));
        let short = SoakOptions {
            minutes: 0.25,
            sample_secs: 5,
            warmup_secs: None,
        };
        assert_eq!((short.seconds(), short.warmup()), (15, 5));
        let set = SoakOptions {
            warmup_secs: Some(0),
            ..SoakOptions::default()
        };
        assert_eq!(set.warmup(), 0);
    }

    #[test]
    fn a_steady_run_passes() {
        // Growth during the warm-up does not count, and neither does RSS noise after it.
        let samples = [
            sample(10.0, 2000, 100),
            sample(20.0, 3300, 139),
            sample(30.0, 3400, 139),
            sample(40.0, 3900, 139),
            sample(50.0, 3800, 138),
            sample(60.0, 4000, 139),
        ];
        assert_eq!(judge(&samples, 15, 4), Vec::<String>::new());
    }

    #[test]
    fn growth_after_the_warm_up_fails() {
        let fds = [sample(20.0, 3000, 139), sample(60.0, 3000, 140)];
        let p = judge(&fds, 15, 4);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("descriptors grew"), "{p:?}");
        // 30% but only 3 MiB: a small process's noise.
        let small = [sample(20.0, 10_000, 139), sample(60.0, 13_000, 139)];
        assert!(judge(&small, 15, 4).is_empty());
        // 10 MiB but only 10%: a big process's noise.
        let big = [sample(20.0, 100_000, 139), sample(60.0, 110_240, 139)];
        assert!(judge(&big, 15, 4).is_empty());
        let leak = [sample(20.0, 20_000, 139), sample(60.0, 40_000, 139)];
        let p = judge(&leak, 15, 4);
        assert!(p.len() == 1 && p[0].contains("RSS grew"), "{p:?}");
        // The warm-up boundary is inclusive, with the sampler's lateness allowed for.
        let late = [sample(19.6, 3000, 139), sample(40.0, 3000, 139)];
        assert!(judge(&late, 20, 4).is_empty());
        let p = judge(&[sample(20.0, 3000, 139)], 15, 4);
        assert!(p[0].contains("fewer than 2 samples"), "{p:?}");
    }

    #[test]
    fn stalls_errors_and_leaked_files_fail() {
        let mut slow = sample(20.0, 3000, 139);
        slow.max_ms = 1500.0;
        let mut stuck = sample(30.0, 3000, 139);
        stuck.oldest_ms = 2500.0;
        let mut idle = sample(40.0, 3000, 139);
        idle.requests = 0;
        let mut files = sample(50.0, 3000, 139);
        files.file_fds = 5;
        let mut last = sample(60.0, 3000, 139);
        last.stalls = 2;
        last.errors = 1;
        let p = judge(&[slow, stuck, idle, files, last], 15, 4);
        let expected = [
            "took 1500 ms",
            "in flight for 2500 ms at 30 s",
            "no operation completed in the interval ending at 40 s",
            "5 of the load's files were open at 50 s",
            "2 operations took over 1000 ms",
            "1 operations failed",
        ];
        assert_eq!(p.len(), expected.len(), "{p:?}");
        for (problem, words) in p.iter().zip(expected) {
            assert!(problem.contains(words), "{problem:?} lacks {words:?}");
        }
    }

    #[test]
    fn writes_csv_and_chart() {
        let samples = [sample(10.0, 3000, 139), sample(20.0, 3100, 139)];
        let csv = csv(&samples);
        assert_eq!(csv.lines().nth(1), Some("10,3000,139,0,1000,5,1,0,0"));
        let line = curve_line(&samples[0], 10);
        assert!(
            line.contains("RSS     2.9 MiB") && line.contains("100 ops/s"),
            "{line}"
        );
        let dir = std::env::temp_dir().join(format!("xtask-soak-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("soak.svg");
        write_svg(&samples, 15, &path).unwrap();
        let svg = fs::read_to_string(&path).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("RSS") && svg.contains("open descriptors"));
    }
}
