package db

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"cotizador/app"
)

// Customer is a person or business quotes are made for.
type Customer struct {
	ID           int64
	Name         string
	BusinessName string // razón social
	RFC          string
	Email        string
	Phone        string // 10 digits
	Address      string
	TaxRegime    string // c_RegimenFiscal code, e.g. "612"
	PostalCode   string // CFDI fiscal address, 5 digits
	CFDIUse      string // c_UsoCFDI code, e.g. "G03"
	Notes        string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// CustomerFilter narrows FindCustomers. Search matches customers having,
// for every word typed, a word of their name or razón social, their RFC or
// their phone that starts with it, ignoring case and accents ("nunez"
// finds "Núñez"). A search of only digits and phone punctuation is read as
// one phone number ("55 1234-5678").
type CustomerFilter struct {
	Search string
	Limit  int // ≤ 0: DefaultCustomerLimit; at most MaxCustomerLimit
	Offset int
}

const (
	DefaultCustomerLimit = 20
	MaxCustomerLimit     = 200
	// maxSearchTokens and maxTermLen bound the work one search can ask for.
	maxSearchTokens = 6
	maxTermLen      = 40
)

const customerColumns = `c.id, c.name, c.business_name, c.rfc, c.email, c.phone, c.address, c.tax_regime, c.postal_code, c.cfdi_use, c.notes, c.created_at, c.updated_at`

func scanCustomer(row interface{ Scan(...any) error }) (*Customer, error) {
	var c Customer
	var created, updated string
	if err := row.Scan(&c.ID, &c.Name, &c.BusinessName, &c.RFC, &c.Email, &c.Phone, &c.Address, &c.TaxRegime, &c.PostalCode,
		&c.CFDIUse, &c.Notes, &created, &updated); err != nil {
		return nil, err
	}
	c.CreatedAt, _ = app.ParseTime(created)
	c.UpdatedAt, _ = app.ParseTime(updated)
	return &c, nil
}

// FindCustomers lists the customers that are not deleted and match f, by
// name, and the total number that match.
func (db *DB) FindCustomers(ctx context.Context, f CustomerFilter) ([]*Customer, int, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultCustomerLimit
	}
	limit = min(limit, MaxCustomerLimit)
	offset := max(f.Offset, 0)

	countSQL, pageSQL, args := customerQueries(f.Search)
	// One read transaction: the page and the count see the same snapshot.
	tx, err := db.Reader.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	var total int
	if err := tx.QueryRowContext(ctx, countSQL, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("db: count customers: %w", err)
	}
	if total == 0 || offset >= total {
		return nil, total, nil
	}
	rows, err := tx.QueryContext(ctx, pageSQL, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("db: find customers: %w", err)
	}
	defer rows.Close()
	var out []*Customer
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// customerQueries returns FindCustomers' two statements for a search: the
// count, and the page (which takes LIMIT and OFFSET after args).
//
// Without a search, the page is an ordered walk of customers_sort_name.
// With one, everything but the page's rows comes from customer_terms' primary
// key alone (only customers not deleted have terms): the longest token,
// usually the most selective, is read as one range; every other token is
// another range whose customers the candidates must be among; the matches
// are counted, ordered by the sort_name their terms carry and cut to the
// page; only then are those few customers read.
func customerQueries(search string) (countSQL, pageSQL string, args []any) {
	tokens := searchTokens(search)
	if len(tokens) == 0 {
		return `SELECT count(*) FROM customers c WHERE c.deleted_at IS NULL`,
			`SELECT ` + customerColumns + ` FROM customers c WHERE c.deleted_at IS NULL ORDER BY c.sort_name, c.id LIMIT ? OFFSET ?`, nil
	}
	lead := 0
	for i, t := range tokens {
		if len(t) > len(tokens[lead]) {
			lead = i
		}
	}
	lo, hi := prefixRange(tokens[lead])
	where := `d.term >= ? AND d.term < ?`
	args = []any{lo, hi}
	for i, t := range tokens {
		if i == lead {
			continue
		}
		lo, hi := prefixRange(t)
		where += ` AND d.customer_id IN (SELECT customer_id FROM customer_terms WHERE term >= ? AND term < ?)`
		args = append(args, lo, hi)
	}
	countSQL = `SELECT count(*) FROM (SELECT DISTINCT d.customer_id FROM customer_terms d WHERE ` + where + `)`
	// CROSS JOIN keeps the page (m) as the outer loop: customers is read
	// by rowid for the page's rows only.
	pageSQL = `SELECT ` + customerColumns + ` FROM (SELECT DISTINCT d.sort_name, d.customer_id FROM customer_terms d WHERE ` + where +
		` ORDER BY d.sort_name, d.customer_id LIMIT ? OFFSET ?) m CROSS JOIN customers c ON c.id = m.customer_id
		WHERE c.deleted_at IS NULL ORDER BY m.sort_name, m.customer_id`
	return countSQL, pageSQL, args
}

// prefixRange returns the bounds of the terms that start with p: every
// such term sorts at or after p and before p followed by the highest code
// point (terms are valid UTF-8, compared byte by byte).
func prefixRange(p string) (string, string) {
	return p, p + string(utf8.MaxRune)
}

// FindCustomerByID returns a customer that is not deleted.
func (db *DB) FindCustomerByID(ctx context.Context, id int64) (*Customer, error) {
	c, err := scanCustomer(db.Reader.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers c WHERE c.id = ? AND c.deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "customer.not_found")
	}
	return c, err
}

