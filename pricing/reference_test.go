package pricing

// This file is a frozen copy of the decimal-only pricer (quote.go and bom.go
// as of commit 471c2e8, before the int64 fast paths), renamed with a ref
// prefix. It is the oracle of the differential tests: the production pricer
// must return exactly what this one returns, field by field. Change it only
// together with a deliberate change of the pricing rules.

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"
)

var (
	refZero                = decimal.Zero
	refOne                 = decimal.NewFromInt(1)
	refMMPerM              = decimal.NewFromInt(1000)
	refMaxWaste            = decimal.NewFromInt(3)
	refDefaultProfileWaste = dec("1.10")
)

func refRoundMoney(d decimal.Decimal) decimal.Decimal { return refRoundHalfUp(d, 2) }
func refRoundQty(d decimal.Decimal) decimal.Decimal   { return refRoundHalfUp(d, 3) }

func refRoundHalfUp(d decimal.Decimal, places int32) decimal.Decimal {
	if d.Exponent() >= -places {
		return d
	}
	if d.Sign() < 0 {
		return d.Neg().Round(places).Neg()
	}
	return d.Round(places)
}

func refDecimalFromFormula(v float64) (decimal.Decimal, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return refZero, formulaErr("formula.not_finite", 0, "")
	}
	if math.Abs(v) > maxFormulaMagnitude {
		return refZero, formulaErr("formula.too_large", 0, "")
	}
	c, exp := int64(math.Round(v*1e6)), int32(-6)
	for exp < 0 && c%10 == 0 {
		c /= 10
		exp++
	}
	return decimal.New(c, exp), nil
}

func refToFloat(d decimal.Decimal) float64 {
	exp := d.Exponent()
	if exp <= 0 && exp >= -22 && d.NumDigits() <= 15 {
		return float64(d.CoefficientInt64()) / pow10[-exp]
	}
	return d.InexactFloat64()
}

func refNewDims(widthMM, heightMM decimal.Decimal, hojas, quantity int) Dims {
	wm := widthMM.Shift(-3)
	hm := heightMM.Shift(-3)
	return Dims{
		WidthMM: refToFloat(widthMM), HeightMM: refToFloat(heightMM),
		WidthCM: refToFloat(widthMM.Shift(-1)), HeightCM: refToFloat(heightMM.Shift(-1)),
		WidthM: refToFloat(wm), HeightM: refToFloat(hm),
		AreaM2:     refToFloat(wm.Mul(hm)),
		PerimeterM: refToFloat(wm.Add(hm).Mul(decimal.NewFromInt(2))),
		Hojas:      float64(hojas), Quantity: float64(quantity),
	}
}

// refEval runs the compiled expr program directly, as Formula.Eval did.
func refEval(f *Formula, d Dims) (float64, error) {
	env := formulaEnv{
		WidthMM: d.WidthMM, HeightMM: d.HeightMM, WidthCM: d.WidthCM, HeightCM: d.HeightCM,
		WidthM: d.WidthM, HeightM: d.HeightM, AreaM2: d.AreaM2, PerimeterM: d.PerimeterM,
		Hojas: d.Hojas, Quantity: d.Quantity, Math: mathNS,
	}
	var machine vm.VM
	out, err := machine.Run(f.prog, &env)
	if errors.Is(err, errRoundDigits) { // its own message since errors carry keys, not texts
		return 0, formulaErr("formula.round_digits", 0, "")
	}
	if err != nil {
		return 0, formulaErr("formula.eval", 0, evalReason(err))
	}
	v, ok := out.(float64)
	if !ok {
		return 0, formulaErr("formula.eval", 0, fmt.Sprintf("%T", out))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, formulaErr("formula.not_finite", 0, "")
	}
	return v, nil
}

var (
	refMaxProfitRate = decimal.NewFromInt(10)
	refMaxDimension  = decimal.NewFromInt(MaxDimensionMM)
)

