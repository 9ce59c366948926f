//! The feedback stores against real stores: SQLite in a temp dir, MariaDB /
//! MySQL (`REELGRAPH_TEST_MYSQL`) in a scratch database, and the object
//! store on a local directory and on the local S3 server (in process).

use std::sync::Arc;
use std::time::Duration;

use reelgraph_core::object::s3::S3Store;
use reelgraph_core::object::{LocalDir, ObjectStore};
use reelgraph_stores::feedback::{
    FeedbackStore, FlushPolicy, Mark, ObjectFeedback, Signal, Visitor,
};
use reelgraph_stores::sql::{self, MySqlStore};
use reelgraph_testkit::data::service_url;
use reelgraph_testkit::s3;
use reelgraph_testkit::scratch::ScratchDb;
use sqlx::Executor;

fn visitor(n: u32) -> Visitor {
    format!("0f8fad5b-d9cb-469f-a165-{n:012x}").parse().unwrap()
}

fn summary(marks: &[Mark]) -> Vec<(u32, Signal, i64)> {
    marks.iter().map(|m| (m.movie, m.signal, m.at_ms)).collect()
}

/// What every feedback store does: newest first, a movie marked again
/// replaces its signal, visitors are apart, `forget` forgets one visitor,
/// `all` gives everyone's for training.
async fn contract(store: &dyn FeedbackStore) {
    let (a, b) = (visitor(1), visitor(2));
    assert!(store.list(&a).await.unwrap().is_empty());
    store.record(&a, 10, Signal::Like, 1_000).await.unwrap();
    store.record(&a, 20, Signal::Dislike, 2_000).await.unwrap();
    store.record(&a, 30, Signal::Skip, 3_000).await.unwrap();
    store.record(&b, 10, Signal::Dislike, 1_500).await.unwrap();
    assert_eq!(
        summary(&store.list(&a).await.unwrap()),
        vec![
            (30, Signal::Skip, 3_000),
            (20, Signal::Dislike, 2_000),
            (10, Signal::Like, 1_000)
        ]
    );
    // Marking movie 10 again replaces the like, and it is now the newest.
    store.record(&a, 10, Signal::Dislike, 4_000).await.unwrap();
    let listed = store.list(&a).await.unwrap();
    assert_eq!(
        summary(&listed),
        vec![
            (10, Signal::Dislike, 4_000),
            (30, Signal::Skip, 3_000),
            (20, Signal::Dislike, 2_000)
        ]
    );
    assert!(listed.iter().all(|m| m.visitor == a));
    assert_eq!(
        summary(&store.list(&b).await.unwrap()),
        vec![(10, Signal::Dislike, 1_500)]
    );
    // The id is read in any case and kept in lower case.
    let upper: Visitor = a.as_str().to_ascii_uppercase().parse().unwrap();
    assert_eq!(store.list(&upper).await.unwrap().len(), 3);

    let all = store.all().await.unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(
        all.iter()
            .map(|m| (m.visitor.as_str().to_string(), m.movie, m.at_ms))
            .collect::<Vec<_>>(),
        vec![
            (a.as_str().to_string(), 20, 2_000),
            (a.as_str().to_string(), 30, 3_000),
            (a.as_str().to_string(), 10, 4_000),
            (b.as_str().to_string(), 10, 1_500),
        ],
        "by visitor, oldest first"
    );

    store.forget(&a).await.unwrap();
    assert!(store.list(&a).await.unwrap().is_empty());
    assert_eq!(store.list(&b).await.unwrap().len(), 1, "b is not forgotten");
    // Forgetting a visitor with nothing is fine; marks after a forget count.
    store.forget(&visitor(3)).await.unwrap();
    let later = reelgraph_stores::feedback::now_ms();
    store.record(&a, 40, Signal::Like, later).await.unwrap();
    assert_eq!(
        summary(&store.list(&a).await.unwrap()),
        vec![(40, Signal::Like, later)]
    );
    assert_eq!(store.all().await.unwrap().len(), 2);
}

#[tokio::test]
async fn sqlite_feedback() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("meta.db").display());
    let db = url.parse().unwrap();
    // `load`/`migrate` create the schema; serving opens a reader and the
    // feedback handle, neither of which migrates.
    drop(sql::open(&db).await.unwrap());
    let reader = sql::open_reader(&db).await.unwrap();
    let store = sql::open_feedback(&db).await.unwrap();
    assert_eq!(store.kind(), "sqlite");
    contract(store.as_ref()).await;
    // Durable: another handle (a restarted server) reads the same.
    drop(store);
    let again = sql::open_feedback(&db).await.unwrap();
    assert_eq!(again.list(&visitor(2)).await.unwrap().len(), 1);
    assert!(reader.active_version().await.unwrap().is_none());
}

#[tokio::test]
async fn sqlite_feedback_needs_an_existing_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.db");
    let db = format!("sqlite://{}", path.display()).parse().unwrap();
    assert!(sql::open_feedback(&db).await.is_err());
    assert!(
        !path.exists(),
        "the feedback handle never creates a database"
    );
}

