//! Facts about the machine and the moment of a run, for the report header.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::model::{Machine, RuntimeConfig};

/// Describes the current machine.
pub fn current() -> Machine {
    Machine {
        cpus: cpus(),
        cpu_model: cpu_model(),
        os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        rustc: command_line("rustc", &["--version"]).unwrap_or_else(|| "unknown".into()),
    }
}

/// Logical CPUs this process may use: the worker-thread count of every multi-thread runtime.
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn cpu_model() -> String {
    if let Ok(info) = std::fs::read_to_string("/proc/cpuinfo") {
        if let Some(model) = parse_cpu_model(&info) {
            return model;
        }
    }
    // macOS has no /proc; sysctl knows the brand string.
    command_line("sysctl", &["-n", "machdep.cpu.brand_string"]).unwrap_or_else(|| "unknown".into())
}

/// The first `model name` line of a `/proc/cpuinfo` text.
fn parse_cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(key, _)| key.trim() == "model name")
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// First line of a command's standard output, if it ran successfully.
fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().next()?.trim().to_string();
    (!line.is_empty()).then_some(line)
}

/// The one-minute load average (Linux `/proc/loadavg`), if available.
pub fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_utc(secs)
}

/// Formats seconds since the Unix epoch as an ISO 8601 UTC timestamp.
fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Gregorian date of a day count since 1970-01-01 (the well-known era-based conversion: 400-year
/// eras of 146097 days, years starting in March so that the leap day comes last).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// How the `benches` crate sets up each runtime (kept in sync with `benches/src/rt.rs`).
pub fn runtime_configs(cpus: usize) -> Vec<RuntimeConfig> {
    vec![
        RuntimeConfig {
            name: "zokio".into(),
            current_thread: "`Builder::new_current_thread().enable_all()`".into(),
            multi_thread: format!(
                "`Builder::new_multi_thread().worker_threads({cpus}).enable_all()`"
            ),
        },
        RuntimeConfig {
            name: "tokio".into(),
            current_thread: "`Builder::new_current_thread().enable_all()`".into(),
            multi_thread: format!(
                "`Builder::new_multi_thread().worker_threads({cpus}).enable_all()`"
            ),
        },
        RuntimeConfig {
            name: "smol".into(),
            current_thread:
                "one `async_executor::LocalExecutor` driven by `async_io::block_on` on the \
                             bench thread; one-shot channel: `async_channel::bounded(1)`"
                    .into(),
            multi_thread: format!(
                "one `async_executor::Executor` run by {cpus} threads (`async_io::block_on(ex.run(..))`), \
                 blocking work and files (`smol::fs`) on smol's `blocking` pool; one-shot channel: \
                 `async_channel::bounded(1)`"
            ),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_timestamps() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        // 2000-02-29 (a leap day in a century leap year) 12:34:56.
        assert_eq!(format_utc(951_827_696), "2000-02-29T12:34:56Z");
        assert_eq!(format_utc(1_798_761_599), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn parses_cpu_model() {
        let info = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n";
        assert_eq!(parse_cpu_model(info).as_deref(), Some("AMD EPYC 7B13"));
        assert_eq!(parse_cpu_model("processor\t: 0\n"), None);
    }
}
