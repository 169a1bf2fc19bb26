//! Developer commands for the zokio workspace, run as `cargo xtask <command>`.
//!
//! - `bench`: runs the criterion benches for zokio, tokio and smol and writes a report to
//!   `target/zokio-bench/` (markdown, JSON, SVG chart).
//! - `loom`: runs the loom model tests with `--cfg loom`.
//! - `miri`: runs the unsafe-heavy crates' unit tests under miri.
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod bench;
mod chart;
mod compare;
mod criterion;
mod machine;
mod model;
mod report;
mod run;
mod table;
mod tools;

use bench::BenchOptions;

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
  loom [-- ARGS]    RUSTFLAGS=\"--cfg loom\" tests of zokio-sched and zokio-sync (names starting
                    with `loom`), release mode, LOOM_MAX_PREEMPTIONS=2 unless set
  miri [-- ARGS]    cargo +nightly miri test -p zokio-task; ... -p zokio-sched --lib queue
  help              this text
";

/// A parsed command line.
#[derive(Debug, PartialEq)]
enum Cmd {
    Bench(BenchOptions),
    Loom(Vec<String>),
    Miri(Vec<String>),
    Help,
}

/// Parses the arguments after `cargo xtask`.
fn parse(args: &[String]) -> Result<Cmd, String> {
    let Some((cmd, rest)) = args.split_first() else {
        return Ok(Cmd::Help);
    };
    match cmd.as_str() {
        "bench" => parse_bench(rest).map(Cmd::Bench),
        "loom" => Ok(Cmd::Loom(passthrough(rest)?)),
        "miri" => Ok(Cmd::Miri(passthrough(rest)?)),
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
        Ok(Cmd::Loom(extra)) => tools::loom(&extra),
        Ok(Cmd::Miri(extra)) => tools::miri(&extra),
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
}
