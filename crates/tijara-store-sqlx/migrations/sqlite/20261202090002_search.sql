-- Product search (issue 16): what is indexed, per field, as terms normalized by
-- `tijara_core::search::index_text` (titles, category names, the rest), the seller's city and
-- kind for facets, an FTS5 index of the terms, and the vocabulary of every term indexed (for
-- typo tolerance). Triggers keep the FTS index in the transaction that writes the product row.
ALTER TABLE products ADD COLUMN title_text    TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN category_text TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN other_text    TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN seller_city   TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN seller_kind   TEXT NOT NULL DEFAULT '';

-- Existing databases: the titles' normalized text is searchable at once; `tijara search
-- reindex` (or any product save) writes every field.
UPDATE products SET title_text = search_text;

-- `products` has no integer rowid: each product gets one here for the FTS table. (The
-- triggers test for the row rather than `INSERT OR IGNORE`: the upsert that fires them would
-- override the trigger's conflict clause.)
CREATE TABLE search_rows (
    n  INTEGER PRIMARY KEY,
    id TEXT    NOT NULL UNIQUE
);

CREATE VIRTUAL TABLE product_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 0');

CREATE TABLE search_terms (
    term  TEXT    PRIMARY KEY,
    chars INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX search_terms_by_chars ON search_terms (chars, term);

CREATE TRIGGER products_search_insert AFTER INSERT ON products BEGIN
    INSERT INTO search_rows (id)
        SELECT new.id WHERE NOT EXISTS (SELECT 1 FROM search_rows WHERE id = new.id);
    INSERT INTO product_fts (rowid, body)
        SELECT n, new.title_text || ' ' || new.category_text || ' ' || new.other_text
        FROM search_rows WHERE id = new.id;
END;

CREATE TRIGGER products_search_update AFTER UPDATE ON products BEGIN
    DELETE FROM product_fts WHERE rowid = (SELECT n FROM search_rows WHERE id = old.id);
    INSERT INTO search_rows (id)
        SELECT new.id WHERE NOT EXISTS (SELECT 1 FROM search_rows WHERE id = new.id);
    INSERT INTO product_fts (rowid, body)
        SELECT n, new.title_text || ' ' || new.category_text || ' ' || new.other_text
        FROM search_rows WHERE id = new.id;
END;

CREATE TRIGGER products_search_delete AFTER DELETE ON products BEGIN
    DELETE FROM product_fts WHERE rowid = (SELECT n FROM search_rows WHERE id = old.id);
    DELETE FROM search_rows WHERE id = old.id;
END;

-- The index of the products already stored.
INSERT INTO search_rows (id) SELECT id FROM products ORDER BY id;
INSERT INTO product_fts (rowid, body)
    SELECT r.n, p.title_text || ' ' || p.category_text || ' ' || p.other_text
    FROM products p JOIN search_rows r ON r.id = p.id;
WITH RECURSIVE split (rest, term) AS (
    SELECT title_text || ' ', '' FROM products
    UNION ALL
    SELECT substr(rest, instr(rest, ' ') + 1), substr(rest, 1, instr(rest, ' ') - 1)
    FROM split WHERE rest <> ''
)
INSERT OR IGNORE INTO search_terms (term, chars)
    SELECT term, length(term) FROM split WHERE term <> '';
