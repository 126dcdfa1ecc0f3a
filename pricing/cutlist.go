package pricing

import (
	"fmt"
	"math/bits"
	"slices"
	"sort"

	"github.com/shopspring/decimal"
)

// Cut optimisation: 1-D bin packing of profile pieces into bars.
//
// Model: a bar of L mm loses TrimMM at each end, leaving U = L − 2·trim.
// Every piece costs its length plus one saw kerf, and the bar is given one
// extra kerf of capacity (C = U + kerf): n pieces then need Σlen + (n−1)·kerf
// ≤ U, and the cut that frees the last piece may fall in the end trim, which
// is scrap anyway. All lengths are whole millimetres.

// CutSettings are the workshop's saw parameters.
type CutSettings struct {
	KerfMM      int // saw blade width
	TrimMM      int // squared off each end of a bar
	MinOffcutMM int // offcuts at least this long are kept for reuse
}

// DefaultCutSettings: 4 mm kerf, 10 mm trim per end, keep offcuts ≥ 500 mm.
func DefaultCutSettings() CutSettings {
	return CutSettings{KerfMM: 4, TrimMM: 10, MinOffcutMM: 500}
}

// orDefault treats an all-zero value as "not set"; once any field is set the
// others are taken literally (a shop may really trim 0 mm).
func (s CutSettings) orDefault() CutSettings {
	if s == (CutSettings{}) {
		return DefaultCutSettings()
	}
	return s
}

// Piece is one cut to make. Item and Line say where it comes from (quote
// item index and BOM line index); Label is for the workshop sheet.
type Piece struct {
	LengthMM int
	Item     int
	Line     int
	Label    string
}

// Bar is one bar to cut, or an offcut from stock (PackWithOffcuts).
type Bar struct {
	Pieces   []Piece
	UsedMM   int  // Σ piece lengths
	OffcutMM int  // left after the last cut, end trim excluded
	Reusable bool // OffcutMM ≥ MinOffcutMM
	// StockMM is the length cut from: the bar's, or the offcut's.
	StockMM int
	// OffcutID is the offcut the pieces come from; 0 for a new bar.
	OffcutID int64
}

// Packing is the cut plan of one profile (in one colour).
type Packing struct {
	BarLengthMM int
	Settings    CutSettings
	Bars        []Bar
	PiecesMM    int // Σ piece lengths
	ReusableMM  int // Σ reusable offcuts
	// WastePct is the share of the bought bars not in pieces (kerf, trim and
	// offcuts, reusable or not), rounded to 0.01 %.
	WastePct decimal.Decimal
	// LowerBound is the best lower bound on the number of bars proven: the
	// Martello–Toth L2 bound, Fekete and Schepers' dual feasible functions,
	// or one more when an exhaustive search showed that many bars cannot
	// hold the pieces. When len(Bars) equals it the plan is proven optimal.
	LowerBound int
	// LowerBoundL2 is the L2 bound alone.
	LowerBoundL2 int
	Optimal      bool
}

// PieceTooLongError says a piece cannot be cut from one bar.
type PieceTooLongError struct {
	Piece    Piece
	UsableMM int
}

func (e *PieceTooLongError) Error() string {
	// For logs: PriceQuote turns it into the quote.piece_too_long message.
	return fmt.Sprintf("piece of %d mm longer than the usable bar (%d mm)", e.Piece.LengthMM, e.UsableMM)
}

// dpMaxItems caps the pieces one bar's subset-sum looks at, so a huge job
// stays fast; pieces are offered largest first and no more copies of a length
// than could fit, so the cap only bites on jobs of hundreds of small pieces.
const dpMaxItems = 512

