-- +goose Up
-- One installation is one business. Every business table carries the six
-- audit columns so later audit triggers can read who did what from NEW/OLD.
CREATE TABLE company (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    updated_by  TEXT    NOT NULL,
    deleted_at  TEXT,
    deleted_by  TEXT
) STRICT;

-- +goose Down
DROP TABLE company;
