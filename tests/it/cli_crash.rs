//! `kill -9` of `reelgraph load` in the middle of writing a new version into
//! MariaDB + Milvus Lite (`REELGRAPH_TEST_MYSQL`, `REELGRAPH_TEST_MILVUS_LITE`):
//! the active version is served exactly as before (its movies, its search
//! results), and running the same load again finishes the job.

use std::process::Stdio;
use std::time::{Duration, Instant};

use reelgraph_core::object::LocalDir;
use reelgraph_stores::milvus::{MilvusStore, same_hits};
use reelgraph_stores::sql::{self, MySqlStore};
use reelgraph_stores::vector::SearchFilter;
use reelgraph_testkit::data::service_url;
use reelgraph_testkit::fixture;
use sqlx::Executor;

const V1: u64 = 20261201000000;
const V2: u64 = 20261202000000;
const DIM: usize = 32;

#[test]
fn kill_9_in_the_middle_of_load_changes_nothing_served() {
    let test = "cli_crash::kill_9_in_the_middle_of_load_changes_nothing_served";
    let Some(mysql) = service_url("REELGRAPH_TEST_MYSQL", test) else {
        return;
    };
    let Some(milvus) = service_url("REELGRAPH_TEST_MILVUS_LITE", test) else {
        return;
    };
    let unique = format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            % 1_000_000_000
    );
    let db_name = format!("reelgraph_test_kill_{unique}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let admin = rt.block_on(MySqlStore::connect(&mysql)).unwrap();
    rt.block_on(
        admin
            .pool()
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{db_name}`"))),
    )
    .unwrap();
    let db_url = format!("{}/{db_name}", mysql.trim_end_matches('/'));
    let result = std::panic::catch_unwind(|| exercise(&rt, &db_url, &milvus));
    rt.block_on(
        admin
            .pool()
            .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE `{db_name}`"))),
    )
    .unwrap();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

fn exercise(rt: &tokio::runtime::Runtime, db_url: &str, milvus: &str) {
    let models = tempfile::tempdir().unwrap();
    let root = LocalDir::new(models.path());
    let from = models.path().display().to_string();
    let cli = super::reelgraph();
    let load = [
        "load",
        "--from",
        &from,
        "--vectors",
        milvus,
        "--db",
        db_url,
        "--quiet",
    ];

    rt.block_on(fixture::publish(&root, V1, 1, 2_000, DIM, 1))
        .unwrap();
    let r = cli.run(&load);
    assert!(r.ok(), "{}", r.stderr);
    // Version 2 is large enough that writing it takes a while.
    rt.block_on(fixture::publish(&root, V2, 1_001, 60_000, DIM, 2))
        .unwrap();

    let (db, m) = rt.block_on(async {
        let db = sql::open_reader(&db_url.parse().unwrap()).await.unwrap();
        let m = MilvusStore::connect(&milvus.parse().unwrap(), None)
            .await
            .unwrap();
        (db, m)
    });
    let q = fixture::vectors(1, DIM, 77);
    let served = || {
        rt.block_on(async {
            let active = db.active_version().await.unwrap().map(|r| r.version);
            let movies = db.all_movies(V1).await.unwrap();
            let hits = m
                .search_version(V1, &q, 10, &SearchFilter::default())
                .await
                .unwrap();
            (active, movies, hits)
        })
    };
    let before = served();
    assert_eq!(before.0, Some(V1));
    assert_eq!(before.1.len(), 2_000);

    // Start loading version 2; kill -9 as soon as its rows are being written.
    let mut child = cli
        .command(load)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let written = rt.block_on(db.count_movies(V2)).unwrap();
        if written > 0 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the load ended before it was killed"
        );
        assert!(Instant::now() < until, "the load never started writing");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let after = served();
    assert_eq!(after.0, Some(V1), "the killed load activated its version");
    assert_eq!(after.1, before.1, "the served movies changed");
    same_hits(&before.2, &after.2).unwrap();

    // The same load again finishes the job.
    let r = cli.run(&load);
    assert!(r.ok(), "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!("loaded version {V2}")),
        "{}",
        r.stdout
    );
    rt.block_on(async {
        assert_eq!(db.active_version().await.unwrap().unwrap().version, V2);
        assert_eq!(db.count_movies(V2).await.unwrap(), 60_000);
        assert_eq!(m.count_version(V2).await.unwrap(), 60_000);
        for v in [V1, V2] {
            m.drop_version(v).await.unwrap();
        }
    });
}
