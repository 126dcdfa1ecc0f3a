package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"cotizador/app"
)

// Retention policies (retention_policies, edited by the owner) and the job
// that applies them. Each policy is a period; the job purges what has
// been kept longer than its policy's period, never sooner: a record's age
// is measured from the time the policy names (a quote's last change, a
// session's end, a deletion), and a record exactly at the cutoff is kept.

// Policy keys.
const (
	PolicyQuotes   = "quotes"   // quotes (all revisions of a folio) and their customers, from the last change
	PolicyAudit    = "audit"    // audit trail entries
	PolicyTrash    = "trash"    // the Papelera's grace before a deleted record is purged
	PolicySessions = "sessions" // sessions, from their end
	PolicySecurity = "security" // login attempts and the security log
	PolicyCSRF     = "csrf"     // CSRF tokens, from their expiry
	PolicyShares   = "shares"   // quote share links, from their expiry
	PolicyExports  = "exports"  // export files, from when they were built
)

// RetentionPolicy is one row of retention_policies.
type RetentionPolicy struct {
	ID            int64
	Key           string
	Amount        int
	Unit          string // "day" or "year"
	MinAmount     int
	MaxAmount     int
	DefaultAmount int
	UpdatedAt     time.Time
	UpdatedBy     string
}

// Cutoff is the moment before which data of this policy may be purged.
func (p *RetentionPolicy) Cutoff(now time.Time) time.Time {
	if p.Unit == "year" {
		return now.AddDate(-p.Amount, 0, 0)
	}
	return now.AddDate(0, 0, -p.Amount)
}

// After returns t plus the policy's period: when a record dated t may go.
func (p *RetentionPolicy) After(t time.Time) time.Time {
	if p.Unit == "year" {
		return t.AddDate(p.Amount, 0, 0)
	}
	return t.AddDate(0, 0, p.Amount)
}

// RetentionPolicies lists the policies in their display order.
func (db *DB) RetentionPolicies(ctx context.Context) ([]*RetentionPolicy, error) {
	return retentionPolicies(ctx, db.Reader)
}

func retentionPolicies(ctx context.Context, q queryer) ([]*RetentionPolicy, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, key, amount, unit, min_amount, max_amount, default_amount, updated_at, updated_by
		FROM retention_policies WHERE deleted_at IS NULL ORDER BY sort_order`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*RetentionPolicy
	for rows.Next() {
		var p RetentionPolicy
		var at string
		if err := rows.Scan(&p.ID, &p.Key, &p.Amount, &p.Unit, &p.MinAmount, &p.MaxAmount, &p.DefaultAmount, &at, &p.UpdatedBy); err != nil {
			return nil, err
		}
		p.UpdatedAt, _ = app.ParseTime(at)
		out = append(out, &p)
	}
	return out, rows.Err()
}

// policyMap indexes policies by key.
func policyMap(ps []*RetentionPolicy) map[string]*RetentionPolicy {
	m := make(map[string]*RetentionPolicy, len(ps))
	for _, p := range ps {
		m[p.Key] = p
	}
	return m
}

// UpdateRetentionPolicies sets the amounts given by key (the rest stay).
// An amount outside a policy's range is a field error named after its key
// (retention.below_minimum / retention.above_maximum), and nothing changes.
func (db *DB) UpdateRetentionPolicies(ctx context.Context, amounts map[string]int, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ps, err := retentionPolicies(ctx, tx)
	if err != nil {
		return err
	}
	fields := map[string]app.FieldError{}
	now := app.FormatTime(db.Clock.Now())
	for _, p := range ps {
		v, ok := amounts[p.Key]
		if !ok || v == p.Amount {
			continue
		}
		switch {
		case v < p.MinAmount:
			fields[p.Key] = app.FieldError{Message: "retention.below_minimum." + p.Unit, Args: map[string]any{"Min": p.MinAmount}}
			continue
		case v > p.MaxAmount:
			fields[p.Key] = app.FieldError{Message: "retention.above_maximum." + p.Unit, Args: map[string]any{"Max": p.MaxAmount}}
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE retention_policies SET amount = ?, updated_at = ?, updated_by = ? WHERE id = ?`, v, now, actor, p.ID); err != nil {
			return err
		}
	}
	if len(fields) > 0 {
		e := app.Errorf(app.EINVALID, "validation.form_invalid")
		e.Fields = fields
		return e
	}
	return tx.Commit()
}

