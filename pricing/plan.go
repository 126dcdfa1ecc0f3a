package pricing

import (
	"sync"

	"github.com/shopspring/decimal"
)

// What the pricer derives from the catalogue alone (a product's BOM sorted,
// its materials looked up, its formulas compiled; a profile's price in a
// colour) is worked out once per catalogue and kept with it, as long as the
// catalogue cannot change: a *MemCatalog, or anything embedding one, as
// db.PricingCatalog does. For any other Catalog it is worked out once per
// quote. Nothing that depends on a quote's input is kept.

// pair is a value both as the decimal a result shows (shared, so showing it
// allocates nothing) and as the num the pricer computes with.
type pair struct {
	d decimal.Decimal
	n num
}

func pairOf(d decimal.Decimal) pair { return pair{d, numOf(d)} }

var pairOne = pairOf(one)

// catalogPlans holds what has been derived so far from one catalogue.
// Only codes the catalogue has are kept, so it cannot outgrow it.
type catalogPlans struct {
	mu        sync.RWMutex
	products  map[string]*productPlan
	materials map[string]*Material
	colours   map[string]*Colour
	prices    map[priceKey]pair
	bomPriced map[bomColour][]pair
}

// bomColour is a product in a colour.
type bomColour struct {
	plan   *productPlan
	colour *Colour
}

// priceKey is a material and a colour of these plans, by pointer: cheaper
// to hash than their codes, and a pointer always stands for the same code.
type priceKey struct {
	mat    *Material
	colour *Colour
}

func newCatalogPlans() *catalogPlans {
	return &catalogPlans{products: make(map[string]*productPlan), materials: make(map[string]*Material),
		colours: make(map[string]*Colour), prices: make(map[priceKey]pair), bomPriced: make(map[bomColour][]pair)}
}

// lookup returns m[key], deriving and keeping it on a miss; derive's false
// (the catalogue has no such code) is not kept. Two quotes may derive the
// same value at once; either copy is kept, and they are equal.
func lookup[K comparable, V any](mu *sync.RWMutex, m map[K]V, key K, derive func() (V, bool)) (V, bool) {
	mu.RLock()
	v, ok := m[key]
	mu.RUnlock()
	if ok {
		return v, true
	}
	if v, ok = derive(); ok {
		mu.Lock()
		m[key] = v
		mu.Unlock()
	}
	return v, ok
}

// material and colour are the catalogue's, by pointer so that items can
// refer to them without a copy each.
func (cp *catalogPlans) material(cat Catalog, code string) (*Material, bool) {
	return lookup(&cp.mu, cp.materials, code, func() (*Material, bool) {
		m, ok := cat.Material(code)
		return &m, ok
	})
}

func (cp *catalogPlans) colour(cat Catalog, code string) (*Colour, bool) {
	return lookup(&cp.mu, cp.colours, code, func() (*Colour, bool) {
		c, ok := cat.Colour(code)
		return &c, ok
	})
}

// planSource is a catalogue that keeps its own plans.
type planSource interface{ pricingPlans() *catalogPlans }

func (c *MemCatalog) pricingPlans() *catalogPlans { return c.plans }

// plansFor returns the catalogue's plans, or fresh ones for this quote.
func plansFor(cat Catalog) *catalogPlans {
	if ps, ok := cat.(planSource); ok && ps.pricingPlans() != nil {
		return ps.pricingPlans()
	}
	return newCatalogPlans()
}

// productPlan is a product resolved against the catalogue.
type productPlan struct {
	product Product
	lines   []plannedLine // the BOM in Order
	// labourRate is LabourRateM2 × Complexity (a zero complexity counts as 1).
	labourRate pair
	minW, maxW pair // size ranges, mm
	minH, maxH pair
	deductW    num // glass deductions, mm
	deductH    num
	hasDeduct  bool
}

// plannedLine is a BOM line with its material, role and compiled formulas.
type plannedLine struct {
	BOMLine
	mat              Material
	found            bool
	role             Role
	qty, count, size *Formula
	err              error  // a formula that does not compile
	cutFormula       string // "count × length", as the breakdown shows it
	cost             num    // mat.Cost
	barLength        num    // mat.BarLengthM
	lineWaste        pair   // the line's waste factor
	// waste is the factor por_metro and optimizado use (see
	// quotePricer.waste), unless defaultWaste says it is the company's.
	waste        pair
	defaultWaste bool
	// constant is set when the quantity formula reads no variable (and
	// evaluates): the same for every window, so it is worked out once.
	constant *constantLine
}

// constantLine is what a constant quantity formula comes to.
type constantLine struct {
	raw      float64 // the formula's value
	clamped  bool
	net      num  // raw clamped at 0, as evalLine makes it
	quantity pair // net × waste rounded, as por_metro charges it (unless the waste is the company's)
}

