//! The metadata store against real databases: SQLite in a temp dir, and
//! MariaDB/MySQL (`REELGRAPH_TEST_MYSQL`, a server URL without a database)
//! in a uniquely named database created and dropped by the test.

use reelgraph_core::settings::{DbKind, DbSpec};
use std::sync::Arc;

use reelgraph_core::types::Movie;
use reelgraph_stores::metadata::{MetadataStore, ModelVersionRow};
use reelgraph_stores::sql::{self, MySqlStore, SqliteStore};
use reelgraph_testkit::data::service_url;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Executor, SqlSafeStr};

fn movie(id: u32) -> Movie {
    Movie {
        id,
        title: format!("Movie {id}, The"),
        display_title: format!("The Movie {id}"),
        year: (!id.is_multiple_of(3)).then_some(1950 + (id % 70) as u16),
        genres: if id.is_multiple_of(2) {
            vec!["Comedy".into(), "Drama".into()]
        } else {
            vec!["Sci-Fi".into()]
        },
        plot: id
            .is_multiple_of(4)
            .then(|| format!("Plot of {id}: it's \"quoted\"; DROP TABLE movies; --")),
        director: Some(format!("Director {id}")),
        actors: vec![format!("Actor {id}"), "Zoë Ünicode".into()],
        runtime: Some(90 + (id % 60) as u16),
        rated: Some("PG-13".into()),
        language: Some("English".into()),
        poster: Some(format!("https://img.example/{id}.jpg")),
        imdb_id: Some(format!("tt{id:07}")),
        released: (!id.is_multiple_of(5))
            .then(|| format!("19{:02}-0{}-1{}", id % 100, 1 + id % 9, id % 10)),
        imdb_rating: (!id.is_multiple_of(6)).then_some(1.0 + (id % 90) as f32 / 10.0),
        imdb_votes: (!id.is_multiple_of(7)).then_some(id * 1_001),
        popularity: id * 7,
    }
}

const V1: u64 = 20261128100000;
const V2: u64 = 20261128110000;

fn row(version: u64) -> ModelVersionRow {
    ModelVersionRow {
        version,
        dimension: 64,
        metrics: serde_json::json!({"recall@10": 0.123, "v": version}),
        loaded_at: sql::now_rfc3339(),
        active: false,
    }
}

/// Migration 1 alone, as the schema was before `0003_movie_details`.
fn first_schema(sql: &'static str) -> Migrator {
    Migrator::with_migrations(vec![Migration::new(
        1,
        "init".into(),
        MigrationType::Simple,
        sql.into_sql_str(),
        false,
    )])
}

/// A movie row as the first schema stored it.
const OLD_ROW: &str = "INSERT INTO movies (id, title, display_title, year, genres, plot, director, \
    actors, runtime, rated, language, poster, imdb_id, popularity) \
    VALUES (1, 'Old, The', 'The Old', 1999, '[\"Drama\"]', 'Old plot.', NULL, '[]', 90, NULL, NULL, NULL, 'tt0000001', 5)";

/// After the upgrade the old row reads with the new fields unknown (as a row
/// of version 0: no version was active when it was written).
async fn check_upgraded(store: &dyn MetadataStore) {
    let got = store.movies(0, &[1]).await.unwrap();
    assert_eq!(
        got,
        vec![Movie {
            id: 1,
            title: "Old, The".into(),
            display_title: "The Old".into(),
            year: Some(1999),
            genres: vec!["Drama".into()],
            plot: Some("Old plot.".into()),
            runtime: Some(90),
            imdb_id: Some("tt0000001".into()),
            popularity: 5,
            ..Movie::default()
        }]
    );
    assert_eq!(
        (
            got[0].released.clone(),
            got[0].imdb_rating,
            got[0].imdb_votes
        ),
        (None, None, None)
    );
}

