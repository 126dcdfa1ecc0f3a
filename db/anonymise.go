package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"cotizador/app"
)

// ARCO cancellation / opposition: a customer's personal data is erased
// while the quotes keep their amounts (tax records). The customer record,
// the customer data each quote copied, and the name, IP and browser of the
// customer's answers through share links are overwritten — and so are the
// before/after images of every audit entry about them, which would
// otherwise keep the data forever.
//
// Redacting audit entries breaks their hashes, and every hash after them
// (each chains the one before), so the chain is re-sealed: from the first
// redacted entry to the newest, each hash is computed again over the entry
// as it now reads. A trail of a million entries takes seconds to re-seal,
// which must not hold the single writer, so it is done in short batches
// (audit_reseals keeps the cursor; a crash resumes where it stopped): the
// entries up to the cursor carry new hashes, the one after still chains
// from the cursor's old hash, which the reseal row keeps so verification
// holds at every moment. When the cursor reaches the newest entry, the
// re-seal is closed and recorded as an entry of its own (action "reseal":
// which entries, how many redacted, why), chained like any other.

// Redacted is what replaces a personal value in an audit image.
const Redacted = "[suprimido]"

// AnonymisedName is a customer's name after an ARCO cancellation.
func AnonymisedName(id int64) string { return "Cliente anonimizado #" + strconv.FormatInt(id, 10) }

// personal lists, per table, the columns an anonymisation erases (and
// redacts in audit images), with the SQL that selects the rows of
// customer ?1.
var personal = []struct {
	table, rows string
	columns     []string
}{
	{"customers", `id = ?1`, []string{"name", "business_name", "rfc", "email", "phone", "address", "postal_code", "tax_regime", "cfdi_use", "notes"}},
	{"quotes", `customer_id = ?1`, []string{"customer_name", "customer_business", "customer_rfc", "customer_email", "customer_phone", "customer_address"}},
	{"quote_decisions", `quote_id IN (SELECT id FROM quotes WHERE customer_id = ?1)`, []string{"name", "ip", "user_agent"}},
}

// Reseal is the state of a re-seal.
type Reseal struct {
	ID         int64
	Reason     string
	FromID     int64
	CursorID   int64
	Redacted   int64
	Resealed   int64
	StartedAt  time.Time
	FinishedAt *time.Time
}

