//! Developer commands for the zokio workspace, run as `cargo xtask <command>`.
//!
//! - `bench`: runs the criterion benches for zokio, tokio and smol and writes a report to
//!   `target/zokio-bench/` (markdown, JSON, SVG chart).
//! - `loom`: runs the loom model tests with `--cfg loom`.
//! - `miri`: runs the unsafe-heavy crates' unit tests under miri.
//! - `coverage`: line coverage of the library crates with cargo-llvm-cov, as a per-crate table
//!   (and an HTML report with `--html`).
//! - `asan`: the library crates' tests under nightly AddressSanitizer with leak detection.
//! - `flaky`: the whole test suite N times; reports every test that ever failed.
//! - `soak`: a long load on one runtime (TCP echo, timers, channels, file writes) that fails on
//!   memory or descriptor growth and on stalls.
//!
//! CONTRIBUTING.md at the workspace root says how to set each of them up.
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod asan;
mod bench;
mod chart;
mod compare;
mod coverage;
mod criterion;
mod flaky;
mod logrun;
mod machine;
mod model;
mod paired;
mod report;
mod run;
mod soak;
mod table;
mod tools;

use bench::BenchOptions;
use coverage::CoverageOptions;
use flaky::FlakyOptions;
use paired::PairedOptions;
use soak::SoakOptions;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  bench [options]   run the benches for zokio, tokio and smol; write target/zokio-bench/report.md,
                    report.json and ratios.svg
      --quick               short measurements and smaller workloads (about 2 minutes)
      --filter PATTERNS     only benchmarks whose `suite/group/runtime` contains one of the
                            comma-separated PATTERNS (e.g. current_thread,headline)
      --runtimes LIST       comma-separated subset of zokio,tokio,smol (default: all)
      --save-baseline NAME  save this run as baseline NAME
      --compare NAME        print a regression table against baseline NAME
      --rounds N            run every benchmark N times, one full pass after another, and
                            report the median of the rounds (default 1)
      --no-run              report on the results criterion already holds, without running
  paired [--quick] [-- ARGS]
                    time the runtimes in turn, one iteration each, in one process, on the workloads
                    where they are close (TCP request/response, hyper, cpu_fanout, chained_spawn);
                    print and write target/zokio-bench/paired.md. ARGS: --pairs N (default 300),
                    --runs N (3), --warm-up N (30), --filter PATTERNS
  loom [-- ARGS]    RUSTFLAGS=\"--cfg loom\" tests of zokio-sched, zokio-sync and zokio-reactor
                    (names starting with `loom`), release mode, LOOM_MAX_PREEMPTIONS=2 unless set
  miri [-- ARGS]    cargo +nightly miri test -p zokio-task; ... -p zokio-sched --lib queue;
                    ... -p zokio-sync --lib --test=miri_paths
  coverage [--html] line coverage of the library crates' tests with cargo-llvm-cov, printed per
                    crate (also in target/llvm-cov/coverage.md); finds llvm-cov/llvm-profdata in
                    $LLVM_COV/$LLVM_PROFDATA, rustup's llvm-tools, or /usr/lib/llvm-<major>/bin
      --html                also write an HTML report (target/llvm-cov/html/index.html)
  asan [-- ARGS]    the library crates' tests (--lib --tests; not zokio-macros' trybuild test)
                    under nightly AddressSanitizer with ASAN_OPTIONS=detect_leaks=1, built in
                    target/asan; summarises every report (full log: target/asan/asan.log);
                    leaks tests make on purpose: xtask/lsan-suppressions.txt
  flaky [options] [-- ARGS]
                    build the workspace's tests once, run every test binary N times, report each
                    test that ever failed (exit status 1 if any did); ARGS go to every binary
      --runs N              how many runs (default 10)
      --doc                 run the doc-tests in every run too (compiled again each time)
      --timeout-secs N      kill a test binary still running after N seconds (default 300)
  soak [options]    TCP echo over 64 loopback connections, timers, channels and spawn_blocking
                    file writes on one runtime (crates/zokio/examples/soak.rs); prints RSS and
                    open descriptors every sample, writes target/zokio-soak/soak.svg, fails on
                    growth after the warm-up or on any operation stalled over 1 s
      --minutes N           length of the load (default 1; fractions allowed)
      --sample-secs N       seconds between samples (default 10)
      --warmup-secs N       growth before this does not count (default: a quarter of the run)
  help              this text
