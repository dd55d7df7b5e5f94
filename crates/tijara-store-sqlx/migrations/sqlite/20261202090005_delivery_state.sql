-- Durable delivery state: one row per outbox event and target (a webhook endpoint, a
-- notification channel, the NATS relay), so several processes share what was delivered and
-- what failed, and a restart neither sends again nor forgets. Times are microseconds.
CREATE TABLE deliveries (
    target          TEXT    NOT NULL,
    seq             INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    aggregate       TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    last_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    next_try_at     INTEGER,
    delivered_at    INTEGER,
    PRIMARY KEY (target, seq)
) WITHOUT ROWID;
CREATE INDEX deliveries_failed ON deliveries (seq, target) WHERE delivered_at IS NULL;
CREATE INDEX deliveries_delivered ON deliveries (delivered_at) WHERE delivered_at IS NOT NULL;
-- Retention: the purge finds old records, delivered events and expired claims by time.
CREATE INDEX idempotency_by_age ON idempotency (created_at);
CREATE INDEX outbox_delivered ON outbox (delivered_at) WHERE delivered_at IS NOT NULL;
CREATE INDEX idempotency_claims_by_expiry ON idempotency_claims (expires_at);
