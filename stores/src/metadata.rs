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

/// Movies and model versions (SQLite embedded, MySQL/MariaDB as a service).
#[async_trait]
pub trait MetadataStore: Send + Sync {
    /// Create or update the schema (sqlx migrations).
    async fn migrate(&self) -> Result<()>;
    /// Insert or update movies: batched, in one transaction, idempotent.
    async fn upsert_movies(&self, movies: &[Movie]) -> Result<()>;
    /// Movies by id, in the order asked; unknown ids are left out.
    async fn movies(&self, ids: &[MovieId]) -> Result<Vec<Movie>>;
    /// The whole catalogue, ordered by id.
    async fn all_movies(&self) -> Result<Vec<Movie>>;
    async fn count_movies(&self) -> Result<u64>;
    /// Record a version (inactive).
    async fn record_version(&self, row: &ModelVersionRow) -> Result<()>;
    /// Mark `version` active and every other inactive, in one transaction.
    async fn activate_version(&self, version: u64) -> Result<()>;
    async fn active_version(&self) -> Result<Option<ModelVersionRow>>;
    /// One recorded version. (Default: looked up in [`versions`](Self::versions).)
    async fn version(&self, version: u64) -> Result<Option<ModelVersionRow>> {
        Ok(self
            .versions()
            .await?
            .into_iter()
            .find(|r| r.version == version))
    }
    /// Every recorded version, oldest first. (Default, for stores that keep
    /// only the active version: that one.)
    async fn versions(&self) -> Result<Vec<ModelVersionRow>> {
        Ok(self.active_version().await?.into_iter().collect())
    }
    /// Remember where a version was loaded from (a model root URI), so a
    /// server using the embedded vector index can reopen it. (Default:
    /// refused, for stores that cannot record it.)
    async fn set_version_source(&self, version: u64, source: &str) -> Result<()> {
        Err(reelgraph_core::error::Error::Invalid(format!(
            "this metadata store cannot record that version {version} came from {source}"
        )))
    }
    /// Where a version was loaded from, if recorded. (Default: not recorded.)
    async fn version_source(&self, _version: u64) -> Result<Option<String>> {
        Ok(None)
    }
}