// RetentionReport is what one run purged (or, dry, would purge): per
// policy, rows per table (and files, for exports).
type RetentionReport struct {
	DryRun  bool
	Started time.Time
	Counts  map[string]map[string]int64
}

// Total is the number of rows (and files) a policy purged.
func (r *RetentionReport) Total(policy string) int64 {
	var n int64
	for _, c := range r.Counts[policy] {
		n += c
	}
	return n
}

// purgeBatch bounds the rows one purge transaction deletes, so a large
// purge never holds the single writer for long.
var purgeBatch = 500

// purgeChild is a table whose rows go with a root row: table.column = root id.
type purgeChild struct{ table, column string }

// purgeRoot is one kind of record a policy purges, with its children.
// candidates selects root ids (?1 is the cutoff); policyRoots adds the
// foreign-key guards, the order and the batch size (?2).
type purgeRoot struct {
	table      string
	candidates string
	children   []purgeChild
	// wholeFolio: quotes are purged a whole folio at a time (a revision
	// points at the one that replaced it).
	wholeFolio bool
}

// RunRetention applies every policy. Each purge transaction deletes at most
// purgeBatch records (with their children) and writes one audit entry with
// its counts (never their content). A dry run only counts.
func (db *DB) RunRetention(ctx context.Context, dryRun bool, origin string) (*RetentionReport, error) {
	now := db.Clock.Now()
	rep := &RetentionReport{DryRun: dryRun, Started: now, Counts: map[string]map[string]int64{}}
	ps, err := db.RetentionPolicies(ctx)
	if err != nil {
		return nil, err
	}
	var runID int64
	if res, err := db.Writer.ExecContext(ctx, `INSERT INTO retention_runs (started_at, dry_run, origin) VALUES (?, ?, ?)`,
		app.FormatTime(now), dryRun, origin); err != nil {
		return nil, err
	} else {
		runID, _ = res.LastInsertId()
	}
	var runErr error
	for _, p := range ps {
		counts := map[string]int64{}
		rep.Counts[p.Key] = counts
		if err := db.applyPolicy(ctx, p, now, dryRun, counts); err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("retention %s: %w", p.Key, err))
		}
	}
	js, _ := json.Marshal(rep.Counts)
	errText := ""
	if runErr != nil {
		errText = runErr.Error()
	}
	if _, err := db.Writer.ExecContext(context.WithoutCancel(ctx), `UPDATE retention_runs SET finished_at = ?, counts = ?, error = ? WHERE id = ?`,
		app.FormatTime(db.Clock.Now()), string(js), errText, runID); err != nil {
		runErr = errors.Join(runErr, err)
	}
	return rep, runErr
}

// LastRetentionRun returns when the job last finished a real (not dry)
// run, zero if never: serve's daily schedule survives restarts.
func (db *DB) LastRetentionRun(ctx context.Context) (time.Time, error) {
	var at sql.NullString
	err := db.Reader.QueryRowContext(ctx, `SELECT max(finished_at) FROM retention_runs WHERE dry_run = 0 AND finished_at IS NOT NULL`).Scan(&at)
	if err != nil || !at.Valid {
		return time.Time{}, err
	}
	return app.ParseTime(at.String)
}

func (db *DB) applyPolicy(ctx context.Context, p *RetentionPolicy, now time.Time, dryRun bool, counts map[string]int64) error {
	cutoff := app.FormatTime(p.Cutoff(now))
	switch p.Key {
	case PolicyAudit:
		return db.purgeAudit(ctx, p, cutoff, now, dryRun, counts)
	case PolicyExports:
		return db.purgeExportFiles(ctx, cutoff, now, dryRun, counts)
	case PolicySessions:
		return db.purgePlain(ctx, p, now, dryRun, counts, "sessions", cutoff,
			`id IN (SELECT id FROM sessions WHERE CASE WHEN revoked_at IS NOT NULL AND revoked_at < expires_at THEN revoked_at ELSE expires_at END < ?1`)
	case PolicySecurity:
		if err := db.purgePlain(ctx, p, now, dryRun, counts, "login_attempts", cutoff,
			`id IN (SELECT id FROM login_attempts WHERE at < ?1`); err != nil {
			return err
		}
		return db.purgePlain(ctx, p, now, dryRun, counts, "security_events", cutoff,
			`id IN (SELECT id FROM security_events WHERE at < ?1`)
	case PolicyCSRF:
		defer db.memo.forgetAllCSRF()
		return db.purgePlain(ctx, p, now, dryRun, counts, "csrf_tokens", cutoff,
			`token_hash IN (SELECT token_hash FROM csrf_tokens WHERE expires_at < ?1`)
	}
	roots, err := db.policyRoots(ctx, p.Key)
	if err != nil {
		return err
	}
	for _, r := range roots {
		if err := db.purgeRoots(ctx, p, r, cutoff, now, dryRun, counts); err != nil {
			return err
		}
	}
	return nil
}

