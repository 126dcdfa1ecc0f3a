package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/db"
	"cotizador/pricing"
)

// pricedQuote is a realistic quote: four windows of the prototype's
// catalogue priced by the pricing engine, with their full breakdowns, for a
// customer with all their data.
func pricedQuote(tb testing.TB, salesperson int64) *db.Quote {
	tb.Helper()
	in := pricing.QuoteInput{Mode: pricing.ModeByMetre, Rates: pricing.DefaultRates(), Items: []pricing.ItemInput{
		{ProductCode: "PROTO-COR-3", ColourCode: "BLA", GlassCode: "VID-CLARO-6", WidthMM: decimal.NewFromInt(1500), HeightMM: decimal.NewFromInt(1200), Quantity: 2},
		{ProductCode: "PROTO-COR-3", ColourCode: "NAT", GlassCode: "VID-CLARO-6", WidthMM: decimal.NewFromInt(2400), HeightMM: decimal.NewFromInt(1500), Quantity: 1},
		{ProductCode: "PROTO-FIJ-3", ColourCode: "NAT", GlassCode: "VID-TEMP-6", WidthMM: decimal.NewFromInt(900), HeightMM: decimal.NewFromInt(600), Quantity: 3},
		{ProductCode: "PROTO-PRO-35", ColourCode: "NEG", GlassCode: "VID-LAMINADO-6", WidthMM: decimal.NewFromInt(600), HeightMM: decimal.NewFromInt(500), Quantity: 2},
	}}
	res, err := pricing.PriceQuote(pricing.PrototypeSeedCatalog(), in)
	if err != nil {
		tb.Fatal(err)
	}
	q := &db.Quote{
		Customer: db.CustomerSnapshot{Name: "María Guadalupe Núñez Ibarra", RFC: "NUIM850214AB1", Email: "lupita@correo.mx",
			Phone: "5512345678", Address: "Av. Insurgentes Sur 1234, Col. Del Valle, Benito Juárez, CDMX"},
		SalespersonID: salesperson, Mode: pricing.ModeByMetre, Rates: pricing.DefaultRates(), PriceDisplay: "mas_iva", DimensionUnit: "cm",
		Cut: pricing.DefaultCutSettings(), ValidUntil: "2026-12-11", Totals: res.Totals, PricedAt: time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC),
		Conditions: "Vigencia: 15 días. Anticipo del 50 % y saldo contra entrega. Entrega de 15 a 20 días hábiles.",
	}
	for i, it := range res.Items {
		q.Items = append(q.Items, &db.QuoteItem{Kind: "producto", ProductCode: it.ProductCode, ProductName: it.ProductName, ColourCode: it.ColourCode,
			GlassCode: it.GlassCode, WidthMM: it.WidthMM, HeightMM: it.HeightMM, Quantity: decimal.NewFromInt(int64(it.Quantity)),
			Location: []string{"Recámara principal", "Sala", "Baño", "Cocina"}[i], Buckets: it.Buckets, Cost: it.Cost, Amount: it.Amount,
			UnitPrice: it.UnitPrice, Breakdown: it.Lines})
	}
	return q
}

// quoteStorage is the bytes n quotes take, each created, sent and
// accepted, with or without the audit triggers.
func quoteStorage(t *testing.T, audited bool, n int) (quotes, audit int64) {
	d, _, owner := auditDB(t)
	ctx := context.Background()
	if !audited {
		if err := db.DropAuditTriggers(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	size := func() int64 {
		var pages, pageSize int64
		d.Reader.QueryRow(`PRAGMA page_count`).Scan(&pages)
		d.Reader.QueryRow(`PRAGMA page_size`).Scan(&pageSize)
		return pages * pageSize
	}
	var auditBefore int64
	d.Reader.QueryRow(`SELECT count(*) FROM audit_log`).Scan(&auditBefore)
	start := size()
	for range n {
		q := pricedQuote(t, owner.ID)
		if err := d.CreateQuote(ctx, q, "COT", nil, app.UserActor(owner.ID)); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{db.StatusSent, db.StatusAccepted} {
			if err := d.SetQuoteStatus(ctx, q.ID, s, app.UserActor(owner.ID)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var entries int64
	d.Reader.QueryRow(`SELECT count(*) FROM audit_log`).Scan(&entries)
	if audited != (entries-auditBefore == int64(n*(1+4+2))) {
		t.Fatalf("audited %v: %d new entries for %d quotes", audited, entries-auditBefore, n)
	}
	return size() - start, entries - auditBefore
}

// An audited quote costs at most about twice its own storage: the
// breakdowns, most of a quote's bytes, are recorded by their SHA-256,
// updates record only the columns that changed, and images are stored
// packed (auditpack.go). Measured on the file's pages, indexes included.
func TestAuditedQuoteStorage(t *testing.T) {
	const n = 150
	plain, _ := quoteStorage(t, false, n)
	audited, entries := quoteStorage(t, true, n)
	ratio := float64(audited) / float64(plain)
	t.Logf("%d quotes of 4 windows, each created, sent and accepted: %d bytes without audit, %d with it (%d entries): ×%.2f, %.1f KiB of audit per quote",
		n, plain, audited, entries, ratio, float64(audited-plain)/n/1024)
	// ×1.89 with packed images; ×2.78 when they were JSON text.
	if ratio > 2.0 {
		t.Errorf("an audited quote takes ×%.2f its own storage, want at most ×2", ratio)
	}
}

// BenchmarkQuoteSave saves a four-window quote with and without the audit
// triggers (the README reports both).
func BenchmarkQuoteSave(b *testing.B) {
	for _, audited := range []bool{false, true} {
		name := "without_triggers"
		if audited {
			name = "with_triggers"
		}
		b.Run(name, func(b *testing.B) {
			d, _, owner := auditDB(b)
			ctx := context.Background()
			if !audited {
				if err := db.DropAuditTriggers(ctx, d); err != nil {
					b.Fatal(err)
				}
			}
			qs := make([]*db.Quote, b.N)
			for i := range qs {
				qs[i] = pricedQuote(b, owner.ID)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := d.CreateQuote(ctx, qs[i], "COT", nil, app.UserActor(owner.ID)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAuditVerify1M verifies a chain of a million entries (target:
// under 10 s).
func BenchmarkAuditVerify1M(b *testing.B) {
	d, _, _ := auditDB(b)
	ctx := context.Background()
	start := time.Now()
	if err := db.FillAudit(ctx, d, 1_000_000, true); err != nil {
		b.Fatal(err)
	}
	b.Logf("filled 1,000,000 entries in %v", time.Since(start))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := d.VerifyAudit(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if !v.OK() || v.Count < 1_000_000 {
			b.Fatalf("verify: %d entries, broken %+v", v.Count, v.Broken)
		}
	}
}
