//! The storefront's background tasks, safe to run in every process of a scaled-out shop.
//!
//! Every 30 seconds: login throttles that no longer matter are deleted, abandoned checkouts
//! give their stock back, pending transfers are reminded; every hour (`--purge-every-minutes`),
//! what no longer matters is purged after the retention ages ([`RetentionArgs`]): idempotency
//! records, done marks, delivered outbox events and their delivery rows, expired sessions.
//!
//! Several storefront processes on one database each run these loops. The steps that must not
//! run twice at once (delivering the outbox, the reminders, the purge) take a **lease** first
//! (`Operations::acquire_lease`: a claim row decided by the database, so it works on
//! PostgreSQL and SQLite alike): one process runs the step, the others skip it this round; a
//! process that dies holding a lease loses it when it expires. The outbox and the reminders
//! take it only when something waits for them (a lease is two durable writes). The other steps
//! are safe anywhere (each change is a compare-and-set on its document).

use std::time::Duration;
use tijara::{Retention, Tijara};

/// How long the storefront keeps what housekeeping purges (days). Also `tijara purge`'s flags.
#[derive(Debug, Clone, clap::Args)]
pub struct RetentionArgs {
    /// Idempotency records (answers replayed to retried requests) are kept this many days.
    #[arg(long, env = "TIJARA_KEEP_IDEMPOTENCY_DAYS", default_value_t = 30)]
    pub keep_idempotency_days: u32,
    /// Done marks (messages sent, parcel steps told) are kept this many days.
    #[arg(long, env = "TIJARA_KEEP_DONE_MARKS_DAYS", default_value_t = 90)]
    pub keep_done_marks_days: u32,
    /// Delivered outbox events (and their delivery rows) are kept this many days.
    #[arg(long, env = "TIJARA_KEEP_EVENTS_DAYS", default_value_t = 30)]
    pub keep_events_days: u32,
    /// Expired sessions are kept this many days.
    #[arg(long, env = "TIJARA_KEEP_SESSIONS_DAYS", default_value_t = 7)]
    pub keep_sessions_days: u32,
    /// Minutes between two purges.
    #[arg(long, env = "TIJARA_PURGE_EVERY_MINUTES", default_value_t = 60)]
    pub purge_every_minutes: u32,
}

impl Default for RetentionArgs {
    fn default() -> Self {
        RetentionArgs {
            keep_idempotency_days: 30,
            keep_done_marks_days: 90,
            keep_events_days: 30,
            keep_sessions_days: 7,
            purge_every_minutes: 60,
        }
    }
}

impl RetentionArgs {
    /// The engine's retention ages.
    pub fn retention(&self) -> Retention {
        let days = |d: u32| tijara_core::chrono::Duration::days(i64::from(d));
        Retention::default()
            .with_idempotency(days(self.keep_idempotency_days))
            .with_done_marks(days(self.keep_done_marks_days))
            .with_delivered_events(days(self.keep_events_days))
            .with_sessions(days(self.keep_sessions_days))
    }

    /// The time between two purges (at least a minute).
    pub fn purge_every(&self) -> Duration {
        Duration::from_secs(u64::from(self.purge_every_minutes.max(1)) * 60)
    }
}

/// A name for this process's leases: unique across processes and machines.
pub fn holder() -> String {
    use tijara::ports::runtime::IdGenerator;
    tijara::ports::runtime::UuidV7Ids.next_id(&format!("pid{}", std::process::id()))
}