type refPricer struct {
	cat            Catalog
	rates          Rates
	labourOverride *decimal.Decimal
	cut            CutSettings
	plans          map[string][]refPlannedLine // by product code
	prices         map[colourKey]decimal.Decimal
	pieces         int // cuts requested so far (optimizado)
}

// refPriceQuote prices a quote against the catalogue. Input problems come back
// as FieldErrors (Spanish, one per field) and nothing is priced.
func refPriceQuote(cat Catalog, in QuoteInput) (*QuoteResult, error) {
	mode := in.Mode
	if mode == "" {
		mode = ModeByMetre
	}
	rates := in.Rates
	if rates.ProfileWaste.IsZero() {
		rates.ProfileWaste = refDefaultProfileWaste
	}
	errs := refValidateQuote(cat, in, mode, rates)
	ctxs, itemErrs := refResolveItems(cat, in)
	errs = append(errs, itemErrs...)
	if len(errs) > 0 {
		return nil, errs
	}
	q := &refPricer{cat: cat, rates: rates, labourOverride: in.LabourRateM2, cut: in.Cut.orDefault()}
	res := &QuoteResult{Mode: mode, Rates: rates, LabourRateM2: in.LabourRateM2, Discount: in.Discount}
	if mode == ModeOptimised {
		res.Cut = q.cut
	}

	var allReqs []refItemReqs
	for i := range ctxs {
		ic := &ctxs[i]
		ic.mode = mode
		if mode == ModeOptimised && ic.in.Optional {
			// Which bars an option would share depends on whether the
			// customer takes it; price it on its own metres instead.
			ic.mode = ModeByMetre
		}
		lines, reqs, err := q.priceItem(ic)
		if err != nil {
			return nil, FieldErrors{refAsFieldError(err, fmt.Sprintf("items[%d]", i))}
		}
		res.Items = append(res.Items, ItemResult{
			Index: i, ProductCode: ic.product.Code, ProductName: ic.product.Name,
			ColourCode: ic.in.ColourCode, GlassCode: ic.in.GlassCode,
			WidthMM: ic.in.WidthMM, HeightMM: ic.in.HeightMM, Quantity: ic.in.Quantity, Optional: ic.in.Optional,
			AreaM2:     refRoundQty(ic.areaM2),
			PerimeterM: refRoundQty(ic.in.WidthMM.Add(ic.in.HeightMM).Shift(-3).Mul(decimal.NewFromInt(2))),
			Lines:      lines,
		})
		if len(reqs) > 0 {
			allReqs = append(allReqs, refItemReqs{item: i, reqs: reqs})
		}
	}
	if mode == ModeOptimised {
		groups, err := q.packAndAllocate(res.Items, allReqs)
		if err != nil {
			return nil, FieldErrors{refAsFieldError(err, "items")}
		}
		res.Cuts = groups
	}
	for i := range res.Items {
		it := &res.Items[i]
		var b Buckets
		for _, ld := range it.Lines {
			if !ld.Ignored {
				refAddRole(&b, ld.Role, ld.Cost)
			}
		}
		it.Buckets = refBucketsRounded(b)
		it.Cost = it.Buckets.Total()
	}
	res.Materials = refPriceMaterialLines(q, in.Materials)
	if err := refComputeTotals(res, mode, rates, in.Discount); err != nil {
		return nil, FieldErrors{err}
	}
	return res, nil
}

// refAsFieldError keeps a FieldError as is and wraps anything else (a cut
// settings problem, the only other error the pricer can meet).
func refAsFieldError(err error, field string) *FieldError {
	if fe, ok := err.(*FieldError); ok {
		return fe
	}
	fe := fieldErr(field, "quote.cut_settings", map[string]any{"Reason": err})
	fe.Err = err
	return fe
}

