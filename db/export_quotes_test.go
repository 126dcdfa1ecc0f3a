package db

import (
	"context"
	"fmt"

	"cotizador/app"
)

// Unexported pieces of the quote storage, lists and search, for db_test.
var (
	EncodeBreakdown   = encodeBreakdown
	DecodeBreakdown   = decodeBreakdown
	QuoteSearchTerms  = quoteSearchTerms
	QuoteSearchTokens = quoteSearchTokens
	QuoteMatches      = quoteMatches
	MonthSQL          = monthSQL
	ShownSQL          = shownSQL
)

// TraceListQueries makes every statement of a list, search or dashboard be
// handed to f (nil stops it); not safe while such a read runs.
func TraceListQueries(f func(query string, args []any)) { listQueries = f }

// CreateQuotesInOneTransaction saves quotes as CreateQuote does (folio,
// lines, triggers), all in one transaction: tests that need ten thousand
// quotes make them in seconds. Each quote's Status is kept.
func (db *DB) CreateQuotesInOneTransaction(ctx context.Context, qs []*Quote, prefix string, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := db.Clock.Now()
	year := now.In(mexicoCity).Year()
	for _, q := range qs {
		var seq int
		if err := tx.QueryRowContext(ctx, `INSERT INTO folio_counters (prefix, year, last) VALUES (?, ?, 1)
			ON CONFLICT (prefix, year) DO UPDATE SET last = last + 1 RETURNING last`, prefix, year).Scan(&seq); err != nil {
			return err
		}
		q.Folio, q.Revision = fmt.Sprintf("%s-%d-%04d", prefix, year, seq), 1
		if err := insertQuote(ctx, tx, q, now, actor); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// SetSearchCountScan changes how many index entries a search's count
// checks one by one.
func SetSearchCountScan(n int) func() { return setForTest(&searchCountScan, n) }

// SetSearchLeadCap changes how far a search sizes up a word's range (so a
// few quotes take the paths of many) and returns a function that restores it.
func SetSearchLeadCap(n int) func() { return setForTest(&searchLeadCap, n) }
