package pricing

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/shopspring/decimal"
)

func mm(v int64) decimal.Decimal { return decimal.NewFromInt(v) }

// wantMoney compares decimals by value and names the figure on failure.
func wantMoney(t *testing.T, name string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(dec(want)) {
		t.Errorf("%s = %s, want %s", name, got.StringFixed(2), want)
	}
}

func mustPrice(t *testing.T, cat Catalog, in QuoteInput) *QuoteResult {
	t.Helper()
	res, err := PriceQuote(cat, in)
	if err != nil {
		t.Fatalf("PriceQuote: %v", err)
	}
	return res
}

func workedExampleInput(mode Mode) QuoteInput {
	return QuoteInput{
		Mode:  mode,
		Rates: DefaultRates(),
		Items: []ItemInput{{ProductCode: "PROTO-COR-3", ColourCode: "NAT", GlassCode: "VID-CLARO-6",
			WidthMM: mm(1500), HeightMM: mm(1200), Quantity: 1}},
	}
}

// TestWorkedExample is DOMAIN.md's example, to the centavo: a 2-hoja sliding
// window 1500 × 1200 mm, qty 1, Natural, Claro 6 mm, compatible mode.
//
//	profiles: six lines, each ≤ 6 m × 1.05, so one 6 m bar each:
//	  RS 6×52 + ZO 6×55 + JA 6×48 + JA 6×48 + ZO 6×55 + TR 6×60 = 1908.00
//	glass: 1.8 m² × 120 × 1.05 = 226.80 (the BOM's glass line is ignored)
//	hardware: 4 × 1.05 × 15 = 63.00
//	consumables: felpa 7.8 × 1.05 × 2.50 = 20.475 (ML, no bar length)
//	  + silicona 0.5 × 1.05 × 80 = 42 + pijas 21 × 0.50 = 10.50 + cuñas 8.4 × 0.80 = 6.72
//	  = 79.695 → 79.70
//	labour: 1.8 × 65 × 1.2 = 140.40
//	cost 2417.90; utilidad 604.475 → 604.48; indirectos 362.685 → 362.69;
//	subtotal = 2417.90 × 1.40 = 3385.06 exactly (not 2417.90 + 604.48 + 362.69);
//	IVA 541.6096 → 541.61; total 3926.67; anticipo 1963.335 → 1963.34.
func TestWorkedExample(t *testing.T) {
	res := mustPrice(t, PrototypeSeedCatalog(), workedExampleInput(ModeCompatible))
	it := res.Items[0]
	wantMoney(t, "profiles", it.Buckets.Profiles, "1908.00")
	wantMoney(t, "glass", it.Buckets.Glass, "226.80")
	wantMoney(t, "hardware", it.Buckets.Hardware, "63.00")
	wantMoney(t, "consumables", it.Buckets.Consumables, "79.70")
	wantMoney(t, "labour", it.Buckets.Labour, "140.40")
	tot := res.Totals
	wantMoney(t, "materials", tot.Materials, "2277.50")
	wantMoney(t, "cost", tot.Cost, "2417.90")
	wantMoney(t, "utilidad", tot.Profit, "604.48")
	wantMoney(t, "indirectos", tot.Indirect, "362.69")
	wantMoney(t, "subtotal", tot.Subtotal, "3385.06")
	wantMoney(t, "IVA", tot.IVA, "541.61")
	wantMoney(t, "total", tot.Total, "3926.67")
	wantMoney(t, "anticipo", tot.Deposit, "1963.34")
	wantMoney(t, "saldo", tot.Balance, "1963.33")
	wantMoney(t, "line amount", it.Amount, "3385.06")
	wantMoney(t, "unit price", it.UnitPrice, "3385.06")
	if got, want := AmountInWords(tot.Total), "TRES MIL NOVECIENTOS VEINTISÉIS PESOS 67/100 M.N."; got != want {
		t.Errorf("total in words = %q, want %q", got, want)
	}
	if got := FormatMXN(tot.Total); got != "$3,926.67 MXN" {
		t.Errorf("FormatMXN(total) = %q", got)
	}

	// The breakdown shows every BOM line, the ignored glass line included.
	var bars, ignored int
	for _, l := range it.Lines {
		bars += l.Bars
		if l.Ignored {
			ignored++
			if l.Role != RoleGlass || !l.Cost.IsZero() {
				t.Errorf("ignored line %+v, want the BOM's glass line at no cost", l)
			}
		}
	}
	if bars != 6 || ignored != 1 || len(it.Lines) != 14 {
		t.Errorf("bars %d, ignored %d, lines %d; want 6, 1, 14 (12 BOM + glass + labour)", bars, ignored, len(it.Lines))
	}
}

