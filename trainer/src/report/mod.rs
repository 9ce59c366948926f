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
//! hand-written SVG (no plotting dependency), one module per concern: the
//! SVG primitives (`svg`), the training curve (`curve`), the embedding map
//! (`map`) on a 2-D PCA (`pca`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::baselines::BaselineRun;
use crate::data::Split;
use crate::evaluate::{EvalSplit, Metrics};

mod curve;
mod map;
mod pca;
mod svg;

pub use curve::{EpochPoint, training_curve_svg};
pub use map::{EmbeddingMap, embedding_map_svg, main_genre};
pub use pca::pca_2d;

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
    /// The site visitors' feedback added to the training data
    /// (`--feedback`); absent without it. `dataset` and `split` count the
    /// base dataset only: the evaluation runs on its users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<crate::feedback::FeedbackUsed>,
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
            feedback: None,
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