// PackBars packs pieces into bars of barLengthMM (see packSizes for how)
// and says how far the plan can be from the best: the lower bound, and
// Optimal when the plan meets it. The same pieces always give the same
// plan. Each bar lists its pieces longest first, the order they are cut.
func PackBars(barLengthMM int, pieces []Piece, s CutSettings) (Packing, error) {
	s = s.orDefault()
	// Bad settings are the settings' fault, not a piece's: a *FieldError on
	// "cut", which PriceQuote hands on as it is.
	if s.KerfMM < 0 || s.TrimMM < 0 || s.MinOffcutMM < 0 {
		return Packing{}, fieldErr("cut", "quote.cut_negative", nil)
	}
	usable := barLengthMM - 2*s.TrimMM
	if usable <= 0 {
		return Packing{}, fieldErr("cut", "quote.cut_bar_short", map[string]any{"Bar": barLengthMM, "Trim": s.TrimMM})
	}
	capacity := usable + s.KerfMM
	ps := make([]Piece, 0, len(pieces))
	for _, p := range pieces {
		if p.LengthMM <= 0 {
			continue
		}
		if p.LengthMM > usable {
			return Packing{}, &PieceTooLongError{Piece: p, UsableMM: usable}
		}
		ps = append(ps, p)
	}
	// Longest first; ties in input order so the plan is deterministic.
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].LengthMM > ps[j].LengthMM })
	sizes := make([]int, len(ps))
	for i, p := range ps {
		sizes[i] = p.LengthMM + s.KerfMM
	}
	bins, bound, l2 := packSizes(sizes, capacity)

	out := Packing{BarLengthMM: barLengthMM, Settings: s, LowerBound: bound, LowerBoundL2: l2}
	for _, bin := range bins {
		bar := Bar{Pieces: make([]Piece, len(bin)), StockMM: barLengthMM}
		slack := capacity
		for k, i := range bin {
			bar.Pieces[k] = ps[i]
			bar.UsedMM += ps[i].LengthMM
			slack -= sizes[i]
		}
		bar.OffcutMM = max(0, slack-s.KerfMM)
		bar.Reusable = bar.OffcutMM > 0 && bar.OffcutMM >= s.MinOffcutMM
		if bar.Reusable {
			out.ReusableMM += bar.OffcutMM
		}
		out.PiecesMM += bar.UsedMM
		out.Bars = append(out.Bars, bar)
	}
	out.Optimal = len(out.Bars) == out.LowerBound
	out.WastePct = zero
	if total := len(out.Bars) * barLengthMM; total > 0 {
		out.WastePct = RoundMoney(decimal.NewFromInt(int64(total - out.PiecesMM)).Mul(hundred).
			Div(decimal.NewFromInt(int64(total))))
	}
	return out, nil
}

// searchNodes bounds the bins the search for the bound tries per profile:
// about 10 µs each, so at most ≈ 80 ms for a profile of 100+ pieces whose
// bound is out of reach (rare; most plans meet the bound at once).
var searchNodes = 8000

// searchMaxItems: a profile of more pieces gets no search. A bin costs a
// subset-sum table over every piece left, so thousands of pieces would
// take seconds; and so many short pieces fill bars well enough that the
// first plans almost always meet the bound.
const searchMaxItems = 400

// packSizes packs sizes (sorted largest first) into bins of capacity and
// returns the bins (indexes into sizes, largest first: the cutting order),
// the best lower bound proven and the L2 bound alone. Plans: best-fit
// subsets bar by bar (MBS') and first-fit decreasing, the better of the
// two; while that is above the bound, a search looks for a plan at the
// bound, and a search that tried every way and found none raises the bound
// by one.
func packSizes(sizes []int, capacity int) (bins [][]int, bound, l2 int) {
	bins = packMBS(sizes, capacity)
	if ffd := packFFD(sizes, capacity); len(ffd) < len(bins) {
		bins = ffd
	}
	l2 = lowerBoundL2(sizes, capacity)
	bound = max(l2, lowerBoundDFF(sizes, capacity))
	for len(bins) > bound && len(sizes) <= searchMaxItems {
		found, res := searchToBound(sizes, capacity, bound, searchNodes)
		if res == searchImpossible {
			bound++
			continue
		}
		if res == searchFound {
			bins = found
		}
		break
	}
	for _, b := range bins {
		slices.Sort(b)
	}
	return bins, bound, l2
}

// packFFD is first-fit decreasing over sizes sorted largest first.
func packFFD(sizes []int, capacity int) [][]int {
	var bins [][]int
	var free []int
	for i, sz := range sizes {
		placed := false
		for b := range bins {
			if free[b] >= sz {
				bins[b] = append(bins[b], i)
				free[b] -= sz
				placed = true
				break
			}
		}
		if !placed {
			bins = append(bins, []int{i})
			free = append(free, capacity-sz)
		}
	}
	return bins
}

// packMBS fills one bar at a time: the largest remaining item, then the
// subset of the rest that best fills what is left. sizes are sorted
// largest first.
func packMBS(sizes []int, capacity int) [][]int {
	remaining := make([]int, len(sizes))
	for i := range remaining {
		remaining[i] = i
	}
	var bins [][]int
	var dp subsetSum
	for len(remaining) > 0 {
		first := remaining[0]
		rest := remaining[1:]
		left := capacity - sizes[first]

		// Offer the DP no more copies of a size than could fit, up to the cap.
		var cand []int // positions in rest
		perSize := map[int]int{}
		for k, i := range rest {
			sz := sizes[i]
			if sz > left || len(cand) >= dpMaxItems {
				continue
			}
			if perSize[sz] >= left/sz {
				continue
			}
			perSize[sz]++
			cand = append(cand, k)
		}
		candSizes := make([]int, len(cand))
		for x, k := range cand {
			candSizes[x] = sizes[rest[k]]
		}
		chosen := dp.best(candSizes, left)

		bin := []int{first}
		take := make([]bool, len(rest))
		for _, x := range chosen {
			take[cand[x]] = true
			bin = append(bin, rest[cand[x]])
		}
		next := rest[:0:0]
		for k, i := range rest {
			if !take[k] {
				next = append(next, i)
			}
		}
		remaining = next
		bins = append(bins, bin)
	}
	return bins
}

