package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Audit triggers are made from the schema, not written by hand: after every
// migration SyncAuditTriggers gives each business table (one with id,
// created_at and created_by that audit_tables does not leave out) three
// triggers, named audit_row_<table>_insert, _update and _delete:
//
//   - AFTER INSERT records the new row's columns (action "insert");
//   - AFTER UPDATE, when a recorded column or deleted_at changed, records
//     the changed columns before and after ("update", "delete" when
//     deleted_at was set, "restore" when it was cleared, "revoke" when
//     revoked_at was set);
//   - BEFORE DELETE refuses a physical delete unless the retention job holds
//     its permit (business rows are only ever soft-deleted otherwise).
//
// The time and actor of an entry are the row's own: created_at/created_by
// for an insert, updated_at/updated_by (or revoked_*, used_at, deleted_*)
// for an update. A column added to a table later is recorded from the next
// start on, and a new table is audited without anyone writing a trigger.

// metaColumns are the entry's own time, actor and action: never copied into
// the before/after images.
var metaColumns = []string{"created_at", "created_by", "updated_at", "updated_by", "deleted_at", "deleted_by"}

// secretColumn is the naming convention for values never recorded:
// password and token hashes, form tokens, anything called a secret.
func secretColumn(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, "_hash") || strings.HasSuffix(n, "_token") || n == "password" || strings.Contains(n, "secret")
}

// internalTable: tables of SQLite, goose, Litestream, the audit trail itself
// and a catalogue import's temporary copies are never audited.
func internalTable(name string) bool {
	for _, p := range []string{"sqlite_", "goose_", "_litestream", "audit_", stagePrefix, retiredPrefix} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// auditTable is what the triggers of one table are made from.
type auditTable struct {
	Name    string
	Columns []string // recorded, in table order
	Digest  map[string]bool
	Ignore  map[string]bool
	Has     map[string]bool // every column of the table
}

// auditRule is a row of audit_tables.
type auditRule struct {
	audited              bool
	omit, digest, ignore map[string]bool
}

func splitSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			m[f] = true
		}
	}
	return m
}