#[tokio::test]
async fn sqlite_feedback_without_the_table_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("empty.db").display());
    // A database nothing was loaded into (no schema yet).
    drop(sql::SqliteStore::connect(&url).await.unwrap());
    let store = sql::open_feedback(&url.parse().unwrap()).await.unwrap();
    let err = store.record(&visitor(1), 1, Signal::Like, 1).await;
    assert!(
        matches!(err, Err(reelgraph_core::error::Error::Unavailable(_))),
        "{err:?}"
    );
    let err = store.list(&visitor(1)).await.unwrap_err().to_string();
    assert!(!err.contains(visitor(1).as_str()), "{err}");
}

/// MariaDB / MySQL, through a user with only the privileges the
/// documentation names: SELECT on the schema, INSERT and DELETE on
/// `feedback`.
#[tokio::test]
async fn mysql_feedback() {
    let Some(server) = service_url("REELGRAPH_TEST_MYSQL", "store_feedback::mysql_feedback") else {
        return;
    };
    let scratch = ScratchDb::create(&server, "fb").await;
    let (name, url) = (scratch.name.clone(), scratch.url.clone());
    let admin = MySqlStore::connect(&server).await.unwrap();
    let base = server.trim_end_matches('/').to_string();
    let user = format!("fb{}", std::process::id());
    for stmt in [
        format!("CREATE USER '{user}'@'%' IDENTIFIED BY 'fb-pass'"),
        format!("GRANT SELECT ON `{name}`.* TO '{user}'@'%'"),
        format!("GRANT INSERT, DELETE ON `{name}`.`feedback` TO '{user}'@'%'"),
    ] {
        // The grant on the table needs the table: run it after migrating.
        if stmt.contains("`feedback`") {
            drop(sql::open(&url.parse().unwrap()).await.unwrap());
        }
        admin
            .pool()
            .execute(sqlx::AssertSqlSafe(stmt))
            .await
            .unwrap();
    }
    let (scheme, rest) = base.split_once("://").unwrap();
    let host = rest.rsplit('@').next().unwrap();
    let limited = format!("{scheme}://{user}:fb-pass@{host}/{name}");
    let result = tokio::spawn(async move {
        let db = limited.parse().unwrap();
        let store = sql::open_feedback(&db).await.unwrap();
        assert_eq!(store.kind(), "mysql");
        contract(store.as_ref()).await;
        // Concurrent marks of one movie by one visitor: one signal remains.
        let v = visitor(9);
        let mut tasks = Vec::new();
        for i in 0..8i64 {
            let store = store.clone();
            let v = v.clone();
            tasks.push(tokio::spawn(async move {
                store.record(&v, 5, Signal::Like, 10_000 + i).await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(store.list(&v).await.unwrap().len(), 1);
        // The serving credential cannot touch the catalogue.
        let pool = MySqlStore::connect(&limited).await.unwrap();
        let denied = pool
            .pool()
            .execute("DELETE FROM movies")
            .await
            .unwrap_err()
            .to_string();
        assert!(denied.contains("denied"), "{denied}");
    })
    .await;
    admin
        .pool()
        .execute(sqlx::AssertSqlSafe(format!("DROP USER '{user}'@'%'")))
        .await
        .unwrap();
    scratch.drop().await;
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// The `.jsonl` objects of a store, recursively.
async fn feedback_objects(store: &dyn ObjectStore) -> Vec<String> {
    store
        .list("")
        .await
        .unwrap()
        .into_iter()
        .filter(|k| k.ends_with(".jsonl"))
        .collect()
}

/// Never flushes by itself within a test (only by count or on `flush`).
fn by_count(n: usize) -> FlushPolicy {
    FlushPolicy {
        max_signals: n,
        max_age: Duration::from_secs(3600),
        max_buffered: 1000,
    }
}

async fn object_store_batches(objects: Arc<dyn ObjectStore>) {
    let store = ObjectFeedback::new(objects.clone(), by_count(10));
    // One visitor, 25 marks: written at the 10th and the 20th, one object each.
    let a = visitor(1);
    for i in 0..25u32 {
        store
            .record(&a, 100 + i, Signal::Like, 1_000 + i64::from(i))
            .await
            .unwrap();
        let written = feedback_objects(objects.as_ref()).await.len();
        assert_eq!(written, (i as usize + 1) / 10, "after mark {}", i + 1);
    }
    assert_eq!(store.buffered(), 5);
    // The buffered ones are listed by their own instance already…
    assert_eq!(store.list(&a).await.unwrap().len(), 25);
    // …but not by another one until they are flushed.
    let other = ObjectFeedback::new(objects.clone(), by_count(10));
    assert_eq!(other.list(&a).await.unwrap().len(), 20);
    // Shutdown: the flush writes them; nothing is lost.
    store.flush().await.unwrap();
    assert_eq!(store.buffered(), 0);
    assert_eq!(feedback_objects(objects.as_ref()).await.len(), 3);
    let listed = other.list(&a).await.unwrap();
    assert_eq!(listed.len(), 25);
    assert_eq!(listed[0].movie, 124, "newest first");
    assert_eq!(listed[24].movie, 100);
    drop(store);

    // 40 visitors, one mark each, flushed at the 40th: one object per
    // shard written to (at most 16), never one per request.
    let many = ObjectFeedback::new(objects.clone(), by_count(40));
    let before = feedback_objects(objects.as_ref()).await.len();
    for n in 0..40u32 {
        many.record(&visitor(1000 + n), 7, Signal::Skip, 5_000)
            .await
            .unwrap();
    }
    let written = feedback_objects(objects.as_ref()).await.len() - before;
    assert!(
        (1..=16).contains(&written),
        "{written} objects for 40 marks"
    );
    assert_eq!(many.buffered(), 0);
    for n in 0..40u32 {
        let got = other.list(&visitor(1000 + n)).await.unwrap();
        assert_eq!(summary(&got), vec![(7, Signal::Skip, 5_000)]);
    }

    // Forget: a tombstone is appended; earlier objects stay as they were.
    let keys_before = feedback_objects(objects.as_ref()).await;
    many.forget(&a).await.unwrap();
    many.flush().await.unwrap();
    let keys_after = feedback_objects(objects.as_ref()).await;
    assert_eq!(keys_after.len(), keys_before.len() + 1);
    assert!(keys_before.iter().all(|k| keys_after.contains(k)));
    assert!(other.list(&a).await.unwrap().is_empty());
    // A mark after the forget is listed; the forgotten ones stay hidden.
    let later = reelgraph_stores::feedback::now_ms();
    many.record(&a, 999, Signal::Dislike, later).await.unwrap();
    many.flush().await.unwrap();
    assert_eq!(
        summary(&other.list(&a).await.unwrap()),
        vec![(999, Signal::Dislike, later)]
    );
    // Training sees the same: 40 visitors' skips and a's one dislike.
    let all = other.all().await.unwrap();
    assert_eq!(all.len(), 41);
    assert_eq!(all.iter().filter(|m| m.visitor == a).count(), 1);
}

#[tokio::test]
async fn object_feedback_on_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    object_store_batches(Arc::new(LocalDir::new(dir.path().join("feedback")))).await;
}

#[tokio::test]
async fn object_feedback_on_s3() {
    let dir = tempfile::tempdir().unwrap();
    let client = s3::in_process_client(dir.path());
    client.create_bucket().bucket("site").send().await.unwrap();
    let store = S3Store::new(client, "s3://site/models/feedback").unwrap();
    object_store_batches(Arc::new(store)).await;
}

#[tokio::test]
async fn object_feedback_contract_and_age_flush() {
    let dir = tempfile::tempdir().unwrap();
    let objects: Arc<dyn ObjectStore> = Arc::new(LocalDir::new(dir.path()));
    contract(ObjectFeedback::new(objects.clone(), by_count(3)).as_ref()).await;

    // The oldest buffered mark is written once it is `max_age` old, by the
    // background task, with no further request.
    let dir = tempfile::tempdir().unwrap();
    let objects: Arc<dyn ObjectStore> = Arc::new(LocalDir::new(dir.path()));
    let store = ObjectFeedback::new(
        objects.clone(),
        FlushPolicy {
            max_signals: 100,
            max_age: Duration::from_millis(200),
            max_buffered: 1000,
        },
    );
    store.record(&visitor(1), 1, Signal::Like, 1).await.unwrap();
    assert_eq!(feedback_objects(objects.as_ref()).await.len(), 0);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(feedback_objects(objects.as_ref()).await.len(), 1);
    assert_eq!(store.buffered(), 0);
}

#[tokio::test]
async fn object_feedback_keeps_signals_while_the_store_is_down() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the store's directory should be: every write fails.
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, b"not a directory").unwrap();
    let objects: Arc<dyn ObjectStore> = Arc::new(LocalDir::new(&blocked));
    let store = ObjectFeedback::new(
        objects,
        FlushPolicy {
            max_signals: 2,
            max_age: Duration::from_secs(3600),
            max_buffered: 4,
        },
    );
    let v = visitor(1);
    for i in 0..4u32 {
        store
            .record(&v, i + 1, Signal::Like, i64::from(i))
            .await
            .unwrap();
    }
    assert_eq!(store.buffered(), 4, "a failed flush keeps them");
    let err = store.record(&v, 9, Signal::Like, 9).await;
    assert!(
        matches!(err, Err(reelgraph_core::error::Error::Unavailable(_))),
        "{err:?}"
    );
    assert!(store.flush().await.is_err());
    assert_eq!(store.buffered(), 4);
    // Once the directory can be made, the next flush writes all of them.
    std::fs::remove_file(&blocked).unwrap();
    store.flush().await.unwrap();
    let fresh = ObjectFeedback::new(Arc::new(LocalDir::new(&blocked)), by_count(10));
    assert_eq!(fresh.list(&v).await.unwrap().len(), 4);
}
