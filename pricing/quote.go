package pricing

import (
	"fmt"
	"sort"
	"sync"

	"github.com/shopspring/decimal"
)

// Mode is how profiles are charged.
type Mode string

const (
	// ModeByMetre (default) charges profiles by the metres the BOM uses × waste.
	ModeByMetre Mode = "por_metro"
	// ModeOptimised packs the pieces of the whole quote into bars and
	// allocates the bars' cost back to the lines by length used.
	ModeOptimised Mode = "optimizado"
	// ModeCompatible reproduces the prototype's prices exactly.
	ModeCompatible Mode = "compatible"
)

// defaultProfileWaste (1.10) is the company default waste factor for profiles in
// por_metro when neither the BOM line nor the material sets one.
var defaultProfileWaste = dec("1.10")

// Rates are the percentages a quote is priced with; they are stored with the
// quote so it re-renders identically years later. All are fractions
// (0.25 = 25 %).
type Rates struct {
	Profit       decimal.Decimal // utilidad, on cost
	Indirect     decimal.Decimal // indirectos, on cost (not compounded with utilidad)
	IVA          decimal.Decimal // 0.16, 0.08 (border region) or 0
	IVAExempt    bool            // exento: no IVA is charged whatever IVA says
	Deposit      decimal.Decimal // anticipo, share of the total
	ProfileWaste decimal.Decimal // company default for profiles; zero means 1.10
}

// DefaultRates are the usual Mexican shop defaults: 25 % utilidad, 15 %
// indirectos, 16 % IVA, 50 % anticipo, 1.10 profile waste.
func DefaultRates() Rates {
	return Rates{Profit: dec("0.25"), Indirect: dec("0.15"), IVA: dec("0.16"), Deposit: dec("0.50"),
		ProfileWaste: defaultProfileWaste}
}

// Discount is given either as a rate of the subtotal or as an amount in MXN.
// It is applied after the subtotal and before IVA.
type Discount struct {
	Rate   decimal.Decimal
	Amount decimal.Decimal
}

// ItemInput is one window line of a quote.
type ItemInput struct {
	ProductCode string
	ColourCode  string // optional; profiles at base cost without it
	GlassCode   string // optional; a VID-… material
	WidthMM     decimal.Decimal
	HeightMM    decimal.Decimal
	Quantity    int
	Optional    bool // priced and shown, not in the totals
}

// MaterialLineInput is a material sold on its own (material suelto).
type MaterialLineInput struct {
	MaterialCode string
	ColourCode   string // optional; prices the material in that colour
	Quantity     decimal.Decimal
	Optional     bool
}

// QuoteInput is everything PriceQuote needs besides the catalogue.
type QuoteInput struct {
	Mode         Mode // "" means ModeByMetre
	Rates        Rates
	LabourRateM2 *decimal.Decimal // per-quote labour MXN/m², replaces rate × complexity
	Discount     Discount
	Cut          CutSettings // optimizado; the zero value means DefaultCutSettings
	Items        []ItemInput
	Materials    []MaterialLineInput
}

// ItemResult is a priced window line.
type ItemResult struct {
	Index       int
	ProductCode string
	ProductName string
	ColourCode  string
	GlassCode   string
	WidthMM     decimal.Decimal
	HeightMM    decimal.Decimal
	Quantity    int
	Optional    bool
	AreaM2      decimal.Decimal // per window, rounded to 0.001
	PerimeterM  decimal.Decimal // per window, rounded to 0.001
	Buckets     Buckets         // all windows of the line, each rounded to centavos
	Cost        decimal.Decimal // Buckets.Total()
	// Amount is the line's selling price before IVA (its share of the
	// subtotal); UnitPrice is Amount / Quantity rounded to centavos, so
	// UnitPrice × Quantity may differ from Amount by centavos.
	Amount    decimal.Decimal
	UnitPrice decimal.Decimal
	Lines     []LineDetail
}

// MaterialLineResult is a priced material-only line.
type MaterialLineResult struct {
	Index        int
	MaterialCode string
	MaterialName string
	ColourCode   string
	Unit         Unit
	Quantity     decimal.Decimal // rounded to 0.001
	UnitCost     decimal.Decimal
	Cost         decimal.Decimal // rounded to centavos
	Optional     bool
	Amount       decimal.Decimal
	UnitPrice    decimal.Decimal
}

