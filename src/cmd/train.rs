//! `reelgraph train --data DIR [--metadata FILE] --out URI [--report FILE] …`
//!
//! Trains PinSAGE on the train split, evaluates it next to the baselines,
//! writes the report and publishes a new model version to `--out` (a local
//! directory or `s3://bucket/prefix`). Ctrl-C saves a checkpoint and exits;
//! `--resume` continues from it.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use anyhow::Context;
use reelgraph_core::config::Config;
use reelgraph_core::store::object;
use reelgraph_trainer::baselines::BaselineConfig;
use reelgraph_trainer::data::LoadOptions;
use reelgraph_trainer::evaluate::EvalSplit;
use reelgraph_trainer::pipeline::{self, PipelineOptions, PipelineOutcome};
use reelgraph_trainer::train::{Loss, RunOptions, TrainConfig};

/// `--loss`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossArg {
    Softmax,
    MaxMargin,
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct TrainArgs {
    /// Dataset directory (env REELGRAPH_DATA).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// OMDb metadata file (`ID::{json}` lines) joined into the catalogue.
    #[arg(long)]
    pub metadata: Option<PathBuf>,
    /// Model root: a local directory or `s3://bucket/prefix` (env REELGRAPH_MODELS).
    #[arg(long)]
    pub out: Option<String>,
    /// Report path: `FILE.json` (with `.md` and two SVGs beside it) or a directory.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Maximum epochs.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Seed of every random choice (sampling, initialisation).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Vector dimension.
    #[arg(long)]
    pub dim: Option<usize>,
    /// Learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Epochs without a better val HR@10 before stopping.
    #[arg(long)]
    pub patience: Option<usize>,
    /// Steps per epoch (default: one pass over the train interactions).
    #[arg(long)]
    pub steps_per_epoch: Option<usize>,
    /// Triples per batch.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Random walks per item for the importance neighbourhoods.
    #[arg(long)]
    pub walks: Option<usize>,
    /// Item→user→item hops per walk.
    #[arg(long)]
    pub walk_length: Option<usize>,
    /// Restart probability after each hop.
    #[arg(long)]
    pub restart: Option<f64>,
    /// Neighbours kept per item.
    #[arg(long)]
    pub top_t: Option<usize>,
    /// Learning-rate multiplier reached at the last epoch (linear decay from 1).
    #[arg(long)]
    pub lr_final: Option<f64>,
    /// The loss: `softmax` (in-batch sampled softmax, the default) or
    /// `max-margin` (the PinSAGE paper's hinge).
    #[arg(long, value_enum)]
    pub loss: Option<LossArg>,
    /// Margin of the max-margin loss.
    #[arg(long)]
    pub margin: Option<f32>,
    /// Negatives per (query, positive) pair; the loss averages their hinges.
    #[arg(long)]
    pub negatives: Option<usize>,
    /// Share of random negatives drawn in proportion to popularity (0..1).
    #[arg(long)]
    pub pop_negatives: Option<f64>,
    /// `true`: every item of the batch is a negative of each query in the loss;
    /// `false`: only the sampled negatives (default: true).
    #[arg(long)]
    pub in_batch: Option<bool>,
    /// Temperature of the softmax loss: scores are `<q, v> / T` (default 2).
    #[arg(long)]
    pub softmax_temperature: Option<f32>,
    /// Share of hard negatives once phased in (0 = off).
    #[arg(long)]
    pub hard_fraction: Option<f64>,
    /// Positive window: items within this many positions of the query in the
    /// user's timeline (0 = anywhere in the history).
    #[arg(long)]
    pub window: Option<usize>,
    /// Probability of dropping an item's id embedding during training.
    #[arg(long)]
    pub id_dropout: Option<f64>,
    /// Decay of the history recommender (default: chosen on validation).
    #[arg(long)]
    pub decay: Option<f32>,
    /// Skip the baselines (popularity, ItemKNN, EASE) in the report.
    #[arg(long)]
    pub no_baselines: bool,
    /// Drop ratings below this before splitting.
    #[arg(long)]
    pub min_rating: Option<f32>,
    /// Count malformed lines instead of stopping at the first one.
    #[arg(long)]
    pub skip_bad_lines: bool,
    /// Checkpoint directory (default: OUT/checkpoint for a local OUT, else ./checkpoint).
    #[arg(long)]
    pub checkpoint_dir: Option<PathBuf>,
    /// Continue from the checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

impl TrainArgs {
    /// The training settings: defaults with the flags given.
    pub fn train_config(&self) -> TrainConfig {
        let mut c = TrainConfig::default();
        let set = |slot: &mut usize, v: Option<usize>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        set(&mut c.epochs, self.epochs);
        set(&mut c.dim, self.dim);
        set(&mut c.patience, self.patience);
        set(&mut c.sampler.batch_size, self.batch_size);
        set(&mut c.sampler.walk.num_walks, self.walks);
        set(&mut c.sampler.walk.walk_length, self.walk_length);
        set(&mut c.sampler.walk.top_t, self.top_t);
        set(&mut c.sampler.negatives, self.negatives);
        set(&mut c.sampler.window, self.window);
        let setf = |slot: &mut f64, v: Option<f64>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        setf(&mut c.lr_final, self.lr_final);
        setf(&mut c.sampler.pop_negatives, self.pop_negatives);
        setf(&mut c.sampler.hard.max_fraction, self.hard_fraction);
        setf(&mut c.sampler.id_dropout, self.id_dropout);
        if let Some(v) = self.in_batch {
            c.in_batch = v;
        }
        if let Some(l) = self.loss {
            c.loss = match l {
                LossArg::Softmax => Loss::Softmax,
                LossArg::MaxMargin => Loss::MaxMargin,
            };
        }
        if let Some(t) = self.softmax_temperature {
            c.temperature = t;
        }
        if let Some(v) = self.margin {
            c.margin = v;
        }
        if let Some(v) = self.seed {
            c.seed = v;
        }
        if let Some(v) = self.lr {
            c.lr = v;
        }
        if let Some(v) = self.restart {
            c.sampler.walk.restart = v;
        }
        if self.steps_per_epoch.is_some() {
            c.steps_per_epoch = self.steps_per_epoch;
        }
        c
    }

    fn validate(&self, c: &TrainConfig) -> anyhow::Result<()> {
        anyhow::ensure!(c.epochs >= 1, "--epochs must be at least 1");
        anyhow::ensure!(c.dim >= 2, "--dim must be at least 2");
        anyhow::ensure!(c.patience >= 1, "--patience must be at least 1");
        anyhow::ensure!(c.sampler.batch_size >= 1, "--batch-size must be at least 1");
        anyhow::ensure!(c.lr > 0.0 && c.lr.is_finite(), "--lr must be positive");
        anyhow::ensure!(
            (0.0..=1.0).contains(&c.sampler.walk.restart),
            "--restart must be between 0 and 1"
        );
        anyhow::ensure!(c.sampler.walk.top_t >= 1, "--top-t must be at least 1");
        anyhow::ensure!(c.sampler.negatives >= 1, "--negatives must be at least 1");
        for (name, v) in [
            ("--pop-negatives", c.sampler.pop_negatives),
            ("--hard-fraction", c.sampler.hard.max_fraction),
            ("--id-dropout", c.sampler.id_dropout),
            ("--lr-final", c.lr_final),
        ] {
            anyhow::ensure!((0.0..=1.0).contains(&v), "{name} must be between 0 and 1");
        }
        anyhow::ensure!(
            c.margin >= 0.0 && c.margin.is_finite(),
            "--margin must be non-negative"
        );
        anyhow::ensure!(
            c.temperature > 0.0 && c.temperature.is_finite(),
            "--softmax-temperature must be positive"
        );
        if let Some(d) = self.decay {
            anyhow::ensure!((0.0..=1.0).contains(&d), "--decay must be between 0 and 1");
        }
        Ok(())
    }
}

/// Default checkpoint directory for a model root.
pub fn default_checkpoint_dir(out: &str) -> PathBuf {
    if out.starts_with("s3://") {
        PathBuf::from("checkpoint")
    } else {
        PathBuf::from(out.strip_prefix("file://").unwrap_or(out)).join("checkpoint")
    }
}

pub fn run(args: TrainArgs, config: &Config) -> anyhow::Result<()> {
    let data = args
        .data
        .clone()
        .or_else(|| config.data.as_ref().map(PathBuf::from))
        .context("--data: no dataset directory given (or set REELGRAPH_DATA)")?;
    let out = args
        .out
        .clone()
        .or_else(|| config.models.clone())
        .context("--out: no model root given (or set REELGRAPH_MODELS)")?;
    let rt = tokio::runtime::Runtime::new()?;
    match train_and_export(&rt, &args, &data, &out)? {
        Some(version) => {
            println!("exported version {version} to {out}");
            Ok(())
        }
        None => std::process::exit(130),
    }
}

/// Train, print the summary and export. `Ok(None)`: interrupted (checkpoint saved).
pub fn train_and_export(
    rt: &tokio::runtime::Runtime,
    args: &TrainArgs,
    data: &std::path::Path,
    out: &str,
) -> anyhow::Result<Option<u64>> {
    let train = args.train_config();
    args.validate(&train)?;
    // Open the model root first: a bad --out fails before hours of training.
    let store = rt
        .block_on(object::open(out))
        .with_context(|| format!("--out {out}"))?;
    let stop = pipeline::stop_flag();
    {
        let stop = stop.clone();
        rt.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\ninterrupted: saving a checkpoint (Ctrl-C again to quit at once)");
                stop.store(true, Ordering::SeqCst);
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
    }
    let opts = PipelineOptions {
        data: data.to_path_buf(),
        load: LoadOptions {
            metadata: args.metadata.clone(),
            min_rating: args.min_rating,
            skip_bad_lines: args.skip_bad_lines,
        },
        train,
        baselines: (!args.no_baselines).then(BaselineConfig::default),
        decay: args.decay,
        report: args.report.clone(),
        run: RunOptions {
            checkpoint_dir: Some(
                args.checkpoint_dir
                    .clone()
                    .unwrap_or_else(|| default_checkpoint_dir(out)),
            ),
            resume: args.resume,
            progress: !args.quiet,
            stop: Some(stop),
        },
    };
    let finished = match pipeline::train_and_evaluate(&opts)? {
        PipelineOutcome::Finished(f) => f,
        PipelineOutcome::Interrupted { checkpoint_dir } => {
            if let Some(d) = checkpoint_dir {
                eprintln!(
                    "checkpoint saved in {}; continue with the same flags and --resume",
                    d.display()
                );
            }
            return Ok(None);
        }
    };
    print!("{}", finished.report.to_markdown());
    if let Some(m) = finished.pinsage(EvalSplit::Test) {
        println!(
            "\nPinSAGE (history, decay {}): test {m}\ntrained in {:.1}s (best epoch {})",
            finished.decay, finished.report.train_seconds, finished.best_epoch,
        );
    }
    if args.report.is_some() {
        println!("report: {}", finished.report_files.json.display());
    }
    let manifest = rt
        .block_on(pipeline::export(store.as_ref(), &finished))
        .with_context(|| format!("exporting to {out}"))?;
    Ok(Some(manifest.version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        train: TrainArgs,
    }

    fn parse(args: &[&str]) -> TrainArgs {
        Cli::try_parse_from(std::iter::once("train").chain(args.iter().copied()))
            .unwrap()
            .train
    }

    #[test]
    fn loss_flags() {
        let c = parse(&[]).train_config();
        assert_eq!(
            (c.loss, c.temperature),
            (Loss::Softmax, 2.0),
            "the defaults"
        );
        let a = parse(&["--loss", "max-margin", "--margin", "0.5"]);
        let c = a.train_config();
        assert_eq!((c.loss, c.margin), (Loss::MaxMargin, 0.5));
        a.validate(&c).unwrap();
        let c = parse(&["--loss", "softmax", "--softmax-temperature", "0.5"]).train_config();
        assert_eq!((c.loss, c.temperature), (Loss::Softmax, 0.5));
        assert!(Cli::try_parse_from(["train", "--loss", "hinge"]).is_err());
        for t in ["0", "-1", "inf"] {
            let a = parse(&[&format!("--softmax-temperature={t}")]);
            let e = a.validate(&a.train_config()).unwrap_err().to_string();
            assert_eq!(e, "--softmax-temperature must be positive", "{t}");
        }
    }
}
