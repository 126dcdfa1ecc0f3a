package pricing

import (
	"fmt"
	"slices"
	"sort"

	"github.com/shopspring/decimal"
)

// Catalogue input types. They are plain values: db/ fills them from its rows
// and pricing never knows where they came from.

// Category is a material's catalogue category (the prototype's spelling).
type Category string

const (
	CategoryProfiles    Category = "Perfiles"
	CategoryGlass       Category = "Vidrio"
	CategoryHardware    Category = "Herrajes"
	CategoryConsumables Category = "Consumibles"
	CategoryLabour      Category = "Mano de obra"
	CategoryOther       Category = "Otros"
)

// Unit is a material's unit of sale.
type Unit string

const (
	UnitML       Unit = "ML" // metro lineal
	UnitM2       Unit = "M2"
	UnitPZA      Unit = "PZA"
	UnitCartucho Unit = "CARTUCHO"
	UnitLTS      Unit = "LTS"
	UnitKG       Unit = "KG"
)

// Material is one catalogue material. Cost is per Unit.
type Material struct {
	Code        string
	Name        string
	Category    Category
	Unit        Unit
	Cost        decimal.Decimal
	BarLengthM  decimal.Decimal // tramo for profiles (6.10, 6.00, 4.60); zero if not sold by bar
	WasteFactor decimal.Decimal // ≥ 1; zero means "use the line's or the company default"
}

// Colour is a finish; Factor multiplies a profile's base cost when there is
// no explicit price for that material in that colour.
type Colour struct {
	Code   string
	Name   string
	Factor decimal.Decimal
}

// ColourPrice is an explicit price of a material in a colour.
type ColourPrice struct {
	MaterialCode string
	ColourCode   string
	Price        decimal.Decimal
}

// ProductType is the opening type; it selects the prototype labour rate.
type ProductType string

const (
	TypeFija           ProductType = "fija"
	TypeCorrediza      ProductType = "corrediza"
	TypeProyectante    ProductType = "proyectante"
	TypeAbatible       ProductType = "abatible"
	TypeOscilobatiente ProductType = "oscilobatiente"
	TypePuerta         ProductType = "puerta"
)

// Role says which bucket a BOM line's cost goes to.
type Role string

const (
	RoleProfile    Role = "perfil"
	RoleGlass      Role = "vidrio"
	RoleHardware   Role = "herraje"
	RoleConsumable Role = "consumible"
	RoleLabour     Role = "mano_de_obra"
)

// roleForCategory is the fallback when a BOM line has no role.
func roleForCategory(c Category) Role {
	switch c {
	case CategoryProfiles:
		return RoleProfile
	case CategoryGlass:
		return RoleGlass
	case CategoryHardware:
		return RoleHardware
	case CategoryLabour:
		return RoleLabour
	}
	return RoleConsumable
}

// BOMLine is one material of a product's bill of materials. Quantities are
// per single window; the item quantity multiplies them afterwards.
type BOMLine struct {
	MaterialCode    string
	Role            Role
	QuantityFormula string // in the material's unit (metres for ML profiles)
	// For profiles, instead of QuantityFormula: CutCountFormula pieces of
	// CutLengthFormula mm each (metres = count × length / 1000); this is what
	// lets the workshop order list the cuts.
	CutCountFormula  string
	CutLengthFormula string
	WasteFactor      decimal.Decimal // ≥ 1; zero means unset
	Description      string
	Order            int
}

// hasCuts reports whether the line is given as cuts rather than a quantity.
func (l BOMLine) hasCuts() bool {
	return l.QuantityFormula == "" && l.CutCountFormula != "" && l.CutLengthFormula != ""
}

