//! The training-curve chart: loss and validation HR@10 per epoch.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::svg::{fmt_tick, ticks};
use reelgraph_core::text::xml_escape;

/// One epoch of training, for the curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochPoint {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss of the epoch.
    pub loss: f64,
    /// Validation HR@10 after the epoch.
    pub val_hr10: f64,
}

/// A line chart panel: returns SVG elements for `ys` over `xs`.
fn line_panel(
    s: &mut String,
    (x0, y0, w, h): (f64, f64, f64, f64),
    title: &str,
    xs: &[f64],
    ys: &[f64],
    colour: &str,
) {
    let _ = writeln!(
        s,
        r#"<g class="panel"><text x="{:.1}" y="{:.1}" font-size="14" font-weight="bold">{}</text>"#,
        x0,
        y0 - 8.0,
        xml_escape(title)
    );
    let _ = writeln!(
        s,
        r##"<rect x="{x0:.1}" y="{y0:.1}" width="{w:.1}" height="{h:.1}" fill="none" stroke="#888"/>"##
    );
    let finite: Vec<(f64, f64)> = xs
        .iter()
        .zip(ys)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(&x, &y)| (x, y))
        .collect();
    if finite.is_empty() {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12">no data</text></g>"#,
            x0 + w / 2.0,
            y0 + h / 2.0
        );
        return;
    }
    let (mut xlo, mut xhi) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut ylo, mut yhi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in &finite {
        xlo = xlo.min(x);
        xhi = xhi.max(x);
        ylo = ylo.min(y);
        yhi = yhi.max(y);
    }
    if xhi - xlo < 1e-12 {
        xlo -= 1.0;
        xhi += 1.0;
    }
    if yhi - ylo < 1e-12 {
        let pad = if ylo.abs() > 0.0 {
            ylo.abs() * 0.1
        } else {
            1.0
        };
        ylo -= pad;
        yhi += pad;
    } else {
        let pad = (yhi - ylo) * 0.05;
        ylo -= pad;
        yhi += pad;
    }
    let px = |x: f64| x0 + (x - xlo) / (xhi - xlo) * w;
    let py = |y: f64| y0 + h - (y - ylo) / (yhi - ylo) * h;
    for t in ticks(ylo, yhi, 5) {
        let y = py(t);
        let _ = writeln!(
            s,
            r##"<line x1="{x0:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11">{}</text>"##,
            x0 + w,
            x0 - 4.0,
            y + 4.0,
            fmt_tick(t)
        );
    }
    let int_ticks: Vec<f64> = ticks(xlo, xhi, 8)
        .into_iter()
        .filter(|t| t.fract() == 0.0)
        .collect();
    for t in int_ticks {
        let x = px(t);
        let _ = writeln!(
            s,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="11">{}</text>"#,
            y0 + h + 14.0,
            fmt_tick(t)
        );
    }
    let points: Vec<String> = finite
        .iter()
        .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
        .collect();
    let _ = writeln!(
        s,
        r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
        points.join(" ")
    );
    for &(x, y) in &finite {
        let _ = writeln!(
            s,
            r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"><title>{} {}</title></circle>"#,
            px(x),
            py(y),
            fmt_tick(x),
            fmt_tick(y)
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11">epoch</text></g>"#,
        x0 + w / 2.0,
        y0 + h + 30.0
    );
}

/// The training curve: loss (top) and validation HR@10 (bottom) per epoch.
pub fn training_curve_svg(title: &str, epochs: &[EpochPoint]) -> String {
    let (width, height) = (640.0, 560.0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif">"#
    );
    let _ = writeln!(
        s,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{:.1}" y="24" text-anchor="middle" font-size="16">{}</text>"#,
        width / 2.0,
        xml_escape(title)
    );
    let xs: Vec<f64> = epochs.iter().map(|e| e.epoch as f64).collect();
    let loss: Vec<f64> = epochs.iter().map(|e| e.loss).collect();
    let hr: Vec<f64> = epochs.iter().map(|e| e.val_hr10).collect();
    line_panel(
        &mut s,
        (70.0, 60.0, 540.0, 180.0),
        "training loss",
        &xs,
        &loss,
        "#4e79a7",
    );
    line_panel(
        &mut s,
        (70.0, 320.0, 540.0, 180.0),
        "validation HR@10",
        &xs,
        &hr,
        "#e15759",
    );
    s.push_str("</svg>\n");
    s
}
