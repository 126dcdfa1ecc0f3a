package pricing

import (
	"math"
	"sort"

	"github.com/shopspring/decimal"
)

// What the workshop needs of the cut optimiser besides PackBars: the
// pieces of a line as a saved quote keeps it, a material's bar in mm, and
// plans that cut offcuts in stock first.

// BarLengthMM is the material's bar (tramo) in whole mm; 0 when it is not
// sold by the bar.
func (m Material) BarLengthMM() int {
	return int(m.BarLengthM.Mul(decimal.NewFromInt(1000)).Round(0).IntPart())
}

// LinePieces lists the cuts of a profile line of a priced item (its
// LineDetail, as a saved quote keeps it) for all windows of the item,
// exactly as optimizado packs them: the line's cuts, or one piece of its
// metres split into usable-bar chunks.
func LinePieces(ld *LineDetail, windows, barLengthMM, trimMM int) ([]int, error) {
	net, err := numFromFormula(math.Max(0, ld.Raw))
	if err != nil {
		return nil, err
	}
	count, length, last := lineCuts(ld, net, barLengthMM-2*trimMM)
	return cutLengths(count, length, last, windows), nil
}

// Offcut is a piece of bar in stock (retazo), LengthMM usable: both its
// ends are clean (a saw cut, and the end of a bar already trimmed), so it
// takes no trim.
type Offcut struct {
	ID       int64
	LengthMM int
}

// PackWithOffcuts cuts pieces from offcuts first and packs the rest into
// new bars of barLengthMM. Offcuts are filled shortest first (a long one
// can still take what a short one cannot), each with the subset of the
// pieces left that fills it best; an offcut nothing fits is not used. The
// bars from offcuts come first in the plan, with their OffcutID, and
// LowerBound and Optimal speak of the new bars for the pieces they hold.
// Should the offcuts ever leave more new bars to buy than no offcuts at
// all (the packing is a heuristic), the plan without them is returned.
func PackWithOffcuts(barLengthMM int, pieces []Piece, offcuts []Offcut, s CutSettings) (Packing, error) {
	plain, err := PackBars(barLengthMM, pieces, s)
	if err != nil || len(offcuts) == 0 || len(plain.Bars) == 0 {
		return plain, err
	}
	s = plain.Settings
	stock := append([]Offcut(nil), offcuts...)
	sort.SliceStable(stock, func(i, j int) bool { return stock[i].LengthMM < stock[j].LengthMM })
	rest := make([]Piece, 0, len(pieces))
	for _, p := range pieces {
		if p.LengthMM > 0 {
			rest = append(rest, p)
		}
	}
	sort.SliceStable(rest, func(i, j int) bool { return rest[i].LengthMM > rest[j].LengthMM })
	var fromStock []Bar
	var dp subsetSum
	for _, o := range stock {
		capacity := o.LengthMM + s.KerfMM
		var cand []int
		var sizes []int
		for i, p := range rest {
			if sz := p.LengthMM + s.KerfMM; sz <= capacity && len(cand) < dpMaxItems {
				cand, sizes = append(cand, i), append(sizes, sz)
			}
		}
		chosen := dp.best(sizes, capacity)
		if len(chosen) == 0 {
			continue
		}
		take := make([]bool, len(rest))
		for _, k := range chosen {
			take[cand[k]] = true
		}
		bar := Bar{StockMM: o.LengthMM, OffcutID: o.ID}
		left := rest[:0:0]
		slack := capacity
		for i, p := range rest {
			if !take[i] {
				left = append(left, p)
				continue
			}
			bar.Pieces = append(bar.Pieces, p) // rest is longest first: the cutting order
			bar.UsedMM += p.LengthMM
			slack -= p.LengthMM + s.KerfMM
		}
		bar.OffcutMM = max(0, slack-s.KerfMM)
		bar.Reusable = bar.OffcutMM > 0 && bar.OffcutMM >= s.MinOffcutMM
		fromStock = append(fromStock, bar)
		rest = left
	}
	if len(fromStock) == 0 {
		return plain, nil
	}
	fresh, err := PackBars(barLengthMM, rest, s)
	if err != nil {
		return Packing{}, err
	}
	if len(fresh.Bars) > len(plain.Bars) {
		return plain, nil
	}
	out := fresh
	out.Bars = append(fromStock, fresh.Bars...)
	total := 0
	out.PiecesMM, out.ReusableMM = 0, 0
	for _, b := range out.Bars {
		total += b.StockMM
		out.PiecesMM += b.UsedMM
		if b.Reusable {
			out.ReusableMM += b.OffcutMM
		}
	}
	out.WastePct = RoundMoney(decimal.NewFromInt(int64(total - out.PiecesMM)).Mul(hundred).
		Div(decimal.NewFromInt(int64(total))))
	return out, nil
}

// NewBars counts the bars of the plan that are bought, not offcuts.
func (p Packing) NewBars() int {
	n := 0
	for _, b := range p.Bars {
		if b.OffcutID == 0 {
			n++
		}
	}
	return n
}
