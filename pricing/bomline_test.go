package pricing

import (
	"errors"
	"fmt"
	"testing"
)

// lineFigures is what a BOM line shows and charges, comparable as text.
func lineFigures(ld LineDetail) string {
	return fmt.Sprintf("%s %s formula=%q raw=%v clamped=%v cuts=%d×%d waste=%s bars=%d qty=%s %s price=%s cost=%s ignored=%v",
		ld.MaterialCode, ld.Role, ld.Formula, ld.Raw, ld.Clamped, ld.CutCount, ld.CutLengthMM, ld.Waste, ld.Bars,
		ld.Quantity, ld.Unit, ld.UnitPrice, ld.Cost, ld.Ignored)
}

// TestEvalBOMLineMatchesQuote: the product editor's one-line evaluation and
// a one-window quote give every BOM line the same figures, for every
// product of two catalogues (cut lines, glass deductions, a role taken from
// the category, the company's profile waste, labour and glass lines ignored
// in compatible mode), in several sizes, modes, colours and profile wastes.
func TestEvalBOMLineMatchesQuote(t *testing.T) {
	cats := map[string]*MemCatalog{"test": testCatalog(t), "seed": PrototypeSeedCatalog()}
	for name, cat := range cats {
		for _, p := range cat.Products() {
			for _, mode := range []Mode{ModeByMetre, ModeCompatible} {
				for _, size := range [][2]int64{{500, 500}, {1500, 1200}, {2999, 2001}} {
					for _, colour := range []string{"", "BLA", "NEG"} {
						if _, ok := cat.Colour(colour); colour != "" && !ok {
							continue
						}
						rates := DefaultRates()
						rates.ProfileWaste = dec("1.07")
						in := QuoteInput{Mode: mode, Rates: rates, Items: []ItemInput{{ProductCode: p.Code, ColourCode: colour,
							WidthMM: mm(size[0]), HeightMM: mm(size[1]), Quantity: 1}}}
						// Ranges are the quote's business, not the line's.
						p.MinWidthMM, p.MaxWidthMM, p.MinHeightMM, p.MaxHeightMM = zero, zero, zero, zero
						quoteCat, err := NewMemCatalog(cat.Materials(), cat.Colours(), []Product{p}, cat.ColourPrices())
						if err != nil {
							t.Fatal(err)
						}
						res, err := PriceQuote(quoteCat, in)
						if err != nil {
							continue // a formula that fails at this size: TestEvalBOMLineErrors
						}
						bom := p.sortedBOM()
						for _, want := range res.Items[0].Lines {
							if want.Kind != LineBOM {
								continue
							}
							t.Run(fmt.Sprintf("%s/%s/%s/line%d/%dx%d/%s", name, p.Code, mode, want.BOMIndex, size[0], size[1], colour), func(t *testing.T) {
								got, err := EvalBOMLine(cat, p, bom[want.BOMIndex], BOMLineSample{WidthMM: mm(size[0]),
									HeightMM: mm(size[1]), ColourCode: colour, Mode: mode, ProfileWaste: rates.ProfileWaste})
								if err != nil {
									t.Fatalf("EvalBOMLine: %v", err)
								}
								if g, w := lineFigures(got), lineFigures(want); g != w {
									t.Errorf("got  %s\nwant %s", g, w)
								}
							})
						}
					}
				}
			}
		}
	}
}

