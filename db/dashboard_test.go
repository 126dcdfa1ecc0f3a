package db_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/db"
	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// dashLine is a window line of a dashboard test quote.
type dashLine struct {
	product  string
	qty      int64
	amount   string
	optional bool
}

// dashQuote creates, at time at, a quote of total for customer c by sp,
// with lines, shown "IVA incluido" when ivaIncluded (exempt when exempt),
// and moves it through statuses.
func (f *listFixture) dashQuote(t *testing.T, at time.Time, c *db.Customer, sp int64, total string, ivaIncluded, exempt bool,
	validUntil string, lines []dashLine, statuses ...string) *db.Quote {
	t.Helper()
	f.clock.Set(at)
	q := &db.Quote{
		CustomerID: c.ID, Customer: db.CustomerSnapshot{Name: c.Name}, SalespersonID: sp, Mode: pricing.ModeByMetre,
		Rates: pricing.DefaultRates(), PriceDisplay: "mas_iva", DimensionUnit: "cm", Cut: pricing.DefaultCutSettings(),
		ValidUntil: validUntil, PricedAt: at, Totals: pricing.Totals{Total: decimal.RequireFromString(total)},
	}
	if ivaIncluded {
		q.PriceDisplay = "iva_incluido"
	}
	if exempt {
		q.Rates.IVA, q.Rates.IVAExempt = decimal.Zero, true
	}
	for _, l := range lines {
		q.Items = append(q.Items, &db.QuoteItem{Kind: "producto", ProductCode: l.product, Quantity: decimal.NewFromInt(l.qty),
			Amount: decimal.RequireFromString(l.amount), Optional: l.optional})
	}
	// A material line never counts as a product.
	q.Items = append(q.Items, &db.QuoteItem{Kind: "material", MaterialCode: "SIL", Quantity: decimal.NewFromInt(3), Amount: decimal.NewFromInt(240)})
	if err := f.d.CreateQuote(context.Background(), q, "COT", nil, app.UserActor(sp)); err != nil {
		t.Fatal(err)
	}
	for _, s := range statuses {
		if err := f.d.SetQuoteStatus(context.Background(), q.ID, s, app.UserActor(sp)); err != nil {
			t.Fatal(err)
		}
	}
	return q
}

// mx is a time in Mexico City.
func mx(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, app.MexicoCity)
}

