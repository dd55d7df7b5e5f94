//! Checks made once at start: the storefront refuses to start on storage it cannot write (a
//! read-only data folder, file system or database), with a message that says so, instead of
//! serving a shop whose every cart and order would fail.

use std::path::Path;
use std::sync::Arc;
use tijara::ports::storage::{Changeset, IdempotencyRecord, Storage};
use tijara_core::chrono;

/// The storefront cannot write its storage.
#[derive(Debug, thiserror::Error)]
#[error(
    "{what} is read-only or cannot be written ({reason}). The storefront needs to write its \
     database: fix the permissions or the mount (a read-only file system?), free some disk \
     space, or choose another --data-dir / --database-url"
)]
pub struct NotWritable {
    /// The folder or database (a URL without its password).
    pub what: String,
    /// What the system or the database said.
    pub reason: String,
}

/// Checks that the SQLite data folder can hold new files (the database and its `-wal` and
/// `-shm` files are created there). The probe file's name is this process's own (its pid and
/// 64 random bits, created with `create_new`), so storefronts starting together on one folder
/// never remove each other's probe; a probe already gone at removal is no failure.
pub fn check_folder(dir: &Path) -> Result<(), NotWritable> {
    use std::io::Write;
    let fail = |reason: String| NotWritable {
        what: format!("the data folder {}", dir.display()),
        reason,
    };
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| fail(e.to_string()))?;
    let probe = dir.join(format!(
        ".tijara-write-check.{}.{}",
        std::process::id(),
        hex::encode(nonce)
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|mut f| f.write_all(b"ok"));
    let removed = match std::fs::remove_file(&probe) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        r => r,
    };
    written.and(removed).map_err(|e| fail(e.to_string()))
}

/// Checks that the database takes a write. The probe is one idempotency record
/// (`startup`/`write-check`), written on the first start and found again on the next ones; its
/// `INSERT … ON CONFLICT DO NOTHING` needs write access either way (SQLite refuses it on a
/// read-only database, PostgreSQL on a read-only standby), and changes nothing else.
pub async fn check_database(storage: &Arc<dyn Storage>, url: &str) -> Result<(), NotWritable> {
    let probe = Changeset {
        idempotency: Some(IdempotencyRecord::new(
            "startup",
            "write-check",
            "write-check",
            "null",
            chrono::Utc::now(),
        )),
        ..Changeset::default()
    };
    storage
        .commit(probe)
        .await
        .map(|_| ())
        .map_err(|e| NotWritable {
            what: format!("the database {}", tijara_store_sqlx::redact(url)),
            reason: e.to_string(),
        })
}

/// The most orders [`reindex_orders`] saves again at one start: a larger store goes on at the
/// next start (or with `tijara migrate`), so a start is never held up for long.
pub const REINDEX_MAX: usize = 20_000;

/// The `done` mark of [`reindex_orders`] (`startup` scope): `v2` since orders carry their
/// parts' portal tabs as owner rows (`seller-work:`), so a database reindexed for `v1` (the
/// store-wide `tracking-number:` key) is visited once more.
pub const REINDEX_MARK: &str = "order-keys-v2";

/// Saves orders written by an older version again with the keys and owner rows the engine gives
/// them now (the store-wide `tracking-number:` key, the portal tabs' `seller-work:` rows): once
/// per database (a `done` mark, `startup` / [`REINDEX_MARK`], set when every order was
/// visited), at most [`REINDEX_MAX`] orders per start.
/// Orders that cannot be saved (two sharing one number) are logged on the `storage` target for
/// an admin; they do not stop the start. Returns the report, or `None` when it ran before.
pub async fn reindex_orders(
    engine: &tijara::Tijara,
) -> Result<Option<tijara::usecases::maintenance::ReindexReport>, tijara::TijaraError> {
    if engine.operations().is_done("startup", REINDEX_MARK).await? {
        return Ok(None);
    }
    let report = engine.operations().reindex_orders(REINDEX_MAX).await?;
    if report.complete {
        engine
            .operations()
            .record_done("startup", REINDEX_MARK)
            .await?;
    }
    Ok(Some(report))
}
