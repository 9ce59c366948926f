//! `reelgraph train --data DIR [--metadata FILE] --out URI [--report FILE] …`
//!
//! Trains PinSAGE on the train split, evaluates it next to the baselines,
//! writes the report and publishes a new model version to `--out` (a local
//! directory or `s3://bucket/prefix`). Ctrl-C saves a checkpoint and exits;
//! `--resume` continues from it.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use anyhow::Context;
use reelgraph_core::object;
use reelgraph_core::settings::{self as s, ModelsSpec, Sources};
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

impl From<LossArg> for Loss {
    fn from(l: LossArg) -> Loss {
        match l {
            LossArg::Softmax => Loss::Softmax,
            LossArg::MaxMargin => Loss::MaxMargin,
        }
    }
}

/// Declares each training flag once: its type, its help and the field of
/// [`TrainConfig`] it sets (defaults: `TrainConfig::default()`; validation:
/// `TrainConfig::validate`).
macro_rules! train_flags {
    ($( $(#[doc = $doc:literal])+ $(#[arg($($arg:tt)*)])? $flag:ident : $ty:ty => $($field:ident).+ ; )*) => {
        /// The training settings a run may override.
        #[derive(clap::Args, Debug, Clone, Default)]
        pub struct TrainFlags {
            $( $(#[doc = $doc])+ #[arg(long $(, $($arg)*)?)] pub $flag: Option<$ty>, )*
        }

        impl TrainFlags {
            /// `TrainConfig::default()` with the flags given.
            pub fn train_config(&self) -> TrainConfig {
                let mut c = TrainConfig::default();
                $( if let Some(v) = self.$flag.clone() { c.$($field).+ = v.into(); } )*
                c
            }
        }
    };
}

train_flags! {
    /// Maximum epochs.
    epochs: usize => epochs;
    /// Seed of every random choice (sampling, initialisation).
    seed: u64 => seed;
    /// Vector dimension.
    dim: usize => dim;
    /// Learning rate.
    lr: f64 => lr;
    /// Epochs without a better val HR@10 before stopping.
    patience: usize => patience;
    /// Steps per epoch (default: one pass over the train interactions).
    steps_per_epoch: usize => steps_per_epoch;
    /// Triples per batch.
    batch_size: usize => sampler.batch_size;
    /// Random walks per item for the importance neighbourhoods.
    walks: usize => sampler.walk.num_walks;
    /// Item→user→item hops per walk.
    walk_length: usize => sampler.walk.walk_length;
    /// Restart probability after each hop.
    restart: f64 => sampler.walk.restart;
    /// Neighbours kept per item.
    top_t: usize => sampler.walk.top_t;
    /// Learning-rate multiplier reached at the last epoch (linear decay from 1).
    lr_final: f64 => lr_final;
    /// The loss: `softmax` (in-batch sampled softmax, the default) or
    /// `max-margin` (the PinSAGE paper's hinge).
    #[arg(value_enum)]
    loss: LossArg => loss;
    /// Margin of the max-margin loss.
    margin: f32 => margin;
    /// Negatives per (query, positive) pair; the loss averages their hinges.
    negatives: usize => sampler.negatives;
    /// Share of random negatives drawn in proportion to popularity (0..1).
    pop_negatives: f64 => sampler.pop_negatives;
    /// `true`: every item of the batch is a negative of each query in the loss;
    /// `false`: only the sampled negatives (default: true).
    in_batch: bool => in_batch;
    /// Temperature of the softmax loss: scores are `<q, v> / T` (default 2).
    softmax_temperature: f32 => temperature;
    /// Share of hard negatives once phased in (0 = off).
    hard_fraction: f64 => sampler.hard.max_fraction;
    /// Positive window: items within this many positions of the query in the
    /// user's timeline (0 = anywhere in the history).
    window: usize => sampler.window;
    /// Probability of dropping an item's id embedding during training.
    id_dropout: f64 => sampler.id_dropout;
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct TrainArgs {
    #[arg(long = s::DATA.long(), env = s::DATA.env, help = s::DATA.help)]
    pub data: Option<PathBuf>,
    /// OMDb metadata file (`ID::{json}` lines) joined into the catalogue.
    #[arg(long)]
    pub metadata: Option<PathBuf>,
    /// Model root the new version is published to: a local directory or
    /// `s3://bucket/prefix`.
    #[arg(long = "out", visible_alias = s::MODELS.long(), env = s::MODELS.env)]
    pub out: Option<ModelsSpec>,
    /// Report path: `FILE.json` (with `.md` and two SVGs beside it) or a directory.
    #[arg(long)]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub flags: TrainFlags,
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
        self.flags.train_config()
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

pub fn run(args: TrainArgs, config: &Sources) -> anyhow::Result<()> {
    let data: PathBuf = config.require(&s::DATA, args.data.clone())?;
    let out = super::args::models(config, args.out.clone())?.to_string();
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
    train.validate()?;
    if let Some(d) = args.decay {
        anyhow::ensure!((0.0..=1.0).contains(&d), "--decay must be between 0 and 1");
    }
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
        assert_eq!(c, TrainConfig::default(), "no flag, no change");
        let a = parse(&["--loss", "max-margin", "--margin", "0.5"]);
        let c = a.train_config();
        assert_eq!((c.loss, c.margin), (Loss::MaxMargin, 0.5));
        c.validate().unwrap();
        let c = parse(&["--loss", "softmax", "--softmax-temperature", "0.5"]).train_config();
        assert_eq!((c.loss, c.temperature), (Loss::Softmax, 0.5));
        assert!(Cli::try_parse_from(["train", "--loss", "hinge"]).is_err());
        for t in ["0", "-1", "inf"] {
            let a = parse(&[&format!("--softmax-temperature={t}")]);
            let e = a.train_config().validate().unwrap_err().to_string();
            assert_eq!(e, "--softmax-temperature must be positive", "{t}");
        }
    }
}
