-- The catalog's version: one number, bumped in the same transaction as any write or delete of
-- a catalog document (product, seller, category), whichever code path or process
-- wrote it. Engines cache the decoded catalog and compare this number (read with the stock,
-- one statement) before using what they hold. Catalog writes take this row's lock until they
-- commit (they are rare); orders, carts, stock and promotions (whose usage counters orders
-- write) never touch it.
CREATE TABLE catalog_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO catalog_version (id, version) VALUES (1, 1);

CREATE FUNCTION catalog_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER catalog_version_on_insert AFTER INSERT ON docs FOR EACH ROW
WHEN (NEW.kind IN ('product', 'seller', 'category'))
EXECUTE FUNCTION catalog_version_bump();

CREATE TRIGGER catalog_version_on_update AFTER UPDATE ON docs FOR EACH ROW
WHEN (NEW.kind IN ('product', 'seller', 'category')
   OR OLD.kind IN ('product', 'seller', 'category'))
EXECUTE FUNCTION catalog_version_bump();

CREATE TRIGGER catalog_version_on_delete AFTER DELETE ON docs FOR EACH ROW
WHEN (OLD.kind IN ('product', 'seller', 'category'))
EXECUTE FUNCTION catalog_version_bump();
