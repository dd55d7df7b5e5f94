//! `tijara backup` and `tijara restore`: the SQLite database copied with SQLite's online backup
//! API while the storefront runs.
//!
//! The copy is made in one backup step, which reads the database inside one read transaction:
//! in WAL mode (the storefront's) writers go on meanwhile and the copy is the database as it was
//! at one instant, every changeset in it or not at all. It is written to a temporary file
//! beside the destination, checked (`PRAGMA integrity_check`) and only then renamed to its
//! name, so a file with the backup's name is always a whole backup. A restore copies a backup
//! into the database the same way, after checking it, and only while the storefront is stopped
//! (it refuses to replace an existing database without `--force`).
//!
//! PostgreSQL has its own tools (`pg_dump`, `pg_basebackup`): see `docs/operations.md`.

use crate::CliError;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Copied {
    /// Pages copied.
    pub pages: u64,
    /// Bytes of the written file.
    pub bytes: u64,
    /// Orders in the copy.
    pub orders: u64,
    /// Stock counters in the copy.
    pub stock_rows: u64,
}

/// The file of a SQLite database URL (`sqlite://data/tijara.db`, `sqlite:data/tijara.db`,
/// `sqlx+sqlite://…`, or a plain path); PostgreSQL URLs are refused with what to use instead.
/// The path is percent-decoded (`%20` is a space), as both SQLite adapters read it, so the
/// backup copies the file the storefront opens.
pub fn sqlite_path(url: &str) -> Result<PathBuf, CliError> {
    let url = url.strip_prefix("sqlx+").unwrap_or(url);
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(CliError::invalid(
            "backup and restore are for SQLite databases; for PostgreSQL use its own tools \
             (pg_dump and pg_restore, or pg_basebackup), see docs/operations.md",
        ));
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        return Err(CliError::invalid(format!(
            "{url:?} names no database file: give sqlite://path/to/tijara.db"
        )));
    }
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| {
            CliError::invalid(format!(
                "the database path {path:?} is not UTF-8 once its %-escapes are decoded: write \
                 the path's characters themselves"
            ))
        })?;
    Ok(PathBuf::from(path.as_ref()))
}

fn db_error(path: &Path, e: rusqlite::Error) -> CliError {
    CliError::failure(format!("{}: {e}", path.display()))
}

/// Copies all of `from` into `to` in one step (one read transaction on `from`), waiting while
/// the destination or source is busy.
fn copy(from: &Connection, to: &mut Connection, what: &Path) -> Result<u64, CliError> {
    let backup = Backup::new(from, to).map_err(|e| db_error(what, e))?;
    let mut waited = 0;
    loop {
        match backup.step(-1).map_err(|e| db_error(what, e))? {
            StepResult::Done => break,
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked => {
                waited += 1;
                if waited > 600 {
                    return Err(CliError::failure(format!(
                        "{}: the database stayed locked for a minute; try again",
                        what.display()
                    )));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            // A result a newer rusqlite may add: go on stepping.
            _ => {}
        }
    }
    Ok(u64::try_from(backup.progress().pagecount).unwrap_or(0))
}

/// `PRAGMA integrity_check` of the file, and what it holds.
fn check(path: &Path) -> Result<(u64, u64), CliError> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| db_error(path, e))?;
    let verdict: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| db_error(path, e))?;
    if verdict != "ok" {
        return Err(CliError::failure(format!(
            "{}: the copy failed SQLite's integrity check: {verdict}",
            path.display()
        )));
    }
    let count = |sql: &str| -> Result<u64, CliError> {
        c.query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(|e| {
                CliError::failure(format!(
                    "{}: not a Tijara database ({e}); run `tijara migrate` on it first",
                    path.display()
                ))
            })
    };
    Ok((
        count("SELECT count(*) FROM docs WHERE kind = 'order'")?,
        count("SELECT count(*) FROM stock")?,
    ))
}

fn temporary(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    path.with_file_name(name)
}

