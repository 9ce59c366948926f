//! The training report: JSON (the schema of the trainer issue), a Markdown
//! table beside it, a training-curve SVG and an embedding-map SVG.
//!
//! ```json
//! {"dataset": {"name": "ml-100k", "users": 943, "items": 1682, "interactions": 100000},
//!  "split": {"train": 98114, "val": 943, "test": 943},
//!  "train_seconds": 41.2,
//!  "results": [{"model": "pinsage", "recommender": "history", "split": "test",
//!               "hr@10": 0.21, "ndcg@10": 0.11, "mrr": 0.09, "recall@20": 0.31,
//!               "coverage@10": 0.42}]}
//! ```
//!
//! `train_seconds` is PinSAGE wall time (sampling, training, final
//! embedding); baselines and evaluation are excluded. The pictures are
//! hand-written SVG (no plotting dependency).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::baselines::BaselineRun;
use crate::data::Split;
use crate::evaluate::{EvalSplit, Metrics};

/// `"dataset"` of the report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    pub name: String,
    pub users: usize,
    pub items: usize,
    pub interactions: usize,
}

/// `"split"` of the report: interaction counts per part.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SplitInfo {
    pub train: usize,
    pub val: usize,
    pub test: usize,
}

/// One row of `"results"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultRow {
    /// `"pinsage"`, `"popularity"`, `"itemknn"` or `"ease"`.
    pub model: String,
    /// `"history"`, `"recency"`, `"latest-item"` or `"-"`.
    pub recommender: String,
    /// `"val"` or `"test"`.
    pub split: EvalSplit,
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// The JSON report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub dataset: DatasetInfo,
    pub split: SplitInfo,
    pub train_seconds: f64,
    pub results: Vec<ResultRow>,
    /// Free-form lines for the Markdown file only (chosen baseline
    /// hyper-parameters, timings); not part of the JSON schema.
    #[serde(skip)]
    pub notes: Vec<String>,
}

impl Report {
    /// A report for `split` of the dataset `name` with no results yet.
    pub fn new(name: &str, split: &Split) -> Self {
        let (train, val, test) = (split.train_len(), split.val_len(), split.test_len());
        Self {
            dataset: DatasetInfo {
                name: name.to_string(),
                users: split.num_users(),
                items: split.num_items(),
                interactions: train + val + test,
            },
            split: SplitInfo { train, val, test },
            train_seconds: 0.0,
            results: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Add one row.
    pub fn push(&mut self, model: &str, recommender: &str, split: EvalSplit, metrics: Metrics) {
        self.results.push(ResultRow {
            model: model.to_string(),
            recommender: recommender.to_string(),
            split,
            metrics,
        });
    }

    /// Add a val row and a test row.
    pub fn push_pair(&mut self, model: &str, recommender: &str, val: Metrics, test: Metrics) {
        self.push(model, recommender, EvalSplit::Val, val);
        self.push(model, recommender, EvalSplit::Test, test);
    }

    /// Add the baselines' rows (val and test each) and a note per baseline
    /// with its chosen hyper-parameters and time.
    pub fn push_baselines(&mut self, runs: &[BaselineRun]) {
        for r in runs {
            self.push_pair(r.model, r.recommender, r.val, r.test);
            let params = if r.params.is_empty() {
                String::new()
            } else {
                format!(" ({})", r.params)
            };
            self.notes.push(format!(
                "{} / {}{}: {:.2} s",
                r.model, r.recommender, params, r.seconds
            ));
        }
    }

    /// The row of a model / recommender / split.
    pub fn get(&self, model: &str, recommender: &str, split: EvalSplit) -> Option<&Metrics> {
        self.results
            .iter()
            .find(|r| r.model == model && r.recommender == recommender && r.split == split)
            .map(|r| &r.metrics)
    }

    /// The best baseline row of a split (`"model / recommender"`, metrics)
    /// by HR@10, NDCG@10 breaking ties (the earlier row keeps a full tie);
    /// `None` without baselines.
    pub fn best_baseline(&self, split: EvalSplit) -> Option<(String, Metrics)> {
        self.baselines(split)
            .fold(None, |best: Option<(String, Metrics)>, r| match best {
                Some((n, m)) if (m.hr10, m.ndcg10) >= (r.metrics.hr10, r.metrics.ndcg10) => {
                    Some((n, m))
                }
                _ => Some((format!("{} / {}", r.model, r.recommender), r.metrics)),
            })
    }

    /// Whether the PinSAGE history row of a split is above every baseline
    /// row on both HR@10 and NDCG@10 (the trainer issue's comparison);
    /// false without a PinSAGE history row.
    pub fn pinsage_above_every_baseline(&self, split: EvalSplit) -> bool {
        self.get("pinsage", "history", split).is_some_and(|pin| {
            self.baselines(split)
                .all(|r| pin.hr10 > r.metrics.hr10 && pin.ndcg10 > r.metrics.ndcg10)
        })
    }

    fn baselines(&self, split: EvalSplit) -> impl Iterator<Item = &ResultRow> {
        self.results
            .iter()
            .filter(move |r| r.split == split && r.model != "pinsage")
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serialises")
    }

    /// The results table in Markdown: the rows of each split of `splits`,
    /// in that order.
    pub fn table(&self, splits: &[EvalSplit]) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "| model | recommender | split | HR@10 | NDCG@10 | MRR | Recall@20 | Coverage@10 |"
        );
        let _ = writeln!(s, "|---|---|---|---:|---:|---:|---:|---:|");
        for &which in splits {
            for r in self.results.iter().filter(|r| r.split == which) {
                let m = &r.metrics;
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} |",
                    r.model,
                    r.recommender,
                    r.split,
                    m.hr10,
                    m.ndcg10,
                    m.mrr,
                    m.recall20,
                    m.coverage10
                );
            }
        }
        s
    }

    /// The Markdown table (test rows first, then val), with a header naming
    /// the dataset and the split sizes.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let d = &self.dataset;
        let _ = writeln!(s, "# reelgraph training report: {}\n", d.name);
        let _ = writeln!(
            s,
            "{} users, {} items, {} interactions; split train {} / val {} / test {}; \
             PinSAGE train time {:.1} s.\n",
            d.users,
            d.items,
            d.interactions,
            self.split.train,
            self.split.val,
            self.split.test,
            self.train_seconds
        );
        s.push_str(&self.table(&[EvalSplit::Test, EvalSplit::Val]));
        if !self.notes.is_empty() {
            let _ = writeln!(s, "\nNotes:\n");
            for n in &self.notes {
                let _ = writeln!(s, "- {n}");
            }
        }
        s
    }
}

