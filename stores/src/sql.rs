//! [`MetadataStore`] on SQLite (embedded default) and MySQL / MariaDB, via sqlx.
//!
//! The schema lives in `stores/migrations/{sqlite,mysql}` and is embedded in the
//! binary; [`MetadataWriter::migrate`] applies it with sqlx's migrator (the
//! `_sqlx_migrations` table records what ran). Every statement binds its
//! values as parameters; upserts are multi-row `INSERT`s of at most
//! [`BATCH`] rows inside one transaction, idempotent through
//! `ON CONFLICT … DO UPDATE` (SQLite) / `ON DUPLICATE KEY UPDATE` (MySQL).
//!
//! Genres and actors are stored as JSON arrays in text columns, so both
//! databases keep the same schema.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::mysql::{MySql, MySqlPool, MySqlPoolOptions};
use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
};
use sqlx::{QueryBuilder, Row, SqlSafeStr};

use crate::feedback::{FeedbackStore, Mark, Signal, Visitor};
use crate::metadata::{MetadataReader, MetadataStore, MetadataWriter, ModelVersionRow};
use reelgraph_core::error::{Error, Result};
use reelgraph_core::settings::{DbKind, DbSpec};
use reelgraph_core::types::{Movie, MovieId};

/// Rows per multi-row `INSERT` (17 parameters each: well under SQLite's and
/// MySQL's placeholder limits).
pub const BATCH: usize = 500;

const COLUMNS: &str = "id, title, display_title, year, genres, plot, director, actors, runtime, rated, language, poster, imdb_id, popularity, released, imdb_rating, imdb_votes";

const SQLITE_UPSERT: &str = " ON CONFLICT(version, id) DO UPDATE SET title = excluded.title, \
    display_title = excluded.display_title, year = excluded.year, genres = excluded.genres, \
    plot = excluded.plot, director = excluded.director, actors = excluded.actors, \
    runtime = excluded.runtime, rated = excluded.rated, language = excluded.language, \
    poster = excluded.poster, imdb_id = excluded.imdb_id, popularity = excluded.popularity, \
    released = excluded.released, imdb_rating = excluded.imdb_rating, imdb_votes = excluded.imdb_votes";

const MYSQL_UPSERT: &str = " ON DUPLICATE KEY UPDATE title = VALUES(title), \
    display_title = VALUES(display_title), year = VALUES(year), genres = VALUES(genres), \
    plot = VALUES(plot), director = VALUES(director), actors = VALUES(actors), \
    runtime = VALUES(runtime), rated = VALUES(rated), language = VALUES(language), \
    poster = VALUES(poster), imdb_id = VALUES(imdb_id), popularity = VALUES(popularity), \
    released = VALUES(released), imdb_rating = VALUES(imdb_rating), imdb_votes = VALUES(imdb_votes)";

const SQLITE_VERSION_UPSERT: &str = "INSERT INTO model_versions (version, dimension, metrics, loaded_at, active) \
    VALUES (?, ?, ?, ?, ?) ON CONFLICT(version) DO UPDATE SET dimension = excluded.dimension, \
    metrics = excluded.metrics, loaded_at = excluded.loaded_at";

const MYSQL_VERSION_UPSERT: &str = "INSERT INTO model_versions (version, dimension, metrics, loaded_at, active) \
    VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE dimension = VALUES(dimension), \
    metrics = VALUES(metrics), loaded_at = VALUES(loaded_at)";

const VERSION_COLUMNS: &str =
    "SELECT version, dimension, metrics, loaded_at, active FROM model_versions";

/// The schema's migrations, oldest first: (number, name, SQL).
type Migrations = &'static [(i64, &'static str, &'static str)];

const SQLITE_MIGRATIONS: Migrations = &[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "versioned movies",
        include_str!("../migrations/sqlite/0002_versioned_movies.sql"),
    ),
    (
        3,
        "movie details",
        include_str!("../migrations/sqlite/0003_movie_details.sql"),
    ),
    (
        4,
        "feedback",
        include_str!("../migrations/sqlite/0004_feedback.sql"),
    ),
];

