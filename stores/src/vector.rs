//! Vector store: item vectors per model version, searched by inner product.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use reelgraph_core::error::Result;
use reelgraph_core::types::MovieId;

/// One search result.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub id: MovieId,
    /// Inner product with the query.
    pub score: f32,
}

/// Scalar attributes stored beside each vector, for filtering.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemAttrs {
    pub year: Option<u16>,
    pub genres: Vec<String>,
}

/// Restricts a search. Empty fields restrict nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchFilter {
    /// Only these ids (when `Some`).
    pub ids: Option<Vec<MovieId>>,
    /// Never these ids.
    pub exclude: Vec<MovieId>,
    /// Any of these genres.
    pub genres: Vec<String>,
    pub year_min: Option<u16>,
    pub year_max: Option<u16>,
}

/// Reading item vectors: what serving needs. One version is active
/// (searched) at a time.
#[async_trait]
pub trait VectorReader: Send + Sync {
    /// What kind of store this is (`milvus`, `embedded`): how its calls are
    /// named in logs and metrics ([`crate::timing`]).
    fn kind(&self) -> &'static str {
        "vectors"
    }
    /// The active version, if any.
    async fn active_version(&self) -> Result<Option<u64>>;
    /// Top-`k` by inner product in the active version, best first.
    async fn search(&self, query: &[f32], k: usize, filter: &SearchFilter) -> Result<Vec<Hit>>;
    /// [`search`](Self::search) for each of `queries` — one round trip for
    /// the stores that take several queries at once.
    async fn search_many(
        &self,
        queries: &[Vec<f32>],
        k: usize,
        filter: &SearchFilter,
    ) -> Result<Vec<Vec<Hit>>> {
        let mut out = Vec::with_capacity(queries.len());
        for q in queries {
            out.push(self.search(q, k, filter).await?);
        }
        Ok(out)
    }
    /// Vectors of the given ids in the active version (unknown ids are left out).
    async fn fetch(&self, ids: &[MovieId]) -> Result<Vec<(MovieId, Vec<f32>)>>;
    /// Number of vectors in the active version.
    async fn count(&self) -> Result<usize>;
}

/// Writing item vectors: what `load` needs.
#[async_trait]
pub trait VectorWriter: Send + Sync {
    /// Store the vectors of `version` (not searched until [`activate`](Self::activate)).
    /// `vectors` is row-major, `ids.len()` rows of `dim` values.
    async fn upsert(
        &self,
        version: u64,
        ids: &[MovieId],
        vectors: &[f32],
        dim: usize,
        attrs: &[ItemAttrs],
    ) -> Result<()>;
    /// Make `version` the one searched, atomically for readers.
    async fn activate(&self, version: u64) -> Result<()>;
}
