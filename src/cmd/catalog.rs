//! `reelgraph catalog add --from MODELS --file NEW.jsonl [--version V]`
//!
//! New movies without retraining: embeds each movie of the file with the
//! trained model of a published version (the latest by default) and
//! publishes a new version holding that version's catalogue, unchanged, and
//! the new movies ([`reelgraph_trainer::catalog`]); `reelgraph load` and the
//! servers' hot swap then serve it like any other version.

use std::path::PathBuf;

use anyhow::Context;
use reelgraph_core::object;
use reelgraph_core::settings::{self as s, ModelsSpec, Sources};
use reelgraph_trainer::catalog;

#[derive(clap::Subcommand, Debug)]
pub enum CatalogCommand {
    /// Embed new movies (one JSON object per line: id, title, year, genres,
    /// and optional plot, director, actors, poster) with a version's trained
    /// model and publish a new version that contains them.
    Add(AddArgs),
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    #[arg(long = s::MODELS.long(), visible_alias = "from", env = s::MODELS.env, help = s::MODELS.help)]
    pub models: Option<ModelsSpec>,
    /// The version whose catalogue and model are used (default: `latest`).
    #[arg(long)]
    pub version: Option<u64>,
    /// The new movies: JSON lines.
    #[arg(long)]
    pub file: PathBuf,
}

pub fn run(cmd: CatalogCommand, config: &Sources) -> anyhow::Result<()> {
    match cmd {
        CatalogCommand::Add(args) => add(args, config),
    }
}

fn add(args: AddArgs, config: &Sources) -> anyhow::Result<()> {
    let from = super::args::models(config, args.models.clone())?.to_string();
    let file = &args.file;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("--file {}", file.display()))?;
    let new =
        catalog::parse_new_movies(&text).with_context(|| format!("--file {}", file.display()))?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let objects = object::open(&from)
            .await
            .with_context(|| format!("--from {from}"))?;
        let manifest = catalog::add(objects.as_ref(), args.version, &new)
            .await
            .with_context(|| format!("--file {}", file.display()))?;
        println!(
            "published version {} in {from}: {} movies ({} new from {}), dimension {}; `latest` names it",
            manifest.version,
            manifest.count,
            new.len(),
            file.display(),
            manifest.dimension
        );
        Ok(())
    })
}
