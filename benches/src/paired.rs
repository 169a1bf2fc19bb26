//! Paired runs: the runtimes of a workload measured in turn, one iteration each, in one process.
//!
//! Criterion measures one runtime's function for a second or so, then the next one's. On a shared
//! machine the load changes between those seconds, and for a workload where the runtimes are
//! within a few percent of each other (the kernel does most of the work: TCP round trips, hyper on
//! loopback) back-to-back criterion runs disagree by more than the difference being measured.
//!
//! A paired run builds every runtime of a workload once, then times one iteration of each in
//! turn, over and over: a *pair* is one iteration of zokio next to one of each other runtime, a few
//! milliseconds apart, so a change of load hits both sides of nearly every pair. The order within
//! a pair rotates from pair to pair (zokio first in one pair of every `n`), so neither side always
//! runs just after the other. The figure is the median over the pairs of the other runtime's time
//! divided by zokio's (above 1.00 zokio is faster), and [`Outcome::runs`] says how far the medians
//! of separate runs (batches of pairs) move.
//!
//! Every runtime exists for the whole run: the ones not being timed have idle workers, parked, as
//! in any program with two runtimes. That is the price of pairing; criterion's groups drop each
//! runtime before the next one runs.

use std::time::Instant;

/// One runtime's side of a paired workload: its name and one iteration of the workload on it (the
/// runtime and any connections are built once, before the first pair, and live in the closure).
pub struct Contender<'a> {
    /// The runtime's name (`zokio`, `tokio`, `smol`).
    pub name: &'static str,
    iteration: Box<dyn FnMut() + 'a>,
}

impl<'a> Contender<'a> {
    /// A contender that runs `iteration` once per pair.
    pub fn new(name: &'static str, iteration: impl FnMut() + 'a) -> Self {
        Contender {
            name,
            iteration: Box::new(iteration),
        }
    }
}

/// The result of a paired workload against one other runtime.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The other runtime.
    pub other: &'static str,
    /// Median over all pairs of the other runtime's time over zokio's: above 1.0 zokio is faster.
    pub median: f64,
    /// The 25th and 75th percentiles of the same ratios: how much single pairs disagree.
    pub quartiles: (f64, f64),
    /// The median ratio of each run (batch of pairs), in run order.
    pub runs: Vec<f64>,
    /// Pairs measured in all.
    pub pairs: usize,
    /// zokio's median time of one iteration, in nanoseconds.
    pub subject_ns: f64,
    /// The other runtime's median time of one iteration, in nanoseconds.
    pub other_ns: f64,
}

/// The order in which the `len` contenders run in pair `pair`: the written order rotated left by
/// `pair`, so that each contender runs first in one pair of every `len`.
pub fn pair_order(len: usize, pair: usize) -> impl Iterator<Item = usize> {
    (0..len).map(move |i| (i + pair) % len)
}

/// Runs `warm_up` untimed pairs, then `runs` runs of `pairs` timed pairs, and compares each
/// contender after the first (zokio, the subject) with it.
///
/// # Panics
///
/// Panics with fewer than two contenders or with `pairs` or `runs` zero.
pub fn measure(
    contenders: &mut [Contender<'_>],
    warm_up: usize,
    pairs: usize,
    runs: usize,
) -> Vec<Outcome> {
    assert!(contenders.len() >= 2, "a pair needs two runtimes");
    assert!(pairs > 0 && runs > 0, "at least one run of one pair");
    for pair in 0..warm_up {
        for i in pair_order(contenders.len(), pair) {
            (contenders[i].iteration)();
        }
    }
    // times[run][contender][pair], in nanoseconds.
    let mut times = vec![vec![Vec::with_capacity(pairs); contenders.len()]; runs];
    for run in &mut times {
        for pair in 0..pairs {
            for i in pair_order(contenders.len(), pair) {
                let start = Instant::now();
                (contenders[i].iteration)();
                run[i].push(start.elapsed().as_nanos() as f64);
            }
        }
    }
    (1..contenders.len())
        .map(|other| summarize(contenders[other].name, &times, other))
        .collect()
}

/// The [`Outcome`] of contender `other` against contender 0 from `times[run][contender][pair]`.
fn summarize(name: &'static str, times: &[Vec<Vec<f64>>], other: usize) -> Outcome {
    let ratios = |run: &Vec<Vec<f64>>| -> Vec<f64> {
        run[0]
            .iter()
            .zip(&run[other])
            .map(|(subject, other)| other / subject)
            .collect()
    };
    let runs: Vec<f64> = times.iter().map(|run| median(&ratios(run))).collect();
    let all: Vec<f64> = times.iter().flat_map(ratios).collect();
    let column = |c: usize| -> Vec<f64> { times.iter().flat_map(|run| run[c].clone()).collect() };
    Outcome {
        other: name,
        median: median(&all),
        quartiles: (quantile(&all, 0.25), quantile(&all, 0.75)),
        runs,
        pairs: all.len(),
        subject_ns: median(&column(0)),
        other_ns: median(&column(other)),
    }
}

/// The median of `values` (the mean of the middle two for an even count).
///
/// # Panics
///
/// Panics on an empty slice or a NaN.
pub fn median(values: &[f64]) -> f64 {
    quantile(values, 0.5)
}

/// The `q` quantile of `values` (0.0 to 1.0), interpolated linearly between neighbours.
///
/// # Panics
///
/// Panics on an empty slice or a NaN.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    assert!(!values.is_empty(), "the quantile of nothing");
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).expect("no NaN among the times"));
    let at = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (low, high) = (at.floor() as usize, at.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (at - low as f64)
}