// Product is a sellable window or door with its BOM. Ranges are in mm; a
// zero maximum means no upper limit.
type Product struct {
	Code           string
	Name           string
	Type           ProductType
	Hojas          int
	MinWidthMM     decimal.Decimal
	MaxWidthMM     decimal.Decimal
	MinHeightMM    decimal.Decimal
	MaxHeightMM    decimal.Decimal
	LabourRateM2   decimal.Decimal // MXN per m²
	Complexity     decimal.Decimal // factor on the labour rate; zero means 1
	GlassDeductWMM decimal.Decimal // frame deduction from the width for the glass, mm
	GlassDeductHMM decimal.Decimal // frame deduction from the height for the glass, mm
	BOM            []BOMLine
}

// sortedBOM returns the BOM ordered by Order, stable for equal orders.
func (p Product) sortedBOM() []BOMLine {
	lines := append([]BOMLine(nil), p.BOM...)
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Order < lines[j].Order })
	return lines
}

// Catalog is what the pricer reads. db/ implements it over its tables (or
// fills a MemCatalog); lookups are by code.
type Catalog interface {
	Material(code string) (Material, bool)
	Colour(code string) (Colour, bool)
	Product(code string) (Product, bool)
	// ColourPrice returns the explicit price of a material in a colour.
	ColourPrice(materialCode, colourCode string) (decimal.Decimal, bool)
}

type colourKey struct{ material, colour string }

// MemCatalog is an in-memory Catalog, also the shape in which the prototype
// seed catalogue is handed to the loader. Build it with NewMemCatalog.
type MemCatalog struct {
	materials    []Material
	colours      []Colour
	products     []Product
	colourPrices []ColourPrice

	materialIdx map[string]int
	colourIdx   map[string]int
	productIdx  map[string]int
	priceIdx    map[colourKey]decimal.Decimal

	plans *catalogPlans // derived by the pricer as it goes (see plan.go)
}

// NewMemCatalog indexes the given rows; duplicate codes are an error.
func NewMemCatalog(materials []Material, colours []Colour, products []Product, prices []ColourPrice) (*MemCatalog, error) {
	c := &MemCatalog{
		materials:    append([]Material(nil), materials...),
		colours:      append([]Colour(nil), colours...),
		products:     append([]Product(nil), products...),
		colourPrices: append([]ColourPrice(nil), prices...),
		materialIdx:  make(map[string]int, len(materials)),
		colourIdx:    make(map[string]int, len(colours)),
		productIdx:   make(map[string]int, len(products)),
		priceIdx:     make(map[colourKey]decimal.Decimal, len(prices)),
		plans:        newCatalogPlans(),
	}
	for i, m := range c.materials {
		if _, dup := c.materialIdx[m.Code]; dup {
			return nil, fmt.Errorf("duplicate material %q", m.Code)
		}
		c.materialIdx[m.Code] = i
	}
	for i, col := range c.colours {
		if _, dup := c.colourIdx[col.Code]; dup {
			return nil, fmt.Errorf("duplicate colour %q", col.Code)
		}
		c.colourIdx[col.Code] = i
	}
	for i, p := range c.products {
		if _, dup := c.productIdx[p.Code]; dup {
			return nil, fmt.Errorf("duplicate product %q", p.Code)
		}
		c.productIdx[p.Code] = i
	}
	for _, cp := range c.colourPrices {
		k := colourKey{cp.MaterialCode, cp.ColourCode}
		if _, dup := c.priceIdx[k]; dup {
			return nil, fmt.Errorf("duplicate colour price %q/%q", cp.MaterialCode, cp.ColourCode)
		}
		c.priceIdx[k] = cp.Price
	}
	return c, nil
}

func (c *MemCatalog) Material(code string) (Material, bool) {
	i, ok := c.materialIdx[code]
	if !ok {
		return Material{}, false
	}
	return c.materials[i], true
}

func (c *MemCatalog) Colour(code string) (Colour, bool) {
	i, ok := c.colourIdx[code]
	if !ok {
		return Colour{}, false
	}
	return c.colours[i], true
}

func (c *MemCatalog) Product(code string) (Product, bool) {
	i, ok := c.productIdx[code]
	if !ok {
		return Product{}, false
	}
	return c.products[i], true
}

