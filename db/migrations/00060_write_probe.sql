-- +goose Up
-- The read-only mode's probe (db/readonly.go): while the app refuses writes
-- because the disk was full or the file could not be written, a periodic
-- write of a 64 KB blob into this one row tells when space is back. Not
-- business data: no audit trigger, no *_by columns.
CREATE TABLE write_probe (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    at      TEXT    NOT NULL,
    filler  BLOB
) STRICT;

-- +goose Down
DROP TABLE write_probe;
