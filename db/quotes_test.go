package db_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/db"
	"cotizador/pricing"
)

func quoteDB(t *testing.T) (*db.DB, *app.FakeClock, int64) {
	t.Helper()
	d := openTestDB(t)
	if _, err := d.MigrateUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock := app.NewFakeClock(time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC))
	d.Clock = clock
	u := &db.User{Email: "v@t.mx", Name: "Vendedor", PasswordHash: "x"}
	if err := d.Setup(context.Background(), "Taller", u, "test"); err != nil {
		t.Fatal(err)
	}
	return d, clock, u.ID
}

func sampleQuote(salesperson int64) *db.Quote {
	return &db.Quote{
		Customer:      db.CustomerSnapshot{Name: "Juana Pérez", Phone: "5512345678"},
		SalespersonID: salesperson, Mode: pricing.ModeByMetre, Rates: pricing.DefaultRates(),
		PriceDisplay: "mas_iva", DimensionUnit: "cm", Cut: pricing.DefaultCutSettings(), ValidUntil: "2026-12-11",
		Totals: pricing.Totals{Total: decimal.RequireFromString("3926.67")},
		Items: []*db.QuoteItem{{Kind: "producto", ProductCode: "PROTO-COR-3", WidthMM: decimal.NewFromInt(1500), HeightMM: decimal.NewFromInt(1200),
			Quantity: decimal.NewFromInt(1), Location: "Recámara 1", Cost: decimal.RequireFromString("2417.90"),
			Breakdown: []pricing.LineDetail{{MaterialCode: "PER-NAC3-RS", Formula: "width_m", Cost: decimal.RequireFromString("312")}}}},
	}
}

// 50 quotes created at once get 50 consecutive folios: no duplicate, no gap.
func TestConcurrentFolios(t *testing.T) {
	d, _, sp := quoteDB(t)
	const n = 50
	var wg sync.WaitGroup
	folios := make([]string, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			q := sampleQuote(sp)
			errs[i] = d.CreateQuote(context.Background(), q, "COT", nil, "test")
			folios[i] = q.Folio
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("quote %d: %v", i, err)
		}
	}
	sort.Strings(folios)
	for i, f := range folios {
		if want := fmt.Sprintf("COT-2026-%04d", i+1); f != want {
			t.Fatalf("folio %d = %s, want %s (sorted: %v)", i, f, want, folios)
		}
	}
}

func TestFolioYearAndPrefix(t *testing.T) {
	d, clock, sp := quoteDB(t)
	ctx := context.Background()
	create := func(prefix string) string {
		q := sampleQuote(sp)
		if err := d.CreateQuote(ctx, q, prefix, nil, "test"); err != nil {
			t.Fatal(err)
		}
		return q.Folio
	}
	if got := create("COT"); got != "COT-2026-0001" {
		t.Errorf("first = %s", got)
	}
	if got := create("VTA"); got != "VTA-2026-0001" {
		t.Errorf("other prefix = %s", got)
	}
	// 31 Dec 2026 20:00 in Mexico City is already 2027 in UTC: the year is Mexico's.
	clock.Set(time.Date(2027, 1, 1, 2, 0, 0, 0, time.UTC))
	if got := create("COT"); got != "COT-2026-0002" {
		t.Errorf("New Year's Eve in Mexico = %s, want COT-2026-0002", got)
	}
	clock.Set(time.Date(2027, 1, 1, 7, 0, 0, 0, time.UTC))
	if got := create("COT"); got != "COT-2027-0001" {
		t.Errorf("new year = %s", got)
	}
}