async fn exercise(store: Arc<dyn MetadataStore>) {
    store.migrate().await.unwrap(); // idempotent: open() already ran it
    let movies: Vec<Movie> = (1..=1234).map(movie).collect();
    store.upsert_movies(V1, &movies).await.unwrap();
    store.upsert_movies(V1, &movies).await.unwrap(); // idempotent
    assert_eq!(store.count_movies(V1).await.unwrap(), 1234);
    assert_eq!(store.count_movies(V2).await.unwrap(), 0);

    // Update a few rows, leave the rest.
    let mut changed = movies[10..13].to_vec();
    for m in &mut changed {
        m.title.push_str(" (restored)");
        m.year = None;
        m.popularity += 1;
    }
    store.upsert_movies(V1, &changed).await.unwrap();
    assert_eq!(store.count_movies(V1).await.unwrap(), 1234);

    let got = store.movies(V1, &[12, 999_999, 4, 11]).await.unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], changed[1]);
    assert_eq!(got[1], movies[3]);
    assert_eq!(got[2], changed[0]);
    assert!(got[1].plot.as_deref().unwrap().contains("DROP TABLE"));
    assert!(store.movies(V2, &[12]).await.unwrap().is_empty());

    let all = store.all_movies(V1).await.unwrap();
    assert_eq!(all.len(), 1234);
    assert_eq!(all[0], movies[0]);
    assert_eq!(all[1233], movies[1233]);
    // More ids than one batch.
    let many: Vec<u32> = (1..=1234).rev().collect();
    let got = store.movies(V1, &many).await.unwrap();
    assert_eq!(got.len(), 1234);
    assert_eq!(got[0].id, 1234);

    // Another version's movies are rows of their own: same ids, other data.
    let v2_movies: Vec<Movie> = (1000..=1300)
        .map(|id| Movie {
            title: format!("V2 {id}"),
            ..movie(id)
        })
        .collect();
    store.upsert_movies(V2, &v2_movies).await.unwrap();
    assert_eq!(store.count_movies(V2).await.unwrap(), 301);
    assert_eq!(store.count_movies(V1).await.unwrap(), 1234);
    assert_eq!(
        store.movies(V1, &[1000]).await.unwrap()[0].title,
        "Movie 1000, The"
    );
    assert_eq!(store.movies(V2, &[1000]).await.unwrap()[0].title, "V2 1000");

    // Versions.
    assert!(store.active_version().await.unwrap().is_none());
    assert!(store.activate_version(1).await.is_err());
    for v in [V1, V2] {
        store.record_version(&row(v)).await.unwrap();
    }
    store.activate_version(V1).await.unwrap();
    store
        .set_version_source(V1, "s3://bucket/models")
        .await
        .unwrap();
    store
        .set_version_source(V1, "s3://bucket/models")
        .await
        .unwrap();
    assert!(store.set_version_source(5, "x").await.is_err());
    let active = store.active_version().await.unwrap().unwrap();
    assert_eq!(active.version, V1);
    assert!(active.active);
    assert_eq!(active.metrics["recall@10"], 0.123);
    assert_eq!(
        store.version_source(V1).await.unwrap().as_deref(),
        Some("s3://bucket/models")
    );
    assert_eq!(store.version_source(V2).await.unwrap(), None);

    // The served version is never written or removed.
    let e = store
        .upsert_movies(V1, &changed)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("is active"), "{e}");
    let e = store.forget_version(V1).await.unwrap_err().to_string();
    assert!(e.contains("is active"), "{e}");
    assert_eq!(store.count_movies(V1).await.unwrap(), 1234);

    store.activate_version(V2).await.unwrap();
    let versions = store.versions().await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        versions.iter().map(|v| v.active).collect::<Vec<_>>(),
        vec![false, true]
    );
    // Re-recording keeps the active flag.
    let mut again = versions[1].clone();
    again.metrics = serde_json::json!({"again": true});
    store.record_version(&again).await.unwrap();
    let v = store.version(V2).await.unwrap().unwrap();
    assert!(v.active);
    assert_eq!(v.metrics["again"], true);

    // An inactive version is removed whole (its movies and its record).
    store.forget_version(V1).await.unwrap();
    assert_eq!(store.count_movies(V1).await.unwrap(), 0);
    assert!(store.version(V1).await.unwrap().is_none());
    assert_eq!(store.count_movies(V2).await.unwrap(), 301);
    store.forget_version(V1).await.unwrap(); // nothing left: no error
}

/// A database loaded by a build before versioned movies (the schema of
/// migration 1) is migrated in place by `open` (what `load` and `reelgraph
/// migrate` use): its movies become the rows of the version that was active.
async fn migrates_unversioned_rows(url: &str, first: &str) {
    let db: DbSpec = url.parse().unwrap();
    let old = "INSERT INTO movies (id, title, display_title, year, genres, actors, popularity) \
               VALUES (1, 'One', 'One', 1999, '[\"Drama\"]', '[]', 5), \
                      (2, 'Two', 'Two', NULL, '[]', '[]', 3); \
               INSERT INTO model_versions (version, dimension, metrics, loaded_at, active) \
               VALUES (7, 4, '{}', '2026-11-28T10:00:00Z', TRUE)";
    for statement in [first, old] {
        match db.kind() {
            DbKind::Sqlite => {
                let s = sql::SqliteStore::connect(url).await.unwrap();
                s.pool()
                    .execute(sqlx::AssertSqlSafe(statement.to_string()))
                    .await
                    .unwrap();
            }
            DbKind::MySql => {
                let s = MySqlStore::connect(url).await.unwrap();
                s.pool()
                    .execute(sqlx::AssertSqlSafe(statement.to_string()))
                    .await
                    .unwrap();
            }
        }
    }
    let store = sql::open(&db).await.unwrap();
    assert_eq!(store.count_movies(7).await.unwrap(), 2);
    let all = store.all_movies(7).await.unwrap();
    assert_eq!(
        all.iter().map(|m| (m.id, m.year)).collect::<Vec<_>>(),
        vec![(1, Some(1999)), (2, None)]
    );
    assert_eq!(store.active_version().await.unwrap().unwrap().version, 7);
    let reader = sql::open_reader(&db).await.unwrap();
    assert_eq!(reader.count_movies(7).await.unwrap(), 2);
}