// policyRoots lists what the quotes, trash and shares policies purge, in
// an order that leaves no foreign key dangling. Tables that do not exist
// (another feature not installed) are skipped.
func (db *DB) policyRoots(ctx context.Context, key string) ([]purgeRoot, error) {
	quoteChildren := []purgeChild{{"quote_decisions", "quote_id"}, {"quote_shares", "quote_id"}, {"quote_items", "quote_id"}}
	var roots []purgeRoot
	switch key {
	case PolicyQuotes:
		roots = []purgeRoot{
			// Every revision of the folio unchanged since the cutoff.
			{table: "quotes", wholeFolio: true, children: quoteChildren,
				candidates: `SELECT id FROM quotes WHERE folio IN (SELECT folio FROM quotes GROUP BY folio HAVING max(updated_at) < ?1)`},
			// A customer unchanged since the cutoff with no quote left.
			{table: "customers", children: []purgeChild{{"customer_terms", "customer_id"}},
				candidates: `SELECT id FROM customers c WHERE updated_at < ?1 AND NOT EXISTS (SELECT 1 FROM quotes q WHERE q.customer_id = c.id)`},
		}
	case PolicyTrash:
		roots = []purgeRoot{
			// Lines replaced in drafts, BOM lines replaced, colour prices removed.
			{table: "quote_items", candidates: `SELECT id FROM quote_items WHERE deleted_at < ?1`},
			{table: "bom_lines", candidates: `SELECT id FROM bom_lines WHERE deleted_at < ?1`},
			{table: "colour_prices", candidates: `SELECT id FROM colour_prices WHERE deleted_at < ?1`},
			{table: "products", children: []purgeChild{{"bom_lines", "product_id"}},
				candidates: `SELECT id FROM products WHERE deleted_at < ?1`},
			{table: "materials", children: []purgeChild{{"colour_prices", "material_id"}},
				candidates: `SELECT id FROM materials WHERE deleted_at < ?1`},
			{table: "colours", children: []purgeChild{{"colour_prices", "colour_id"}},
				candidates: `SELECT id FROM colours WHERE deleted_at < ?1`},
			// Deleted drafts never sent: not tax records. Other deleted
			// quotes wait for the quotes policy.
			{table: "quotes", children: quoteChildren,
				candidates: `SELECT id FROM quotes WHERE deleted_at < ?1 AND status = 'borrador' AND sent_at IS NULL`},
			// A deleted customer with no quote (one with quotes is kept as
			// long as they are, and then purged by the quotes policy).
			{table: "customers", children: []purgeChild{{"customer_terms", "customer_id"}},
				candidates: `SELECT id FROM customers c WHERE deleted_at < ?1 AND NOT EXISTS (SELECT 1 FROM quotes q WHERE q.customer_id = c.id)`},
		}
	case PolicyShares:
		roots = []purgeRoot{
			// A link that led to a decision is kept with its quote.
			{table: "quote_shares", candidates: `SELECT id FROM quote_shares s WHERE coalesce(revoked_at, expires_at) < ?1
				AND NOT EXISTS (SELECT 1 FROM quote_decisions d WHERE d.share_id = s.id)`},
		}
	default:
		return nil, fmt.Errorf("unknown policy %q", key)
	}
	have, err := db.tableNames(ctx)
	if err != nil {
		return nil, err
	}
	var out []purgeRoot
	for _, r := range roots {
		if !have[r.table] {
			continue
		}
		var kids []purgeChild
		for _, c := range r.children {
			if have[c.table] {
				kids = append(kids, c)
			}
		}
		r.children = kids
		guard, err := db.foreignGuards(ctx, r)
		if err != nil {
			return nil, err
		}
		// Older revisions first: a batch that ends inside a folio leaves
		// only revisions no other row points at.
		order := "cand.id"
		if r.wholeFolio {
			order = "(SELECT folio FROM quotes WHERE id = cand.id), (SELECT revision FROM quotes WHERE id = cand.id)"
		}
		r.candidates = `SELECT id FROM (` + r.candidates + `) AS cand WHERE 1` + guard + ` ORDER BY ` + order + ` LIMIT ?2`
		out = append(out, r)
	}
	return out, nil
}