func (c *MemCatalog) ColourPrice(materialCode, colourCode string) (decimal.Decimal, bool) {
	p, ok := c.priceIdx[colourKey{materialCode, colourCode}]
	return p, ok
}

// Materials returns the materials in insertion order (a copy).
func (c *MemCatalog) Materials() []Material { return append([]Material(nil), c.materials...) }

// Colours returns the colours in insertion order (a copy).
func (c *MemCatalog) Colours() []Colour { return append([]Colour(nil), c.colours...) }

// Products returns the products in insertion order (a copy; BOMs are shared).
func (c *MemCatalog) Products() []Product { return append([]Product(nil), c.products...) }

// ColourPrices returns the explicit colour prices in insertion order (a copy).
func (c *MemCatalog) ColourPrices() []ColourPrice {
	return append([]ColourPrice(nil), c.colourPrices...)
}

// ValidateProduct checks a product before it is saved: ranges, waste factors
// and every formula, with an error per field ("bom[2].quantity_formula").
// A formula must compile, and then every BOM line must also evaluate, by the
// rule quotes use, at the four corners of the product's size range: a
// formula that divides by zero, overflows or asks round() for impossible
// digits there would make every quote of that size fail, so it is refused
// when the product is saved rather than met by a salesperson.
func ValidateProduct(p Product) error {
	var errs FieldErrors
	rangesOK := true
	if p.MaxWidthMM.IsPositive() && p.MinWidthMM.GreaterThan(p.MaxWidthMM) {
		errs = append(errs, fieldErr("min_width_mm", "catalog.range_order", nil))
		rangesOK = false
	}
	if p.MaxHeightMM.IsPositive() && p.MinHeightMM.GreaterThan(p.MaxHeightMM) {
		errs = append(errs, fieldErr("min_height_mm", "catalog.range_order", nil))
		rangesOK = false
	}
	var corners [][2]decimal.Decimal
	if rangesOK {
		corners = sizeCorners(p)
	}
	for i, l := range p.BOM {
		prefix := fmt.Sprintf("bom[%d].", i)
		if !validWaste(l.WasteFactor) {
			errs = append(errs, fieldErr(prefix+"waste_factor", "catalog.waste_range", nil))
		}
		if l.QuantityFormula == "" && (l.CutCountFormula == "" || l.CutLengthFormula == "") {
			errs = append(errs, fieldErr(prefix+"quantity_formula", "catalog.bom_quantity", nil))
			continue
		}
		compiled := true
		check := func(field, src string) {
			if src == "" {
				return
			}
			if err := ValidateFormula(src); err != nil {
				fe := fieldErr(prefix+field, "catalog.bom_formula", map[string]any{"Line": i + 1, "Reason": err})
				fe.Err = err
				errs = append(errs, fe)
				compiled = false
			}
		}
		check("quantity_formula", l.QuantityFormula)
		check("cut_count_formula", l.CutCountFormula)
		check("cut_length_formula", l.CutLengthFormula)
		if compiled {
			if fe := evalAtCorners(p, i, l, corners); fe != nil {
				errs = append(errs, fe)
			}
		}
	}
	return errs.errOrNil()
}

// sizeCorners are the four extreme sizes (width, height) a quote of p may
// ask for, in mm, without repeats. An unset minimum is 1 mm (a quote needs
// a positive size) and an unset maximum MaxDimensionMM, the largest a quote
// accepts.
func sizeCorners(p Product) [][2]decimal.Decimal {
	bound := func(v, unset decimal.Decimal) decimal.Decimal {
		if v.IsPositive() {
			return v
		}
		return unset
	}
	maxDim, minDim := decimal.NewFromInt(MaxDimensionMM), decimal.NewFromInt(1)
	ws := []decimal.Decimal{bound(p.MinWidthMM, minDim), bound(p.MaxWidthMM, maxDim)}
	hs := []decimal.Decimal{bound(p.MinHeightMM, minDim), bound(p.MaxHeightMM, maxDim)}
	var out [][2]decimal.Decimal
	for _, w := range ws {
		for _, h := range hs {
			c := [2]decimal.Decimal{w, h}
			if !slices.ContainsFunc(out, func(o [2]decimal.Decimal) bool { return o[0].Equal(w) && o[1].Equal(h) }) {
				out = append(out, c)
			}
		}
	}
	return out
}

