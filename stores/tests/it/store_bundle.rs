//! The read-only in-memory metadata store built from a version's files.

use reelgraph_core::artifact;
use reelgraph_core::object::LocalDir;
use reelgraph_core::types::MovieId;
use reelgraph_stores::bundle::BundleStore;
use reelgraph_stores::metadata::{MetadataReader, ModelVersionRow};
use reelgraph_testkit::fixture;

#[tokio::test]
async fn serves_the_bundle_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = LocalDir::new(dir.path());
    fixture::publish(&root, 7, 100, 50, 8, 3).await.unwrap();
    let bundle = artifact::read_version(&root, None).await.unwrap();
    let store = BundleStore::from_bundle(&bundle, Some("s3://b/models"));

    assert_eq!(store.count_movies(7).await.unwrap(), 50);
    let all = store.all_movies(7).await.unwrap();
    assert!(store.all_movies(8).await.unwrap().is_empty());
    assert_eq!(store.count_movies(8).await.unwrap(), 0);
    assert_eq!(all, fixture::movies(100, 50));
    // In the order asked, unknown ids left out.
    let got = store.movies(7, &[149, 5, 100, 120]).await.unwrap();
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

    // Read-only by type: BundleStore implements MetadataReader only, so
    // serving code cannot call a write on it (there is nothing to refuse).
    assert_eq!(store.all_movies(7).await.unwrap(), all);
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
    assert_eq!(store.count_movies(1).await.unwrap(), 3);
    assert_eq!(store.movies(1, &[2]).await.unwrap(), vec![again]);
    assert!(store.active_version().await.unwrap().unwrap().active);
    assert_eq!(store.version_source(1).await.unwrap(), None);
}
