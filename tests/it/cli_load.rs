//! `reelgraph load` end to end: a generated version in a local model root
//! is loaded into SQLite + the embedded index, loading it again is a no-op,
//! a corrupted version is refused naming the file, and the active version
//! stays active.

use bytes::Bytes;
use reelgraph_core::object::{LocalDir, ObjectStore};
use reelgraph_stores::load;
use reelgraph_stores::sql;
use reelgraph_stores::vector::SearchFilter;
use reelgraph_testkit::fixture;

fn reelgraph(args: &[&str]) -> (bool, String, String) {
    let r = super::reelgraph().run(args);
    (r.ok(), r.stdout, r.stderr)
}

#[test]
fn cli_load_embedded_sqlite() {
    let models = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = LocalDir::new(models.path());
    rt.block_on(fixture::publish(&root, 20261128100000, 1, 800, 32, 5))
        .unwrap();
    let from = models.path().display().to_string();
    let db = format!("sqlite://{}", state.path().join("meta.db").display());
    let args = [
        "load",
        "--from",
        &from,
        "--vectors",
        "embedded",
        "--db",
        &db,
        "--quiet",
    ];

    let (ok, out, err) = reelgraph(&args);
    assert!(ok, "stdout: {out}\nstderr: {err}");
    assert!(
        out.contains("loaded version 20261128100000 (800 items, dimension 32)"),
        "{out}"
    );

    let (ok, out, err) = reelgraph(&args);
    assert!(ok, "{err}");
    assert!(out.contains("already active"), "{out}");

    // A corrupted newer version is refused, naming the file.
    rt.block_on(fixture::publish(&root, 20261128110000, 1, 800, 32, 6))
        .unwrap();
    let key = "v20261128110000/vectors.npy";
    let mut bytes = rt.block_on(root.get(key)).unwrap().to_vec();
    bytes[200] ^= 1;
    rt.block_on(root.put(key, Bytes::from(bytes))).unwrap();
    let (ok, out, err) = reelgraph(&args);
    assert!(!ok, "corrupt version was accepted: {out}");
    assert!(err.contains(key), "{err}");

    // Bad flags name the flag.
    let (ok, _, err) = reelgraph(&[
        "load",
        "--from",
        &from,
        "--vectors",
        "redis://x",
        "--db",
        &db,
    ]);
    assert!(!ok && err.contains("--vectors"), "{err}");
    let (ok, _, err) = reelgraph(&["load", "--from", &from, "--db", "postgres://x"]);
    assert!(!ok && err.contains("db"), "{err}");

    // The first version is still the one a server opens.
    rt.block_on(async {
        let store = sql::open(&db.parse().unwrap()).await.unwrap();
        let active = store.active_version().await.unwrap().unwrap();
        assert_eq!(active.version, 20261128100000);
        let vectors = load::open_vectors(
            &reelgraph_core::settings::VectorSpec::Embedded,
            None,
            store.as_ref(),
        )
        .await
        .unwrap();
        assert_eq!(
            vectors.active_version().await.unwrap(),
            Some(20261128100000)
        );
        let q = fixture::vectors(1, 32, 9);
        assert_eq!(
            vectors
                .search(&q, 5, &SearchFilter::default())
                .await
                .unwrap()
                .len(),
            5
        );
    });
}
