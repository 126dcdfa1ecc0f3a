package pricing

import (
	"fmt"
	"math"

	"github.com/shopspring/decimal"
)

// LineKind says where a breakdown line comes from.
type LineKind string

const (
	LineBOM         LineKind = "bom"          // a line of the product's BOM
	LineChosenGlass LineKind = "vidrio"       // the glass chosen on the item, not from the BOM
	LineLabour      LineKind = "mano_de_obra" // labour by area (rate × complexity or override)
)

// LineDetail is one row of an item's cost breakdown, for the UI.
// Quantities are per single window; Cost is for all windows of the item,
// exact (the item buckets are what get rounded).
type LineDetail struct {
	Kind         LineKind
	BOMIndex     int // index in the product's BOM ordered by Order; -1 if not a BOM line
	MaterialCode string
	MaterialName string
	Role         Role
	Description  string
	Formula      string  // as written; cut lines show "count × length"
	Raw          float64 // formula value per window before clamping (metres for cut lines)
	Clamped      bool    // the formula gave a negative value, counted as 0
	CutCount     int     // cut lines: pieces per window
	CutLengthMM  int     // cut lines: length of each piece
	Waste        decimal.Decimal
	Bars         int             // compatible mode: whole bars bought per window
	Quantity     decimal.Decimal // per window, in Unit, after waste (and bars)
	Unit         Unit
	UnitPrice    decimal.Decimal
	Cost         decimal.Decimal
	Ignored      bool // compatible mode ignores the BOM's glass and labour lines
	// Packed (optimizado): the line's pieces were packed into bars with the
	// rest of the quote; Cost is its share of those bars by length, Quantity
	// the metres of bar that share stands for, per window, and Waste is zero
	// because the bars themselves carry it.
	Packed bool
}

// Buckets are an item's (or a quote's) cost by kind.
type Buckets struct {
	Profiles    decimal.Decimal
	Glass       decimal.Decimal
	Hardware    decimal.Decimal
	Consumables decimal.Decimal
	Labour      decimal.Decimal
}

// Materials is everything but labour.
func (b Buckets) Materials() decimal.Decimal {
	return b.Profiles.Add(b.Glass).Add(b.Hardware).Add(b.Consumables)
}

// Total is materials plus labour.
func (b Buckets) Total() decimal.Decimal { return b.Materials().Add(b.Labour) }

// numBuckets are Buckets while they are summed.
type numBuckets struct{ profiles, glass, hardware, consumables, labour num }

func (b *numBuckets) addRole(r Role, v num) {
	switch r {
	case RoleProfile:
		b.profiles = b.profiles.Add(v)
	case RoleGlass:
		b.glass = b.glass.Add(v)
	case RoleHardware:
		b.hardware = b.hardware.Add(v)
	case RoleLabour:
		b.labour = b.labour.Add(v)
	default:
		b.consumables = b.consumables.Add(v)
	}
}

func (b *numBuckets) add(o numBuckets) {
	b.profiles, b.glass, b.hardware = b.profiles.Add(o.profiles), b.glass.Add(o.glass), b.hardware.Add(o.hardware)
	b.consumables, b.labour = b.consumables.Add(o.consumables), b.labour.Add(o.labour)
}

func (b numBuckets) rounded() numBuckets {
	return numBuckets{b.profiles.Round(2), b.glass.Round(2), b.hardware.Round(2), b.consumables.Round(2), b.labour.Round(2)}
}

// materials and total add up as Buckets.Materials and Buckets.Total do.
func (b numBuckets) materials() num {
	return b.profiles.Add(b.glass).Add(b.hardware).Add(b.consumables)
}

func (b numBuckets) total() num { return b.materials().Add(b.labour) }

func (b numBuckets) dec(ds *decimals) Buckets {
	return Buckets{Profiles: ds.of(b.profiles), Glass: ds.of(b.glass), Hardware: ds.of(b.hardware),
		Consumables: ds.of(b.consumables), Labour: ds.of(b.labour)}
}

// compatGlassWaste is the prototype's fixed glass waste.
var compatGlassWaste = pairOf(dec("1.05"))

// itemContext is what pricing one item needs, resolved once.
type itemContext struct {
	index      int
	in         *ItemInput
	plan       *productPlan
	colour     *Colour   // nil without a colour
	glass      *Material // the glass chosen on the item, nil if none
	glassCost  num
	glassWaste pair // the chosen glass's waste factor, or 1
	dims       Dims
	glassDim   Dims
	width      num
	height     num
	areaM2     num // exact, per window
	qty        num
	mode       Mode // the mode this item is priced in (optional items never pack)
}