// testCatalog is a small catalogue with round numbers for hand-checked cases.
func testCatalog(t testing.TB) *MemCatalog {
	t.Helper()
	mats := []Material{
		{Code: "PER-A", Name: "Perfil A", Category: CategoryProfiles, Unit: UnitML, Cost: dec("100"), BarLengthM: dec("6")},
		{Code: "VID-X", Name: "Vidrio X", Category: CategoryGlass, Unit: UnitM2, Cost: dec("200")},
		{Code: "VID-Y", Name: "Vidrio Y", Category: CategoryGlass, Unit: UnitM2, Cost: dec("300")},
		{Code: "HER-H", Name: "Herraje H", Category: CategoryHardware, Unit: UnitPZA, Cost: dec("10")},
		{Code: "CON-S", Name: "Sellador", Category: CategoryConsumables, Unit: UnitCartucho, Cost: dec("80")},
		{Code: "CON-C", Name: "Centavo", Category: CategoryConsumables, Unit: UnitPZA, Cost: dec("0.01")},
		{Code: "CON-U", Name: "Unidad", Category: CategoryConsumables, Unit: UnitPZA, Cost: dec("1")},
		{Code: "MO-I", Name: "Instalación", Category: CategoryLabour, Unit: UnitPZA, Cost: dec("50")},
	}
	colours := []Colour{
		{Code: "BLA", Name: "Blanco", Factor: dec("1.15")},
		{Code: "NEG", Name: "Negro", Factor: dec("1.20")},
	}
	prices := []ColourPrice{{MaterialCode: "PER-A", ColourCode: "NEG", Price: dec("130")}}
	p1 := Product{
		Code: "P1", Name: "Ventana de prueba", Type: TypeCorrediza, Hojas: 2,
		MinWidthMM: mm(500), MaxWidthMM: mm(3000), MinHeightMM: mm(500), MaxHeightMM: mm(2500),
		LabourRateM2: dec("100"), Complexity: dec("1.5"), GlassDeductWMM: dec("40"), GlassDeductHMM: dec("30"),
		BOM: []BOMLine{
			{MaterialCode: "PER-A", Role: RoleProfile, CutCountFormula: "2", CutLengthFormula: "width_mm - 10", Description: "Rieles", Order: 1},
			{MaterialCode: "PER-A", Role: RoleProfile, QuantityFormula: "2 * height_m", WasteFactor: dec("1.05"), Description: "Jambas", Order: 2},
			{MaterialCode: "VID-X", Role: RoleGlass, QuantityFormula: "area_m2", Description: "Vidrio", Order: 3},
			{MaterialCode: "HER-H", Role: RoleHardware, QuantityFormula: "hojas * 2", Order: 4},
			{MaterialCode: "CON-S", QuantityFormula: "perimeter_m / 10", Order: 5}, // role from category
			{MaterialCode: "MO-I", Role: RoleLabour, QuantityFormula: "1", Order: 6},
		},
	}
	p2 := Product{
		Code: "P2", Name: "Fija sin vidrio en la lista", Type: TypeFija, Hojas: 1,
		LabourRateM2: dec("0"),
		BOM:          []BOMLine{{MaterialCode: "PER-A", QuantityFormula: "perimeter_m"}},
	}
	p3 := Product{
		Code: "P3", Name: "Con fórmulas raras", Type: TypeFija, Hojas: 1,
		BOM: []BOMLine{
			{MaterialCode: "CON-S", QuantityFormula: "width_m - 2", Description: "negativa"},
			{MaterialCode: "PER-A", CutCountFormula: "1", CutLengthFormula: "width_mm + 5000", Description: "larga"},
		},
	}
	p4 := Product{
		Code: "P4", Name: "Divide entre cero", Type: TypeFija, Hojas: 1,
		BOM: []BOMLine{{MaterialCode: "CON-S", QuantityFormula: "1 / (width_m - 1)"}},
	}
	p5 := Product{
		Code: "P5", Name: "Conteo absurdo", Type: TypeFija, Hojas: 1,
		BOM: []BOMLine{{MaterialCode: "PER-A", CutCountFormula: "width_mm * 100", CutLengthFormula: "100"}},
	}
	cat, err := NewMemCatalog(mats, colours, []Product{p1, p2, p3, p4, p5}, prices)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func p1Input(mode Mode) QuoteInput {
	return QuoteInput{
		Mode:  mode,
		Rates: DefaultRates(),
		Items: []ItemInput{{ProductCode: "P1", ColourCode: "BLA", GlassCode: "VID-Y", WidthMM: mm(1000), HeightMM: mm(800), Quantity: 2}},
	}
}

// TestPorMetroByHand: P1, 1000 × 800 mm, qty 2, Blanco (PER-A 100 × 1.15 =
// 115/m), glass VID-Y chosen (300/m²).
//
//	rieles: 2 cuts × 990 mm = 1.98 m × 1.10 (company default) = 2.178 m × 115
//	        = 250.47 per window, × 2 = 500.94
//	jambas: 1.6 m × 1.05 (line) = 1.68 m × 115 = 193.20, × 2 = 386.40
//	profiles = 887.34
//	glass:  the BOM line with VID-Y substituted, on (1000−40) × (800−30) mm
//	        = 0.7392 → 0.739 m² × 300 = 221.70, × 2 = 443.40
//	hardware: hojas × 2 = 4 × 10 × 2 = 80.00
//	consumables: 3.6 / 10 = 0.36 × 80 × 2 = 57.60
//	labour: BOM line 1 × 50 × 2 = 100 + area 0.8 × 100 × 1.5 × 2 = 240 → 340.00
//	cost 1808.34; utilidad 452.085 → 452.09; indirectos 271.251 → 271.25;
//	subtotal 1808.34 × 1.40 = 2531.676 → 2531.68; IVA 405.0688 → 405.07;
//	total 2936.75; anticipo 1468.375 → 1468.38 (a HALF_UP tie); saldo 1468.37.
func TestPorMetroByHand(t *testing.T) {
	res := mustPrice(t, testCatalog(t), p1Input(ModeByMetre))
	it := res.Items[0]
	wantMoney(t, "profiles", it.Buckets.Profiles, "887.34")
	wantMoney(t, "glass", it.Buckets.Glass, "443.40")
	wantMoney(t, "hardware", it.Buckets.Hardware, "80.00")
	wantMoney(t, "consumables", it.Buckets.Consumables, "57.60")
	wantMoney(t, "labour", it.Buckets.Labour, "340.00")
	wantMoney(t, "cost", it.Cost, "1808.34")
	tot := res.Totals
	wantMoney(t, "utilidad", tot.Profit, "452.09")
	wantMoney(t, "indirectos", tot.Indirect, "271.25")
	wantMoney(t, "subtotal", tot.Subtotal, "2531.68")
	wantMoney(t, "IVA", tot.IVA, "405.07")
	wantMoney(t, "total", tot.Total, "2936.75")
	wantMoney(t, "anticipo", tot.Deposit, "1468.38")
	wantMoney(t, "saldo", tot.Balance, "1468.37")
	wantMoney(t, "unit price", it.UnitPrice, "1265.84") // 2531.68 / 2

	l := it.Lines
	if l[0].CutCount != 2 || l[0].CutLengthMM != 990 || !l[0].Waste.Equal(dec("1.10")) || !l[0].Quantity.Equal(dec("2.178")) ||
		l[0].Formula != "2 × width_mm - 10" {
		t.Errorf("rieles line = %+v", l[0])
	}
	if l[2].MaterialCode != "VID-Y" || !l[2].Quantity.Equal(dec("0.739")) || !l[2].UnitPrice.Equal(dec("300")) {
		t.Errorf("glass line = %+v, want VID-Y substituted, 0.739 m² at 300", l[2])
	}
	if l[4].Role != RoleConsumable {
		t.Errorf("CON-S role = %q, want consumible from its category", l[4].Role)
	}
	if last := l[len(l)-1]; last.Kind != LineLabour || !last.UnitPrice.Equal(dec("150")) {
		t.Errorf("labour line = %+v, want 100 × 1.5 = 150/m²", last)
	}
}

// TestOptimizadoByHand: the same item packed into 6 m bars (10 mm trim per
// end, 4 mm kerf: capacity 5984 with each piece costing length + 4).
//
//	pieces: rieles 4 × 990 mm (2 per window × 2), jambas 2 × 1600 mm (the
//	1.6 m line is one piece per window; no waste factor, the bars are real)
//	sizes 4 × 994 + 2 × 1604 = 7184 > 5984 → at least 2 bars; packed in 2:
//	[1604 994 994 994 994] [1604].
//	bars: 2 × 6 m × 115 = 1380.00, split by length used (3960 vs 3200 mm of 7160):
//	rieles 1380 × 3960/7160 = 763.2402 → 763.24, jambas 616.7598 → 616.76.
//	cost = 1380 + 443.40 + 80 + 57.60 + 340 = 2301.00; utilidad 575.25;
//	indirectos 345.15; subtotal 3221.40; IVA 515.424 → 515.42; total 3736.82.
func TestOptimizadoByHand(t *testing.T) {
	res := mustPrice(t, testCatalog(t), p1Input(ModeOptimised))
	it := res.Items[0]
	wantMoney(t, "profiles", it.Buckets.Profiles, "1380.00")
	wantMoney(t, "rieles", it.Lines[0].Cost, "763.24")
	wantMoney(t, "jambas", it.Lines[1].Cost, "616.76")
	if !it.Lines[0].Packed || !it.Lines[0].Quantity.Equal(dec("3.318")) {
		t.Errorf("rieles line = %+v, want packed, 12 m × 3960/7160 / 2 = 3.318 m per window", it.Lines[0])
	}
	wantMoney(t, "glass", it.Buckets.Glass, "443.40")
	tot := res.Totals
	wantMoney(t, "cost", tot.Cost, "2301.00")
	wantMoney(t, "utilidad", tot.Profit, "575.25")
	wantMoney(t, "indirectos", tot.Indirect, "345.15")
	wantMoney(t, "subtotal", tot.Subtotal, "3221.40")
	wantMoney(t, "IVA", tot.IVA, "515.42")
	wantMoney(t, "total", tot.Total, "3736.82")

	if len(res.Cuts) != 1 {
		t.Fatalf("cut groups = %d, want 1", len(res.Cuts))
	}
	g := res.Cuts[0]
	if g.MaterialCode != "PER-A" || g.ColourCode != "BLA" || len(g.Bars) != 2 || g.LowerBound != 2 || !g.Optimal {
		t.Errorf("cut group = %s/%s %d bars (bound %d, optimal %v); want PER-A/BLA 2, 2, true",
			g.MaterialCode, g.ColourCode, len(g.Bars), g.LowerBound, g.Optimal)
	}
	wantMoney(t, "bars cost", g.Cost, "1380.00")
	if got := barLengths(g.Bars[0]); fmt.Sprint(got) != "[1600 990 990 990 990]" {
		t.Errorf("bar 1 = %v, want [1600 990 990 990 990]", got)
	}
	if g.Bars[0].Pieces[0].Label != "Jambas" || g.Bars[0].Pieces[1].Label != "Rieles" {
		t.Errorf("pieces are not labelled with their lines: %+v", g.Bars[0].Pieces)
	}
}

// TestOptimizadoSharesBarsAcrossItems: two identical items of qty 1 pool
// their pieces; the bars' cost is split by length over the four lines.
//
//	pieces as above, 2 bars = 1380.00; per line: rieles 1980 mm, jambas
//	1600 mm of 7160: 1380 × 1980/7160 = 381.6201 → 381.62 and
//	1380 × 1600/7160 = 308.3799 → 308.38; each item's profiles 690.00.
func TestOptimizadoSharesBarsAcrossItems(t *testing.T) {
	in := p1Input(ModeOptimised)
	in.Items[0].Quantity = 1
	in.Items = append(in.Items, in.Items[0])
	res := mustPrice(t, testCatalog(t), in)
	for i, it := range res.Items {
		wantMoney(t, fmt.Sprintf("item %d rieles", i), it.Lines[0].Cost, "381.62")
		wantMoney(t, fmt.Sprintf("item %d jambas", i), it.Lines[1].Cost, "308.38")
		wantMoney(t, fmt.Sprintf("item %d profiles", i), it.Buckets.Profiles, "690.00")
	}
	if len(res.Cuts) != 1 || len(res.Cuts[0].Bars) != 2 {
		t.Errorf("cuts = %+v, want one group of 2 bars", res.Cuts)
	}
}

// TestCompatibleByHand: the prototype rules on P1, qty 2, Negro (explicit
// price 130/m), VID-Y chosen, per-quote labour 90/m².
//
//	rieles: 1.98 m × 1 (no line waste) → 1 bar → 6 m × 130 × 2 = 1560
//	jambas: 1.6 × 1.05 = 1.68 → 1 bar → 6 × 130 × 2 = 1560; profiles 3120.00
//	glass: 0.8 m² (no deductions) × 300 × 1.05 × 2 = 504.00; the BOM's glass
//	       and labour lines are ignored
//	hardware 80.00, consumables 57.60; labour 0.8 × 90 × 2 = 144.00 (the
//	override replaces rate × complexity)
//	cost 3905.60; subtotal 3905.60 × 1.40 = 5467.84; IVA 874.8544 → 874.85;
//	total 5467.84 × 1.16 = 6342.6944 → 6342.69; anticipo 3171.345 → 3171.35.
func TestCompatibleByHand(t *testing.T) {
	in := p1Input(ModeCompatible)
	in.Items[0].ColourCode = "NEG"
	override := dec("90")
	in.LabourRateM2 = &override
	res := mustPrice(t, testCatalog(t), in)
	it := res.Items[0]
	wantMoney(t, "profiles", it.Buckets.Profiles, "3120.00")
	wantMoney(t, "glass", it.Buckets.Glass, "504.00")
	wantMoney(t, "hardware", it.Buckets.Hardware, "80.00")
	wantMoney(t, "consumables", it.Buckets.Consumables, "57.60")
	wantMoney(t, "labour", it.Buckets.Labour, "144.00")
	tot := res.Totals
	wantMoney(t, "cost", tot.Cost, "3905.60")
	wantMoney(t, "subtotal", tot.Subtotal, "5467.84")
	wantMoney(t, "IVA", tot.IVA, "874.85")
	wantMoney(t, "total", tot.Total, "6342.69")
	wantMoney(t, "anticipo", tot.Deposit, "3171.35")
	if !it.Lines[0].UnitPrice.Equal(dec("130")) {
		t.Errorf("unit price = %s, want the explicit Negro price 130", it.Lines[0].UnitPrice)
	}
}

// TestChosenGlassWithoutBOMGlassLine: P2 has no glass line; the chosen glass
// is charged by area. 1000 × 1000 mm, VID-X 200/m², no colour.
//
//	por_metro: profiles 4 m × 1.10 × 100 = 440.00; glass 1 m² × 200 = 200.00
//	compatible: profiles 4 m → one 6 m bar × 100 = 600.00; glass 1 × 200 × 1.05 = 210.00
func TestChosenGlassWithoutBOMGlassLine(t *testing.T) {
	cat := testCatalog(t)
	in := QuoteInput{Rates: DefaultRates(), Items: []ItemInput{{ProductCode: "P2", GlassCode: "VID-X",
		WidthMM: mm(1000), HeightMM: mm(1000), Quantity: 1}}}
	res := mustPrice(t, cat, in)
	if res.Mode != ModeByMetre {
		t.Errorf("default mode = %q, want por_metro", res.Mode)
	}
	wantMoney(t, "por_metro profiles", res.Items[0].Buckets.Profiles, "440.00")
	wantMoney(t, "por_metro glass", res.Items[0].Buckets.Glass, "200.00")
	in.Mode = ModeCompatible
	res = mustPrice(t, cat, in)
	wantMoney(t, "compatible profiles", res.Items[0].Buckets.Profiles, "600.00")
	wantMoney(t, "compatible glass", res.Items[0].Buckets.Glass, "210.00")
}

func TestPriceClampsNegative(t *testing.T) {
	// P3's sellador line is width_m − 2 = −1 at 1000 mm: it counts as 0.
	in := QuoteInput{Rates: DefaultRates(), Items: []ItemInput{{ProductCode: "P3", WidthMM: mm(1000), HeightMM: mm(1000), Quantity: 1}}}
	res := mustPrice(t, testCatalog(t), in)
	l := res.Items[0].Lines[0]
	if l.Raw != -1 || !l.Clamped || !l.Quantity.IsZero() || !l.Cost.IsZero() {
		t.Errorf("line = %+v, want raw −1 clamped to 0 at no cost", l)
	}
}

func TestBOMFormulaFailure(t *testing.T) {
	in := QuoteInput{Rates: DefaultRates(), Items: []ItemInput{{ProductCode: "P4", WidthMM: mm(1000), HeightMM: mm(1000), Quantity: 1}}}
	_, err := PriceQuote(testCatalog(t), in)
	var fes FieldErrors
	if !errors.As(err, &fes) || len(fes) != 1 {
		t.Fatalf("error = %v, want one FieldError", err)
	}
	fe := fes[0]
	want := "quote.bom_formula Material=Sellador Product=Divide entre cero Reason=(formula.not_finite Detail= Pos=0)"
	if got := keyArgs(fe); fe.Field != "items[0]" || got != want {
		t.Errorf("error = %s %s\nwant items[0] %s", fe.Field, got, want)
	}
	var formErr *FormulaError
	if !errors.As(err, &formErr) || formErr.Key != "formula.not_finite" {
		t.Errorf("cause = %v, want a *FormulaError formula.not_finite", formErr)
	}
}

func TestOptimizadoPieceTooLong(t *testing.T) {
	// P3's "larga" line cuts width_mm + 5000 = 6000 mm from a 6 m bar with 10 mm trims.
	in := QuoteInput{Mode: ModeOptimised, Rates: DefaultRates(),
		Items: []ItemInput{{ProductCode: "P3", WidthMM: mm(1000), HeightMM: mm(1000), Quantity: 1}}}
	_, err := PriceQuote(testCatalog(t), in)
	var fes FieldErrors
	if !errors.As(err, &fes) || keyArgs(fes[0]) != "quote.piece_too_long Bar=6000 Length=6000 Material=Perfil A" {
		t.Errorf("error = %v, want the piece_too_long message", err)
	}
	// por_metro prices the same line by its metres.
	in.Mode = ModeByMetre
	res := mustPrice(t, testCatalog(t), in)
	wantMoney(t, "por_metro profiles", res.Items[0].Buckets.Profiles, "660.00") // 6 m × 1.10 × 100
}

// TestOptimizadoSplitsLongLines: P2's perimeter line at 1000 × 5000 mm is
// 12 m, longer than a bar (5980 mm usable): packed as 5980 + 5980 + 40 mm.
// Each 5980 mm piece fills a bar (5980 + 4 kerf = capacity 5984), the 40 mm
// piece needs a third: 3 bars × 6 m × 100 = 1800.00.
func TestOptimizadoSplitsLongLines(t *testing.T) {
	in := QuoteInput{Mode: ModeOptimised, Rates: DefaultRates(),
		Items: []ItemInput{{ProductCode: "P2", WidthMM: mm(1000), HeightMM: mm(5000), Quantity: 1}}}
	res := mustPrice(t, testCatalog(t), in)
	g := res.Cuts[0]
	if len(g.Bars) != 3 || g.PiecesMM != 12000 || !g.Optimal {
		t.Errorf("bars %d, pieces %d mm, optimal %v; want 3, 12000, true", len(g.Bars), g.PiecesMM, g.Optimal)
	}
	wantMoney(t, "profiles", res.Items[0].Buckets.Profiles, "1800.00")
}

func TestOptimizadoTooManyPieces(t *testing.T) {
	// P5 asks for width_mm × 100 = 100 000 cuts per window.
	in := QuoteInput{Mode: ModeOptimised, Rates: DefaultRates(),
		Items: []ItemInput{{ProductCode: "P5", WidthMM: mm(1000), HeightMM: mm(1000), Quantity: 1}}}
	_, err := PriceQuote(testCatalog(t), in)
	var fes FieldErrors
	if !errors.As(err, &fes) || keyArgs(fes[0]) != "quote.too_many_pieces Max=20000" {
		t.Errorf("error = %v, want quote.too_many_pieces", err)
	}
}

func TestPriceQuoteConcurrent(t *testing.T) {
	// One catalogue shared by concurrent requests, as the server does (run with -race).
	cat := PrototypeSeedCatalog()
	in := benchQuote20()
	want := mustPrice(t, cat, in).Totals.Total
	done := make(chan decimal.Decimal)
	for range 8 {
		go func() {
			res, err := PriceQuote(cat, in)
			if err != nil {
				t.Error(err)
				done <- zero
				return
			}
			done <- res.Totals.Total
		}()
	}
	for range 8 {
		if got := <-done; !got.Equal(want) {
			t.Errorf("concurrent total = %s, want %s", got, want)
		}
	}
}

// TestRoundingChains: one material line of 0.01.
//
//	cost 0.01; utilidad 0.0025 → 0.00; indirectos 0.0015 → 0.00;
//	subtotal exact 0.014 → 0.01.
//	por_metro: IVA on the rounded base, 0.0016 → 0.00; total 0.01 + 0.00 = 0.01.
//	compatible (prototype): IVA 0.014 × 0.16 = 0.00224 → 0.00, but total is
//	0.014 × 1.16 = 0.01624 → 0.02, exactly as the prototype printed it.
func TestRoundingChains(t *testing.T) {
	cat := testCatalog(t)
	in := QuoteInput{Rates: DefaultRates(), Materials: []MaterialLineInput{{MaterialCode: "CON-C", Quantity: dec("1")}}}
	res := mustPrice(t, cat, in)
	wantMoney(t, "utilidad", res.Totals.Profit, "0.00")
	wantMoney(t, "subtotal", res.Totals.Subtotal, "0.01")
	wantMoney(t, "por_metro IVA", res.Totals.IVA, "0.00")
	wantMoney(t, "por_metro total", res.Totals.Total, "0.01")
	in.Mode = ModeCompatible
	res = mustPrice(t, cat, in)
	wantMoney(t, "compatible IVA", res.Totals.IVA, "0.00")
	wantMoney(t, "compatible total", res.Totals.Total, "0.02")
}

// TestSpreadSumsToSubtotal: three lines costing 1.00 each, utilidad 33.33 %.
//
//	cost 3.00; subtotal 3.9999 → 4.00; each share 4.00 / 3 = 1.3333 → 1.33,
//	Σ 3.99: the 0.01 left goes to the costliest line (the first on a tie).
func TestSpreadSumsToSubtotal(t *testing.T) {
	r := DefaultRates()
	r.Profit, r.Indirect = dec("0.3333"), zero
	line := MaterialLineInput{MaterialCode: "CON-U", Quantity: dec("1")}
	res := mustPrice(t, testCatalog(t), QuoteInput{Rates: r, Materials: []MaterialLineInput{line, line, line}})
	wantMoney(t, "subtotal", res.Totals.Subtotal, "4.00")
	for i, want := range []string{"1.34", "1.33", "1.33"} {
		wantMoney(t, fmt.Sprintf("line %d amount", i), res.Materials[i].Amount, want)
		wantMoney(t, fmt.Sprintf("line %d unit price", i), res.Materials[i].UnitPrice, want)
	}
}

func TestSpreadMixedLines(t *testing.T) {
	// Items and material lines together: the amounts add up to the subtotal.
	in := p1Input(ModeByMetre)
	in.Items = append(in.Items, ItemInput{ProductCode: "P2", GlassCode: "VID-X", WidthMM: mm(777), HeightMM: mm(1333), Quantity: 3})
	in.Materials = []MaterialLineInput{{MaterialCode: "CON-S", Quantity: dec("1.333")}, {MaterialCode: "HER-H", Quantity: dec("7")}}
	res := mustPrice(t, testCatalog(t), in)
	sum := zero
	for _, it := range res.Items {
		sum = sum.Add(it.Amount)
	}
	for _, m := range res.Materials {
		sum = sum.Add(m.Amount)
	}
	if !sum.Equal(res.Totals.Subtotal) {
		t.Errorf("Σ amounts = %s, want subtotal %s", sum, res.Totals.Subtotal)
	}
}

// TestMaterialLines: sold at cost, or at the colour price when a colour is given.
//
//	PER-A in Negro (explicit 130) × 2.5 = 325.00
//	PER-A in Blanco 1.234567 → 1.235 m × 115 = 142.025 → 142.03 (HALF_UP tie)
//	HER-H × 3 at cost 10 = 30.00; loose materials 497.03
func TestMaterialLines(t *testing.T) {
	in := QuoteInput{Rates: DefaultRates(), Materials: []MaterialLineInput{
		{MaterialCode: "PER-A", ColourCode: "NEG", Quantity: dec("2.5")},
		{MaterialCode: "PER-A", ColourCode: "BLA", Quantity: dec("1.234567")},
		{MaterialCode: "HER-H", Quantity: dec("3")},
	}}
	res := mustPrice(t, testCatalog(t), in)
	for i, want := range []string{"325.00", "142.03", "30.00"} {
		wantMoney(t, fmt.Sprintf("line %d cost", i), res.Materials[i].Cost, want)
	}
	if !res.Materials[1].Quantity.Equal(dec("1.235")) {
		t.Errorf("quantity = %s, want 1.235", res.Materials[1].Quantity)
	}
	wantMoney(t, "loose materials", res.Totals.LooseMaterials, "497.03")
	wantMoney(t, "materials", res.Totals.Materials, "497.03")
	wantMoney(t, "cost", res.Totals.Cost, "497.03")
}

// TestDiscountAndIVA on the por_metro case (subtotal 2531.68).
func TestDiscountAndIVA(t *testing.T) {
	tests := []struct {
		name                        string
		discount                    Discount
		iva                         string
		exempt                      bool
		wantDisc, wantBase, wantIVA string
		wantTotal                   string
	}{
		// 10 %: 253.168 → 253.17; base 2278.51; IVA 364.5616 → 364.56.
		{"ten percent", Discount{Rate: dec("0.10")}, "0.16", false, "253.17", "2278.51", "364.56", "2643.07"},
		// 500 off: base 2031.68; IVA 325.0688 → 325.07.
		{"amount", Discount{Amount: dec("500")}, "0.16", false, "500.00", "2031.68", "325.07", "2356.75"},
		// Border region: 2531.68 × 0.08 = 202.5344 → 202.53.
		{"IVA 8 %", Discount{}, "0.08", false, "0.00", "2531.68", "202.53", "2734.21"},
		{"IVA 0 %", Discount{}, "0", false, "0.00", "2531.68", "0.00", "2531.68"},
		{"exento", Discount{}, "0.16", true, "0.00", "2531.68", "0.00", "2531.68"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := p1Input(ModeByMetre)
			in.Discount = tt.discount
			in.Rates.IVA, in.Rates.IVAExempt = dec(tt.iva), tt.exempt
			res := mustPrice(t, testCatalog(t), in)
			wantMoney(t, "subtotal", res.Totals.Subtotal, "2531.68")
			wantMoney(t, "discount", res.Totals.Discount, tt.wantDisc)
			wantMoney(t, "tax base", res.Totals.TaxBase, tt.wantBase)
			wantMoney(t, "IVA", res.Totals.IVA, tt.wantIVA)
			wantMoney(t, "total", res.Totals.Total, tt.wantTotal)
			wantMoney(t, "line amount", res.Items[0].Amount, "2531.68") // the spread is before discount
		})
	}

	in := p1Input(ModeByMetre)
	in.Discount = Discount{Amount: dec("3000")}
	_, err := PriceQuote(testCatalog(t), in)
	var fes FieldErrors
	if !errors.As(err, &fes) || keyArgs(fes[0]) != "quote.discount_too_big Subtotal=$2,531.68 MXN" {
		t.Errorf("too big a discount: %v", err)
	}
}