// CreateCustomer adds a customer and its search terms.
func (db *DB) CreateCustomer(ctx context.Context, c *Customer, actor app.Actor) error {
	return db.CreateCustomers(ctx, []*Customer{c}, actor)
}

// CreateCustomers adds several customers in one transaction, all or none
// (an import, or a benchmark's 100,000).
func (db *DB) CreateCustomers(ctx context.Context, cs []*Customer, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := insertCustomers(ctx, tx, cs, db.Clock.Now(), actor); err != nil {
		return err
	}
	return tx.Commit()
}

// insertCustomers adds customers and their search terms inside tx, so a
// quote can create its new customer in its own transaction.
func insertCustomers(ctx context.Context, tx *sql.Tx, cs []*Customer, now time.Time, actor app.Actor) error {
	ins, err := tx.PrepareContext(ctx, `INSERT INTO customers (name, business_name, rfc, email, phone, address, tax_regime, postal_code, cfdi_use, notes,
		sort_name, search_terms, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	ts := app.FormatTime(now)
	var rows []termRow
	for _, c := range cs {
		sn, terms := sortName(c.Name), customerTerms(c)
		res, err := ins.ExecContext(ctx, c.Name, c.BusinessName, c.RFC, c.Email, c.Phone, c.Address, c.TaxRegime, c.PostalCode, c.CFDIUse, c.Notes,
			sn, strings.Join(terms, " "), ts, actor, ts, actor)
		if err != nil {
			return fmt.Errorf("db: create customer: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for _, t := range terms {
			rows = append(rows, termRow{t, sn, id})
		}
		c.ID, c.CreatedAt, c.UpdatedAt = id, now, now
	}
	return insertTerms(ctx, tx, rows)
}

// UpdateCustomer replaces a customer's fields and search terms.
func (db *DB) UpdateCustomer(ctx context.Context, id int64, c *Customer, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var created string
	if err := dropTerms(ctx, tx, id, &created); err != nil {
		return err
	}
	now := db.Clock.Now()
	ts := app.FormatTime(now)
	sn, terms := sortName(c.Name), customerTerms(c)
	if _, err := tx.ExecContext(ctx, `UPDATE customers SET name = ?, business_name = ?, rfc = ?, email = ?, phone = ?, address = ?, tax_regime = ?,
		postal_code = ?, cfdi_use = ?, notes = ?, sort_name = ?, search_terms = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
		c.Name, c.BusinessName, c.RFC, c.Email, c.Phone, c.Address, c.TaxRegime, c.PostalCode, c.CFDIUse, c.Notes,
		sn, strings.Join(terms, " "), ts, actor, id); err != nil {
		return fmt.Errorf("db: update customer: %w", err)
	}
	rows := make([]termRow, len(terms))
	for i, t := range terms {
		rows[i] = termRow{t, sn, id}
	}
	if err := insertTerms(ctx, tx, rows); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	c.ID, c.UpdatedAt = id, now
	c.CreatedAt, _ = app.ParseTime(created)
	return nil
}

// DeleteCustomer soft-deletes a customer and drops it from the search
// index. Its quotes keep their own copy of its data.
func (db *DB) DeleteCustomer(ctx context.Context, id int64, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var created string
	if err := dropTerms(ctx, tx, id, &created); err != nil {
		return err
	}
	ts := app.FormatTime(db.Clock.Now())
	if _, err := tx.ExecContext(ctx, `UPDATE customers SET search_terms = '', deleted_at = ?, deleted_by = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
		ts, actor, ts, actor, id); err != nil {
		return err
	}
	return tx.Commit()
}

// dropTerms removes the search terms of a customer that is not deleted
// (ENOTFOUND otherwise): exactly the rows its search_terms lists.
func dropTerms(ctx context.Context, tx *sql.Tx, id int64, created *string) error {
	var sn, terms string
	err := tx.QueryRowContext(ctx, `SELECT sort_name, search_terms, created_at FROM customers WHERE id = ? AND deleted_at IS NULL`, id).Scan(&sn, &terms, created)
	if errors.Is(err, sql.ErrNoRows) {
		return app.Errorf(app.ENOTFOUND, "customer.not_found")
	} else if err != nil {
		return err
	}
	for _, t := range strings.Fields(terms) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM customer_terms WHERE term = ? AND sort_name = ? AND customer_id = ?`, t, sn, id); err != nil {
			return err
		}
	}
	return nil
}

