-- The owners' index by document leads with the document's id: (id, kind) instead of (kind, id)
-- (issue 15, step 16). It serves only to find a document's owner rows when the document is
-- rewritten or deleted (`kind = … AND id = …`), which it still bounds by both columns. Led by
-- kind, it also offered every order's owner rows in id order, and a listing by owner (`WHERE
-- kind = $1 AND owner = $2 AND id > $3 ORDER BY id LIMIT $4`: the unpaid-order limits at each
-- checkout, a seller's tabs) planned on a new database's small tables, before any ANALYZE,
-- walked that order and filtered every order's rows by owner instead of taking the primary
-- key's (kind, owner, id) range: measured, the generic plan pooled connections made at their
-- sixth execution kept doing so until autovacuum's next ANALYZE (436 executions over 1 ms in one
-- 14-second benchmark run, up to 14.6 ms, against 0.03 ms). Led by id, the index can give that
-- order only by a walk of the whole index, which the planner does not prefer to the primary
-- key's range. (A hash index on id was measured and not kept: without statistics the planner
-- then deleted a document's owner rows through the primary key's whole `kind` range.) The
-- new index is built before the old one is dropped, so reads go on during the build (writes to
-- doc_owners wait); the swap then takes an exclusive lock, which first waits for every open
-- transaction that touched doc_owners (a pg_dump included) while reads and writes queue behind
-- it. So that the upgrade fails and rolls back rather than stalls the shop, it gives up after
-- 10 s of waiting for a lock (docs/operations.md, Upgrades).
SET LOCAL lock_timeout = '10s';
CREATE INDEX doc_owners_by_doc_id ON doc_owners (id, kind);
DROP INDEX doc_owners_by_doc;
ALTER INDEX doc_owners_by_doc_id RENAME TO doc_owners_by_doc;
