//! Metadata store: the movie catalogue and the model versions.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use reelgraph_core::error::Result;
use reelgraph_core::types::{Movie, MovieId};

/// A loaded model version as the metadata store records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelVersionRow {
    pub version: u64,
    pub dimension: usize,
    pub metrics: serde_json::Value,
    /// RFC 3339 UTC.
    pub loaded_at: String,
    pub active: bool,
}

/// Reading movies and model versions: what serving needs. Implemented by
/// the SQL stores and by the read-only in-memory [`crate::bundle::BundleStore`].
///
/// Every version keeps its own movies: a reader always names the version it
/// reads, so one answer never mixes the catalogues of two versions.
#[async_trait]
pub trait MetadataReader: Send + Sync {
    /// Movies of `version` by id, in the order asked; unknown ids are left out.
    async fn movies(&self, version: u64, ids: &[MovieId]) -> Result<Vec<Movie>>;
    /// The catalogue of `version`, ordered by id (empty for an unknown version).
    async fn all_movies(&self, version: u64) -> Result<Vec<Movie>>;
    /// Number of movies of `version`.
    async fn count_movies(&self, version: u64) -> Result<u64>;
    async fn active_version(&self) -> Result<Option<ModelVersionRow>>;
    /// One recorded version.
    async fn version(&self, version: u64) -> Result<Option<ModelVersionRow>>;
    /// Every recorded version, oldest first.
    async fn versions(&self) -> Result<Vec<ModelVersionRow>>;
    /// Where a version was loaded from (a model root URI), if recorded.
    async fn version_source(&self, version: u64) -> Result<Option<String>>;
}

/// Writing movies and model versions: what `load` needs.
#[async_trait]
pub trait MetadataWriter: Send + Sync {
    /// Create or update the schema (sqlx migrations).
    async fn migrate(&self) -> Result<()>;
    /// Insert or update the movies of `version`: batched, in one transaction,
    /// idempotent. Refused while `version` is active: a served catalogue is
    /// never written.
    async fn upsert_movies(&self, version: u64, movies: &[Movie]) -> Result<()>;
    /// Delete the movies and the record of `version` (a failed load's
    /// leftovers, or an old version). Refused while `version` is active.
    async fn forget_version(&self, version: u64) -> Result<()>;
    /// Record a version (inactive).
    async fn record_version(&self, row: &ModelVersionRow) -> Result<()>;
    /// Mark `version` active and every other inactive, in one transaction.
    async fn activate_version(&self, version: u64) -> Result<()>;
    /// Remember where a version was loaded from (a model root URI), so a
    /// server using the embedded vector index can reopen it.
    async fn set_version_source(&self, version: u64, source: &str) -> Result<()>;
}

/// A metadata store that is read and written (SQLite, MySQL/MariaDB):
/// what `load` opens.
pub trait MetadataStore: MetadataReader + MetadataWriter {}

impl<T: MetadataReader + MetadataWriter + ?Sized> MetadataStore for T {}
