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

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "reelgraph",
    version,
    about = "Graph-based movie recommendations (PinSAGE)"
)]
struct Cli {
    /// Configuration file (default: ./reelgraph.toml when present).
    #[arg(long, global = true, env = "REELGRAPH_CONFIG")]
    config: Option<std::path::PathBuf>,
    /// Log filter, e.g. `info` or `reelgraph=debug` (env: RUST_LOG).
    #[arg(long, global = true, default_value = "info")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Download and inspect datasets.
    #[command(subcommand)]
    Data(cmd::data::DataCommand),
    /// Train PinSAGE, evaluate it against baselines, export a model version.
    Train(cmd::train::TrainArgs),
    /// Load a model version into the vector and metadata stores and activate it.
    Load(cmd::load::LoadArgs),
    /// Serve the HTTP API, its docs and the web UI.
    Serve(cmd::serve::ServeArgs),
    /// Train (if needed), load and serve on embedded defaults: the main job.
    Demo(cmd::demo::DemoArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| cli.log.clone());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .init();
    let config = reelgraph_core::config::Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Data(c) => cmd::data::run(c, &config),
        Command::Train(a) => cmd::train::run(a, &config),
        Command::Load(a) => cmd::load::run(a, &config),
        Command::Serve(a) => cmd::serve::run(a, &config),
        Command::Demo(a) => cmd::demo::run(a, &config),
    }
}
