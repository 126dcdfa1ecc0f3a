-- +goose Up
-- A quote line's breakdown moves from verbose JSON text (3–4 KB a line, two
-- thirds of the database) to a compact binary record (db/breakdown.go,
-- about a tenth of that). The JSON column is kept, renamed, until every row
-- is converted: the conversion runs after this migration in short batches
-- (db/data_migrations.go), resumes where it stopped after a crash, and a row
-- it has not reached yet still reads. Converted and new rows leave
-- breakdown_json empty.

-- Batched conversions that go with a migration: rows with an id up to upto
-- are converted, those below next_id already are; done_at when finished.
CREATE TABLE data_migrations (
    version  INTEGER PRIMARY KEY,
    next_id  INTEGER NOT NULL DEFAULT 0,
    upto     INTEGER NOT NULL,
    done_at  TEXT
) STRICT;

ALTER TABLE quote_items RENAME COLUMN breakdown TO breakdown_json;
-- NULL until converted; a BLOB, which the audit trail records by SHA-256
-- (audit_tables names it already).
ALTER TABLE quote_items ADD COLUMN breakdown BLOB;
INSERT INTO data_migrations (version, next_id, upto) SELECT 50, 0, coalesce(max(id), 0) FROM quote_items;

-- +goose Down
-- MigrateDown first writes every breakdown back as JSON, in batches; this
-- guard refuses to drop the column while one is still binary (it would be
-- lost), e.g. when goose is run by hand.
CREATE TEMP TABLE breakdown_guard (binary_rows INTEGER CHECK (binary_rows = 0));
INSERT INTO breakdown_guard SELECT count(*) FROM (SELECT 1 FROM quote_items WHERE breakdown IS NOT NULL LIMIT 1);
DROP TABLE breakdown_guard;
ALTER TABLE quote_items DROP COLUMN breakdown;
ALTER TABLE quote_items RENAME COLUMN breakdown_json TO breakdown;
DROP TABLE data_migrations;