// TestOptionalItems: an optional line is priced but left out of the totals.
//
//	optional P1 1000 × 800 qty 1: profiles 250.47 + 193.20 = 443.67, glass
//	221.70, hardware 40, consumables 28.80, labour 50 + 120 = 170 → 904.17;
//	amount 904.17 × 1.40 = 1265.838 → 1265.84.
func TestOptionalItems(t *testing.T) {
	in := p1Input(ModeByMetre)
	opt := in.Items[0]
	opt.Quantity, opt.Optional = 1, true
	in.Items = append(in.Items, opt)
	in.Materials = []MaterialLineInput{{MaterialCode: "HER-H", Quantity: dec("1"), Optional: true}}
	res := mustPrice(t, testCatalog(t), in)
	wantMoney(t, "total unchanged", res.Totals.Total, "2936.75")
	wantMoney(t, "optional cost", res.Items[1].Cost, "904.17")
	wantMoney(t, "optional amount", res.Items[1].Amount, "1265.84")
	wantMoney(t, "optional material", res.Materials[0].Amount, "14.00") // 10 × 1.40
	wantMoney(t, "optional total", res.Totals.OptionalAmount, "1279.84")
	wantMoney(t, "main amount", res.Items[0].Amount, "2531.68")

	// In optimizado an optional item is priced by its metres, not packed.
	in.Mode = ModeOptimised
	res = mustPrice(t, testCatalog(t), in)
	if res.Items[1].Lines[0].Packed {
		t.Error("optional item was packed with the quote's bars")
	}
	wantMoney(t, "optional profiles", res.Items[1].Buckets.Profiles, "443.67")
	wantMoney(t, "main profiles", res.Items[0].Buckets.Profiles, "1380.00")
}