const MYSQL_MIGRATIONS: Migrations = &[
    (1, "init", include_str!("../migrations/mysql/0001_init.sql")),
    (
        2,
        "versioned movies",
        include_str!("../migrations/mysql/0002_versioned_movies.sql"),
    ),
    (
        3,
        "movie details",
        include_str!("../migrations/mysql/0003_movie_details.sql"),
    ),
    (
        4,
        "feedback",
        include_str!("../migrations/mysql/0004_feedback.sql"),
    ),
];

fn migrator(migrations: Migrations) -> Migrator {
    Migrator::with_migrations(
        migrations
            .iter()
            .map(|(n, name, sql)| {
                Migration::new(
                    *n,
                    (*name).into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// The newest migration this build knows.
fn schema_version(migrations: Migrations) -> i64 {
    migrations.last().map_or(0, |m| m.0)
}

fn db_err(what: &str) -> impl Fn(sqlx::Error) -> Error + '_ {
    move |e| Error::Unavailable(format!("{what}: {e}"))
}

/// [`db_err`] for the feedback table: a database's own message can quote
/// the row (MySQL's "Duplicate entry '<visitor>-<movie>'"), and a visitor
/// id is never logged, so only its code is kept.
fn feedback_err(what: &str) -> impl Fn(sqlx::Error) -> Error + '_ {
    move |e| match e {
        sqlx::Error::Database(d) => Error::Unavailable(format!(
            "{what}: database error {}",
            d.code().as_deref().unwrap_or("(no code)")
        )),
        other => Error::Unavailable(format!("{what}: {other}")),
    }
}

fn to_json(list: &[String]) -> String {
    serde_json::to_string(list).expect("a list of strings serialises")
}

fn from_json(column: &str, id: i64, text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text)
        .map_err(|e| Error::Corrupt(format!("movies.{column} of movie {id}: {e}")))
}

fn version_i64(version: u64) -> Result<i64> {
    i64::try_from(version)
        .map_err(|_| Error::Invalid(format!("version {version} does not fit a BIGINT")))
}

/// The current time as RFC 3339 UTC (`2026-11-28T10:20:00Z`).
pub fn now_rfc3339() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Open a metadata store for writing (`reelgraph load`, `reelgraph migrate`)
/// from a URL: `sqlite://PATH` (created when missing) or
/// `mysql://USER[:PASS]@HOST[:PORT]/DB`. The schema is migrated.
pub async fn open(db: &DbSpec) -> Result<Arc<dyn MetadataStore>> {
    let store: Arc<dyn MetadataStore> = match db.kind() {
        DbKind::Sqlite => Arc::new(SqliteStore::connect(db.url()).await?),
        DbKind::MySql => Arc::new(MySqlStore::connect(db.url()).await?),
    };
    store.migrate().await?;
    Ok(store)
}

/// Open a metadata store for serving: never migrates (a serving credential
/// needs no DDL, and no start-up waits on a migration lock). SQLite is
/// opened read-only. A schema older than this build's is refused with a
/// message naming `reelgraph migrate`; a database with no schema at all
/// (nothing loaded yet) opens, and reads report that nothing is loaded.
pub async fn open_reader(db: &DbSpec) -> Result<Arc<dyn MetadataReader>> {
    let (store, found, wanted): (Arc<dyn MetadataReader>, Option<i64>, i64) = match db.kind() {
        DbKind::Sqlite => {
            let s = SqliteStore::connect_read_only(db.url()).await?;
            let found = s.applied_schema().await?;
            (Arc::new(s), found, schema_version(SQLITE_MIGRATIONS))
        }
        DbKind::MySql => {
            let s = MySqlStore::connect(db.url()).await?;
            let found = s.applied_schema().await?;
            (Arc::new(s), found, schema_version(MYSQL_MIGRATIONS))
        }
    };
    match found {
        Some(n) if n < wanted => Err(Error::Unavailable(format!(
            "the metadata schema is at migration {n}, this build needs {wanted}: \
             run `reelgraph migrate --db …` (or `reelgraph load`) first"
        ))),
        _ => Ok(store),
    }
}

/// Open the feedback store of a metadata database for serving
/// ([`crate::feedback`]): a writable handle of its own beside the read-only
/// [`open_reader`], that never migrates and only selects, inserts and
/// deletes rows of `feedback` (the serving credential needs `SELECT`,
/// `INSERT` and `DELETE` on that table, nothing more). SQLite: the file
/// must exist (`reelgraph load` or `reelgraph migrate` creates it and the
/// table). A schema without the table answers
/// [`Error::Unavailable`] on use.
pub async fn open_feedback(db: &DbSpec) -> Result<Arc<dyn FeedbackStore>> {
    Ok(match db.kind() {
        DbKind::Sqlite => {
            let opts = SqliteConnectOptions::from_str(db.url())
                .map_err(|e| Error::Invalid(format!("db: {:?}: {e}", db.url())))?
                .create_if_missing(false)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(2));
            let pool = SqlitePoolOptions::new()
                .max_connections(2)
                .acquire_timeout(Duration::from_secs(2))
                .connect_with(opts)
                .await
                .map_err(|e| Error::Unavailable(format!("db {} (feedback): {e}", db.redacted())))?;
            Arc::new(SqliteFeedback { pool })
        }
        DbKind::MySql => Arc::new(MySqlFeedback {
            pool: MySqlStore::connect(db.url()).await?.pool,
        }),
    })
}

/// The feedback table of SQLite ([`open_feedback`]).
#[derive(Clone, Debug)]
pub struct SqliteFeedback {
    pool: SqlitePool,
}

/// The feedback table of MySQL / MariaDB ([`open_feedback`]).
#[derive(Clone, Debug)]
pub struct MySqlFeedback {
    pool: MySqlPool,
}

/// Generates the [`FeedbackStore`] impl for one database (the same SQL in
/// both dialects: a replaced signal is deleted and inserted in one
/// transaction, so no `UPDATE` privilege is needed).
macro_rules! feedback_store {
    ($store:ident, $db:ty, $kind:expr) => {
        impl $store {
            fn mark_from_row(row: &<$db as sqlx::Database>::Row) -> Result<Mark> {
                let get_err = |e: sqlx::Error| Error::Corrupt(format!("feedback row: {e}"));
                let visitor: String = row.try_get("visitor").map_err(get_err)?;
                let movie: i64 = row.try_get("movie").map_err(get_err)?;
                let kind: String = row.try_get("kind").map_err(get_err)?;
                Ok(Mark {
                    visitor: visitor
                        .parse::<Visitor>()
                        .map_err(|e| Error::Corrupt(format!("feedback.visitor {e}")))?,
                    movie: MovieId::try_from(movie).map_err(|_| {
                        Error::Corrupt(format!("feedback.movie {movie} out of range"))
                    })?,
                    signal: kind
                        .parse::<Signal>()
                        .map_err(|e| Error::Corrupt(format!("feedback.kind {e}")))?,
                    at_ms: row.try_get("marked_at").map_err(get_err)?,
                })
            }

            async fn replace(
                &self,
                visitor: &Visitor,
                movie: MovieId,
                signal: Signal,
                at_ms: i64,
            ) -> std::result::Result<(), sqlx::Error> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM feedback WHERE visitor = ? AND movie = ?")
                    .bind(visitor.as_str())
                    .bind(i64::from(movie))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO feedback (visitor, movie, kind, marked_at) VALUES (?, ?, ?, ?)",
                )
                .bind(visitor.as_str())
                .bind(i64::from(movie))
                .bind(signal.as_str())
                .bind(at_ms)
                .execute(&mut *tx)
                .await?;
                tx.commit().await
            }
        }

        #[async_trait]
        impl FeedbackStore for $store {
            async fn record(
                &self,
                visitor: &Visitor,
                movie: MovieId,
                signal: Signal,
                at_ms: i64,
            ) -> Result<()> {
                // Two marks of one movie at once: the second insert meets
                // the first's row, or InnoDB picks one as a deadlock victim
                // (SQLSTATE 40001); its retry replaces the row.
                let mut tries = 0u64;
                loop {
                    match self.replace(visitor, movie, signal, at_ms).await {
                        Ok(()) => return Ok(()),
                        Err(sqlx::Error::Database(e))
                            if (e.is_unique_violation()
                                || e.code().as_deref() == Some("40001"))
                                && tries < 5 =>
                        {
                            tries += 1;
                            tokio::time::sleep(Duration::from_millis(5 * tries)).await;
                        }
                        Err(e) => return Err(feedback_err("record feedback")(e)),
                    }
                }
            }

            async fn list(&self, visitor: &Visitor) -> Result<Vec<Mark>> {
                let rows = sqlx::query(
                    "SELECT visitor, movie, kind, marked_at FROM feedback WHERE visitor = ? \
                     ORDER BY marked_at DESC, movie DESC",
                )
                .bind(visitor.as_str())
                .fetch_all(&self.pool)
                .await
                .map_err(feedback_err("list feedback"))?;
                rows.iter().map(Self::mark_from_row).collect()
            }

            async fn forget(&self, visitor: &Visitor) -> Result<()> {
                sqlx::query("DELETE FROM feedback WHERE visitor = ?")
                    .bind(visitor.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(feedback_err("forget feedback"))?;
                Ok(())
            }

            async fn all(&self) -> Result<Vec<Mark>> {
                let rows = sqlx::query(
                    "SELECT visitor, movie, kind, marked_at FROM feedback \
                     ORDER BY visitor, marked_at, movie",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(feedback_err("read feedback"))?;
                rows.iter().map(Self::mark_from_row).collect()
            }

            fn kind(&self) -> &'static str {
                $kind
            }
        }
    };
}

