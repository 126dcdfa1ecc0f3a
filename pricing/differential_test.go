package pricing

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// The differential tests price thousands of random quotes over random
// catalogues with PriceQuote and with the frozen decimal-only pricer in
// reference_test.go, and require identical results: every decimal with the
// same value and exponent, every float bit for bit, every string, slice
// (nil or not) and error message.

// diffValues appends to out a line per difference between a and b.
func diffValues(path string, a, b reflect.Value, out *[]string) {
	if len(*out) > 20 {
		return
	}
	if a.IsValid() != b.IsValid() {
		*out = append(*out, fmt.Sprintf("%s: valid %v vs %v", path, a.IsValid(), b.IsValid()))
		return
	}
	if !a.IsValid() {
		return
	}
	if a.Type() != b.Type() {
		*out = append(*out, fmt.Sprintf("%s: type %s vs %s", path, a.Type(), b.Type()))
		return
	}
	if a.Type() == reflect.TypeFor[decimal.Decimal]() {
		x, y := a.Interface().(decimal.Decimal), b.Interface().(decimal.Decimal)
		if x.Cmp(y) != 0 || x.Exponent() != y.Exponent() {
			*out = append(*out, fmt.Sprintf("%s: %s (exp %d) vs %s (exp %d)", path, x, x.Exponent(), y, y.Exponent()))
		}
		return
	}
	switch a.Kind() {
	case reflect.Float64:
		if x, y := a.Float(), b.Float(); math.Float64bits(x) != math.Float64bits(y) {
			*out = append(*out, fmt.Sprintf("%s: %v vs %v", path, x, y))
		}
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() != b.IsNil() {
			*out = append(*out, fmt.Sprintf("%s: nil %v vs %v", path, a.IsNil(), b.IsNil()))
			return
		}
		if !a.IsNil() {
			diffValues(path, a.Elem(), b.Elem(), out)
		}
	case reflect.Struct:
		for i := range a.NumField() {
			diffValues(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i), out)
		}
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			*out = append(*out, fmt.Sprintf("%s: len %d (nil %v) vs %d (nil %v)", path, a.Len(), a.IsNil(), b.Len(), b.IsNil()))
			return
		}
		for i := range a.Len() {
			diffValues(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i), out)
		}
	case reflect.Map:
		if a.Len() != b.Len() || a.IsNil() != b.IsNil() {
			*out = append(*out, fmt.Sprintf("%s: map len %d vs %d", path, a.Len(), b.Len()))
			return
		}
		for _, k := range a.MapKeys() {
			diffValues(fmt.Sprintf("%s[%v]", path, k), a.MapIndex(k), b.MapIndex(k), out)
		}
	default:
		if !a.CanInterface() {
			*out = append(*out, fmt.Sprintf("%s: unexported %s", path, a.Type()))
			return
		}
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			*out = append(*out, fmt.Sprintf("%s: %v vs %v", path, a.Interface(), b.Interface()))
		}
	}
}

// diffPriced compares two PriceQuote outcomes.
func diffPriced(gotRes *QuoteResult, gotErr error, wantRes *QuoteResult, wantErr error) []string {
	var out []string
	diffValues("result", reflect.ValueOf(gotRes), reflect.ValueOf(wantRes), &out)
	if (gotErr == nil) != (wantErr == nil) {
		return append(out, fmt.Sprintf("error: %v vs %v", gotErr, wantErr))
	}
	if gotErr != nil {
		if gotErr.Error() != wantErr.Error() {
			out = append(out, fmt.Sprintf("error: %q vs %q", gotErr, wantErr))
		}
		// FieldErrors hold causes (a *FormulaError) and arguments: compare all.
		diffValues("error", reflect.ValueOf(gotErr), reflect.ValueOf(wantErr), &out)
	}
	return out
}

// wrappedCatalog hides the *MemCatalog, as any other Catalog implementation
// would, so the pricer cannot use what it precomputes per MemCatalog.
type wrappedCatalog struct{ c *MemCatalog }

func (w wrappedCatalog) Material(code string) (Material, bool) { return w.c.Material(code) }
func (w wrappedCatalog) Colour(code string) (Colour, bool)     { return w.c.Colour(code) }
func (w wrappedCatalog) Product(code string) (Product, bool)   { return w.c.Product(code) }
func (w wrappedCatalog) ColourPrice(m, c string) (decimal.Decimal, bool) {
	return w.c.ColourPrice(m, c)
}

