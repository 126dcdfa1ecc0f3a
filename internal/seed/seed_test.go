package seed_test

import (
	"context"
	"testing"
	"time"

	"cotizador/internal/seed"
	"cotizador/internal/testutil"
)

// BenchmarkGenerate writes 1,000 quotes for 400 customers per iteration
// into a fresh database (go test -bench Generate ./internal/seed/).
func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		d := testutil.OpenDB(b)
		start := time.Now()
		res, err := seed.Generate(context.Background(), d, seed.Options{Quotes: 1000, Customers: 400})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Quotes)/time.Since(start).Seconds(), "quotes/s")
	}
}
