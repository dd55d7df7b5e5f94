-- Each document lists its own keys and owners (`links_keys`, `links_owners`: JSON arrays of
-- text, sorted), and the two indexes by document (`doc_keys_by_doc`, `doc_owners_by_doc`) go.
-- Those indexes only served to find a document's rows when it was rewritten or deleted; the
-- list on the document's own row finds them by primary key instead. Every order wrote about six
-- rows into each index, at the end of the orders' range but in the middle of the index (kinds
-- sort after 'order'), so its leaves split often: ~5.7 of the ~36 pages written per checkout
-- (docs/benchmarks.md, 2026-12-04, step 12). The lists come before the body so that reading them
-- never reads an order's overflow page. No default: a process of an older version, which writes
-- no lists, must fail to insert a document rather than write one whose lists are wrong (all
-- older processes are stopped before this version starts: docs/operations.md, "Upgrades").
CREATE TABLE docs_with_links (
    kind         TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    links_keys   TEXT    NOT NULL,
    links_owners TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
);
INSERT INTO docs_with_links (kind, id, version, links_keys, links_owners, body)
    SELECT d.kind, d.id, d.version,
        (SELECT json_group_array(k.key) FROM
            (SELECT key FROM doc_keys WHERE kind = d.kind AND id = d.id ORDER BY key) AS k),
        (SELECT json_group_array(o.owner) FROM
            (SELECT owner FROM doc_owners WHERE kind = d.kind AND id = d.id ORDER BY owner) AS o),
        d.body
    FROM docs d ORDER BY d.rowid;
DROP TABLE docs;
ALTER TABLE docs_with_links RENAME TO docs;
DROP INDEX doc_keys_by_doc;
DROP INDEX doc_owners_by_doc;

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
