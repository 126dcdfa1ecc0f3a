package db_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/db"
	"cotizador/pricing"
)

// plannedTables are the tables no list, search or dashboard statement may
// read whole: a plan may SEARCH them, or walk an index in order under a
// LIMIT, never SCAN them.
var plannedTables = []string{"quotes", "quote_items", "quote_terms", "quote_month_stats", "quote_customer_stats", "quote_product_stats", "quote_customer_totals", "customers", "users"}

// scanLine is a plan line reading a table or index from end to end.
var scanLine = regexp.MustCompile(`^SCAN (\S+)(?: USING (?:COVERING )?INDEX (\S+))?`)

// TestQuoteQueryPlans runs every kind of list, search and dashboard read
// over 10,050 quotes and checks the plan of each statement they make: no
// table is scanned, and an index is walked only by a statement with a
// LIMIT (a page, or a count that stops at 10,001).
func TestQuoteQueryPlans(t *testing.T) {
	fx := newListFixture(t, 2000)
	ctx := context.Background()
	// The audit trail plays no part in these plans: its triggers off, the
	// 10,050 quotes are written in half the time.
	if err := db.DropAuditTriggers(ctx, fx.d); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(13, 14))
	statuses := []string{db.StatusDraft, db.StatusSent, db.StatusSent, db.StatusAccepted, db.StatusRejected, db.StatusCancelled}
	const chunks, per = 67, 150
	for c := range chunks {
		var qs []*db.Quote
		for range per {
			cu := fx.customers[rng.IntN(len(fx.customers))]
			now := fx.clock.Now()
			qs = append(qs, &db.Quote{CustomerID: cu.ID, Customer: db.CustomerSnapshot{Name: cu.Name, BusinessName: cu.BusinessName, RFC: cu.RFC},
				SalespersonID: fx.sales[rng.IntN(len(fx.sales))], Status: statuses[rng.IntN(len(statuses))], Mode: pricing.ModeByMetre,
				Rates: pricing.DefaultRates(), PriceDisplay: "mas_iva", DimensionUnit: "cm", Cut: pricing.DefaultCutSettings(),
				ValidUntil: db.Today(now.AddDate(0, 0, 15)), PricedAt: now, Totals: pricing.Totals{Total: decimal.NewFromInt(int64(1000 + c))},
				Items: []*db.QuoteItem{{Kind: "producto", ProductCode: fmt.Sprintf("VEN-%d", c%7), Quantity: decimal.NewFromInt(1), Amount: decimal.NewFromInt(900)}}})
		}
		if err := fx.d.CreateQuotesInOneTransaction(ctx, qs, "COT", app.CLIActor); err != nil {
			t.Fatal(err)
		}
		fx.clock.Advance(24 * time.Hour)
	}
	today := db.Today(fx.clock.Now())
	var stmts []string
	var stmtArgs [][]any
	db.TraceListQueries(func(q string, args []any) {
		stmts = append(stmts, q)
		stmtArgs = append(stmtArgs, args)
	})
	defer db.TraceListQueries(nil)

	first, err := fx.d.FindQuotes(ctx, db.QuoteFilter{Today: today})
	if err != nil {
		t.Fatal(err)
	}
	if !first.More || first.Count != db.QuoteCountCap || first.Older == 0 {
		t.Errorf("10,050 quotes: count %d, more %v; want «more than 10,000»", first.Count, first.More)
	}
	var deep int64
	fx.d.Reader.QueryRow(`SELECT id FROM quotes ORDER BY id LIMIT 1 OFFSET 200`).Scan(&deep)
	sp, cust := fx.sales[1], fx.customers[7].ID
	from, to := db.Today(fx.clock.Now().AddDate(0, 0, -40)), db.Today(fx.clock.Now().AddDate(0, 0, -20))
	filters := []db.QuoteFilter{
		{}, {Before: deep}, {After: deep}, {SalespersonID: sp}, {CustomerID: cust}, {CustomerID: cust, Status: db.StatusSent},
		{From: from}, {To: to}, {From: from, To: to}, {From: from, To: to, Status: db.StatusAccepted, SalespersonID: sp},
		{Search: "garcia"}, {Search: "maria perez"}, {Search: "nunez ibarra"}, {Search: "a"}, {Search: "m"}, {Search: "ma"},
		{Search: "cot-2026-00"}, {Search: "COT-2026-0012"}, {Search: "12"}, {Search: "AAXX"}, {Search: "zzz"},
		{Search: "garcia", Status: db.StatusExpired}, {Search: "lopez", SalespersonID: sp, Before: deep + 5000},
		{Search: "luis", CustomerID: cust}, {Search: "martha", From: from, To: to},
	}
	for _, s := range db.QuoteStatuses {
		filters = append(filters, db.QuoteFilter{Status: s}, db.QuoteFilter{Status: s, SalespersonID: sp}, db.QuoteFilter{Status: s, Before: deep + 3000})
	}
	for _, f := range filters {
		f.Today = today
		if _, err := fx.d.FindQuotes(ctx, f); err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
	}
	// The plans a million quotes lead to: a common word's range sized up
	// past the cap, its count reading a bounded part of it.
	restore := db.SetSearchLeadCap(40)
	for _, f := range []db.QuoteFilter{{Search: "maria perez"}, {Search: "garcia", Status: db.StatusAccepted}, {Search: "luis", CustomerID: cust}, {Search: "ma", SalespersonID: sp}} {
		f.Today = today
		if _, err := fx.d.FindQuotes(ctx, f); err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
	}
	restore()
	for _, f := range []db.DashboardFilter{{FromMonth: "2025-12", ToMonth: "2026-11"}, {FromMonth: "2024-01", ToMonth: "2026-12", SalespersonID: sp}} {
		f.Today = today
		if _, err := fx.d.Dashboard(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	db.TraceListQueries(nil)
	if len(stmts) < 100 {
		t.Fatalf("only %d statements traced", len(stmts))
	}
	seen := map[string]bool{}
	for i, q := range stmts {
		plan := explain(t, fx.d, q, stmtArgs[i])
		key := q + plan
		if seen[key] {
			continue
		}
		seen[key] = true
		for _, line := range strings.Split(plan, "\n") {
			m := scanLine.FindStringSubmatch(strings.TrimSpace(line))
			if m == nil {
				continue
			}
			table := tableOf(q, m[1])
			if !slices.Contains(plannedTables, table) {
				continue
			}
			if m[2] == "" || !strings.Contains(q, "LIMIT") {
				t.Errorf("%s read whole (%s):\n%s\nplan:\n%s", table, strings.TrimSpace(line), q, plan)
			}
		}
	}
}

// explain returns the query plan of q with args, one detail per line.
func explain(t *testing.T, d *db.DB, q string, args []any) string {
	t.Helper()
	rows, err := d.Reader.Query(`EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}

// tableOf resolves a plan's name (a table or its alias in q) to a table.
func tableOf(q, name string) string {
	for _, table := range plannedTables {
		if name == table || regexp.MustCompile(`\b`+table+`\s+(?:AS\s+)?`+regexp.QuoteMeta(name)+`\b`).MatchString(q) {
			return table
		}
	}
	return name
}
