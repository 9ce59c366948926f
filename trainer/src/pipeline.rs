//! The whole training job, as `reelgraph train` runs it:
//!
//! data → split (+ visitors' feedback) → graph → train PinSAGE (validated every epoch) → evaluate
//! (history and latest-item recommenders, val and test) → baselines → report
//! → export.
//!
//! [`train_and_evaluate`] does the CPU work and returns everything the
//! export needs; [`export`] publishes it as a new model version (async,
//! through an [`ObjectStore`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::Context as _;
use bytes::Bytes;
use reelgraph_core::artifact::{DatasetInfo, Manifest};
use reelgraph_core::object::ObjectStore;
use reelgraph_core::types::Movie;
use serde_json::json;

use crate::baselines::{BaselineConfig, run_baselines};
use crate::data::{self, IngestReport, LoadOptions, Split};
use crate::evaluate::{EvalSplit, HistoryVectors, ItemVectors, LatestItem, Metrics, evaluate};
use crate::feedback::{self, Feedback};
use crate::graph::Graph;
use crate::model::ModelConfig;
use crate::report::{self, EmbeddingMap, EpochPoint, Report, ReportFiles};
use crate::train::{self, Outcome, RunOptions, TrainConfig};

/// Decays tried on validation for the history recommender (as the recency
/// baselines), when none is given.
pub const DECAY_GRID: [f32; 8] = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3];

/// What to train on and how.
#[derive(Clone, Debug)]
pub struct PipelineOptions {
    pub data: PathBuf,
    pub load: LoadOptions,
    pub train: TrainConfig,
    /// `None`: no baselines (`--no-baselines`).
    pub baselines: Option<BaselineConfig>,
    /// Decay of the history recommender; `None`: chosen on validation from
    /// [`DECAY_GRID`] (early stopping watches the best decay of the grid).
    pub decay: Option<f32>,
    /// Report path (see [`ReportFiles::for_path`]); `None`: a temporary
    /// directory (the report still goes into the exported version).
    pub report: Option<PathBuf>,
    pub run: RunOptions,
    /// Site visitors' feedback added to the train split ([`crate::feedback`];
    /// `--feedback`). A run with a checkpoint directory keeps it there
    /// (`feedback.json`) and a resumed run trains on that copy, so it is
    /// the same computation as an uncut one.
    pub feedback: Option<Feedback>,
}

impl PipelineOptions {
    pub fn new(data: impl Into<PathBuf>) -> Self {
        PipelineOptions {
            data: data.into(),
            load: LoadOptions::default(),
            train: TrainConfig::default(),
            baselines: Some(BaselineConfig::default()),
            decay: None,
            report: None,
            run: RunOptions::default(),
            feedback: None,
        }
    }
}

/// A trained, evaluated model ready to export.
pub struct Finished {
    pub ingest: IngestReport,
    pub dataset: DatasetInfo,
    /// Catalogue order, with `popularity` = train interaction count.
    pub movies: Vec<Movie>,
    pub vectors: Vec<f32>,
    pub dim: usize,
    pub model_config: ModelConfig,
    pub checkpoint: Vec<u8>,
    pub report: Report,
    pub report_files: ReportFiles,
    /// Decay of the history recommender (given or chosen on validation).
    pub decay: f32,
    pub best_epoch: usize,
    /// Epochs trained (early stopping may end before the maximum).
    pub epochs_run: usize,
    /// Keeps a temporary report directory alive until the export.
    _report_dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Finished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Finished")
            .field("dataset", &self.dataset)
            .field("dim", &self.dim)
            .field("decay", &self.decay)
            .field("best_epoch", &self.best_epoch)
            .finish_non_exhaustive()
    }
}

impl Finished {
    /// The PinSAGE history row of a split.
    pub fn pinsage(&self, split: EvalSplit) -> Option<&Metrics> {
        self.report.get("pinsage", "history", split)
    }
}

pub enum PipelineOutcome {
    Finished(Box<Finished>),
    /// Stopped on request (Ctrl-C); a checkpoint lets `--resume` continue.
    Interrupted {
        checkpoint_dir: Option<PathBuf>,
    },
}

