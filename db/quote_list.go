package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// QuoteFilter narrows FindQuotes. Every filter combines with the others.
type QuoteFilter struct {
	Status        string // one of QuoteStatuses; vencida is computed against Today
	CustomerID    int64
	SalespersonID int64
	From, To      string // YYYY-MM-DD, creation date in Mexico City, inclusive
	// Search finds quotes having, for every word typed, a term that starts
	// with it: the folio ("COT-2026-0012", or its number "12"), a word of
	// the customer's name or razón social as the quote keeps them (case and
	// accents ignored), or the RFC.
	Search string
	Today  string
	Limit  int // ≤ 0: DefaultQuoteLimit; at most MaxQuoteLimit
	// Keyset pagination: Before lists the quotes older than that id (the
	// next page), After those newer (the previous page); newest first
	// either way. Offsets would read every skipped row.
	Before, After int64
}

const (
	DefaultQuoteLimit = 25
	MaxQuoteLimit     = 200
	// QuoteCountCap is how far lists count: a larger result is "más de
	// 10,000", so a count never reads more than this many index entries of
	// its range (a million quotes would take seconds).
	QuoteCountCap = 10_000
)

// QuotePage is one page of a list.
type QuotePage struct {
	Quotes []*Quote
	// Count is the number of matches, exact unless More: more than
	// QuoteCountCap match; or AtLeast: a search whose words or filters are
	// checked row by row stopped counting after searchCountScan index
	// entries, having found Count matches among them.
	Count   int
	More    bool
	AtLeast bool
	// Newer and Older are the cursors of the neighbouring pages (After and
	// Before of their filters); 0 when there is none.
	Newer, Older int64
}

// FindQuotes lists the current quotes (neither deleted nor replaced by a
// revision) that match f, without their lines, newest first, a page at a
// time. The page and the count come from one read transaction.
func (db *DB) FindQuotes(ctx context.Context, f QuoteFilter) (*QuotePage, error) {
	if f.Limit <= 0 {
		f.Limit = DefaultQuoteLimit
	}
	f.Limit = min(f.Limit, MaxQuoteLimit)
	tx, err := db.Reader.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p, err := planQuoteList(ctx, tx, f)
	if err != nil {
		return nil, err
	}
	page := &QuotePage{}
	if p == nil { // nothing can match (a date range without quotes, a word no quote has)
		return page, nil
	}
	if page.Count, page.AtLeast, err = p.count(ctx, tx); err != nil {
		return nil, fmt.Errorf("db: count quotes: %w", err)
	}
	if page.Count > QuoteCountCap {
		page.Count, page.More, page.AtLeast = QuoteCountCap, true, false
	}
	newer := f.After > 0 && f.Before == 0
	cursor := f.Before
	if newer {
		cursor = f.After
	}
	ids, err := p.ids(ctx, tx, cursor, newer, f.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("db: list quotes: %w", err)
	}
	extra := len(ids) > f.Limit
	ids = ids[:min(len(ids), f.Limit)]
	if newer {
		slices.Reverse(ids)
	}
	if len(ids) == 0 {
		return page, nil
	}
	first, last := ids[0], ids[len(ids)-1]
	// Fetching one more than a page tells whether the direction read goes
	// on; the other direction is one probe.
	if newer {
		if extra {
			page.Newer = first
		}
		if more, err := p.ids(ctx, tx, last, false, 1); err != nil {
			return nil, err
		} else if len(more) > 0 {
			page.Older = last
		}
	} else {
		if extra {
			page.Older = last
		}
		if cursor > 0 {
			if more, err := p.ids(ctx, tx, first, true, 1); err != nil {
				return nil, err
			} else if len(more) > 0 {
				page.Newer = first
			}
		}
	}
	if page.Quotes, err = readQuotes(ctx, tx, ids); err != nil {
		return nil, err
	}
	return page, nil
}