";

/// A parsed command line.
#[derive(Debug, PartialEq)]
enum Cmd {
    Bench(BenchOptions),
    Paired(PairedOptions),
    Loom(Vec<String>),
    Miri(Vec<String>),
    Coverage(CoverageOptions),
    Asan(Vec<String>),
    Flaky(FlakyOptions),
    Soak(SoakOptions),
    Help,
}

/// Parses the arguments after `cargo xtask`.
fn parse(args: &[String]) -> Result<Cmd, String> {
    let Some((cmd, rest)) = args.split_first() else {
        return Ok(Cmd::Help);
    };
    match cmd.as_str() {
        "bench" => parse_bench(rest).map(Cmd::Bench),
        "paired" => parse_paired(rest).map(Cmd::Paired),
        "loom" => Ok(Cmd::Loom(passthrough(rest)?)),
        "miri" => Ok(Cmd::Miri(passthrough(rest)?)),
        "coverage" => parse_coverage(rest).map(Cmd::Coverage),
        "asan" => Ok(Cmd::Asan(passthrough(rest)?)),
        "flaky" => parse_flaky(rest).map(Cmd::Flaky),
        "soak" => parse_soak(rest).map(Cmd::Soak),
        "help" | "-h" | "--help" => Ok(Cmd::Help),
        other => Err(format!("unknown command {other:?}")),
    }
}

/// Arguments after `--` are handed to the test harness; nothing else is accepted.
fn passthrough(rest: &[String]) -> Result<Vec<String>, String> {
    match rest.split_first() {
        None => Ok(Vec::new()),
        Some((dashes, extra)) if dashes == "--" => Ok(extra.to_vec()),
        Some((other, _)) => Err(format!(
            "unexpected argument {other:?} (pass test arguments after --)"
        )),
    }
}

/// Splits `--flag=value` into the flag and its inline value; other arguments come back whole.
fn split_flag(arg: &str) -> (&str, Option<String>) {
    match arg.split_once('=') {
        Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
        _ => (arg, None),
    }
}

/// The value of `flag`: given inline (`--flag=value`) or as the next argument.
fn flag_value<'a>(
    flag: &str,
    inline: Option<String>,
    it: &mut impl Iterator<Item = &'a String>,
) -> Result<String, String> {
    inline
        .or_else(|| it.next().cloned())
        .ok_or_else(|| format!("{flag} needs a value"))
}

/// A whole number of at least `min`.
fn whole_number(flag: &str, v: &str, min: u64) -> Result<u64, String> {
    match v.parse::<u64>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(format!(
            "{flag} needs a whole number of at least {min}, not {v:?}"
        )),
    }
}

fn parse_coverage(rest: &[String]) -> Result<CoverageOptions, String> {
    let mut opts = CoverageOptions::default();
    for arg in rest {
        match arg.as_str() {
            "--html" => opts.html = true,
            other => return Err(format!("unknown coverage option {other:?}")),
        }
    }
    Ok(opts)
}

fn parse_flaky(rest: &[String]) -> Result<FlakyOptions, String> {
    let mut opts = FlakyOptions::default();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        if arg == "--" {
            opts.test_args = it.cloned().collect();
            break;
        }
        let (flag, inline) = split_flag(arg);
        match flag {
            "--doc" => opts.doc = true,
            "--runs" => {
                let v = flag_value(flag, inline, &mut it)?;
                opts.runs = whole_number(flag, &v, 1)? as usize;
            }
            "--timeout-secs" => {
                let v = flag_value(flag, inline, &mut it)?;
                opts.timeout_secs = whole_number(flag, &v, 1)?;
            }
            other => {
                return Err(format!(
                    "unknown flaky option {other:?} (pass test arguments after --)"
                ));
            }
        }
    }
    Ok(opts)
}

