package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"cotizador/app"
)

// Audit actions. Row changes come from the triggers (insert, update,
// delete, restore, revoke); the rest are written by the app for events that
// are not one row's change.
const (
	AuditInsert    = "insert"
	AuditUpdate    = "update"
	AuditDelete    = "delete"
	AuditRestore   = "restore"
	AuditRevoke    = "revoke"
	AuditPurge     = "purge"     // retention: counts per policy
	AuditExport    = "export"    // an export built or downloaded
	AuditAnonymise = "anonymise" // ARCO cancellation of a customer
	AuditReseal    = "reseal"    // the chain re-sealed after a redaction
)

// AuditEntry is one row of the audit trail.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string
	Action string
	Table  string
	RowID  int64 // 0 when the entry is not about one row
	Before map[string]any
	After  map[string]any
}

// Changes lists the fields of an entry with their value before and after,
// in a stable order (after's keys first, then any only in before).
func (e *AuditEntry) Changes() []AuditChange {
	var out []AuditChange
	seen := map[string]bool{}
	add := func(k string) {
		if seen[k] {
			return
		}
		seen[k] = true
		b, hadB := e.Before[k]
		a, hadA := e.After[k]
		out = append(out, AuditChange{Field: k, Before: b, After: a, HadBefore: hadB, HadAfter: hadA})
	}
	for _, k := range sortedKeys(e.After) {
		add(k)
	}
	for _, k := range sortedKeys(e.Before) {
		add(k)
	}
	return out
}

