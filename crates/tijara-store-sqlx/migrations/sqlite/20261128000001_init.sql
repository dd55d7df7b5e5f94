-- Tijara storage, SQLite. Amounts live inside the JSON documents as decimal text; the only
-- numbers here are counts, minor-unit price bounds for search, and microsecond timestamps.
CREATE TABLE docs (
    kind    TEXT    NOT NULL,
    id      TEXT    NOT NULL,
    version INTEGER NOT NULL,
    body    TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;

CREATE TABLE doc_keys (
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    id   TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE INDEX doc_keys_by_doc ON doc_keys (kind, id);

CREATE TABLE doc_owners (
    kind  TEXT NOT NULL,
    owner TEXT NOT NULL,
    id    TEXT NOT NULL,
    PRIMARY KEY (kind, owner, id)
) WITHOUT ROWID;
CREATE INDEX doc_owners_by_doc ON doc_owners (kind, id);

CREATE TABLE products (
    id          TEXT    PRIMARY KEY,
    seller      TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    active      INTEGER NOT NULL,
    min_price   INTEGER NOT NULL,
    max_price   INTEGER NOT NULL,
    search_text TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX products_by_seller ON products (seller, id);
CREATE INDEX products_by_category ON products (category, id);

CREATE TABLE stock (
    variant  TEXT    PRIMARY KEY,
    product  TEXT    NOT NULL,
    tracked  INTEGER NOT NULL,
    on_hand  INTEGER NOT NULL CHECK (on_hand >= 0),
    reserved INTEGER NOT NULL CHECK (reserved >= 0 AND reserved <= on_hand)
) WITHOUT ROWID;
CREATE INDEX stock_by_product ON stock (product);

CREATE TABLE reservations (
    id         TEXT    PRIMARY KEY,
    variant    TEXT    NOT NULL,
    quantity   INTEGER NOT NULL,
    order_id   TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX reservations_by_expiry ON reservations (expires_at);
CREATE INDEX reservations_by_order ON reservations (order_id);

CREATE TABLE idempotency (
    scope       TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    response    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;

CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    aggregate    TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE delivered_at IS NULL;
