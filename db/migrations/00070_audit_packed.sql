-- +goose Up
-- Audit images are stored packed (db/auditpack.go: DEFLATE with a preset
-- dictionary, about a quarter of the JSON), so before and after become ANY:
-- a packed image is a BLOB, a short one stays TEXT. The hash chain is over
-- the JSON text and does not change. SQLite cannot change a column's type
-- in place: the table is rebuilt and every image packed as it is copied (a
-- minute or so per five million entries, once). legacy_alter_table keeps
-- the rename from rewriting the view and triggers that name audit_log:
-- they are meant for the new table.
PRAGMA legacy_alter_table = ON;
ALTER TABLE audit_log RENAME TO audit_log_unpacked;
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    table_name  TEXT    NOT NULL,
    row_id      INTEGER,
    before      ANY,
    after       ANY,
    hash        BLOB    NOT NULL
) STRICT;
INSERT INTO audit_log (id, at, actor, action, table_name, row_id, before, after, hash)
    SELECT id, at, actor, action, table_name, row_id, audit_pack(before), audit_pack(after), hash FROM audit_log_unpacked ORDER BY id;
DROP TABLE audit_log_unpacked;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX audit_log_row ON audit_log (table_name, row_id);
CREATE INDEX audit_log_actor ON audit_log (actor);
CREATE INDEX audit_log_at ON audit_log (at);
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

-- +goose Down
-- Back to JSON text. The audit_entries trigger of this version packs: the
-- next start of the older program rewrites it (SyncAuditTriggers), and
-- this program's, started again, migrates up first.
PRAGMA legacy_alter_table = ON;
ALTER TABLE audit_log RENAME TO audit_log_packed;
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
INSERT INTO audit_log (id, at, actor, action, table_name, row_id, before, after, hash)
    SELECT id, at, actor, action, table_name, row_id, audit_unpack(before), audit_unpack(after), hash FROM audit_log_packed ORDER BY id;
DROP TABLE audit_log_packed;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX audit_log_row ON audit_log (table_name, row_id);
CREATE INDEX audit_log_actor ON audit_log (actor);
CREATE INDEX audit_log_at ON audit_log (at);
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