func refValidateQuote(cat Catalog, in QuoteInput, mode Mode, r Rates) FieldErrors {
	var errs FieldErrors
	add := func(field, key string, args map[string]any) { errs = append(errs, fieldErr(field, key, args)) }
	switch mode {
	case ModeByMetre, ModeOptimised, ModeCompatible:
	default:
		add("mode", "quote.mode_unknown", map[string]any{"Value": string(mode)})
	}
	between := func(v, lo, hi decimal.Decimal) bool { return v.GreaterThanOrEqual(lo) && v.LessThanOrEqual(hi) }
	if !between(r.Profit, refZero, refMaxProfitRate) {
		add("rates.profit", "quote.profit_range", nil)
	}
	if !between(r.Indirect, refZero, refMaxProfitRate) {
		add("rates.indirect", "quote.indirect_range", nil)
	}
	if !between(r.IVA, refZero, refOne) {
		add("rates.iva", "quote.iva_range", nil)
	}
	if !between(r.Deposit, refZero, refOne) {
		add("rates.deposit", "quote.deposit_range", nil)
	}
	if !between(r.ProfileWaste, refOne, refMaxWaste) {
		add("rates.profile_waste", "quote.waste_range", nil)
	}
	if in.LabourRateM2 != nil && in.LabourRateM2.IsNegative() {
		add("labour_rate_m2", "quote.labour_rate_negative", nil)
	}
	d := in.Discount
	switch {
	case !d.Rate.IsZero() && !d.Amount.IsZero():
		add("discount", "quote.discount_both", nil)
	case !between(d.Rate, refZero, refOne):
		add("discount.rate", "quote.discount_rate_range", nil)
	case d.Amount.IsNegative():
		add("discount.amount", "quote.discount_negative", nil)
	}
	if mode == ModeOptimised {
		c := in.Cut.orDefault()
		if c.KerfMM < 0 || c.TrimMM < 0 || c.MinOffcutMM < 0 {
			add("cut", "quote.cut_negative", nil)
		}
	}
	for i, m := range in.Materials {
		f := fmt.Sprintf("materials[%d].", i)
		if m.MaterialCode == "" {
			add(f+"material_code", "quote.material_required", nil)
		} else if _, ok := cat.Material(m.MaterialCode); !ok {
			add(f+"material_code", "quote.material_unknown", map[string]any{"Code": m.MaterialCode})
		}
		if m.ColourCode != "" {
			if _, ok := cat.Colour(m.ColourCode); !ok {
				add(f+"colour_code", "quote.colour_unknown", map[string]any{"Code": m.ColourCode})
			}
		}
		if !refRoundQty(m.Quantity).IsPositive() { // 0.0004 would round to 0
			add(f+"quantity", "quote.material_quantity", nil)
		} else if m.Quantity.GreaterThan(decimal.NewFromInt(1_000_000)) {
			add(f+"quantity", "quote.quantity_max", map[string]any{"Max": 1_000_000})
		}
	}
	return errs
}

