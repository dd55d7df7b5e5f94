-- Claims on idempotency keys by calls that reach a gateway or carrier before they commit:
-- one row per key in progress, inserted if absent (or taken over once expired) and deleted
-- when the call ends. The answers themselves stay in `idempotency`.
CREATE TABLE idempotency_claims (
    scope      TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    token      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
