package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The dashboard (Tablero) reads counters the quote triggers keep (migration
// 00051): per month and salesperson, per customer and per product. A quote
// counts while it is current (not deleted, not replaced by a revision) and
// not cancelled, in the month, in Mexico City, its current revision was
// created: quoted with its total, and won when aceptada; a vencida quote
// counts as quoted and not won. Products count the window and door lines
// that are not optional, with their amount as the quote shows it. So a
// dashboard over any months reads a few hundred counter rows, never the
// quotes; only "awaiting an answer", which depends on today, reads the
// short range of sent quotes still valid.

// DashboardFilter narrows the dashboard.
type DashboardFilter struct {
	FromMonth, ToMonth string // YYYY-MM, inclusive
	SalespersonID      int64  // 0: everyone
	Today              string // YYYY-MM-DD in Mexico City, for "awaiting an answer"
	Top                int    // how many customers and products; ≤ 0: 5
}

// Figures are counts and amounts (centavos) of quoted and won quotes.
type Figures struct {
	Quoted, Won           int64
	QuotedCents, WonCents int64
}

func (f *Figures) add(o Figures) {
	f.Quoted += o.Quoted
	f.Won += o.Won
	f.QuotedCents += o.QuotedCents
	f.WonCents += o.WonCents
}

// MonthFigures are one month's figures.
type MonthFigures struct {
	Month string // YYYY-MM
	Figures
}

// NamedFigures are a salesperson's, customer's or product's figures.
type NamedFigures struct {
	ID   int64  // salesperson or customer
	Code string // product
	Name string
	Figures
}

// Dashboard is what the Tablero shows.
type Dashboard struct {
	Months      []MonthFigures // every month of the range, oldest first
	Total       Figures
	Salespeople []NamedFigures // by amount won, then quoted
	Customers   []NamedFigures // top customers by amount won
	Products    []NamedFigures // top products by amount quoted
	// Awaiting: sent quotes still valid today (no answer yet).
	Awaiting      int64
	AwaitingCents int64
}

// Dashboard gathers the figures of f in one read transaction.
func (db *DB) Dashboard(ctx context.Context, f DashboardFilter) (*Dashboard, error) {
	from, err := time.Parse("2006-01", f.FromMonth)
	if err != nil {
		return nil, fmt.Errorf("db: dashboard from %q: %w", f.FromMonth, err)
	}
	to, err := time.Parse("2006-01", f.ToMonth)
	if err != nil {
		return nil, fmt.Errorf("db: dashboard to %q: %w", f.ToMonth, err)
	}
	if f.Top <= 0 {
		f.Top = 5
	}
	tx, err := db.Reader.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var c cond
	c.add(`month >= ? AND month <= ?`, f.FromMonth, f.ToMonth)
	if f.SalespersonID != 0 {
		c.add(`salesperson_id = ?`, f.SalespersonID)
	}
	d := &Dashboard{}
	byMonth := map[string]Figures{}
	if err := scanFigures(ctx, tx, `SELECT month, 0, sum(quoted), sum(quoted_cents), sum(won), sum(won_cents)
		FROM quote_month_stats WHERE `+c.String()+` GROUP BY month`, c.args, func(key string, _ int64, fg Figures) {
		byMonth[key] = fg
	}); err != nil {
		return nil, err
	}
	for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
		key := m.Format("2006-01")
		fg := byMonth[key]
		d.Months = append(d.Months, MonthFigures{Month: key, Figures: fg})
		d.Total.add(fg)
	}
	if err := scanFigures(ctx, tx, `SELECT u.name, s.salesperson_id, s.quoted, s.quoted_cents, s.won, s.won_cents FROM (
			SELECT salesperson_id, sum(quoted) AS quoted, sum(quoted_cents) AS quoted_cents, sum(won) AS won, sum(won_cents) AS won_cents
			FROM quote_month_stats WHERE `+c.String()+` GROUP BY salesperson_id) s
		JOIN users u ON u.id = s.salesperson_id
		WHERE s.quoted <> 0 OR s.won <> 0
		ORDER BY s.won_cents DESC, s.quoted_cents DESC, u.name`, c.args, func(name string, id int64, fg Figures) {
		d.Salespeople = append(d.Salespeople, NamedFigures{ID: id, Name: name, Figures: fg})
	}); err != nil {
		return nil, err
	}
	// Customers who bought, from the counters' partial index of won rows.
	if err := scanFigures(ctx, tx, `SELECT coalesce(cu.name, ''), s.customer_id, 0, 0, s.won, s.won_cents FROM (
			SELECT customer_id, sum(won) AS won, sum(won_cents) AS won_cents
			FROM quote_customer_stats INDEXED BY quote_customer_stats_won
			WHERE won > 0 AND `+c.String()+` AND customer_id <> 0 GROUP BY customer_id
			ORDER BY won_cents DESC, customer_id LIMIT ?) s
		LEFT JOIN customers cu ON cu.id = s.customer_id ORDER BY s.won_cents DESC, s.customer_id`, append(c.args, f.Top), func(name string, id int64, fg Figures) {
		d.Customers = append(d.Customers, NamedFigures{ID: id, Name: name, Figures: fg})
	}); err != nil {
		return nil, err
	}
	if err := scanFigures(ctx, tx, `SELECT s.product_code, 0, s.quoted, s.quoted_cents, s.won, s.won_cents FROM (
			SELECT product_code, sum(quoted) AS quoted, sum(quoted_cents) AS quoted_cents, sum(won) AS won, sum(won_cents) AS won_cents
			FROM quote_product_stats WHERE `+c.String()+` GROUP BY product_code) s
		WHERE s.quoted <> 0 ORDER BY s.quoted_cents DESC, s.product_code LIMIT ?`, append(c.args, f.Top), func(code string, _ int64, fg Figures) {
		d.Products = append(d.Products, NamedFigures{Code: code, Name: code, Figures: fg})
	}); err != nil {
		return nil, err
	}
	for i := range d.Products {
		p := &d.Products[i]
		err := queryRow(ctx, tx, `SELECT name FROM products WHERE code = ? AND deleted_at IS NULL`, p.Code).Scan(&p.Name)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	var aw cond
	aw.add(current + ` AND status IN ('borrador', 'enviada')`)
	aw.add(`status = 'enviada' AND valid_until >= ?`, f.Today)
	if f.SalespersonID != 0 {
		aw.add(`salesperson_id = ?`, f.SalespersonID)
	}
	if err := queryRow(ctx, tx, `SELECT count(*), coalesce(sum(`+centsSQL("total")+`), 0) FROM quotes INDEXED BY quotes_current_valid WHERE `+aw.String(),
		aw.args...).Scan(&d.Awaiting, &d.AwaitingCents); err != nil {
		return nil, err
	}
	return d, nil
}

// scanFigures runs a statement of rows (key, id, quoted, quoted cents, won,
// won cents) and hands each to row.
func scanFigures(ctx context.Context, tx *sql.Tx, query string, args []any, row func(key string, id int64, f Figures)) error {
	if listQueries != nil {
		listQueries(query, args)
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("db: dashboard: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var id int64
		var f Figures
		if err := rows.Scan(&key, &id, &f.Quoted, &f.QuotedCents, &f.Won, &f.WonCents); err != nil {
			return err
		}
		row(key, id, f)
	}
	return rows.Err()
}