// refResolveItems looks up and checks everything an item refers to.
func refResolveItems(cat Catalog, in QuoteInput) ([]refItemContext, FieldErrors) {
	var errs FieldErrors
	out := make([]refItemContext, 0, len(in.Items))
	for i, it := range in.Items {
		f := fmt.Sprintf("items[%d].", i)
		add := func(field, key string, args map[string]any) {
			errs = append(errs, fieldErr(f+field, key, args))
		}
		ic := refItemContext{index: i, in: it, qty: decimal.NewFromInt(int64(it.Quantity))}
		okProduct := false
		if it.ProductCode == "" {
			add("product_code", "quote.product_required", nil)
		} else if p, ok := cat.Product(it.ProductCode); !ok {
			add("product_code", "quote.product_unknown", map[string]any{"Code": it.ProductCode})
		} else {
			ic.product, okProduct = p, true
		}
		if it.ColourCode != "" {
			if c, ok := cat.Colour(it.ColourCode); ok {
				ic.colour = &c
			} else {
				add("colour_code", "quote.colour_unknown", map[string]any{"Code": it.ColourCode})
			}
		}
		if it.GlassCode != "" {
			if g, ok := cat.Material(it.GlassCode); !ok {
				add("glass_code", "quote.glass_unknown", map[string]any{"Code": it.GlassCode})
			} else if g.Category != CategoryGlass {
				add("glass_code", "quote.glass_not_glass", map[string]any{"Code": it.GlassCode})
			} else {
				ic.glass = &g
			}
		}
		checkDim := func(field string, v, lo, hi decimal.Decimal, positive, rng, tooBig string) {
			switch {
			case !v.IsPositive():
				add(field, positive, nil)
			case v.GreaterThan(refMaxDimension):
				add(field, tooBig, map[string]any{"Max": MaxDimensionMM})
			case okProduct && (v.LessThan(lo) || (hi.IsPositive() && v.GreaterThan(hi))):
				maxText := hi.String()
				if !hi.IsPositive() {
					maxText = "∞"
				}
				add(field, rng, map[string]any{"Min": lo.String(), "Max": maxText})
			}
		}
		checkDim("width_mm", it.WidthMM, ic.product.MinWidthMM, ic.product.MaxWidthMM,
			"quote.width_positive", "quote.width_range", "quote.width_too_big")
		checkDim("height_mm", it.HeightMM, ic.product.MinHeightMM, ic.product.MaxHeightMM,
			"quote.height_positive", "quote.height_range", "quote.height_too_big")
		if it.Quantity < 1 {
			add("quantity", "quote.quantity_min", nil)
		} else if it.Quantity > MaxItemQuantity {
			add("quantity", "quote.quantity_max", map[string]any{"Max": MaxItemQuantity})
		}
		if okProduct {
			ic.dims = refNewDims(it.WidthMM, it.HeightMM, ic.product.Hojas, it.Quantity)
			ic.glassDim = ic.dims
			if !ic.product.GlassDeductWMM.IsZero() || !ic.product.GlassDeductHMM.IsZero() {
				ic.glassDim = refNewDims(decimal.Max(refZero, it.WidthMM.Sub(ic.product.GlassDeductWMM)),
					decimal.Max(refZero, it.HeightMM.Sub(ic.product.GlassDeductHMM)), ic.product.Hojas, it.Quantity)
			}
			ic.areaM2 = it.WidthMM.Mul(it.HeightMM).Shift(-6)
		}
		out = append(out, ic)
	}
	return out, errs
}

func refPriceMaterialLines(q *refPricer, lines []MaterialLineInput) []MaterialLineResult {
	out := make([]MaterialLineResult, 0, len(lines))
	for i, l := range lines {
		mat, _ := q.cat.Material(l.MaterialCode) // validated
		price := mat.Cost
		if l.ColourCode != "" {
			c, _ := q.cat.Colour(l.ColourCode)
			price = q.colourPrice(mat, &c)
		}
		qty := refRoundQty(l.Quantity)
		out = append(out, MaterialLineResult{
			Index: i, MaterialCode: mat.Code, MaterialName: mat.Name, ColourCode: l.ColourCode, Unit: mat.Unit,
			Quantity: qty, UnitCost: price, Cost: refRoundMoney(qty.Mul(price)), Optional: l.Optional,
		})
	}
	return out
}