func TestValidationErrors(t *testing.T) {
	cat := PrototypeSeedCatalog()
	in := QuoteInput{
		Mode:  "caro",
		Rates: Rates{Profit: dec("-0.1"), IVA: dec("1.6"), Deposit: dec("0.5")},
		Items: []ItemInput{
			{ProductCode: "PROTO-COR-3", ColourCode: "ROJO", GlassCode: "HER-ROD-3", WidthMM: mm(700), HeightMM: mm(2600), Quantity: 0},
			{ProductCode: "NOPE", GlassCode: "VID-NADA", WidthMM: mm(0), HeightMM: mm(-5), Quantity: 1},
			{WidthMM: mm(200000), HeightMM: mm(1000), Quantity: 20000},
		},
		Materials: []MaterialLineInput{{MaterialCode: "XYZ", Quantity: dec("0")}, {MaterialCode: "HER-ROD-3", Quantity: dec("0.0004")}},
		Discount:  Discount{Rate: dec("0.1"), Amount: dec("5")},
	}
	_, err := PriceQuote(cat, in)
	var fes FieldErrors
	if !errors.As(err, &fes) {
		t.Fatalf("error = %v, want FieldErrors", err)
	}
	got := map[string]string{}
	for _, fe := range fes {
		got[fe.Field] = keyArgs(fe)
	}
	want := map[string]string{
		"mode":                       "quote.mode_unknown Value=caro",
		"rates.profit":               "quote.profit_range",
		"rates.iva":                  "quote.iva_range",
		"discount":                   "quote.discount_both",
		"items[0].colour_code":       "quote.colour_unknown Code=ROJO",
		"items[0].glass_code":        "quote.glass_not_glass Code=HER-ROD-3",
		"items[0].width_mm":          "quote.width_range Max=3000 Min=800",
		"items[0].height_mm":         "quote.height_range Max=2500 Min=600",
		"items[0].quantity":          "quote.quantity_min",
		"items[1].product_code":      "quote.product_unknown Code=NOPE",
		"items[1].glass_code":        "quote.glass_unknown Code=VID-NADA",
		"items[1].width_mm":          "quote.width_positive",
		"items[1].height_mm":         "quote.height_positive",
		"items[2].product_code":      "quote.product_required",
		"items[2].width_mm":          "quote.width_too_big Max=100000",
		"items[2].quantity":          "quote.quantity_max Max=10000",
		"materials[0].material_code": "quote.material_unknown Code=XYZ",
		"materials[0].quantity":      "quote.material_quantity",
		"materials[1].quantity":      "quote.material_quantity",
	}
	for field, msg := range want {
		if got[field] != msg {
			t.Errorf("%s: got %q, want %q", field, got[field], msg)
		}
	}
	if len(fes) != len(want) {
		t.Errorf("got %d errors, want %d: %v", len(fes), len(want), fes.Fields())
	}
	for _, fe := range fes {
		if !slices.Contains(MessageKeys(), fe.Key) {
			t.Errorf("error %+v has a key MessageKeys does not list", fe)
		}
	}
	if by := fes.ByField(); len(by["items[0].width_mm"]) != 1 {
		t.Errorf("ByField = %v", by)
	}
}