// Totals of a quote. Optional lines are not included (see OptionalAmount).
type Totals struct {
	Buckets        Buckets         // Σ of the window lines
	LooseMaterials decimal.Decimal // Σ of the material-only lines
	Materials      decimal.Decimal // Buckets.Materials() + LooseMaterials
	Labour         decimal.Decimal
	Cost           decimal.Decimal
	Profit         decimal.Decimal // utilidad
	Indirect       decimal.Decimal // indirectos
	// Subtotal is cost + utilidad + indirectos computed from the exact
	// products and rounded once, as the prototype did, so it can differ by a
	// centavo from the sum of the rounded figures above it.
	Subtotal decimal.Decimal
	Discount decimal.Decimal
	TaxBase  decimal.Decimal // Subtotal − Discount
	IVA      decimal.Decimal
	Total    decimal.Decimal
	Deposit  decimal.Decimal // anticipo
	Balance  decimal.Decimal // saldo: Total − Deposit, exact
	// OptionalAmount is the selling price before IVA of the optional lines.
	OptionalAmount decimal.Decimal
}

// QuoteResult is a priced quote.
type QuoteResult struct {
	Mode         Mode
	Rates        Rates // as used (defaults filled in)
	LabourRateM2 *decimal.Decimal
	Discount     Discount
	Cut          CutSettings // as used, in optimizado
	Items        []ItemResult
	Materials    []MaterialLineResult
	Totals       Totals
	Cuts         []CutGroup // optimizado: the bars bought per profile and colour
}

// CutGroup is the cut plan of one profile in one colour.
type CutGroup struct {
	MaterialCode string
	MaterialName string
	ColourCode   string
	PriceM       decimal.Decimal // per metre in the colour
	Cost         decimal.Decimal // bars × bar length × PriceM, rounded to centavos
	Packing
}

// Limits on input sizes, far beyond any real window, to keep arithmetic sane.
const (
	MaxItemQuantity = 10_000
	MaxDimensionMM  = 100_000
)

var (
	numMaxProfitRate       = numInt(10)
	numMaxWaste            = numInt(3)
	numMaxDimension        = numInt(MaxDimensionMM)
	numMaxMaterialQuantity = numInt(1_000_000)
)

type quotePricer struct {
	cat            Catalog
	plans          *catalogPlans
	rates          Rates
	profileWaste   pair
	labourOverride *pair
	cut            CutSettings
	pieces         int // cuts requested so far (optimizado)
	scratch        *scratch
	ds             decimals
}

// PriceQuote prices a quote against the catalogue, all or nothing: any
// input problem comes back as FieldErrors (one per field) and nothing is
// priced.
func PriceQuote(cat Catalog, in QuoteInput) (*QuoteResult, error) {
	res, errs := priceLines(cat, in, true)
	if len(errs) > 0 {
		return nil, errs
	}
	return res, nil
}

// PriceLines prices a quote in one pass, line by line: a line with a problem
// (an out-of-range size, an unknown code, a BOM formula that fails for its
// size) gets its FieldErrors ("items[i]…", "materials[i]…") and is left out,
// and the rest are priced and totalled as if it were not there. Result
// lines keep their input index in Index. A problem of the quote itself
// (rates, mode, discount) prices nothing: the result is nil.
func PriceLines(cat Catalog, in QuoteInput) (*QuoteResult, FieldErrors) {
	return priceLines(cat, in, false)
}