// computeTotals applies DOMAIN.md's quote totals. Item amounts are already
// rounded; utilidad, indirectos and subtotal come from the exact products of
// their sum and are rounded once each. In compatible mode IVA and total are
// also taken from the exact (unrounded) subtotal, as the prototype did, so
// old quotes re-price to the centavo; in the other modes IVA is computed on
// the rounded tax base and total = base + IVA, so the printed figures add up.
func refComputeTotals(r *QuoteResult, mode Mode, rates Rates, disc Discount) *FieldError {
	t := &r.Totals
	t.Buckets, t.LooseMaterials, t.OptionalAmount = Buckets{}, refZero, refZero
	for _, it := range r.Items {
		if !it.Optional {
			t.Buckets = refBucketsAdd(t.Buckets, it.Buckets)
		}
	}
	for _, m := range r.Materials {
		if !m.Optional {
			t.LooseMaterials = t.LooseMaterials.Add(m.Cost)
		}
	}
	t.Materials = t.Buckets.Materials().Add(t.LooseMaterials)
	t.Labour = t.Buckets.Labour
	t.Cost = t.Materials.Add(t.Labour)

	util := t.Cost.Mul(rates.Profit)
	ind := t.Cost.Mul(rates.Indirect)
	subExact := t.Cost.Add(util).Add(ind)
	t.Profit, t.Indirect, t.Subtotal = refRoundMoney(util), refRoundMoney(ind), refRoundMoney(subExact)

	base := t.Subtotal
	if mode == ModeCompatible {
		base = subExact
	}
	discExact := disc.Amount
	if disc.Rate.IsPositive() {
		discExact = base.Mul(disc.Rate)
	}
	if discExact.GreaterThan(base) {
		return fieldErr("discount.amount", "quote.discount_too_big", map[string]any{"Subtotal": FormatMXN(t.Subtotal)})
	}
	t.Discount = refRoundMoney(discExact)
	ivaRate := rates.IVA
	if rates.IVAExempt {
		ivaRate = refZero
	}
	if mode == ModeCompatible {
		taxExact := base.Sub(discExact)
		t.TaxBase = refRoundMoney(taxExact)
		t.IVA = refRoundMoney(taxExact.Mul(ivaRate))
		t.Total = refRoundMoney(taxExact.Add(taxExact.Mul(ivaRate)))
	} else {
		t.TaxBase = t.Subtotal.Sub(t.Discount)
		t.IVA = refRoundMoney(t.TaxBase.Mul(ivaRate))
		t.Total = t.TaxBase.Add(t.IVA)
	}
	t.Deposit = refRoundMoney(t.Total.Mul(rates.Deposit))
	t.Balance = t.Total.Sub(t.Deposit)

	refSpread(r, rates)
	return nil
}

// spread shares the subtotal (before discount) among the non-optional lines
// in proportion to their cost, rounds each share to centavos and puts the
// rounding remainder on the costliest line, so the shares add up exactly to
// the subtotal. Optional lines get cost × (1 + utilidad + indirectos).
func refSpread(r *QuoteResult, rates Rates) {
	type share struct {
		cost   decimal.Decimal
		amount *decimal.Decimal
		unit   *decimal.Decimal
		qty    decimal.Decimal
	}
	var main []share
	markup := refOne.Add(rates.Profit).Add(rates.Indirect)
	opt := func(cost, qty decimal.Decimal, amount, unit *decimal.Decimal) {
		*amount = refRoundMoney(cost.Mul(markup))
		*unit = refRoundMoney(amount.Div(qty))
		r.Totals.OptionalAmount = r.Totals.OptionalAmount.Add(*amount)
	}
	for i := range r.Items {
		it := &r.Items[i]
		q := decimal.NewFromInt(int64(it.Quantity))
		if it.Optional {
			opt(it.Cost, q, &it.Amount, &it.UnitPrice)
			continue
		}
		main = append(main, share{it.Cost, &it.Amount, &it.UnitPrice, q})
	}
	for i := range r.Materials {
		m := &r.Materials[i]
		if m.Optional {
			opt(m.Cost, m.Quantity, &m.Amount, &m.UnitPrice)
			continue
		}
		main = append(main, share{m.Cost, &m.Amount, &m.UnitPrice, m.Quantity})
	}
	total := r.Totals.Cost
	if len(main) == 0 {
		return
	}
	sum := refZero
	largest := 0
	for k, s := range main {
		if total.IsPositive() {
			*s.amount = refRoundMoney(r.Totals.Subtotal.Mul(s.cost).Div(total))
		} else {
			*s.amount = refZero
		}
		sum = sum.Add(*s.amount)
		if s.cost.GreaterThan(main[largest].cost) {
			largest = k
		}
	}
	*main[largest].amount = main[largest].amount.Add(r.Totals.Subtotal.Sub(sum))
	for _, s := range main {
		*s.unit = refRoundMoney(s.amount.Div(s.qty))
	}
}

type refItemReqs struct {
	item int
	reqs []refPieceReq
}

