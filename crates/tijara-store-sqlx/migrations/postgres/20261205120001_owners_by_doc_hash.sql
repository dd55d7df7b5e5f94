-- The owners' index by document becomes a hash index on the document's id (issue 15, step 16).
-- It serves only to find a document's owner rows when the document is rewritten or deleted
-- (`id = …`, `id IN (…)`). As a b-tree on (kind, id) it also offered every order's owner rows in
-- id order, and a listing by owner (`WHERE kind = $1 AND owner = $2 AND id > $3 ORDER BY id
-- LIMIT $4`: the unpaid-order limits at each checkout, a seller's tabs, a customer's orders)
-- planned while the table was small or its statistics old walked that order, filtering every
-- order's rows by owner, instead of the primary key's (kind, owner, id) range: measured, a
-- generic plan made on a new database kept doing so for every execution until autovacuum's next
-- ANALYZE (1–14 ms an execution at a few thousand orders, against 0.03 ms). A hash index cannot return rows
-- in order nor serve a range, so the primary key is the listing's only ordered path, whatever
-- the statistics say. Rebuilding it holds a lock on doc_owners for as long as the build takes
-- (measured: 1.5 s per million rows; docs/operations.md, Upgrades).
DROP INDEX doc_owners_by_doc;
CREATE INDEX doc_owners_by_doc ON doc_owners USING hash (id);