// AuditChange is one field of an entry.
type AuditChange struct {
	Field               string
	Before, After       any
	HadBefore, HadAfter bool
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// appendAudit writes an app event into the trail inside tx (through the
// audit_entries view, which numbers and chains it).
func appendAudit(ctx context.Context, tx *sql.Tx, at time.Time, actor app.Actor, action, table string, rowID int64, before, after any) error {
	enc := func(v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	b, err := enc(before)
	if err != nil {
		return err
	}
	a, err := enc(after)
	if err != nil {
		return err
	}
	var row any
	if rowID != 0 {
		row = rowID
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_entries (at, actor, action, table_name, row_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		app.FormatTime(at), string(actor), action, table, row, b, a)
	if err != nil {
		return fmt.Errorf("db: audit %s %s: %w", action, table, err)
	}
	return nil
}

// AuditBreak is the first row where the chain does not hold.
type AuditBreak struct {
	ID    int64
	At    time.Time
	Table string
	// Missing: rows before ID are gone (their ids are missing); otherwise
	// the row's hash does not match its content and the previous hash.
	Missing bool
	// MissingFrom is the first missing id when Missing.
	MissingFrom int64
}

// AuditVerification is what VerifyAudit found.
type AuditVerification struct {
	Count    int64
	HeadID   int64
	HeadHash []byte
	// AnchorID is the last row retention purged (0: none).
	AnchorID int64
	// Resealing: a re-seal after an ARCO cancellation is still running.
	Resealing bool
	Broken    *AuditBreak
}

// OK reports an intact chain.
func (v *AuditVerification) OK() bool { return v.Broken == nil }

// VerifyAudit walks the whole chain: every row's hash must be the hash of
// its content chained to the row before it, and every row but the first
// after the anchor must have its predecessor. Each row is checked against
// its predecessor's stored hash by one SQL pass (audit_hash over the row),
// so the chain splits into ranges checked side by side on the reader pool,
// one per CPU. Those ranges are read in separate transactions, so a break
// they report is checked again in one transaction (one consistent
// snapshot) before it is believed: a re-seal batch or a purge committed
// meanwhile cannot raise a false alarm.
func (db *DB) VerifyAudit(ctx context.Context) (*AuditVerification, error) {
	v, st, err := db.auditState(ctx, db.Reader)
	if err != nil {
		return nil, err
	}
	first, last := st.anchorID+1, v.HeadID
	if last < first {
		return v, nil
	}
	parts := 1
	if last-first > 100_000 {
		parts = max(1, min(runtime.NumCPU(), 8))
	}
	type result struct {
		b   *AuditBreak
		err error
	}
	results := make([]result, parts)
	var wg sync.WaitGroup
	size := (last - first + 1 + int64(parts) - 1) / int64(parts)
	for k := range parts {
		lo := first + int64(k)*size
		hi := min(last, lo+size-1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[k].b, results[k].err = verifyRange(ctx, db.Reader, st, lo, hi)
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.err != nil {
			return nil, r.err
		}
		if r.b != nil {
			// Confirm within one snapshot.
			tx, err := db.Reader.BeginTx(ctx, nil)
			if err != nil {
				return nil, err
			}
			defer tx.Rollback()
			v, st, err := db.auditState(ctx, tx)
			if err != nil {
				return nil, err
			}
			b, err := verifyRange(ctx, tx, st, st.anchorID+1, v.HeadID)
			if err != nil {
				return nil, err
			}
			v.Broken = b
			return v, nil
		}
	}
	return v, nil
}

// auditChainState is what a verification needs besides the rows.
type auditChainState struct {
	anchorID     int64
	anchorHash   []byte
	boundary     int64 // the row a running re-seal's old hash still links; -1 if none
	boundaryHash []byte
}

func (db *DB) auditState(ctx context.Context, q rowQueryer) (*AuditVerification, *auditChainState, error) {
	v := &AuditVerification{}
	st := &auditChainState{boundary: -1}
	if err := q.QueryRowContext(ctx, `SELECT upto_id, hash FROM audit_anchor WHERE id = 1`).Scan(&st.anchorID, &st.anchorHash); err != nil {
		return nil, nil, fmt.Errorf("db: audit anchor: %w", err)
	}
	v.AnchorID = st.anchorID
	err := q.QueryRowContext(ctx, `SELECT cursor_id + 1, cursor_old_hash FROM audit_reseals WHERE finished_at IS NULL ORDER BY id LIMIT 1`).Scan(&st.boundary, &st.boundaryHash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		st.boundary = -1
	case err != nil:
		return nil, nil, err
	default:
		v.Resealing = true
	}
	if err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(max(id), 0) FROM audit_log`).Scan(&v.Count, &v.HeadID); err != nil {
		return nil, nil, err
	}
	if v.HeadID > 0 {
		if err := q.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE id = ?`, v.HeadID).Scan(&v.HeadHash); err != nil {
			return nil, nil, err
		}
	}
	return v, st, nil
}

// verifyRange checks rows lo..hi and returns the first that breaks the
// chain, nil if none does.
func verifyRange(ctx context.Context, q rowQueryer, st *auditChainState, lo, hi int64) (*AuditBreak, error) {
	var id int64
	var at, table string
	var linked bool
	err := q.QueryRowContext(ctx, `
		SELECT a.id, a.at, a.table_name, p.id IS NOT NULL OR a.id = ?5 + 1 AS linked
		FROM audit_log a LEFT JOIN audit_log p ON p.id = a.id - 1
		WHERE a.id BETWEEN ?1 AND ?2 AND (
			(p.id IS NULL AND a.id != ?5 + 1)
			OR a.hash IS NOT audit_hash(CASE WHEN a.id = ?3 THEN ?4 WHEN a.id = ?5 + 1 THEN coalesce(?6, zeroblob(32)) ELSE p.hash END,
			                            `+auditCanonical("a.", true)+`))
		ORDER BY a.id LIMIT 1`, lo, hi, st.boundary, st.boundaryHash, st.anchorID, st.anchorHash).Scan(&id, &at, &table, &linked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("db: verify audit: %w", err)
	}
	b := &AuditBreak{ID: id, Table: table}
	b.At, _ = app.ParseTime(at)
	if !linked {
		// Rows before this one are gone: from the one after the previous
		// row that exists (or the anchor).
		var prev sql.NullInt64
		if err := q.QueryRowContext(ctx, `SELECT max(id) FROM audit_log WHERE id < ?`, id).Scan(&prev); err != nil {
			return nil, err
		}
		b.Missing, b.MissingFrom = true, max(prev.Int64, st.anchorID)+1
	}
	return b, nil
}

// AuditFilter narrows FindAudit. Times are inclusive bounds on the entry's
// time; zero means unbounded.
type AuditFilter struct {
	Actor  string
	Table  string
	RowID  int64
	From   time.Time
	To     time.Time
	Limit  int
	Before int64 // entries with a smaller id (the next page)
}

const maxAuditPage = 200

// FindAudit lists entries newest first. With Table and RowID it is one
// record's history.
func (db *DB) FindAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error) {
	var where []string
	var args []any
	if f.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, f.Actor)
	}
	if f.Table != "" {
		where, args = append(where, "table_name = ?"), append(args, f.Table)
	}
	if f.RowID != 0 {
		where, args = append(where, "row_id = ?"), append(args, f.RowID)
	}
	if !f.From.IsZero() {
		where, args = append(where, "at >= ?"), append(args, app.FormatTime(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "at <= ?"), append(args, app.FormatTime(f.To))
	}
	if f.Before > 0 {
		where, args = append(where, "id < ?"), append(args, f.Before)
	}
	limit := f.Limit
	if limit <= 0 || limit > maxAuditPage {
		limit = 50
	}
	q := `SELECT id, at, actor, action, table_name, coalesce(row_id, 0), audit_unpack(before), audit_unpack(after) FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit)
	return db.queryAudit(ctx, q, args...)
}

// queryAudit runs a query of audit entries' columns.
func (db *DB) queryAudit(ctx context.Context, q string, args ...any) ([]*AuditEntry, error) {
	rows, err := db.Reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("db: audit entries: %w", err)
	}
	defer rows.Close()
	var out []*AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanAudit(row interface{ Scan(...any) error }) (*AuditEntry, error) {
	var e AuditEntry
	var at string
	var before, after sql.NullString
	if err := row.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Table, &e.RowID, &before, &after); err != nil {
		return nil, err
	}
	e.At, _ = app.ParseTime(at)
	for _, p := range []struct {
		s sql.NullString
		m *map[string]any
	}{{before, &e.Before}, {after, &e.After}} {
		if !p.s.Valid {
			continue
		}
		d := json.NewDecoder(strings.NewReader(p.s.String))
		d.UseNumber()
		if err := d.Decode(p.m); err != nil {
			// Not an object (an app event may record a list): keep it
			// under one key rather than lose it.
			*p.m = map[string]any{"value": p.s.String}
		}
	}
	return &e, nil
}

// auditChildren are the rows whose history is part of a record's: a
// quote's lines, a product's BOM, a material's colour prices.
var auditChildren = map[string]struct{ table, fk string }{
	"quotes":    {"quote_items", "quote_id"},
	"products":  {"bom_lines", "product_id"},
	"materials": {"colour_prices", "material_id"},
}

// RecordHistory is a record's history, oldest first, with its children's
// entries (a quote's lines…) in between where they happened.
func (db *DB) RecordHistory(ctx context.Context, table string, id int64) ([]*AuditEntry, error) {
	q := `SELECT id, at, actor, action, table_name, coalesce(row_id, 0), audit_unpack(before), audit_unpack(after) FROM audit_log WHERE (table_name = ?1 AND row_id = ?2)`
	if c, ok := auditChildren[table]; ok {
		q += ` OR (table_name = '` + c.table + `' AND row_id IN (SELECT id FROM ` + c.table + ` WHERE ` + c.fk + ` = ?2))`
	}
	return db.queryAudit(ctx, q+` ORDER BY id LIMIT 1000`, table, id)
}

// AuditActors lists the actors that appear in the trail, for the filter.
func (db *DB) AuditActors(ctx context.Context) ([]string, error) {
	return queryColumn[string](ctx, db.Reader, `SELECT DISTINCT actor FROM audit_log ORDER BY actor`)
}