/// The history recommender's decay with the best validation HR@10 (the
/// earlier grid entry keeps a tie), and its validation metrics.
pub fn choose_decay(split: &Split, vectors: &[f32], dim: usize, grid: &[f32]) -> (f32, Metrics) {
    let mut best: Option<(f32, Metrics)> = None;
    for &d in grid {
        let m = evaluate(
            split,
            &HistoryVectors::new(ItemVectors::new(vectors, dim), d),
            EvalSplit::Val,
        );
        if best.as_ref().is_none_or(|(_, b)| m.hr10 > b.hr10) {
            best = Some((d, m));
        }
    }
    best.expect("a non-empty decay grid")
}

/// Load the data, train, evaluate, run the baselines and write the report.
pub fn train_and_evaluate(opts: &PipelineOptions) -> anyhow::Result<PipelineOutcome> {
    // Checked before reading the data: a bad setting fails at once.
    opts.train.validate()?;
    if let Some(d) = opts.decay {
        anyhow::ensure!((0.0..=1.0).contains(&d), "--decay must be between 0 and 1");
    }
    let (ds, ingest) = data::load(&opts.data, &opts.load)
        .with_context(|| format!("reading the dataset in {}", opts.data.display()))?;
    let mut split = data::split(&ds)?;
    anyhow::ensure!(
        split.val_len() > 0,
        "{}: no user has 3 or more interactions, so there is nothing to validate on",
        opts.data.display()
    );
    // The report counts the base dataset: the evaluation runs on its users.
    let mut rep = Report::new(&ds.name, &split);
    if let Some(fb) = feedback_of_run(opts)? {
        let used = feedback::add_to_split(&mut split, &fb);
        tracing::info!("{used}");
        rep.notes.push(used.to_string());
        rep.feedback = Some(used);
    }
    tracing::info!(
        "{}: {} users, {} items, {} train / {} val / {} test interactions",
        ds.name,
        split.num_users(),
        split.num_items(),
        split.train_len(),
        split.val_len(),
        split.test_len()
    );
    let counts = split.item_train_counts();
    let mut movies = ds.movies.clone();
    for (m, &c) in movies.iter_mut().zip(&counts) {
        m.popularity = c;
    }
    let graph = Arc::new(Graph::from_split(&split));

    // Early stopping watches val HR@10 of the history recommender: with the
    // given decay, else with the best decay of the grid (as finally chosen).
    let watch: Vec<f32> = match opts.decay {
        Some(d) => vec![d],
        None => DECAY_GRID.to_vec(),
    };
    let mut validation_seconds = 0.0;
    let mut validate = |v: &[f32], dim: usize| {
        let t = Instant::now();
        let (_, m) = choose_decay(&split, v, dim, &watch);
        validation_seconds += t.elapsed().as_secs_f64();
        m.hr10
    };
    let trained = match train::train(graph, &movies, &opts.train, &opts.run, &mut validate)? {
        Outcome::Finished(t) => t,
        Outcome::Interrupted { checkpoint_dir } => {
            return Ok(PipelineOutcome::Interrupted { checkpoint_dir });
        }
    };
    let dim = trained.config.dim;
    let train_seconds = (trained.seconds - validation_seconds).max(0.0);

    rep.train_seconds = train_seconds;
    let (decay, val_h) = match opts.decay {
        Some(d) => (
            d,
            evaluate(&split, &history(&trained.vectors, dim, d), EvalSplit::Val),
        ),
        None => choose_decay(&split, &trained.vectors, dim, &DECAY_GRID),
    };
    let test_h = evaluate(
        &split,
        &history(&trained.vectors, dim, decay),
        EvalSplit::Test,
    );
    rep.push_pair("pinsage", "history", val_h, test_h);
    let latest = LatestItem::new(ItemVectors::new(&trained.vectors[..], dim));
    rep.push_pair(
        "pinsage",
        "latest-item",
        evaluate(&split, &latest, EvalSplit::Val),
        evaluate(&split, &latest, EvalSplit::Test),
    );
    rep.notes.push(format!(
        "pinsage / history (decay={decay}): best epoch {} of {}, {train_seconds:.1} s",
        trained.best_epoch,
        trained.history.len()
    ));
    if let Some(cfg) = &opts.baselines {
        let t = Instant::now();
        let runs = run_baselines(&split, cfg, opts.run.progress)?;
        rep.push_baselines(&runs);
        tracing::info!("baselines in {:.1}s", t.elapsed().as_secs_f64());
    }

    let (report_path, report_dir) = match &opts.report {
        Some(p) => (p.clone(), None),
        None => {
            let dir = tempfile::tempdir()?;
            (dir.path().join("report.json"), Some(dir))
        }
    };
    let epochs: Vec<EpochPoint> = trained
        .history
        .iter()
        .map(|e| EpochPoint {
            epoch: e.epoch,
            loss: e.loss,
            val_hr10: e.val,
        })
        .collect();
    let labels: Vec<String> = movies.iter().map(report::main_genre).collect();
    let report_files = report::write_all(
        &report_path,
        &rep,
        &epochs,
        &EmbeddingMap {
            vectors: &trained.vectors,
            dim,
            labels: &labels,
        },
    )?;

    let dataset = DatasetInfo {
        name: ds.name.clone(),
        fingerprint: ds.fingerprint.clone(),
        users: rep.dataset.users,
        items: rep.dataset.items,
        interactions: rep.dataset.interactions,
    };
    let trained = *trained;
    Ok(PipelineOutcome::Finished(Box::new(Finished {
        ingest,
        dataset,
        movies,
        vectors: trained.vectors,
        dim,
        model_config: trained.config,
        checkpoint: trained.checkpoint,
        report: rep,
        report_files,
        decay,
        best_epoch: trained.best_epoch,
        epochs_run: trained.history.len(),
        _report_dir: report_dir,
    })))
}

