-- +goose Up
-- Accounts, server-side sessions, API tokens, CSRF tokens and the security
-- log. Secrets are never stored: sessions, API tokens, reset links and CSRF
-- tokens keep only the SHA-256 of the random value the client holds.

ALTER TABLE company ADD COLUMN sales_see_all_quotes INTEGER NOT NULL DEFAULT 0 CHECK (sales_see_all_quotes IN (0, 1));

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    email                TEXT    NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name                 TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    role                 TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'sales', 'viewer')),
    password_hash        TEXT    NOT NULL,
    -- Highest discount a salesperson may give, in percent (exact decimal text).
    max_discount_pct     TEXT    NOT NULL DEFAULT '0',
    active               INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    password_changed_at  TEXT    NOT NULL,
    created_at           TEXT    NOT NULL,
    created_by           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL,
    updated_by           TEXT    NOT NULL,
    deleted_at           TEXT,
    deleted_by           TEXT
) STRICT;
CREATE UNIQUE INDEX users_email ON users (email) WHERE deleted_at IS NULL;

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT    NOT NULL UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    remember      INTEGER NOT NULL DEFAULT 0 CHECK (remember IN (0, 1)),
    user_agent    TEXT    NOT NULL DEFAULT '',
    ip            TEXT    NOT NULL DEFAULT '',
    created_at    TEXT    NOT NULL,
    last_seen_at  TEXT    NOT NULL,
    expires_at    TEXT    NOT NULL,
    revoked_at    TEXT,
    revoked_by    TEXT
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT    NOT NULL UNIQUE,
    -- The first characters of the token, shown so the owner can tell tokens apart.
    prefix        TEXT    NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    name          TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    last_used_at  TEXT,
    created_at    TEXT    NOT NULL,
    created_by    TEXT    NOT NULL,
    revoked_at    TEXT,
    revoked_by    TEXT
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE password_resets (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT    NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_at     TEXT
) STRICT;

-- CSRF tokens handed out by Fiber's csrf middleware; session_id binds a
-- token to the session it was issued to (NULL before login).
CREATE TABLE csrf_tokens (
    token_hash  TEXT    PRIMARY KEY,
    session_id  INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
    expires_at  TEXT    NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX csrf_tokens_expires ON csrf_tokens (expires_at);

-- Every login attempt, for the per-account lockout and the per-IP throttle.
-- The lockout is derived from these rows by e-mail, whether or not an
-- account has that e-mail, so its behaviour reveals nothing. 'locked' is an
-- attempt refused during a lockout (it counts for the IP throttle, not
-- towards a longer lock); 'unlock' is an owner's or admin's unlock.
CREATE TABLE login_attempts (
    id       INTEGER PRIMARY KEY,
    email    TEXT    NOT NULL,
    ip       TEXT    NOT NULL,
    outcome  TEXT    NOT NULL CHECK (outcome IN ('success', 'failure', 'locked', 'unlock')),
    at       TEXT    NOT NULL
) STRICT;
CREATE INDEX login_attempts_email ON login_attempts (email, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

CREATE TABLE security_events (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    user_id     INTEGER,
    email       TEXT    NOT NULL DEFAULT '',
    ip          TEXT    NOT NULL DEFAULT '',
    actor       TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '',
    request_id  TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX security_events_at ON security_events (at);

-- +goose Down
DROP TABLE security_events;
DROP TABLE login_attempts;
DROP TABLE csrf_tokens;
DROP TABLE password_resets;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
ALTER TABLE company DROP COLUMN sales_see_all_quotes;