func TestEvalBOMLineErrors(t *testing.T) {
	cat := testCatalog(t)
	p, _ := cat.Product("P1")
	sample := BOMLineSample{WidthMM: mm(1500), HeightMM: mm(1200)}
	tests := []struct {
		name   string
		line   BOMLine
		sample BOMLineSample
		want   string // the FieldErrors, as logged
		cause  string // the *FormulaError's key, if any
	}{
		{"division by zero", BOMLine{MaterialCode: "CON-S", QuantityFormula: "1 / (width_m - 1.5)"}, sample,
			"formula: quote.bom_formula Material=Sellador Product=Ventana de prueba Reason=(formula.not_finite Detail= Pos=0)", "formula.not_finite"},
		{"round digits", BOMLine{MaterialCode: "CON-S", QuantityFormula: "round(1, 20)"}, sample,
			"formula: quote.bom_formula Material=Sellador Product=Ventana de prueba Reason=(formula.round_digits Detail= Pos=0)", "formula.round_digits"},
		{"unknown variable", BOMLine{MaterialCode: "CON-S", QuantityFormula: "anchoo"}, sample,
			"formula: quote.bom_formula Material=Sellador Product=Ventana de prueba Reason=(formula.unknown_variable Detail=anchoo Pos=1)", "formula.unknown_variable"},
		{"unknown material", BOMLine{MaterialCode: "NOPE", QuantityFormula: "1"}, sample,
			"material_code: quote.material_unknown Code=NOPE", ""},
		{"bad sample", BOMLine{MaterialCode: "CON-S", QuantityFormula: "1"},
			BOMLineSample{WidthMM: mm(0), HeightMM: mm(200000), ColourCode: "ROJO", Mode: "caro"},
			"mode: quote.mode_unknown Value=caro; width_mm: quote.width_positive; height_mm: quote.height_too_big Max=100000; colour_code: quote.colour_unknown Code=ROJO", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EvalBOMLine(cat, p, tt.line, tt.sample)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error = %v\nwant    %s", err, tt.want)
			}
			var fe *FormulaError
			if got := errors.As(err, &fe); got != (tt.cause != "") || (got && fe.Key != tt.cause) {
				t.Errorf("cause = %v, want %q", fe, tt.cause)
			}
		})
	}
}