/// The feedback snapshot's name in a checkpoint directory.
pub const FEEDBACK_SNAPSHOT: &str = "feedback.json";

/// The feedback this run trains on: a resumed run takes its checkpoint's
/// copy; a new run with a checkpoint directory leaves its copy there (and
/// removes a stale one).
fn feedback_of_run(opts: &PipelineOptions) -> anyhow::Result<Option<Feedback>> {
    let snapshot = opts
        .run
        .checkpoint_dir
        .as_ref()
        .map(|d| d.join(FEEDBACK_SNAPSHOT));
    if opts.run.resume {
        if let Some(p) = snapshot.as_ref().filter(|p| p.exists()) {
            return Ok(Some(Feedback::read_file(p)?));
        }
        anyhow::ensure!(
            opts.feedback.is_none(),
            "the checkpoint was trained without feedback: resume without --feedback"
        );
        return Ok(None);
    }
    if let Some(p) = &snapshot {
        match &opts.feedback {
            Some(fb) => fb.write_file(p)?,
            None if p.exists() => std::fs::remove_file(p)
                .with_context(|| format!("removing the stale {}", p.display()))?,
            None => {}
        }
    }
    Ok(opts.feedback.clone())
}

fn history(v: &[f32], dim: usize, decay: f32) -> HistoryVectors<&[f32]> {
    HistoryVectors::new(ItemVectors::new(v, dim), decay)
}

/// File names of the report inside an exported version.
pub const REPORT_FILES: [&str; 4] = [
    "report.json",
    "report.md",
    "training_curve.svg",
    "embedding_map.svg",
];

fn read(p: &Path) -> anyhow::Result<Bytes> {
    Ok(Bytes::from(
        std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
    ))
}

/// Publish `f` as a new version of the model root `store` (`latest` last).
pub async fn export(store: &dyn ObjectStore, f: &Finished) -> anyhow::Result<Manifest> {
    let rf = &f.report_files;
    let extra = vec![
        (REPORT_FILES[0].to_string(), read(&rf.json)?),
        (REPORT_FILES[1].to_string(), read(&rf.markdown)?),
        (REPORT_FILES[2].to_string(), read(&rf.curve_svg)?),
        (REPORT_FILES[3].to_string(), read(&rf.map_svg)?),
    ];
    let test = f.pinsage(EvalSplit::Test).copied().unwrap_or_default();
    let val = f.pinsage(EvalSplit::Val).copied().unwrap_or_default();
    let metrics = json!({
        "recommender": "history",
        "decay": f.decay,
        "best_epoch": f.best_epoch,
        "train_seconds": f.report.train_seconds,
        "test": test,
        "val": val,
    });
    crate::export::export(
        store,
        crate::export::Export {
            model: "pinsage",
            vectors: &f.vectors,
            dim: f.dim,
            movies: &f.movies,
            model_config: &f.model_config,
            checkpoint: &f.checkpoint,
            extra,
            dataset: f.dataset.clone(),
            metrics,
        },
    )
    .await
}

/// A stop flag for [`RunOptions::stop`].
pub fn stop_flag() -> Arc<AtomicBool> {
    Arc::new(AtomicBool::new(false))
}