// priceLines is PriceLines; allOrNothing stops at the first line that fails
// while pricing, as PriceQuote has always reported exactly that one.
func priceLines(cat Catalog, in QuoteInput, allOrNothing bool) (*QuoteResult, FieldErrors) {
	mode := in.Mode
	if mode == "" {
		mode = ModeByMetre
	}
	rates := in.Rates
	if rates.ProfileWaste.IsZero() {
		rates.ProfileWaste = defaultProfileWaste
	}
	plans := plansFor(cat)
	errs := validateQuote(in, mode, rates)
	quoteLevel := len(errs) > 0
	matErrs, badMat := validateMaterials(cat, in.Materials)
	errs = append(errs, matErrs...)
	s := scratchPool.Get().(*scratch)
	defer s.release()
	ctxs, itemErrs, badItem := resolveItems(cat, plans, in, s)
	errs = append(errs, itemErrs...)
	if quoteLevel || (allOrNothing && len(errs) > 0) {
		return nil, errs
	}
	q := &quotePricer{cat: cat, plans: plans, rates: rates, profileWaste: pairOf(rates.ProfileWaste),
		cut: in.Cut.orDefault(), scratch: s}
	if in.LabourRateM2 != nil {
		q.labourOverride = &pair{*in.LabourRateM2, numOf(*in.LabourRateM2)}
	}
	res := &QuoteResult{Mode: mode, Rates: rates, LabourRateM2: in.LabourRateM2, Discount: in.Discount}
	if mode == ModeOptimised {
		res.Cut = q.cut
	}

	// All lines of the quote share one allocation; each item gets its part.
	nLines, nGood := 0, 0
	for i := range ctxs {
		if !badItem[i] {
			nLines += len(ctxs[i].plan.lines) + 2
			nGood++
		}
	}
	slab := make([]LineDetail, nLines)
	// sums are each priced item's buckets as they add up, then rounded.
	sums := grow(&s.sums, nGood)
	clear(sums)
	var allReqs []itemReqs
	if nGood > 0 {
		res.Items = make([]ItemResult, nGood)
	}
	k := 0 // next result slot
	for i := range ctxs {
		if badItem[i] {
			continue
		}
		ic := &ctxs[i]
		ic.mode = mode
		if mode == ModeOptimised && ic.in.Optional {
			// Which bars an option would share depends on whether the
			// customer takes it; price it on its own metres instead.
			ic.mode = ModeByMetre
		}
		n := len(ic.plan.lines) + 2
		lines, reqs, err := q.priceItem(ic, slab[:0:n], &sums[k])
		slab = slab[n:]
		if err != nil {
			errs = append(errs, asFieldError(err, fmt.Sprintf("items[%d]", i)))
			if allOrNothing {
				return nil, errs
			}
			sums[k] = numBuckets{}
			continue
		}
		// Field by field, for the reason given at next.
		p, it := &ic.plan.product, &res.Items[k]
		it.Index, it.ProductCode, it.ProductName, it.Lines = i, p.Code, p.Name, lines
		it.ColourCode, it.GlassCode, it.Quantity, it.Optional = ic.in.ColourCode, ic.in.GlassCode, ic.in.Quantity, ic.in.Optional
		it.WidthMM, it.HeightMM = ic.in.WidthMM, ic.in.HeightMM
		it.AreaM2 = q.ds.of(ic.areaM2.Round(3))
		it.PerimeterM = q.ds.of(ic.width.Add(ic.height).Shift(-3).Mul(numTwo).Round(3))
		if len(reqs) > 0 {
			allReqs = append(allReqs, itemReqs{item: k, reqs: reqs})
		}
		k++
	}
	if k == 0 {
		res.Items = nil
	} else {
		res.Items = res.Items[:k]
	}
	sums = sums[:k]
	if mode == ModeOptimised {
		groups, err := q.packAndAllocate(res.Items, allReqs)
		if err != nil {
			return nil, append(errs, asFieldError(err, "items"))
		}
		res.Cuts = groups
		for _, ir := range allReqs {
			for _, req := range ir.reqs {
				sums[ir.item].profiles = sums[ir.item].profiles.Add(numOf(res.Items[ir.item].Lines[req.line].Cost))
			}
		}
	}
	for i := range res.Items {
		it := &res.Items[i]
		sums[i] = sums[i].rounded()
		it.Buckets = sums[i].dec(&q.ds)
		it.Cost = q.ds.of(sums[i].total())
	}
	res.Materials = priceMaterialLines(q, in.Materials, badMat)
	if err := q.computeTotals(res, mode, in.Discount, sums); err != nil {
		return nil, append(errs, err)
	}
	return res, errs
}

