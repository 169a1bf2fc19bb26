//! The SVG chart of zokio's speed-up ratios, drawn with plotters.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::model::{BASELINES, Group, SUBJECT};

/// Bar colours, one per baseline runtime in [`BASELINES`] order.
const COLOURS: [RGBColor; 2] = [RGBColor(31, 119, 180), RGBColor(255, 127, 14)];

/// Draws one horizontal bar per (group, baseline) ratio, with a reference line at 1.0 (parity).
/// Returns `Ok(false)` without writing anything when no group has a ratio to draw.
pub fn write_svg(groups: &[Group], path: &Path) -> Result<bool, String> {
    let rows: Vec<(String, Vec<Option<f64>>)> = groups
        .iter()
        .map(|g| (g.label(), BASELINES.iter().map(|b| g.speedup(b)).collect()))
        .filter(|(_, ratios): &(String, Vec<Option<f64>>)| ratios.iter().any(Option::is_some))
        .collect();
    if rows.is_empty() {
        return Ok(false);
    }
    draw(&rows, path).map_err(|e| format!("cannot draw {}: {e}", path.display()))?;
    Ok(true)
}

fn draw(
    rows: &[(String, Vec<Option<f64>>)],
    path: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let n = rows.len();
    let max_ratio = rows
        .iter()
        .flat_map(|(_, r)| r.iter().flatten().copied())
        .fold(1.0f64, f64::max);
    let x_max = (max_ratio * 1.15).max(1.25);
    // Room for the longest label at roughly 7 px per character of a 13 px font.
    let longest = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let label_width = (longest as u32 * 7 + 16).max(80);
    let height = 110 + 34 * n as u32;

    let root = SVGBackend::new(path, (label_width + 620, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{SUBJECT} speed-up per workload (above 1.0 = {SUBJECT} faster)"),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(label_width)
        .build_cartesian_2d(0.0..x_max, 0.0..n as f64)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc("speed-up ratio")
        .x_label_formatter(&|x| format!("{x:.1}x"))
        .draw()?;

    // Row i is drawn top-down: the first group sits at the top of the chart.
    let row_base = |i: usize| (n - 1 - i) as f64;
    let bar_height = 0.8 / BASELINES.len() as f64;
    for (b, baseline) in BASELINES.iter().enumerate() {
        let colour = COLOURS[b % COLOURS.len()];
        let bars = rows.iter().enumerate().filter_map(|(i, (_, ratios))| {
            let r = ratios[b]?;
            let top = row_base(i) + 0.9 - b as f64 * bar_height;
            Some(Rectangle::new(
                [(0.0, top - bar_height), (r, top)],
                colour.filled(),
            ))
        });
        chart
            .draw_series(bars)?
            .label(format!("{SUBJECT}/{baseline}"))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
        let values = rows.iter().enumerate().filter_map(|(i, (_, ratios))| {
            let r = ratios[b]?;
            let middle = row_base(i) + 0.9 - (b as f64 + 0.5) * bar_height;
            Some(Text::new(
                format!(" {r:.2}x"),
                (r, middle),
                TextStyle::from(("sans-serif", 11).into_font())
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
        });
        chart.draw_series(values)?;
    }
    chart.draw_series(LineSeries::new(
        [(1.0, 0.0), (1.0, n as f64)],
        BLACK.stroke_width(2),
    ))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;

    // Group names go left of the plotting area, level with their bars.
    let label_style =
        TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, (label, _)) in rows.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, row_base(i) + 0.5));
        root.draw(&Text::new(label.clone(), (x - 6, y), label_style.clone()))?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RuntimeResult;

    fn result(runtime: &str, median_ns: f64) -> RuntimeResult {
        RuntimeResult {
            runtime: runtime.into(),
            median_ns,
            median_lower_ns: median_ns,
            median_upper_ns: median_ns,
            min_ns: median_ns,
            max_ns: median_ns,
        }
    }

    #[test]
    fn draws_bars_and_labels() {
        let groups = vec![
            Group {
                suite: "current_thread".into(),
                name: "yield_many".into(),
                elements: None,
                results: vec![
                    result("zokio", 100.0),
                    result("tokio", 150.0),
                    result("smol", 50.0),
                ],
            },
            Group {
                suite: "current_thread".into(),
                name: "only_zokio".into(),
                elements: None,
                results: vec![result("zokio", 100.0)],
            },
        ];
        let dir = std::env::temp_dir().join(format!("xtask-chart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ratios.svg");
        assert!(write_svg(&groups, &path).unwrap());
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("current_thread/yield_many"));
        // The group without any ratio is left out of the chart.
        assert!(!svg.contains("only_zokio"));
        assert!(svg.contains("1.50x") && svg.contains("0.50x"));
        assert!(!write_svg(&groups[1..], &path).unwrap());
    }
}