// readQuotes reads quotes (without lines) by id, in the order given.
func readQuotes(ctx context.Context, tx *sql.Tx, ids []int64) ([]*Quote, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	query := quoteSelect + ` WHERE q.id IN (` + qmarks(len(ids)) + `)`
	if listQueries != nil {
		listQueries(query, args)
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := make(map[int64]*Quote, len(ids))
	for rows.Next() {
		q, err := scanQuote(rows)
		if err != nil {
			return nil, err
		}
		byID[q.ID] = q
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*Quote, 0, len(ids))
	for _, id := range ids {
		if q := byID[id]; q != nil {
			out = append(out, q)
		}
	}
	return out, nil
}

// quoteList is how one filter reads its quotes: ids pages through the
// matches from a cursor (newest first, or oldest first after it when
// newer), count counts them up to QuoteCountCap + 1 (or a lower bound,
// atLeast).
type quoteList struct {
	ids   func(ctx context.Context, tx *sql.Tx, cursor int64, newer bool, limit int) ([]int64, error)
	count func(ctx context.Context, tx *sql.Tx) (n int, atLeast bool, err error)
}

// current is the partial-index condition of every list index: a quote
// shown in lists. It must be written exactly so for SQLite to use them.
const current = `deleted_at IS NULL AND superseded_by IS NULL`

// cond is an SQL condition being built, with its arguments.
type cond struct {
	parts []string
	args  []any
}

func (c *cond) add(sql string, args ...any) {
	c.parts = append(c.parts, sql)
	c.args = append(c.args, args...)
}

func (c *cond) String() string { return strings.Join(c.parts, " AND ") }

// planQuoteList picks, for f, the index that reads the fewest entries and
// writes its two statements; nil when nothing can match.
//
// Without a search, each filter has a partial index over the current
// quotes whose entries are in id order after its own columns (migration
// 00051): the customer's quotes; vencida walks the open quotes newest first
// past the few still valid; borrador and enviada read the short range of
// open quotes valid from today on and sort it; another status, a
// salesperson, or both; nothing. A date range is a range of ids any of
// them takes. With a search, see searchList.
func planQuoteList(ctx context.Context, tx *sql.Tx, f QuoteFilter) (*quoteList, error) {
	lo, hi, exactDates, empty, err := dateIDs(ctx, tx, f.From, f.To)
	if err != nil || empty {
		return nil, err
	}
	if tokens := quoteSearchTokens(f.Search); len(tokens) > 0 {
		return searchList(ctx, tx, f, tokens, lo, hi, exactDates)
	}
	var c cond
	index := "quotes_current"
	switch {
	case f.CustomerID != 0:
		index = "quotes_customer"
		c.add(`customer_id = ?`, f.CustomerID)
		c.add(current)
		statusCond(&c, f)
		if f.SalespersonID != 0 {
			c.add(`salesperson_id = ?`, f.SalespersonID)
		}
	case f.Status == StatusExpired:
		index = "quotes_current_open"
		c.add(current + ` AND status IN ('borrador', 'enviada')`)
		c.add(`valid_until < ?`, f.Today)
		if f.SalespersonID != 0 {
			c.add(`salesperson_id = ?`, f.SalespersonID)
		}
	case f.Status == StatusDraft || f.Status == StatusSent:
		// A short range, sorted by id once read.
		index = "quotes_current_valid"
		c.add(current + ` AND status IN ('borrador', 'enviada')`)
		c.add(`status = ? AND valid_until >= ?`, f.Status, f.Today)
		if f.SalespersonID != 0 {
			c.add(`salesperson_id = ?`, f.SalespersonID)
		}
	case f.Status != "" && f.SalespersonID != 0:
		index = "quotes_current_salesperson_status"
		c.add(`salesperson_id = ? AND status = ?`, f.SalespersonID, f.Status)
		c.add(current)
	case f.Status != "":
		index = "quotes_current_status"
		c.add(`status = ?`, f.Status)
		c.add(current)
	case f.SalespersonID != 0:
		index = "quotes_current_salesperson"
		c.add(`salesperson_id = ?`, f.SalespersonID)
		c.add(current)
	default:
		c.add(current)
	}
	dateCond(&c, "id", lo, hi, exactDates, f)
	from := `quotes INDEXED BY ` + index
	return &quoteList{
		ids: func(ctx context.Context, tx *sql.Tx, cursor int64, newer bool, limit int) ([]int64, error) {
			q, args := pageSQL(from, "id", c, cursor, newer, limit)
			return listColumn[int64](ctx, tx, q, args...)
		},
		count: func(ctx context.Context, tx *sql.Tx) (int, bool, error) {
			var n int
			err := queryRow(ctx, tx, `SELECT count(*) FROM (SELECT 1 FROM `+from+` WHERE `+c.String()+` LIMIT ?)`,
				append(slices.Clone(c.args), QuoteCountCap+1)...).Scan(&n)
			return n, false, err
		},
	}, nil
}

// statusCond adds a status filter as a condition on quotes' own columns.
func statusCond(c *cond, f QuoteFilter) { statusCondOn(c, "", f) }

// statusCondOn is statusCond for quotes known as p ("q.").
func statusCondOn(c *cond, p string, f QuoteFilter) {
	switch f.Status {
	case "":
	case StatusExpired:
		c.add(p+`status IN ('borrador', 'enviada') AND `+p+`valid_until < ?`, f.Today)
	case StatusDraft, StatusSent:
		c.add(p+`status = ? AND `+p+`valid_until >= ?`, f.Status, f.Today)
	default:
		c.add(p+`status = ?`, f.Status)
	}
}

// dateCond limits col (a quote id) to the date range's ids and, when ids
// and creation times may disagree (the clock went back once), also checks
// created_at.
func dateCond(c *cond, col string, lo, hi int64, exact bool, f QuoteFilter) {
	if lo > 0 {
		c.add(col+` >= ?`, lo)
	}
	if hi > 0 {
		c.add(col+` <= ?`, hi)
	}
	if !exact {
		from, to := dayBounds(f.From, f.To)
		if from != "" {
			c.add(`created_at >= ?`, from)
		}
		if to != "" {
			c.add(`created_at < ?`, to)
		}
	}
}

// pageSQL selects up to limit ids of from matching c, after the cursor.
func pageSQL(from, col string, c cond, cursor int64, newer bool, limit int) (string, []any) {
	args := slices.Clone(c.args)
	where := c.String()
	order := col + ` DESC`
	if newer {
		order = col + ` ASC`
		if cursor > 0 {
			where += ` AND ` + col + ` > ?`
			args = append(args, cursor)
		}
	} else if cursor > 0 {
		where += ` AND ` + col + ` < ?`
		args = append(args, cursor)
	}
	return `SELECT ` + col + ` FROM ` + from + ` WHERE ` + where + ` ORDER BY ` + order + ` LIMIT ?`, append(args, limit)
}

// dayBounds turns a range of days in Mexico City into stored-time bounds:
// from is inclusive, to exclusive (the next day's start). They carry nine
// decimals so that comparing them as text with stored times (RFC 3339 with
// as many decimals as the time has) orders them as times.
func dayBounds(fromDay, toDay string) (from, to string) {
	const format = "2006-01-02T15:04:05.000000000Z07:00"
	if t, err := time.ParseInLocation("2006-01-02", fromDay, mexicoCity); err == nil {
		from = t.UTC().Format(format)
	}
	if t, err := time.ParseInLocation("2006-01-02", toDay, mexicoCity); err == nil {
		to = t.AddDate(0, 0, 1).UTC().Format(format)
	}
	return from, to
}

// dateIDs finds the ids a date range covers: lo, the first quote created
// on or after the start, and hi, the last created before the end (0: no
// bound). While quote_list_state records no clock step back, ids and
// creation times rise together and every quote of the range, and only
// those, has an id in [lo, hi] (exact); otherwise callers check created_at
// too. empty: no quote was created in the range.
func dateIDs(ctx context.Context, tx *sql.Tx, fromDay, toDay string) (lo, hi int64, exact, empty bool, err error) {
	from, to := dayBounds(fromDay, toDay)
	exact = true
	if from == "" && to == "" {
		return 0, 0, true, false, nil
	}
	var backsteps int
	if err := tx.QueryRowContext(ctx, `SELECT backsteps FROM quote_list_state WHERE id = 1`).Scan(&backsteps); err != nil {
		return 0, 0, false, false, err
	}
	if backsteps > 0 {
		return 0, 0, false, false, nil
	}
	one := func(q string, arg string) (int64, error) {
		var id int64
		err := queryRow(ctx, tx, q, arg).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return id, err
	}
	if from != "" {
		if lo, err = one(`SELECT id FROM quotes INDEXED BY quotes_created WHERE deleted_at IS NULL AND created_at >= ? ORDER BY created_at, id LIMIT 1`, from); err != nil {
			return 0, 0, false, false, err
		}
		if lo == 0 {
			return 0, 0, true, true, nil
		}
	}
	if to != "" {
		if hi, err = one(`SELECT id FROM quotes INDEXED BY quotes_created WHERE deleted_at IS NULL AND created_at < ? ORDER BY created_at DESC, id DESC LIMIT 1`, to); err != nil {
			return 0, 0, false, false, err
		}
		if hi == 0 || hi < lo {
			return 0, 0, true, true, nil
		}
	}
	return lo, hi, true, false, nil
}

// listQueries, when set (tests), is told every statement a list, search or
// dashboard runs, so its query plan can be checked.
var listQueries func(query string, args []any)

// listColumn runs a statement of a list and returns its first column.
func listColumn[T any](ctx context.Context, tx *sql.Tx, query string, args ...any) ([]T, error) {
	if listQueries != nil {
		listQueries(query, args)
	}
	return queryColumn[T](ctx, tx, query, args...)
}

// queryRow is QueryRowContext for the statements of a list.
func queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if listQueries != nil {
		listQueries(query, args)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// qmarks is n comma-separated placeholders.
func qmarks(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
