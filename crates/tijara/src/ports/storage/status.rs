//! What an operator asks of a storage to run it: the outbox's backlog, the schema's
//! migrations and the connection pool's use (read by `/readyz` and `/metrics`).

use chrono::{DateTime, Utc};

/// How many outbox events wait for delivery, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OutboxBacklog {
    /// The undelivered events: exact, unless [`OutboxBacklog::saturated`].
    pub pending: u64,
    /// True when the adapter stopped counting at its cap: at least `pending` events wait.
    /// The SQL adapters of this workspace count up to [`OutboxBacklog::SQL_CAP`] events
    /// exactly (a count of every row costs 0.25–0.85 s on PostgreSQL at a million pending
    /// events, 40 ms up to the cap); the port's default method reads at most
    /// [`OutboxBacklog::DEFAULT_CAP`].
    pub saturated: bool,
    /// When the oldest undelivered event was written; `None` when none waits.
    pub oldest_at: Option<DateTime<Utc>>,
}

impl OutboxBacklog {
    /// The most events the port's default `outbox_backlog` reads to count them.
    pub const DEFAULT_CAP: u32 = 10_000;

    /// The most events the SQL adapters of this workspace count (through the index of pending
    /// events, without reading them).
    pub const SQL_CAP: u32 = 100_000;

    /// The backlog of `counted` events, counted up to `cap` + 1: saturated, and `cap`
    /// pending, when more than `cap` were found.
    pub fn capped(counted: u64, cap: u32, oldest_at: Option<DateTime<Utc>>) -> Self {
        let cap = u64::from(cap);
        OutboxBacklog::new(counted.min(cap), counted > cap, oldest_at)
    }

    /// A backlog of `pending` events (at least, when `saturated`), the oldest written at
    /// `oldest_at`.
    pub fn new(pending: u64, saturated: bool, oldest_at: Option<DateTime<Utc>>) -> Self {
        OutboxBacklog {
            pending,
            saturated,
            oldest_at,
        }
    }

    /// How long the oldest undelivered event has waited at `now` (zero when none waits, or
    /// when it is dated after `now`).
    pub fn oldest_age(&self, now: DateTime<Utc>) -> std::time::Duration {
        self.oldest_at
            .and_then(|at| (now - at).to_std().ok())
            .unwrap_or_default()
    }
}

/// The schema's migrations: the versions this build embeds and the versions the database
/// records, compared. The database is **behind** when it lacks a migration this build has
/// (restored from an old backup while the process ran, or migrated by an older build), and
/// **ahead** when it holds one this build does not know (a newer build migrated it: a rolling
/// upgrade). Either way the process should not serve.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SchemaStatus {
    /// The migrations this build embeds, ascending.
    pub known: Vec<i64>,
    /// The migrations the database records as applied, ascending.
    pub applied: Vec<i64>,
    /// The migrations the database records as started and never finished.
    pub unfinished: Vec<i64>,
    /// The migrations applied from another file than this build's (their checksums differ).
    pub modified: Vec<i64>,
}

impl SchemaStatus {
    /// The status of a database recording `applied` for a build embedding `known` (both sorted
    /// here), with no unfinished or modified migration.
    pub fn new(mut known: Vec<i64>, mut applied: Vec<i64>) -> Self {
        known.sort_unstable();
        applied.sort_unstable();
        SchemaStatus {
            known,
            applied,
            unfinished: Vec::new(),
            modified: Vec::new(),
        }
    }

    /// This status with these unfinished migrations.
    pub fn with_unfinished(mut self, versions: Vec<i64>) -> Self {
        self.unfinished = versions;
        self
    }

    /// This status with these modified migrations.
    pub fn with_modified(mut self, versions: Vec<i64>) -> Self {
        self.modified = versions;
        self
    }

    /// The migrations this build has that the database lacks: it is behind.
    pub fn missing(&self) -> Vec<i64> {
        self.known
            .iter()
            .filter(|v| self.applied.binary_search(v).is_err())
            .copied()
            .collect()
    }

    /// The migrations the database holds that this build does not know: it is ahead.
    pub fn unknown(&self) -> Vec<i64> {
        self.applied
            .iter()
            .filter(|v| self.known.binary_search(v).is_err())
            .copied()
            .collect()
    }

    /// True when the database holds exactly this build's migrations, each finished and from
    /// the same file.
    pub fn is_current(&self) -> bool {
        self.known == self.applied && self.unfinished.is_empty() && self.modified.is_empty()
    }
}

/// A storage's connections right now (what the storage holds open to its database).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PoolStatus {
    /// Connections open and waiting for work.
    pub idle: u32,
    /// Connections in use (reads and writes running).
    pub busy: u32,
    /// The pool's configured size: the most connections it opens for reads and writes (the
    /// SQLite adapters' readers; point reads run inline on the calling thread may briefly open
    /// a few more).
    pub max: u32,
    /// Writes queued for the single writer and not started yet (SQLite's writer); `None`
    /// where writes do not queue in the process (PostgreSQL).
    pub write_queue: Option<u32>,
}

impl PoolStatus {
    /// `idle` and `busy` connections of at most `max`.
    pub fn new(idle: u32, busy: u32, max: u32) -> Self {
        PoolStatus {
            idle,
            busy,
            max,
            write_queue: None,
        }
    }

    /// This status with `queued` writes waiting for the writer.
    pub fn with_write_queue(mut self, queued: u32) -> Self {
        self.write_queue = Some(queued);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behind_and_ahead_are_told_apart() {
        let current = SchemaStatus::new(vec![2, 1, 3], vec![1, 2, 3]);
        assert!(current.is_current());
        assert!(current.missing().is_empty() && current.unknown().is_empty());
        let behind = SchemaStatus::new(vec![1, 2, 3], vec![1, 2]);
        assert!(!behind.is_current());
        assert_eq!(behind.missing(), [3]);
        assert!(behind.unknown().is_empty());
        let ahead = SchemaStatus::new(vec![1, 2], vec![1, 2, 4]);
        assert!(!ahead.is_current());
        assert_eq!(ahead.unknown(), [4]);
        assert!(ahead.missing().is_empty());
        assert!(!current.clone().with_unfinished(vec![3]).is_current());
        assert!(!current.with_modified(vec![2]).is_current());
    }

    #[test]
    fn the_oldest_age_is_never_negative() {
        let now = Utc::now();
        assert_eq!(
            OutboxBacklog::default().oldest_age(now),
            std::time::Duration::ZERO
        );
        let later = OutboxBacklog::new(1, false, Some(now + chrono::Duration::seconds(5)));
        assert_eq!(later.oldest_age(now), std::time::Duration::ZERO);
        let old = OutboxBacklog::new(1, false, Some(now - chrono::Duration::seconds(90)));
        assert_eq!(old.oldest_age(now).as_secs(), 90);
    }
}
