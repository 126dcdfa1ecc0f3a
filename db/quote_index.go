package db

import (
	"context"
	"database/sql"
	"fmt"
)

// The counters' SQL expressions, exactly as migration 00051's triggers
// write them (see its comment; TestStatsExpressions checks them against
// MonthOf, cents and pricing.WithIVA).

// monthSQL is the month in Mexico City of row r's created_at.
func monthSQL(r string) string {
	return fmt.Sprintf(`CASE WHEN %[1]s.created_at >= '2022-10-30T07' THEN strftime('%%Y-%%m', %[1]s.created_at, '-6 hours') ELSE mx_month(%[1]s.created_at) END`, r)
}

// centsSQL is a stored amount in centavos.
func centsSQL(x string) string { return `CAST(round(CAST(` + x + ` AS REAL) * 100) AS INTEGER)` }

// shownSQL is amount x of a line of quote q, in centavos, as q shows it.
func shownSQL(x, q string) string {
	c := centsSQL(x)
	return `CASE WHEN ` + q + `.price_display = 'iva_incluido' AND ` + q + `.iva_exempt = 0
		THEN (` + c + ` * (10000 + CAST(round(CAST(` + q + `.iva_rate AS REAL) * 10000) AS INTEGER)) + 5000) / 10000 ELSE ` + c + ` END`
}

// indexQuotes is migration 00051's data step: the search terms and the
// dashboard counters of the quotes with ids in (from, to], written as the
// triggers write them for a new quote, and the clock backsteps among them.
func indexQuotes(ctx context.Context, tx *sql.Tx, from, to int64) error {
	const current = `q.deleted_at IS NULL AND q.superseded_by IS NULL`
	const counted = current + ` AND q.status <> 'cancelada'`
	const add = ` ON CONFLICT DO UPDATE SET quoted = quoted + excluded.quoted, quoted_cents = quoted_cents + excluded.quoted_cents,
		won = won + excluded.won, won_cents = won_cents + excluded.won_cents`
	for _, stmt := range []string{
		`UPDATE quote_list_state SET backsteps = backsteps + (SELECT count(*) FROM (
			SELECT created_at < lag(created_at) OVER (ORDER BY id) AS back FROM quotes
			WHERE id >= (SELECT coalesce(max(id), 0) FROM quotes WHERE id <= ?1) AND id <= ?2) WHERE back)`,
		`INSERT OR IGNORE INTO quote_terms (term, quote_id, salesperson_id, status, valid_until, words)
			SELECT j.value, q.id, q.salesperson_id, q.status, q.valid_until, quote_search_words(q.folio, q.revision, q.customer_name, q.customer_business, q.customer_rfc)
			FROM quotes q, json_each(quote_search_terms(q.folio, q.revision, q.customer_name, q.customer_business, q.customer_rfc)) j
			WHERE q.id > ?1 AND q.id <= ?2 AND ` + current,
		`INSERT INTO quote_month_stats (month, salesperson_id, quoted, quoted_cents, won, won_cents)
			SELECT ` + monthSQL("q") + `, q.salesperson_id, count(*), sum(` + centsSQL("q.total") + `),
				sum(q.status = 'aceptada'), sum(iif(q.status = 'aceptada', ` + centsSQL("q.total") + `, 0))
			FROM quotes q WHERE q.id > ?1 AND q.id <= ?2 AND ` + counted + ` GROUP BY 1, 2` + add,
		`INSERT INTO quote_customer_stats (month, salesperson_id, customer_id, quoted, quoted_cents, won, won_cents)
			SELECT ` + monthSQL("q") + `, q.salesperson_id, coalesce(q.customer_id, 0), count(*), sum(` + centsSQL("q.total") + `),
				sum(q.status = 'aceptada'), sum(iif(q.status = 'aceptada', ` + centsSQL("q.total") + `, 0))
			FROM quotes q WHERE q.id > ?1 AND q.id <= ?2 AND ` + counted + ` GROUP BY 1, 2, 3` + add,
		`INSERT INTO quote_product_stats (month, salesperson_id, product_code, quoted, quoted_cents, won, won_cents)
			SELECT ` + monthSQL("q") + `, q.salesperson_id, i.product_code, sum(CAST(i.quantity AS INTEGER)),
				sum(` + shownSQL("i.amount", "q") + `),
				sum(iif(q.status = 'aceptada', CAST(i.quantity AS INTEGER), 0)),
				sum(iif(q.status = 'aceptada', ` + shownSQL("i.amount", "q") + `, 0))
			FROM quotes q JOIN quote_items i ON i.quote_id = q.id AND i.deleted_at IS NULL
			WHERE q.id > ?1 AND q.id <= ?2 AND ` + counted + ` AND i.optional = 0 AND i.kind = 'producto'
			GROUP BY 1, 2, 3` + add,
	} {
		if _, err := tx.ExecContext(ctx, stmt, from, to); err != nil {
			return err
		}
	}
	return nil
}