// embeddedCatalog is how db/ hands its snapshot over: a struct embedding
// *MemCatalog.
type embeddedCatalog struct {
	*MemCatalog
	Version int
}

// gen draws random catalogues and quotes. big makes prices, sizes and
// quantities large enough to overflow int64 fixed-point arithmetic.
type gen struct {
	r   *rand.Rand
	big bool
}

// dec draws a decimal with up to maxInt integer digits and up to places
// decimals, sometimes written with trailing zeros (1.50), which keeps a
// longer exponent, and rarely with a positive exponent (12E1).
func (g *gen) dec(maxInt int, places int) decimal.Decimal {
	intDigits := 1 + g.r.IntN(maxInt)
	p := 0
	if places > 0 {
		p = g.r.IntN(places + 1)
	}
	var b strings.Builder
	for i := range intDigits {
		d := g.r.IntN(10)
		if i == 0 && intDigits > 1 && d == 0 {
			d = 1
		}
		b.WriteByte(byte('0' + d))
	}
	if p > 0 {
		b.WriteByte('.')
		for range p {
			b.WriteByte(byte('0' + g.r.IntN(10)))
		}
		if g.r.IntN(4) == 0 {
			b.WriteString("00")
		}
	}
	d := decimal.RequireFromString(b.String())
	if g.r.IntN(40) == 0 && d.Exponent() == 0 && d.CoefficientInt64() < 1000 {
		d = decimal.New(d.CoefficientInt64(), 1)
	}
	return d
}