feedback_store!(SqliteFeedback, Sqlite, "sqlite");
feedback_store!(MySqlFeedback, MySql, "mysql");

/// Generates the [`MetadataReader`] and [`MetadataWriter`] impls for one database; the dialects
/// differ only in the upsert clause, the migrations and the pool type.
macro_rules! sql_store {
    ($store:ident, $db:ty, $upsert:expr, $version_upsert:expr, $migrations:expr) => {
        impl $store {
            /// The newest migration applied (`None`: no schema yet).
            pub async fn applied_schema(&self) -> Result<Option<i64>> {
                let table: Option<i64> = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE",
                )
                .fetch_optional(&self.pool)
                .await
                .ok()
                .flatten();
                if table.is_none() {
                    return Ok(None);
                }
                let n: Option<i64> = sqlx::query_scalar(
                    "SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE",
                )
                .fetch_one(&self.pool)
                .await
                .map_err(db_err("read schema version"))?;
                Ok(n)
            }

            /// Whether `version` is the active one (inside `conn`).
            async fn is_active<'c, E>(conn: E, version: i64) -> Result<bool>
            where
                E: sqlx::Executor<'c, Database = $db>,
            {
                let active: Option<bool> =
                    sqlx::query_scalar("SELECT active FROM model_versions WHERE version = ?")
                        .bind(version)
                        .fetch_optional(conn)
                        .await
                        .map_err(db_err("read version"))?;
                Ok(active.unwrap_or(false))
            }

            fn movie_from_row(row: &<$db as sqlx::Database>::Row) -> Result<Movie> {
                let get_err = |e: sqlx::Error| Error::Corrupt(format!("movies row: {e}"));
                let id: i64 = row.try_get("id").map_err(get_err)?;
                let small = |v: Option<i32>, col: &str| -> Result<Option<u16>> {
                    v.map(|x| {
                        u16::try_from(x).map_err(|_| {
                            Error::Corrupt(format!("movies.{col} of movie {id}: {x} out of range"))
                        })
                    })
                    .transpose()
                };
                let genres: String = row.try_get("genres").map_err(get_err)?;
                let actors: String = row.try_get("actors").map_err(get_err)?;
                let popularity: i32 = row.try_get("popularity").map_err(get_err)?;
                Ok(Movie {
                    id: MovieId::try_from(id)
                        .map_err(|_| Error::Corrupt(format!("movies.id {id} out of range")))?,
                    title: row.try_get("title").map_err(get_err)?,
                    display_title: row.try_get("display_title").map_err(get_err)?,
                    year: small(row.try_get("year").map_err(get_err)?, "year")?,
                    genres: from_json("genres", id, &genres)?,
                    plot: row.try_get("plot").map_err(get_err)?,
                    director: row.try_get("director").map_err(get_err)?,
                    actors: from_json("actors", id, &actors)?,
                    runtime: small(row.try_get("runtime").map_err(get_err)?, "runtime")?,
                    rated: row.try_get("rated").map_err(get_err)?,
                    language: row.try_get("language").map_err(get_err)?,
                    poster: row.try_get("poster").map_err(get_err)?,
                    imdb_id: row.try_get("imdb_id").map_err(get_err)?,
                    popularity: popularity.max(0) as u32,
                    released: row.try_get("released").map_err(get_err)?,
                    imdb_rating: row.try_get("imdb_rating").map_err(get_err)?,
                    imdb_votes: row
                        .try_get::<Option<i64>, _>("imdb_votes")
                        .map_err(get_err)?
                        .map(|v| u32::try_from(v).unwrap_or(u32::MAX)),
                })
            }

            fn version_from_row(row: &<$db as sqlx::Database>::Row) -> Result<ModelVersionRow> {
                let get_err = |e: sqlx::Error| Error::Corrupt(format!("model_versions row: {e}"));
                let version: i64 = row.try_get("version").map_err(get_err)?;
                let dimension: i32 = row.try_get("dimension").map_err(get_err)?;
                let metrics: String = row.try_get("metrics").map_err(get_err)?;
                Ok(ModelVersionRow {
                    version: version as u64,
                    dimension: dimension.max(0) as usize,
                    metrics: serde_json::from_str(&metrics).map_err(|e| {
                        Error::Corrupt(format!("model_versions.metrics of {version}: {e}"))
                    })?,
                    loaded_at: row.try_get("loaded_at").map_err(get_err)?,
                    active: row.try_get("active").map_err(get_err)?,
                })
            }
        }

        #[async_trait]
        impl MetadataWriter for $store {
            async fn migrate(&self) -> Result<()> {
                migrator($migrations)
                    .run(&self.pool)
                    .await
                    .map_err(|e| Error::Unavailable(format!("schema migration: {e}")))
            }

            async fn upsert_movies(&self, version: u64, movies: &[Movie]) -> Result<()> {
                let v = version_i64(version)?;
                let mut tx = self.pool.begin().await.map_err(db_err("begin"))?;
                if Self::is_active(&mut *tx, v).await? {
                    return Err(Error::Invalid(format!(
                        "model version {version} is active: its movies are served and not rewritten"
                    )));
                }
                for chunk in movies.chunks(BATCH) {
                    let mut qb: QueryBuilder<$db> =
                        QueryBuilder::new(format!("INSERT INTO movies (version, {COLUMNS}) "));
                    qb.push_values(chunk, |mut b, m| {
                        b.push_bind(v)
                            .push_bind(i64::from(m.id))
                            .push_bind(m.title.clone())
                            .push_bind(m.display_title.clone())
                            .push_bind(m.year.map(i32::from))
                            .push_bind(to_json(&m.genres))
                            .push_bind(m.plot.clone())
                            .push_bind(m.director.clone())
                            .push_bind(to_json(&m.actors))
                            .push_bind(m.runtime.map(i32::from))
                            .push_bind(m.rated.clone())
                            .push_bind(m.language.clone())
                            .push_bind(m.poster.clone())
                            .push_bind(m.imdb_id.clone())
                            .push_bind(i32::try_from(m.popularity).unwrap_or(i32::MAX))
                            .push_bind(m.released.clone())
                            .push_bind(m.imdb_rating)
                            .push_bind(m.imdb_votes.map(i64::from));
                    });
                    qb.push($upsert);
                    qb.build()
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err("upsert movies"))?;
                }
                tx.commit().await.map_err(db_err("commit movies"))
            }

            async fn forget_version(&self, version: u64) -> Result<()> {
                let v = version_i64(version)?;
                let mut tx = self.pool.begin().await.map_err(db_err("begin"))?;
                if Self::is_active(&mut *tx, v).await? {
                    return Err(Error::Invalid(format!(
                        "model version {version} is active and cannot be removed"
                    )));
                }
                sqlx::query("DELETE FROM movies WHERE version = ?")
                    .bind(v)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err("delete movies"))?;
                sqlx::query("DELETE FROM model_versions WHERE version = ?")
                    .bind(v)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err("delete version"))?;
                tx.commit().await.map_err(db_err("commit removal"))
            }

            async fn record_version(&self, row: &ModelVersionRow) -> Result<()> {
                let dim = i32::try_from(row.dimension).map_err(|_| {
                    Error::Invalid(format!("dimension {} too large", row.dimension))
                })?;
                sqlx::query($version_upsert)
                    .bind(version_i64(row.version)?)
                    .bind(dim)
                    .bind(row.metrics.to_string())
                    .bind(row.loaded_at.clone())
                    .bind(false)
                    .execute(&self.pool)
                    .await
                    .map_err(db_err("record version"))?;
                Ok(())
            }

            async fn activate_version(&self, version: u64) -> Result<()> {
                let v = version_i64(version)?;
                let mut tx = self.pool.begin().await.map_err(db_err("begin"))?;
                let exists: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM model_versions WHERE version = ?")
                        .bind(v)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db_err("find version"))?;
                if exists == 0 {
                    return Err(Error::NotFound(format!(
                        "model version {version} is not recorded"
                    )));
                }
                sqlx::query("UPDATE model_versions SET active = (version = ?)")
                    .bind(v)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err("activate version"))?;
                tx.commit().await.map_err(db_err("commit activation"))
            }

            async fn set_version_source(&self, version: u64, source: &str) -> Result<()> {
                let done = sqlx::query("UPDATE model_versions SET source = ? WHERE version = ?")
                    .bind(source.to_string())
                    .bind(version_i64(version)?)
                    .execute(&self.pool)
                    .await
                    .map_err(db_err("record version source"))?;
                if done.rows_affected() == 0 {
                    // MySQL counts only changed rows; tell "same value" from "no row".
                    if self.version(version).await?.is_none() {
                        return Err(Error::NotFound(format!(
                            "model version {version} is not recorded"
                        )));
                    }
                }
                Ok(())
            }
        }

        #[async_trait]
        impl MetadataReader for $store {
            async fn movies(&self, version: u64, ids: &[MovieId]) -> Result<Vec<Movie>> {
                let v = version_i64(version)?;
                let mut found: HashMap<MovieId, Movie> = HashMap::with_capacity(ids.len());
                for chunk in ids.chunks(BATCH) {
                    let mut qb: QueryBuilder<$db> =
                        QueryBuilder::new(format!("SELECT {COLUMNS} FROM movies WHERE version = "));
                    qb.push_bind(v);
                    qb.push(" AND id IN (");
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(i64::from(*id));
                    }
                    qb.push(")");
                    let rows = qb
                        .build()
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err("select movies"))?;
                    for row in &rows {
                        let m = Self::movie_from_row(row)?;
                        found.insert(m.id, m);
                    }
                }
                Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
            }

            async fn all_movies(&self, version: u64) -> Result<Vec<Movie>> {
                let sql: &'static str = concat!(
                    "SELECT id, title, display_title, year, genres, plot, director, actors, ",
                    "runtime, rated, language, poster, imdb_id, popularity, released, ",
                    "imdb_rating, imdb_votes FROM movies WHERE version = ? ORDER BY id"
                );
                let rows = sqlx::query(sql)
                    .bind(version_i64(version)?)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err("select movies"))?;
                rows.iter().map(Self::movie_from_row).collect()
            }

            async fn count_movies(&self, version: u64) -> Result<u64> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM movies WHERE version = ?")
                    .bind(version_i64(version)?)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_err("count movies"))?;
                Ok(n as u64)
            }

            async fn active_version(&self) -> Result<Option<ModelVersionRow>> {
                let sql: &'static str = concat!(
                    "SELECT version, dimension, metrics, loaded_at, active FROM model_versions ",
                    "WHERE active = TRUE ORDER BY version DESC LIMIT 1"
                );
                let row = sqlx::query(sql)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err("active version"))?;
                row.as_ref().map(Self::version_from_row).transpose()
            }

            async fn version(&self, version: u64) -> Result<Option<ModelVersionRow>> {
                let sql: &'static str = concat!(
                    "SELECT version, dimension, metrics, loaded_at, active FROM model_versions ",
                    "WHERE version = ?"
                );
                let row = sqlx::query(sql)
                    .bind(version_i64(version)?)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err("read version"))?;
                row.as_ref().map(Self::version_from_row).transpose()
            }

            async fn versions(&self) -> Result<Vec<ModelVersionRow>> {
                let mut qb: QueryBuilder<$db> = QueryBuilder::new(VERSION_COLUMNS);
                qb.push(" ORDER BY version");
                let rows = qb
                    .build()
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err("list versions"))?;
                rows.iter().map(Self::version_from_row).collect()
            }

            async fn version_source(&self, version: u64) -> Result<Option<String>> {
                let src: Option<Option<String>> =
                    sqlx::query_scalar("SELECT source FROM model_versions WHERE version = ?")
                        .bind(version_i64(version)?)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err("read version source"))?;
                Ok(src.flatten())
            }
        }
    };
}

