//! `reelgraph data fetch|inspect`.
use reelgraph_core::config::Config;

#[derive(clap::Subcommand)]
pub enum DataCommand {}

pub fn run(cmd: DataCommand, _config: &Config) -> anyhow::Result<()> {
    match cmd {}
}
