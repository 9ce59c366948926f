//! A read-only [`MetadataReader`] held in memory, built from one exported
//! model version (its `items.jsonl` and `manifest.json`).
//!
//! This is the metadata store of the **self-contained** configuration of
//! the Lambda functions: the active version's files are read from the model
//! root at cold start (see `reelgraph_api::function`), and the movies and the
//! version come from that bundle, so no database is needed. It knows exactly
//! one version, which is active; every write is refused.

use std::collections::HashMap;

use async_trait::async_trait;

use crate::metadata::{MetadataReader, ModelVersionRow};
use crate::sql;
use reelgraph_core::artifact::VersionBundle;
use reelgraph_core::error::Result;
use reelgraph_core::types::{Movie, MovieId};

/// The movies and the version of one exported model version, read-only.
#[derive(Clone, Debug)]
pub struct BundleStore {
    /// Ordered by id, one row per id.
    movies: Vec<Movie>,
    index: HashMap<MovieId, usize>,
    row: ModelVersionRow,
    source: Option<String>,
}

impl BundleStore {
    /// A store of `movies` whose only (active) version is `row`. A repeated
    /// id keeps its last movie, as the embedded index keeps its last row.
    pub fn new(movies: Vec<Movie>, mut row: ModelVersionRow, source: Option<String>) -> Self {
        let mut by_id: HashMap<MovieId, Movie> = HashMap::with_capacity(movies.len());
        for m in movies {
            by_id.insert(m.id, m);
        }
        let mut movies: Vec<Movie> = by_id.into_values().collect();
        movies.sort_unstable_by_key(|m| m.id);
        let index = movies.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
        row.active = true;
        BundleStore {
            movies,
            index,
            row,
            source,
        }
    }

    /// The store of a verified version read from the model root `source`
    /// (recorded as the version's source). `loaded_at` is now.
    pub fn from_bundle(bundle: &VersionBundle, source: Option<&str>) -> Self {
        let row = ModelVersionRow {
            version: bundle.manifest.version,
            dimension: bundle.manifest.dimension,
            metrics: bundle.manifest.metrics.clone(),
            loaded_at: sql::now_rfc3339(),
            active: true,
        };
        Self::new(bundle.items.clone(), row, source.map(str::to_string))
    }
}

#[async_trait]
impl MetadataReader for BundleStore {
    async fn version(&self, version: u64) -> Result<Option<ModelVersionRow>> {
        Ok((version == self.row.version).then(|| self.row.clone()))
    }

    async fn movies(&self, version: u64, ids: &[MovieId]) -> Result<Vec<Movie>> {
        if version != self.row.version {
            return Ok(Vec::new());
        }
        Ok(ids
            .iter()
            .filter_map(|id| self.index.get(id).map(|&i| self.movies[i].clone()))
            .collect())
    }

    async fn all_movies(&self, version: u64) -> Result<Vec<Movie>> {
        Ok(if version == self.row.version {
            self.movies.clone()
        } else {
            Vec::new()
        })
    }

    async fn count_movies(&self, version: u64) -> Result<u64> {
        Ok(if version == self.row.version {
            self.movies.len() as u64
        } else {
            0
        })
    }

    async fn active_version(&self) -> Result<Option<ModelVersionRow>> {
        Ok(Some(self.row.clone()))
    }

    async fn versions(&self) -> Result<Vec<ModelVersionRow>> {
        Ok(vec![self.row.clone()])
    }

    async fn version_source(&self, version: u64) -> Result<Option<String>> {
        Ok(if version == self.row.version {
            self.source.clone()
        } else {
            None
        })
    }
}
