//! `reelgraph load --from URI [--version V] --vectors embedded|milvus://HOST:PORT --db URL`
//!
//! Verifies a model version (manifest and every checksum) before writing
//! anything, loads movies and vectors, then activates the version in both
//! stores. See `reelgraph_core::store::load` for the guarantees.

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use reelgraph_core::config::Config;
use reelgraph_core::store::load::{self, Phase, VectorTarget};
use reelgraph_core::store::sql;

#[derive(clap::Args, Debug)]
pub struct LoadArgs {
    /// Model root: a local directory or `s3://bucket/prefix` (env: REELGRAPH_MODELS).
    #[arg(long)]
    pub from: Option<String>,
    /// Version to load (default: the one `latest` names).
    #[arg(long)]
    pub version: Option<u64>,
    /// Vector store: `embedded` or `milvus://HOST:PORT` / `https://…` (env: REELGRAPH_VECTORS).
    #[arg(long)]
    pub vectors: Option<String>,
    /// Metadata store: `sqlite://PATH` or `mysql://USER[:PASS]@HOST[:PORT]/DB` (env: REELGRAPH_DB).
    #[arg(long)]
    pub db: Option<String>,
    /// Milvus token for Zilliz Cloud / TLS (env: REELGRAPH_MILVUS_TOKEN).
    #[arg(long)]
    pub milvus_token: Option<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: LoadArgs, config: &Config) -> anyhow::Result<()> {
    let from = args
        .from
        .or_else(|| config.models.clone())
        .context("--from: no model root given (or set REELGRAPH_MODELS)")?;
    let vectors = args
        .vectors
        .or_else(|| config.vectors.clone())
        .unwrap_or_else(|| "embedded".into());
    let db = args
        .db
        .or_else(|| config.db.clone())
        .unwrap_or_else(|| "sqlite://reelgraph.db".into());
    let token = args.milvus_token.or_else(|| config.milvus_token.clone());
    if vectors != "embedded"
        && !["milvus://", "http://", "https://"]
            .iter()
            .any(|p| vectors.starts_with(p))
    {
        bail!("--vectors: {vectors:?} is not `embedded`, milvus://HOST:PORT or https://…");
    }

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
        let store = sql::open(&db)
            .await
            .with_context(|| format!("--db {}", sql::redact(&db)))?;
        let target = VectorTarget::open(&vectors, token.as_deref())
            .await
            .with_context(|| format!("--vectors {vectors}"))?;
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
        let report = load::load_version(&from, args.version, &target, store.as_ref(), &progress)
            .await
            .with_context(|| format!("loading from {from}"))?;
        bar.finish_and_clear();
        if report.changed {
            println!(
                "loaded version {} ({} items, dimension {}) into {} and {} in {:.2?}; now active",
                report.version,
                report.items,
                report.dimension,
                report.vectors,
                sql::redact(&db),
                report.elapsed
            );
        } else {
            println!(
                "version {} is already active in {} and {}; nothing to do",
                report.version,
                report.vectors,
                sql::redact(&db)
            );
        }
        Ok(())
    })
}
