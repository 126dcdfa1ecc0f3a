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

func (b Buckets) add(o Buckets) Buckets {
	return Buckets{
		Profiles: b.Profiles.Add(o.Profiles), Glass: b.Glass.Add(o.Glass), Hardware: b.Hardware.Add(o.Hardware),
		Consumables: b.Consumables.Add(o.Consumables), Labour: b.Labour.Add(o.Labour),
	}
}

func (b Buckets) rounded() Buckets {
	return Buckets{
		Profiles: RoundMoney(b.Profiles), Glass: RoundMoney(b.Glass), Hardware: RoundMoney(b.Hardware),
		Consumables: RoundMoney(b.Consumables), Labour: RoundMoney(b.Labour),
	}
}

func (b *Buckets) addRole(r Role, v decimal.Decimal) {
	switch r {
	case RoleProfile:
		b.Profiles = b.Profiles.Add(v)
	case RoleGlass:
		b.Glass = b.Glass.Add(v)
	case RoleHardware:
		b.Hardware = b.Hardware.Add(v)
	case RoleLabour:
		b.Labour = b.Labour.Add(v)
	default:
		b.Consumables = b.Consumables.Add(v)
	}
}

// compatGlassWaste is the prototype's fixed glass waste.
var compatGlassWaste = dec("1.05")

