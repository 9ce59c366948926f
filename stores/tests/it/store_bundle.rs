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

/// A version exported before movies had `released`, `imdb_rating` and
/// `imdb_votes` (its `items.jsonl` lines lack them) still loads: into the
/// in-memory bundle store and through `load` into SQLite, with those fields
/// unknown; a version that has them keeps them in both.
#[tokio::test]
async fn versions_with_and_without_the_detail_fields_load() {
    use bytes::Bytes;
    use reelgraph_core::artifact::{DatasetInfo, Manifest};
    use reelgraph_core::types::Movie;
    use reelgraph_stores::load::{self, VectorTarget};
    use reelgraph_stores::sql;

    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    let root = LocalDir::new(&models);
    let old = concat!(
        r#"{"id":1,"title":"Toy Story","display_title":"Toy Story","year":1995,"genres":["Animation"],"plot":"Toys.","director":null,"actors":[],"runtime":81,"rated":null,"language":null,"poster":null,"imdb_id":"tt0114709","popularity":3}"#,
        "\n",
        r#"{"id":2,"title":"Heat","display_title":"Heat","year":1995,"genres":["Action"],"popularity":1}"#,
        "\n"
    );
    let publish = |version: u64, items: Vec<u8>| {
        let root = &root;
        async move {
            let manifest = Manifest {
                format: artifact::FORMAT,
                version,
                created_at: "2026-11-28T00:00:00Z".into(),
                model: "fixture".into(),
                dimension: 4,
                count: 2,
                metric: "IP".into(),
                dataset: DatasetInfo {
                    name: "old".into(),
                    items: 2,
                    ..Default::default()
                },
                metrics: serde_json::json!({}),
                files: Default::default(),
            };
            let vectors = [1.0f32, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0];
            artifact::publish_version(
                root,
                manifest,
                vec![
                    (
                        artifact::VECTORS.to_string(),
                        Bytes::from(artifact::encode_npy(&vectors, 2, 4).unwrap()),
                    ),
                    (artifact::ITEMS.to_string(), Bytes::from(items)),
                ],
            )
            .await
            .unwrap();
        }
    };
    publish(1, old.as_bytes().to_vec()).await;
    let bundle = artifact::read_version(&root, Some(1)).await.unwrap();
    let store = BundleStore::from_bundle(&bundle, None);
    let movies = store.all_movies(1).await.unwrap();
    assert_eq!(movies.len(), 2);
    assert_eq!(movies[0].plot.as_deref(), Some("Toys."));
    for m in &movies {
        assert_eq!(
            (&m.released, m.imdb_rating, m.imdb_votes),
            (&None, None, None)
        );
    }
    let db = format!("sqlite://{}", dir.path().join("meta.db").display());
    let meta = sql::open(&db.parse().unwrap()).await.unwrap();
    let models_dir = models.to_str().unwrap();
    let target = VectorTarget::Embedded;
    load::load_version(models_dir, Some(1), &target, meta.as_ref(), &|_, _, _| {})
        .await
        .unwrap();
    assert_eq!(meta.all_movies(1).await.unwrap(), movies);

    // A newer version with the fields: exported, served and loaded with them.
    let mut with = movies.clone();
    with[0] = Movie {
        released: Some("1995-11-22".into()),
        imdb_rating: Some(8.3),
        imdb_votes: Some(860_790),
        ..with[0].clone()
    };
    publish(2, artifact::encode_items(&with).unwrap()).await;
    let bundle = artifact::read_version(&root, Some(2)).await.unwrap();
    assert_eq!(
        BundleStore::from_bundle(&bundle, None)
            .all_movies(2)
            .await
            .unwrap(),
        with
    );
    load::load_version(models_dir, Some(2), &target, meta.as_ref(), &|_, _, _| {})
        .await
        .unwrap();
    assert_eq!(meta.all_movies(2).await.unwrap(), with);
}