func (db *DB) tableNames(ctx context.Context) (map[string]bool, error) {
	names, err := queryColumn[string](ctx, db.Reader, `SELECT name FROM sqlite_schema WHERE type = 'table'`)
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m, err
}

// foreignGuards keeps a root row that any table other than its own
// children still refers to by a foreign key (a workshop order pointing at
// a quote, a BOM line using a material): purging it would break that row.
func (db *DB) foreignGuards(ctx context.Context, r purgeRoot) (string, error) {
	rows, err := db.Reader.QueryContext(ctx, `SELECT m.name, f."from" FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND f."table" = ? ORDER BY m.name, f."from"`, r.table)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			return "", err
		}
		if slices.Contains(r.children, purgeChild{table, col}) || internalTable(table) {
			continue
		}
		if table == r.table && r.wholeFolio {
			continue // revisions of one folio go together
		}
		fmt.Fprintf(&b, ` AND NOT EXISTS (SELECT 1 FROM "%s" ref WHERE ref."%s" = cand.id`, table, col)
		if table == r.table {
			b.WriteString(` AND ref.id != cand.id`)
		}
		b.WriteString(`)`)
	}
	return b.String(), rows.Err()
}

// purgeTx runs one purge transaction: the permit that lets the audit
// triggers accept a physical delete, fn, and the audit entry of its counts.
func (db *DB) purgeTx(ctx context.Context, p *RetentionPolicy, now time.Time, fn func(tx *sql.Tx, counts map[string]int64) error) (map[string]int64, error) {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_purge_permit (id, policy) VALUES (1, ?)`, p.Key); err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	if err := fn(tx, counts); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM audit_purge_permit`); err != nil {
		return nil, err
	}
	var total int64
	for _, n := range counts {
		total += n
	}
	if total == 0 {
		return counts, nil // nothing purged: nothing to commit or record
	}
	if err := appendAudit(ctx, tx, now, app.SystemActor, AuditPurge, "retention_policies", p.ID, nil,
		map[string]any{"policy": p.Key, "cutoff": app.FormatTime(p.Cutoff(now)), "counts": counts}); err != nil {
		return nil, err
	}
	return counts, tx.Commit()
}

func addCounts(into, from map[string]int64) {
	for k, v := range from {
		into[k] += v
	}
}

