//! `load` is crash-safe: a failure injected before each of its steps (and,
//! in `tests/it/cli_crash.rs`, a `kill -9` of the process) leaves the active
//! version serving exactly as before — its movies, its vectors, its search
//! results — and running the same load again finishes the job. Old versions
//! are removed only after activation, keeping the active one and the
//! [`load::KEEP_PREVIOUS`] before it.
//!
//! Run on SQLite + the embedded index, and on MariaDB + Milvus Lite
//! (`REELGRAPH_TEST_MYSQL`, `REELGRAPH_TEST_MILVUS_LITE`).

use std::sync::Mutex;

use reelgraph_core::Error;
use reelgraph_core::object::LocalDir;
use reelgraph_core::types::MovieId;
use reelgraph_stores::embedded::EmbeddedIndex;
use reelgraph_stores::load::{self, Step, VectorTarget};
use reelgraph_stores::metadata::MetadataStore;
use reelgraph_stores::milvus::{MilvusStore, same_hits};
use reelgraph_stores::sql::{self, MySqlStore};
use reelgraph_stores::vector::{Hit, SearchFilter};
use reelgraph_testkit::data::service_url;
use reelgraph_testkit::fixture;
use sqlx::Executor;

const DIM: usize = 16;
const N: usize = 120;

fn no_progress(_: load::Phase, _: u64, _: u64) {}

/// What a server of `version` would answer: its movies, and (Milvus) a
/// search in its collection.
async fn served(
    db: &dyn MetadataStore,
    target: &VectorTarget,
    version: u64,
) -> (Vec<reelgraph_core::types::Movie>, Vec<Hit>) {
    let movies = db.all_movies(version).await.unwrap();
    let hits = match target {
        VectorTarget::Embedded => Vec::new(),
        VectorTarget::Milvus(m) => m
            .search_version(
                version,
                &fixture::vectors(1, DIM, 5),
                10,
                &SearchFilter::default(),
            )
            .await
            .unwrap(),
    };
    (movies, hits)
}

