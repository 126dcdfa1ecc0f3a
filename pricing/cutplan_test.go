package pricing

import (
	"math/rand/v2"
	"testing"
)

func TestPackWithOffcutsUsesThemFirst(t *testing.T) {
	s := DefaultCutSettings()
	// Two 1500 mm pieces and a 3000: the 1600 mm offcut takes one 1500
	// (1500 ≤ 1600), the 1200 mm one takes nothing and stays in stock, the
	// rest fit one new bar.
	in := []Piece{{LengthMM: 3000, Label: "a"}, {LengthMM: 1500, Label: "b"}, {LengthMM: 1500, Label: "c"}}
	p, err := PackWithOffcuts(6100, in, []Offcut{{ID: 7, LengthMM: 1600}, {ID: 9, LengthMM: 1200}}, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Bars) != 2 || p.Bars[0].OffcutID != 7 || p.Bars[1].OffcutID != 0 || p.NewBars() != 1 {
		t.Fatalf("bars %+v; want offcut 7 then one new bar", p.Bars)
	}
	b := p.Bars[0]
	// 1600 − 1500 − 4 kerf = 96 mm left, not reusable; no trim on an offcut.
	if len(b.Pieces) != 1 || b.Pieces[0].LengthMM != 1500 || b.StockMM != 1600 || b.OffcutMM != 96 || b.Reusable {
		t.Errorf("offcut bar = %+v", b)
	}
	if nb := p.Bars[1]; nb.StockMM != 6100 || len(nb.Pieces) != 2 || nb.Pieces[0].LengthMM != 3000 {
		t.Errorf("new bar = %+v, want 3000 then 1500, longest first", nb)
	}
	if !p.Optimal || p.LowerBound != 1 || p.PiecesMM != 6000 {
		t.Errorf("bound %d optimal %v pieces %d", p.LowerBound, p.Optimal, p.PiecesMM)
	}
	// An offcut fitted exactly: 2 × 1000 + 4 kerf = 2004 ≤ 2004.
	p, _ = PackWithOffcuts(6100, pieces(1000, 1000), []Offcut{{ID: 1, LengthMM: 2004}}, s)
	if len(p.Bars) != 1 || p.Bars[0].OffcutID != 1 || p.Bars[0].OffcutMM != 0 || p.NewBars() != 0 {
		t.Errorf("exact fit: %+v", p.Bars)
	}
}

// TestPackWithOffcutsRandom: every piece cut once, no offcut or bar over
// its length, no offcut used twice, never more new bars than without
// offcuts.
func TestPackWithOffcutsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	s := DefaultCutSettings()
	for job := range 300 {
		in := pieces()
		for i := range 1 + rng.IntN(60) {
			in = append(in, Piece{LengthMM: 300 + rng.IntN(2700), Line: i})
		}
		var stock []Offcut
		for i := range rng.IntN(6) {
			stock = append(stock, Offcut{ID: int64(i + 1), LengthMM: 500 + rng.IntN(3000)})
		}
		plain, err := PackBars(6100, in, s)
		if err != nil {
			t.Fatal(err)
		}
		p, err := PackWithOffcuts(6100, in, stock, s)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int]int{}
		usedStock := map[int64]bool{}
		for _, b := range p.Bars {
			usable := b.StockMM
			if b.OffcutID == 0 {
				usable -= 2 * s.TrimMM
			} else if usedStock[b.OffcutID] {
				t.Fatalf("job %d: offcut %d used twice", job, b.OffcutID)
			}
			usedStock[b.OffcutID] = true
			used := 0
			for k, pc := range b.Pieces {
				seen[pc.Line]++
				used += pc.LengthMM
				if k > 0 {
					used += s.KerfMM
				}
			}
			if used > usable {
				t.Fatalf("job %d: %d mm cut from %d usable (%+v)", job, used, usable, b)
			}
		}
		for i := range in {
			if seen[i] != 1 {
				t.Fatalf("job %d: piece %d cut %d times", job, i, seen[i])
			}
		}
		if p.NewBars() > len(plain.Bars) {
			t.Fatalf("job %d: %d new bars with offcuts, %d without", job, p.NewBars(), len(plain.Bars))
		}
	}
}

func TestLinePiecesMatchesOptimizado(t *testing.T) {
	// A line of cuts: 2 × 1180 per window, 3 windows.
	got, err := LinePieces(&LineDetail{CutCount: 2, CutLengthMM: 1180, Raw: 2.36}, 3, 6100, 10)
	if err != nil || len(got) != 6 || got[0] != 1180 {
		t.Fatalf("cuts: %v, %v", got, err)
	}
	// A line in metres longer than a bar: 7.5 m → 6080 (usable) + 1420.
	got, _ = LinePieces(&LineDetail{Raw: 7.5}, 1, 6100, 10)
	if len(got) != 2 || got[0] != 6080 || got[1] != 1420 {
		t.Errorf("metres: %v, want [6080 1420]", got)
	}
	// A negative formula counts as nothing.
	if got, _ = LinePieces(&LineDetail{Raw: -1}, 2, 6100, 10); len(got) != 0 {
		t.Errorf("negative: %v", got)
	}
}