/// Runs `step` under the lease `task` if this process gets it (else skips it): answers
/// `None` when another process holds it.
pub async fn leased<T, F, Fut>(
    engine: &Tijara,
    task: &str,
    holder: &str,
    ttl: Duration,
    step: F,
) -> Option<T>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let ttl = tijara_core::chrono::Duration::from_std(ttl)
        .unwrap_or(tijara_core::chrono::Duration::minutes(10));
    match engine.operations().acquire_lease(task, holder, ttl).await {
        Ok(true) => {
            let out = step().await;
            if let Err(e) = engine.operations().release_lease(task, holder).await {
                tracing::warn!(target: "housekeeping", task, error = %e, "lease not released; it lapses by itself");
            }
            Some(out)
        }
        Ok(false) => None,
        Err(e) => {
            tracing::warn!(target: "housekeeping", task, error = %e, "lease not taken: the step waits for the next round");
            None
        }
    }
}

/// One purge under the `purge` lease: `None` when another process is purging.
pub async fn purge_once(
    engine: &Tijara,
    retention: &Retention,
    holder: &str,
) -> Option<Result<tijara::ports::storage::PurgeReport, tijara::TijaraError>> {
    leased(
        engine,
        "purge",
        holder,
        Duration::from_secs(600),
        || async { engine.operations().purge(retention, 1000).await },
    )
    .await
}

/// One round of bank-transfer reminders (a day before an order's reservation lapses) under the
/// `reminders` lease: `None` when no reservation lapses within the day (no lease taken, nothing
/// written), when another process holds the lease, or when the round failed (logged); else the
/// reminders written.
pub async fn remind_once(engine: &Tijara, holder: &str) -> Option<usize> {
    let within = tijara_core::chrono::Duration::days(1);
    // A failed check runs the round, which meets the same failure and logs it.
    if !engine
        .payments()
        .reminders_may_be_due(within)
        .await
        .unwrap_or(true)
    {
        return None;
    }
    leased(
        engine,
        "reminders",
        holder,
        Duration::from_secs(120),
        || async {
            match engine.payments().remind_pending_transfers(within).await {
                Ok(n) => Some(n),
                Err(e) => {
                    tracing::warn!(target: "housekeeping", error = %e, "transfer reminders failed; tried again in 30 s");
                    None
                }
            }
        },
    )
    .await
    .flatten()
}

/// The 30-second loop (throttles, abandoned checkouts, reminders) and the purge, forever.
pub async fn run(engine: Tijara, settings: RetentionArgs) {
    run_until(engine, settings, std::future::pending()).await;
}

/// [`run`] until `stop` resolves; it is checked between rounds, so a round under way finishes.
pub async fn run_until(
    engine: Tijara,
    settings: RetentionArgs,
    stop: impl std::future::Future<Output = ()> + Send,
) {
    let mut stop = std::pin::pin!(stop);
    let holder = holder();
    let retention = settings.retention();
    let mut throttles_after: Option<String> = None;
    let mut last_purge: Option<std::time::Instant> = None;
    loop {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(30)) => {}
            () = &mut stop => return,
        }
        match engine
            .sessions()
            .purge_login_throttles(throttles_after.as_deref(), 500)
            .await
        {
            Ok((_, next)) => throttles_after = next,
            Err(e) => tracing::warn!(error = %e, "login throttle purge failed"),
        }
        if let Err(e) = engine.operations().expire_reservations(500).await {
            tracing::warn!(target: "housekeeping", error = %e, "expiring abandoned checkouts failed; tried again in 30 s");
        }
        remind_once(&engine, &holder).await;
        if last_purge.is_none_or(|t| t.elapsed() >= settings.purge_every()) {
            match purge_once(&engine, &retention, &holder).await {
                Some(Ok(r)) => {
                    last_purge = Some(std::time::Instant::now());
                    if r.total() > 0 {
                        tracing::info!(target: "housekeeping", idempotency = r.idempotency, done = r.done, events = r.events, deliveries = r.deliveries, sessions = r.sessions, "purged");
                    }
                }
                // Another process purges now: this one waits a full period.
                None => last_purge = Some(std::time::Instant::now()),
                Some(Err(e)) => {
                    tracing::warn!(target: "housekeeping", error = %e, "purge failed; tried again in 30 s")
                }
            }
        }
    }
}
