//! # reelgraph-testkit
//!
//! What the tests and benchmarks of every reelgraph crate share; a
//! dev-dependency only (`publish = false`), so nothing here ships.
//!
//! - [`data`]: where the shared real MovieLens data is, and which local
//!   services a test may use.
//! - [`fixture`]: generated model versions (real artifacts, synthetic movies).
//! - [`s3`]: the in-process S3 server (s3s + s3s-fs) and clients for it.
//! - [`http`]: a one-shot HTTP server of fixed files (a dataset mirror).
//! - [`cli`]: the one runner of the `reelgraph` binary (own current
//!   directory, no `REELGRAPH_*` of the test process).
//! - [`answer`]: HTTP answers read whole, and the assertions on them.
//! - [`scratch`]: unique names and scratch databases on the shared services.

pub mod answer;
pub mod cli;
pub mod data;
pub mod fixture;
pub mod http;
pub mod proxy;
pub mod s3;
pub mod scratch;
pub mod secrets;
