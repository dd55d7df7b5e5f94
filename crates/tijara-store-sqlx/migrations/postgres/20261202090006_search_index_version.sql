-- Search that heals itself and follows category renames (issue 16).
-- `index_version`: the `tijara_core::search::INDEX_VERSION` a product's search row was written
-- at (0: written before it was kept, or without search fields). An engine that finds rows of
-- another version, or categories not in `search_categories`, rebuilds the index once at start.
-- `search_categories`: the indexed text of each category's names, written by the store with
-- the category itself; the store copies it into the rows of the category's products in the
-- same transaction (a rename reindexes them), and a product written later takes it.
-- Existing rows get their versions from the rebuild at the next start.
ALTER TABLE products ADD COLUMN index_version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE search_categories (
    id            TEXT    PRIMARY KEY,
    text          TEXT    NOT NULL,
    index_version BIGINT  NOT NULL
);