// subsetSum finds a subset of sizes with the largest sum ≤ limit using one
// bitset of reachable sums per item (reach_i = reach_{i−1} | reach_{i−1} << s_i),
// then walks back: item i is in the subset iff the sum was not reachable
// without it. Buffers are reused across bars.
type subsetSum struct {
	buf []uint64
}

func (d *subsetSum) best(sizes []int, limit int) []int {
	if limit <= 0 || len(sizes) == 0 {
		return nil
	}
	words := limit/64 + 1
	need := (len(sizes) + 1) * words
	if cap(d.buf) < need {
		d.buf = make([]uint64, need)
	}
	buf := d.buf[:need]
	clear(buf[:words])
	layer := func(i int) []uint64 { return buf[i*words : (i+1)*words] }
	layer(0)[0] = 1 // sum 0
	lastBit := uint(limit % 64)
	topMask := uint64(1)<<(lastBit+1) - 1
	if lastBit == 63 {
		topMask = ^uint64(0)
	}
	n := len(sizes)
	used := n // layers actually computed
	for i, sz := range sizes {
		prev, cur := layer(i), layer(i+1)
		shiftOr(cur, prev, sz)
		cur[words-1] &= topMask
		if cur[limit/64]>>(limit%64)&1 == 1 {
			used = i + 1 // perfect fill: stop early
			break
		}
	}
	top := layer(used)
	s := -1
	for w := words - 1; w >= 0 && s < 0; w-- {
		if top[w] != 0 {
			s = w*64 + 63 - bits.LeadingZeros64(top[w])
		}
	}
	var chosen []int
	for i := used; i > 0 && s > 0; i-- {
		prev := layer(i - 1)
		if prev[s/64]>>(s%64)&1 == 0 {
			chosen = append(chosen, i-1)
			s -= sizes[i-1]
		}
	}
	return chosen
}

// shiftOr sets dst = src | src<<shift over equal-length bitsets.
func shiftOr(dst, src []uint64, shift int) {
	ws, bs := shift/64, uint(shift%64)
	for w := len(dst) - 1; w >= 0; w-- {
		v := src[w]
		if j := w - ws; j >= 0 {
			sh := src[j] << bs
			if bs != 0 && j-1 >= 0 {
				sh |= src[j-1] >> (64 - bs)
			}
			v |= sh
		}
		dst[w] = v
	}
}

// lowerBoundL2 is Martello and Toth's L2 bound for bin packing: for each
// threshold K ≤ C/2, items bigger than C−K need a bin each, items in
// (C/2, C−K] also need a bin each, and items in [K, C/2] must fill what the
// latter leave free or open new bins.
func lowerBoundL2(sizes []int, capacity int) int {
	if len(sizes) == 0 {
		return 0
	}
	total := 0
	for _, s := range sizes {
		total += s
	}
	best := (total + capacity - 1) / capacity // L1
	ks := map[int]bool{0: true}
	for _, s := range sizes {
		if 2*s <= capacity {
			ks[s] = true
		}
	}
	for k := range ks {
		n1, n2, sum2, sum3 := 0, 0, 0, 0
		for _, s := range sizes {
			switch {
			case s > capacity-k:
				n1++
			case 2*s > capacity:
				n2++
				sum2 += s
			case s >= k:
				sum3 += s
			}
		}
		extra := sum3 - (n2*capacity - sum2)
		lb := n1 + n2
		if extra > 0 {
			lb += (extra + capacity - 1) / capacity
		}
		best = max(best, lb)
	}
	return best
}

// lowerBoundDFF is Fekete and Schepers' bound from the dual feasible
// functions u⁽ᵏ⁾: an item of size s counts s/C when (k+1)·s/C is whole,
// else ⌊(k+1)·s/C⌋/k, and no bin holds more than 1 of those; it catches
// what L2 misses when items between C/(k+1) and C/k cannot share bins
// (three pieces just over a third of a bar). k runs to 20: beyond that the
// counts are the sizes themselves, which L1 already gives.
func lowerBoundDFF(sizes []int, capacity int) int {
	best := 0
	for k := 1; k <= 20; k++ {
		sum := 0 // Σ u⁽ᵏ⁾ × k·C
		for _, s := range sizes {
			if (k+1)*s%capacity == 0 {
				sum += k * s
			} else {
				sum += (k + 1) * s / capacity * capacity
			}
		}
		best = max(best, (sum+k*capacity-1)/(k*capacity))
	}
	return best
}