// evalAtCorners runs BOM line i of p (its formulas compile) through net, the
// rule quotes use, for one window of each corner size, and reports the first
// failure as catalog.bom_formula_size on the formula that failed. A glass
// line sees the size after the glass deductions, as in a quote; a line
// without a role may turn out to be glass (its material's category
// decides), so it is tried both ways.
func evalAtCorners(p Product, i int, l BOMLine, corners [][2]decimal.Decimal) *FieldError {
	pl := plannedLine{BOMLine: l}
	if l.hasCuts() {
		pl.count, pl.err = CompileFormula(l.CutCountFormula)
		if pl.err == nil {
			pl.size, pl.err = CompileFormula(l.CutLengthFormula)
		}
	} else {
		pl.qty, pl.err = CompileFormula(l.QuantityFormula)
	}
	if pl.err != nil {
		return nil // reported as catalog.bom_formula
	}
	dW, dH := numOf(p.GlassDeductWMM), numOf(p.GlassDeductHMM)
	deducts := !dW.IsZero() || !dH.IsZero()
	asWindow := l.Role != RoleGlass || !deducts
	asGlass := (l.Role == RoleGlass || l.Role == "") && deducts
	var ld LineDetail
	for _, c := range corners {
		w, h := numOf(c[0]), numOf(c[1])
		var which bomFormula
		var err error
		if asWindow {
			dims := newDims(w, h, p.Hojas, 1)
			_, which, err = pl.net(&dims, &ld)
		}
		if err == nil && asGlass {
			dims := newDims(positive(w.Sub(dW)), positive(h.Sub(dH)), p.Hojas, 1)
			_, which, err = pl.net(&dims, &ld)
		}
		if err == nil {
			continue
		}
		field, src := "quantity_formula", l.QuantityFormula
		switch which {
		case bomCutCount:
			field, src = "cut_count_formula", l.CutCountFormula
		case bomCutLength:
			field, src = "cut_length_formula", l.CutLengthFormula
		}
		fe := fieldErr(fmt.Sprintf("bom[%d].%s", i, field), "catalog.bom_formula_size", map[string]any{
			"Formula": src, "Line": i + 1, "Width": c[0].String(), "Height": c[1].String(), "Reason": err})
		fe.Err = err
		return fe
	}
	return nil
}

// ValidateMaterial checks a material before it is saved.
func ValidateMaterial(m Material) error {
	var errs FieldErrors
	if !validWaste(m.WasteFactor) {
		errs = append(errs, fieldErr("waste_factor", "catalog.waste_range", nil))
	}
	if m.BarLengthM.IsNegative() {
		errs = append(errs, fieldErr("bar_length_m", "catalog.bar_length_negative", nil))
	}
	if m.Cost.IsNegative() {
		errs = append(errs, fieldErr("cost", "catalog.cost_negative", nil))
	}
	return errs.errOrNil()
}

// ValidateColour checks a colour before it is saved.
func ValidateColour(c Colour) error {
	if !c.Factor.IsPositive() {
		return FieldErrors{fieldErr("factor", "catalog.factor_positive", nil)}
	}
	return nil
}

var maxWaste = decimal.NewFromInt(3)

// validWaste accepts zero (unset) or a factor in [1, 3].
func validWaste(w decimal.Decimal) bool {
	return w.IsZero() || (w.GreaterThanOrEqual(one) && w.LessThanOrEqual(maxWaste))
}