fn parse_soak(rest: &[String]) -> Result<SoakOptions, String> {
    let mut opts = SoakOptions::default();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = split_flag(arg);
        match flag {
            "--minutes" => {
                let v = flag_value(flag, inline, &mut it)?;
                opts.minutes = match v.parse::<f64>() {
                    // At most a day: every loop of the soak is bounded.
                    Ok(m) if m > 0.0 && m <= 24.0 * 60.0 => m,
                    _ => {
                        return Err(format!(
                            "--minutes needs a number above 0 (at most 1440), not {v:?}"
                        ));
                    }
                };
            }
            "--sample-secs" => {
                let v = flag_value(flag, inline, &mut it)?;
                opts.sample_secs = whole_number(flag, &v, 1)?;
            }
            "--warmup-secs" => {
                let v = flag_value(flag, inline, &mut it)?;
                opts.warmup_secs = Some(whole_number(flag, &v, 0)?);
            }
            other => return Err(format!("unknown soak option {other:?}")),
        }
    }
    Ok(opts)
}

/// `[--quick] [-- ARGS]`: the ARGS go to the paired bench, which checks them.
fn parse_paired(rest: &[String]) -> Result<PairedOptions, String> {
    let (quick, rest) = match rest.split_first() {
        Some((first, rest)) if first == "--quick" => (true, rest),
        _ => (false, rest),
    };
    Ok(PairedOptions {
        quick,
        args: passthrough(rest)?,
    })
}

