package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/pricing"
)

// Quote search works like the customer search (customers.go): without FTS5,
// the store keeps its own index, quote_terms (migration 00051), a WITHOUT
// ROWID table whose primary key (term, quote_id) is the index. A current
// quote (not deleted, not superseded by a revision) has one row per term:
// its folio folded ("cot20260012", and the revision's "cot20260012r2"), the
// folio's number without leading zeros ("12"), each folded word of the
// customer's name and razón social as the quote keeps them, and the RFC.
// Each row also carries the quote's salesperson, status, validity and all
// of its terms ("words"), so a search of several words checks the others,
// and a salesperson's search or a status filter their quotes, inside the
// one range it reads.
//
// Triggers keep quote_terms in step with every write to quotes, whoever
// makes it (the editor, revisions, the Papelera, ARCO anonymisation, the
// retention purge): they call quote_search_terms and quote_search_words, Go
// functions every connection of this program registers. Triggers delete a
// quote's rows by recomputing its terms from the old values, so a change to
// quoteSearchTerms needs a migration that rebuilds quote_terms (like 00051's
// backfill); TestQuoteTermsMatchQuotes checks that every stored term is the
// one the function gives.

// quoteSearchTerms lists the distinct terms a quote is found by.
func quoteSearchTerms(folio string, revision int64, name, business, rfc string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	f := cleanTerm(FoldText(folio))
	add(f)
	if revision > 1 {
		add(cleanTerm(fmt.Sprintf("%sr%d", f, revision)))
	}
	if i := strings.LastIndexByte(folio, '-'); i >= 0 {
		add(digitsTerm(folio[i+1:]))
	}
	for _, text := range []string{name, business} {
		for _, w := range strings.Fields(FoldText(text)) {
			add(cleanTerm(w))
			for _, part := range strings.FieldsFunc(w, func(r rune) bool { return !termRune(r) }) {
				add(cleanTerm(part))
			}
		}
	}
	add(cleanTerm(FoldText(rfc)))
	return out
}

