//! # reelgraph-testkit
//!
//! What the tests and benchmarks of every reelgraph crate share; a
//! dev-dependency only (`publish = false`), so nothing here ships.
//!
//! - [`data`]: where the shared real MovieLens data is, and which local
//!   services a test may use.
//! - [`fixture`]: generated model versions (real artifacts, synthetic movies).
//! - [`s3`]: the in-process S3 server (s3s + s3s-fs) and a client for it.

pub mod data;
pub mod fixture;
pub mod s3;