// TestValidateProductSizeCorners: a formula that fails at a corner of the
// product's size range is refused on save, on the field of the formula
// that failed, naming the formula, the line and the size.
func TestValidateProductSizeCorners(t *testing.T) {
	base := Product{MinWidthMM: mm(800), MaxWidthMM: mm(2400), MinHeightMM: mm(600), MaxHeightMM: mm(2000), Hojas: 2}
	tests := []struct {
		name    string
		mutate  func(*Product)
		line    BOMLine
		want    string // "" for no error
		wantErr string // the cause's key
	}{
		{"fine", nil, BOMLine{QuantityFormula: "2 * (width_m + height_m)"}, "", ""},
		{"division by zero", nil, BOMLine{QuantityFormula: "1/0"},
			"bom[2].quantity_formula: catalog.bom_formula_size Formula=1/0 Height=600 Line=3 Reason=(formula.not_finite Detail= Pos=0) Width=800", "formula.not_finite"},
		{"overflow", nil, BOMLine{QuantityFormula: "pow(10,400)"},
			"bom[2].quantity_formula: catalog.bom_formula_size Formula=pow(10,400) Height=600 Line=3 Reason=(formula.not_finite Detail= Pos=0) Width=800", "formula.not_finite"},
		{"round digits", nil, BOMLine{QuantityFormula: "round(1, 20)"},
			"bom[2].quantity_formula: catalog.bom_formula_size Formula=round(1, 20) Height=600 Line=3 Reason=(formula.round_digits Detail= Pos=0) Width=800", "formula.round_digits"},
		{"too large for a quantity", nil, BOMLine{QuantityFormula: "width_mm * 1e9"},
			"bom[2].quantity_formula: catalog.bom_formula_size Formula=width_mm * 1e9 Height=600 Line=3 Reason=(formula.too_large Detail= Pos=0) Width=2400", "formula.too_large"},
		{"fails only at the maximum height", nil, BOMLine{QuantityFormula: "1 / (height_mm - 2000)"},
			"bom[2].quantity_formula: catalog.bom_formula_size Formula=1 / (height_mm - 2000) Height=2000 Line=3 Reason=(formula.not_finite Detail= Pos=0) Width=800", "formula.not_finite"},
		{"square root of a negative at the minimum", nil, BOMLine{QuantityFormula: "sqrt(width_m - 1)"},
			"bom[2].quantity_formula: catalog.bom_formula_size Formula=sqrt(width_m - 1) Height=600 Line=3 Reason=(formula.not_finite Detail= Pos=0) Width=800", "formula.not_finite"},
		{"cut count", nil, BOMLine{CutCountFormula: "hojas / (hojas - 2)", CutLengthFormula: "width_mm"},
			"bom[2].cut_count_formula: catalog.bom_formula_size Formula=hojas / (hojas - 2) Height=600 Line=3 Reason=(formula.not_finite Detail= Pos=0) Width=800", "formula.not_finite"},
		{"cut length too large", nil, BOMLine{CutCountFormula: "2", CutLengthFormula: "width_mm * 1e9"},
			"bom[2].cut_length_formula: catalog.bom_formula_size Formula=width_mm * 1e9 Height=600 Line=3 Reason=(formula.too_large Detail= Pos=0) Width=2400", "formula.too_large"},
		{"unset maximum is the largest quote", func(p *Product) { p.MaxWidthMM = zero }, BOMLine{QuantityFormula: "1 / (100000 - width_mm)"},
			"bom[2].quantity_formula: catalog.bom_formula_size Formula=1 / (100000 - width_mm) Height=600 Line=3 Reason=(formula.not_finite Detail= Pos=0) Width=100000", "formula.not_finite"},
		{"glass line after the deductions", func(p *Product) { p.GlassDeductWMM = mm(800) }, BOMLine{Role: RoleGlass, QuantityFormula: "1 / width_mm"},
			"bom[2].quantity_formula: catalog.bom_formula_size Formula=1 / width_mm Height=600 Line=3 Reason=(formula.not_finite Detail= Pos=0) Width=800", "formula.not_finite"},
		{"a profile line does not see the deductions", func(p *Product) { p.GlassDeductWMM = mm(800) }, BOMLine{Role: RoleProfile, QuantityFormula: "1 / width_mm"}, "", ""},
		{"a line without a role may be glass", func(p *Product) { p.GlassDeductWMM = mm(800) }, BOMLine{QuantityFormula: "1 / width_mm"},
			"bom[2].quantity_formula: catalog.bom_formula_size Formula=1 / width_mm Height=600 Line=3 Reason=(formula.not_finite Detail= Pos=0) Width=800", "formula.not_finite"},
		{"a negative result counts as 0", nil, BOMLine{QuantityFormula: "1 - width_m"}, "", ""},
		{"ranges in the wrong order are reported alone", func(p *Product) { p.MinWidthMM = mm(3000) }, BOMLine{QuantityFormula: "1/0"},
			"min_width_mm: catalog.range_order", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			if tt.mutate != nil {
				tt.mutate(&p)
			}
			tt.line.MaterialCode = "X"
			p.BOM = []BOMLine{{MaterialCode: "A", QuantityFormula: "1"}, {MaterialCode: "B", QuantityFormula: "width_m"}, tt.line}
			err := ValidateProduct(p)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Fatalf("ValidateProduct = %q\nwant               %q", got, tt.want)
			}
			var fe *FormulaError
			if ok := errors.As(err, &fe); ok != (tt.wantErr != "") || (ok && fe.Key != tt.wantErr) {
				t.Errorf("cause = %v, want %q", fe, tt.wantErr)
			}
		})
	}
}

// BenchmarkValidateProduct12 validates a 12-line BOM, corners included, as
// every product of a catalogue import does.
func BenchmarkValidateProduct12(b *testing.B) {
	p, _ := PrototypeSeedCatalog().Product("PROTO-COR-3")
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidateProduct(p); err != nil {
			b.Fatal(err)
		}
	}
}