// digitsTerm is a folio number as a term: its digits without leading
// zeros ("0012" → "12"), so "12" and "0012" both find COT-2026-0012.
func digitsTerm(s string) string {
	for _, r := range s {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return strings.TrimLeft(s, "0")
}

// quoteSearchTokens turns what the user typed into the prefixes to look up,
// folded like the terms; a number loses its leading zeros like the folio
// number's term.
func quoteSearchTokens(q string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.Fields(FoldText(q)) {
		t := cleanTerm(w)
		if d := digitsTerm(t); d != "" {
			t = d
		}
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

// quoteWords is the words column of a quote's term rows: " " before each
// term, so instr(words, ' ' || token) finds a token at the start of a term.
func quoteWords(terms []string) string {
	var b strings.Builder
	for _, t := range terms {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	return b.String()
}

// MonthOf is the month (YYYY-MM) of a stored time in Mexico City, as the
// dashboard counts quotes.
func MonthOf(t time.Time) string { return t.In(mexicoCity).Format("2006-01") }

// registerQuoteFuncs installs the functions the quote triggers call
// (search terms, the dashboard's counters) on a new connection.
func registerQuoteFuncs(conn *sqlite3.SQLiteConn) error {
	for _, f := range []struct {
		name string
		impl any
	}{
		{"quote_search_terms", func(folio string, rev int64, name, business, rfc string) (string, error) {
			b, err := json.Marshal(quoteSearchTerms(folio, rev, name, business, rfc))
			return string(b), err
		}},
		{"quote_search_words", func(folio string, rev int64, name, business, rfc string) string {
			return quoteWords(quoteSearchTerms(folio, rev, name, business, rfc))
		}},
		// quote_search_match(…, tokens): whether the quote has a term
		// starting with each of the space-separated tokens.
		{"quote_search_match", func(folio string, rev int64, name, business, rfc, tokens string) bool {
			return quoteMatches(quoteSearchTerms(folio, rev, name, business, rfc), strings.Fields(tokens))
		}},
		// mx_month(ts): the month in Mexico City of a stored time (the
		// zone had daylight saving time until 2022: Go's zone database
		// knows when).
		{"mx_month", func(ts string) (string, error) {
			t, err := app.ParseTime(ts)
			if err != nil {
				return "", err
			}
			return MonthOf(t), nil
		}},
		// money_cents(amount) and shown_cents(amount, price_display,
		// iva_rate, iva_exempt): an amount in centavos, and a line's as its
		// quote shows it (with IVA when the quote says "IVA incluido"),
		// by the Go rules, exactly. The triggers use plain SQL that gives
		// the same (centsSQL, shownSQL); these check it.
		{"money_cents", func(amount string) (int64, error) { return cents(amount) }},
		{"shown_cents", func(amount, display, iva string, exempt int64) (int64, error) {
			a, err := decimal.NewFromString(amount)
			if err != nil {
				return 0, err
			}
			if display == "iva_incluido" {
				rate, err := decimal.NewFromString(iva)
				if err != nil {
					return 0, err
				}
				a = pricing.WithIVA(a, pricing.Rates{IVA: rate, IVAExempt: exempt != 0})
			}
			return cents(a.String())
		}},
	} {
		if err := conn.RegisterFunc(f.name, f.impl, true); err != nil {
			return fmt.Errorf("db: register %s: %w", f.name, err)
		}
	}
	return nil
}

// cents reads a stored amount (at most two decimals) as centavos; anything
// finer is an error rather than a rounding nobody chose.
func cents(amount string) (int64, error) {
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return 0, err
	}
	c := d.Shift(2)
	if !c.IsInteger() {
		return 0, fmt.Errorf("db: amount %s has fractions of a centavo", amount)
	}
	return c.IntPart(), nil
}

// quoteMatches reports whether every token starts one of terms.
func quoteMatches(terms, tokens []string) bool {
	for _, tok := range tokens {
		found := false
		for _, t := range terms {
			if strings.HasPrefix(t, tok) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// searchLeadCap: a search reads the index range of its rarest word; sizing
// up each word's range stops counting here. (A variable so tests can take
// every path with a few quotes.)
var searchLeadCap = 20_000

// searchCountScan is how many index entries a search's count reads when
// each must be checked for other words or filters: beyond it the count
// shown is "at least" what was found. (A variable so tests can reach it.)
var searchCountScan = QuoteCountCap

// searchMaxArms: a word whose range holds at most this many distinct terms
// is read term by term, each range already in id order, merged; a word with
// more (one or two letters) is sorted if its range is short, and otherwise
// matched against the newest quotes one by one.
const searchMaxArms = 16

// searchList plans a search: tokens are the folded words typed; lo, hi
// and exactDates the date range's ids (dateIDs).
//
// Every word's range of quote_terms is sized up to searchLeadCap entries,
// and the rarest one leads: its range is read, and each of its rows checks
// the other words against the row's words column (instr of " word") and
// the salesperson, status and validity against its own columns, so a
// search of several words, a salesperson's own search or a status filter
// costs no lookups. A customer filter looks the quote's row up.
func searchList(ctx context.Context, tx *sql.Tx, f QuoteFilter, tokens []string, lo, hi int64, exactDates bool) (*quoteList, error) {
	lead, leadN := -1, 0
	for i, t := range tokens {
		from, to := prefixRange(t)
		var n int
		if err := queryRow(ctx, tx, `SELECT count(*) FROM (SELECT 1 FROM quote_terms WHERE term >= ? AND term < ? LIMIT ?)`,
			from, to, searchLeadCap).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, nil
		}
		if lead < 0 || n < leadN || (n == leadN && len(t) > len(tokens[lead])) {
			lead, leadN = i, n
		}
	}
	terms, err := distinctTerms(ctx, tx, tokens[lead], searchMaxArms+1)
	if err != nil {
		return nil, err
	}
	// Conditions on the term row, and on the quote's row.
	var tc, qc cond
	for i, t := range tokens {
		if i != lead {
			tc.add(`instr(t.words, ?) > 0`, " "+t)
		}
	}
	if f.SalespersonID != 0 {
		tc.add(`t.salesperson_id = ?`, f.SalespersonID)
	}
	dateCond(&tc, "t.quote_id", lo, hi, true, f)
	if !exactDates {
		from, to := dayBounds(f.From, f.To)
		if from != "" {
			qc.add(`q.created_at >= ?`, from)
		}
		if to != "" {
			qc.add(`q.created_at < ?`, to)
		}
	}
	if f.CustomerID != 0 {
		qc.add(`q.customer_id = ?`, f.CustomerID)
	}
	statusCondOn(&tc, "t.", f)
	join := ""
	if len(qc.parts) > 0 {
		// The term rows lead; each one's quote is read by id.
		join = ` CROSS JOIN quotes q ON q.id = t.quote_id`
	}
	where := func(lead string, leadArgs ...any) (string, []any) {
		var c cond
		c.add(lead, leadArgs...)
		c.parts = append(c.parts, tc.parts...)
		c.args = append(c.args, tc.args...)
		c.parts = append(c.parts, qc.parts...)
		c.args = append(c.args, qc.args...)
		return c.String(), c.args
	}
	rangeFrom, rangeTo := prefixRange(tokens[lead])
	count := func(ctx context.Context, tx *sql.Tx) (int, bool, error) {
		lead, leadArgs := `t.term >= ? AND t.term < ?`, []any{rangeFrom, rangeTo}
		sel := `SELECT DISTINCT t.quote_id`
		if len(terms) == 1 {
			lead, leadArgs = `t.term = ?`, []any{terms[0]}
			sel = `SELECT t.quote_id`
		}
		var n int
		if len(tc.parts)+len(qc.parts) == 0 || leadN < searchLeadCap {
			// Every entry read is a match, or the range is short.
			w, args := where(lead, leadArgs...)
			err := queryRow(ctx, tx, `SELECT count(*) FROM (`+sel+` FROM quote_terms t`+join+` WHERE `+w+` LIMIT ?)`,
				append(args, QuoteCountCap+1)...).Scan(&n)
			return n, false, err
		}
		// Other words or filters are checked entry by entry over a long
		// range (two common surnames): read at most searchCountScan
		// entries of it; if the range goes on, what was found is a lower
		// bound.
		var c cond
		c.parts = append(c.parts, tc.parts...)
		c.args = append(c.args, tc.args...)
		c.parts = append(c.parts, qc.parts...)
		c.args = append(c.args, qc.args...)
		var scanned int
		args := append(append(slices.Clone(c.args), leadArgs...), searchCountScan)
		counted := `count(DISTINCT iif(` + c.String() + `, t.quote_id, NULL))`
		if len(terms) == 1 {
			counted = `count(iif(` + c.String() + `, 1, NULL))`
		}
		err := queryRow(ctx, tx, `SELECT `+counted+`, count(*)
			FROM (SELECT * FROM quote_terms WHERE `+strings.ReplaceAll(lead, "t.", "")+` LIMIT ?) t`+join, args...).Scan(&n, &scanned)
		return n, scanned == searchCountScan && n <= QuoteCountCap, err
	}
	cursorCond := func(col string, cursor int64, newer bool) (string, []any, string) {
		switch {
		case newer && cursor > 0:
			return ` AND ` + col + ` > ?`, []any{cursor}, ` ASC`
		case newer:
			return "", nil, ` ASC`
		case cursor > 0:
			return ` AND ` + col + ` < ?`, []any{cursor}, ` DESC`
		}
		return "", nil, ` DESC`
	}
	var ids func(ctx context.Context, tx *sql.Tx, cursor int64, newer bool, limit int) ([]int64, error)
	switch {
	case len(terms) <= searchMaxArms:
		// One arm per term, each in id order; UNION merges them.
		ids = func(ctx context.Context, tx *sql.Tx, cursor int64, newer bool, limit int) ([]int64, error) {
			cc, cargs, order := cursorCond("t.quote_id", cursor, newer)
			var arms []string
			var args []any
			for _, term := range terms {
				w, a := where(`t.term = ?`, term)
				arms = append(arms, `SELECT t.quote_id FROM quote_terms t`+join+` WHERE `+w+cc)
				args = append(append(args, a...), cargs...)
			}
			return listColumn[int64](ctx, tx, strings.Join(arms, ` UNION `)+` ORDER BY 1`+order+` LIMIT ?`, append(args, limit)...)
		}
	case leadN < searchLeadCap:
		// Many terms, but a short range: read it all and sort.
		ids = func(ctx context.Context, tx *sql.Tx, cursor int64, newer bool, limit int) ([]int64, error) {
			cc, cargs, order := cursorCond("t.quote_id", cursor, newer)
			w, args := where(`t.term >= ? AND t.term < ?`, rangeFrom, rangeTo)
			args = append(append(args, cargs...), limit)
			return listColumn[int64](ctx, tx, `SELECT DISTINCT t.quote_id FROM quote_terms t`+join+` WHERE `+w+cc+` ORDER BY 1`+order+` LIMIT ?`, args...)
		}
	default:
		// A word of a letter or two that most quotes have: the newest
		// quotes match soon, one by one.
		var c cond
		c.add(`q.` + current)
		c.add(`quote_search_match(q.folio, q.revision, q.customer_name, q.customer_business, q.customer_rfc, ?)`, strings.Join(tokens, " "))
		if f.SalespersonID != 0 {
			c.add(`q.salesperson_id = ?`, f.SalespersonID)
		}
		statusCondOn(&c, "q.", f)
		dateCond(&c, "q.id", lo, hi, true, f)
		c.parts = append(c.parts, qc.parts...)
		c.args = append(c.args, qc.args...)
		ids = func(ctx context.Context, tx *sql.Tx, cursor int64, newer bool, limit int) ([]int64, error) {
			q, args := pageSQL(`quotes q INDEXED BY quotes_current`, "q.id", c, cursor, newer, limit)
			return listColumn[int64](ctx, tx, q, args...)
		}
	}
	return &quoteList{ids: ids, count: count}, nil
}

// distinctTerms lists up to max distinct terms that start with prefix, one
// index seek each.
func distinctTerms(ctx context.Context, tx *sql.Tx, prefix string, max int) ([]string, error) {
	from, to := prefixRange(prefix)
	return listColumn[string](ctx, tx, `WITH RECURSIVE d(term) AS (
			SELECT (SELECT term FROM quote_terms WHERE term >= ?1 AND term < ?2 ORDER BY term LIMIT 1)
			UNION ALL
			SELECT (SELECT term FROM quote_terms WHERE term > d.term AND term < ?2 ORDER BY term LIMIT 1) FROM d WHERE d.term IS NOT NULL
		) SELECT term FROM d WHERE term IS NOT NULL LIMIT ?3`, from, to, max)
}
