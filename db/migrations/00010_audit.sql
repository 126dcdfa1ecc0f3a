-- +goose Up
-- The audit trail: one row per insert, update, soft delete and restore of a
-- business table, written by triggers in the same transaction as the change
-- (no code path can forget it), append-only and hash-chained.
--
-- The per-table triggers are not written here: db.SyncAuditTriggers makes
-- them from each table's columns after every migration (audit.go), for every
-- table with id, created_at and created_by that audit_tables does not mark
-- as not audited. A new business table is therefore audited without a step;
-- a table with columns that must not be recorded (derived data) or changes
-- that are not worth a row (view counters) gets one audit_tables row. See
-- the README's "Auditoría" section.

-- One row per recorded change. before/after are JSON objects of the
-- columns (an update records only the columns that changed; secrets are
-- never recorded; large derived columns as "sha256:<hex>"). row_id is NULL
-- for events that are not about one row (a purge's counts, an export).
-- hash = SHA-256(previous row's hash ‖ SHA-256(this row's canonical form)),
-- made by the Go function audit_hash (db/auditchain.go).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    table_name  TEXT    NOT NULL,
    row_id      INTEGER,
    before      TEXT,
    after       TEXT,
    hash        BLOB    NOT NULL
) STRICT;
-- A record's history; the Auditoría page's filters by user and by date.
CREATE INDEX audit_log_row ON audit_log (table_name, row_id);
CREATE INDEX audit_log_actor ON audit_log (actor);
CREATE INDEX audit_log_at ON audit_log (at);

-- Where the chain starts: the last row retention purged and its hash (the
-- "previous hash" of the oldest row kept). 0 and NULL (32 zero bytes) until
-- the first purge of audit rows. Only moves forward, to a row's real hash.
CREATE TABLE audit_anchor (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    upto_id  INTEGER NOT NULL,
    hash     BLOB
) STRICT;
INSERT INTO audit_anchor (id, upto_id, hash) VALUES (1, 0, NULL);

-- A re-seal in progress or done: an ARCO cancellation redacts the
-- before/after images of its subject and re-computes every hash from the
-- first redacted row on, in short batches. Rows up to cursor_id carry new
-- hashes; the next row still chains from cursor_old_hash, the hash row
-- cursor_id had before (verification uses it for that one link).
CREATE TABLE audit_reseals (
    id               INTEGER PRIMARY KEY,
    reason           TEXT    NOT NULL,
    subject_table    TEXT    NOT NULL,
    subject_id       INTEGER NOT NULL,
    from_id          INTEGER NOT NULL,
    cursor_id        INTEGER NOT NULL,
    cursor_old_hash  BLOB,
    redacted         INTEGER NOT NULL DEFAULT 0,
    resealed         INTEGER NOT NULL DEFAULT 0,
    started_at       TEXT    NOT NULL,
    started_by       TEXT    NOT NULL,
    finished_at      TEXT
) STRICT;

-- How each table is audited, where the convention is not enough:
-- audited = 0 leaves a table out (operational records); omit_columns are
-- never recorded (besides the convention: names ending in _hash or _token,
-- or containing password or secret, and the created_*/updated_*/deleted_*
-- columns, which are the entry's own time, actor and action);
-- digest_columns are recorded by SHA-256 (BLOB columns always are);
-- an update that changes only ignore_columns writes no row.
CREATE TABLE audit_tables (
    table_name      TEXT PRIMARY KEY,
    audited         INTEGER NOT NULL DEFAULT 1 CHECK (audited IN (0, 1)),
    omit_columns    TEXT    NOT NULL DEFAULT '',
    digest_columns  TEXT    NOT NULL DEFAULT '',
    ignore_columns  TEXT    NOT NULL DEFAULT '',
    note            TEXT    NOT NULL DEFAULT ''
) STRICT;
INSERT INTO audit_tables (table_name, audited, omit_columns, digest_columns, ignore_columns, note) VALUES
    ('backup_runs', 0, '', '', '', 'operational record of drills and snapshots, not business data'),
    ('customers', 1, 'sort_name,search_terms', '', '', 'the search columns are derived from the name'),
    ('quote_items', 1, '', 'breakdown', '', 'the priced breakdown is derived and large'),
    ('api_tokens', 1, '', '', 'last_used_at', 'use of a token is not a change'),
    ('quote_shares', 1, '', '', 'views,first_viewed_at,last_viewed_at', 'a customer opening a link is not a change');

-- Business rows are never deleted, only soft-deleted, except by the
-- retention job: each audited table's BEFORE DELETE trigger refuses a
-- delete unless this table has a row, which the job inserts and removes in
-- its own purge transaction (and records the purge's counts).
CREATE TABLE audit_purge_permit (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    policy  TEXT    NOT NULL
) STRICT;

-- Everything writes audit rows through this view: its INSTEAD OF trigger,
-- audit_entries_insert, numbers the row and chains its hash, so the rule
-- lives in one place. SyncAuditTriggers makes that trigger (with the
-- canonical row defined once, in db/auditchain.go) along with the tables'.
CREATE VIEW audit_entries AS SELECT at, actor, action, table_name, row_id, before, after FROM audit_log;


-- Append-only: an update is refused unless a re-seal is running and the
-- row is past its cursor, and even then only before, after and hash may
-- change; a delete is refused above the anchor (retention moves the anchor
-- first, in the same transaction).
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_reseals r WHERE r.finished_at IS NULL AND OLD.id > r.cursor_id)
    OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor OR NEW.action IS NOT OLD.action
    OR NEW.table_name IS NOT OLD.table_name OR NEW.row_id IS NOT OLD.row_id
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.id > (SELECT upto_id FROM audit_anchor WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_anchor_forward BEFORE UPDATE ON audit_anchor
WHEN NEW.id IS NOT OLD.id OR NEW.upto_id < OLD.upto_id OR NEW.hash IS NOT (SELECT hash FROM audit_log WHERE id = NEW.upto_id)
BEGIN
    SELECT RAISE(ABORT, 'audit_anchor only moves forward, to a row of the chain');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor
BEGIN
    SELECT RAISE(ABORT, 'audit_anchor cannot be deleted');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_anchor_no_delete;
DROP TRIGGER audit_anchor_forward;
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP VIEW audit_entries;
DROP TABLE audit_purge_permit;
DROP TABLE audit_tables;
DROP TABLE audit_reseals;
DROP TABLE audit_anchor;
DROP TABLE audit_log;
