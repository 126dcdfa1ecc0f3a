package pricing_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/catalogio"
	"cotizador/pricing"
)

// The optimiser's quality over many jobs, as the README's table reports
// it: random jobs of sliding and fixed windows cut by the demo catalogue's
// own formulas into 6.10 m bars (4 mm kerf, 10 mm trim).

// demoCatalog is the demo catalogue as the pricer reads it.
func demoCatalog(t testing.TB) *pricing.MemCatalog {
	t.Helper()
	ch, err := catalogio.Demo()
	if err != nil {
		t.Fatal(err)
	}
	var mats []pricing.Material
	for _, m := range ch.Materials {
		mats = append(mats, m.Material.Material)
	}
	var cols []pricing.Colour
	for _, c := range ch.Colours {
		cols = append(cols, c.Colour.Colour)
	}
	var prices []pricing.ColourPrice
	for _, p := range ch.ColourPrices {
		prices = append(prices, p.ColourPrice)
	}
	var prods []pricing.Product
	for _, p := range ch.Products {
		prods = append(prods, p.Product.Product)
	}
	cat, err := pricing.NewMemCatalog(mats, cols, prods, prices)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// qualityProducts are the demo catalogue's sliding and fixed windows.
var qualityProducts = []string{"VEN-COR-L2-2H", "VEN-COR-L3-2H", "VEN-FIJ-L3"}

var qualityCut = pricing.CutSettings{KerfMM: 4, TrimMM: 10, MinOffcutMM: 500}

// randomJob is n windows drawn from qualityProducts, each in a size of its
// product's range to the centimetre (as typed), one colour: the pieces of
// each profile as the demo BOM's cut formulas give them.
func randomJob(t testing.TB, cat *pricing.MemCatalog, n int, rng *rand.Rand) [][]pricing.Piece {
	t.Helper()
	in := pricing.QuoteInput{Mode: pricing.ModeOptimised, Cut: qualityCut}
	for range n {
		code := qualityProducts[rng.IntN(len(qualityProducts))]
		p, _ := cat.Product(code)
		w := draw(rng, p.MinWidthMM, p.MaxWidthMM)
		h := draw(rng, p.MinHeightMM, p.MaxHeightMM)
		in.Items = append(in.Items, pricing.ItemInput{ProductCode: code, WidthMM: w, HeightMM: h, Quantity: 1})
	}
	groups, err := pricing.CutPlan(cat, in)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]pricing.Piece
	for _, g := range groups {
		var ps []pricing.Piece
		for _, b := range g.Bars {
			ps = append(ps, b.Pieces...)
		}
		out = append(out, ps)
	}
	return out
}

func draw(rng *rand.Rand, lo, hi decimal.Decimal) decimal.Decimal {
	a, b := int(lo.IntPart())/10, int(hi.IntPart())/10
	return decimal.NewFromInt(int64(10 * (a + rng.IntN(b-a+1))))
}

// quality is the outcome of the jobs of one size.
type quality struct {
	jobs, atL2, proven, aboveL2, aboveBound, worseThanFFD int
	time, worst                                           time.Duration
}

// measureQuality packs jobs random jobs of n windows (seeded by n), checks
// every plan (each piece once, no bar over its length, never more bars
// than first-fit decreasing, never fewer than the bound) and counts.
func measureQuality(t testing.TB, cat *pricing.MemCatalog, n, jobs int) quality {
	rng := rand.New(rand.NewPCG(uint64(n), 13))
	q := quality{jobs: jobs}
	for range jobs {
		job := randomJob(t, cat, n, rng)
		var bars, bound, l2, ffd int
		start := time.Now()
		plans := make([]pricing.Packing, len(job))
		for i, ps := range job {
			p, err := pricing.PackBars(6100, ps, qualityCut)
			if err != nil {
				t.Fatal(err)
			}
			plans[i] = p
		}
		d := time.Since(start)
		q.time += d
		q.worst = max(q.worst, d)
		for i, p := range plans {
			checkPlan(t, job[i], p)
			bars += len(p.Bars)
			bound += p.LowerBound
			l2 += p.LowerBoundL2
			ffd += pricing.FFDBarsForTest(6100, job[i], qualityCut)
		}
		if bars == l2 {
			q.atL2++
		}
		if bars == bound {
			q.proven++
		}
		q.aboveL2 += bars - l2
		q.aboveBound += bars - bound
		if bars > ffd {
			q.worseThanFFD++
		}
	}
	return q
}

// checkPlan fails unless every piece is cut exactly once and no bar holds
// more than its usable length (pieces plus a kerf between each two).
func checkPlan(t testing.TB, pieces []pricing.Piece, p pricing.Packing) {
	t.Helper()
	want := map[pricing.Piece]int{}
	for _, pc := range pieces {
		want[pc]++
	}
	usable := p.BarLengthMM - 2*p.Settings.TrimMM
	for i, b := range p.Bars {
		used := 0
		for k, pc := range b.Pieces {
			want[pc]--
			used += pc.LengthMM
			if k > 0 {
				used += p.Settings.KerfMM
			}
		}
		if used > usable {
			t.Fatalf("bar %d holds %d mm of %d usable", i, used, usable)
		}
	}
	for pc, n := range want {
		if n != 0 {
			t.Fatalf("piece %+v cut %d times too few", pc, n)
		}
	}
	if len(p.Bars) < p.LowerBound || p.LowerBound < p.LowerBoundL2 {
		t.Fatalf("%d bars, bound %d, L2 %d", len(p.Bars), p.LowerBound, p.LowerBoundL2)
	}
}

// TestOptimiserNeverWorseThanFFD runs 50 demo jobs of each size through
// the same checks as the benchmark: every piece once, no overflow, never
// worse than first-fit decreasing on any job.
func TestOptimiserNeverWorseThanFFD(t *testing.T) {
	if testing.Short() {
		t.Skip("packs 200 jobs")
	}
	cat := demoCatalog(t)
	for _, n := range []int{10, 20, 40, 80} {
		if q := measureQuality(t, cat, n, 50); q.worseThanFFD > 0 {
			t.Errorf("%d windows: %d jobs worse than FFD", n, q.worseThanFFD)
		}
	}
}

// BenchmarkOptimiserQuality reports, per job size, over 200 random jobs:
// the share whose plan equals the L2 bound, the share proven optimal (the
// plan equals the best bound proven), mean bars above each, jobs worse
// than FFD, and the packing time per job (all profiles of the job).
//
//	go test ./pricing -run '^$' -bench OptimiserQuality -benchtime 1x
func BenchmarkOptimiserQuality(b *testing.B) {
	cat := demoCatalog(b)
	for _, n := range []int{10, 20, 40, 80} {
		b.Run(fmt.Sprintf("windows=%d", n), func(b *testing.B) {
			var q quality
			for b.Loop() {
				q = measureQuality(b, cat, n, 200)
			}
			jobs := float64(q.jobs)
			b.ReportMetric(100*float64(q.atL2)/jobs, "%atL2")
			b.ReportMetric(100*float64(q.proven)/jobs, "%optimal")
			b.ReportMetric(float64(q.aboveL2)/jobs, "bars>L2/job")
			b.ReportMetric(float64(q.aboveBound)/jobs, "bars>bound/job")
			b.ReportMetric(float64(q.worseThanFFD), "worse-than-FFD")
			b.ReportMetric(float64(q.time.Microseconds())/jobs/1000, "ms/job")
			b.ReportMetric(float64(q.worst.Microseconds())/1000, "worst-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}