// ---------------------------------------------------------------------------
// SVG helpers
// ---------------------------------------------------------------------------

/// XML-escape text content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// "Nice" tick values covering `[lo, hi]` (about `count` of them).
fn ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if hi <= lo || !lo.is_finite() || !hi.is_finite() {
        return vec![lo];
    }
    let raw = (hi - lo) / count.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * mag);
    let mut v = Vec::new();
    let mut t = (lo / step).ceil() * step;
    while t <= hi + step * 1e-9 {
        v.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        t += step;
    }
    v
}

fn fmt_tick(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// A 12-colour qualitative palette (Tableau-like), then grey for "other".
const PALETTE: [&str; 12] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#17becf", "#bcbd22", "#8c564b",
];
const OTHER_COLOUR: &str = "#bab0ac";

// ---------------------------------------------------------------------------
// Training curve
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Embedding map
// ---------------------------------------------------------------------------

/// The main genre of a movie: its first listed genre, or `"(none)"`.
pub fn main_genre(movie: &reelgraph_core::types::Movie) -> String {
    movie
        .genres
        .first()
        .cloned()
        .unwrap_or_else(|| "(none)".to_string())
}

/// The top two principal components of row vectors (`n × dim`, row-major)
/// by power iteration with deflation on the `dim × dim` covariance; returns
/// each row's 2-D projection. Deterministic.
pub fn pca_2d(vectors: &[f32], dim: usize) -> Vec<[f64; 2]> {
    if dim == 0 {
        return Vec::new();
    }
    let n = vectors.len() / dim;
    if n == 0 {
        return Vec::new();
    }
    let mut mean = vec![0.0f64; dim];
    for row in vectors.chunks_exact(dim) {
        for (m, &x) in mean.iter_mut().zip(row) {
            *m += x as f64;
        }
    }
    for m in &mut mean {
        *m /= n as f64;
    }
    let mut cov = vec![0.0f64; dim * dim];
    let mut c = vec![0.0f64; dim];
    for row in vectors.chunks_exact(dim) {
        for (k, (&x, m)) in row.iter().zip(&mean).enumerate() {
            c[k] = x as f64 - m;
        }
        for a in 0..dim {
            let ca = c[a];
            if ca == 0.0 {
                continue;
            }
            for b in 0..dim {
                cov[a * dim + b] += ca * c[b];
            }
        }
    }
    let mut components: Vec<Vec<f64>> = Vec::new();
    for comp in 0..2 {
        // deterministic, non-degenerate start
        let mut v: Vec<f64> = (0..dim)
            .map(|k| 1.0 + ((k * 7 + comp * 13) % 11) as f64 / 11.0)
            .collect();
        let mut w = vec![0.0f64; dim];
        for _ in 0..500 {
            for a in 0..dim {
                w[a] = (0..dim).map(|b| cov[a * dim + b] * v[b]).sum();
            }
            // deflate: remove earlier components
            for prev in &components {
                let d: f64 = w.iter().zip(prev).map(|(x, y)| x * y).sum();
                for (x, y) in w.iter_mut().zip(prev) {
                    *x -= d * y;
                }
            }
            let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm < 1e-300 {
                break;
            }
            let mut delta = 0.0;
            for (x, y) in v.iter_mut().zip(&w) {
                let nv = y / norm;
                delta += (nv - *x).abs();
                *x = nv;
            }
            if delta < 1e-12 {
                break;
            }
        }
        // sign convention: largest-magnitude coordinate positive
        let (_, &big) = v
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .expect("dim > 0");
        if big < 0.0 {
            v.iter_mut().for_each(|x| *x = -*x);
        }
        components.push(v);
    }
    vectors
        .chunks_exact(dim)
        .map(|row| {
            let mut p = [0.0f64; 2];
            for (k, comp) in components.iter().enumerate() {
                p[k] = row
                    .iter()
                    .zip(&mean)
                    .zip(comp)
                    .map(|((&x, m), c)| (x as f64 - m) * c)
                    .sum();
            }
            p
        })
        .collect()
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

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// Where [`write_all`] put the four files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportFiles {
    pub json: PathBuf,
    pub markdown: PathBuf,
    pub curve_svg: PathBuf,
    pub map_svg: PathBuf,
}

