//! `reelgraph load --from URI [--version V] --vectors embedded|milvus://HOST:PORT --db URL`
//!
//! Verifies a model version (manifest and every checksum) before writing
//! anything, loads movies and vectors, then activates the version in both
//! stores (the trainer function loads its new versions with the same
//! [`job::load_into`]). See `reelgraph_stores::load` for the guarantees.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use reelgraph_core::object;
use reelgraph_core::settings::{self as s, ModelsSpec, Sources};
use reelgraph_stores::load::Phase;
use reelgraph_trainer::job::{self, LoadTarget};

use super::args::StoreArgs;

#[derive(clap::Args, Debug)]
pub struct LoadArgs {
    #[arg(long = s::MODELS.long(), visible_alias = "from", env = s::MODELS.env, help = s::MODELS.help)]
    pub models: Option<ModelsSpec>,
    #[arg(long = s::VERSION.long(), env = s::VERSION.env, help = s::VERSION.help)]
    pub version: Option<u64>,
    #[command(flatten)]
    pub stores: StoreArgs,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: LoadArgs, config: &Sources) -> anyhow::Result<()> {
    let from = super::args::models(config, args.models.clone())?.to_string();
    let version: Option<u64> = config.resolve(&s::VERSION, args.version)?;
    let stores = args.stores.resolve(config)?;
    let (vectors, db, token) = (stores.vectors, stores.db, stores.token);

    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let bar = if args.quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(1)
        };
        bar.set_style(
            ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {elapsed}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        let objects = object::open(&from)
            .await
            .with_context(|| format!("--from {from}"))?;
        let target = LoadTarget {
            vectors,
            db: db.clone(),
            token,
            namespace: None,
        };
        let progress = |phase: Phase, done: u64, total: u64| {
            bar.set_message(match phase {
                Phase::Verify => "verify",
                Phase::Metadata => "metadata",
                Phase::Vectors => "vectors",
                Phase::Activate => "activate",
            });
            bar.set_length(total);
            bar.set_position(done);
        };
        let report = job::load_into(objects.as_ref(), &from, version, &target, &progress).await?;
        bar.finish_and_clear();
        if report.changed {
            println!(
                "loaded version {} ({} items, dimension {}) into {} and {} in {:.2?}; now active",
                report.version, report.items, report.dimension, report.vectors, db, report.elapsed
            );
        } else {
            println!(
                "version {} is already active in {} and {}; nothing to do",
                report.version, report.vectors, db
            );
        }
        Ok(())
    })
}