func TestRangeBoundsInclusive(t *testing.T) {
	cat := PrototypeSeedCatalog()
	for _, w := range []int64{800, 3000} {
		in := workedExampleInput(ModeByMetre)
		in.Items[0].WidthMM = mm(w)
		if _, err := PriceQuote(cat, in); err != nil {
			t.Errorf("width %d: %v, want accepted", w, err)
		}
	}
}

func TestCutPlan(t *testing.T) {
	// The workshop order packs even a por_metro quote.
	groups, err := CutPlan(testCatalog(t), p1Input(ModeByMetre))
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || len(groups[0].Bars) != 2 || groups[0].PiecesMM != 7160 {
		t.Errorf("groups = %+v, want PER-A with 2 bars and 7160 mm of pieces", groups)
	}
}

func TestSeedCatalogue(t *testing.T) {
	cat := PrototypeSeedCatalog()
	if n := len(cat.Materials()); n != 25 {
		t.Errorf("materials = %d, want 25", n)
	}
	if n := len(cat.Colours()); n != 6 {
		t.Errorf("colours = %d, want 6", n)
	}
	for _, p := range cat.Products() {
		if err := ValidateProduct(p); err != nil {
			t.Errorf("product %s: %v", p.Code, err)
		}
		for _, l := range p.BOM {
			if !l.WasteFactor.Equal(dec("1.05")) {
				t.Errorf("%s %s waste = %s, want 1.05", p.Code, l.MaterialCode, l.WasteFactor)
			}
			if _, ok := cat.Material(l.MaterialCode); !ok {
				t.Errorf("%s uses unknown material %s", p.Code, l.MaterialCode)
			}
		}
	}
	for _, m := range cat.Materials() {
		if err := ValidateMaterial(m); err != nil {
			t.Errorf("material %s: %v", m.Code, err)
		}
	}
	// Every seed product prices in every mode and colour.
	for _, p := range cat.Products() {
		for _, c := range cat.Colours() {
			for _, mode := range []Mode{ModeCompatible, ModeByMetre, ModeOptimised} {
				in := QuoteInput{Mode: mode, Rates: DefaultRates(), Items: []ItemInput{{ProductCode: p.Code, ColourCode: c.Code,
					GlassCode: "VID-TEMP-6", WidthMM: p.MinWidthMM, HeightMM: p.MaxHeightMM, Quantity: 3}}}
				if _, err := PriceQuote(cat, in); err != nil {
					t.Errorf("%s %s %s: %v", p.Code, c.Code, mode, err)
				}
			}
		}
	}
}