// piece request from an optimizado profile line, packed across the quote.
type pieceReq struct {
	material Material
	colour   string
	price    decimal.Decimal // per metre in the colour
	line     int             // index into the item's Lines
	pieces   []int           // lengths in mm, already multiplied by the item quantity
	label    string
}

// priceItem evaluates the BOM of one item into lines (appended to, within
// a capacity of len(BOM) + 2 zero LineDetails) and adds the costs to sums.
// Packed lines (optimizado) are returned as piece requests and costed later
// by the caller.
func (q *quotePricer) priceItem(ic *itemContext, lines []LineDetail, sums *numBuckets) ([]LineDetail, []pieceReq, error) {
	bom := ic.plan.lines
	var (
		reqs        []pieceReq
		glassSeen   bool
		colourPrice []pair
	)
	if ic.colour != nil {
		colourPrice = q.plans.bomPrices(q.cat, ic.plan, ic.colour)
	}
	for bi := range bom {
		l := &bom[bi]
		if !l.found {
			return nil, nil, fieldErr(fmt.Sprintf("items[%d].product_code", ic.index), "quote.bom_material_unknown",
				map[string]any{"Product": ic.plan.product.Name, "Code": l.MaterialCode})
		}
		mat, role, matCost := &l.mat, l.role, l.cost
		ld := next(&lines)
		ld.Kind, ld.BOMIndex, ld.Role, ld.Description = LineBOM, bi, role, l.Description
		ld.MaterialCode, ld.MaterialName, ld.Unit = mat.Code, mat.Name, mat.Unit
		if ic.mode == ModeCompatible && (role == RoleGlass || role == RoleLabour) {
			// The prototype charged glass by area and labour by rate instead.
			ld.Ignored = true
			ld.Formula = l.QuantityFormula
			continue
		}
		dims := &ic.dims
		if role == RoleGlass {
			glassSeen = true
			dims = &ic.glassDim
			if ic.glass != nil {
				mat, matCost = ic.glass, ic.glassCost
				ld.MaterialCode, ld.MaterialName, ld.Unit = mat.Code, mat.Name, mat.Unit
			}
		}
		net, err := q.evalLine(ic, l, mat, dims, ld)
		if err != nil {
			return nil, nil, err
		}

		price := pair{mat.Cost, matCost}
		if role == RoleProfile && ic.colour != nil {
			price = colourPrice[bi]
		}
		ld.UnitPrice = price.d

		if ic.mode == ModeOptimised && role == RoleProfile && mat.Unit == UnitML && mat.BarLengthM.IsPositive() {
			req := pieceReq{material: *mat, price: price.d, line: len(lines) - 1, label: l.Description}
			if ic.colour != nil {
				req.colour = ic.colour.Code
			}
			if req.label == "" {
				req.label = mat.Name
			}
			if req.pieces, err = q.linePieces(ic, ld, net, mat); err != nil {
				return nil, nil, err
			}
			ld.Packed = true
			reqs = append(reqs, req)
			continue
		}

		var quantity num
		switch c := l.constant; {
		case ic.mode == ModeCompatible:
			waste := l.lineWaste
			if waste.n.IsZero() {
				waste = pairOne
			}
			ld.Waste = waste.d
			quantity = net.Mul(waste.n)
			if mat.Unit == UnitML && mat.BarLengthM.IsPositive() {
				bars := quantity.CeilQuo(l.barLength)
				ld.Bars = int(bars.IntPart())
				quantity = bars.Mul(l.barLength)
			}
			ld.Quantity = q.ds.of(quantity)
		case c != nil && !l.defaultWaste && mat == &l.mat:
			// The same for every window, worked out with the plan.
			ld.Waste, ld.Quantity, quantity = l.waste.d, c.quantity.d, c.quantity.n
		default:
			waste := q.waste(l, ic, mat != &l.mat)
			ld.Waste = waste.d
			quantity = net.Mul(waste.n).Round(3)
			ld.Quantity = q.ds.of(quantity)
		}
		cost := quantity.Mul(price.n).Mul(ic.qty)
		ld.Cost = q.ds.of(cost)
		sums.addRole(role, cost)
	}

	if ic.glass != nil && (ic.mode == ModeCompatible || !glassSeen) {
		sums.glass = sums.glass.Add(q.chosenGlassLine(ic, next(&lines)))
	}
	sums.labour = sums.labour.Add(q.labourLine(ic, next(&lines)))
	return lines, reqs, nil
}

