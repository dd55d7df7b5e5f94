-- Stored answers in a rowid table, for the reason `20261204140001_docs_rowid` gives for
-- documents: an answer kept under an Idempotency-Key can be a whole order (~4 KB of JSON), and
-- in a WITHOUT ROWID table every lookup passing its cell would read its overflow page to
-- compare (scope, key).
CREATE TABLE idempotency_by_rowid (
    scope       TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    response    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
INSERT INTO idempotency_by_rowid (scope, key, fingerprint, response, created_at)
    SELECT scope, key, fingerprint, response, created_at FROM idempotency ORDER BY scope, key;
DROP TABLE idempotency;
ALTER TABLE idempotency_by_rowid RENAME TO idempotency;
CREATE INDEX idempotency_by_age ON idempotency (created_at);
