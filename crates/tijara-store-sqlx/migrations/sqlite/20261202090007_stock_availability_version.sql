-- A counter of changes to which variants can be bought (issue 16): raised by a stock row
-- created or deleted, and by an update that makes a variant available or unavailable (sold
-- out, reserved to the last unit, restocked, released) — not by the many updates that leave
-- it as it was, so the checkout path pays only the trigger's test. A reader that keeps what
-- search needs between queries (`tijara-store-sqlite`) keeps it while this counter and the
-- catalog version stay the same, from any process.
ALTER TABLE catalog_version ADD COLUMN availability INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER stock_availability_on_insert AFTER INSERT ON stock
BEGIN
    UPDATE catalog_version SET availability = availability + 1 WHERE id = 1;
END;

CREATE TRIGGER stock_availability_on_delete AFTER DELETE ON stock
BEGIN
    UPDATE catalog_version SET availability = availability + 1 WHERE id = 1;
END;

CREATE TRIGGER stock_availability_on_update AFTER UPDATE ON stock
WHEN OLD.product IS NOT NEW.product
  OR (OLD.tracked = 0 OR OLD.on_hand - OLD.reserved > 0)
     IS NOT (NEW.tracked = 0 OR NEW.on_hand - NEW.reserved > 0)
BEGIN
    UPDATE catalog_version SET availability = availability + 1 WHERE id = 1;
END;