// packAndAllocate packs the profile pieces of every (material, colour) across
// the quote and charges each line its share of the bars by length used,
// rounded to centavos with the remainder on the longest line so the shares
// add up to the bars' cost exactly.
func (q *refPricer) packAndAllocate(items []ItemResult, all []refItemReqs) ([]CutGroup, error) {
	type lineRef struct {
		item, line int
		mm         int
	}
	type group struct {
		mat    Material
		colour string
		price  decimal.Decimal
		pieces []Piece
		lines  []lineRef
	}
	groups := map[colourKey]*group{}
	var order []colourKey
	for _, ir := range all {
		for _, req := range ir.reqs {
			k := colourKey{req.material.Code, req.colour}
			g := groups[k]
			if g == nil {
				g = &group{mat: req.material, colour: req.colour, price: req.price}
				groups[k] = g
				order = append(order, k)
			}
			ref := lineRef{item: ir.item, line: req.line}
			for _, mm := range req.pieces {
				g.pieces = append(g.pieces, Piece{LengthMM: mm, Item: ir.item, Line: req.line, Label: req.label})
				ref.mm += mm
			}
			g.lines = append(g.lines, ref)
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].material != order[j].material {
			return order[i].material < order[j].material
		}
		return order[i].colour < order[j].colour
	})
	var out []CutGroup
	for _, k := range order {
		g := groups[k]
		barMM := int(g.mat.BarLengthM.Mul(refMMPerM).Round(0).IntPart())
		pk, err := PackBars(barMM, g.pieces, q.cut)
		if err != nil {
			if pe, ok := err.(*PieceTooLongError); ok {
				return nil, fieldErr(fmt.Sprintf("items[%d]", pe.Piece.Item), "quote.piece_too_long",
					map[string]any{"Length": pe.Piece.LengthMM, "Material": g.mat.Name, "Bar": barMM})
			}
			return nil, err
		}
		barsM := decimal.NewFromInt(int64(len(pk.Bars))).Mul(g.mat.BarLengthM)
		cost := refRoundMoney(barsM.Mul(g.price))
		out = append(out, CutGroup{MaterialCode: g.mat.Code, MaterialName: g.mat.Name, ColourCode: g.colour,
			PriceM: g.price, Cost: cost, Packing: pk})

		totalMM := decimal.NewFromInt(int64(pk.PiecesMM))
		allocated, longest := refZero, -1
		for i, ref := range g.lines {
			ld := &items[ref.item].Lines[ref.line]
			if ref.mm == 0 || pk.PiecesMM == 0 {
				ld.Cost, ld.Quantity = refZero, refZero
				continue
			}
			share := decimal.NewFromInt(int64(ref.mm)).Div(totalMM)
			ld.Cost = refRoundMoney(cost.Mul(share))
			windows := decimal.NewFromInt(int64(items[ref.item].Quantity))
			ld.Quantity = refRoundQty(barsM.Mul(share).Div(windows))
			allocated = allocated.Add(ld.Cost)
			if longest < 0 || ref.mm > g.lines[longest].mm {
				longest = i
			}
		}
		if longest >= 0 {
			ref := g.lines[longest]
			ld := &items[ref.item].Lines[ref.line]
			ld.Cost = ld.Cost.Add(cost.Sub(allocated))
		}
	}
	return out, nil
}

func refBucketsAdd(b, o Buckets) Buckets {
	return Buckets{
		Profiles: b.Profiles.Add(o.Profiles), Glass: b.Glass.Add(o.Glass), Hardware: b.Hardware.Add(o.Hardware),
		Consumables: b.Consumables.Add(o.Consumables), Labour: b.Labour.Add(o.Labour),
	}
}

func refBucketsRounded(b Buckets) Buckets {
	return Buckets{
		Profiles: refRoundMoney(b.Profiles), Glass: refRoundMoney(b.Glass), Hardware: refRoundMoney(b.Hardware),
		Consumables: refRoundMoney(b.Consumables), Labour: refRoundMoney(b.Labour),
	}
}