#[tokio::test]
async fn sqlite_metadata_store() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("meta.db").display());
    // A database made by the first schema, with a row, upgrades in place.
    let old = SqliteStore::connect(&url).await.unwrap();
    first_schema(include_str!("../../migrations/sqlite/0001_init.sql"))
        .run(old.pool())
        .await
        .unwrap();
    sqlx::query(OLD_ROW).execute(old.pool()).await.unwrap();
    old.pool().close().await;
    let store = sql::open(&url.parse().unwrap()).await.unwrap();
    check_upgraded(store.as_ref()).await;
    exercise(store).await;
    // Reopening finds the data and migrates nothing new.
    let store = sql::open(&url.parse().unwrap()).await.unwrap();
    assert_eq!(store.count_movies(V2).await.unwrap(), 301);
    // Serving opens it read-only: reads work, writes are refused by SQLite.
    let reader = sql::open_reader(&url.parse().unwrap()).await.unwrap();
    assert_eq!(reader.count_movies(V2).await.unwrap(), 301);
    let rw = sql::SqliteStore::connect_read_only(&url).await.unwrap();
    let e = rw
        .pool()
        .execute("DELETE FROM movies")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("readonly") || e.contains("read-only") || e.contains("read only"),
        "{e}"
    );
}

#[tokio::test]
async fn sqlite_migrates_unversioned_movies() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    migrates_unversioned_rows(&url, include_str!("../../migrations/sqlite/0001_init.sql")).await;
}

#[tokio::test]
async fn serving_a_missing_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("none.db").display());
    let e = sql::open_reader(&url.parse().unwrap())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("reelgraph load"), "{e}");
    assert!(
        !dir.path().join("none.db").exists(),
        "serving created the file"
    );
}

#[tokio::test]
async fn bad_db_url_is_refused() {
    // Refused when parsed, before any connection: the one parser of DB URLs.
    let err = "postgres://x".parse::<DbSpec>().unwrap_err();
    assert!(err.contains("neither sqlite://PATH nor mysql://"), "{err}");
}

#[tokio::test]
async fn mysql_metadata_store() {
    let Some(server) = service_url("REELGRAPH_TEST_MYSQL", "store_sql::mysql_metadata_store")
    else {
        return;
    };
    let name = format!(
        "reelgraph_test_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    );
    let admin = MySqlStore::connect(&server).await.unwrap();
    // A database name cannot be a bound parameter; it is generated above.
    admin
        .pool()
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{name}`")))
        .await
        .unwrap();
    let url = format!("{}/{name}", server.trim_end_matches('/'));
    let old_name = format!("{name}_old");
    admin
        .pool()
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{old_name}`")))
        .await
        .unwrap();
    let old_url = format!("{}/{old_name}", server.trim_end_matches('/'));
    let result = tokio::spawn(async move {
        // A database made by the first schema, with a row, upgrades in place.
        let old = MySqlStore::connect(&url).await.unwrap();
        first_schema(include_str!("../../migrations/mysql/0001_init.sql"))
            .run(old.pool())
            .await
            .unwrap();
        sqlx::query(OLD_ROW).execute(old.pool()).await.unwrap();
        old.pool().close().await;
        let store = sql::open(&url.parse().unwrap()).await.unwrap();
        check_upgraded(store.as_ref()).await;
        exercise(store).await;
        migrates_unversioned_rows(
            &old_url,
            include_str!("../../migrations/mysql/0001_init.sql"),
        )
        .await;
    })
    .await;
    admin
        .pool()
        .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE `{old_name}`")))
        .await
        .unwrap();
    admin
        .pool()
        .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE `{name}`")))
        .await
        .unwrap();
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// sqlx is built with TLS (rustls): `ssl-mode` in the URL is honoured.
/// `REQUIRED` connects over TLS when the server offers it and is refused,
/// naming TLS, when it does not (never a silent plaintext fallback).
#[tokio::test]
async fn mysql_ssl_mode_is_honoured() {
    let Some(server) = service_url(
        "REELGRAPH_TEST_MYSQL",
        "store_sql::mysql_ssl_mode_is_honoured",
    ) else {
        return;
    };
    let admin = MySqlStore::connect(&server).await.unwrap();
    let have_ssl: Option<(String, String)> = sqlx::query_as("SHOW VARIABLES LIKE 'have_ssl'")
        .fetch_optional(admin.pool())
        .await
        .unwrap();
    let offers_tls = have_ssl.is_some_and(|(_, v)| v == "YES");
    let required = format!("{}/?ssl-mode=REQUIRED", server.trim_end_matches('/'));
    match MySqlStore::connect(&required).await {
        Ok(store) => {
            assert!(offers_tls, "REQUIRED connected to a server without TLS");
            let (_, cipher): (String, String) =
                sqlx::query_as("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
            assert!(!cipher.is_empty(), "connected without TLS");
        }
        Err(e) => {
            assert!(
                !offers_tls,
                "the server offers TLS but REQUIRED failed: {e}"
            );
            let e = e.to_string();
            assert!(e.contains("TLS"), "{e}");
        }
    }
}
