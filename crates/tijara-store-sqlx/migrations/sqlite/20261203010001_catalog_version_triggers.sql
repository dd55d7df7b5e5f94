-- The catalog version's triggers, the same rule without `IN (...)` lists: SQLite builds a
-- temporary b-tree for a list of three or more constants each time the trigger runs, and these
-- triggers run on every write of any document (carts and orders too): about 13 such b-trees
-- per checkout, ~7 % of the server's instructions for one (docs/benchmarks.md, 2026-12-03).
-- Comparisons joined by OR say the same thing without one.
DROP TRIGGER catalog_version_on_insert;
DROP TRIGGER catalog_version_on_update;
DROP TRIGGER catalog_version_on_delete;

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
