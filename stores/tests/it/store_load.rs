//! Loading model versions: from S3 (the test kit's in-process `s3s-fs`
//! server, which the AWS SDK talks to through `s3s_aws::Client`) and from a local
//! directory into SQLite + the embedded index; corrupt and incomplete
//! versions are refused while the active one keeps serving; readers
//! searching during a switch always see one whole version.

use reelgraph_core::settings::VectorSpec;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use bytes::Bytes;
use reelgraph_core::Error;
use reelgraph_core::artifact;
use reelgraph_core::object::s3::S3Store;
use reelgraph_core::object::{LocalDir, ObjectStore};
use reelgraph_stores::embedded::{EmbeddedIndex, EmbeddedStore};
use reelgraph_stores::load::{self, VectorTarget};
use reelgraph_stores::sql;
use reelgraph_stores::vector::{SearchFilter, VectorReader};
use reelgraph_testkit::{fixture, s3};

fn no_progress(_: load::Phase, _: u64, _: u64) {}

#[tokio::test]
async fn s3_object_store_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let client = s3::in_process_client(dir.path());
    client
        .create_bucket()
        .bucket("models")
        .send()
        .await
        .unwrap();
    let store = S3Store::new(client, "s3://models/root/").unwrap();
    assert_eq!(store.describe(), "s3://models/root");
    store
        .put("v1/a.txt", Bytes::from_static(b"hello"))
        .await
        .unwrap();
    store
        .put("v1/b/c.bin", Bytes::from(vec![7u8; 70_000]))
        .await
        .unwrap();
    store
        .put("latest", Bytes::from_static(b"1\n"))
        .await
        .unwrap();
    assert_eq!(&store.get("v1/a.txt").await.unwrap()[..], b"hello");
    assert_eq!(store.get("v1/b/c.bin").await.unwrap().len(), 70_000);
    assert!(matches!(store.get("v1/zzz").await, Err(Error::NotFound(_))));
    assert_eq!(
        store.list("v1/").await.unwrap(),
        vec!["v1/a.txt".to_string(), "v1/b/c.bin".to_string()]
    );
    assert_eq!(store.list("").await.unwrap().len(), 3);
    assert!(store.get("../x").await.is_err());
    // The objects are really in the bucket under the prefix.
    assert!(dir.path().join("models/root/v1/a.txt").is_file());
}

#[tokio::test]
async fn load_from_s3_refuses_corrupt_and_incomplete_versions() {
    let dir = tempfile::tempdir().unwrap();
    let client = s3::in_process_client(dir.path());
    client
        .create_bucket()
        .bucket("models")
        .send()
        .await
        .unwrap();
    let s3 = S3Store::new(client, "s3://models/pinsage").unwrap();
    fixture::publish(&s3, 1, 1, 300, 16, 1).await.unwrap();

    let db_dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", db_dir.path().join("meta.db").display());
    let db = sql::open(&db_url.parse().unwrap()).await.unwrap();
    let target = VectorTarget::Embedded;

    let r = load::load_from_store(
        &s3,
        "s3://models/pinsage",
        None,
        &target,
        db.as_ref(),
        &no_progress,
    )
    .await
    .unwrap();
    assert!(r.changed);
    assert_eq!((r.version, r.items, r.dimension), (1, 300, 16));
    assert_eq!(db.active_version().await.unwrap().unwrap().version, 1);
    assert_eq!(db.count_movies(1).await.unwrap(), 300);
    assert_eq!(
        db.version_source(1).await.unwrap().as_deref(),
        Some("s3://models/pinsage")
    );
    // Same version again: a no-op.
    let again = load::load_from_store(
        &s3,
        "s3://models/pinsage",
        Some(1),
        &target,
        db.as_ref(),
        &no_progress,
    )
    .await
    .unwrap();
    assert!(!again.changed);

    // The server side: the embedded index of the active version, from S3.
    let serving = EmbeddedStore::with_index(EmbeddedIndex::open(&s3, Some(1)).await.unwrap());
    let q = fixture::vectors(1, 16, 99);
    let before = serving
        .search(&q, 10, &SearchFilter::default())
        .await
        .unwrap();
    assert_eq!(before.len(), 10);

    // Version 2 with a corrupted vector file: refused, naming the file.
    fixture::publish(&s3, 2, 1, 300, 16, 2).await.unwrap();
    let mut bytes = s3.get("v2/vectors.npy").await.unwrap().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    s3.put("v2/vectors.npy", Bytes::from(bytes)).await.unwrap();
    let err = load::load_from_store(
        &s3,
        "s3://models/pinsage",
        None,
        &target,
        db.as_ref(),
        &no_progress,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("v2/vectors.npy"), "{err}");
    assert!(err.contains("SHA-256"), "{err}");
    // Nothing was written: version 1 is still the active one and serves.
    assert!(db.version(2).await.unwrap().is_none());
    assert_eq!(db.active_version().await.unwrap().unwrap().version, 1);
    assert_eq!(
        serving
            .search(&q, 10, &SearchFilter::default())
            .await
            .unwrap(),
        before
    );

    // Version 3 whose manifest lists files that were never written.
    let manifest = s3.get("v1/manifest.json").await.unwrap();
    let mut m: artifact::Manifest = serde_json::from_slice(&manifest).unwrap();
    m.version = 3;
    s3.put(
        "v3/manifest.json",
        Bytes::from(serde_json::to_vec(&m).unwrap()),
    )
    .await
    .unwrap();
    let err = load::load_from_store(
        &s3,
        "s3://models/pinsage",
        Some(3),
        &target,
        db.as_ref(),
        &no_progress,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("v3/") && err.contains("missing"), "{err}");
    assert_eq!(db.active_version().await.unwrap().unwrap().version, 1);

    // A version that does not exist at all.
    let err = load::load_from_store(
        &s3,
        "s3://models/pinsage",
        Some(9),
        &target,
        db.as_ref(),
        &no_progress,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("v9/manifest.json"), "{err}");
}

