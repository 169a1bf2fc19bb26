//! The SVG chart of zokio's speed-up ratios, drawn with plotters.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::model::{COMPARED, Group, SUBJECT};

/// Bar colours, one per compared runtime in [`COMPARED`] order (tokio, smol, then the `raw`
/// reference in grey).
const COLOURS: [RGBColor; 3] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(127, 127, 127),
];

/// Draws one horizontal bar per (group, compared runtime) ratio, the `raw` reference included
/// where a group has it, with a reference line at 1.0 (parity).
/// Returns `Ok(false)` without writing anything when no group has a ratio to draw.
pub fn write_svg(groups: &[Group], path: &Path) -> Result<bool, String> {
    let rows: Vec<(String, Vec<Option<f64>>)> = groups
        .iter()
        .map(|g| (g.label(), COMPARED.iter().map(|b| g.speedup(b)).collect()))
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
    let ratios = rows.iter().flat_map(|(_, r)| r.iter().flatten().copied());
    let (lo, hi) = ratios.fold((1.0f64, 1.0f64), |(lo, hi), r| (lo.min(r), hi.max(r)));
    // A log axis, so that 2x and 0.5x are bars of equal length on either side of parity; the
    // margins leave room for the value labels.
    let (x_lo, x_hi) = ((lo / 1.6).min(0.5), (hi * 1.6).max(2.0));
    // Room for the longest label at roughly 7 px per character of a 13 px font.
    let longest = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let label_width = (longest as u32 * 7 + 16).max(80);
    let height = 130 + 34 * n as u32;

    let root = SVGBackend::new(path, (label_width + 620, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "{SUBJECT} speed-up per workload, log scale (right of 1.00x: {SUBJECT} faster)"
            ),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(60)
        .y_label_area_size(label_width)
        .build_cartesian_2d(
            (x_lo..x_hi)
                .log_scale()
                .with_key_points(powers_of_two(x_lo, x_hi)),
            0.0..n as f64,
        )?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_label_formatter(&|x| format!("{x}x"))
        .draw()?;

    // Row i is drawn top-down: the first group sits at the top of the chart.
    let row_base = |i: usize| (n - 1 - i) as f64;
    let bar_height = 0.8 / COMPARED.len() as f64;
    for (b, _) in COMPARED.iter().enumerate() {
        let colour = COLOURS[b % COLOURS.len()];
        let bar = |i: usize| row_base(i) + 0.9 - b as f64 * bar_height;
        let bars = rows.iter().enumerate().filter_map(|(i, (_, ratios))| {
            let r = ratios[b]?;
            Some(Rectangle::new(
                [(1.0, bar(i) - bar_height), (r, bar(i))],
                colour.filled(),
            ))
        });
        chart.draw_series(bars)?;
        // Each value sits just beyond the end of its bar, on the side the bar grows to.
        let values = rows.iter().enumerate().filter_map(|(i, (_, ratios))| {
            let r = ratios[b]?;
            let (text, h) = if r >= 1.0 {
                (format!(" {r:.2}x"), HPos::Left)
            } else {
                (format!("{r:.2}x "), HPos::Right)
            };
            let style =
                TextStyle::from(("sans-serif", 11).into_font()).pos(Pos::new(h, VPos::Center));
            Some(Text::new(text, (r, bar(i) - bar_height / 2.0), style))
        });
        chart.draw_series(values)?;
    }
    chart.draw_series(LineSeries::new(
        [(1.0, 0.0), (1.0, n as f64)],
        BLACK.stroke_width(2),
    ))?;

    // Group names go left of the plotting area, level with their bars.
    let label_style =
        TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, (label, _)) in rows.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(x_lo, row_base(i) + 0.5));
        root.draw(&Text::new(label.clone(), (x - 6, y), label_style.clone()))?;
    }
    // The legend goes below the axis, where it cannot cover a bar.
    let legend_y = height as i32 - 18;
    let legend_style =
        TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (b, baseline) in COMPARED.iter().enumerate() {
        let x = label_width as i32 + 20 + 140 * b as i32;
        let colour = COLOURS[b % COLOURS.len()];
        root.draw(&Rectangle::new(
            [(x, legend_y - 6), (x + 12, legend_y + 6)],
            colour.filled(),
        ))?;
        root.draw(&Text::new(
            format!("{SUBJECT}/{baseline}"),
            (x + 18, legend_y),
            legend_style.clone(),
        ))?;
    }
    root.present()?;
    Ok(())
}

/// Axis ticks: the powers of two within `lo..=hi` (0.25x, 0.5x, 1x, 2x, ...).
fn powers_of_two(lo: f64, hi: f64) -> Vec<f64> {
    let (first, last) = (lo.log2().ceil() as i32, hi.log2().floor() as i32);
    (first..=last).map(|k| 2f64.powi(k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::flat_result as result;

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
                    result("raw", 25.0),
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
        // The raw reference gets its own bar and legend entry.
        assert!(svg.contains("0.25x") && svg.contains("zokio/raw"));
        assert!(!write_svg(&groups[1..], &path).unwrap());
    }

    #[test]
    fn ticks_are_powers_of_two() {
        assert_eq!(powers_of_two(0.3, 5.0), [0.5, 1.0, 2.0, 4.0]);
        assert_eq!(powers_of_two(0.5, 2.0), [0.5, 1.0, 2.0]);
    }
}