// next extends lines by one and returns the new line, which is the zero
// LineDetail already there: lines are filled field by field in their slab,
// as copying whole LineDetails costs a write barrier on every pointer in
// them while the GC runs.
func next(lines *[]LineDetail) *LineDetail {
	*lines = (*lines)[:len(*lines)+1]
	return &(*lines)[len(*lines)-1]
}

// evalLine runs the line's formula(s) for one window and returns the clamped
// net quantity (metres for cut lines), filling the breakdown fields. A
// formula that fails is the item's quote.bom_formula error, with the
// formula's own error as its reason.
func (q *quotePricer) evalLine(ic *itemContext, l *plannedLine, mat *Material, dims *Dims, ld *LineDetail) (num, error) {
	net, _, err := l.net(dims, ld)
	if err != nil {
		fe := fieldErr(fmt.Sprintf("items[%d]", ic.index), "quote.bom_formula",
			map[string]any{"Material": mat.Name, "Product": ic.plan.product.Name, "Reason": err})
		fe.Err = err
		return numZero, fe
	}
	return net, nil
}

// bomFormula names one of a BOM line's formulas, so that a failure can say
// which one failed.
type bomFormula int

const (
	bomQuantity bomFormula = iota
	bomCutCount
	bomCutLength
)

// net is the BOM-line rule every window's line goes through, in quotes and
// when a product is validated: the formula (or the cut count and length,
// the count rounded up to whole pieces and the length to whole mm) for one
// window, clamped at 0, as an exact quantity (metres for cut lines). It
// fills the breakdown fields; on failure it returns the formula's own
// *FormulaError and which formula it was.
func (l *plannedLine) net(dims *Dims, ld *LineDetail) (num, bomFormula, error) {
	if l.err != nil {
		return numZero, bomQuantity, l.err
	}
	if c := l.constant; c != nil {
		ld.Formula, ld.Raw, ld.Clamped = l.QuantityFormula, c.raw, c.clamped
		return c.net, bomQuantity, nil
	}
	var raw float64
	if l.hasCuts() {
		count, err := l.count.eval(dims)
		if err != nil {
			return numZero, bomCutCount, err
		}
		length, err := l.size.eval(dims)
		if err != nil {
			return numZero, bomCutLength, err
		}
		// A piece count is whole; 2.0000000001 from float noise is still 2.
		n := math.Ceil(math.Round(math.Max(0, count)*1e6) / 1e6)
		mm := math.Round(math.Max(0, length))
		if n > maxFormulaMagnitude {
			return numZero, bomCutCount, formulaErr("formula.too_large", 0, "")
		}
		if mm > maxFormulaMagnitude {
			return numZero, bomCutLength, formulaErr("formula.too_large", 0, "")
		}
		ld.CutCount, ld.CutLengthMM = int(n), int(mm)
		ld.Formula = l.cutFormula
		ld.Clamped = count < 0 || length < 0
		raw = n * mm / 1000
	} else {
		if l.qty == nil {
			return numZero, bomQuantity, formulaErr("formula.empty", 0, "")
		}
		v, err := l.qty.eval(dims)
		if err != nil {
			return numZero, bomQuantity, err
		}
		ld.Formula = l.QuantityFormula
		raw = v
	}
	ld.Raw = raw
	if raw < 0 {
		ld.Clamped = true // DOMAIN.md: a negative result counts as 0
		raw = 0
	}
	net, err := numFromFormula(raw)
	if err != nil {
		which := bomQuantity
		if l.hasCuts() {
			which = bomCutCount // count × length outgrew the limit; the count multiplies
		}
		return numZero, which, err
	}
	return net, bomQuantity, nil
}

// MaxQuotePieces bounds the cuts one optimizado quote may ask for, so a
// mistaken count formula (say width_mm instead of 2) cannot exhaust memory.
const MaxQuotePieces = 20_000

// linePieces lists the cuts of a packed line for all windows of the item.
// A line given as metres (no cut count/length) is packed as one piece of
// that length per window, split into usable-bar chunks when longer.
func (q *quotePricer) linePieces(ic *itemContext, ld *LineDetail, net num, mat *Material) ([]int, error) {
	windows := ic.in.Quantity
	count, length, last := lineCuts(ld, net, int(numOf(mat.BarLengthM).Mul(numThousand).IntPart())-2*q.cut.TrimMM)
	perWindow := count
	if last > 0 {
		perWindow++
	}
	if perWindow > MaxQuotePieces || perWindow*windows > MaxQuotePieces-q.pieces {
		return nil, fieldErr(fmt.Sprintf("items[%d]", ic.index), "quote.too_many_pieces",
			map[string]any{"Max": MaxQuotePieces})
	}
	q.pieces += perWindow * windows
	return cutLengths(count, length, last, windows), nil
}

