//! A small table type rendered both as markdown (for report files) and as aligned text (for the
//! terminal), plus the number formats the tables use.

/// Rows of cells under a header.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Leading columns holding text (left-aligned); the rest hold numbers (right-aligned).
    text_columns: usize,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with the given column names.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        Self {
            text_columns: 1,
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Sets how many leading columns hold text and are left-aligned (default 1).
    pub fn text_columns(mut self, n: usize) -> Self {
        self.text_columns = n;
        self
    }

    /// Appends a row; missing cells are rendered empty.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// GitHub-flavoured markdown; text columns left-aligned, number columns right-aligned.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("| {} |\n", self.header.join(" | ")));
        let rules: Vec<&str> = (0..self.header.len())
            .map(|i| if i < self.text_columns { "---" } else { "---:" })
            .collect();
        out.push_str(&format!("|{}|\n", rules.join("|")));
        for row in &self.rows {
            let cells: Vec<&str> = (0..self.header.len())
                .map(|i| row.get(i).map_or("", String::as_str))
                .collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out
    }

    /// Column-aligned plain text for the terminal, with markdown emphasis stripped.
    pub fn to_text(&self) -> String {
        let plain = |s: &str| s.replace("**", "").replace('`', "");
        let cols = self.header.len();
        let cell = |row: &Vec<String>, i: usize| plain(row.get(i).map_or("", String::as_str));
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, w) in widths.iter_mut().enumerate() {
                *w = (*w).max(cell(row, i).chars().count());
            }
        }
        let render = |cells: Vec<String>| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i < self.text_columns {
                        format!("{c:<w$}", w = widths[i])
                    } else {
                        format!("{c:>w$}", w = widths[i])
                    }
                })
                .collect();
            format!("{}\n", parts.join("  ").trim_end())
        };
        let mut out = render(self.header.clone());
        let total: usize = widths.iter().sum::<usize>() + 2 * cols.saturating_sub(1);
        out.push_str(&format!("{}\n", "-".repeat(total)));
        for row in &self.rows {
            out.push_str(&render((0..cols).map(|i| cell(row, i)).collect()));
        }
        out
    }
}

/// A number with three significant digits (never in exponent notation).
fn sig3(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// A duration in nanoseconds, in the largest unit that keeps the number at or above 1.
pub fn time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{} ns", sig3(ns))
    } else if ns < 1e6 {
        format!("{} µs", sig3(ns / 1e3))
    } else if ns < 1e9 {
        format!("{} ms", sig3(ns / 1e6))
    } else {
        format!("{} s", sig3(ns / 1e9))
    }
}

/// An operation rate, e.g. `52.3 k ops/s`.
pub fn rate(per_sec: f64) -> String {
    if per_sec < 1e3 {
        format!("{} ops/s", sig3(per_sec))
    } else if per_sec < 1e6 {
        format!("{} k ops/s", sig3(per_sec / 1e3))
    } else if per_sec < 1e9 {
        format!("{} M ops/s", sig3(per_sec / 1e6))
    } else {
        format!("{} G ops/s", sig3(per_sec / 1e9))
    }
}

/// A whole number with thousands separators, e.g. `50,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A speed-up ratio, e.g. `1.23x`, or a dash when it could not be computed.
pub fn ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "–".to_string(), |r| format!("{r:.2}x"))
}

/// A relative change in percent with its sign, e.g. `+3.1%`.
pub fn percent(change: f64) -> String {
    format!("{:+.1}%", change * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers() {
        assert_eq!(time(12.345), "12.3 ns");
        assert_eq!(time(1_234.0), "1.23 µs");
        assert_eq!(time(123_456_789.0), "123 ms");
        assert_eq!(time(2.5e9), "2.50 s");
        assert_eq!(rate(52_300.0), "52.3 k ops/s");
        assert_eq!(rate(999.0), "999 ops/s");
        assert_eq!(thousands(100_000_000), "100,000,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(ratio(Some(1.234)), "1.23x");
        assert_eq!(ratio(None), "–");
        assert_eq!(percent(-0.031), "-3.1%");
    }

    #[test]
    fn renders_text_and_markdown() {
        let mut t = Table::new(["name", "value"]);
        t.row(vec!["a".into(), "**1**".into()]);
        t.row(vec!["long name".into()]);
        assert_eq!(
            t.to_markdown(),
            "| name | value |\n|---|---:|\n| a | **1** |\n| long name |  |\n"
        );
        assert_eq!(
            t.to_text(),
            "name       value\n----------------\na              1\nlong name\n"
        );
        let mut t = Table::new(["a", "b"]).text_columns(2);
        t.row(vec!["x".into(), "y".into()]);
        assert_eq!(t.to_markdown(), "| a | b |\n|---|---|\n| x | y |\n");
    }
}