// AnonymiseCustomer erases customer id's personal data (a deleted customer
// too) in one short transaction, records it, and opens the re-seal of the
// audit entries about them; RunReseals then redacts and re-seals them in
// batches. Only one re-seal runs at a time (ECONFLICT "anonymise.busy").
func (db *DB) AnonymiseCustomer(ctx context.Context, id int64, actor app.Actor) (*Reseal, error) {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var running int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_reseals WHERE finished_at IS NULL`).Scan(&running); err != nil {
		return nil, err
	}
	if running > 0 {
		return nil, app.Errorf(app.ECONFLICT, "anonymise.busy")
	}
	var deleted sql.NullString
	var oldSort, oldTerms string
	err = tx.QueryRowContext(ctx, `SELECT deleted_at, sort_name, search_terms FROM customers WHERE id = ?`, id).Scan(&deleted, &oldSort, &oldTerms)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "customer.not_found")
	} else if err != nil {
		return nil, err
	}
	have, err := tableSet(ctx, tx)
	if err != nil {
		return nil, err
	}
	now := db.Clock.Now()
	ts := app.FormatTime(now)
	name := AnonymisedName(id)
	// The search index: the old terms go, the new name's come (a deleted
	// customer has none).
	for _, w := range strings.Fields(oldTerms) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM customer_terms WHERE term = ? AND sort_name = ? AND customer_id = ?`, w, oldSort, id); err != nil {
			return nil, err
		}
	}
	sn, terms := sortName(name), customerTerms(&Customer{Name: name})
	searchTerms := strings.Join(terms, " ")
	var rows []termRow
	if !deleted.Valid {
		for _, w := range terms {
			rows = append(rows, termRow{w, sn, id})
		}
	} else {
		searchTerms = ""
	}
	if _, err := tx.ExecContext(ctx, `UPDATE customers SET name = ?, business_name = '', rfc = '', email = '', phone = '', address = '',
		postal_code = '', tax_regime = '', cfdi_use = '', notes = '', sort_name = ?, search_terms = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
		name, sn, searchTerms, ts, actor, id); err != nil {
		return nil, fmt.Errorf("db: anonymise customer: %w", err)
	}
	if err := insertTerms(ctx, tx, rows); err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	res, err := tx.ExecContext(ctx, `UPDATE quotes SET customer_name = ?, customer_business = '', customer_rfc = '', customer_email = '',
		customer_phone = '', customer_address = '', updated_at = ?, updated_by = ? WHERE customer_id = ?`, name, ts, actor, id)
	if err != nil {
		return nil, err
	}
	counts["quotes"], _ = res.RowsAffected()
	if have["quote_decisions"] {
		res, err := tx.ExecContext(ctx, `UPDATE quote_decisions SET name = ?, ip = '', user_agent = '', updated_at = ?, updated_by = ?
			WHERE quote_id IN (SELECT id FROM quotes WHERE customer_id = ?)`, name, ts, actor, id)
		if err != nil {
			return nil, err
		}
		counts["quote_decisions"], _ = res.RowsAffected()
	}
	// Stored export files may hold the customer's data: they expire now
	// (the caller removes the files).
	if _, err := tx.ExecContext(ctx, `UPDATE exports SET status = 'expired', link_hash = NULL, link_expires_at = NULL, updated_at = ?, updated_by = ?
		WHERE status IN ('pending', 'running', 'ready') AND (kind = 'business' OR (kind = 'customer' AND subject_id = ?))`, ts, actor, id); err != nil {
		return nil, err
	}
	if err := appendAudit(ctx, tx, now, actor, AuditAnonymise, "customers", id, nil, map[string]any{"counts": counts}); err != nil {
		return nil, err
	}
	// The re-seal starts at the first entry about them (the anonymisation's
	// own entries included: their before-images hold the data).
	var from sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT min(id) FROM audit_log WHERE `+aboutCustomer(have), id).Scan(&from); err != nil {
		return nil, err
	}
	if !from.Valid {
		return nil, tx.Commit()
	}
	var prev []byte
	if err := tx.QueryRowContext(ctx, `SELECT coalesce((SELECT hash FROM audit_log WHERE id = ?1), (SELECT hash FROM audit_anchor WHERE id = 1))`,
		from.Int64-1).Scan(&prev); err != nil {
		return nil, err
	}
	r := &Reseal{Reason: "arco_cancel customers:" + strconv.FormatInt(id, 10), FromID: from.Int64, CursorID: from.Int64 - 1, StartedAt: now}
	res, err = tx.ExecContext(ctx, `INSERT INTO audit_reseals (reason, subject_table, subject_id, from_id, cursor_id, cursor_old_hash, started_at, started_by)
		VALUES (?, 'customers', ?, ?, ?, ?, ?, ?)`, r.Reason, id, r.FromID, r.CursorID, prev, ts, actor)
	if err != nil {
		return nil, err
	}
	r.ID, _ = res.LastInsertId()
	return r, tx.Commit()
}

