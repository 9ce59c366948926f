//! The vectors of one model version as a server holds them.
//!
//! A server answers every request from one immutable version. Its vectors
//! are kept in process (62k × 64 floats is 16 MB), so looking up the liked
//! movies' vectors never leaves the process; searches go to the version's
//! own store — the embedded index, or the version's Milvus collection by
//! name ([`crate::milvus::MilvusVersion`]) — so a recommendation costs one
//! store round trip, and a later activation never changes what a version
//! searches.

use std::sync::Arc;

use async_trait::async_trait;

use crate::embedded::EmbeddedIndex;
use crate::timing::timed;
use crate::vector::{Hit, SearchFilter, VectorReader};
use reelgraph_core::error::{Error, Result};
use reelgraph_core::types::MovieId;

/// Above this many rows scanned (rows × queries) an embedded search runs on
/// the blocking pool, off the async workers. Below it the scan (tens of µs
/// per thousand rows at dimension 64) costs less than handing it to another
/// thread and waking the worker again, which under load is a context switch
/// per request.
const BLOCKING_FROM: usize = 8_192;

/// One version's vectors: all of them in memory, searched in process or by
/// a remote store of the same version.
pub struct ServedVectors {
    index: Arc<EmbeddedIndex>,
    remote: Option<Arc<dyn VectorReader>>,
}

impl ServedVectors {
    /// Searched by the in-process exact index.
    pub fn embedded(index: Arc<EmbeddedIndex>) -> Self {
        ServedVectors {
            index,
            remote: None,
        }
    }

    /// Searched by `remote` (a store holding the same vectors of the same
    /// version); fetches are answered from `index`.
    pub fn with_search(index: Arc<EmbeddedIndex>, remote: Arc<dyn VectorReader>) -> Self {
        ServedVectors {
            index,
            remote: Some(remote),
        }
    }

    pub fn version(&self) -> u64 {
        self.index.version()
    }

    /// The vectors in memory.
    pub fn index(&self) -> &Arc<EmbeddedIndex> {
        &self.index
    }

    /// The remote store searched, if any.
    pub fn remote(&self) -> Option<&Arc<dyn VectorReader>> {
        self.remote.as_ref()
    }
}

#[async_trait]
impl VectorReader for ServedVectors {
    fn kind(&self) -> &'static str {
        self.remote.as_ref().map_or("embedded", |r| r.kind())
    }

    async fn active_version(&self) -> Result<Option<u64>> {
        Ok(Some(self.index.version()))
    }

    async fn search(&self, query: &[f32], k: usize, filter: &SearchFilter) -> Result<Vec<Hit>> {
        timed(self.kind(), "search", async {
            if let Some(remote) = &self.remote {
                return remote.search(query, k, filter).await;
            }
            if self.index.len() < BLOCKING_FROM {
                return self.index.search(query, k, filter);
            }
            let (index, query, filter) = (self.index.clone(), query.to_vec(), filter.clone());
            tokio::task::spawn_blocking(move || index.search(&query, k, &filter))
                .await
                .map_err(|e| Error::Unavailable(format!("embedded search: {e}")))?
        })
        .await
    }

    async fn search_many(
        &self,
        queries: &[Vec<f32>],
        k: usize,
        filter: &SearchFilter,
    ) -> Result<Vec<Vec<Hit>>> {
        timed(self.kind(), "search_many", async {
            if let Some(remote) = &self.remote {
                return remote.search_many(queries, k, filter).await;
            }
            let run = move |index: &EmbeddedIndex, queries: &[Vec<f32>], filter: &SearchFilter| {
                queries
                    .iter()
                    .map(|q| index.search(q, k, filter))
                    .collect::<Result<Vec<_>>>()
            };
            if self.index.len() * queries.len() < BLOCKING_FROM {
                return run(&self.index, queries, filter);
            }
            let (index, queries, filter) = (self.index.clone(), queries.to_vec(), filter.clone());
            tokio::task::spawn_blocking(move || run(&index, &queries, &filter))
                .await
                .map_err(|e| Error::Unavailable(format!("embedded search: {e}")))?
        })
        .await
    }

    async fn fetch(&self, ids: &[MovieId]) -> Result<Vec<(MovieId, Vec<f32>)>> {
        Ok(ids
            .iter()
            .filter_map(|&id| self.index.vector(id).map(|v| (id, v.to_vec())))
            .collect())
    }

    async fn count(&self) -> Result<usize> {
        match &self.remote {
            Some(remote) => timed(remote.kind(), "count", remote.count()).await,
            None => Ok(self.index.len()),
        }
    }
}
