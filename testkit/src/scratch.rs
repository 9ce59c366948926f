//! Scratch space for one test on the shared local services: unique names,
//! and a MariaDB database created for the test and dropped afterwards.
//!
//! Tests of several binaries run at once against the same MariaDB and Milvus
//! Lite; each takes names no other run can take (the process id and the
//! time), so they never see each other's data.

use sqlx::Executor;
use sqlx::mysql::{MySqlPool, MySqlPoolOptions};

/// `{process id}_{milliseconds}`: unique on this machine for a test run.
pub fn unique() -> String {
    format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_millis()
            % 1_000_000_000
    )
}

/// A database of its own on a MySQL server, for one test.
pub struct ScratchDb {
    admin: MySqlPool,
    /// The database's name (`reelgraph_test_{tag}_{unique}`).
    pub name: String,
    /// Its URL: the server's URL with the database's name as the path.
    pub url: String,
}

impl ScratchDb {
    /// Creates `reelgraph_test_{tag}_{unique}` on the server `server` (a
    /// `mysql://` URL without a database, as `REELGRAPH_TEST_MYSQL` gives).
    pub async fn create(server: &str, tag: &str) -> ScratchDb {
        assert!(
            tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{tag:?}"
        );
        let admin = MySqlPoolOptions::new()
            .max_connections(1)
            .connect(server)
            .await
            .unwrap_or_else(|e| panic!("connecting to {server}: {e}"));
        let name = format!("reelgraph_test_{tag}_{}", unique());
        // A database name cannot be a bound parameter; it is generated above.
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{name}`")))
            .await
            .unwrap();
        let url = format!("{}/{name}", server.trim_end_matches('/'));
        ScratchDb { admin, name, url }
    }

    /// Drops the database.
    pub async fn drop(self) {
        self.admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS `{}`",
                self.name
            )))
            .await
            .unwrap();
        self.admin.close().await;
    }
}