/// SQLite metadata store (the embedded default).
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Connect to `sqlite://PATH` (or `sqlite:PATH`), creating the file when
    /// missing. WAL journal, so readers do not block a loading writer.
    pub async fn connect(url: &str) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| Error::Invalid(format!("db: {url:?}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|e| Error::Unavailable(format!("db {url}: {e}")))?;
        Ok(SqliteStore { pool })
    }

    /// Connect to an existing SQLite file read-only (serving).
    pub async fn connect_read_only(url: &str) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| Error::Invalid(format!("db: {url:?}: {e}")))?
            .read_only(true)
            .busy_timeout(Duration::from_secs(2));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(2))
            .connect_with(opts)
            .await
            .map_err(|e| {
                Error::Unavailable(format!(
                    "db {url}: {e} (serving opens an existing database read-only; \
                     `reelgraph load` creates it)"
                ))
            })?;
        Ok(SqliteStore { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// MySQL / MariaDB metadata store.
#[derive(Clone, Debug)]
pub struct MySqlStore {
    pool: MySqlPool,
}

impl MySqlStore {
    /// Connect to `mysql://USER[:PASS]@HOST[:PORT]/DB` (`mariadb://` works too).
    pub async fn connect(url: &str) -> Result<Self> {
        let url = url
            .strip_prefix("mariadb://")
            .map(|rest| format!("mysql://{rest}"))
            .unwrap_or_else(|| url.to_string());
        let pool = MySqlPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&url)
            .await
            .map_err(|e| Error::Unavailable(format!("db {}: {e}", redact(&url))))?;
        Ok(MySqlStore { pool })
    }

    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }
}

/// A URL with its password replaced by `***` (see [`DbSpec::redacted`]).
pub fn redact(url: &str) -> String {
    reelgraph_core::settings::redact_url(url)
}

sql_store!(
    SqliteStore,
    Sqlite,
    SQLITE_UPSERT,
    SQLITE_VERSION_UPSERT,
    SQLITE_MIGRATIONS
);
sql_store!(
    MySqlStore,
    MySql,
    MYSQL_UPSERT,
    MYSQL_VERSION_UPSERT,
    MYSQL_MIGRATIONS
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_shape() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z') && &t[10..11] == "T");
    }

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact("mysql://u:secret@h:3306/db"),
            "mysql://u:***@h:3306/db"
        );
        assert_eq!(redact("mysql://root@h/db"), "mysql://root@h/db");
    }
}
