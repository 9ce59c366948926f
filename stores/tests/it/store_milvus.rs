//! The Milvus vector store against real servers: Milvus Lite
//! (`REELGRAPH_TEST_MILVUS_LITE`) and Milvus 2.3.5 standalone
//! (`REELGRAPH_TEST_MILVUS`), both started by `infra/`. Search results must
//! equal the embedded index's; readers never see an error, an empty result
//! or a mix of versions while a new version is loaded and activated; old
//! collections are dropped keeping the active one and two before it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use reelgraph_core::object::LocalDir;
use reelgraph_stores::embedded::EmbeddedIndex;
use reelgraph_stores::load::{self, VectorTarget};
use reelgraph_stores::milvus::{MilvusStore, same_hits};
use reelgraph_stores::sql;
use reelgraph_stores::vector::{SearchFilter, VectorReader, VectorWriter};
use reelgraph_testkit::data::service_url;
use reelgraph_testkit::fixture;

const DIM: usize = 64;
const N: usize = 3000;

fn no_progress(_: load::Phase, _: u64, _: u64) {}

fn namespace(tag: &str) -> String {
    format!(
        "t{}_{}_{tag}_",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            % 1_000_000
    )
}

async fn connect(url: &str, ns: &str) -> MilvusStore {
    MilvusStore::connect(&url.parse().unwrap(), None)
        .await
        .unwrap()
        .with_namespace(ns)
        .unwrap()
}

fn filters() -> Vec<SearchFilter> {
    vec![
        SearchFilter::default(),
        SearchFilter {
            genres: vec!["Comedy".into(), "Horror".into()],
            ..Default::default()
        },
        SearchFilter {
            year_min: Some(1960),
            year_max: Some(1990),
            ..Default::default()
        },
        SearchFilter {
            year_max: Some(1970),
            exclude: (1..400).collect(),
            ..Default::default()
        },
        SearchFilter {
            ids: Some((1..=N as u32).step_by(7).collect()),
            exclude: vec![8, 15, 22],
            genres: vec!["Drama".into()],
            ..Default::default()
        },
    ]
}

async fn exercise(url: &str, tag: &str) {
    let ns = namespace(tag);
    let models = tempfile::tempdir().unwrap();
    let root = LocalDir::new(models.path());
    let from = models.path().display().to_string();
    let db_dir = tempfile::tempdir().unwrap();
    let db = sql::open(
        &format!("sqlite://{}", db_dir.path().join("m.db").display())
            .parse()
            .unwrap(),
    )
    .await
    .unwrap();
    let target = VectorTarget::Milvus(connect(url, &ns).await);
    let VectorTarget::Milvus(milvus) = &target else {
        unreachable!()
    };
    assert_eq!(milvus.active_version().await.unwrap(), None);
    assert_eq!(milvus.count().await.unwrap(), 0);

    // Version 1: loaded, verified, aliased.
    fixture::publish(&root, 1, 1, N, DIM, 11).await.unwrap();
    let r = load::load_version(&from, None, &target, db.as_ref(), &no_progress)
        .await
        .unwrap();
    assert!(r.changed);
    assert_eq!(milvus.active_version().await.unwrap(), Some(1));
    assert_eq!(milvus.count().await.unwrap(), N);
    // Same version again: no-op.
    let again = load::load_version(&from, Some(1), &target, db.as_ref(), &no_progress)
        .await
        .unwrap();
    assert!(!again.changed);

    // Milvus == embedded, for many queries and filters.
    let index = EmbeddedIndex::open(&root, Some(1)).await.unwrap();
    let queries = fixture::vectors(60, DIM, 777);
    let mut compared = 0;
    for (i, q) in queries.chunks(DIM).enumerate() {
        let f = &filters()[i % filters().len()];
        let want = index.search(q, 10, f).unwrap();
        let got = milvus.search(q, 10, f).await.unwrap();
        assert!(!want.is_empty());
        if let Err(why) = same_hits(&want, &got) {
            panic!("query {i} filter {f:?}: {why}\nwant {want:?}\ngot  {got:?}");
        }
        compared += 1;
    }
    assert_eq!(compared, 60);
    let fetched = milvus.fetch(&[5, 99_999, 1, 3000]).await.unwrap();
    assert_eq!(
        fetched.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        vec![5, 1, 3000]
    );
    for (id, v) in &fetched {
        assert_eq!(v.as_slice(), index.vector(*id).unwrap());
    }

    // Readers in a loop while version 2 (other ids) is loaded and activated.
    let store = Arc::new(connect(url, &ns).await);
    let stop = Arc::new(AtomicBool::new(false));
    let seen_v2 = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::new();
    for r in 0..2u64 {
        let (store, stop, seen_v2) = (store.clone(), stop.clone(), seen_v2.clone());
        readers.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let q = fixture::vectors(1, DIM, 5000 + r * 100_000 + n);
                let hits = store
                    .search(&q, 10, &SearchFilter::default())
                    .await
                    .expect("search failed during the switch");
                assert_eq!(hits.len(), 10, "short result during the switch");
                let new = hits.iter().filter(|h| h.id > 100_000).count();
                assert!(new == 0 || new == 10, "mixed versions: {hits:?}");
                if new == 10 {
                    seen_v2.fetch_add(1, Ordering::Relaxed);
                }
                n += 1;
            }
            n
        }));
    }
    fixture::publish(&root, 2, 100_001, N, DIM, 22)
        .await
        .unwrap();
    let r = load::load_version(&from, None, &target, db.as_ref(), &no_progress)
        .await
        .unwrap();
    assert_eq!(r.version, 2);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while seen_v2.load(Ordering::Relaxed) < 5 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        assert!(r.await.unwrap() > 0);
    }
    assert!(
        seen_v2.load(Ordering::Relaxed) >= 5,
        "readers never saw version 2"
    );
    assert_eq!(db.active_version().await.unwrap().unwrap().version, 2);

    // Version 3: the two versions before it stay (load::KEEP_PREVIOUS).
    fixture::publish(&root, 3, 1, 500, DIM, 33).await.unwrap();
    load::load_version(&from, None, &target, db.as_ref(), &no_progress)
        .await
        .unwrap();
    assert_eq!(milvus.active_version().await.unwrap(), Some(3));
    assert_eq!(milvus.count().await.unwrap(), 500);
    assert_eq!(load::KEEP_PREVIOUS, 2);
    assert!(milvus.has_version(1).await.unwrap());
    assert!(milvus.has_version(2).await.unwrap());
    // Going back to version 2 (still kept) works without re-verifying files.
    milvus.activate(2).await.unwrap();
    assert_eq!(milvus.count().await.unwrap(), N);

    for v in [1, 2, 3] {
        milvus.drop_version(v).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn milvus_lite_matches_embedded() {
    let Some(url) = service_url(
        "REELGRAPH_TEST_MILVUS_LITE",
        "store_milvus::milvus_lite_matches_embedded",
    ) else {
        return;
    };
    exercise(&url, "lite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn milvus_standalone_matches_embedded() {
    let Some(url) = service_url(
        "REELGRAPH_TEST_MILVUS",
        "store_milvus::milvus_standalone_matches_embedded",
    ) else {
        return;
    };
    exercise(&url, "standalone").await;
}