// auditTables lists the tables to audit with their recorded columns.
func auditTables(ctx context.Context, q queryer) ([]auditTable, error) {
	rules := map[string]auditRule{}
	rows, err := q.QueryContext(ctx, `SELECT table_name, audited, omit_columns, digest_columns, ignore_columns FROM audit_tables`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var name, omit, digest, ignore string
		var audited bool
		if err := rows.Scan(&name, &audited, &omit, &digest, &ignore); err != nil {
			rows.Close()
			return nil, err
		}
		rules[name] = auditRule{audited, splitSet(omit), splitSet(digest), splitSet(ignore)}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT m.name, p.name, upper(p.type) FROM sqlite_schema m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' ORDER BY m.name, p.cid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []auditTable
	var cur *auditTable
	for rows.Next() {
		var table, col, typ string
		if err := rows.Scan(&table, &col, &typ); err != nil {
			return nil, err
		}
		if cur == nil || cur.Name != table {
			out = append(out, auditTable{Name: table, Digest: map[string]bool{}, Ignore: map[string]bool{}, Has: map[string]bool{}})
			cur = &out[len(out)-1]
		}
		cur.Has[col] = true
		r := rules[table]
		// id is the entry's row_id.
		if col == "id" || slices.Contains(metaColumns, col) || secretColumn(col) || r.omit[col] {
			continue
		}
		cur.Columns = append(cur.Columns, col)
		if typ == "BLOB" || r.digest[col] {
			cur.Digest[col] = true
		}
		if r.ignore[col] {
			cur.Ignore[col] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, t := range out {
		r, ruled := rules[t.Name]
		if internalTable(t.Name) || (ruled && !r.audited) || !t.Has["id"] || !t.Has["created_at"] || !t.Has["created_by"] {
			continue
		}
		kept = append(kept, t)
	}
	return kept, nil
}

// AuditedTables lists the tables the app audits (the Auditoría page's
// filter accepts only these).
func (db *DB) AuditedTables(ctx context.Context) ([]string, error) {
	ts, err := auditTables(ctx, db.Reader)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return names, nil
}

// value is how column c of row (NEW or OLD) enters an image.
func (t *auditTable) value(row, c string) string {
	if t.Digest[c] {
		return "audit_digest(" + row + "." + c + ")"
	}
	return row + "." + c
}

// firstOf is coalesce over the columns of cands the table has, with a
// final fallback.
func (t *auditTable) firstOf(row string, cands []string, fallback string) string {
	var parts []string
	for _, c := range cands {
		if t.Has[c] {
			parts = append(parts, row+"."+c)
		}
	}
	return "coalesce(" + strings.Join(append(parts, fallback), ", ") + ")"
}

// auditTriggerSQL returns the three triggers of t, on table on (t.Name, or a
// catalogue import's copy of it), writing into target (audit_entries, or the
// copy's pending entries). Names are prefixed by prefix.
func (t *auditTable) triggerSQL(on, target, prefix string) map[string]string {
	image := func(row string, only func(c string) string) string {
		var b strings.Builder
		b.WriteString("json_object(")
		for i, c := range t.Columns {
			if i > 0 {
				b.WriteString(", ")
			}
			v := t.value(row, c)
			if only != nil {
				v = only(c)
			}
			fmt.Fprintf(&b, "'%s', %s", c, v)
		}
		b.WriteString(")")
		return b.String()
	}
	changed := func(c string) string { return "OLD." + c + " IS NOT NEW." + c }
	var watch []string
	for _, c := range t.Columns {
		if !t.Ignore[c] {
			watch = append(watch, changed(c))
		}
	}
	if t.Has["deleted_at"] {
		watch = append(watch, changed("deleted_at"))
	}
	if len(watch) == 0 {
		watch = []string{"0"}
	}
	action := "CASE"
	if t.Has["deleted_at"] {
		action += " WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN 'delete' WHEN OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL THEN 'restore'"
	}
	if t.Has["revoked_at"] {
		action += " WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL THEN 'revoke'"
	}
	if action == "CASE" {
		action = "'update'"
	} else {
		action += " ELSE 'update' END"
	}
	// An update's images hold only the columns that changed: json_patch
	// drops the keys whose value is NULL, so a column left out of one side
	// was NULL there.
	diff := func(row string) string {
		return "nullif(json_patch('{}', " + image(row, func(c string) string {
			return "CASE WHEN " + changed(c) + " THEN " + t.value(row, c) + " END"
		}) + "), '{}')"
	}
	at := []string{"updated_at", "revoked_at", "used_at", "deleted_at", "created_at"}
	by := []string{"updated_by", "revoked_by", "deleted_by", "created_by"}
	const fallbackAt = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
	cols := "(at, actor, action, table_name, row_id, before, after)"
	name := prefix + t.Name
	return map[string]string{
		name + "_insert": "CREATE TRIGGER " + name + "_insert AFTER INSERT ON " + on + " BEGIN\n" +
			"    INSERT INTO " + target + " " + cols + "\n" +
			"    VALUES (" + t.firstOf("NEW", []string{"created_at"}, fallbackAt) + ", " + t.firstOf("NEW", []string{"created_by"}, "'unknown'") +
			", 'insert', '" + t.Name + "', NEW.id, NULL, " + image("NEW", nil) + ");\nEND",
		name + "_update": "CREATE TRIGGER " + name + "_update AFTER UPDATE ON " + on + "\nWHEN " + strings.Join(watch, " OR ") + " BEGIN\n" +
			"    INSERT INTO " + target + " " + cols + "\n" +
			"    VALUES (" + t.firstOf("NEW", at, fallbackAt) + ", " + t.firstOf("NEW", by, "'unknown'") + ", " + action +
			", '" + t.Name + "', NEW.id, " + diff("OLD") + ", " + diff("NEW") + ");\nEND",
		name + "_delete": "CREATE TRIGGER " + name + "_delete BEFORE DELETE ON " + on +
			"\nWHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit) BEGIN\n" +
			"    SELECT RAISE(ABORT, 'business rows are soft-deleted; only the retention job purges');\nEND",
	}
}

// auditRowPrefix names the generated triggers.
const auditRowPrefix = "audit_row_"

// SyncAuditTriggers makes the generated audit triggers match the schema:
// it creates those missing, remakes those whose SQL changed (a column was
// added) and drops those of tables no longer audited. It runs after every
// migration; on an unchanged schema it writes nothing. Without the
// audit_log table (a schema older than the audit trail) it does nothing.
func (db *DB) SyncAuditTriggers(ctx context.Context) (changed int, err error) {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if ok, err := tableExists(ctx, tx, "audit_tables"); err != nil || !ok {
		return 0, err
	}
	tables, err := auditTables(ctx, tx)
	if err != nil {
		return 0, err
	}
	packed, err := auditImagesPacked(ctx, tx)
	if err != nil {
		return 0, err
	}
	want := map[string]string{"audit_entries_insert": auditEntriesTrigger(packed)}
	for i := range tables {
		for name, def := range tables[i].triggerSQL(tables[i].Name, "audit_entries", auditRowPrefix) {
			want[name] = def
		}
	}
	have := map[string]string{}
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'
		AND (name LIKE 'audit\_row\_%' ESCAPE '\' OR name = 'audit_entries_insert')`)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return 0, err
		}
		have[name] = def
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for name, def := range have {
		if want[name] != def {
			if _, err := tx.ExecContext(ctx, `DROP TRIGGER `+name); err != nil {
				return 0, err
			}
			changed++
		}
	}
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if have[name] == want[name] {
			continue
		}
		if _, err := tx.ExecContext(ctx, want[name]); err != nil {
			return 0, fmt.Errorf("db: audit trigger %s: %w", name, err)
		}
		changed++
	}
	if changed == 0 {
		return 0, nil
	}
	return changed, tx.Commit()
}

// dropAuditTriggers removes every generated audit trigger, so a migration
// rolled back can drop columns they name; SyncAuditTriggers makes them
// again afterwards.
func (db *DB) dropAuditTriggers(ctx context.Context) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	names, err := queryColumn[string](ctx, tx, `SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'audit\_row\_%' ESCAPE '\'`)
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER `+n); err != nil {
			return err
		}
	}
	return tx.Commit()
}