// lineCuts is how one window's packed line is cut: count pieces of length,
// then one of last. A line given as cuts is its cuts; one given as metres
// (net) is one piece, split into usable-bar chunks when longer.
func lineCuts(ld *LineDetail, net num, usable int) (count, length, last int) {
	if ld.CutCount > 0 && ld.CutLengthMM > 0 {
		return ld.CutCount, ld.CutLengthMM, 0
	}
	mm := int(net.Mul(numThousand).Round(0).IntPart())
	if mm <= 0 {
		return 0, 0, 0
	}
	if usable > 0 && mm > usable {
		count, length = (mm-1)/usable, usable
		return count, length, mm - count*usable
	}
	return 0, 0, mm
}

// cutLengths lists the lengths of windows windows cut as lineCuts says.
func cutLengths(count, length, last, windows int) []int {
	perWindow := count
	if last > 0 {
		perWindow++
	}
	out := make([]int, 0, perWindow*windows)
	for range windows {
		for range count {
			out = append(out, length)
		}
		if last > 0 {
			out = append(out, last)
		}
	}
	return out
}

// waste is the factor for por_metro/optimizado: the line's, else the
// material's (the chosen glass's when it stands in for the line's), else the
// company default for profiles and 1 ("as counted") for everything else.
func (q *quotePricer) waste(l *plannedLine, ic *itemContext, substituted bool) pair {
	switch {
	case substituted && !l.lineWaste.n.IsPositive():
		return ic.glassWaste
	case l.defaultWaste:
		return q.profileWaste
	}
	return l.waste
}

// chosenGlassLine charges the glass chosen on the item by area and returns
// the cost. In compatible mode it is the prototype's area × price × 1.05;
// otherwise it is used only when the BOM has no glass line, over the
// deducted glass area.
func (q *quotePricer) chosenGlassLine(ic *itemContext, ld *LineDetail) num {
	g := ic.glass
	ld.Kind, ld.BOMIndex, ld.Role, ld.Formula = LineChosenGlass, -1, RoleGlass, "area_m2"
	ld.MaterialCode, ld.MaterialName, ld.Unit, ld.UnitPrice = g.Code, g.Name, g.Unit, g.Cost
	area := ic.areaM2
	var quantity num
	if ic.mode == ModeCompatible {
		ld.Waste = compatGlassWaste.d
		quantity = area.Mul(compatGlassWaste.n)
	} else {
		area = glassArea(ic)
		ld.Waste = ic.glassWaste.d
		quantity = area.Mul(ic.glassWaste.n).Round(3)
	}
	cost := quantity.Mul(ic.glassCost).Mul(ic.qty)
	ld.Raw, ld.Quantity, ld.Cost = area.toFloat(), q.ds.of(quantity), q.ds.of(cost)
	return cost
}

// positive is v if v > 0, else 0, as decimal.Max(zero, v).
func positive(v num) num {
	if v.IsPositive() {
		return v
	}
	return numZero
}

// glassArea is the glass area per window after the frame deductions.
func glassArea(ic *itemContext) num {
	w := positive(ic.width.Sub(ic.plan.deductW))
	h := positive(ic.height.Sub(ic.plan.deductH))
	return w.Mul(h).Shift(-6)
}

// labourLine is area × (rate × complexity), or area × the quote's override
// rate, which replaces rate and complexity as in the prototype. It returns
// the cost.
func (q *quotePricer) labourLine(ic *itemContext, ld *LineDetail) num {
	rate := ic.plan.labourRate
	if q.labourOverride != nil {
		rate = *q.labourOverride
	}
	cost := ic.areaM2.Mul(rate.n).Mul(ic.qty)
	ld.Kind, ld.BOMIndex, ld.Role, ld.Formula, ld.Unit = LineLabour, -1, RoleLabour, "area_m2", UnitM2
	ld.Raw, ld.Quantity, ld.Waste = ic.areaM2.toFloat(), q.ds.of(ic.areaM2), one
	ld.UnitPrice, ld.Cost = rate.d, q.ds.of(cost)
	return cost
}