fn parse_bench(rest: &[String]) -> Result<BenchOptions, String> {
    let mut opts = BenchOptions {
        runtimes: model::RUNTIMES.iter().map(|r| r.to_string()).collect(),
        rounds: 1,
        ..BenchOptions::default()
    };
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        // Both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "--quick" => opts.quick = true,
            "--no-run" => opts.no_run = true,
            "--filter" => opts.filter = Some(value()?),
            "--save-baseline" => opts.save_baseline = Some(value()?),
            "--compare" => opts.compare = Some(value()?),
            "--rounds" => {
                let v = value()?;
                opts.rounds = match v.parse::<usize>() {
                    Ok(n) if n >= 1 => n,
                    _ => {
                        return Err(format!(
                            "--rounds needs a whole number of at least 1, not {v:?}"
                        ));
                    }
                };
            }
            "--runtimes" => {
                let list: Vec<String> = value()?
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                if let Some(bad) = list.iter().find(|r| !model::RUNTIMES.contains(&r.as_str())) {
                    return Err(format!(
                        "unknown runtime {bad:?} (expected some of {})",
                        model::RUNTIMES.join(",")
                    ));
                }
                if list.is_empty() {
                    return Err("--runtimes needs at least one runtime".into());
                }
                opts.runtimes = list;
            }
            other => return Err(format!("unknown bench option {other:?}")),
        }
    }
    Ok(opts)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match parse(&args) {
        Ok(Cmd::Bench(opts)) => bench::bench(&opts),
        Ok(Cmd::Paired(opts)) => paired::paired(&opts),
        Ok(Cmd::Loom(extra)) => tools::loom(&extra),
        Ok(Cmd::Miri(extra)) => tools::miri(&extra),
        Ok(Cmd::Coverage(opts)) => coverage::coverage(&opts),
        Ok(Cmd::Asan(extra)) => asan::asan(&extra),
        Ok(Cmd::Flaky(opts)) => flaky::flaky(&opts),
        Ok(Cmd::Soak(opts)) => soak::soak(&opts),
        Ok(Cmd::Help) => {
            print!("{USAGE}");
            Ok(())
        }
        Err(e) => Err(format!("{e}\n\n{USAGE}")),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_bench_options() {
        let Cmd::Bench(o) = parse(&args(
            "bench --quick --filter current_thread --runtimes zokio,tokio --compare=main",
        ))
        .unwrap() else {
            panic!("not a bench command");
        };
        assert!(o.quick && !o.no_run);
        assert_eq!(o.filter.as_deref(), Some("current_thread"));
        assert_eq!(o.runtimes, ["zokio", "tokio"]);
        assert_eq!(o.compare.as_deref(), Some("main"));
        assert_eq!(o.save_baseline, None);
        assert_eq!(o.rounds, 1);
        let Cmd::Bench(o) = parse(&args("bench")).unwrap() else {
            panic!("not a bench command");
        };
        assert_eq!(o.runtimes, ["zokio", "tokio", "smol"]);
        let Cmd::Bench(o) = parse(&args("bench --rounds 3")).unwrap() else {
            panic!("not a bench command");
        };
        assert_eq!(o.rounds, 3);
    }

    #[test]
    fn rejects_bad_arguments() {
        assert!(
            parse(&args("bench --runtimes zokio,glommio"))
                .unwrap_err()
                .contains("glommio")
        );
        assert!(
            parse(&args("bench --filter"))
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(parse(&args("bench --fast")).is_err());
        assert!(parse(&args("bench --rounds 0")).is_err());
        assert!(parse(&args("bench --rounds x")).is_err());
        assert!(parse(&args("frobnicate")).is_err());
        assert!(parse(&args("loom extra")).is_err());
        assert_eq!(
            parse(&args("loom -- --nocapture")).unwrap(),
            Cmd::Loom(args("--nocapture"))
        );
        assert_eq!(parse(&[]).unwrap(), Cmd::Help);
    }

    #[test]
    fn parses_paired_options() {
        assert_eq!(
            parse(&args("paired")).unwrap(),
            Cmd::Paired(PairedOptions::default())
        );
        assert_eq!(
            parse(&args("paired --quick -- --pairs 50 --filter http")).unwrap(),
            Cmd::Paired(PairedOptions {
                quick: true,
                args: args("--pairs 50 --filter http"),
            })
        );
        // Options of the bench itself go after `--`.
        assert!(parse(&args("paired --pairs 50")).is_err());
    }

    #[test]
    fn parses_coverage_and_asan() {
        assert_eq!(
            parse(&args("coverage")).unwrap(),
            Cmd::Coverage(CoverageOptions { html: false })
        );
        assert_eq!(
            parse(&args("coverage --html")).unwrap(),
            Cmd::Coverage(CoverageOptions { html: true })
        );
        assert!(parse(&args("coverage --open")).is_err());
        assert_eq!(parse(&args("asan")).unwrap(), Cmd::Asan(vec![]));
        assert_eq!(
            parse(&args("asan -- mpsc --test-threads=1")).unwrap(),
            Cmd::Asan(args("mpsc --test-threads=1"))
        );
        assert!(parse(&args("asan mpsc")).is_err());
    }

    #[test]
    fn parses_flaky_options() {
        assert_eq!(
            parse(&args("flaky")).unwrap(),
            Cmd::Flaky(FlakyOptions::default())
        );
        let Cmd::Flaky(o) = parse(&args(
            "flaky --runs 20 --doc --timeout-secs=60 -- --test-threads 1 mpsc",
        ))
        .unwrap() else {
            panic!("not a flaky command");
        };
        assert_eq!(
            o,
            FlakyOptions {
                runs: 20,
                doc: true,
                timeout_secs: 60,
                test_args: args("--test-threads 1 mpsc"),
            }
        );
        // Everything after `--` belongs to the tests, flags included.
        let Cmd::Flaky(o) = parse(&args("flaky --runs=3 -- --runs 5")).unwrap() else {
            panic!("not a flaky command");
        };
        assert_eq!((o.runs, o.test_args), (3, args("--runs 5")));
        assert!(parse(&args("flaky --runs 0")).is_err());
        assert!(
            parse(&args("flaky --runs"))
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(parse(&args("flaky --runs two")).is_err());
        assert!(parse(&args("flaky mpsc")).unwrap_err().contains("after --"));
    }

    #[test]
    fn parses_soak_options() {
        assert_eq!(
            parse(&args("soak")).unwrap(),
            Cmd::Soak(SoakOptions::default())
        );
        let Cmd::Soak(o) =
            parse(&args("soak --minutes 0.5 --sample-secs=5 --warmup-secs 10")).unwrap()
        else {
            panic!("not a soak command");
        };
        assert_eq!(
            o,
            SoakOptions {
                minutes: 0.5,
                sample_secs: 5,
                warmup_secs: Some(10),
            }
        );
        assert_eq!(o.seconds(), 30);
        for bad in [
            "soak --minutes 0",
            "soak --minutes -1",
            "soak --minutes lots",
            "soak --minutes 100000",
            "soak --sample-secs 0",
            "soak --warmup-secs -3",
            "soak --seconds 5",
            "soak --minutes",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad}");
        }
    }
}
