//! The SQLite store: the embedded default.

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// How hard SQLite works to keep a commit through a power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteDurability {
    /// `synchronous=FULL` (default): every commit is on disk before it is acknowledged.
    #[default]
    Full,
    /// `synchronous=NORMAL`: faster; in WAL mode a power loss may roll back the last commits,
    /// never corrupt the database. Opt-in only.
    Normal,
}

/// Storage in one SQLite file (WAL mode, busy timeout 5 s), or in memory.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) `sqlite://path`, `sqlite:path` or `sqlite::memory:` with
    /// durable commits, and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, tijara::ports::storage::StorageError> {
        Self::connect_with(url, SqliteDurability::Full).await
    }

    /// Like [`SqliteStore::connect`], choosing the durability.
    pub async fn connect_with(
        url: &str,
        durability: SqliteDurability,
    ) -> Result<Self, tijara::ports::storage::StorageError> {
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(err)?
            .create_if_missing(true)
            .journal_mode(if memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(match durability {
                SqliteDurability::Full => SqliteSynchronous::Full,
                SqliteDurability::Normal => SqliteSynchronous::Normal,
            })
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        // An in-memory database lives in its one connection: keep exactly one, forever.
        let pool = if memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(8)
        }
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(opts)
        .await
        .map_err(err)?;
        sqlx::migrate!("migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| tijara::ports::storage::StorageError::Backend(Box::new(e)))?;
        Ok(SqliteStore { pool })
    }

    /// The connection pool (for embedders' own read-only reports).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

crate::common::sql_store!(SqliteStore, sqlx::Sqlite, pool => pool.begin_with("BEGIN IMMEDIATE"));
