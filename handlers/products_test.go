package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/catalogio"
	"cotizador/pricing"
)

// liveFigures reads the figures the live check puts on its result.
var liveFigures = regexp.MustCompile(`data-(quantity|cut-count|cut-length|waste|bars|cost)="([^"]*)"`)

// TestFormulaLiveCheckMatchesQuotes: for every BOM line of every product of
// the demo catalogue, at the corners and the middle of the product's size
// range, the product editor's live check shows the figures a priced quote
// gives that line (quantity, cut count and length, waste, bars, cost), in
// the company's default mode and in compatible mode.
func TestFormulaLiveCheckMatchesQuotes(t *testing.T) {
	a := staff(t)
	loadBuiltIn(t, a, catalogio.Demo)
	admin := a.Login(t, "admin@aluminios.mx")
	ctx := t.Context()
	cat, err := a.DB.PricingCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, mode := range []pricing.Mode{pricing.ModeByMetre, pricing.ModeCompatible} {
		cs, err := a.DB.CompanySettings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cs.PricingMode = mode
		if err := a.DB.UpdateCompanySettings(ctx, cs, app.CLIActor); err != nil {
			t.Fatal(err)
		}
		for _, p := range cat.Products() {
			bom := append([]pricing.BOMLine(nil), p.BOM...)
			sort.SliceStable(bom, func(i, j int) bool { return bom[i].Order < bom[j].Order })
			mid := func(lo, hi decimal.Decimal) decimal.Decimal { return lo.Add(hi).Div(decimal.NewFromInt(2)).Round(0) }
			for _, size := range [][2]decimal.Decimal{
				{p.MinWidthMM, p.MinHeightMM}, {p.MaxWidthMM, p.MaxHeightMM}, {p.MinWidthMM, p.MaxHeightMM},
				{mid(p.MinWidthMM, p.MaxWidthMM), mid(p.MinHeightMM, p.MaxHeightMM)},
			} {
				res, err := pricing.PriceQuote(cat, pricing.QuoteInput{Mode: mode, Rates: cs.Rates, Cut: cs.Cut,
					Items: []pricing.ItemInput{{ProductCode: p.Code, WidthMM: size[0], HeightMM: size[1], Quantity: 1}}})
				if err != nil {
					t.Fatalf("%s %v: %v", p.Code, size, err)
				}
				for _, want := range res.Items[0].Lines {
					if want.Kind != pricing.LineBOM {
						continue
					}
					l := bom[want.BOMIndex]
					name := fmt.Sprintf("%s/%s/line%d/%s×%s", mode, p.Code, want.BOMIndex+1, size[0], size[1])
					t.Run(name, func(t *testing.T) {
						q := url.Values{"sample_w": {size[0].String()}, "sample_h": {size[1].String()}, "hojas": {fmt.Sprint(p.Hojas)},
							"glass_deduct_w_mm": {p.GlassDeductWMM.String()}, "glass_deduct_h_mm": {p.GlassDeductHMM.String()},
							"bom_material": {l.MaterialCode}, "bom_role": {string(l.Role)}, "bom_qty": {l.QuantityFormula},
							"bom_count": {l.CutCountFormula}, "bom_length": {l.CutLengthFormula}}
						if !l.WasteFactor.IsZero() {
							q.Set("bom_waste", l.WasteFactor.String())
						}
						_, body := admin.Get(t, "/catalogo/formula?"+q.Encode(), "HX-Request", "true")
						got := map[string]string{}
						for _, m := range liveFigures.FindAllStringSubmatch(body, -1) {
							got[m[1]] = m[2]
						}
						wantFigures := map[string]string{"quantity": want.Quantity.String(), "cut-count": fmt.Sprint(want.CutCount),
							"cut-length": fmt.Sprint(want.CutLengthMM), "waste": want.Waste.String(), "bars": fmt.Sprint(want.Bars),
							"cost": want.Cost.String()}
						for k, w := range wantFigures {
							if got[k] != w {
								t.Errorf("%s = %q, want %q (the quote's)\n%s", k, got[k], w, body)
							}
						}
					})
					checked++
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("checked %d lines: the demo catalogue did not load", checked)
	}
}

// TestProductFormRefusesUnevaluableFormulas: a BOM formula that compiles
// but cannot be evaluated at a corner of the product's size range is
// refused on save, on its line, naming the formula, the line and the size;
// nothing is stored.
func TestProductFormRefusesUnevaluableFormulas(t *testing.T) {
	a, admin := catalogApp(t)
	form := func(formula string) url.Values {
		return url.Values{"code": {"VEN-PRUEBA"}, "name": {"Prueba"}, "category": {"ventana"}, "type": {"fija"},
			"hojas": {"1"}, "min_width_mm": {"800"}, "max_width_mm": {"2400"}, "min_height_mm": {"600"}, "max_height_mm": {"2000"},
			"labor_rate_m2": {"45"}, "complexity": {"1"}, "active": {"1"},
			"bom_material": {"PER-NAC3-FE", "CON-SIL-NEU", "HER-ROD-3"}, "bom_role": {"perfil", "consumible", "herraje"},
			"bom_qty": {"2 * (width_m + height_m)", "0.5", formula}, "bom_count": {"", "", ""}, "bom_length": {"", "", ""},
			"bom_waste": {"", "", ""}, "bom_desc": {"Marco", "Silicón", "Prueba"}}
	}
	tests := []struct {
		formula string
		want    string
	}{
		{"1/0", "La fórmula «1/0» de la línea 3 no se puede calcular con 800 × 600 mm: el resultado no es un número válido (¿división entre cero o raíz de un negativo?)"},
		{"pow(10,400)", "La fórmula «pow(10,400)» de la línea 3 no se puede calcular con 800 × 600 mm: el resultado no es un número válido"},
		{"round(1, 20)", "La fórmula «round(1, 20)» de la línea 3 no se puede calcular con 800 × 600 mm: los decimales de round deben ser un número entero entre -15 y 15"},
		{"1 / (height_mm - 2000)", "La fórmula «1 / (height_mm - 2000)» de la línea 3 no se puede calcular con 800 × 2000 mm"},
	}
	for _, tt := range tests {
		t.Run(tt.formula, func(t *testing.T) {
			resp, body := admin.PostForm(t, "/catalogo/productos", form(tt.formula))
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			for _, want := range []string{tt.want, "Hay líneas de la lista de materiales con errores"} {
				if !strings.Contains(body, want) {
					t.Errorf("re-render lacks %q", want)
				}
			}
			var n int
			if err := a.DB.Reader.QueryRow(`SELECT count(*) FROM products WHERE code = 'VEN-PRUEBA'`).Scan(&n); err != nil || n != 0 {
				t.Errorf("%d products stored (%v), want none", n, err)
			}
		})
	}
	t.Run("a formula fine at every corner is saved", func(t *testing.T) {
		resp, body := admin.PostForm(t, "/catalogo/productos", form("1 / (height_mm - 2001)"))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d, want 303\n%s", resp.StatusCode, body)
		}
	})
}

// TestPreviewRendersNestedFormulaError: a formula that fails inside the
// size range (not at a corner, so it could be saved) makes the price
// preview show the quote's error with the formula's reason rendered by the
// locale too, in the reader's language.
func TestPreviewRendersNestedFormulaError(t *testing.T) {
	a, admin := catalogApp(t)
	resp, body := admin.PostForm(t, "/catalogo/productos", url.Values{"code": {"VEN-HUECO"}, "name": {"Con hueco"}, "category": {"ventana"},
		"type": {"fija"}, "hojas": {"1"}, "min_width_mm": {"800"}, "max_width_mm": {"2400"}, "min_height_mm": {"600"}, "max_height_mm": {"2000"},
		"labor_rate_m2": {"45"}, "complexity": {"1"}, "active": {"1"},
		"bom_material": {"CON-SIL-NEU"}, "bom_role": {"consumible"}, "bom_qty": {"1 / (width_mm - 1000)"},
		"bom_count": {""}, "bom_length": {""}, "bom_waste": {""}, "bom_desc": {"Silicón"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: status %d\n%s", resp.StatusCode, body)
	}
	id := productID(t, a, "VEN-HUECO")
	tests := []struct{ lang, want string }{
		{"es", "No se pudo calcular «Silicona» del producto «Con hueco»: el resultado no es un número válido (¿división entre cero o raíz de un negativo?)"},
		{"en", "«Silicona» of the product «Con hueco» could not be calculated: the result is not a valid number (division by zero or root of a negative?)"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			_, body := admin.Get(t, fmt.Sprintf("/catalogo/productos/%d/vista-previa?ancho=1000&alto=1000&lang=%s", id, tt.lang), "HX-Request", "true")
			if !strings.Contains(body, tt.want) {
				t.Errorf("preview lacks %q:\n%s", tt.want, body)
			}
		})
	}
}
