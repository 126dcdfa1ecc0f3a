-- +goose Up
-- One row per backup operation the app ran: restore drills (the proof that
-- the off-site replica can really be restored) and local snapshots. The
-- Respaldos page shows the latest of each; failures are kept, never hidden.
-- token is a random value a drill writes before restoring: finding it in the
-- restored copy proves the replica holds a write made seconds earlier.
CREATE TABLE backup_runs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('drill', 'snapshot')),
    origin       TEXT    NOT NULL CHECK (origin IN ('manual', 'scheduled', 'pre_migration', 'pre_restore', 'cli')),
    status       TEXT    NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    token        TEXT    NOT NULL,
    started_at   TEXT    NOT NULL,
    finished_at  TEXT,
    duration_ms  INTEGER CHECK (duration_ms >= 0),
    -- JSON written by the backup package: file, sizes, checksum, tables and
    -- row counts, replication lag. Read back as a whole, never queried into.
    detail       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
    error        TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    updated_by   TEXT    NOT NULL,
    deleted_at   TEXT,
    deleted_by   TEXT
) STRICT;

CREATE INDEX backup_runs_kind_started ON backup_runs (kind, started_at DESC);

-- +goose Down
DROP TABLE backup_runs;
