package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"cotizador/app"
)

// The Papelera: records deleted (always softly) that can be restored until
// the retention job purges them. Restoring is an update the audit triggers
// record as "restore".

// Kinds of records the Papelera holds.
const (
	TrashCustomer = "customer"
	TrashQuote    = "quote"
	TrashMaterial = "material"
	TrashProduct  = "product"
	TrashColour   = "colour"
)

// TrashKinds lists them in the page's order.
var TrashKinds = []string{TrashCustomer, TrashQuote, TrashMaterial, TrashProduct, TrashColour}

// trashTables maps a kind to its table and the column that labels a record.
var trashTables = map[string]struct{ table, label, code string }{
	TrashCustomer: {"customers", "name", "''"},
	TrashQuote:    {"quotes", "customer_name", "folio || CASE WHEN revision > 1 THEN '-R' || revision ELSE '' END"},
	TrashMaterial: {"materials", "name", "code"},
	TrashProduct:  {"products", "name", "code"},
	TrashColour:   {"colours", "name", "code"},
}

// Purge rules: why a deleted record is purged when it is.
const (
	PurgeGrace      = "grace"      // the Papelera's grace after deletion
	PurgeTax        = "tax"        // kept as a tax record (quotes policy)
	PurgeReferenced = "referenced" // kept while a product's BOM uses it
)

// TrashItem is one deleted record.
type TrashItem struct {
	Kind          string
	ID            int64
	Label         string
	Code          string
	DeletedAt     time.Time
	DeletedBy     string
	DeletedByName string
	// PurgeAt is when the retention job will purge it (zero while it is
	// still referenced); PurgeRule says why then.
	PurgeAt   time.Time
	PurgeRule string
	// Quotes: a customer's quotes (they stay; the customer is kept as long
	// as they are). UsedBy: live BOM lines using a material.
	Quotes int
	UsedBy int
}