func TestQuoteRoundTripAndRevisions(t *testing.T) {
	d, _, sp := quoteDB(t)
	ctx := context.Background()
	q := sampleQuote(sp)
	if err := d.CreateQuote(ctx, q, "COT", nil, "test"); err != nil {
		t.Fatal(err)
	}
	got, err := d.FindQuoteByFolio(ctx, "COT-2026-0001")
	if err != nil {
		t.Fatal(err)
	}
	if got.Customer.Name != "Juana Pérez" || got.Totals.Total.String() != "3926.67" || len(got.Items) != 1 ||
		got.Items[0].Location != "Recámara 1" || got.Items[0].Breakdown[0].Formula != "width_m" || got.SalespersonName != "Vendedor" {
		t.Fatalf("round trip = %+v", got)
	}

	t.Run("draft edits in place", func(t *testing.T) {
		got.Notes = "con mosquitero"
		got.Items = append(got.Items, &db.QuoteItem{Kind: "material", MaterialCode: "VID-TEMP-6", Quantity: decimal.RequireFromString("2.5")})
		if err := d.UpdateQuote(ctx, got.ID, got, nil, "test"); err != nil {
			t.Fatal(err)
		}
		again, _ := d.FindQuoteByID(ctx, got.ID)
		if again.Notes != "con mosquitero" || len(again.Items) != 2 || again.Items[1].Quantity.String() != "2.5" {
			t.Errorf("after update = %+v", again)
		}
	})
	t.Run("transitions", func(t *testing.T) {
		if err := d.SetQuoteStatus(ctx, got.ID, db.StatusAccepted, "test"); app.ErrorCode(err) != app.ECONFLICT {
			t.Errorf("borrador → aceptada: %v, want a conflict", err)
		}
		if err := d.SetQuoteStatus(ctx, got.ID, db.StatusSent, "test"); err != nil {
			t.Fatal(err)
		}
		if err := d.UpdateQuote(ctx, got.ID, got, nil, "test"); app.ErrorCode(err) != app.ECONFLICT {
			t.Errorf("editing a sent quote: %v, want locked", err)
		}
		if err := d.SetQuoteStatus(ctx, got.ID, db.StatusAccepted, "test"); err != nil {
			t.Fatal(err)
		}
		for _, to := range []string{db.StatusSent, db.StatusRejected, db.StatusDraft} {
			if err := d.SetQuoteStatus(ctx, got.ID, to, "test"); app.ErrorCode(err) != app.ECONFLICT {
				t.Errorf("aceptada → %s: %v, want a conflict", to, err)
			}
		}
	})
	t.Run("revision keeps the folio", func(t *testing.T) {
		rev, err := d.CreateRevision(ctx, got.ID, "2026-12-20", "test")
		if err != nil {
			t.Fatal(err)
		}
		if rev.DisplayFolio() != "COT-2026-0001-R2" || rev.Status != db.StatusDraft || len(rev.Items) != 2 {
			t.Fatalf("revision = %s %s %d items", rev.DisplayFolio(), rev.Status, len(rev.Items))
		}
		latest, _ := d.FindQuoteByFolio(ctx, "COT-2026-0001")
		if latest.Revision != 2 {
			t.Errorf("folio without suffix gives revision %d, want the latest", latest.Revision)
		}
		first, err := d.FindQuoteByFolio(ctx, "COT-2026-0001-R1")
		if err != nil || first.Status != db.StatusAccepted || first.SupersededBy != rev.ID {
			t.Errorf("earlier revision = %+v, %v", first, err)
		}
		if _, err := d.CreateRevision(ctx, got.ID, "2026-12-20", "test"); app.ErrorCode(err) != app.ECONFLICT {
			t.Errorf("revising a superseded revision: %v", err)
		}
		page, err := d.FindQuotes(ctx, db.QuoteFilter{Today: "2026-11-26"})
		if err != nil || page.Count != 1 || len(page.Quotes) != 1 || page.Quotes[0].Revision != 2 {
			t.Errorf("list shows %+v (%v), want only the latest revision", page, err)
		}
	})
}

func TestExpiry(t *testing.T) {
	d, clock, sp := quoteDB(t)
	ctx := context.Background()
	q := sampleQuote(sp)
	q.ValidUntil = "2026-12-11"
	if err := d.CreateQuote(ctx, q, "COT", nil, "test"); err != nil {
		t.Fatal(err)
	}
	if err := d.SetQuoteStatus(ctx, q.ID, db.StatusSent, "test"); err != nil {
		t.Fatal(err)
	}
	// 11 Dec 23:30 in Mexico City: still valid.
	clock.Set(time.Date(2026, 12, 12, 5, 30, 0, 0, time.UTC))
	got, _ := d.FindQuoteByID(ctx, q.ID)
	if s := got.EffectiveStatus(db.Today(clock.Now())); s != db.StatusSent {
		t.Errorf("on its last day: %s", s)
	}
	clock.Set(time.Date(2026, 12, 12, 6, 30, 0, 0, time.UTC))
	if s := got.EffectiveStatus(db.Today(clock.Now())); s != db.StatusExpired {
		t.Errorf("the day after: %s, want vencida", s)
	}
	if page, err := d.FindQuotes(ctx, db.QuoteFilter{Status: db.StatusExpired, Today: db.Today(clock.Now())}); err != nil || page.Count != 1 || page.Quotes[0].ID != q.ID {
		t.Errorf("vencida filter found %+v, %v", page, err)
	}
	if err := d.SetQuoteStatus(ctx, q.ID, db.StatusAccepted, "test"); app.ErrorCode(err) != app.ECONFLICT {
		t.Errorf("accepting an expired quote: %v, want a conflict", err)
	}
	if err := d.SetQuoteStatus(ctx, q.ID, db.StatusCancelled, "test"); err != nil {
		t.Errorf("cancelling an expired quote: %v", err)
	}
}

// A new customer is written in the quote's own transaction: when the quote
// cannot be saved, no customer is left behind (the editor used to create
// the customer first, in a transaction of its own).
func TestQuoteWithNewCustomerIsOneTransaction(t *testing.T) {
	d, _, sp := quoteDB(t)
	ctx := context.Background()
	count := func() int {
		var n int
		if err := d.Reader.QueryRowContext(ctx, `SELECT count(*) FROM customers`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	bad := sampleQuote(sp + 1000) // no such salesperson: the quote's insert fails
	if err := d.CreateQuote(ctx, bad, "COT", &db.Customer{Name: "Cliente huérfano"}, "test"); err == nil {
		t.Fatal("a quote for an unknown salesperson was saved")
	}
	if got := count(); got != before {
		t.Errorf("customers %d → %d after a failed save: an orphan customer was left", before, got)
	}
	good := sampleQuote(sp)
	cu := &db.Customer{Name: "Cliente nuevo"}
	if err := d.CreateQuote(ctx, good, "COT", cu, "test"); err != nil {
		t.Fatal(err)
	}
	if cu.ID == 0 || good.CustomerID != cu.ID || count() != before+1 {
		t.Errorf("customer id %d, quote's customer %d, customers %d", cu.ID, good.CustomerID, count())
	}
}
