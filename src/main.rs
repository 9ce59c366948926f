//! `reelgraph`: the command-line entry point.
//!
//! ```text
//! reelgraph data fetch NAME --dir DIR     download an official MovieLens zip (checksummed)
//! reelgraph data inspect --data DIR       statistics and split sizes of a dataset
//! reelgraph train --data DIR --out URI    train PinSAGE, evaluate, export a model version
//! reelgraph load --from URI               load a version into the vector and metadata stores
//! reelgraph serve                         serve the API, its docs and the web UI
//! reelgraph demo                          all of the above on embedded defaults
//! ```

mod cmd;
mod ui;

/// mimalloc: the server allocates a few small buffers per request on every
/// worker thread; glibc's allocator spent ~12 % of the serving profile.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use reelgraph_core::settings::{self as s, Sources};

#[derive(Parser)]
#[command(
    name = "reelgraph",
    version,
    about = "Graph-based movie recommendations (PinSAGE)"
)]
struct Cli {
    #[arg(long = s::CONFIG.long(), global = true, env = s::CONFIG.env, help = s::CONFIG.help)]
    config: Option<std::path::PathBuf>,
    /// The flag beats `RUST_LOG`, which beats `log` in reelgraph.toml.
    #[arg(long = s::LOG.long(), global = true, env = s::LOG.env, help = s::LOG.help)]
    log: Option<String>,
    #[arg(long = s::LOG_FORMAT.long(), global = true, env = s::LOG_FORMAT.env, help = s::LOG_FORMAT.help)]
    log_format: Option<String>,
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size of the train flags does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Download and inspect datasets.
    #[command(subcommand)]
    Data(cmd::data::DataCommand),
    /// Train PinSAGE, evaluate it against baselines, export a model version.
    Train(cmd::train::TrainArgs),
    /// Add movies to a published version without retraining.
    #[command(subcommand)]
    Catalog(cmd::catalog::CatalogCommand),
    /// Load a model version into the vector and metadata stores and activate it.
    Load(cmd::load::LoadArgs),
    /// Create or upgrade the metadata schema (servers never migrate).
    Migrate(cmd::migrate::MigrateArgs),
    /// Serve the HTTP API, its docs and the web UI.
    Serve(cmd::serve::ServeArgs),
    /// Train (if needed), load and serve on embedded defaults: the main job.
    Demo(cmd::demo::DemoArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Sources::load(cli.config.as_deref())?;
    let filter: String = config.require(&s::LOG, cli.log.clone())?;
    let env_filter = tracing_subscriber::EnvFilter::try_new(&filter)
        .map_err(|e| anyhow::anyhow!("--log {filter:?}: {e}"))?;
    let format: String = config.require(&s::LOG_FORMAT, cli.log_format.clone())?;
    match format.as_str() {
        "text" => tracing_subscriber::fmt()
            .with_env_filter(env_filter)
            .with_writer(std::io::stderr)
            .init(),
        "json" => tracing_subscriber::fmt()
            .json()
            .with_env_filter(env_filter)
            .with_writer(std::io::stderr)
            .init(),
        other => anyhow::bail!("--log-format {other:?}: expected text or json"),
    }
    match cli.command {
        Command::Data(c) => cmd::data::run(c, &config),
        Command::Train(a) => cmd::train::run(a, &config),
        Command::Catalog(c) => cmd::catalog::run(c, &config),
        Command::Load(a) => cmd::load::run(a, &config),
        Command::Migrate(a) => cmd::migrate::run(a, &config),
        Command::Serve(a) => cmd::serve::run(a, &config),
        Command::Demo(a) => cmd::demo::run(a, &config),
    }
}
