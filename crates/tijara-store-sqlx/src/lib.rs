//! SQL storage for the Tijara engine, through sqlx: SQLite (the embedded default: one file, WAL,
//! durable commits) and PostgreSQL (several processes on one database). Features `sqlite` and
//! `postgres` (both on by default) choose what is compiled; [`connect`] chooses at run time by
//! the URL's scheme.
//!
//! Guarantees (checked by `tijara-testkit`'s conformance suite on both databases):
//! - every changeset is one transaction (SQLite: `BEGIN IMMEDIATE`, so a read-then-write never
//!   fails on a stale snapshot; PostgreSQL: READ COMMITTED, where a conditional `UPDATE`
//!   re-checks its condition after waiting for a concurrent writer); on PostgreSQL a changeset
//!   of one document without keys, owners or search row (a guest's cart) is one statement, its
//!   own transaction, and a document's update removes its old keys and owners in the same
//!   statement; an order placed (new documents with their keys and owners, updated documents
//!   without keys, sales or reservations, events) is one statement too, and when a part of it
//!   cannot be written it is undone whole and applied again in a transaction, which names the
//!   cause ([`PostgresStore::with_one_statement_changesets`]): fewer round trips, the same
//!   outcomes;
//! - stock is decremented only by conditional updates (`... WHERE on_hand - reserved >= $n`) and
//!   guarded again by `CHECK` constraints, never read-modified-written by a process;
//! - commits are durable by default: SQLite `synchronous=FULL` in WAL mode (opt into the faster
//!   `NORMAL` with [`SqliteDurability::Normal`], which may lose the last commits on power loss but
//!   never corrupts), PostgreSQL's default `synchronous_commit=on`, except for a changeset
//!   marked [`Durability::Deferred`](tijara::ports::storage::Durability::Deferred) (a cart's
//!   change) written as one statement, which PostgreSQL commits with `synchronous_commit=off`
//!   ([`PostgresStore::with_deferred_commits`], `deferred_commits=off` in the URL to flush it
//!   too);
//! - deadlocks and serialization failures (SQLSTATE 40P01, 40001) and SQLite's busy errors are
//!   retried a few times with backoff before being reported as temporary;
//! - faults of the disk or the server (full disk, read-only database, I/O error, lost
//!   connection, no connection within 3 s) are [`StorageError::Unavailable`], logged on the
//!   `storage` tracing target with the operation; after such a fault the SQLite writer replaces
//!   its connection, so writes resume by themselves once the cause is gone;
//! - migrations are embedded per database and run at connection.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tijara::ports::storage::StorageError> {
//! let storage = tijara_store_sqlx::connect("sqlite://data/tijara.db").await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::sync::Arc;
use tijara::ports::storage::{Storage, StorageError};

#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(unused))]
mod common;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod script;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteDurability, SqliteStore};

/// Connects by URL scheme: `sqlite://path`, `sqlite::memory:`, `postgres://…`
/// (`postgresql://…`), or a plain file path (SQLite). Runs the migrations.
pub async fn connect(url: &str) -> Result<Arc<dyn Storage>, StorageError> {
    #[cfg(feature = "sqlite")]
    if url.starts_with("sqlite:") {
        return Ok(Arc::new(SqliteStore::connect(url).await?));
    }
    #[cfg(feature = "sqlite")]
    if !url.contains("://") && !url.trim().is_empty() {
        return Ok(Arc::new(
            SqliteStore::connect(&format!("sqlite://{url}")).await?,
        ));
    }
    #[cfg(feature = "postgres")]
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(PostgresStore::connect(url).await?));
    }
    Err(StorageError::Unavailable(format!(
        "unsupported database URL {:?}: use sqlite://… or postgres://… (with the matching feature)",
        redact(url)
    )))
}

/// A URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `e`, naming the database it concerns (`place`: a SQLite path, or a PostgreSQL URL without
/// its password), so an operator reading "cannot open" knows which file or server.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) fn at(place: &str, e: StorageError) -> StorageError {
    match e {
        StorageError::Unavailable(m) => StorageError::Unavailable(format!("{place}: {m}")),
        StorageError::Backend(source) => StorageError::Backend(Box::new(AtPlace {
            place: place.to_owned(),
            source,
        })),
        other => other,
    }
}

/// A backend error with the database it happened on.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
#[derive(Debug)]
struct AtPlace {
    place: String,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl std::fmt::Display for AtPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.source)
    }
}

impl std::error::Error for AtPlace {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite://x.db"), "sqlite://x.db");
    }

    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn a_database_that_cannot_be_opened_is_named() {
        let path = "/nonexistent-tijara-dir/shop.db";
        let Err(err) = super::connect(path).await else {
            panic!("no such directory")
        };
        assert!(err.to_string().contains(path), "{err}");
    }
}
