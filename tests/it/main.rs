//! The `reelgraph` command end to end, as a user runs it: one test binary
//! (`cargo test --test it`), one module per area. Every command runs through
//! [`reelgraph_testkit::cli::Cli`]: its own temporary current directory and
//! none of the test process's `REELGRAPH_*` variables, so tests running at
//! the same time in this process never see each other's files or settings.

mod cli_crash;
mod cli_data;
mod cli_e2e;
mod cli_load;
mod deploy;

/// A runner of the `reelgraph` binary built for these tests.
fn reelgraph() -> reelgraph_testkit::cli::Cli {
    reelgraph_testkit::cli::Cli::new(env!("CARGO_BIN_EXE_reelgraph"))
}
