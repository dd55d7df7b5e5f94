-- Documents in a rowid table. In a WITHOUT ROWID table the whole row is the b-tree's key, and
-- a row larger than about a quarter of a page (1,002 bytes at 4 KiB) spills onto an overflow
-- page. An order is ~4 KB of JSON: every key comparison a lookup made on its way past an
-- order's cell (any document's lookup, in interior pages too) read the whole row, its overflow
-- page with a `pread` of its own, to compare (kind, id): ~10 % of the server's instructions and
-- about half its page reads per checkout (docs/benchmarks.md, 2026-12-04, step 9). In a rowid
-- table the key (kind, id) lives in its own small index and a body up to 4,061 bytes stays on
-- its leaf; an order's overflow page is read only when its body is.
CREATE TABLE docs_by_rowid (
    kind    TEXT    NOT NULL,
    id      TEXT    NOT NULL,
    version INTEGER NOT NULL,
    body    TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
);
INSERT INTO docs_by_rowid (kind, id, version, body)
    SELECT kind, id, version, body FROM docs ORDER BY kind, id;
DROP TABLE docs;
ALTER TABLE docs_by_rowid RENAME TO docs;

-- The catalog version's triggers went with the old table: the same ones again.
CREATE TRIGGER catalog_version_on_insert AFTER INSERT ON docs
WHEN NEW.kind = 'product' OR NEW.kind = 'seller' OR NEW.kind = 'category'
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER catalog_version_on_update AFTER UPDATE ON docs
WHEN NEW.kind = 'product' OR NEW.kind = 'seller' OR NEW.kind = 'category'
  OR OLD.kind = 'product' OR OLD.kind = 'seller' OR OLD.kind = 'category'
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER catalog_version_on_delete AFTER DELETE ON docs
WHEN OLD.kind = 'product' OR OLD.kind = 'seller' OR OLD.kind = 'category'
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