fn finish(tmp: &Path, out: &Path, pages: u64) -> Result<Copied, CliError> {
    let (orders, stock_rows) = match check(tmp) {
        Ok(counts) => counts,
        Err(e) => {
            let _ = std::fs::remove_file(tmp);
            return Err(e);
        }
    };
    std::fs::rename(tmp, out).map_err(|e| CliError::failure(format!("{}: {e}", out.display())))?;
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    Ok(Copied {
        pages,
        bytes,
        orders,
        stock_rows,
    })
}

/// Copies the live database `db` into the new file `out` (refused if `out` exists), while
/// the storefront runs.
pub fn backup(db: &Path, out: &Path) -> Result<Copied, CliError> {
    if !db.exists() {
        return Err(CliError::not_found(format!(
            "{}: no such database; check --database-url",
            db.display()
        )));
    }
    if out.exists() {
        return Err(CliError::invalid(format!(
            "{} exists: give a new file name (backups are never overwritten)",
            out.display()
        )));
    }
    // Read-write without create: a WAL database's readers need its shared-memory file, which
    // a read-only connection may not be able to create. Nothing is written to it.
    let source = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| db_error(db, e))?;
    source
        .busy_timeout(Duration::from_secs(5))
        .map_err(|e| db_error(db, e))?;
    let tmp = temporary(out);
    let _ = std::fs::remove_file(&tmp);
    let mut dest = Connection::open(&tmp).map_err(|e| db_error(&tmp, e))?;
    let pages = copy(&source, &mut dest, db)?;
    // The copy is a plain database file: no WAL beside it to lose when it is moved.
    dest.pragma_update(None, "journal_mode", "DELETE")
        .map_err(|e| db_error(&tmp, e))?;
    drop(dest);
    finish(&tmp, out, pages)
}

/// Puts the backup `from` in place of the database `db`. The storefront must be stopped; an
/// existing database is replaced only with `force`.
pub fn restore(from: &Path, db: &Path, force: bool) -> Result<Copied, CliError> {
    if !from.exists() {
        return Err(CliError::not_found(format!(
            "{}: no such backup file",
            from.display()
        )));
    }
    check(from)?;
    if db.exists() && !force {
        return Err(CliError::invalid(format!(
            "{} exists: stop the storefront, then run the restore again with --force to replace it",
            db.display()
        )));
    }
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::failure(format!("{}: {e}", dir.display())))?;
    }
    let source = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| db_error(from, e))?;
    let tmp = temporary(db);
    let _ = std::fs::remove_file(&tmp);
    let mut dest = Connection::open(&tmp).map_err(|e| db_error(&tmp, e))?;
    let pages = copy(&source, &mut dest, from)?;
    // The storefront opens it in WAL mode again by itself.
    dest.pragma_update(None, "journal_mode", "DELETE")
        .map_err(|e| db_error(&tmp, e))?;
    drop(dest);
    // The old database's WAL and shared-memory files belong to the file being replaced.
    for suffix in ["-wal", "-shm"] {
        let mut side = db.as_os_str().to_os_string();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
    finish(&tmp, db, pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_file_and_postgres_is_sent_to_its_tools() {
        assert_eq!(
            sqlite_path("sqlite://data/tijara.db").ok(),
            Some(PathBuf::from("data/tijara.db"))
        );
        assert_eq!(
            sqlite_path("sqlx+sqlite:///srv/shop.db?mode=rwc").ok(),
            Some(PathBuf::from("/srv/shop.db"))
        );
        let e = sqlite_path("postgres://u@h/db").err().map(|e| e.message);
        assert!(e.is_some_and(|m| m.contains("pg_dump")));
        assert!(sqlite_path("sqlite::memory:").is_err());
        // %-escapes decoded, as the adapters decode them; a bad one refused.
        assert_eq!(
            sqlite_path("sqlite:///srv/my%20shop/tijara.db?reads=pool").ok(),
            Some(PathBuf::from("/srv/my shop/tijara.db"))
        );
        assert!(sqlite_path("sqlite:///srv/%FF.db").is_err());
    }
}