/// The paired bench's command line (`benches/benches/paired.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// `--test`: two pairs per workload, nothing reported (CI's smoke run).
    pub test: bool,
    /// `--warm-up N`: untimed pairs before the first run (default 30).
    pub warm_up: usize,
    /// `--pairs N`: timed pairs per run (default 300).
    pub pairs: usize,
    /// `--runs N`: runs of pairs (default 3).
    pub runs: usize,
    /// `--filter A,B`: only the workloads whose names contain one of these (default all).
    pub filter: Vec<String>,
}

/// Parses the paired bench's arguments (after the program name). `--bench`, which `cargo bench`
/// passes to every bench target, is ignored.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut opts = Options {
        test: false,
        warm_up: 30,
        pairs: 300,
        runs: 3,
        filter: Vec::new(),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let number = |name: &str, value: String| -> Result<usize, String> {
            value
                .parse()
                .map_err(|_| format!("{name} needs a whole number, not {value:?}"))
        };
        match arg.as_str() {
            "--bench" => {}
            "--test" => opts.test = true,
            "--warm-up" => opts.warm_up = number("--warm-up", value("--warm-up")?)?,
            "--pairs" => opts.pairs = number("--pairs", value("--pairs")?)?,
            "--runs" => opts.runs = number("--runs", value("--runs")?)?,
            "--filter" => {
                opts.filter = value("--filter")?
                    .split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(str::to_string)
                    .collect();
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if opts.pairs == 0 || opts.runs == 0 {
        return Err("--pairs and --runs need at least 1".to_string());
    }
    Ok(opts)
}

/// Whether workload `name` passes `filter` (every workload passes an empty one).
pub fn selected(name: &str, filter: &[String]) -> bool {
    filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn arguments_have_defaults_and_are_checked() {
        let defaults = parse_args(args("--bench")).unwrap();
        assert_eq!(
            (defaults.warm_up, defaults.pairs, defaults.runs),
            (30, 300, 3)
        );
        assert!(!defaults.test && defaults.filter.is_empty());
        let opts = parse_args(args(
            "--test --pairs 7 --runs 2 --warm-up 0 --filter http,net/",
        ))
        .unwrap();
        assert_eq!(
            opts,
            Options {
                test: true,
                warm_up: 0,
                pairs: 7,
                runs: 2,
                filter: vec!["http".to_string(), "net/".to_string()],
            }
        );
        assert_eq!(
            parse_args(args("--pairs")).unwrap_err(),
            "--pairs needs a value"
        );
        assert!(
            parse_args(args("--runs x"))
                .unwrap_err()
                .contains("whole number")
        );
        assert!(parse_args(args("--pairs 0")).is_err());
        assert!(
            parse_args(args("--rounds 3"))
                .unwrap_err()
                .contains("unknown argument")
        );
    }

    #[test]
    fn a_filter_selects_workloads_by_substring() {
        let filter = vec!["net/".to_string(), "http".to_string()];
        assert!(selected("net/udp_round_trip", &filter));
        assert!(selected("http/hello_world", &filter));
        assert!(!selected("fs/seq_write_64m", &filter));
        assert!(selected("fs/seq_write_64m", &[]));
    }

    #[test]
    fn each_contender_runs_first_in_turn() {
        assert_eq!(pair_order(3, 0).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(pair_order(3, 1).collect::<Vec<_>>(), [1, 2, 0]);
        assert_eq!(pair_order(3, 5).collect::<Vec<_>>(), [2, 0, 1]);
        assert_eq!(pair_order(2, 1).collect::<Vec<_>>(), [1, 0]);
    }

    #[test]
    fn measure_runs_every_contender_once_per_pair_in_rotating_order() {
        let calls = RefCell::new(Vec::new());
        let mut contenders = vec![
            Contender::new("zokio", || calls.borrow_mut().push('z')),
            Contender::new("tokio", || calls.borrow_mut().push('t')),
        ];
        let outcomes = measure(&mut contenders, 1, 3, 2);
        drop(contenders);
        // One warm-up pair, then two runs of three pairs; zokio first in even pairs.
        let order: String = calls.into_inner().into_iter().collect();
        assert_eq!(order, ["zt", "zttzzt", "zttzzt"].concat());
        assert_eq!(outcomes.len(), 1);
        assert_eq!(outcomes[0].other, "tokio");
        assert_eq!(outcomes[0].pairs, 6);
        assert_eq!(outcomes[0].runs.len(), 2);
    }

    #[test]
    fn ratios_are_the_other_time_over_the_subject_time_pair_by_pair() {
        // Two runs; zokio twice as fast in every pair of the first, as fast in the second.
        let times = vec![
            vec![vec![10.0, 20.0, 30.0], vec![20.0, 40.0, 60.0]],
            vec![vec![10.0, 10.0, 10.0], vec![10.0, 10.0, 10.0]],
        ];
        let outcome = summarize("tokio", &times, 1);
        assert_eq!(outcome.runs, [2.0, 1.0]);
        assert_eq!(outcome.median, 1.5);
        assert_eq!(outcome.pairs, 6);
        assert_eq!(outcome.quartiles, (1.0, 2.0));
        assert_eq!(outcome.subject_ns, 10.0);
        assert_eq!(outcome.other_ns, 15.0);
    }

    #[test]
    fn quantiles_interpolate_between_neighbours() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.25), 2.0);
        assert_eq!(quantile(&[1.0, 2.0], 0.75), 1.75);
        assert_eq!(quantile(&[7.0], 0.9), 7.0);
    }

    #[test]
    #[should_panic(expected = "two runtimes")]
    fn one_contender_is_refused() {
        measure(&mut [Contender::new("zokio", || ())], 0, 1, 1);
    }
}