/// Versions 1, 2, … each with movies of their own ids (version v: ids
/// `100 v + 1 ..= 100 v + N`), loaded with a failure before one step each.
async fn exercise(db: &dyn MetadataStore, target: &VectorTarget) {
    let models = tempfile::tempdir().unwrap();
    let root = LocalDir::new(models.path());
    let from = models.path().display().to_string();
    let first_id = |v: u64| (100 * v + 1) as MovieId;

    fixture::publish(&root, 1, first_id(1), N, DIM, 1)
        .await
        .unwrap();
    load::load_version(&from, None, target, db, &no_progress)
        .await
        .unwrap();
    let mut active = 1u64;

    for (i, step) in Step::ALL.into_iter().enumerate() {
        let next = i as u64 + 2;
        fixture::publish(&root, next, first_id(next), N, DIM, next)
            .await
            .unwrap();
        let before = served(db, target, active).await;
        assert_eq!(before.0.len(), N);

        let fired = Mutex::new(false);
        let fail = |s: Step| {
            if s == step {
                *fired.lock().unwrap() = true;
                Err(Error::Unavailable(format!("injected failure before {s:?}")))
            } else {
                Ok(())
            }
        };
        let result = load::load_from_store_with(
            &root,
            &load::canonical_source(&from),
            None,
            target,
            db,
            &no_progress,
            &fail,
        )
        .await;
        let fired = *fired.lock().unwrap();
        let best_effort = matches!(step, Step::Alias | Step::Cleanup);
        if !fired {
            // A step this target does not have (vectors of the embedded index).
            assert!(matches!(step, Step::Vectors | Step::Prepare | Step::Alias));
            result.unwrap();
        } else if best_effort {
            // After activation the remaining steps are best-effort.
            result.unwrap();
        } else {
            let e = result.unwrap_err().to_string();
            assert!(e.contains("injected failure"), "{step:?}: {e}");
            // Nothing served changed.
            assert_eq!(
                db.active_version().await.unwrap().map(|r| r.version),
                Some(active),
                "{step:?}"
            );
            let after = served(db, target, active).await;
            assert_eq!(after.0, before.0, "{step:?}: the served movies changed");
            same_hits(&before.1, &after.1).unwrap_or_else(|why| panic!("{step:?}: {why}"));
            // Running the same load again finishes the job.
            let r = load::load_version(&from, None, target, db, &no_progress)
                .await
                .unwrap();
            assert!(r.changed, "{step:?}");
        }
        assert_eq!(
            db.active_version().await.unwrap().map(|r| r.version),
            Some(next),
            "{step:?}"
        );
        let now = served(db, target, next).await;
        assert_eq!(now.0, fixture::movies(first_id(next), N), "{step:?}");
        if let VectorTarget::Milvus(m) = target {
            assert_eq!(m.count_version(next).await.unwrap(), N);
            // The alias follows unless its move was the failure.
            if step != Step::Alias {
                assert_eq!(
                    reelgraph_stores::vector::VectorReader::active_version(m)
                        .await
                        .unwrap(),
                    Some(next)
                );
            }
        }
        // The previous version is still whole (a server may still serve it).
        assert_eq!(db.count_movies(active).await.unwrap() as usize, N);
        active = next;
    }

    // The load whose cleanup failed left one version more; the next load
    // removes it: the active version and the ones before it stay, no more.
    let last = Step::ALL.len() as u64 + 2;
    fixture::publish(&root, last, first_id(last), N, DIM, last)
        .await
        .unwrap();
    load::load_version(&from, None, target, db, &no_progress)
        .await
        .unwrap();
    let versions: Vec<u64> = db
        .versions()
        .await
        .unwrap()
        .iter()
        .map(|r| r.version)
        .collect();
    let kept: Vec<u64> = ((last - load::KEEP_PREVIOUS as u64)..=last).collect();
    assert_eq!(versions, kept);
    for v in 1..last - load::KEEP_PREVIOUS as u64 {
        assert_eq!(
            db.count_movies(v).await.unwrap(),
            0,
            "version {v} left rows"
        );
        if let VectorTarget::Milvus(m) = target {
            assert!(
                !m.has_version(v).await.unwrap(),
                "version {v} left a collection"
            );
        }
    }
    match target {
        // The embedded index of the active version opens from its model root.
        VectorTarget::Embedded => {
            let source = db.version_source(last).await.unwrap().unwrap();
            let index = EmbeddedIndex::open(&LocalDir::new(&source), Some(last))
                .await
                .unwrap();
            assert_eq!(index.len(), N);
        }
        VectorTarget::Milvus(m) => {
            for v in kept {
                m.drop_version(v).await.unwrap();
            }
        }
    }
}

#[tokio::test]
async fn sqlite_embedded_load_survives_a_failure_at_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("meta.db").display());
    let db = sql::open(&url.parse().unwrap()).await.unwrap();
    exercise(db.as_ref(), &VectorTarget::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mysql_milvus_load_survives_a_failure_at_every_step() {
    let test = "store_crash::mysql_milvus_load_survives_a_failure_at_every_step";
    let Some(mysql) = service_url("REELGRAPH_TEST_MYSQL", test) else {
        return;
    };
    let Some(milvus) = service_url("REELGRAPH_TEST_MILVUS_LITE", test) else {
        return;
    };
    let tag = format!(
        "crash_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            % 1_000_000
    );
    let admin = MySqlStore::connect(&mysql).await.unwrap();
    admin
        .pool()
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{tag}`")))
        .await
        .unwrap();
    let url = format!("{}/{tag}", mysql.trim_end_matches('/'));
    let ns = format!("{tag}_");
    let result = tokio::spawn(async move {
        let db = sql::open(&url.parse().unwrap()).await.unwrap();
        let m = MilvusStore::connect(&milvus.parse().unwrap(), None)
            .await
            .unwrap()
            .with_namespace(&ns)
            .unwrap();
        exercise(db.as_ref(), &VectorTarget::Milvus(m)).await;
    })
    .await;
    admin
        .pool()
        .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE `{tag}`")))
        .await
        .unwrap();
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}
