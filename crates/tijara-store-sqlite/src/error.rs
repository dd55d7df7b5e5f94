//! How SQLite's errors map to the port's errors, and which ones spoil a connection.

use rusqlite::ffi;
use std::time::Duration;
use tijara::ports::storage::StorageError;

/// SQLite's primary result code of an error (the low byte of the extended code), if it came
/// from SQLite itself.
pub(crate) fn primary_code(e: &rusqlite::Error) -> Option<i32> {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.extended_code & 0xff),
        _ => None,
    }
}

fn extended_code(e: &rusqlite::Error) -> i32 {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => f.extended_code,
        _ => 0,
    }
}

/// How a rusqlite error maps to the port's error, and whether the adapter retries it.
///
/// A busy or locked database is retried. Faults of the disk (full, I/O error, read-only,
/// cannot open, out of memory) are [`StorageError::Unavailable`]: the request can succeed
/// later, once the operator has made room, so the frontends answer 503, not a refusal.
pub(crate) fn classify(e: rusqlite::Error) -> (StorageError, bool) {
    let code = extended_code(&e);
    match primary_code(&e) {
        Some(ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED) => (
            StorageError::Unavailable(format!("database busy ({code}): {e}")),
            true,
        ),
        Some(n) => match fault_of_code(n) {
            Some(what) => (
                StorageError::Unavailable(format!("{what} ({code}): {e}")),
                false,
            ),
            None => (StorageError::Backend(Box::new(e)), false),
        },
        None => (StorageError::Backend(Box::new(e)), false),
    }
}

/// What a primary result code says about the disk, if it is such a fault.
fn fault_of_code(n: i32) -> Option<&'static str> {
    match n {
        ffi::SQLITE_FULL => Some("disk full"),
        ffi::SQLITE_IOERR => Some("disk I/O error"),
        ffi::SQLITE_READONLY => Some("database is read-only"),
        ffi::SQLITE_CANTOPEN => Some("cannot open the database file"),
        ffi::SQLITE_NOMEM => Some("out of memory"),
        _ => None,
    }
}

/// True when the connection that gave this error cannot be trusted for the next transaction
/// (SQLite rolls back by itself on a full disk or an I/O error; a corrupt or unreadable file
/// may be replaced). The writer reopens its connection after such an error.
pub(crate) fn spoils_connection(e: &rusqlite::Error) -> bool {
    primary_code(e).is_some_and(|n| {
        matches!(
            n,
            ffi::SQLITE_FULL
                | ffi::SQLITE_IOERR
                | ffi::SQLITE_READONLY
                | ffi::SQLITE_CANTOPEN
                | ffi::SQLITE_NOMEM
                | ffi::SQLITE_CORRUPT
                | ffi::SQLITE_NOTADB
        )
    })
}

/// True for an error a changeset causes itself (a CHECK or UNIQUE constraint): it fails that
/// changeset alone, not the batch it was committed with.
pub(crate) fn is_constraint(e: &rusqlite::Error) -> bool {
    primary_code(e) == Some(ffi::SQLITE_CONSTRAINT)
}

/// Logs a storage fault (target `storage`): the operation and the error. Version conflicts,
/// taken keys and stock refusals are answers, not faults, and are not logged.
pub(crate) fn log_fault(op: &'static str, e: &StorageError) {
    match e {
        StorageError::Unavailable(_) => {
            tracing::error!(target: "storage", op, backend = "SQLite (rusqlite)", error = %e, "storage unavailable")
        }
        StorageError::Backend(_) => {
            tracing::error!(target: "storage", op, backend = "SQLite (rusqlite)", error = %e, "storage error")
        }
        _ => {}
    }
}

/// The pause before retry `attempt` of a busy database.
pub(crate) fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(5u64 << attempt.min(6))
}

/// How many times a busy database is tried before the caller is told it is unavailable.
pub(crate) const MAX_TRIES: u32 = 6;

/// A copy of `e` for another caller of the same failed batch.
pub(crate) fn copy(e: &StorageError) -> StorageError {
    match e {
        StorageError::Unavailable(m) => StorageError::Unavailable(m.clone()),
        other => StorageError::Backend(other.to_string().into()),
    }
}

/// Why applying a changeset stopped: a port error to report, or a database error to classify.
pub(crate) enum Stop {
    Port(StorageError),
    Db(rusqlite::Error),
}

impl From<rusqlite::Error> for Stop {
    fn from(e: rusqlite::Error) -> Self {
        Stop::Db(e)
    }
}

impl From<StorageError> for Stop {
    fn from(e: StorageError) -> Self {
        Stop::Port(e)
    }
}
