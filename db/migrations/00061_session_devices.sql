-- +goose Up
-- Sign-in anomaly notice: each session records its device (the user agent's
-- browser and system, "Chrome en Android") and its IP network (/24 for IPv4,
-- /48 for IPv6). A sign-in from a device or network the user had not used is
-- flagged new_device = 1 and shown once to the user (notice_shown_at) with a
-- button to end it.
ALTER TABLE sessions ADD COLUMN device TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN network TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN new_device INTEGER NOT NULL DEFAULT 0 CHECK (new_device IN (0, 1));
ALTER TABLE sessions ADD COLUMN notice_shown_at TEXT;
CREATE INDEX sessions_new_device ON sessions (user_id) WHERE new_device = 1 AND notice_shown_at IS NULL;

-- +goose Down
DROP INDEX sessions_new_device;
ALTER TABLE sessions DROP COLUMN notice_shown_at;
ALTER TABLE sessions DROP COLUMN new_device;
ALTER TABLE sessions DROP COLUMN network;
ALTER TABLE sessions DROP COLUMN device;