// The dashboard's figures against a small data set worked out by hand:
// per month (Mexico City's, so 23:30 on 31 October is October), per
// salesperson, top customers and products; a vencida quote counts as
// quoted and not won and does not await an answer; a cancelled quote, a
// deleted one and a revision's replaced original do not count; optional
// and material lines are not products; amounts as the quote shows them
// (a product line of a quote "IVA incluido" with its IVA; an exempt one
// without).
func TestDashboardFigures(t *testing.T) {
	fx := newListFixture(t, 0)
	ctx := context.Background()
	a, b := fx.sales[1], fx.sales[2]
	var cs []*db.Customer
	for _, name := range []string{"Ana Cruz", "Beto Ruiz", "Carla Paz", "Dora Gil"} {
		c := &db.Customer{Name: name}
		if err := fx.d.CreateCustomer(ctx, c, app.CLIActor); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	S, A, R, C := db.StatusSent, db.StatusAccepted, db.StatusRejected, db.StatusCancelled
	// September: Q1 won by A (VEN-A ×2 $800, an optional VEN-B $300);
	// Q2 sent by A, valid until 30 Sep: vencida on 26 Nov.
	fx.dashQuote(t, mx(2026, 9, 10, 10, 0), cs[0], a, "1160.00", false, false, "2026-09-25",
		[]dashLine{{"VEN-A", 2, "800.00", false}, {"VEN-B", 1, "300.00", true}}, S, A)
	fx.dashQuote(t, mx(2026, 9, 20, 10, 0), cs[1], a, "580.00", false, false, "2026-09-30",
		[]dashLine{{"VEN-B", 1, "500.00", false}}, S)
	// October: Q3 won by B, IVA incluido at 16 %: its VEN-A line of $1,000
	// shows $1,160; Q4 a draft by B at 23:30 on 31 October in Mexico City
	// (1 November in UTC).
	fx.dashQuote(t, mx(2026, 10, 5, 9, 0), cs[2], b, "2320.00", true, false, "2026-10-20",
		[]dashLine{{"VEN-A", 1, "1000.00", false}}, S, A)
	fx.dashQuote(t, mx(2026, 10, 31, 23, 30), cs[1], b, "100.00", false, false, "2026-12-31",
		[]dashLine{{"VEN-C", 1, "80.00", false}})
	// November: Q5 cancelled; Q6 sent by A and still valid: awaiting;
	// Q7 won by B then revised (the revision, a draft, counts; the
	// original no longer); Q8 deleted; Q9 won by A, exempt and IVA
	// incluido: $200 shows $200; Q10 rejected by A.
	fx.dashQuote(t, mx(2026, 11, 2, 10, 0), cs[0], a, "999.99", false, false, "2026-11-30", []dashLine{{"VEN-A", 5, "900.00", false}}, C)
	fx.dashQuote(t, mx(2026, 11, 20, 10, 0), cs[3], a, "1000.00", false, false, "2026-12-05", []dashLine{{"VEN-C", 2, "860.00", false}}, S)
	q7 := fx.dashQuote(t, mx(2026, 11, 21, 10, 0), cs[3], b, "500.00", false, false, "2026-12-06", []dashLine{{"VEN-B", 1, "430.00", false}}, S, A)
	fx.clock.Set(mx(2026, 11, 22, 10, 0))
	if _, err := fx.d.CreateRevision(ctx, q7.ID, "2026-12-07", app.UserActor(b)); err != nil {
		t.Fatal(err)
	}
	q8 := fx.dashQuote(t, mx(2026, 11, 23, 10, 0), cs[0], b, "7777.00", false, false, "2026-12-08", []dashLine{{"VEN-A", 1, "7000.00", false}}, S, A)
	if err := fx.d.DeleteQuote(ctx, q8.ID, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	fx.dashQuote(t, mx(2026, 11, 24, 10, 0), cs[0], a, "200.00", true, true, "2026-12-09", []dashLine{{"VEN-C", 1, "200.00", false}}, S, A)
	fx.dashQuote(t, mx(2026, 11, 25, 10, 0), cs[2], a, "300.00", false, false, "2026-12-10", []dashLine{{"VEN-B", 1, "250.00", false}}, S, R)
	fx.clock.Set(mx(2026, 11, 26, 14, 30))

	d, err := fx.d.Dashboard(ctx, db.DashboardFilter{FromMonth: "2026-08", ToMonth: "2026-11", Today: "2026-11-26"})
	if err != nil {
		t.Fatal(err)
	}
	fig := func(quoted, won, qc, wc int64) db.Figures {
		return db.Figures{Quoted: quoted, Won: won, QuotedCents: qc, WonCents: wc}
	}
	wantMonths := []db.MonthFigures{
		{"2026-08", fig(0, 0, 0, 0)},
		{"2026-09", fig(2, 1, 116000+58000, 116000)},
		{"2026-10", fig(2, 1, 232000+10000, 232000)},
		{"2026-11", fig(4, 1, 100000+50000+20000+30000, 20000)},
	}
	if !reflect.DeepEqual(d.Months, wantMonths) {
		t.Errorf("months = %+v\nwant %+v", d.Months, wantMonths)
	}
	if want := fig(8, 3, 616000, 368000); d.Total != want {
		t.Errorf("total = %+v, want %+v", d.Total, want)
	}
	wantSales := []db.NamedFigures{
		{ID: b, Name: "Vendedora Dos", Figures: fig(3, 1, 232000+10000+50000, 232000)},
		{ID: a, Name: "Vendedor Uno", Figures: fig(5, 2, 116000+58000+100000+20000+30000, 136000)},
	}
	if !reflect.DeepEqual(d.Salespeople, wantSales) {
		t.Errorf("salespeople = %+v\nwant %+v", d.Salespeople, wantSales)
	}
	wantCustomers := []db.NamedFigures{
		{ID: cs[2].ID, Name: "Carla Paz", Figures: fig(0, 1, 0, 232000)},
		{ID: cs[0].ID, Name: "Ana Cruz", Figures: fig(0, 2, 0, 136000)},
	}
	if !reflect.DeepEqual(d.Customers, wantCustomers) {
		t.Errorf("customers = %+v\nwant %+v", d.Customers, wantCustomers)
	}
	// By amount quoted: VEN-A: Q1 2 × $800 + Q3 1 × $1,160 (IVA
	// incluido), both won; VEN-B: Q2 $500, revision of Q7 $430, Q10 $250
	// (Q1's optional one out); VEN-C: Q4 1 × $80, Q6 2 × $860, Q9 1 × $200
	// (exempt), Q9 won.
	wantProducts := []db.NamedFigures{
		{Code: "VEN-A", Name: "VEN-A", Figures: fig(3, 3, 80000+116000, 80000+116000)},
		{Code: "VEN-B", Name: "VEN-B", Figures: fig(3, 0, 50000+43000+25000, 0)},
		{Code: "VEN-C", Name: "VEN-C", Figures: fig(4, 1, 8000+86000+20000, 20000)},
	}
	if !reflect.DeepEqual(d.Products, wantProducts) {
		t.Errorf("products = %+v\nwant %+v", d.Products, wantProducts)
	}
	if d.Awaiting != 1 || d.AwaitingCents != 100000 {
		t.Errorf("awaiting %d, %d cents; want Q6 alone, 1 and 100000", d.Awaiting, d.AwaitingCents)
	}

	// One salesperson, a shorter range.
	d, err = fx.d.Dashboard(ctx, db.DashboardFilter{FromMonth: "2026-10", ToMonth: "2026-11", SalespersonID: b, Today: "2026-11-26"})
	if err != nil {
		t.Fatal(err)
	}
	if want := fig(3, 1, 232000+10000+50000, 232000); d.Total != want || len(d.Months) != 2 || d.Awaiting != 0 {
		t.Errorf("salesperson B, Oct–Nov: total %+v (months %d, awaiting %d), want %+v", d.Total, len(d.Months), d.Awaiting, want)
	}
	if len(d.Salespeople) != 1 || d.Salespeople[0].ID != b {
		t.Errorf("salesperson B sees %+v", d.Salespeople)
	}
}

// The counters follow every change: after status changes, edits, deletes
// and restores they equal the figures worked out from the quotes again.
func TestDashboardCountersFollowChanges(t *testing.T) {
	fx := newListFixture(t, 20)
	fx.populate(t, 150, rand2())
	ctx := context.Background()
	// Restore what the fixture deleted, edit a draft's total and lines.
	if _, err := fx.d.Writer.Exec(`UPDATE quotes SET deleted_at = NULL, deleted_by = NULL WHERE id IN (SELECT id FROM quotes WHERE deleted_at IS NOT NULL LIMIT 2)`); err != nil {
		t.Fatal(err)
	}
	var draft int64
	fx.d.Reader.QueryRow(`SELECT id FROM quotes WHERE status = 'borrador' AND superseded_by IS NULL AND deleted_at IS NULL LIMIT 1`).Scan(&draft)
	q, err := fx.d.FindQuoteByID(ctx, draft)
	if err != nil {
		t.Fatal(err)
	}
	q.Totals.Total = decimal.RequireFromString("4321.09")
	q.PriceDisplay = "iva_incluido"
	q.Items = append(q.Items, &db.QuoteItem{Kind: "producto", ProductCode: "VEN-9", Quantity: decimal.NewFromInt(4), Amount: decimal.RequireFromString("1234.56")})
	if err := fx.d.UpdateQuote(ctx, draft, q, nil, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	got, err := fx.d.Dashboard(ctx, db.DashboardFilter{FromMonth: "2025-01", ToMonth: "2027-12", Today: "2026-11-26"})
	if err != nil {
		t.Fatal(err)
	}
	// Worked out again from the quotes themselves.
	var want db.Figures
	rows, err := fx.d.Reader.Query(`SELECT count(*), coalesce(sum(status = 'aceptada'), 0), coalesce(sum(money_cents(total)), 0),
		coalesce(sum(iif(status = 'aceptada', money_cents(total), 0)), 0)
		FROM quotes WHERE deleted_at IS NULL AND superseded_by IS NULL AND status <> 'cancelada'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		rows.Scan(&want.Quoted, &want.Won, &want.QuotedCents, &want.WonCents)
	}
	rows.Close()
	if got.Total != want {
		t.Errorf("counters %+v, quotes say %+v", got.Total, want)
	}
	var products, productsWant int64
	for _, p := range got.Products {
		products += p.QuotedCents
	}
	fx.d.Reader.QueryRow(`SELECT coalesce(sum(shown_cents(i.amount, q.price_display, q.iva_rate, q.iva_exempt)), 0) FROM quote_items i JOIN quotes q ON q.id = i.quote_id
		WHERE q.deleted_at IS NULL AND q.superseded_by IS NULL AND q.status <> 'cancelada' AND i.deleted_at IS NULL AND i.optional = 0 AND i.kind = 'producto'`).Scan(&productsWant)
	if products != productsWant {
		t.Errorf("product counters %d, lines say %d", products, productsWant)
	}
}

// The top customers found from the all-time totals are those grouping the
// range's counters gives, whatever the range, salesperson and list length
// (ties included: many quotes have the same total), with the candidate
// budget spent or not; and the totals follow the counters through edits,
// deletes and restores.
func TestTopCustomersMatchGrouping(t *testing.T) {
	fx := newListFixture(t, 12)
	fx.populate(t, 300, rand2())
	ctx := context.Background()
	// A won quote of no amount, and a restore: the list must not drop
	// or misplace them.
	var won int64
	fx.d.Reader.QueryRow(`SELECT id FROM quotes WHERE status = 'aceptada' AND deleted_at IS NULL AND superseded_by IS NULL ORDER BY id LIMIT 1`).Scan(&won)
	if _, err := fx.d.Writer.Exec(`UPDATE quotes SET total = '0' WHERE id = ?`, won); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.d.Writer.Exec(`UPDATE quotes SET deleted_at = NULL, deleted_by = NULL WHERE id IN (SELECT id FROM quotes WHERE deleted_at IS NOT NULL LIMIT 2)`); err != nil {
		t.Fatal(err)
	}
	var stale int
	if err := fx.d.Reader.QueryRow(`SELECT count(*) FROM (
		SELECT salesperson_id, customer_id, won_cents FROM quote_customer_totals WHERE won_cents <> 0
		EXCEPT SELECT * FROM (SELECT salesperson_id, customer_id, sum(won_cents) AS w FROM quote_customer_stats WHERE customer_id <> 0 GROUP BY 1, 2
			UNION ALL SELECT 0, customer_id, sum(won_cents) FROM quote_customer_stats WHERE customer_id <> 0 GROUP BY 2) WHERE w <> 0)`).Scan(&stale); err != nil || stale != 0 {
		t.Fatalf("%d totals differ from the counters (%v)", stale, err)
	}
	months := []string{"2025-12", "2026-01", "2026-02", "2026-03", "2026-04"}
	var compared, fullLists int
	for _, budget := range []int{2048, 1} {
		restore := db.SetTopCustomersBudget(budget)
		for i, from := range months {
			for _, to := range months[i:] {
				for _, sp := range append([]int64{0}, fx.sales...) {
					for _, top := range []int{1, 3, 5, 20} {
						f := db.DashboardFilter{FromMonth: from, ToMonth: to, SalespersonID: sp, Today: "2026-11-26", Top: top}
						got, err := fx.d.Dashboard(ctx, f)
						if err != nil {
							t.Fatal(err)
						}
						want, err := db.GroupedTopCustomers(ctx, fx.d, f)
						if err != nil {
							t.Fatal(err)
						}
						if !slices.Equal(got.Customers, want) {
							t.Errorf("budget %d, %+v: top customers\n%v\nwant\n%v", budget, f, got.Customers, want)
						}
						compared++
						if len(want) == top {
							fullLists++
						}
					}
				}
			}
		}
		restore()
	}
	if fullLists == 0 || fullLists == compared {
		t.Errorf("%d of %d lists full: want both kinds", fullLists, compared)
	}
}

func rand2() *rand.Rand { return rand.New(rand.NewPCG(9, 10)) }

// The counters' SQL expressions give what the Go rules give: centavos of
// every amount, a line's amount as its quote shows it (pricing.WithIVA at
// 16, 8 and 0 % and exempt), and the month in Mexico City of times every
// five hours from 2019, daylight saving time included, to 2031.
func TestStatsExpressions(t *testing.T) {
	d := testutil.OpenDB(t)
	r := rand.New(rand.NewPCG(11, 12))
	for range 1000 {
		amount := decimal.New(r.Int64N(1_000_000_000), -2)
		if r.IntN(4) == 0 {
			amount = decimal.New(r.Int64N(100_000), -int32(r.IntN(3)))
		}
		for _, iva := range []string{"0.16", "0.08", "0"} {
			for _, exempt := range []int{0, 1} {
				for _, display := range []string{"mas_iva", "iva_incluido"} {
					var sqlCents, goCents int64
					err := d.Reader.QueryRow(`SELECT `+db.ShownSQL("x.amount", "x")+`, shown_cents(x.amount, x.price_display, x.iva_rate, x.iva_exempt)
						FROM (SELECT ? AS amount, ? AS price_display, ? AS iva_rate, ? AS iva_exempt) x`, amount.String(), display, iva, exempt).Scan(&sqlCents, &goCents)
					if err != nil {
						t.Fatal(err)
					}
					want := amount
					if display == "iva_incluido" {
						want = pricing.WithIVA(amount, pricing.Rates{IVA: decimal.RequireFromString(iva), IVAExempt: exempt == 1})
					}
					if sqlCents != goCents || !decimal.New(sqlCents, -2).Equal(want) {
						t.Fatalf("%s %s iva %s exempt %d: SQL %d, Go %d, want %s", amount, display, iva, exempt, sqlCents, goCents, want)
					}
				}
			}
		}
	}
	// Every five hours (each hour of the day every five days), at a random
	// minute and second.
	for at := time.Date(2019, 1, 1, 0, 30, 0, 0, time.UTC); at.Before(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)); at = at.Add(5 * time.Hour) {
		var month string
		ts := app.FormatTime(at.Add(time.Duration(r.IntN(3600e9))))
		if err := d.Reader.QueryRow(`SELECT `+db.MonthSQL("x")+` FROM (SELECT ? AS created_at) x`, ts).Scan(&month); err != nil {
			t.Fatal(err)
		}
		if t0, _ := app.ParseTime(ts); month != db.MonthOf(t0) {
			t.Fatalf("%s: SQL says %s, the zone database %s", ts, month, db.MonthOf(t0))
		}
	}
}