// aboutCustomer is the WHERE clause of the audit entries about customer ?1.
func aboutCustomer(have map[string]bool) string {
	var parts []string
	for _, p := range personal {
		if have[p.table] {
			parts = append(parts, `(table_name = '`+p.table+`' AND row_id IN (SELECT id FROM `+p.table+` WHERE `+p.rows+`))`)
		}
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// redactImage is the SQL that redacts one image column of an entry of
// table: every personal column present and not already empty or
// anonymised becomes Redacted.
func redactImage(col string, columns []string) string {
	var b strings.Builder
	b.WriteString("json_replace(" + col)
	for _, c := range columns {
		path := "'$." + c + "'"
		fmt.Fprintf(&b, ", %s, CASE WHEN json_extract(%s, %s) IN ('', ?2) THEN json_extract(%s, %s) ELSE '%s' END", path, col, path, col, path, Redacted)
	}
	b.WriteString(")")
	return b.String()
}

// resealBatch is how many entries one re-seal transaction rewrites.
var resealBatch = 2000

// RunReseals carries every open re-seal to its end, batch by batch; it is
// called after an anonymisation and at start (a crash resumes).
func (db *DB) RunReseals(ctx context.Context) error {
	for {
		done, err := db.resealStep(ctx)
		if err != nil || done {
			return err
		}
	}
}

// resealStep redacts and re-hashes the next batch of the oldest open
// re-seal; done when none is left.
func (db *DB) resealStep(ctx context.Context) (done bool, err error) {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var r Reseal
	var subject int64
	var subjectTable string
	err = tx.QueryRowContext(ctx, `SELECT id, reason, from_id, cursor_id, redacted, resealed, subject_table, subject_id
		FROM audit_reseals WHERE finished_at IS NULL ORDER BY id LIMIT 1`).Scan(&r.ID, &r.Reason, &r.FromID, &r.CursorID, &r.Redacted, &r.Resealed, &subjectTable, &subject)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	} else if err != nil {
		return false, err
	}
	if subjectTable != "customers" {
		return false, fmt.Errorf("db: re-seal %d of %s: unknown subject", r.ID, subjectTable)
	}
	have, err := tableSet(ctx, tx)
	if err != nil {
		return false, err
	}
	// The cursor row's current hash (new, or the anchor's before any row).
	var newPrev []byte
	if err := tx.QueryRowContext(ctx, `SELECT coalesce((SELECT hash FROM audit_log WHERE id = ?1), (SELECT hash FROM audit_anchor WHERE id = 1))`,
		r.CursorID).Scan(&newPrev); err != nil {
		return false, err
	}
	ids, err := queryIDs(ctx, tx, `SELECT id FROM audit_log WHERE id > ? ORDER BY id LIMIT ?`, r.CursorID, resealBatch)
	if err != nil {
		return false, err
	}
	if len(ids) > 0 {
		last := ids[len(ids)-1]
		name := AnonymisedName(subject)
		for _, p := range personal {
			if !have[p.table] {
				continue
			}
			res, err := tx.ExecContext(ctx, `UPDATE audit_log SET before = audit_pack(`+redactImage("audit_unpack(before)", p.columns)+`), after = audit_pack(`+redactImage("audit_unpack(after)", p.columns)+`)
				WHERE id > ?3 AND id <= ?4 AND table_name = '`+p.table+`' AND row_id IN (SELECT id FROM `+p.table+` WHERE `+p.rows+`)`,
				subject, name, r.CursorID, last)
			if err != nil {
				return false, fmt.Errorf("db: redact %s: %w", p.table, err)
			}
			n, _ := res.RowsAffected()
			r.Redacted += n
		}
		var oldLast []byte
		if err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE id = ?`, last).Scan(&oldLast); err != nil {
			return false, err
		}
		rehash, err := tx.PrepareContext(ctx, `UPDATE audit_log SET hash = audit_hash(coalesce(?, zeroblob(32)), `+auditCanonical("", true)+`) WHERE id = ? RETURNING hash`)
		if err != nil {
			return false, err
		}
		defer rehash.Close()
		for _, id := range ids {
			if err := rehash.QueryRowContext(ctx, newPrev, id).Scan(&newPrev); err != nil {
				return false, fmt.Errorf("db: re-seal entry %d: %w", id, err)
			}
		}
		r.Resealed += int64(len(ids))
		r.CursorID = last
		if _, err := tx.ExecContext(ctx, `UPDATE audit_reseals SET cursor_id = ?, cursor_old_hash = ?, redacted = ?, resealed = ? WHERE id = ?`,
			r.CursorID, oldLast, r.Redacted, r.Resealed, r.ID); err != nil {
			return false, err
		}
		if len(ids) == resealBatch {
			return false, tx.Commit()
		}
	}
	// The cursor is at the newest entry: close the re-seal and record it.
	now := db.Clock.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE audit_reseals SET finished_at = ? WHERE id = ?`, app.FormatTime(now), r.ID); err != nil {
		return false, err
	}
	if err := appendAudit(ctx, tx, now, app.SystemActor, AuditReseal, "audit_log", r.ID, nil, map[string]any{
		"reason": r.Reason, "from_id": r.FromID, "to_id": r.CursorID, "redacted": r.Redacted, "resealed": r.Resealed,
	}); err != nil {
		return false, err
	}
	return false, tx.Commit()
}

// FindReseals lists the re-seals, newest first.
func (db *DB) FindReseals(ctx context.Context) ([]*Reseal, error) {
	rows, err := db.Reader.QueryContext(ctx, `SELECT id, reason, from_id, cursor_id, redacted, resealed, started_at, finished_at FROM audit_reseals ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Reseal
	for rows.Next() {
		var r Reseal
		var started string
		var finished sql.NullString
		if err := rows.Scan(&r.ID, &r.Reason, &r.FromID, &r.CursorID, &r.Redacted, &r.Resealed, &started, &finished); err != nil {
			return nil, err
		}
		r.StartedAt, _ = app.ParseTime(started)
		r.FinishedAt = optTime(finished)
		out = append(out, &r)
	}
	return out, rows.Err()
}

// FindCustomerForARCO returns a customer whether or not it is deleted: an
// ARCO request may name one in the Papelera.
func (db *DB) FindCustomerForARCO(ctx context.Context, id int64) (*Customer, error) {
	c, err := scanCustomer(db.Reader.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers c WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "customer.not_found")
	}
	return c, err
}