// FindTrash lists the deleted records of a kind ("" for all kinds), the
// most recently deleted first.
func (db *DB) FindTrash(ctx context.Context, kind string) ([]*TrashItem, error) {
	ps, err := db.RetentionPolicies(ctx)
	if err != nil {
		return nil, err
	}
	pol := policyMap(ps)
	var out []*TrashItem
	for _, k := range TrashKinds {
		if kind != "" && kind != k {
			continue
		}
		t := trashTables[k]
		extra := `0, 0, ''`
		switch k {
		case TrashCustomer:
			extra = `(SELECT count(*) FROM quotes q WHERE q.customer_id = x.id), 0,
				coalesce((SELECT max(q.updated_at) FROM quotes q WHERE q.folio IN (SELECT folio FROM quotes WHERE customer_id = x.id)), '')`
		case TrashQuote:
			extra = `CASE WHEN x.status = 'borrador' AND x.sent_at IS NULL THEN 0 ELSE 1 END, 0,
				(SELECT max(r.updated_at) FROM quotes r WHERE r.folio = x.folio)`
		case TrashMaterial:
			extra = `0, (SELECT count(*) FROM bom_lines b WHERE b.material_id = x.id AND b.deleted_at IS NULL), ''`
		}
		rows, err := db.Reader.QueryContext(ctx, `SELECT x.id, x.`+t.label+`, `+t.code+`, x.deleted_at, x.deleted_by, coalesce(u.name, ''), `+extra+`
			FROM `+t.table+` x LEFT JOIN users u ON 'user:' || u.id = x.deleted_by
			WHERE x.deleted_at IS NOT NULL ORDER BY x.deleted_at DESC, x.id DESC`)
		if err != nil {
			return nil, fmt.Errorf("db: trash %s: %w", k, err)
		}
		for rows.Next() {
			it := &TrashItem{Kind: k}
			var deleted, taxFrom string
			var deletedBy sql.NullString
			var n1, n2 int
			if err := rows.Scan(&it.ID, &it.Label, &it.Code, &deleted, &deletedBy, &it.DeletedByName, &n1, &n2, &taxFrom); err != nil {
				rows.Close()
				return nil, err
			}
			it.DeletedBy = deletedBy.String
			it.DeletedAt, _ = app.ParseTime(deleted)
			it.PurgeAt, it.PurgeRule = pol[PolicyTrash].After(it.DeletedAt), PurgeGrace
			switch k {
			case TrashCustomer:
				it.Quotes = n1
				if n1 > 0 {
					// Kept as long as its quotes; then the quotes policy purges it.
					last, _ := app.ParseTime(taxFrom)
					if at := pol[PolicyQuotes].After(last); at.After(it.PurgeAt) {
						it.PurgeAt, it.PurgeRule = at, PurgeTax
					}
				}
			case TrashQuote:
				if n1 == 1 {
					last, _ := app.ParseTime(taxFrom)
					it.PurgeAt, it.PurgeRule = pol[PolicyQuotes].After(last), PurgeTax
				}
			case TrashMaterial:
				it.UsedBy = n2
				if n2 > 0 {
					it.PurgeAt, it.PurgeRule = time.Time{}, PurgeReferenced
				}
			}
			out = append(out, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RestoreFromTrash brings a deleted record back. A material, product or
// colour whose code another record took meanwhile is refused with ECONFLICT
// trash.code_taken.<kind> (Args: Code), so the user can rename one of the two.
func (db *DB) RestoreFromTrash(ctx context.Context, kind string, id int64, actor app.Actor) error {
	t, ok := trashTables[kind]
	if !ok {
		return app.Errorf(app.ENOTFOUND, "error.not_found.body")
	}
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var code string
	err = tx.QueryRowContext(ctx, `SELECT `+t.code+` FROM `+t.table+` WHERE id = ? AND deleted_at IS NOT NULL`, id).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return app.Errorf(app.ENOTFOUND, "trash.not_found")
	} else if err != nil {
		return err
	}
	ts := app.FormatTime(db.Clock.Now())
	set := `deleted_at = NULL, deleted_by = NULL, updated_at = ?, updated_by = ?`
	args := []any{ts, actor}
	var terms []termRow
	if kind == TrashCustomer {
		// The search index holds only customers not deleted: the terms
		// come back with it.
		var c Customer
		if err := tx.QueryRowContext(ctx, `SELECT name, business_name, rfc, phone FROM customers WHERE id = ?`, id).Scan(&c.Name, &c.BusinessName, &c.RFC, &c.Phone); err != nil {
			return err
		}
		sn, ws := sortName(c.Name), customerTerms(&c)
		set += `, sort_name = ?, search_terms = ?`
		args = append(args, sn, strings.Join(ws, " "))
		for _, w := range ws {
			terms = append(terms, termRow{w, sn, id})
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE `+t.table+` SET `+set+` WHERE id = ?`, append(args, id)...)
	if isUniqueViolation(err) {
		e := app.Errorf(app.ECONFLICT, "trash.code_taken."+kind)
		e.Args = map[string]any{"Code": code}
		return e
	} else if err != nil {
		return fmt.Errorf("db: restore %s: %w", kind, err)
	}
	if err := insertTerms(ctx, tx, terms); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteQuote sends a quote (one revision) to the Papelera. Its lines and
// share links stay with it; restoring brings the quote back as it was.
func (db *DB) DeleteQuote(ctx context.Context, id int64, actor app.Actor) error {
	return db.softDelete(ctx, "quotes", id, actor, "quote.not_found")
}

// CustomerQuoteCount counts a customer's quotes (every revision, deleted
// ones too): what deleting the customer leaves behind.
func (db *DB) CustomerQuoteCount(ctx context.Context, id int64) (int, error) {
	var n int
	err := db.Reader.QueryRowContext(ctx, `SELECT count(*) FROM quotes WHERE customer_id = ?`, id).Scan(&n)
	return n, err
}