func TestPrototypeLabourRate(t *testing.T) {
	tests := []struct {
		t          ProductType
		rate, cplx string
	}{
		{TypeFija, "45", "1.0"}, {TypeCorrediza, "65", "1.2"}, {TypeAbatible, "75", "1.4"},
		{TypeOscilobatiente, "95", "1.6"}, {TypeProyectante, "70", "1.3"},
	}
	for _, tt := range tests {
		r, c, ok := PrototypeLabourRate(tt.t)
		if !ok || !r.Equal(dec(tt.rate)) || !c.Equal(dec(tt.cplx)) {
			t.Errorf("PrototypeLabourRate(%s) = %s, %s, %v; want %s, %s", tt.t, r, c, ok, tt.rate, tt.cplx)
		}
	}
	if _, _, ok := PrototypeLabourRate(TypePuerta); ok {
		t.Error("puerta has no prototype rate")
	}
}

func TestValidateProduct(t *testing.T) {
	p := Product{
		MinWidthMM: mm(900), MaxWidthMM: mm(800),
		BOM: []BOMLine{
			{MaterialCode: "A", QuantityFormula: "anchoo * 2"},
			{MaterialCode: "B", QuantityFormula: "1", WasteFactor: dec("0.9")},
			{MaterialCode: "C"},
		},
	}
	err := ValidateProduct(p)
	var fes FieldErrors
	if !errors.As(err, &fes) {
		t.Fatalf("error = %v, want FieldErrors", err)
	}
	got := fes.ByField()
	if m := got["bom[0].quantity_formula"]; len(m) != 1 || keyArgs(m[0]) != "catalog.bom_formula Line=1 Reason=(formula.unknown_variable Detail=anchoo Pos=1)" {
		t.Errorf("bom[0] = %v", m)
	}
	for _, f := range []string{"min_width_mm", "bom[1].waste_factor", "bom[2].quantity_formula"} {
		if len(got[f]) != 1 {
			t.Errorf("missing error for %s: %v", f, fes.Fields())
		}
	}
}