func (g *gen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

// waste is zero (unset) or a factor in [1, 3].
func (g *gen) waste() decimal.Decimal {
	switch g.r.IntN(4) {
	case 0:
		return decimal.Decimal{}
	case 1:
		return dec(g.pick("1.05", "1.10", "1.15", "1", "1.0", "1.5"))
	}
	return decimal.NewFromInt(1).Add(g.dec(1, 4).Mod(decimal.NewFromInt(2)))
}

func (g *gen) cost() decimal.Decimal {
	if g.big && g.r.IntN(2) == 0 {
		return g.dec(10, 6)
	}
	return g.dec(4, 2+g.r.IntN(3))
}

var (
	genQtyFormulas = []string{
		"width_m", "height_m", "2 * height_m", "2 * (width_m / 2)", "area_m2", "area_m2 * 0.5", "perimeter_m",
		"perimeter_m / 10", "4", "0.5", "20", "1", "0.3", "width_m - 2", "hojas * 2", "hojas > 1 ? 20 : 10",
		"math.ceil(perimeter_m / 0.5)", "round(width_m, 2)", "round(area_m2 * 3.7)", "min(width_m, 1.2) + max(height_m, 0.8)",
		"width_cm / 3 % 7", "pow(width_m, 2) / 3", "sqrt(area_m2)", "abs(width_m - height_m)", "floor(width_mm / 300) + 1",
		"quantity * 0.1", "width_mm / 7", "height_mm * 1.0000001", "1 / 3", "2 ** 0.5", "width_m ^ 2",
		"width_m > 1 && height_m < 2 ? 1.5 : 2.5", "not (hojas == 2) ? 1 : 0", "width_m <= 1 || hojas != 1 ? 3 : 4",
		"-width_m", "4 * (width_m / 2 + height_m)", "2 * (width_m + height_m)", "width_cm * height_cm / 10000",
		"0.1 + 0.2", "1e3 / width_mm", "-(-(width_m))", "width_mm * 1e6", "-1 % 3", "round(2.675, 2)",
		"height_m * 0.333333333", "0.5 - 2", "max(1, 2, 3, width_m)", "math.floor(height_cm) / 100", "math.sqrt(hojas)",
		"1 / (width_m - 1)", "width_mm * width_mm * 1000",
	}
	// genBadFormulas fail at evaluation, or (the last two) do not compile, an
	// empty one meaning "no quantity formula"; drawn rarely, or no quote
	// would price.
	genBadFormulas    = []string{"round(width_m, 300)", "1 / 0 * 0", "sqrt(-hojas)", "max(7 % 3, 1)", "anchoo * 2", ""}
	genCountFormulas  = []string{"2", "hojas", "1", "2.0000000001", "hojas * 2", "width_m > 1.5 ? 3 : 2", "-1", "0", "1.5"}
	genLengthFormulas = []string{"width_mm - 10", "height_mm / 2 - 3", "height_mm", "width_mm / hojas - 15.5",
		"width_mm + 5000", "-5", "height_mm * 0.5 + 0.4"}
	genCategories = []Category{CategoryProfiles, CategoryGlass, CategoryHardware, CategoryConsumables, CategoryLabour, CategoryOther}
	genRoles      = []Role{"", "", RoleProfile, RoleGlass, RoleHardware, RoleConsumable, RoleLabour}
	genUnits      = []Unit{UnitML, UnitM2, UnitPZA, UnitCartucho, UnitLTS, UnitKG}
	genTypes      = []ProductType{TypeFija, TypeCorrediza, TypeProyectante, TypeAbatible, TypeOscilobatiente, TypePuerta}
)

func (g *gen) catalogue() *MemCatalog {
	var mats []Material
	for i := range 6 + g.r.IntN(14) {
		cat := genCategories[g.r.IntN(len(genCategories))]
		if i < 3 {
			cat = CategoryProfiles
		} else if i < 5 {
			cat = CategoryGlass
		}
		m := Material{Code: fmt.Sprintf("M%d", i), Name: fmt.Sprintf("Material %d", i), Category: cat,
			Unit: genUnits[g.r.IntN(len(genUnits))], Cost: g.cost()}
		switch cat {
		case CategoryProfiles:
			m.Unit = UnitML
			if g.r.IntN(5) > 0 {
				m.BarLengthM = dec(g.pick("6", "6.0", "6.10", "4.6", "5.85", "3"))
			}
		case CategoryGlass:
			m.Unit = UnitM2
		}
		if g.r.IntN(3) == 0 {
			m.WasteFactor = g.waste()
		}
		if g.r.IntN(30) == 0 {
			m.Cost = decimal.Decimal{}
		}
		mats = append(mats, m)
	}
	var cols []Colour
	for i := range g.r.IntN(5) {
		c := Colour{Code: fmt.Sprintf("C%d", i), Name: fmt.Sprintf("Color %d", i), Factor: decimal.NewFromInt(1).Add(g.dec(1, 3).Div(decimal.NewFromInt(10)))}
		if g.r.IntN(10) == 0 {
			c.Factor = decimal.Decimal{}
		}
		cols = append(cols, c)
	}
	var prices []ColourPrice
	for _, m := range mats[:3] {
		for _, c := range cols {
			if g.r.IntN(3) == 0 {
				prices = append(prices, ColourPrice{MaterialCode: m.Code, ColourCode: c.Code, Price: g.cost()})
			}
		}
	}
	var prods []Product
	for i := range 1 + g.r.IntN(5) {
		p := Product{Code: fmt.Sprintf("P%d", i), Name: fmt.Sprintf("Producto %d", i), Type: genTypes[g.r.IntN(len(genTypes))],
			Hojas: 1 + g.r.IntN(4), MinWidthMM: decimal.NewFromInt(int64(300 + g.r.IntN(300))), MinHeightMM: decimal.NewFromInt(300),
			LabourRateM2: g.dec(3, 2), Complexity: g.dec(1, 2)}
		if g.r.IntN(2) == 0 {
			p.MaxWidthMM, p.MaxHeightMM = decimal.NewFromInt(3000), decimal.NewFromInt(2500)
		}
		if g.r.IntN(4) == 0 {
			p.Complexity = decimal.Decimal{}
		}
		if g.r.IntN(2) == 0 {
			p.GlassDeductWMM, p.GlassDeductHMM = g.dec(2, 1), g.dec(2, 1)
			if g.r.IntN(10) == 0 { // more than the window: no glass left
				p.GlassDeductWMM = g.dec(4, 1)
			}
		}
		for j := range 1 + g.r.IntN(12) {
			m := mats[g.r.IntN(len(mats))]
			l := BOMLine{MaterialCode: m.Code, Role: genRoles[g.r.IntN(len(genRoles))], Description: g.pick("", "Riel", "Jamba"),
				Order: g.r.IntN(5)}
			if m.Category == CategoryProfiles && g.r.IntN(2) == 0 {
				l.CutCountFormula = genCountFormulas[g.r.IntN(len(genCountFormulas))]
				l.CutLengthFormula = genLengthFormulas[g.r.IntN(len(genLengthFormulas))]
			} else {
				l.QuantityFormula = genQtyFormulas[g.r.IntN(len(genQtyFormulas))]
				if g.r.IntN(300) == 0 {
					l.QuantityFormula = genBadFormulas[g.r.IntN(len(genBadFormulas))]
				}
			}
			if g.r.IntN(2) == 0 {
				l.WasteFactor = g.waste()
			}
			if j > 0 && g.r.IntN(400) == 0 {
				l.MaterialCode = "NO-EXISTE"
			}
			p.BOM = append(p.BOM, l)
		}
		prods = append(prods, p)
	}
	c, err := NewMemCatalog(mats, cols, prods, prices)
	if err != nil {
		panic(err)
	}
	return c
}

// rate draws a fraction below limit (1 or 10).
func (g *gen) rate(limit int64, places int) decimal.Decimal {
	if g.r.IntN(2) == 0 {
		return dec(g.pick("0.25", "0.15", "0.16", "0.08", "0", "0.5", "0.3333"))
	}
	return g.dec(2, places).Mod(decimal.NewFromInt(limit))
}

func (g *gen) quote(cat *MemCatalog) QuoteInput {
	in := QuoteInput{Mode: []Mode{"", ModeByMetre, ModeOptimised, ModeCompatible}[g.r.IntN(4)], Rates: DefaultRates()}
	if g.r.IntN(2) == 0 {
		in.Rates = Rates{Profit: g.rate(10, 4), Indirect: g.rate(10, 4), IVA: g.rate(1, 2), IVAExempt: g.r.IntN(8) == 0,
			Deposit: g.rate(1, 2)}
		if g.r.IntN(2) == 0 {
			in.Rates.ProfileWaste = g.waste()
		}
	}
	if g.r.IntN(5) == 0 {
		o := g.dec(3, 2)
		in.LabourRateM2 = &o
	}
	switch g.r.IntN(5) {
	case 0:
		in.Discount.Rate = g.rate(1, 3)
	case 1:
		in.Discount.Amount = g.dec(1+g.r.IntN(6), 2)
	}
	if g.r.IntN(4) == 0 {
		in.Cut = CutSettings{KerfMM: g.r.IntN(6), TrimMM: g.r.IntN(20), MinOffcutMM: g.r.IntN(800)}
	}
	prods, cols := cat.Products(), cat.Colours()
	mats := cat.Materials()
	items, maxQty := 25, 4
	if in.Mode == ModeOptimised {
		items, maxQty = 6, 2 // packing thousands of pieces is slow in both pricers
	}
	for range g.r.IntN(items) {
		p := prods[g.r.IntN(len(prods))]
		it := ItemInput{ProductCode: p.Code, Quantity: 1 + g.r.IntN(maxQty)}
		if len(cols) > 0 && g.r.IntN(4) > 0 {
			it.ColourCode = cols[g.r.IntN(len(cols))].Code
		}
		if g.r.IntN(3) > 0 {
			it.GlassCode = mats[3+g.r.IntN(2)].Code
		}
		w, h := 600+g.r.IntN(2400), 300+g.r.IntN(2200)
		it.WidthMM, it.HeightMM = decimal.NewFromInt(int64(w)), decimal.NewFromInt(int64(h))
		if g.r.IntN(4) == 0 {
			it.WidthMM = it.WidthMM.Add(g.dec(1, 3).Div(decimal.NewFromInt(10)))
		}
		if g.big && in.Mode != ModeOptimised && g.r.IntN(3) == 0 {
			// Far beyond a real window, within the limits: only without a maximum.
			if !p.MaxWidthMM.IsPositive() {
				it.WidthMM = g.dec(5, 3).Add(mm(1000))
				it.HeightMM = g.dec(5, 3).Add(mm(1000))
			}
			it.Quantity = 1 + g.r.IntN(MaxItemQuantity)
		}
		it.Optional = g.r.IntN(8) == 0
		if g.r.IntN(400) == 0 { // an invalid line now and then
			switch g.r.IntN(4) {
			case 0:
				it.ProductCode = "NOPE"
			case 1:
				it.Quantity = 0
			case 2:
				it.ColourCode = "ROJO"
			case 3:
				it.GlassCode = mats[0].Code
			}
		}
		in.Items = append(in.Items, it)
	}
	for range g.r.IntN(4) {
		m := mats[g.r.IntN(len(mats))]
		l := MaterialLineInput{MaterialCode: m.Code, Quantity: g.dec(2, 6), Optional: g.r.IntN(6) == 0}
		if g.big {
			l.Quantity = g.dec(6, 6)
		}
		if len(cols) > 0 && g.r.IntN(3) == 0 {
			l.ColourCode = cols[g.r.IntN(len(cols))].Code
		}
		in.Materials = append(in.Materials, l)
	}
	return in
}

// differentialCases is how many random quotes each test prices; fewer under
// the race detector, which slows both pricers tenfold.
func differentialCases() int {
	switch {
	case raceEnabled:
		return 400
	case testing.Short():
		return 500
	}
	return 3000
}

func checkSame(t *testing.T, label string, cat Catalog, in QuoteInput) bool {
	t.Helper()
	want, wantErr := refPriceQuote(cat, in)
	got, gotErr := PriceQuote(cat, in)
	if d := diffPriced(got, gotErr, want, wantErr); len(d) > 0 {
		t.Errorf("%s: PriceQuote differs from the reference pricer:\n  %s", label, strings.Join(d, "\n  "))
		return false
	}
	return true
}

func TestPriceQuoteMatchesReference(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	n := differentialCases()
	var priced, failed, bigCases int
	var cat *MemCatalog
	for i := range n {
		g := &gen{r: rand.New(rand.NewPCG(seed, uint64(i))), big: i%5 == 4}
		if i%8 == 0 || g.big {
			cat = g.catalogue()
		}
		in := g.quote(cat)
		var c Catalog = cat
		switch i % 3 {
		case 1:
			c = wrappedCatalog{cat}
		case 2:
			c = embeddedCatalog{MemCatalog: cat}
		}
		label := fmt.Sprintf("case %d (seed %d, big %v, mode %q)", i, seed, g.big, in.Mode)
		if !checkSame(t, label, c, in) {
			failed++
			if failed >= 3 {
				t.FailNow()
			}
		}
		if _, err := refPriceQuote(c, in); err == nil {
			priced++
			if g.big {
				bigCases++
			}
		}
	}
	// The cases must mostly price, not stop at validation, or the test
	// would compare little more than error messages.
	if priced < n*2/3 || bigCases < n/10 {
		t.Errorf("only %d of %d quotes priced (%d large); the generator needs adjusting", priced, n, bigCases)
	}
	t.Logf("%d quotes, %d priced, %d of them large", n, priced, bigCases)
}

// TestPriceQuoteMatchesReferenceFixed covers the fixed quotes of the other
// tests and the benchmark, in every mode.
func TestPriceQuoteMatchesReferenceFixed(t *testing.T) {
	seed, test := PrototypeSeedCatalog(), testCatalog(t)
	for _, mode := range []Mode{ModeByMetre, ModeOptimised, ModeCompatible} {
		checkSame(t, "worked example "+string(mode), seed, workedExampleInput(mode))
		checkSame(t, "bench "+string(mode), seed, func() QuoteInput { in := benchQuote20(); in.Mode = mode; return in }())
		checkSame(t, "p1 "+string(mode), test, p1Input(mode))
		for _, p := range []string{"P2", "P3", "P4", "P5"} {
			checkSame(t, p+" "+string(mode), test, QuoteInput{Mode: mode, Rates: DefaultRates(),
				Items: []ItemInput{{ProductCode: p, GlassCode: "VID-X", WidthMM: mm(1000), HeightMM: mm(1000), Quantity: 2}}})
		}
	}
}

// TestDiffPricedCatchesChanges makes sure the comparison is not vacuous: a
// centavo, an exponent, a float bit or a nil slice is a difference.
func TestDiffPricedCatchesChanges(t *testing.T) {
	in := benchQuote20()
	a, _ := refPriceQuote(PrototypeSeedCatalog(), in)
	mutations := map[string]func(r *QuoteResult){
		"centavo":  func(r *QuoteResult) { r.Totals.Total = r.Totals.Total.Add(dec("0.01")) },
		"exponent": func(r *QuoteResult) { r.Items[3].Lines[2].Quantity = r.Items[3].Lines[2].Quantity.Round(6) },
		"float":    func(r *QuoteResult) { r.Items[0].Lines[0].Raw = math.Nextafter(r.Items[0].Lines[0].Raw, 10) },
		"nil":      func(r *QuoteResult) { r.Cuts = []CutGroup{} },
		"string":   func(r *QuoteResult) { r.Items[5].Lines[1].Formula += " " },
	}
	for name, mutate := range mutations {
		b, _ := refPriceQuote(PrototypeSeedCatalog(), in)
		if d := diffPriced(b, nil, a, nil); len(d) > 0 {
			t.Fatalf("two runs of the reference differ: %v", d)
		}
		mutate(b)
		if d := diffPriced(b, nil, a, nil); len(d) == 0 {
			t.Errorf("%s: the change went unnoticed", name)
		}
	}
}