// itemContext is what pricing one item needs, resolved once.
type itemContext struct {
	index    int
	in       ItemInput
	product  Product
	colour   *Colour
	glass    *Material
	dims     Dims
	glassDim Dims
	areaM2   decimal.Decimal // exact, per window
	qty      decimal.Decimal
	mode     Mode // the mode this item is priced in (optional items never pack)
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

// plannedLine is a BOM line resolved once per quote: its material, role and
// compiled formulas, shared by every item of the same product.
type plannedLine struct {
	BOMLine
	mat              Material
	found            bool
	role             Role
	qty, count, size *Formula
	err              error // a formula that does not compile
}

// plan resolves a product's BOM, memoised per quote.
func (q *quotePricer) plan(p Product) []plannedLine {
	if pl, ok := q.plans[p.Code]; ok {
		return pl
	}
	bom := p.sortedBOM()
	pl := make([]plannedLine, len(bom))
	for i, l := range bom {
		pl[i].BOMLine = l
		pl[i].mat, pl[i].found = q.cat.Material(l.MaterialCode)
		pl[i].role = l.Role
		if pl[i].role == "" {
			pl[i].role = roleForCategory(pl[i].mat.Category)
		}
		compile := func(src string) *Formula {
			if src == "" || pl[i].err != nil {
				return nil
			}
			f, err := CompileFormula(src)
			if err != nil {
				pl[i].err = err
			}
			return f
		}
		if l.hasCuts() {
			pl[i].count, pl[i].size = compile(l.CutCountFormula), compile(l.CutLengthFormula)
		} else {
			pl[i].qty = compile(l.QuantityFormula)
		}
	}
	if q.plans == nil {
		q.plans = make(map[string][]plannedLine)
	}
	q.plans[p.Code] = pl
	return pl
}

// priceItem evaluates the BOM of one item. Packed lines (optimizado) are
// returned as piece requests and costed later by the caller.
func (q *quotePricer) priceItem(ic *itemContext) ([]LineDetail, []pieceReq, error) {
	bom := q.plan(ic.product)
	var (
		lines     = make([]LineDetail, 0, len(bom)+2)
		reqs      []pieceReq
		glassSeen bool
	)
	for bi := range bom {
		l := &bom[bi]
		if !l.found {
			return nil, nil, fieldErr(fmt.Sprintf("items[%d].product_code", ic.index), "quote.bom_material_unknown",
				map[string]any{"Product": ic.product.Name, "Code": l.MaterialCode})
		}
		mat, role := l.mat, l.role
		ld := LineDetail{
			Kind: LineBOM, BOMIndex: bi, MaterialCode: mat.Code, MaterialName: mat.Name, Role: role,
			Description: l.Description, Unit: mat.Unit,
		}
		if ic.mode == ModeCompatible && (role == RoleGlass || role == RoleLabour) {
			// The prototype charged glass by area and labour by rate instead.
			ld.Ignored = true
			ld.Formula = l.QuantityFormula
			lines = append(lines, ld)
			continue
		}
		dims := ic.dims
		if role == RoleGlass {
			glassSeen = true
			dims = ic.glassDim
			if ic.glass != nil {
				mat = *ic.glass
				ld.MaterialCode, ld.MaterialName, ld.Unit = mat.Code, mat.Name, mat.Unit
			}
		}
		net, err := q.evalLine(ic, l, mat, dims, &ld)
		if err != nil {
			return nil, nil, err
		}

		price := mat.Cost
		if role == RoleProfile {
			price = q.colourPrice(mat, ic.colour)
		}
		ld.UnitPrice = price

		if ic.mode == ModeOptimised && role == RoleProfile && mat.Unit == UnitML && mat.BarLengthM.IsPositive() {
			req := pieceReq{material: mat, price: price, line: len(lines), label: l.Description}
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
			lines = append(lines, ld)
			reqs = append(reqs, req)
			continue
		}

		var quantity decimal.Decimal
		if ic.mode == ModeCompatible {
			ld.Waste = l.WasteFactor
			if ld.Waste.IsZero() {
				ld.Waste = one
			}
			quantity = net.Mul(ld.Waste)
			if mat.Unit == UnitML && mat.BarLengthM.IsPositive() {
				bars := quantity.Div(mat.BarLengthM).Ceil()
				ld.Bars = int(bars.IntPart())
				quantity = bars.Mul(mat.BarLengthM)
			}
		} else {
			ld.Waste = q.waste(l, mat, role)
			quantity = RoundQty(net.Mul(ld.Waste))
		}
		ld.Quantity = quantity
		ld.Cost = quantity.Mul(price).Mul(ic.qty)
		lines = append(lines, ld)
	}

	if ic.glass != nil && (ic.mode == ModeCompatible || !glassSeen) {
		lines = append(lines, q.chosenGlassLine(ic))
	}
	lines = append(lines, q.labourLine(ic))
	return lines, reqs, nil
}

// evalLine runs the line's formula(s) for one window and returns the clamped
// net quantity (metres for cut lines), filling the breakdown fields.
func (q *quotePricer) evalLine(ic *itemContext, l *plannedLine, mat Material, dims Dims, ld *LineDetail) (decimal.Decimal, error) {
	fail := func(err error) error {
		fe := fieldErr(fmt.Sprintf("items[%d]", ic.index), "quote.bom_formula",
			map[string]any{"Material": mat.Name, "Product": ic.product.Name, "Reason": err.Error()})
		fe.Err = err
		return fe
	}
	if l.err != nil {
		return zero, fail(l.err)
	}
	var raw float64
	if l.hasCuts() {
		count, err := l.count.Eval(dims)
		if err != nil {
			return zero, fail(err)
		}
		length, err := l.size.Eval(dims)
		if err != nil {
			return zero, fail(err)
		}
		// A piece count is whole; 2.0000000001 from float noise is still 2.
		n := math.Ceil(math.Round(math.Max(0, count)*1e6) / 1e6)
		mm := math.Round(math.Max(0, length))
		if n > maxFormulaMagnitude || mm > maxFormulaMagnitude {
			return zero, fail(formulaErr("formula.too_large", 0, ""))
		}
		ld.CutCount, ld.CutLengthMM = int(n), int(mm)
		ld.Formula = l.CutCountFormula + " × " + l.CutLengthFormula
		ld.Clamped = count < 0 || length < 0
		raw = n * mm / 1000
	} else {
		if l.qty == nil {
			return zero, fail(formulaErr("formula.empty", 0, ""))
		}
		v, err := l.qty.Eval(dims)
		if err != nil {
			return zero, fail(err)
		}
		ld.Formula = l.QuantityFormula
		raw = v
	}
	ld.Raw = raw
	if raw < 0 {
		ld.Clamped = true // DOMAIN.md: a negative result counts as 0
		raw = 0
	}
	net, err := decimalFromFormula(raw)
	if err != nil {
		return zero, fail(err)
	}
	return net, nil
}

// MaxQuotePieces bounds the cuts one optimizado quote may ask for, so a
// mistaken count formula (say width_mm instead of 2) cannot exhaust memory.
const MaxQuotePieces = 20_000

// linePieces lists the cuts of a packed line for all windows of the item.
// A line given as metres (no cut count/length) is packed as one piece of
// that length per window, split into usable-bar chunks when longer.
func (q *quotePricer) linePieces(ic *itemContext, ld LineDetail, net decimal.Decimal, mat Material) ([]int, error) {
	windows := ic.in.Quantity
	count, length, last := 0, 0, 0 // count pieces of length, then one of last
	if ld.CutCount > 0 && ld.CutLengthMM > 0 {
		count, length = ld.CutCount, ld.CutLengthMM
	} else if mm := int(net.Mul(mmPerM).Round(0).IntPart()); mm > 0 {
		last = mm
		if usable := int(mat.BarLengthM.Mul(mmPerM).IntPart()) - 2*q.cut.TrimMM; usable > 0 && mm > usable {
			count, length = (mm-1)/usable, usable
			last = mm - count*usable
		}
	}
	perWindow := count
	if last > 0 {
		perWindow++
	}
	if perWindow > MaxQuotePieces || perWindow*windows > MaxQuotePieces-q.pieces {
		return nil, fieldErr(fmt.Sprintf("items[%d]", ic.index), "quote.too_many_pieces",
			map[string]any{"Max": MaxQuotePieces})
	}
	q.pieces += perWindow * windows
	out := make([]int, 0, perWindow*windows)
	for range windows {
		for range count {
			out = append(out, length)
		}
		if last > 0 {
			out = append(out, last)
		}
	}
	return out, nil
}

// waste picks the factor for por_metro/optimizado: the line's, else the
// material's, else the company default for profiles and 1 ("as counted")
// for everything else.
func (q *quotePricer) waste(l *plannedLine, mat Material, role Role) decimal.Decimal {
	switch {
	case l.WasteFactor.IsPositive():
		return l.WasteFactor
	case mat.WasteFactor.IsPositive():
		return mat.WasteFactor
	case role == RoleProfile:
		return q.rates.ProfileWaste
	}
	return one
}

// colourPrice is a profile's price in a colour: the explicit price if there
// is one, else base cost × the colour's factor (exact, not rounded: rounding
// happens once, on the item's buckets).
func (q *quotePricer) colourPrice(mat Material, colour *Colour) decimal.Decimal {
	if colour == nil {
		return mat.Cost
	}
	k := colourKey{mat.Code, colour.Code}
	if p, ok := q.prices[k]; ok {
		return p
	}
	p, ok := q.cat.ColourPrice(mat.Code, colour.Code)
	switch {
	case ok:
	case colour.Factor.IsZero():
		p = mat.Cost
	default:
		p = mat.Cost.Mul(colour.Factor)
	}
	if q.prices == nil {
		q.prices = make(map[colourKey]decimal.Decimal)
	}
	q.prices[k] = p
	return p
}

// chosenGlassLine charges the glass chosen on the item by area. In
// compatible mode it is the prototype's area × price × 1.05; otherwise it is
// used only when the BOM has no glass line, over the deducted glass area.
func (q *quotePricer) chosenGlassLine(ic *itemContext) LineDetail {
	g := ic.glass
	ld := LineDetail{
		Kind: LineChosenGlass, BOMIndex: -1, MaterialCode: g.Code, MaterialName: g.Name, Role: RoleGlass,
		Formula: "area_m2", Unit: g.Unit, UnitPrice: g.Cost,
	}
	area := ic.areaM2
	if ic.mode == ModeCompatible {
		ld.Waste = compatGlassWaste
		ld.Quantity = area.Mul(ld.Waste)
	} else {
		area = glassArea(ic)
		ld.Waste = g.WasteFactor
		if !ld.Waste.IsPositive() {
			ld.Waste = one
		}
		ld.Quantity = RoundQty(area.Mul(ld.Waste))
	}
	ld.Raw = area.InexactFloat64()
	ld.Cost = ld.Quantity.Mul(g.Cost).Mul(ic.qty)
	return ld
}

// glassArea is the glass area per window after the frame deductions.
func glassArea(ic *itemContext) decimal.Decimal {
	w := decimal.Max(zero, ic.in.WidthMM.Sub(ic.product.GlassDeductWMM))
	h := decimal.Max(zero, ic.in.HeightMM.Sub(ic.product.GlassDeductHMM))
	return w.Mul(h).Shift(-6)
}

// labourLine is area × (rate × complexity), or area × the quote's override
// rate, which replaces rate and complexity as in the prototype.
func (q *quotePricer) labourLine(ic *itemContext) LineDetail {
	ld := LineDetail{Kind: LineLabour, BOMIndex: -1, Role: RoleLabour, Formula: "area_m2", Unit: UnitM2,
		Raw: ic.areaM2.InexactFloat64(), Quantity: ic.areaM2, Waste: one}
	if q.labourOverride != nil {
		ld.UnitPrice = *q.labourOverride
	} else {
		c := ic.product.Complexity
		if c.IsZero() {
			c = one
		}
		ld.UnitPrice = ic.product.LabourRateM2.Mul(c)
	}
	ld.Cost = ic.areaM2.Mul(ld.UnitPrice).Mul(ic.qty)
	return ld
}