func refAddRole(b *Buckets, r Role, v decimal.Decimal) {
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

// refCompatGlassWaste is the prototype's fixed glass waste.
var refCompatGlassWaste = dec("1.05")

// refItemContext is what pricing one item needs, resolved once.
type refItemContext struct {
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
type refPieceReq struct {
	material Material
	colour   string
	price    decimal.Decimal // per metre in the colour
	line     int             // index into the item's Lines
	pieces   []int           // lengths in mm, already multiplied by the item quantity
	label    string
}

// refPlannedLine is a BOM line resolved once per quote: its material, role and
// compiled formulas, shared by every item of the same product.
type refPlannedLine struct {
	BOMLine
	mat              Material
	found            bool
	role             Role
	qty, count, size *Formula
	err              error // a formula that does not compile
}

// plan resolves a product's BOM, memoised per quote.
func (q *refPricer) plan(p Product) []refPlannedLine {
	if pl, ok := q.plans[p.Code]; ok {
		return pl
	}
	bom := p.sortedBOM()
	pl := make([]refPlannedLine, len(bom))
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
		q.plans = make(map[string][]refPlannedLine)
	}
	q.plans[p.Code] = pl
	return pl
}

// priceItem evaluates the BOM of one item. Packed lines (optimizado) are
// returned as piece requests and costed later by the caller.
func (q *refPricer) priceItem(ic *refItemContext) ([]LineDetail, []refPieceReq, error) {
	bom := q.plan(ic.product)
	var (
		lines     = make([]LineDetail, 0, len(bom)+2)
		reqs      []refPieceReq
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
			req := refPieceReq{material: mat, price: price, line: len(lines), label: l.Description}
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
				ld.Waste = refOne
			}
			quantity = net.Mul(ld.Waste)
			if mat.Unit == UnitML && mat.BarLengthM.IsPositive() {
				bars := quantity.Div(mat.BarLengthM).Ceil()
				ld.Bars = int(bars.IntPart())
				quantity = bars.Mul(mat.BarLengthM)
			}
		} else {
			ld.Waste = q.waste(l, mat, role)
			quantity = refRoundQty(net.Mul(ld.Waste))
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
func (q *refPricer) evalLine(ic *refItemContext, l *refPlannedLine, mat Material, dims Dims, ld *LineDetail) (decimal.Decimal, error) {
	fail := func(err error) error {
		fe := fieldErr(fmt.Sprintf("items[%d]", ic.index), "quote.bom_formula",
			map[string]any{"Material": mat.Name, "Product": ic.product.Name, "Reason": err})
		fe.Err = err
		return fe
	}
	if l.err != nil {
		return refZero, fail(l.err)
	}
	var raw float64
	if l.hasCuts() {
		count, err := refEval(l.count, dims)
		if err != nil {
			return refZero, fail(err)
		}
		length, err := refEval(l.size, dims)
		if err != nil {
			return refZero, fail(err)
		}
		// A piece count is whole; 2.0000000001 from float noise is still 2.
		n := math.Ceil(math.Round(math.Max(0, count)*1e6) / 1e6)
		mm := math.Round(math.Max(0, length))
		if n > maxFormulaMagnitude || mm > maxFormulaMagnitude {
			return refZero, fail(formulaErr("formula.too_large", 0, ""))
		}
		ld.CutCount, ld.CutLengthMM = int(n), int(mm)
		ld.Formula = l.CutCountFormula + " × " + l.CutLengthFormula
		ld.Clamped = count < 0 || length < 0
		raw = n * mm / 1000
	} else {
		if l.qty == nil {
			return refZero, fail(formulaErr("formula.empty", 0, ""))
		}
		v, err := refEval(l.qty, dims)
		if err != nil {
			return refZero, fail(err)
		}
		ld.Formula = l.QuantityFormula
		raw = v
	}
	ld.Raw = raw
	if raw < 0 {
		ld.Clamped = true // DOMAIN.md: a negative result counts as 0
		raw = 0
	}
	net, err := refDecimalFromFormula(raw)
	if err != nil {
		return refZero, fail(err)
	}
	return net, nil
}

// MaxQuotePieces bounds the cuts one optimizado quote may ask for, so a
// mistaken count formula (say width_mm instead of 2) cannot exhaust memory.

// linePieces lists the cuts of a packed line for all windows of the item.
// A line given as metres (no cut count/length) is packed as one piece of
// that length per window, split into usable-bar chunks when longer.
func (q *refPricer) linePieces(ic *refItemContext, ld LineDetail, net decimal.Decimal, mat Material) ([]int, error) {
	windows := ic.in.Quantity
	count, length, last := 0, 0, 0 // count pieces of length, then one of last
	if ld.CutCount > 0 && ld.CutLengthMM > 0 {
		count, length = ld.CutCount, ld.CutLengthMM
	} else if mm := int(net.Mul(refMMPerM).Round(0).IntPart()); mm > 0 {
		last = mm
		if usable := int(mat.BarLengthM.Mul(refMMPerM).IntPart()) - 2*q.cut.TrimMM; usable > 0 && mm > usable {
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
func (q *refPricer) waste(l *refPlannedLine, mat Material, role Role) decimal.Decimal {
	switch {
	case l.WasteFactor.IsPositive():
		return l.WasteFactor
	case mat.WasteFactor.IsPositive():
		return mat.WasteFactor
	case role == RoleProfile:
		return q.rates.ProfileWaste
	}
	return refOne
}

// colourPrice is a profile's price in a colour: the explicit price if there
// is one, else base cost × the colour's factor (exact, not rounded: rounding
// happens once, on the item's buckets).
func (q *refPricer) colourPrice(mat Material, colour *Colour) decimal.Decimal {
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
func (q *refPricer) chosenGlassLine(ic *refItemContext) LineDetail {
	g := ic.glass
	ld := LineDetail{
		Kind: LineChosenGlass, BOMIndex: -1, MaterialCode: g.Code, MaterialName: g.Name, Role: RoleGlass,
		Formula: "area_m2", Unit: g.Unit, UnitPrice: g.Cost,
	}
	area := ic.areaM2
	if ic.mode == ModeCompatible {
		ld.Waste = refCompatGlassWaste
		ld.Quantity = area.Mul(ld.Waste)
	} else {
		area = refGlassArea(ic)
		ld.Waste = g.WasteFactor
		if !ld.Waste.IsPositive() {
			ld.Waste = refOne
		}
		ld.Quantity = refRoundQty(area.Mul(ld.Waste))
	}
	ld.Raw = area.InexactFloat64()
	ld.Cost = ld.Quantity.Mul(g.Cost).Mul(ic.qty)
	return ld
}

// refGlassArea is the glass area per window after the frame deductions.
func refGlassArea(ic *refItemContext) decimal.Decimal {
	w := decimal.Max(refZero, ic.in.WidthMM.Sub(ic.product.GlassDeductWMM))
	h := decimal.Max(refZero, ic.in.HeightMM.Sub(ic.product.GlassDeductHMM))
	return w.Mul(h).Shift(-6)
}

// labourLine is area × (rate × complexity), or area × the quote's override
// rate, which replaces rate and complexity as in the prototype.
func (q *refPricer) labourLine(ic *refItemContext) LineDetail {
	ld := LineDetail{Kind: LineLabour, BOMIndex: -1, Role: RoleLabour, Formula: "area_m2", Unit: UnitM2,
		Raw: ic.areaM2.InexactFloat64(), Quantity: ic.areaM2, Waste: refOne}
	if q.labourOverride != nil {
		ld.UnitPrice = *q.labourOverride
	} else {
		c := ic.product.Complexity
		if c.IsZero() {
			c = refOne
		}
		ld.UnitPrice = ic.product.LabourRateM2.Mul(c)
	}
	ld.Cost = ic.areaM2.Mul(ld.UnitPrice).Mul(ic.qty)
	return ld
}
