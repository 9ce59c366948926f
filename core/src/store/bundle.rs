//! A read-only [`MetadataStore`] held in memory, built from one exported
//! model version (its `items.jsonl` and `manifest.json`).
//!
//! This is the metadata store of the **self-contained** configuration of
//! the Lambda functions: the active version's files are read from the model
//! root at cold start (see [`crate::function`]), and the movies and the
//! version come from that bundle, so no database is needed. It knows exactly
//! one version, which is active; every write is refused.

use std::collections::HashMap;

use async_trait::async_trait;

use crate::artifact::VersionBundle;
use crate::error::{Error, Result};
use crate::store::metadata::{MetadataStore, ModelVersionRow};
use crate::store::sql;
use crate::types::{Movie, MovieId};

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

    fn read_only(&self, what: &str) -> Error {
        Error::Invalid(format!(
            "the metadata store of model version {} (read from its files) is read-only: cannot {what}",
            self.row.version
        ))
    }
}

#[async_trait]
impl MetadataStore for BundleStore {
    async fn migrate(&self) -> Result<()> {
        Ok(())
    }

    async fn upsert_movies(&self, _movies: &[Movie]) -> Result<()> {
        Err(self.read_only("write movies"))
    }

    async fn movies(&self, ids: &[MovieId]) -> Result<Vec<Movie>> {
        Ok(ids
            .iter()
            .filter_map(|id| self.index.get(id).map(|&i| self.movies[i].clone()))
            .collect())
    }

    async fn all_movies(&self) -> Result<Vec<Movie>> {
        Ok(self.movies.clone())
    }

    async fn count_movies(&self) -> Result<u64> {
        Ok(self.movies.len() as u64)
    }

    async fn record_version(&self, row: &ModelVersionRow) -> Result<()> {
        Err(self.read_only(&format!("record version {}", row.version)))
    }

    async fn activate_version(&self, version: u64) -> Result<()> {
        if version == self.row.version {
            Ok(())
        } else {
            Err(self.read_only(&format!("activate version {version}")))
        }
    }

    async fn active_version(&self) -> Result<Option<ModelVersionRow>> {
        Ok(Some(self.row.clone()))
    }

    async fn versions(&self) -> Result<Vec<ModelVersionRow>> {
        Ok(vec![self.row.clone()])
    }

    async fn set_version_source(&self, version: u64, source: &str) -> Result<()> {
        Err(self.read_only(&format!("record that version {version} came from {source}")))
    }

    async fn version_source(&self, version: u64) -> Result<Option<String>> {
        Ok(if version == self.row.version {
            self.source.clone()
        } else {
            None
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact;
    use crate::store::fixture;
    use crate::store::object::LocalDir;

    #[tokio::test]
    async fn serves_the_bundle_and_refuses_writes() {
        let dir = tempfile::tempdir().unwrap();
        let root = LocalDir::new(dir.path());
        fixture::publish(&root, 7, 100, 50, 8, 3).await.unwrap();
        let bundle = artifact::read_version(&root, None).await.unwrap();
        let store = BundleStore::from_bundle(&bundle, Some("s3://b/models"));

        assert_eq!(store.count_movies().await.unwrap(), 50);
        let all = store.all_movies().await.unwrap();
        assert_eq!(all, fixture::movies(100, 50));
        // In the order asked, unknown ids left out.
        let got = store.movies(&[149, 5, 100, 120]).await.unwrap();
        let ids: Vec<MovieId> = got.iter().map(|m| m.id).collect();
        assert_eq!(ids, vec![149, 100, 120]);
        assert_eq!(got[2], fixture::movies(120, 1)[0]);

        let active = store.active_version().await.unwrap().unwrap();
        assert_eq!(
            (active.version, active.dimension, active.active),
            (7, 8, true)
        );
        assert_eq!(active.metrics["seed"], 3);
        assert_eq!(store.versions().await.unwrap(), vec![active.clone()]);
        assert_eq!(store.version(7).await.unwrap(), Some(active));
        assert_eq!(store.version(8).await.unwrap(), None);
        assert_eq!(
            store.version_source(7).await.unwrap().as_deref(),
            Some("s3://b/models")
        );
        assert_eq!(store.version_source(8).await.unwrap(), None);

        store.migrate().await.unwrap();
        store.activate_version(7).await.unwrap();
        for err in [
            store.upsert_movies(&all[..1]).await.unwrap_err(),
            store.activate_version(8).await.unwrap_err(),
            store
                .record_version(&store.active_version().await.unwrap().unwrap())
                .await
                .unwrap_err(),
            store.set_version_source(7, "elsewhere").await.unwrap_err(),
        ] {
            assert!(err.to_string().contains("read-only"), "{err}");
        }
        // Nothing changed.
        assert_eq!(store.all_movies().await.unwrap(), all);
    }

    #[tokio::test]
    async fn repeated_ids_keep_the_last_movie() {
        let mut movies = fixture::movies(1, 3);
        let mut again = movies[1].clone();
        again.title = "Second take".into();
        movies.push(again.clone());
        let row = ModelVersionRow {
            version: 1,
            dimension: 4,
            metrics: serde_json::Value::Null,
            loaded_at: "2026-11-28T00:00:00Z".into(),
            active: false,
        };
        let store = BundleStore::new(movies, row, None);
        assert_eq!(store.count_movies().await.unwrap(), 3);
        assert_eq!(store.movies(&[2]).await.unwrap(), vec![again]);
        assert!(store.active_version().await.unwrap().unwrap().active);
        assert_eq!(store.version_source(1).await.unwrap(), None);
    }
}
