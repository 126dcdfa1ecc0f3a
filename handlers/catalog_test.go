package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cotizador/auth"
	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// catalogApp is an app with staff accounts and the prototype's seed
// catalogue, and a signed-in admin.
func catalogApp(t *testing.T) (*testutil.App, *testutil.Client) {
	t.Helper()
	a := staff(t)
	testutil.LoadCatalog(t, a.DB, pricing.PrototypeSeedCatalog())
	return a, a.Login(t, "admin@aluminios.mx")
}

func materialID(t *testing.T, a *testutil.App, code string) int64 {
	t.Helper()
	var id int64
	if err := a.DB.Reader.QueryRow(`SELECT id FROM materials WHERE code = ? AND deleted_at IS NULL`, code).Scan(&id); err != nil {
		t.Fatalf("material %s: %v", code, err)
	}
	return id
}

func productID(t *testing.T, a *testutil.App, code string) int64 {
	t.Helper()
	var id int64
	if err := a.DB.Reader.QueryRow(`SELECT id FROM products WHERE code = ? AND deleted_at IS NULL`, code).Scan(&id); err != nil {
		t.Fatalf("product %s: %v", code, err)
	}
	return id
}

func TestMaterialsCRUD(t *testing.T) {
	a, admin := catalogApp(t)

	t.Run("list with search and category filter", func(t *testing.T) {
		_, body := admin.Get(t, "/catalogo/materiales?q=jamba")
		if !strings.Contains(body, "PER-NAC3-JA") || strings.Contains(body, "PER-NAC3-RS") {
			t.Error("search by name does not filter")
		}
		_, body = admin.Get(t, "/catalogo/materiales?categoria=Vidrio")
		if !strings.Contains(body, "VID-TEMP-6") || strings.Contains(body, "HER-ROD-3") {
			t.Error("category filter does not filter")
		}
		resp, body := admin.Get(t, "/catalogo/materiales?q=claro", "HX-Request", "true", "HX-Target", "materials-table")
		if resp.StatusCode != 200 || strings.Contains(body, "<html") || !strings.Contains(body, `id="materials-table"`) {
			t.Errorf("htmx search should answer the table alone: %d", resp.StatusCode)
		}
	})

	t.Run("invalid form keeps values and says why in Spanish", func(t *testing.T) {
		resp, body := admin.PostForm(t, "/catalogo/materiales", url.Values{"code": {"PER-L2-MARCO"}, "name": {"Marco Línea 2\""},
			"category": {"Perfiles"}, "unit": {"ML"}, "cost": {"cuarenta"}, "waste_factor": {"0.5"}, "active": {"1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", resp.StatusCode)
		}
		for _, want := range []string{`value="PER-L2-MARCO"`, `value="Marco Línea 2&#34;"`, "«cuarenta» no es un número válido", "El factor de desperdicio debe estar entre 1 y 3"} {
			if !strings.Contains(body, want) {
				t.Errorf("re-render lacks %q", want)
			}
		}
		var n int
		a.DB.Reader.QueryRow(`SELECT count(*) FROM materials WHERE code = 'PER-L2-MARCO'`).Scan(&n)
		if n != 0 {
			t.Error("an invalid form wrote a row")
		}
	})

	t.Run("create, duplicate code, update", func(t *testing.T) {
		form := url.Values{"code": {"per-l2-marco"}, "name": {"Marco Línea 2\""}, "category": {"Perfiles"}, "unit": {"ML"},
			"cost": {"61,50"}, "bar_length_m": {"6.10"}, "line": {`Línea 2"`}, "active": {"1"}}
		resp, _ := admin.PostForm(t, "/catalogo/materiales", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d", resp.StatusCode)
		}
		id := materialID(t, a, "PER-L2-MARCO")
		m, err := a.DB.FindMaterialByID(t.Context(), id)
		if err != nil || m.Cost.String() != "61.5" || m.BarLengthM.String() != "6.1" || m.Line != `Línea 2"` {
			t.Fatalf("stored %+v, %v", m, err)
		}
		resp, body := admin.PostForm(t, "/catalogo/materiales", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Ya existe un material con el código PER-L2-MARCO") {
			t.Errorf("duplicate code: %d", resp.StatusCode)
		}
		form.Set("cost", "64.00")
		if resp, _ := admin.PostForm(t, fmt.Sprintf("/catalogo/materiales/%d", id), form); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("update: %d", resp.StatusCode)
		}
		if m, _ := a.DB.FindMaterialByID(t.Context(), id); m.Cost.String() != "64" {
			t.Errorf("cost after update = %s", m.Cost)
		}
	})

	t.Run("inline cost edit through htmx", func(t *testing.T) {
		id := materialID(t, a, "HER-ROD-3")
		resp, body := admin.PostForm(t, fmt.Sprintf("/catalogo/materiales/%d/costo", id), url.Values{"cost": {"18.50"}}, "HX-Request", "true")
		if resp.StatusCode != 200 || !strings.HasPrefix(strings.TrimSpace(body), `<tr id="material-`) || !strings.Contains(body, `value="18.50"`) {
			t.Fatalf("inline edit: %d\n%s", resp.StatusCode, body)
		}
		resp, body = admin.PostForm(t, fmt.Sprintf("/catalogo/materiales/%d/costo", id), url.Values{"cost": {"-3"}}, "HX-Request", "true")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `value="-3"`) || !strings.Contains(body, "field-error") {
			t.Errorf("invalid inline edit: %d\n%s", resp.StatusCode, body)
		}
		if m, _ := a.DB.FindMaterialByID(t.Context(), id); m.Cost.String() != "18.5" {
			t.Errorf("cost = %s after a rejected edit, want 18.5", m.Cost)
		}
	})

	t.Run("colour price", func(t *testing.T) {
		id := materialID(t, a, "PER-NAC3-RS")
		var colourID int64
		a.DB.Reader.QueryRow(`SELECT id FROM colours WHERE code = 'NEG'`).Scan(&colourID)
		resp, _ := admin.PostForm(t, fmt.Sprintf("/catalogo/materiales/%d/precios", id), url.Values{"colour_id": {fmt.Sprint(colourID)}, "price": {"70.25"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("set price: %d", resp.StatusCode)
		}
		cat, err := a.DB.PricingCatalog(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := cat.ColourPrice("PER-NAC3-RS", "NEG"); !ok || p.String() != "70.25" {
			t.Errorf("colour price = %s, %v", p, ok)
		}
	})

	t.Run("soft delete warns the products that use it", func(t *testing.T) {
		id := materialID(t, a, "PER-NAC3-TR")
		if resp, _ := admin.PostForm(t, fmt.Sprintf("/catalogo/materiales/%d/eliminar", id), nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		var deletedAt, deletedBy string
		if err := a.DB.Reader.QueryRow(`SELECT deleted_at, deleted_by FROM materials WHERE id = ?`, id).Scan(&deletedAt, &deletedBy); err != nil || deletedAt == "" {
			t.Fatalf("row not kept with deleted_at: %v", err)
		}
		if !strings.HasPrefix(deletedBy, "user:") {
			t.Errorf("deleted_by = %q, want the acting user", deletedBy)
		}
		_, body := admin.Get(t, "/catalogo/materiales")
		if strings.Contains(body, "PER-NAC3-TR") {
			t.Error("deleted material still listed")
		}
		_, body = admin.Get(t, "/catalogo/productos")
		if !strings.Contains(body, "1 material de su lista fue eliminado o desactivado") {
			t.Error("products list shows no warning for the product using the deleted material")
		}
		_, body = admin.Get(t, fmt.Sprintf("/catalogo/productos/%d", productID(t, a, "PROTO-COR-3")))
		if !strings.Contains(body, "Este material fue eliminado o desactivado") {
			t.Error("product page does not mark the BOM line")
		}
	})

	t.Run("viewer reads but cannot write", func(t *testing.T) {
		viewer := a.Login(t, "consulta@aluminios.mx")
		resp, body := viewer.Get(t, fmt.Sprintf("/catalogo/materiales/%d", materialID(t, a, "HER-ROD-3")))
		if resp.StatusCode != 200 || !strings.Contains(body, "<fieldset disabled") {
			t.Errorf("viewer's material page: %d, want a read-only form", resp.StatusCode)
		}
		if resp, _ := viewer.PostForm(t, "/catalogo/materiales", url.Values{"code": {"X"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("viewer create: %d, want 403", resp.StatusCode)
		}
	})
}

func TestColours(t *testing.T) {
	a, admin := catalogApp(t)
	resp, body := admin.PostForm(t, "/catalogo/colores", url.Values{"code": {"gri"}, "name": {"Gris Grafito"}, "factor": {"0"}, "active": {"1"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `value="Gris Grafito"`) {
		t.Fatalf("factor 0: %d", resp.StatusCode)
	}
	if resp, _ := admin.PostForm(t, "/catalogo/colores", url.Values{"code": {"gri"}, "name": {"Gris Grafito"}, "factor": {"1.30"}, "active": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	cat, _ := a.DB.PricingCatalog(t.Context())
	if c, ok := cat.Colour("GRI"); !ok || c.Factor.String() != "1.3" {
		t.Errorf("colour = %+v, %v", c, ok)
	}
}

func TestProductEditor(t *testing.T) {
	a, admin := catalogApp(t)
	base := url.Values{"code": {"VEN-FIJA-L3"}, "name": {"Fija Línea 3"}, "category": {"ventana"}, "type": {"fija"}, "line": {`Línea 3"`},
		"hojas": {"1"}, "min_width_mm": {"400"}, "max_width_mm": {"2400"}, "min_height_mm": {"400"}, "max_height_mm": {"2000"},
		"labor_rate_m2": {"45"}, "complexity": {"1"}, "glass_deduct_w_mm": {"30"}, "glass_deduct_h_mm": {"30"}, "active": {"1"}}
	withBOM := func(rows ...[7]string) url.Values {
		v := url.Values{}
		for k, vals := range base {
			v[k] = vals
		}
		for _, r := range rows {
			v.Add("bom_material", r[0])
			v.Add("bom_role", r[1])
			v.Add("bom_qty", r[2])
			v.Add("bom_count", r[3])
			v.Add("bom_length", r[4])
			v.Add("bom_waste", r[5])
			v.Add("bom_desc", r[6])
		}
		return v
	}

	t.Run("a wrong formula is shown on its line, with the typed values", func(t *testing.T) {
		resp, body := admin.PostForm(t, "/catalogo/productos", withBOM(
			[7]string{"PER-NAC3-FE", "perfil", "", "2", "anchoo - 20", "", "Marco horizontal"},
			[7]string{"VID-TEMP-6", "vidrio", "area_m2", "", "", "", "Vidrio"},
		))
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", resp.StatusCode)
		}
		for _, want := range []string{"variable desconocida «anchoo» en la posición 1", `value="anchoo - 20"`, `value="VEN-FIJA-L3"`, "Hay líneas de la lista de materiales con errores"} {
			if !strings.Contains(body, want) {
				t.Errorf("re-render lacks %q", want)
			}
		}
	})

	t.Run("forbidden constructs are refused", func(t *testing.T) {
		for formula, want := range map[string]string{
			`len("abc")`:      "no se permiten cadenas de texto",
			"[1, 2][0]":       "no se permiten listas",
			"let x = 1; x":    "let",
			"1..3":            "rangos",
			"os.Exit(1)":      "os",
			"width_m | floor": "«|»",
		} {
			resp, body := admin.PostForm(t, "/catalogo/productos", withBOM([7]string{"PER-NAC3-FE", "perfil", formula, "", "", "", ""}))
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
				t.Errorf("%s: status %d, want a message with %q", formula, resp.StatusCode, want)
			}
		}
	})

	var id int64
	t.Run("saved with its BOM", func(t *testing.T) {
		resp, body := admin.PostForm(t, "/catalogo/productos", withBOM(
			[7]string{"PER-NAC3-FE", "perfil", "", "2", "width_mm", "1.05", "Marco horizontal"},
			[7]string{"PER-NAC3-FE", "perfil", "", "2", "height_mm", "1.05", "Marco vertical"},
			[7]string{"", "perfil", "", "", "", "", ""}, // an empty row is dropped
			[7]string{"VID-TEMP-6", "vidrio", "area_m2", "", "", "", "Vidrio"},
		))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d\n%s", resp.StatusCode, body)
		}
		id = productID(t, a, "VEN-FIJA-L3")
		p, err := a.DB.FindProductByID(t.Context(), id)
		if err != nil || len(p.BOM) != 3 || p.BOM[1].CutLengthFormula != "height_mm" || p.BOM[2].Role != pricing.RoleGlass {
			t.Fatalf("stored BOM = %+v, %v", p.BOM, err)
		}
	})

	t.Run("update replaces the BOM", func(t *testing.T) {
		resp, _ := admin.PostForm(t, fmt.Sprintf("/catalogo/productos/%d", id), withBOM(
			[7]string{"PER-NAC3-FE", "perfil", "2 * (width_m + height_m)", "", "", "", "Marco"},
		))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		p, _ := a.DB.FindProductByID(t.Context(), id)
		if len(p.BOM) != 1 || p.BOM[0].QuantityFormula != "2 * (width_m + height_m)" {
			t.Errorf("BOM after update = %+v", p.BOM)
		}
	})

	t.Run("out-of-range size in the preview", func(t *testing.T) {
		_, body := admin.Get(t, fmt.Sprintf("/catalogo/productos/%d/vista-previa?ancho=5000&alto=1000", id), "HX-Request", "true")
		if !strings.Contains(body, "El ancho debe estar entre 400 y 2400 mm") {
			t.Errorf("preview:\n%s", body)
		}
	})
}

func TestFormulaLiveCheck(t *testing.T) {
	_, admin := catalogApp(t)
	check := func(values url.Values) string {
		values.Set("sample_w", "1500")
		values.Set("sample_h", "1200")
		values.Set("hojas", "2")
		_, body := admin.Get(t, "/catalogo/formula?"+values.Encode(), "HX-Request", "true")
		return body
	}
	tests := []struct {
		name   string
		values url.Values
		want   string
	}{
		// 2 × (1.5 / 2) = 1.5 m × 1.05 = 1.575 m × $48 = $75.60
		{"prototype formula", url.Values{"bom_material": {"PER-NAC3-JA"}, "bom_qty": {"2 * (width_m / 2)"}, "bom_waste": {"1.05"}}, "1.575 ML"},
		{"its cost", url.Values{"bom_material": {"PER-NAC3-JA"}, "bom_qty": {"2 * (width_m / 2)"}, "bom_waste": {"1.05"}}, "$75.60 MXN"},
		// 2 cuts of 1500 − 2×20 = 1460 mm → 2.92 m; no waste on the line nor the
		// material: a profile takes the company's 1.10, as in a quote → 3.212 m
		{"cuts", url.Values{"bom_material": {"PER-NAC3-RS"}, "bom_count": {"2"}, "bom_length": {"width_mm - 2 * 20"}}, "2 × 1460 mm → 3.212 ML"},
		// As in a quote, 1.5 pieces are 2 and 1500 / 7 = 214.29 mm is cut at 214 mm:
		// 2 × 0.214 m × 1.05 = 0.4494 → 0.449 m
		{"cut count rounded up, length to the mm", url.Values{"bom_material": {"PER-NAC3-RS"}, "bom_count": {"1.5"},
			"bom_length": {"width_mm / 7"}, "bom_waste": {"1.05"}}, "2 × 214 mm → 0.449 ML"},
		{"round digits out of range", url.Values{"bom_material": {"HER-ROD-3"}, "bom_qty": {"round(width_m, 20)"}},
			"los decimales de round deben ser un número entero entre -15 y 15"},
		{"hojas variable", url.Values{"bom_material": {"HER-ROD-3"}, "bom_qty": {"hojas * 2"}}, "4 PZA"},
		{"negative counts as zero", url.Values{"bom_material": {"HER-ROD-3"}, "bom_qty": {"1 - width_m"}}, "0 PZA"},
		{"unknown variable", url.Values{"bom_material": {"HER-ROD-3"}, "bom_qty": {"anchoo * 2"}}, "variable desconocida «anchoo» en la posición 1"},
		{"division by zero", url.Values{"bom_material": {"HER-ROD-3"}, "bom_qty": {"width_m / (hojas - 2)"}}, "no es un número válido"},
		{"no material", url.Values{"bom_qty": {"2"}}, "Elige un material"},
		{"math.ceil accepted", url.Values{"bom_material": {"HER-ROD-3"}, "bom_qty": {"math.ceil(width_m)"}}, "2 PZA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := check(tt.values); !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

func TestProductPreview(t *testing.T) {
	a, admin := catalogApp(t)
	id := productID(t, a, "PROTO-COR-3")
	// DOMAIN.md's worked example: total 3926.67 in compatible mode.
	_, body := admin.Get(t, fmt.Sprintf("/catalogo/productos/%d/vista-previa?ancho=1500&alto=1200&cantidad=1&color=NAT&vidrio=VID-CLARO-6&modo=compatible", id), "HX-Request", "true")
	for _, want := range []string{"$1,908.00 MXN", "$2,417.90 MXN", "$3,926.67 MXN", "Riel superior"} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q:\n%s", want, body)
		}
	}
	// Without JavaScript the same figures come on the page itself.
	_, page := admin.Get(t, fmt.Sprintf("/catalogo/productos/%d?ancho=1500&alto=1200&cantidad=1&color=NAT&vidrio=VID-CLARO-6&modo=compatible", id))
	if !strings.Contains(page, "$3,926.67 MXN") || !strings.Contains(page, "<html") {
		t.Error("the product page does not price the size given in its query")
	}
}

func TestBulkPriceUpdate(t *testing.T) {
	a, admin := catalogApp(t)
	form := url.Values{"categoria": {"Perfiles"}, "linea": {`Línea 3"`}, "porcentaje": {"8"}, "accion": {"vista"}}
	resp, body := admin.PostForm(t, "/catalogo/precios", form)
	if resp.StatusCode != 200 {
		t.Fatalf("preview: %d", resp.StatusCode)
	}
	// Riel superior 52.00 → 56.16; Junquillo 28.90 → 31.212 → 31.21.
	for _, want := range []string{"$52.00 MXN", "$56.16 MXN", "$28.90 MXN", "$31.21 MXN", "8 precios cambiarán"} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if m, _ := a.DB.FindMaterialByID(t.Context(), materialID(t, a, "PER-NAC3-RS")); m.Cost.String() != "52" {
		t.Fatalf("the preview changed a price: %s", m.Cost)
	}
	version := between(body, `name="version" value="`, `"`)

	t.Run("stale preview is refused", func(t *testing.T) {
		stale := url.Values{"categoria": {"Perfiles"}, "linea": {`Línea 3"`}, "porcentaje": {"8"}, "accion": {"aplicar"}, "version": {"0"}}
		resp, body := admin.PostForm(t, "/catalogo/precios", stale)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "El catálogo cambió") {
			t.Errorf("status %d", resp.StatusCode)
		}
		if m, _ := a.DB.FindMaterialByID(t.Context(), materialID(t, a, "PER-NAC3-RS")); m.Cost.String() != "52" {
			t.Error("a stale apply changed prices")
		}
	})
	t.Run("apply", func(t *testing.T) {
		form.Set("accion", "aplicar")
		form.Set("version", version)
		if resp, _ := admin.PostForm(t, "/catalogo/precios", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("apply: %d", resp.StatusCode)
		}
		for code, want := range map[string]string{"PER-NAC3-RS": "56.16", "PER-NAC3-JF": "31.21", "VID-CLARO-6": "120", "HER-ROD-3": "15"} {
			if m, _ := a.DB.FindMaterialByID(t.Context(), materialID(t, a, code)); m.Cost.String() != want {
				t.Errorf("%s cost = %s, want %s", code, m.Cost, want)
			}
		}
	})
	t.Run("percent validated", func(t *testing.T) {
		resp, body := admin.PostForm(t, "/catalogo/precios", url.Values{"categoria": {"Perfiles"}, "porcentaje": {"900"}, "accion": {"vista"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Escribe un valor entre -90 y 500") {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
}

func TestCatalogAPI(t *testing.T) {
	a, _ := catalogApp(t)
	raw, _, err := a.DB.CreateAPIToken(t.Context(), userID(t, a, "vendedor@aluminios.mx"), "erp", "test")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := a.Get(t, "/api/v1/materials?category=Perfiles", "Authorization", "Bearer "+raw)
	if resp.StatusCode != 200 {
		t.Fatalf("materials: %d %s", resp.StatusCode, body)
	}
	var mats struct {
		Materials []struct {
			Code       string `json:"code"`
			Cost       string `json:"cost"`
			BarLengthM string `json:"bar_length_m"`
		} `json:"materials"`
	}
	if err := json.Unmarshal([]byte(body), &mats); err != nil || len(mats.Materials) != 8 {
		t.Fatalf("materials = %d, %v", len(mats.Materials), err)
	}
	if m := mats.Materials[0]; m.Code == "" || !strings.Contains(m.Cost, ".") || m.BarLengthM != "6.00" {
		t.Errorf("first material = %+v", m)
	}
	resp, body = a.Get(t, "/api/v1/products", "Authorization", "Bearer "+raw)
	var prods struct {
		Products []struct {
			Code string `json:"code"`
			BOM  []struct {
				MaterialCode    string `json:"material_code"`
				QuantityFormula string `json:"quantity_formula"`
			} `json:"bom"`
		} `json:"products"`
	}
	if err := json.Unmarshal([]byte(body), &prods); err != nil || resp.StatusCode != 200 || len(prods.Products) != 3 {
		t.Fatalf("products: %d %v", resp.StatusCode, err)
	}
	for _, p := range prods.Products {
		if p.Code == "PROTO-COR-3" && (len(p.BOM) != 12 || p.BOM[0].QuantityFormula != "width_m") {
			t.Errorf("PROTO-COR-3 BOM = %+v", p.BOM)
		}
	}
	if resp, _ := a.Get(t, "/api/v1/products"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous API call: %d, want 401", resp.StatusCode)
	}
	_ = auth.RoleOwner
}

type (
	testutilApp    = testutil.App
	testutilClient = testutil.Client
)
