//! The embedding map: a 2-D PCA scatter of the item vectors, coloured by
//! main genre.

use std::fmt::Write as _;

use super::pca::pca_2d;
use super::svg::{OTHER_COLOUR, PALETTE};
use reelgraph_core::text::xml_escape;

/// The main genre of a movie: its first listed genre, or `"(none)"`.
pub fn main_genre(movie: &reelgraph_core::types::Movie) -> String {
    movie
        .genres
        .first()
        .cloned()
        .unwrap_or_else(|| "(none)".to_string())
}

/// The item vectors and a label (main genre) per item for the map.
#[derive(Clone, Copy, Debug)]
pub struct EmbeddingMap<'a> {
    /// Row-major `items × dim`.
    pub vectors: &'a [f32],
    pub dim: usize,
    /// One label per item (e.g. [`main_genre`]).
    pub labels: &'a [String],
}

/// 2-D PCA scatter of the item vectors, coloured by label, with a legend
/// (the 12 most frequent labels get colours, the rest is "other").
pub fn embedding_map_svg(title: &str, map: &EmbeddingMap<'_>) -> String {
    let points = pca_2d(map.vectors, map.dim);
    let (width, height) = (820.0, 640.0);
    let (px0, py0, pw, ph) = (40.0, 50.0, 560.0, 560.0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif">"#
    );
    let _ = writeln!(
        s,
        r##"<rect width="100%" height="100%" fill="white"/><text x="{:.1}" y="28" text-anchor="middle" font-size="16">{}</text><rect x="{px0}" y="{py0}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>"##,
        px0 + pw / 2.0,
        xml_escape(title)
    );
    // label → colour by frequency (ties by name)
    let mut freq: std::collections::BTreeMap<&str, usize> = Default::default();
    for (i, _) in points.iter().enumerate() {
        let l = map.labels.get(i).map(String::as_str).unwrap_or("(none)");
        *freq.entry(l).or_default() += 1;
    }
    let mut order: Vec<(&str, usize)> = freq.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let colour_of = |label: &str| -> &'static str {
        order
            .iter()
            .take(PALETTE.len())
            .position(|(l, _)| *l == label)
            .map(|k| PALETTE[k])
            .unwrap_or(OTHER_COLOUR)
    };
    if points.is_empty() {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12">no data</text>"#,
            px0 + pw / 2.0,
            py0 + ph / 2.0
        );
    } else {
        let (mut xlo, mut xhi, mut ylo, mut yhi) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for p in points
            .iter()
            .filter(|p| p[0].is_finite() && p[1].is_finite())
        {
            xlo = xlo.min(p[0]);
            xhi = xhi.max(p[0]);
            ylo = ylo.min(p[1]);
            yhi = yhi.max(p[1]);
        }
        if xhi - xlo <= 1e-12 || xlo.is_infinite() || xhi.is_infinite() {
            xlo -= 1.0;
            xhi += 1.0;
        }
        if yhi - ylo <= 1e-12 || ylo.is_infinite() || yhi.is_infinite() {
            ylo -= 1.0;
            yhi += 1.0;
        }
        let m = 8.0;
        let sx = |x: f64| px0 + m + (x - xlo) / (xhi - xlo) * (pw - 2.0 * m);
        let sy = |y: f64| py0 + ph - m - (y - ylo) / (yhi - ylo) * (ph - 2.0 * m);
        // draw "other" first, then the coloured labels from rare to frequent
        let mut idx: Vec<usize> = (0..points.len()).collect();
        let rank = |i: usize| {
            let l = map.labels.get(i).map(String::as_str).unwrap_or("(none)");
            order
                .iter()
                .position(|(x, _)| *x == l)
                .unwrap_or(usize::MAX)
        };
        idx.sort_by_key(|&i| std::cmp::Reverse(rank(i)));
        s.push_str("<g class=\"points\" fill-opacity=\"0.75\">\n");
        for i in idx {
            let p = points[i];
            if !(p[0].is_finite() && p[1].is_finite()) {
                continue;
            }
            let l = map.labels.get(i).map(String::as_str).unwrap_or("(none)");
            let _ = writeln!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{}"/>"#,
                sx(p[0]),
                sy(p[1]),
                colour_of(l)
            );
        }
        s.push_str("</g>\n");
    }
    // legend
    s.push_str("<g class=\"legend\" font-size=\"12\">\n");
    let lx = px0 + pw + 24.0;
    let mut ly = py0 + 10.0;
    let mut entries: Vec<(String, &str)> = order
        .iter()
        .take(PALETTE.len())
        .map(|(l, c)| (format!("{l} ({c})"), colour_of(l)))
        .collect();
    if order.len() > PALETTE.len() {
        let rest: usize = order.iter().skip(PALETTE.len()).map(|(_, c)| c).sum();
        entries.push((format!("other ({rest})"), OTHER_COLOUR));
    }
    for (text, colour) in entries {
        let _ = writeln!(
            s,
            r#"<circle cx="{lx:.1}" cy="{ly:.1}" r="5" fill="{colour}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 10.0,
            ly + 4.0,
            xml_escape(&text)
        );
        ly += 20.0;
    }
    s.push_str("</g>\n");
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11">PC 1</text><text x="{:.1}" y="{:.1}" font-size="11" transform="rotate(-90 {:.1} {:.1})" text-anchor="middle">PC 2</text>"#,
        px0 + pw / 2.0,
        py0 + ph + 18.0,
        px0 - 12.0,
        py0 + ph / 2.0,
        px0 - 12.0,
        py0 + ph / 2.0
    );
    s.push_str("</svg>\n");
    s
}
