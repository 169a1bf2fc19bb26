//! `cargo xtask paired`: the paired runs of the near-parity workloads (`benches/benches/paired.rs`),
//! saved to `target/zokio-bench/paired.md` with the machine and load they ran under.

use std::fs;
use std::process::{Command, Stdio};

use crate::{machine, run};

/// The bench target of the paired runs; not a criterion suite, so `cargo xtask bench` skips it.
pub const PAIRED_SUITE: &str = "paired";

/// Options of `cargo xtask paired`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairedOptions {
    /// The workloads' quick sizes (`ZOKIO_BENCH_QUICK=1`).
    pub quick: bool,
    /// Arguments for the paired bench (`--pairs N`, `--runs N`, `--warm-up N`, `--filter A,B`).
    pub args: Vec<String>,
}

/// Builds and runs the paired bench; prints its table and writes it to `paired.md`.
pub fn paired(opts: &PairedOptions) -> Result<(), String> {
    let ws = run::workspace()?;
    let out_dir = ws.target_dir.join("zokio-bench");
    fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    eprintln!("building bench {PAIRED_SUITE} (bench profile)...");
    let exes = run::build(&[PAIRED_SUITE.to_string()])?;
    let machine = machine::current();
    let date = machine::now_utc();
    let load_before = machine::load_average();
    let out = Command::new(&exes[PAIRED_SUITE])
        .arg("--bench")
        .args(&opts.args)
        .env("ZOKIO_BENCH_QUICK", if opts.quick { "1" } else { "0" })
        .current_dir(&ws.package_dir)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run the paired bench: {e}"))?;
    if !out.status.success() {
        return Err(format!("the paired bench failed ({})", out.status));
    }
    let table = String::from_utf8_lossy(&out.stdout);
    let load = match (load_before, machine::load_average()) {
        (Some(before), Some(after)) => format!("{before:.2} before, {after:.2} after"),
        _ => "unknown".to_string(),
    };
    let md = format!(
        "# zokio paired runs\n\n\
         - Date: {date}\n\
         - Machine: {} logical CPUs, {}\n\
         - Sizes: {}; arguments: {}\n\
         - Load (1-minute average): {load}\n\n\
         Each pair times one iteration of zokio and of each other runtime, in an order that \
         rotates from pair to pair, all runtimes built once in the same process. The ratio is \
         the other runtime's time over zokio's, pair by pair: **above 1.00x zokio is faster**. \
         *quartiles* are those of the single pairs' ratios, *run medians* the median ratio of \
         each run (batch of pairs): how much separate runs agree.\n\n{table}",
        machine.cpus,
        machine.cpu_model,
        if opts.quick { "quick" } else { "full" },
        if opts.args.is_empty() {
            "defaults (3 runs of 300 pairs after 30 warm-up pairs)".to_string()
        } else {
            opts.args.join(" ")
        },
    );
    let path = out_dir.join("paired.md");
    fs::write(&path, &md).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    print!("\n{table}");
    println!("\nreport: {}", path.display());
    Ok(())
}
