-- +goose Up
-- Share links: a quote sent to its customer as /c/{token}. Only the token's
-- SHA-256 is stored, so a copy of the database does not open the links.
-- form_token binds the accept/reject form to its link (the customer has no
-- session for the usual CSRF token to belong to).
CREATE TABLE quote_shares (
    id               INTEGER PRIMARY KEY,
    quote_id         INTEGER NOT NULL REFERENCES quotes (id),
    token_hash       TEXT    NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    form_token       TEXT    NOT NULL,
    expires_at       TEXT    NOT NULL,
    revoked_at       TEXT,
    revoked_by       TEXT,
    first_viewed_at  TEXT,
    last_viewed_at   TEXT,
    views            INTEGER NOT NULL DEFAULT 0 CHECK (views >= 0),
    created_at       TEXT    NOT NULL,
    created_by       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    updated_by       TEXT    NOT NULL,
    deleted_at       TEXT,
    deleted_by       TEXT
) STRICT;
CREATE INDEX quote_shares_quote ON quote_shares (quote_id);

-- The customer's answer through a link: who said yes or no, when, from where.
CREATE TABLE quote_decisions (
    id          INTEGER PRIMARY KEY,
    quote_id    INTEGER NOT NULL REFERENCES quotes (id),
    share_id    INTEGER NOT NULL REFERENCES quote_shares (id),
    decision    TEXT    NOT NULL CHECK (decision IN ('aceptada', 'rechazada')),
    name        TEXT    NOT NULL CHECK (length(name) <= 200),
    note        TEXT    NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    ip          TEXT    NOT NULL DEFAULT '',
    user_agent  TEXT    NOT NULL DEFAULT '' CHECK (length(user_agent) <= 400),
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    updated_by  TEXT    NOT NULL,
    deleted_at  TEXT,
    deleted_by  TEXT
) STRICT;
CREATE INDEX quote_decisions_quote ON quote_decisions (quote_id);

-- +goose Down
DROP TABLE quote_decisions;
DROP TABLE quote_shares;
