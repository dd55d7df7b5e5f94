//! SQLite storage for the Tijara engine on [rusqlite](https://docs.rs/rusqlite): the same
//! schema, file and guarantees as `tijara-store-sqlx`'s SQLite store, with one hop between
//! threads per storage call instead of one per SQL statement.
//!
//! - **Writes**: one writer thread owns one connection. Changesets queue to it; it applies what
//!   has queued (up to 64) in one `BEGIN IMMEDIATE` transaction with a savepoint around each
//!   changeset when there are several — **group commit**: one `fsync` makes the batch durable,
//!   and a changeset that fails (a version conflict, out of stock, a `CHECK` constraint) is
//!   rolled back alone. Every caller is answered only after the commit.
//! - **Reads**: a pool of up to 8 connections used on Tokio's blocking pool; WAL lets them read
//!   beside the writer. A read of several statements is still one hop.
//! - Stock moves only by conditional updates (`... WHERE on_hand - reserved >= ?`), guarded
//!   again by the schema's `CHECK` constraints.
//! - Durable by default: WAL with `synchronous=FULL` ([`SqliteDurability::Normal`] opts out),
//!   except a batch of a cart's changes only (`Durability::Deferred`), committed without
//!   syncing the log: kill -9 loses none of them, a power loss may undo the last
//!   ([`SqliteOptions::deferred_commits`]; `deferred_commits=off` in the URL syncs every commit).
//! - A busy database is retried with backoff; disk faults (full disk, I/O error, read-only
//!   database, cannot open) are [`StorageError::Unavailable`], logged on the `storage` target,
//!   and the writer reopens its connection after one, so writes resume by themselves.
//! - Statements are prepared once per connection (`prepare_cached`).
//! - Migrations: the SQL files of `tijara-store-sqlx`, recorded in sqlx's own
//!   `_sqlx_migrations` table with sqlx's checksums, so each adapter opens the other's
//!   databases.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tijara::ports::storage::StorageError> {
//! let storage = tijara_store_sqlite::connect("sqlite://data/tijara.db").await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod apply;
mod error;
mod migrate;
mod port;
mod search;
mod store;

use std::sync::Arc;
use tijara::ports::storage::{Storage, StorageError};

pub use migrate::MigrationError;
pub use store::{ReadMode, SqliteDurability, SqliteOptions, SqliteStore, redact};

/// Opens `sqlite://path`, `sqlite:path`, `sqlite::memory:` or a plain file path (durable
/// commits, a cart's deferred changes excepted) and runs the migrations. The URL's query may say `mode=ro`, `reads=inline|pool|threads`
/// ([`ReadMode`]), `mmap_size=BYTES` (`PRAGMA mmap_size` on every connection),
/// `synchronous=full|normal` ([`SqliteDurability`]; `full` unless asked) and
/// `deferred_commits=on|off` ([`SqliteOptions::deferred_commits`]; `on` unless asked). Other schemes are refused with
/// [`StorageError::Unavailable`] naming the URL without its password.
pub async fn connect(url: &str) -> Result<Arc<dyn Storage>, StorageError> {
    Ok(Arc::new(SqliteStore::connect(url).await?))
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_database_that_cannot_be_opened_is_named() {
        let path = "/nonexistent-tijara-dir/shop.db";
        let Err(err) = super::connect(path).await else {
            panic!("no such directory")
        };
        assert!(err.to_string().contains(path), "{err}");
    }

    #[tokio::test]
    async fn the_url_sets_the_memory_map_of_every_connection() {
        let db = tijara_testkit::storage::TempDb::new("mmap");
        let path = db.path();
        let url = format!("sqlite://{}?mmap_size=1048576", path.display());
        let store = crate::SqliteStore::connect(&url).await.expect("opens");
        let read = |store: crate::SqliteStore| async move {
            store
                .read("mmap_size", |c| {
                    Ok(c.pragma_query_value(None, "mmap_size", |r| r.get::<_, i64>(0))?)
                })
                .await
                .expect("reads")
        };
        assert_eq!(read(store.clone()).await, 1_048_576);
        let plain = crate::SqliteStore::connect(&path.display().to_string())
            .await
            .expect("opens");
        assert_eq!(read(plain).await, 0);
        let Err(err) = super::connect(&format!("sqlite://{}?mmap_size=lots", path.display())).await
        else {
            panic!("not a number")
        };
        assert!(err.to_string().contains("mmap_size"), "{err}");
    }

    #[tokio::test]
    async fn the_url_sets_how_commits_are_flushed() {
        let db = tijara_testkit::storage::TempDb::new("sync");
        let path = db.path();
        // Read on the writer's connection: its commits are the ones flushed.
        let sync = |url: String| async move {
            let store = crate::SqliteStore::connect(&url).await.expect("opens");
            store
                .on_writer("synchronous", |c| {
                    Ok(c.pragma_query_value(None, "synchronous", |r| r.get::<_, i64>(0))?)
                })
                .await
                .expect("reads")
        };
        // SQLite's numbers: 1 NORMAL, 2 FULL.
        let p = path.display();
        assert_eq!(sync(format!("sqlite://{p}")).await, 2, "full by default");
        assert_eq!(sync(format!("sqlite://{p}?synchronous=normal")).await, 1);
        assert_eq!(sync(format!("sqlite://{p}?synchronous=FULL")).await, 2);
        let Err(err) = super::connect(&format!("sqlite://{p}?synchronous=off")).await else {
            panic!("not offered")
        };
        assert!(err.to_string().contains("synchronous=normal"), "{err}");
    }

    #[tokio::test]
    async fn the_url_turns_deferred_commits_off() {
        let db = tijara_testkit::storage::TempDb::new("deferred-url");
        let p = db.path().display();
        let defers = |url: String| async move {
            let store = crate::SqliteStore::connect(&url).await.expect("opens");
            store.defers_commits()
        };
        assert!(defers(format!("sqlite://{p}")).await, "on by default");
        assert!(!defers(format!("sqlite://{p}?deferred_commits=off")).await);
        assert!(defers(format!("sqlite://{p}?reads=pool&deferred_commits=ON")).await);
        assert!(
            !defers(format!("sqlite://{p}?Deferred_Commits=OFF")).await,
            "the key in any case"
        );
        assert!(
            !defers(format!("sqlite://{p}?synchronous=normal")).await,
            "no commit syncs the log at NORMAL"
        );
        for (url, said) in [
            ("deferred_commits=maybe", "give on (the default) or off"),
            (
                "deferred_commits",
                "deferred_commits=\"\" in the database URL",
            ),
            (
                "deferred=off",
                "\"deferred\" in the database URL is no parameter: write deferred_commits=on",
            ),
        ] {
            let Err(err) = super::connect(&format!("sqlite://{p}?{url}")).await else {
                panic!("{url}: refused")
            };
            assert!(err.to_string().contains(said), "{url}: {err}");
        }
    }

    #[tokio::test]
    async fn other_schemes_are_refused_without_the_password() {
        let Err(err) = super::connect("postgres://u:secret@h/db").await else {
            panic!("not SQLite")
        };
        assert!(err.to_string().contains("postgres://u:***@h/db"), "{err}");
    }
}
