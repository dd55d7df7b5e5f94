-- A counter of changes to which variants can be bought (issue 16), as on SQLite
-- (migrations/sqlite/20261202090007_stock_availability_version.sql): raised by a stock row
-- created or deleted, and by an update that makes a variant available or unavailable (sold
-- out, reserved to the last unit, restocked, released) or moves it to another product. A
-- store that keeps what search needs between queries (`tijara::ports::storage::SearchSnapshot`)
-- keeps it while this counter and the catalog version stay the same, from any process.
--
-- The update trigger's condition is tested by PostgreSQL itself (no function call): the many
-- checkouts that leave every variant available never touch the catalog_version row, so
-- processes checking out do not wait on each other for its lock.
-- The triggers are deferred to the commit: a checkout that sells a variant out takes the
-- row's lock only once it holds every stock row it updates, and keeps it for the commit only
-- (taken mid-transaction, it would be held while waiting for another checkout's stock row,
-- which may itself wait for it at its own sale: a deadlock). The count is still raised in the
-- same transaction as the change, so a reader never sees one without the other.
ALTER TABLE catalog_version ADD COLUMN availability BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION stock_availability_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET availability = availability + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER stock_availability_on_insert AFTER INSERT ON stock
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
EXECUTE FUNCTION stock_availability_bump();

CREATE CONSTRAINT TRIGGER stock_availability_on_delete AFTER DELETE ON stock
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
EXECUTE FUNCTION stock_availability_bump();

CREATE CONSTRAINT TRIGGER stock_availability_on_update AFTER UPDATE ON stock
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (OLD.product IS DISTINCT FROM NEW.product
   OR (OLD.tracked = 0 OR OLD.on_hand - OLD.reserved > 0)
      IS DISTINCT FROM (NEW.tracked = 0 OR NEW.on_hand - NEW.reserved > 0))
EXECUTE FUNCTION stock_availability_bump();