// product returns the plan of the product with that code, if it exists.
func (cp *catalogPlans) product(cat Catalog, code string) (*productPlan, bool) {
	return lookup(&cp.mu, cp.products, code, func() (*productPlan, bool) {
		p, ok := cat.Product(code)
		if !ok {
			return nil, false
		}
		return planProduct(cat, p), true
	})
}

func planProduct(cat Catalog, p Product) *productPlan {
	c := p.Complexity
	if c.IsZero() {
		c = one
	}
	pp := &productPlan{
		product: p, labourRate: pairOf(p.LabourRateM2.Mul(c)),
		minW: pairOf(p.MinWidthMM), maxW: pairOf(p.MaxWidthMM), minH: pairOf(p.MinHeightMM), maxH: pairOf(p.MaxHeightMM),
		deductW: numOf(p.GlassDeductWMM), deductH: numOf(p.GlassDeductHMM),
		hasDeduct: !p.GlassDeductWMM.IsZero() || !p.GlassDeductHMM.IsZero(),
	}
	bom := p.sortedBOM()
	pp.lines = make([]plannedLine, len(bom))
	for i, l := range bom {
		pl := &pp.lines[i]
		pl.BOMLine = l
		pl.mat, pl.found = cat.Material(l.MaterialCode)
		pl.role = l.Role
		if pl.role == "" {
			pl.role = roleForCategory(pl.mat.Category)
		}
		compile := func(src string) *Formula {
			if src == "" || pl.err != nil {
				return nil
			}
			f, err := CompileFormula(src)
			if err != nil {
				pl.err = err
			}
			return f
		}
		if l.hasCuts() {
			pl.count, pl.size = compile(l.CutCountFormula), compile(l.CutLengthFormula)
			pl.cutFormula = l.CutCountFormula + " × " + l.CutLengthFormula
		} else {
			pl.qty = compile(l.QuantityFormula)
		}
		pl.cost, pl.barLength = numOf(pl.mat.Cost), numOf(pl.mat.BarLengthM)
		pl.lineWaste = pairOf(l.WasteFactor)
		switch {
		case l.WasteFactor.IsPositive():
			pl.waste = pl.lineWaste
		case pl.mat.WasteFactor.IsPositive():
			pl.waste = pairOf(pl.mat.WasteFactor)
		case pl.role == RoleProfile:
			pl.defaultWaste = true
		default:
			pl.waste = pairOne
		}
		if pl.qty != nil && pl.qty.constant() {
			pl.constant = planConstant(pl)
		}
	}
	return pp
}

// planConstant evaluates a constant quantity formula as evalLine and the
// por_metro branch of priceItem would; nil if it fails, so that pricing
// reports the failure as usual.
func planConstant(pl *plannedLine) *constantLine {
	raw, err := pl.qty.Eval(Dims{})
	if err != nil {
		return nil
	}
	c := &constantLine{raw: raw}
	if raw < 0 {
		c.clamped, raw = true, 0
	}
	if c.net, err = numFromFormula(raw); err != nil {
		return nil
	}
	if !pl.defaultWaste {
		q := c.net.Mul(pl.waste.n).Round(3)
		c.quantity = pair{q.dec(), q}
	}
	return c
}

// colourPrice is a profile's price in a colour: the explicit price if there
// is one, else base cost × the colour's factor (exact, not rounded: rounding
// happens once, on the item's buckets).
func (cp *catalogPlans) colourPrice(cat Catalog, mat *Material, colour *Colour) pair {
	p, _ := lookup(&cp.mu, cp.prices, priceKey{mat, colour}, func() (pair, bool) {
		d, ok := cat.ColourPrice(mat.Code, colour.Code)
		switch {
		case ok:
		case colour.Factor.IsZero():
			d = mat.Cost
		default:
			d = mat.Cost.Mul(colour.Factor)
		}
		return pairOf(d), true
	})
	return p
}

// bomPrices are the colour prices of a product's profile lines, by BOM
// line (the other lines' entries are unused), so an item looks its colour
// up once rather than once per profile.
func (cp *catalogPlans) bomPrices(cat Catalog, p *productPlan, colour *Colour) []pair {
	prices, _ := lookup(&cp.mu, cp.bomPriced, bomColour{p, colour}, func() ([]pair, bool) {
		out := make([]pair, len(p.lines))
		for i := range p.lines {
			if l := &p.lines[i]; l.role == RoleProfile {
				out[i] = cp.colourPrice(cat, &l.mat, colour)
			}
		}
		return out, true
	})
	return prices
}