/// Readers search in a loop while a new version is loaded and activated:
/// every result is non-empty and comes wholly from one version.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn embedded_readers_never_see_a_mix() {
    let models = tempfile::tempdir().unwrap();
    let root = LocalDir::new(models.path());
    // Version 1: ids 1..=2000; version 2: ids 100001..=102000.
    fixture::publish(&root, 1, 1, 2000, 32, 1).await.unwrap();
    let db_dir = tempfile::tempdir().unwrap();
    let db = sql::open(
        &format!("sqlite://{}", db_dir.path().join("m.db").display())
            .parse()
            .unwrap(),
    )
    .await
    .unwrap();
    let from = models.path().display().to_string();
    load::load_version(
        &from,
        None,
        &VectorTarget::Embedded,
        db.as_ref(),
        &no_progress,
    )
    .await
    .unwrap();
    let store = Arc::new(EmbeddedStore::new());
    assert_eq!(
        load::refresh_embedded(&store, db.as_ref()).await.unwrap(),
        Some(1)
    );
    assert_eq!(
        load::refresh_embedded(&store, db.as_ref()).await.unwrap(),
        None
    );

    let stop = Arc::new(AtomicBool::new(false));
    let seen_v2 = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::new();
    for r in 0..3u64 {
        let (store, stop, seen_v2) = (store.clone(), stop.clone(), seen_v2.clone());
        readers.push(tokio::spawn(async move {
            let mut n = 0u64;
            let filter = SearchFilter {
                genres: vec!["Comedy".into()],
                ..Default::default()
            };
            while !stop.load(Ordering::Relaxed) {
                let q = fixture::vectors(1, 32, 1000 + r * 100_000 + n);
                let f = if n.is_multiple_of(2) {
                    SearchFilter::default()
                } else {
                    filter.clone()
                };
                let hits = store.search(&q, 10, &f).await.expect("search failed");
                assert_eq!(hits.len(), 10, "short result");
                let new = hits.iter().filter(|h| h.id > 100_000).count();
                assert!(new == 0 || new == 10, "mixed versions: {hits:?}");
                if new == 10 {
                    seen_v2.fetch_add(1, Ordering::Relaxed);
                }
                n += 1;
                tokio::task::yield_now().await;
            }
            n
        }));
    }
    fixture::publish(&root, 2, 100_001, 2000, 32, 2)
        .await
        .unwrap();
    let r = load::load_version(
        &from,
        None,
        &VectorTarget::Embedded,
        db.as_ref(),
        &no_progress,
    )
    .await
    .unwrap();
    assert_eq!(r.version, 2);
    assert_eq!(
        load::refresh_embedded(&store, db.as_ref()).await.unwrap(),
        Some(2)
    );
    while seen_v2.load(Ordering::Relaxed) < 30 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        assert!(r.await.unwrap() > 0);
    }
    // Served through open_vectors as a server would.
    let served = load::open_vectors(&VectorSpec::Embedded, None, db.as_ref())
        .await
        .unwrap();
    assert_eq!(served.active_version().await.unwrap(), Some(2));
    assert_eq!(served.count().await.unwrap(), 2000);
}