// asFieldError keeps a FieldError as is and wraps anything else (a cut
// settings problem, the only other error the pricer can meet).
func asFieldError(err error, field string) *FieldError {
	if fe, ok := err.(*FieldError); ok {
		return fe
	}
	fe := fieldErr(field, "quote.cut_settings", map[string]any{"Reason": err})
	fe.Err = err
	return fe
}

func validateQuote(in QuoteInput, mode Mode, r Rates) FieldErrors {
	var errs FieldErrors
	add := func(field, key string, args map[string]any) { errs = append(errs, fieldErr(field, key, args)) }
	switch mode {
	case ModeByMetre, ModeOptimised, ModeCompatible:
	default:
		add("mode", "quote.mode_unknown", map[string]any{"Value": string(mode)})
	}
	between := func(v decimal.Decimal, lo, hi num) bool {
		n := numOf(v)
		return n.Cmp(lo) >= 0 && n.Cmp(hi) <= 0
	}
	if !between(r.Profit, numZero, numMaxProfitRate) {
		add("rates.profit", "quote.profit_range", nil)
	}
	if !between(r.Indirect, numZero, numMaxProfitRate) {
		add("rates.indirect", "quote.indirect_range", nil)
	}
	if !between(r.IVA, numZero, numOne) {
		add("rates.iva", "quote.iva_range", nil)
	}
	if !between(r.Deposit, numZero, numOne) {
		add("rates.deposit", "quote.deposit_range", nil)
	}
	if !between(r.ProfileWaste, numOne, numMaxWaste) {
		add("rates.profile_waste", "quote.waste_range", nil)
	}
	if in.LabourRateM2 != nil && in.LabourRateM2.IsNegative() {
		add("labour_rate_m2", "quote.labour_rate_negative", nil)
	}
	d := in.Discount
	switch {
	case !d.Rate.IsZero() && !d.Amount.IsZero():
		add("discount", "quote.discount_both", nil)
	case !between(d.Rate, numZero, numOne):
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
	return errs
}

// validateMaterials checks the material-only lines; bad[i] marks a line
// with a problem.
func validateMaterials(cat Catalog, lines []MaterialLineInput) (FieldErrors, []bool) {
	var errs FieldErrors
	bad := make([]bool, len(lines))
	add := func(field, key string, args map[string]any) { errs = append(errs, fieldErr(field, key, args)) }
	for i, m := range lines {
		before := len(errs)
		f := func(name string) string { return fmt.Sprintf("materials[%d].%s", i, name) }
		if m.MaterialCode == "" {
			add(f("material_code"), "quote.material_required", nil)
		} else if _, ok := cat.Material(m.MaterialCode); !ok {
			add(f("material_code"), "quote.material_unknown", map[string]any{"Code": m.MaterialCode})
		}
		if m.ColourCode != "" {
			if _, ok := cat.Colour(m.ColourCode); !ok {
				add(f("colour_code"), "quote.colour_unknown", map[string]any{"Code": m.ColourCode})
			}
		}
		if q := numOf(m.Quantity); !q.Round(3).IsPositive() { // 0.0004 would round to 0
			add(f("quantity"), "quote.material_quantity", nil)
		} else if q.Cmp(numMaxMaterialQuantity) > 0 {
			add(f("quantity"), "quote.quantity_max", map[string]any{"Max": 1_000_000})
		}
		bad[i] = len(errs) > before
	}
	return errs, bad
}

// resolveItems looks up and checks everything an item refers to.
func resolveItems(cat Catalog, plans *catalogPlans, in QuoteInput, s *scratch) ([]itemContext, FieldErrors, []bool) {
	var errs FieldErrors
	out := grow(&s.items, len(in.Items))
	bad := grow(&s.bad, len(in.Items))
	for i := range in.Items {
		before := len(errs)
		it := &in.Items[i]
		add := func(field, key string, args map[string]any) {
			errs = append(errs, fieldErr(fmt.Sprintf("items[%d].%s", i, field), key, args))
		}
		ic := &out[i]
		*ic = itemContext{index: i, in: it, qty: numInt(int64(it.Quantity)), width: numOf(it.WidthMM), height: numOf(it.HeightMM)}
		if it.ProductCode == "" {
			add("product_code", "quote.product_required", nil)
		} else if p, ok := plans.product(cat, it.ProductCode); !ok {
			add("product_code", "quote.product_unknown", map[string]any{"Code": it.ProductCode})
		} else {
			ic.plan = p
		}
		if it.ColourCode != "" {
			if c, ok := plans.colour(cat, it.ColourCode); ok {
				ic.colour = c
			} else {
				add("colour_code", "quote.colour_unknown", map[string]any{"Code": it.ColourCode})
			}
		}
		if it.GlassCode != "" {
			if g, ok := plans.material(cat, it.GlassCode); !ok {
				add("glass_code", "quote.glass_unknown", map[string]any{"Code": it.GlassCode})
			} else if g.Category != CategoryGlass {
				add("glass_code", "quote.glass_not_glass", map[string]any{"Code": it.GlassCode})
			} else {
				ic.glass, ic.glassCost, ic.glassWaste = g, numOf(g.Cost), pairOne
				if g.WasteFactor.IsPositive() {
					ic.glassWaste = pairOf(g.WasteFactor)
				}
			}
		}
		checkDim := func(field string, v num, lo, hi pair, positive, rng, tooBig string) {
			switch {
			case !v.IsPositive():
				add(field, positive, nil)
			case v.Cmp(numMaxDimension) > 0:
				add(field, tooBig, map[string]any{"Max": MaxDimensionMM})
			case ic.plan != nil && (v.Cmp(lo.n) < 0 || (hi.n.IsPositive() && v.Cmp(hi.n) > 0)):
				maxText := hi.d.String()
				if !hi.n.IsPositive() {
					maxText = "∞"
				}
				add(field, rng, map[string]any{"Min": lo.d.String(), "Max": maxText})
			}
		}
		p := ic.plan
		if p == nil {
			p = &productPlan{} // no ranges to check
		}
		checkDim("width_mm", ic.width, p.minW, p.maxW, "quote.width_positive", "quote.width_range", "quote.width_too_big")
		checkDim("height_mm", ic.height, p.minH, p.maxH, "quote.height_positive", "quote.height_range", "quote.height_too_big")
		if it.Quantity < 1 {
			add("quantity", "quote.quantity_min", nil)
		} else if it.Quantity > MaxItemQuantity {
			add("quantity", "quote.quantity_max", map[string]any{"Max": MaxItemQuantity})
		}
		if ic.plan != nil {
			hojas := ic.plan.product.Hojas
			ic.dims = newDims(ic.width, ic.height, hojas, it.Quantity)
			ic.glassDim = ic.dims
			if ic.plan.hasDeduct {
				ic.glassDim = newDims(positive(ic.width.Sub(p.deductW)), positive(ic.height.Sub(p.deductH)), hojas, it.Quantity)
			}
			ic.areaM2 = ic.width.Mul(ic.height).Shift(-6)
		}
		bad[i] = len(errs) > before
	}
	return out, errs, bad
}

func priceMaterialLines(q *quotePricer, lines []MaterialLineInput, bad []bool) []MaterialLineResult {
	out := make([]MaterialLineResult, 0, len(lines))
	for i, l := range lines {
		if bad[i] {
			continue
		}
		mat, _ := q.plans.material(q.cat, l.MaterialCode) // validated
		price := pairOf(mat.Cost)
		if l.ColourCode != "" {
			c, _ := q.plans.colour(q.cat, l.ColourCode)
			price = q.plans.colourPrice(q.cat, mat, c)
		}
		qty := numOf(l.Quantity).Round(3)
		out = append(out, MaterialLineResult{
			Index: i, MaterialCode: mat.Code, MaterialName: mat.Name, ColourCode: l.ColourCode, Unit: mat.Unit,
			Quantity: q.ds.of(qty), UnitCost: price.d, Cost: q.ds.of(qty.Mul(price.n).Round(2)), Optional: l.Optional,
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
// items are the items' buckets, rounded.
func (q *quotePricer) computeTotals(r *QuoteResult, mode Mode, disc Discount, items []numBuckets) *FieldError {
	rates, ds := q.rates, &q.ds
	var buckets numBuckets
	loose := numZero
	for i := range r.Items {
		if !r.Items[i].Optional {
			buckets.add(items[i])
		}
	}
	for i := range r.Materials {
		if m := &r.Materials[i]; !m.Optional {
			loose = loose.Add(numOf(m.Cost))
		}
	}
	materials := buckets.materials().Add(loose)
	cost := materials.Add(buckets.labour)

	util := cost.Mul(numOf(rates.Profit))
	ind := cost.Mul(numOf(rates.Indirect))
	subExact := cost.Add(util).Add(ind)
	subtotal := subExact.Round(2)

	base := subtotal
	if mode == ModeCompatible {
		base = subExact
	}
	discExact := numOf(disc.Amount)
	if disc.Rate.IsPositive() {
		discExact = base.Mul(numOf(disc.Rate))
	}
	if discExact.Cmp(base) > 0 {
		return fieldErr("discount.amount", "quote.discount_too_big", map[string]any{"Subtotal": FormatMXN(subtotal.dec())})
	}
	discount := discExact.Round(2)
	ivaRate := numOf(rates.IVA)
	if rates.IVAExempt {
		ivaRate = numZero
	}
	var taxBase, iva, total num
	if mode == ModeCompatible {
		taxExact := base.Sub(discExact)
		taxBase, iva = taxExact.Round(2), taxExact.Mul(ivaRate).Round(2)
		total = taxExact.Add(taxExact.Mul(ivaRate)).Round(2)
	} else {
		taxBase = subtotal.Sub(discount)
		iva = taxBase.Mul(ivaRate).Round(2)
		total = taxBase.Add(iva)
	}
	deposit := total.Mul(numOf(rates.Deposit)).Round(2)

	t := &r.Totals
	t.Buckets = buckets.dec(ds)
	t.LooseMaterials, t.Materials, t.Labour, t.Cost = ds.of(loose), ds.of(materials), t.Buckets.Labour, ds.of(cost)
	t.Profit, t.Indirect, t.Subtotal = ds.of(util.Round(2)), ds.of(ind.Round(2)), ds.of(subtotal)
	t.Discount, t.TaxBase, t.IVA, t.Total = ds.of(discount), ds.of(taxBase), ds.of(iva), ds.of(total)
	t.Deposit, t.Balance = ds.of(deposit), ds.of(total.Sub(deposit))
	t.OptionalAmount = ds.of(q.spread(r, items, cost, subtotal))
	return nil
}

// spread shares the subtotal (before discount) among the non-optional lines
// in proportion to their cost, rounds each share to centavos and puts the
// rounding remainder on the costliest line, so the shares add up exactly to
// the subtotal. Optional lines get cost × (1 + utilidad + indirectos); it
// returns the sum of their amounts.
func (q *quotePricer) spread(r *QuoteResult, items []numBuckets, totalCost, subtotal num) num {
	rates, ds := q.rates, &q.ds
	main := grow(&q.scratch.shares, len(r.Items)+len(r.Materials))[:0]
	markup := numOne.Add(numOf(rates.Profit)).Add(numOf(rates.Indirect))
	optional := numZero
	opt := func(cost, qty num, amount, unit *decimal.Decimal) {
		a := cost.Mul(markup).Round(2)
		*amount, *unit = ds.of(a), ds.of(a.QuoRound(qty, 2))
		optional = optional.Add(a)
	}
	for i := range r.Items {
		it := &r.Items[i]
		cost, qty := items[i].total(), numInt(int64(it.Quantity))
		if it.Optional {
			opt(cost, qty, &it.Amount, &it.UnitPrice)
			continue
		}
		main = append(main, share{cost: cost, qty: qty, item: i, material: -1})
	}
	for i := range r.Materials {
		m := &r.Materials[i]
		cost, qty := numOf(m.Cost), numOf(m.Quantity)
		if m.Optional {
			opt(cost, qty, &m.Amount, &m.UnitPrice)
			continue
		}
		main = append(main, share{cost: cost, qty: qty, item: -1, material: i})
	}
	if len(main) == 0 {
		return optional
	}
	sum := numZero
	largest := 0
	for k := range main {
		s := &main[k]
		if totalCost.IsPositive() {
			s.amount = subtotal.Mul(s.cost).QuoRound(totalCost, 2)
		}
		sum = sum.Add(s.amount)
		if s.cost.Cmp(main[largest].cost) > 0 {
			largest = k
		}
	}
	main[largest].amount = main[largest].amount.Add(subtotal.Sub(sum))
	for _, s := range main {
		amount, unit := ds.of(s.amount), ds.of(s.amount.QuoRound(s.qty, 2))
		if s.item >= 0 {
			r.Items[s.item].Amount, r.Items[s.item].UnitPrice = amount, unit
		} else {
			r.Materials[s.material].Amount, r.Materials[s.material].UnitPrice = amount, unit
		}
	}
	return optional
}

// share is a non-optional line's part of the subtotal.
type share struct {
	cost, qty, amount num
	item, material    int // where it goes: r.Items[item] or else r.Materials[material]
}

// scratch is a quote's working memory that does not end up in its result.
// It is reused from quote to quote: allocated afresh, it was a good part of
// the garbage each quote left for the GC.
type scratch struct {
	bad    []bool
	items  []itemContext
	sums   []numBuckets
	shares []share
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// release clears what refers to the quote's input and catalogue, so the
// pool keeps nothing alive, and returns s to the pool.
func (s *scratch) release() {
	clear(s.items)
	scratchPool.Put(s)
}

// grow returns (*buf)[:n], reallocating when too short; what it holds
// from an earlier quote is the caller's to overwrite or clear.
func grow[T any](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = make([]T, n)
	}
	*buf = (*buf)[:n]
	return *buf
}

type itemReqs struct {
	item int
	reqs []pieceReq
}

// packAndAllocate packs the profile pieces of every (material, colour) across
// the quote and charges each line its share of the bars by length used,
// rounded to centavos with the remainder on the longest line so the shares
// add up to the bars' cost exactly.
func (q *quotePricer) packAndAllocate(items []ItemResult, all []itemReqs) ([]CutGroup, error) {
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
		barMM := int(g.mat.BarLengthM.Mul(mmPerM).Round(0).IntPart())
		pk, err := PackBars(barMM, g.pieces, q.cut)
		if err != nil {
			if pe, ok := err.(*PieceTooLongError); ok {
				return nil, fieldErr(fmt.Sprintf("items[%d]", pe.Piece.Item), "quote.piece_too_long",
					map[string]any{"Length": pe.Piece.LengthMM, "Material": g.mat.Name, "Bar": barMM})
			}
			return nil, err
		}
		barsM := decimal.NewFromInt(int64(len(pk.Bars))).Mul(g.mat.BarLengthM)
		cost := RoundMoney(barsM.Mul(g.price))
		out = append(out, CutGroup{MaterialCode: g.mat.Code, MaterialName: g.mat.Name, ColourCode: g.colour,
			PriceM: g.price, Cost: cost, Packing: pk})

		totalMM := decimal.NewFromInt(int64(pk.PiecesMM))
		allocated, longest := zero, -1
		for i, ref := range g.lines {
			ld := &items[ref.item].Lines[ref.line]
			if ref.mm == 0 || pk.PiecesMM == 0 {
				ld.Cost, ld.Quantity = zero, zero
				continue
			}
			share := decimal.NewFromInt(int64(ref.mm)).Div(totalMM)
			ld.Cost = RoundMoney(cost.Mul(share))
			windows := decimal.NewFromInt(int64(items[ref.item].Quantity))
			ld.Quantity = RoundQty(barsM.Mul(share).Div(windows))
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

// CutPlan packs the profile pieces of every non-optional item of the quote,
// whatever its pricing mode, for the workshop order: bars per profile and
// colour with their pieces. Lines given as metres are packed as one piece
// per window, as in optimizado.
func CutPlan(cat Catalog, in QuoteInput) ([]CutGroup, error) {
	in.Mode = ModeOptimised
	res, err := PriceQuote(cat, in)
	if err != nil {
		return nil, err
	}
	return res.Cuts, nil
}
