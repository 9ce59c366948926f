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
use reelgraph_trainer::evaluate::EvalSplit;
use reelgraph_trainer::job::{self, RunOutcome};
use reelgraph_trainer::pipeline;
use reelgraph_trainer::train::RunOptions;

/// The training settings (shared with the trainer function's payload).
pub use reelgraph_trainer::settings::TrainSettings;

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
    /// Add the site visitors' feedback to the training data: a metadata
    /// database URL (`sqlite://FILE`, `mysql://…`: its `feedback` table) or
    /// the prefix the self-contained functions write it to (a directory or
    /// `s3://bucket/prefix`). Visitors with likes become train-only users;
    /// dislikes are negatives (see the README).
    #[arg(long, value_name = "URL")]
    pub feedback: Option<String>,
    #[command(flatten)]
    pub settings: TrainSettings,
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
    args.settings.validate()?;
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
    let mut opts = args.settings.pipeline_options(
        data.to_path_buf(),
        args.metadata.clone(),
        args.report.clone(),
        RunOptions {
            checkpoint_dir: Some(
                args.checkpoint_dir
                    .clone()
                    .unwrap_or_else(|| default_checkpoint_dir(out)),
            ),
            resume: args.resume,
            progress: !args.quiet,
            stop: Some(stop),
        },
    );
    if let Some(source) = &args.feedback {
        opts.feedback = Some(if args.resume {
            // the checkpoint's own copy is used (pipeline::FEEDBACK_SNAPSHOT)
            Default::default()
        } else {
            let fb = rt.block_on(reelgraph_trainer::feedback::read(source))?;
            eprintln!(
                "feedback: {} signals of {} visitors",
                fb.signals(),
                fb.visitors.len()
            );
            fb
        });
    }
    let (finished, manifest) = match job::train_and_export(rt.handle(), store.as_ref(), &opts)? {
        RunOutcome::Published { finished, manifest } => (finished, manifest),
        RunOutcome::Interrupted { checkpoint_dir } => {
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
    Ok(Some(manifest.version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use reelgraph_trainer::train::{Loss, TrainConfig};

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
        let c = parse(&[]).settings.train_config();
        assert_eq!(
            (c.loss, c.temperature),
            (Loss::Softmax, 2.0),
            "the defaults"
        );
        assert_eq!(c, TrainConfig::default(), "no flag, no change");
        let a = parse(&["--loss", "max-margin", "--margin", "0.5"]);
        let c = a.settings.train_config();
        assert_eq!((c.loss, c.margin), (Loss::MaxMargin, 0.5));
        c.validate().unwrap();
        let c = parse(&["--loss", "softmax", "--softmax-temperature", "0.5"])
            .settings
            .train_config();
        assert_eq!((c.loss, c.temperature), (Loss::Softmax, 0.5));
        assert!(Cli::try_parse_from(["train", "--loss", "hinge"]).is_err());
        for t in ["0", "-1", "inf"] {
            let a = parse(&[&format!("--softmax-temperature={t}")]);
            let e = a
                .settings
                .train_config()
                .validate()
                .unwrap_err()
                .to_string();
            assert_eq!(e, "--softmax-temperature must be positive", "{t}");
        }
    }
}