func TestValidateMaterialAndColour(t *testing.T) {
	err := ValidateMaterial(Material{Cost: dec("-1"), BarLengthM: dec("-6"), WasteFactor: dec("5")})
	var fes FieldErrors
	if !errors.As(err, &fes) || len(fes) != 3 {
		t.Errorf("ValidateMaterial = %v, want 3 errors", err)
	}
	if err := ValidateColour(Colour{Factor: zero}); err == nil || err.Error() != "factor: catalog.factor_positive" {
		t.Errorf("ValidateColour = %v", err)
	}
	if err := ValidateColour(Colour{Factor: dec("1.15")}); err != nil {
		t.Errorf("ValidateColour(1.15) = %v", err)
	}
}

func TestNewMemCatalogDuplicates(t *testing.T) {
	m := Material{Code: "A"}
	if _, err := NewMemCatalog([]Material{m, m}, nil, nil, nil); err == nil {
		t.Error("duplicate material: want error")
	}
}

// benchQuote20 is a 20-line quote over the seed catalogue: mixed products,
// colours, glasses and sizes.
func benchQuote20() QuoteInput {
	products := []string{"PROTO-COR-3", "PROTO-FIJ-3", "PROTO-PRO-35"}
	colours := []string{"NAT", "BLA", "NEG", "BRO", "CHA", "MCA"}
	glasses := []string{"VID-CLARO-6", "VID-TEMP-6", "VID-LAMINADO-6", "VID-BRONCE-4"}
	in := QuoteInput{Rates: DefaultRates()}
	for i := range 20 {
		p := products[i%3]
		w, h := int64(900+37*i), int64(700+23*i)
		if p == "PROTO-PRO-35" {
			w, h = 500+int64(17*i), 450+int64(11*i)
		}
		in.Items = append(in.Items, ItemInput{ProductCode: p, ColourCode: colours[i%6], GlassCode: glasses[i%4],
			WidthMM: mm(w), HeightMM: mm(h), Quantity: 1 + i%3})
	}
	return in
}

// BenchmarkPriceQuote20 prices a 20-line quote in por_metro, the live
// preview's default (target ≤ 100 µs).
func BenchmarkPriceQuote20(b *testing.B) {
	cat := PrototypeSeedCatalog()
	in := benchQuote20()
	if _, err := PriceQuote(cat, in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PriceQuote(cat, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPriceQuote20Optimizado is the same quote packed into bars.
func BenchmarkPriceQuote20Optimizado(b *testing.B) {
	cat := PrototypeSeedCatalog()
	in := benchQuote20()
	in.Mode = ModeOptimised
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PriceQuote(cat, in); err != nil {
			b.Fatal(err)
		}
	}
}
