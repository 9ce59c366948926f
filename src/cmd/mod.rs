//! One module per subcommand.
pub mod args;
pub mod catalog;
pub mod data;
pub mod demo;
pub mod load;
pub mod migrate;
pub mod serve;
pub mod train;
