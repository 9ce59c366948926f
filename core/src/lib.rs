//! # reelgraph-core
//!
//! The bottom layer of reelgraph: what the trainer, the stores, the API and
//! the functions all speak. It has no server, database or vector-store
//! dependency, so the trainer depends on this crate alone.
//!
//! - [`types`]: domain types (movies, ids).
//! - [`settings`]: the one configuration: every setting declared once, resolved
//!   flags > environment > `reelgraph.toml` > defaults, into typed specs.
//! - [`error`]: the error type shared by every layer.
//! - [`artifact`]: the on-storage format of an exported model version
//!   (manifest, `.npy` vectors, JSONL items, checksums, the `latest` pointer).
//! - [`object`]: the object store a version is written to and read from
//!   (a local directory, or S3 in [`object::s3`]); one key check for both
//!   ([`object::check_key`]).
//! - [`secrets`]: store credentials read from AWS Secrets Manager at start-up.
//! - [`text`], [`vector`]: the accent folding, XML escaping and inner product
//!   every layer shares.
//!
//! Layers above: `reelgraph-stores` (vector and metadata stores, `load`),
//! then `reelgraph-api` (recommendations, the HTTP API, function start-up).

pub mod artifact;
pub mod error;
pub mod object;
pub mod secrets;
pub mod settings;
pub mod text;
pub mod types;
pub mod vector;

pub use error::{Error, Result};
pub use types::{Movie, MovieId};
