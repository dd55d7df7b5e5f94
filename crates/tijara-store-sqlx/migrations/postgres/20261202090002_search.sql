-- Product search (issue 16): what is indexed, per field, as terms normalized by
-- `tijara_core::search::index_text` (titles, category names, the rest), the seller's city and
-- kind for facets, a full-text index of the terms (a generated tsvector: maintained by the
-- statement that writes the row), and the vocabulary of every term indexed with a trigram
-- index (`pg_trgm`) for typo tolerance.
-- The extension is database-wide: installed once, in `public` (a store may live in a schema
-- of its own), by a role allowed to (pg_trgm is a trusted extension: a database owner may).
-- Two stores migrating at once must not both try to install it.
SELECT pg_advisory_xact_lock(7316002090002);
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

ALTER TABLE products ADD COLUMN title_text    TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN category_text TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN other_text    TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN seller_city   TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN seller_kind   TEXT NOT NULL DEFAULT '';

-- Existing databases: the titles' normalized text is searchable at once; `tijara search
-- reindex` (or any product save) writes every field.
UPDATE products SET title_text = search_text;

-- The terms are already normalized: taken as lexemes as they are (no parser, no stemming).
ALTER TABLE products ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    array_to_tsvector(array_remove(
        string_to_array(title_text || ' ' || category_text || ' ' || other_text, ' '), ''))
) STORED;
CREATE INDEX products_search ON products USING GIN (search_tsv);

CREATE TABLE search_terms (
    term  TEXT    PRIMARY KEY,
    chars INTEGER NOT NULL
);
CREATE INDEX search_terms_trgm ON search_terms USING GIN (term public.gin_trgm_ops);

INSERT INTO search_terms (term, chars)
    SELECT DISTINCT t, char_length(t)
    FROM products, unnest(string_to_array(title_text, ' ')) AS t
    WHERE t <> ''
ON CONFLICT DO NOTHING;