// termRow is one row of customer_terms.
type termRow struct {
	term, sortName string
	customerID     int64
}

// termsPerInsert rows go in one INSERT statement: a statement per row costs
// more in the driver than in SQLite.
const termsPerInsert = 200

// insertTerms writes terms in primary-key order, in batches: appending to a
// b-tree is much cheaper than inserting at random places, and a
// 100,000-customer import writes 800,000 terms.
func insertTerms(ctx context.Context, tx *sql.Tx, rows []termRow) error {
	slices.SortFunc(rows, func(a, b termRow) int {
		return cmp.Or(strings.Compare(a.term, b.term), strings.Compare(a.sortName, b.sortName), cmp.Compare(a.customerID, b.customerID))
	})
	insert := func(batch []termRow) error {
		q := `INSERT INTO customer_terms (term, sort_name, customer_id) VALUES ` + strings.Repeat(`(?, ?, ?), `, len(batch)-1) + `(?, ?, ?)`
		args := make([]any, 0, 3*len(batch))
		for _, r := range batch {
			args = append(args, r.term, r.sortName, r.customerID)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("db: index customer: %w", err)
		}
		return nil
	}
	for batch := range slices.Chunk(rows, termsPerInsert) {
		if err := insert(batch); err != nil {
			return err
		}
	}
	return nil
}

// --- Search terms ---

// FoldText lowercases s and strips its accents and other combining marks:
// "Núñez" → "nunez". Searches and the terms they match are both folded.
func FoldText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// termRune reports whether r belongs in a term: letters, digits and "&"
// (RFCs of companies like "A&B…" carry it).
func termRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '&' }

// cleanTerm drops what is not a term rune and cuts to maxTermLen runes; it
// returns "" when nothing searchable is left (a lone "&" or "-").
func cleanTerm(w string) string {
	var b strings.Builder
	n, useful := 0, false
	for _, r := range w {
		if !termRune(r) {
			continue
		}
		if n == maxTermLen {
			break
		}
		useful = useful || r != '&'
		b.WriteRune(r)
		n++
	}
	if !useful {
		return ""
	}
	return b.String()
}

func sortName(name string) string { return FoldText(strings.TrimSpace(name)) }

// customerTerms lists the distinct terms a customer is found by: each word
// of the name and razón social, whole ("garcialopez" for "García-López") and
// split at punctuation ("garcia", "lopez"); the RFC; the phone, and its
// last 8 and 7 digits, so the local number without the area code (2 or 3
// digits) finds it too.
func customerTerms(c *Customer) []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, text := range []string{c.Name, c.BusinessName} {
		for _, w := range strings.Fields(FoldText(text)) {
			add(cleanTerm(w))
			for _, part := range strings.FieldsFunc(w, func(r rune) bool { return !termRune(r) }) {
				add(cleanTerm(part))
			}
		}
	}
	add(cleanTerm(FoldText(c.RFC)))
	if p := c.Phone; len(p) == 10 {
		add(p)
		add(p[2:])
		add(p[3:])
	}
	return out
}

// searchTokens turns what the user typed into the prefixes to look up,
// folded like the terms. A phone number is written with spaces and dashes
// between its groups, so a search of only digits and phone punctuation is
// one token of its digits (without a +52 or 52 country code).
func searchTokens(q string) []string {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil
	}
	if digits, ok := phoneDigits(q); ok {
		return []string{digits}
	}
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.Fields(FoldText(q)) {
		t := cleanTerm(w)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
		if len(out) == maxSearchTokens {
			break
		}
	}
	return out
}

func phoneDigits(q string) (string, bool) {
	var b strings.Builder
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '+':
		default:
			return "", false
		}
	}
	d := b.String()
	if d == "" {
		return "", false
	}
	if len(d) == 12 && strings.HasPrefix(d, "52") {
		d = d[2:]
	}
	if len(d) > maxTermLen {
		d = d[:maxTermLen]
	}
	return d, true
}
