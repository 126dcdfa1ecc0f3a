-- +goose Up
-- Retention policies: how long each kind of data is kept before the daily
-- job purges it. The owner edits amount within [min_amount, max_amount];
-- the minimums are the legal ones where a law sets one (tax records: 5
-- years, Código Fiscal de la Federación art. 30) and otherwise what the app
-- needs to work. unit is 'day' or 'year'. The list is fixed: the job knows
-- what each key purges (db/retention.go).
CREATE TABLE retention_policies (
    id              INTEGER PRIMARY KEY,
    key             TEXT    NOT NULL UNIQUE,
    amount          INTEGER NOT NULL,
    unit            TEXT    NOT NULL CHECK (unit IN ('day', 'year')),
    min_amount      INTEGER NOT NULL,
    max_amount      INTEGER NOT NULL,
    default_amount  INTEGER NOT NULL,
    sort_order      INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    updated_by      TEXT    NOT NULL,
    deleted_at      TEXT,
    deleted_by      TEXT,
    CHECK (amount BETWEEN min_amount AND max_amount)
) STRICT;
INSERT INTO retention_policies (key, amount, unit, min_amount, max_amount, default_amount, sort_order, created_at, created_by, updated_at, updated_by) VALUES
    ('quotes',   7,   'year', 5,  20,   7,   1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system'),
    ('audit',    7,   'year', 5,  20,   7,   2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system'),
    ('trash',    30,  'day',  7,  365,  30,  3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system'),
    ('sessions', 30,  'day',  1,  365,  30,  4, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system'),
    ('security', 365, 'day',  30, 3650, 365, 5, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system'),
    ('csrf',     1,   'day',  1,  30,   1,   6, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system'),
    ('shares',   90,  'day',  30, 3650, 90,  7, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system'),
    ('exports',  7,   'day',  1,  30,   7,   8, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system');

-- One row per run of the retention job (daily in serve, or
-- `cotizador retention run`): when, what it purged per policy (JSON
-- counts) or would have (dry run). Operational, not audited; each purge
-- transaction writes its own audit entry with its counts.
CREATE TABLE retention_runs (
    id           INTEGER PRIMARY KEY,
    started_at   TEXT    NOT NULL,
    finished_at  TEXT,
    dry_run      INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),
    origin       TEXT    NOT NULL,
    counts       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(counts)),
    error        TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX retention_runs_started ON retention_runs (started_at);

-- Data exports: ARCO access for a customer or a user, the whole business
-- for the owner. Built in the background into a ZIP in the exports folder
-- next to the database (file_name), kept 7 days (policy 'exports'), and
-- downloaded through a single-use link whose token only the SHA-256 of is
-- kept (link_hash; never recorded in the audit trail by convention).
CREATE TABLE exports (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL CHECK (kind IN ('customer', 'user', 'business')),
    subject_id       INTEGER,
    status           TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'ready', 'failed', 'expired')),
    progress         INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    file_name        TEXT    NOT NULL DEFAULT '',
    size_bytes       INTEGER NOT NULL DEFAULT 0,
    sha256           TEXT    NOT NULL DEFAULT '',
    manifest         TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(manifest)),
    error            TEXT    NOT NULL DEFAULT '',
    link_hash        TEXT,
    link_expires_at  TEXT,
    downloads        INTEGER NOT NULL DEFAULT 0,
    finished_at      TEXT,
    created_at       TEXT    NOT NULL,
    created_by       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    updated_by       TEXT    NOT NULL,
    deleted_at       TEXT,
    deleted_by       TEXT
) STRICT;
CREATE INDEX exports_created ON exports (created_at);
CREATE UNIQUE INDEX exports_link ON exports (link_hash) WHERE link_hash IS NOT NULL;

-- The progress of a running export is not a change worth an audit row.
INSERT INTO audit_tables (table_name, audited, omit_columns, digest_columns, ignore_columns, note) VALUES
    ('exports', 1, '', '', 'progress', 'progress moves while the file is built');

-- +goose Down
DELETE FROM audit_tables WHERE table_name = 'exports';
DROP TABLE exports;
DROP TABLE retention_runs;
DROP TABLE retention_policies;