// idList renders ids for an IN (…) list (they are integers read from the
// database, never user input).
func idList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// queryColumn runs a query of one column and returns its values.
func queryColumn[T any](ctx context.Context, q queryer, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func queryIDs(ctx context.Context, q queryer, query string, args ...any) ([]int64, error) {
	return queryColumn[int64](ctx, q, query, args...)
}

// purgeRoots purges one kind of record in batches.
func (db *DB) purgeRoots(ctx context.Context, p *RetentionPolicy, r purgeRoot, cutoff string, now time.Time, dryRun bool, counts map[string]int64) error {
	if dryRun {
		ids, err := queryIDs(ctx, db.Reader, r.candidates, cutoff, -1)
		if err != nil {
			return err
		}
		counts[r.table] += int64(len(ids))
		for _, c := range r.children {
			if len(ids) == 0 {
				break
			}
			var n int64
			if err := db.Reader.QueryRowContext(ctx, `SELECT count(*) FROM `+c.table+` WHERE `+c.column+` IN (`+idList(ids)+`)`).Scan(&n); err != nil {
				return err
			}
			counts[c.table] += n
		}
		return nil
	}
	for {
		got, err := db.purgeTx(ctx, p, now, func(tx *sql.Tx, bc map[string]int64) error {
			ids, err := queryIDs(ctx, tx, r.candidates, cutoff, purgeBatch)
			if err != nil || len(ids) == 0 {
				return err
			}
			list := idList(ids)
			for _, c := range r.children {
				res, err := tx.ExecContext(ctx, `DELETE FROM `+c.table+` WHERE `+c.column+` IN (`+list+`)`)
				if err != nil {
					return err
				}
				n, _ := res.RowsAffected()
				bc[c.table] += n
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM `+r.table+` WHERE id IN (`+list+`)`)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			bc[r.table] += n
			return nil
		})
		if err != nil {
			return err
		}
		addCounts(counts, got)
		if got[r.table] == 0 {
			return nil
		}
	}
}

// purgePlain purges rows of a table that is not audited, in batches (the
// audit entry still records the counts). which is "key IN (SELECT key
// FROM table WHERE …" with ?1 the cutoff, left open for the batch's LIMIT.
func (db *DB) purgePlain(ctx context.Context, p *RetentionPolicy, now time.Time, dryRun bool, counts map[string]int64, table, cutoff, which string) error {
	if dryRun {
		var n int64
		err := db.Reader.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE `+which+`)`, cutoff).Scan(&n)
		counts[table] += n
		return err
	}
	for {
		got, err := db.purgeTx(ctx, p, now, func(tx *sql.Tx, bc map[string]int64) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+which+` LIMIT ?2)`, cutoff, purgeBatch)
			if err != nil {
				return err
			}
			bc[table], _ = res.RowsAffected()
			return nil
		})
		if err != nil {
			return err
		}
		addCounts(counts, got)
		if got[table] == 0 {
			return nil
		}
	}
}

// purgeAudit drops the oldest audit entries, the longest run from the
// start of the chain that is older than the cutoff: the anchor moves to the
// last one purged (and keeps its hash), so the chain still verifies from
// the first entry kept.
func (db *DB) purgeAudit(ctx context.Context, p *RetentionPolicy, cutoff string, now time.Time, dryRun bool, counts map[string]int64) error {
	// upto finds the last id of the oldest run older than the cutoff, at
	// most purgeBatch entries after the anchor.
	upto := func(q rowQueryer, batch int) (int64, int64, error) {
		var anchor int64
		if err := q.QueryRowContext(ctx, `SELECT upto_id FROM audit_anchor WHERE id = 1`).Scan(&anchor); err != nil {
			return 0, 0, err
		}
		rows, err := q.QueryContext(ctx, `SELECT id, at FROM audit_log WHERE id > ? ORDER BY id LIMIT ?`, anchor, batch)
		if err != nil {
			return 0, 0, err
		}
		defer rows.Close()
		last, n := anchor, int64(0)
		for rows.Next() {
			var id int64
			var at string
			if err := rows.Scan(&id, &at); err != nil {
				return 0, 0, err
			}
			if at >= cutoff {
				break
			}
			last, n = id, n+1
		}
		return last, n, rows.Err()
	}
	if dryRun {
		_, n, err := upto(db.Reader, -1)
		counts["audit_log"] += n
		return err
	}
	for {
		got, err := db.purgeTx(ctx, p, now, func(tx *sql.Tx, bc map[string]int64) error {
			last, n, err := upto(tx, purgeBatch)
			if err != nil || n == 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE audit_anchor SET upto_id = ?1, hash = (SELECT hash FROM audit_log WHERE id = ?1) WHERE id = 1`, last); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE id <= ?`, last)
			if err != nil {
				return err
			}
			bc["audit_log"], _ = res.RowsAffected()
			return nil
		})
		if err != nil {
			return err
		}
		addCounts(counts, got)
		if got["audit_log"] == 0 {
			return nil
		}
	}
}

// rowQueryer is a pool or a transaction.
type rowQueryer interface {
	queryer
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// tableExists reports whether the schema has a table of that name.
func tableExists(ctx context.Context, q rowQueryer, name string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, name).Scan(&n)
	return n > 0, err
}

// ExportDir is where export files are kept: a folder next to the database.
func (db *DB) ExportDir() string { return filepath.Join(filepath.Dir(db.Path), "exports") }

// purgeExportFiles deletes the files of exports built before the cutoff
// and marks them expired (the row stays: who exported what, and when).
func (db *DB) purgeExportFiles(ctx context.Context, cutoff string, now time.Time, dryRun bool, counts map[string]int64) error {
	list, err := db.exportFiles(ctx, `status IN ('ready', 'failed', 'pending', 'running') AND coalesce(finished_at, created_at) < ?`, cutoff)
	if err != nil {
		return err
	}
	if dryRun {
		counts["exports"] += int64(len(list))
		return nil
	}
	ts := app.FormatTime(now)
	for _, e := range list {
		if err := db.removeExportFile(e.file); err != nil {
			return err
		}
		// The update is audited by the exports table's trigger.
		if _, err := db.Writer.ExecContext(ctx, `UPDATE exports SET status = 'expired', link_hash = NULL, link_expires_at = NULL,
			updated_at = ?, updated_by = ? WHERE id = ?`, ts, app.SystemActor, e.id); err != nil {
			return err
		}
		counts["exports"]++
	}
	return nil
}
