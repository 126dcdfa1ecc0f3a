package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
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
	if d.Customers, err = topCustomers(ctx, tx, f); err != nil {
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

// topCustomersBudget: past this many candidates (a range long ago, whose
// best customers are not the best overall), the top customers are worked
// out by grouping the range's counter rows instead.
var topCustomersBudget = 2048

// topCustomers is the f.Top customers who won the most in the range (then
// by id), with what they won. Candidates come largest amount won over all
// time first (quote_customer_totals, migration 00071), each one's amount
// in the range read from its own counters, 64 at a time: as a customer's
// amount in the range is at most their amount over all time, the first
// candidate whose all-time amount is below the last of a full list ends
// the search. Customers with wins of no amount are not candidates: when
// the list is not full without them, or after topCustomersBudget
// candidates, the range's counter rows are grouped instead.
func topCustomers(ctx context.Context, tx *sql.Tx, f DashboardFilter) ([]NamedFigures, error) {
	var top []NamedFigures
	full := func() bool { return len(top) == f.Top }
	spCond := ""
	args := []any{f.SalespersonID, f.FromMonth, f.ToMonth}
	if f.SalespersonID != 0 {
		spCond = ` AND s.salesperson_id = ?1`
	}
	q := `SELECT '', c.customer_id, c.won_cents, 0, coalesce(sum(s.won), 0), coalesce(sum(s.won_cents), 0)
		FROM (SELECT customer_id, won_cents FROM quote_customer_totals INDEXED BY quote_customer_totals_won
			WHERE salesperson_id = ?1 AND won_cents > 0 AND (won_cents < ?4 OR (won_cents = ?4 AND customer_id > ?5))
			ORDER BY won_cents DESC, customer_id LIMIT 64) c
		LEFT JOIN quote_customer_stats s INDEXED BY quote_customer_stats_customer
			ON s.customer_id = c.customer_id AND s.month >= ?2 AND s.month <= ?3 AND s.won > 0` + spCond + `
		GROUP BY c.customer_id ORDER BY c.won_cents DESC, c.customer_id`
	lastTotal, lastID := int64(math.MaxInt64), int64(0)
	for checked := 0; ; {
		n, done := 0, false
		err := scanFigures(ctx, tx, q, append(args, lastTotal, lastID), func(_ string, id int64, fg Figures) {
			n++
			total := fg.Quoted // the candidate's amount won over all time
			lastTotal, lastID = total, id
			if done || (full() && total < top[len(top)-1].WonCents) {
				done = true
				return
			}
			if fg.Won == 0 {
				return
			}
			c := NamedFigures{ID: id, Figures: Figures{Won: fg.Won, WonCents: fg.WonCents}}
			i := sort.Search(len(top), func(i int) bool {
				return top[i].WonCents < c.WonCents || (top[i].WonCents == c.WonCents && top[i].ID > c.ID)
			})
			top = slices.Insert(top, i, c)
			if len(top) > f.Top {
				top = top[:f.Top]
			}
		})
		if err != nil {
			return nil, err
		}
		if checked += n; done || n < 64 || checked >= topCustomersBudget {
			// Not settled: a list not full, or ending with wins of no
			// amount (a customer who is no candidate may tie them).
			if (!done && (!full() || checked >= topCustomersBudget)) || (len(top) > 0 && top[len(top)-1].WonCents == 0) {
				return groupedTopCustomers(ctx, tx, f)
			}
			break
		}
	}
	for i := range top {
		err := queryRow(ctx, tx, `SELECT name FROM customers WHERE id = ?`, top[i].ID).Scan(&top[i].Name)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	return top, nil
}

// groupedTopCustomers is topCustomers by grouping the range's counter rows
// of customers who bought (their partial index).
func groupedTopCustomers(ctx context.Context, tx *sql.Tx, f DashboardFilter) ([]NamedFigures, error) {
	var c cond
	c.add(`month >= ? AND month <= ?`, f.FromMonth, f.ToMonth)
	if f.SalespersonID != 0 {
		c.add(`salesperson_id = ?`, f.SalespersonID)
	}
	var out []NamedFigures
	err := scanFigures(ctx, tx, `SELECT coalesce(cu.name, ''), s.customer_id, 0, 0, s.won, s.won_cents FROM (
			SELECT customer_id, sum(won) AS won, sum(won_cents) AS won_cents
			FROM quote_customer_stats INDEXED BY quote_customer_stats_won
			WHERE won > 0 AND `+c.String()+` AND customer_id <> 0 GROUP BY customer_id
			ORDER BY won_cents DESC, customer_id LIMIT ?) s
		LEFT JOIN customers cu ON cu.id = s.customer_id ORDER BY s.won_cents DESC, s.customer_id`, append(c.args, f.Top), func(name string, id int64, fg Figures) {
		out = append(out, NamedFigures{ID: id, Name: name, Figures: fg})
	})
	return out, err
}
