//! # reelgraph-core
//!
//! The shared library of reelgraph: everything the trainer, the CLI and the
//! Lambda functions have in common.
//!
//! - [`types`]: domain types (movies, ids).
//! - [`config`]: layered configuration (flags > environment > `reelgraph.toml`).
//! - [`error`]: the error type shared by adapters.
//! - [`artifact`]: the on-storage format of an exported model version
//!   (manifest, `.npy` vectors, JSONL items, checksums, the `latest` pointer).
//! - [`store`]: adapters behind small traits — object store (local dir / S3),
//!   vector store (embedded exact index / Milvus), metadata store (SQLite / MySQL).
//! - [`recommend`]: recommendations from liked/disliked movies (two strategies).
//! - [`api`]: the HTTP API (axum router shared by `reelgraph serve` and the Lambda functions).
//! - [`lambda`]: start-up of the Lambda functions (configuration, stores, the router of
//!   one endpoint group), in the two configurations `services` and `self-contained`.

pub mod api;
pub mod artifact;
pub mod config;
pub mod error;
pub mod lambda;
pub mod recommend;
pub mod store;
pub mod testdata;
pub mod types;

pub use error::{Error, Result};
pub use types::{Movie, MovieId};