impl ReportFiles {
    /// File names for a report path: a directory (existing, or written with a
    /// trailing `/`) gets `report.json`, `report.md`, `training_curve.svg`,
    /// `embedding_map.svg`; a file path `X.json` gets `X.json`, `X.md`,
    /// `X.curve.svg`, `X.embeddings.svg` beside it.
    pub fn for_path(path: &Path) -> Self {
        let as_dir = path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/');
        if as_dir {
            return Self {
                json: path.join("report.json"),
                markdown: path.join("report.md"),
                curve_svg: path.join("training_curve.svg"),
                map_svg: path.join("embedding_map.svg"),
            };
        }
        let json = if path.extension().is_some_and(|e| e == "json") {
            path.to_path_buf()
        } else {
            let mut p = path.as_os_str().to_owned();
            p.push(".json");
            PathBuf::from(p)
        };
        let with = |suffix: &str| json.with_extension(suffix);
        Self {
            markdown: with("md"),
            curve_svg: with("curve.svg"),
            map_svg: with("embeddings.svg"),
            json,
        }
    }
}

/// Write the JSON report, the Markdown table, the training curve and the
/// embedding map (see [`ReportFiles::for_path`] for the names). Parent
/// directories are created.
pub fn write_all(
    path: &Path,
    report: &Report,
    epochs: &[EpochPoint],
    map: &EmbeddingMap<'_>,
) -> anyhow::Result<ReportFiles> {
    let files = ReportFiles::for_path(path);
    if let Some(dir) = files.json.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let name = &report.dataset.name;
    let write = |p: &Path, body: String| {
        std::fs::write(p, body).with_context(|| format!("writing {}", p.display()))
    };
    write(&files.json, report.to_json() + "\n")?;
    write(&files.markdown, report.to_markdown())?;
    write(
        &files.curve_svg,
        training_curve_svg(&format!("PinSAGE training on {name}"), epochs),
    )?;
    write(
        &files.map_svg,
        embedding_map_svg(
            &format!("{name}: item vectors, 2-D PCA, coloured by main genre"),
            map,
        ),
    )?;
    Ok(files)
}
