-- The catalog's version: one number, bumped in the same transaction as any write or delete of
-- a catalog document (product, seller, category), whichever code path or process
-- wrote it. Engines cache the decoded catalog and compare this number (read with the stock,
-- one statement) before using what they hold. Promotions are not part of it: orders write
-- their usage counters, and engines read them fresh.
CREATE TABLE catalog_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO catalog_version (id, version) VALUES (1, 1);

CREATE TRIGGER catalog_version_on_insert AFTER INSERT ON docs
WHEN NEW.kind IN ('product', 'seller', 'category')
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER catalog_version_on_update AFTER UPDATE ON docs
WHEN NEW.kind IN ('product', 'seller', 'category')
  OR OLD.kind IN ('product', 'seller', 'category')
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER catalog_version_on_delete AFTER DELETE ON docs
WHEN OLD.kind IN ('product', 'seller', 'category')
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
