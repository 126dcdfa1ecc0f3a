package handlers_test

import (
	"archive/zip"
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/catalogio"
	"cotizador/db"
	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// postUpload sends the import form as a browser does: multipart, with the
// client's CSRF token in the _csrf field.
func postUpload(t *testing.T, cl *testutil.Client, format string, files map[string]string) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", cl.CSRF)
	_ = w.WriteField("format", format)
	for field, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fw, err := w.CreateFormFile(field, filepath.Base(path))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, "/catalogo/importar", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return cl.Do(t, req)
}

const testdata = "../catalogio/testdata/"

var (
	seedFiles = map[string]string{"materials": testdata + "prototype_seed_materials.csv", "products": testdata + "prototype_seed_products.csv"}
	badFiles  = map[string]string{"materials": testdata + "prototype_bad_materials.csv", "products": testdata + "prototype_bad_products.csv"}
	tokenRe   = regexp.MustCompile(`name="token" value="([^"]+)"`)
)

// loadBuiltIn loads a built-in catalogue into the app's empty catalogue.
func loadBuiltIn(t *testing.T, a *testutil.App, changes func() (*db.CatalogChanges, error)) {
	t.Helper()
	ch, err := changes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.LoadEmptyCatalog(t.Context(), ch, app.CLIActor); err != nil {
		t.Fatal(err)
	}
}

func catalogVersion(t *testing.T, a *testutil.App) int64 {
	t.Helper()
	v, _, err := a.DB.CatalogVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestImportPageAccess(t *testing.T) {
	a := staff(t)
	for _, p := range principals[1:] {
		want := p.role == "owner" || p.role == "admin"
		t.Run(p.name, func(t *testing.T) {
			cl := a.Login(t, p.email)
			resp, _ := cl.Get(t, "/catalogo/importar")
			if got := resp.StatusCode == http.StatusOK; got != want {
				t.Errorf("GET /catalogo/importar: status %d", resp.StatusCode)
			}
			if !want && resp.StatusCode != http.StatusForbidden {
				t.Errorf("GET /catalogo/importar: status %d, want 403", resp.StatusCode)
			}
			resp, _ = postUpload(t, cl, "prototype", seedFiles)
			if !want && resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST /catalogo/importar: status %d, want 403", resp.StatusCode)
			}
			resp, _ = cl.PostForm(t, "/catalogo/importar/aplicar", url.Values{"token": {"x"}})
			if !want && resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST /catalogo/importar/aplicar: status %d, want 403", resp.StatusCode)
			}
			resp, _ = cl.Get(t, "/catalogo/exportar")
			if !want && resp.StatusCode != http.StatusForbidden {
				t.Errorf("GET /catalogo/exportar: status %d, want 403", resp.StatusCode)
			}
			if want && resp.StatusCode != http.StatusOK {
				t.Errorf("GET /catalogo/exportar: status %d, want 200", resp.StatusCode)
			}
		})
	}
	if v := catalogVersion(t, a); v != 0 {
		t.Errorf("catalogue version %d after previews only", v)
	}
}

func TestImportDryRunShowsSpanishErrors(t *testing.T) {
	a := staff(t)
	cl := a.Login(t, "duena@aluminios.mx")
	cl.Get(t, "/catalogo/importar")
	resp, body := postUpload(t, cl, "prototype", badFiles)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", resp.StatusCode)
	}
	for _, want := range []string{
		"Hay filas con errores: no se guardó nada.",
		"13 con error.",
		"<code>bom_json[0].quantity_formula</code>: Fórmula de la línea 1: variable desconocida «anchoo» en la posición 1",
		"<code>bom_json[1].material_id</code>: No hay un material con id 99 en el archivo de materiales.",
		"<code>unit</code>: «M3» no es válido; opciones: ML, M2, PZA, CARTUCHO, LTS, KG.",
		"<td>prototype_bad_products.csv</td>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if tokenRe.MatchString(body) {
		t.Error("a preview with errors offers to apply it")
	}
	if v := catalogVersion(t, a); v != 0 {
		t.Errorf("catalogue version %d after a dry run", v)
	}

	t.Run("no files", func(t *testing.T) {
		resp, body := postUpload(t, cl, "native", nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Sube al menos el archivo de materiales o el de productos.") {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		resp, body := postUpload(t, cl, "excel", seedFiles)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Elige una opción de la lista.") {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	t.Run("without the CSRF token", func(t *testing.T) {
		token := cl.CSRF
		cl.CSRF = "no-es-el-token"
		resp, _ := postUpload(t, cl, "prototype", seedFiles)
		cl.CSRF = token
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
	})
}

func TestImportPreviewThenApply(t *testing.T) {
	a := staff(t)
	owner := a.Login(t, "duena@aluminios.mx")
	owner.Get(t, "/catalogo/importar")
	resp, body := postUpload(t, owner, "prototype", seedFiles)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("preview: status %d", resp.StatusCode)
	}
	for _, want := range []string{"28 por crear", "48 sin cambios", "Se crea el color Blanco (BLA, factor 1.15).", "Todo está bien."} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	m := tokenRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no apply form with a token")
	}
	token := m[1]
	if v := catalogVersion(t, a); v != 0 {
		t.Fatalf("the preview wrote: version %d", v)
	}

	t.Run("another user cannot apply it", func(t *testing.T) {
		admin := a.Login(t, "admin@aluminios.mx")
		resp, body := admin.PostForm(t, "/catalogo/importar/aplicar", url.Values{"token": {token}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "La vista previa expiró o ya se aplicó.") {
			t.Errorf("status %d", resp.StatusCode)
		}
	})

	t.Run("apply writes all of it", func(t *testing.T) {
		resp, _ := owner.PostForm(t, "/catalogo/importar/aplicar", url.Values{"token": {token}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/catalogo/importar" {
			t.Fatalf("status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body := owner.Get(t, "/catalogo/importar")
		if !strings.Contains(body, "Catálogo importado: se aplicaron todos los cambios.") {
			t.Error("no success message after applying")
		}
		pc, err := a.DB.PricingCatalog(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n := len(pc.Materials()); n != 25 {
			t.Errorf("%d materials, want 25", n)
		}
		res, err := pricing.PriceQuote(pc, pricing.QuoteInput{Mode: pricing.ModeCompatible, Rates: pricing.DefaultRates(),
			Items: []pricing.ItemInput{{ProductCode: "PROTO-COR-3", ColourCode: "NAT", GlassCode: "VID-CLARO-6",
				WidthMM: decimal.NewFromInt(1500), HeightMM: decimal.NewFromInt(1200), Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Totals.Total.StringFixed(2); got != "3926.67" {
			t.Errorf("worked example total %s, want 3926.67", got)
		}
	})

	t.Run("a token is used once", func(t *testing.T) {
		resp, body := owner.PostForm(t, "/catalogo/importar/aplicar", url.Values{"token": {token}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "La vista previa expiró o ya se aplicó.") {
			t.Errorf("status %d", resp.StatusCode)
		}
	})

	t.Run("a token expires", func(t *testing.T) {
		resp, body := postUpload(t, owner, "prototype", seedFiles)
		m := tokenRe.FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("second preview: status %d", resp.StatusCode)
		}
		if !strings.Contains(body, "28 por actualizar") {
			t.Error("a second preview of the same files should update, not create")
		}
		a.Clock.Advance(31 * time.Minute)
		v := catalogVersion(t, a)
		resp, _ = owner.PostForm(t, "/catalogo/importar/aplicar", url.Values{"token": {m[1]}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("status %d, want 422", resp.StatusCode)
		}
		if catalogVersion(t, a) != v {
			t.Error("an expired token applied")
		}
	})
}

func TestExportZip(t *testing.T) {
	a := staff(t)
	loadBuiltIn(t, a, catalogio.Demo)
	cl := a.Login(t, "admin@aluminios.mx")
	resp, body := cl.Get(t, "/catalogo/exportar")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="catalogo-2026-11-26.zip"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	wantM, wantP := catalogio.DemoFiles()
	want := map[string][]byte{catalogio.MaterialsFile: wantM, catalogio.ProductsFile: wantP}
	if len(zr.File) != 2 {
		t.Fatalf("%d files in the zip", len(zr.File))
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != string(want[f.Name]) {
			t.Errorf("%s in the zip differs from the demo file", f.Name)
		}
	}
}

func TestSetupLoadsTheDemoCatalogue(t *testing.T) {
	t.Run("checked", func(t *testing.T) {
		a := testutil.NewApp(t)
		cl := a.NewClient()
		_, body := cl.Get(t, "/setup")
		if !strings.Contains(body, `name="demo"`) || !strings.Contains(body, "Cargar catálogo de ejemplo") {
			t.Fatal("the setup page does not offer the demo catalogue")
		}
		resp, _ := cl.PostForm(t, "/setup", url.Values{"company": {"Aluminios Ñandú"}, "name": {"Rosa"}, "email": {"rosa@nandu.mx"},
			"password": {testutil.Password}, "demo": {"1"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		_, body = cl.Get(t, "/")
		if !strings.Contains(body, "se cargó el catálogo de ejemplo") {
			t.Error("no message about the demo catalogue")
		}
		pc, err := a.DB.PricingCatalog(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := pc.Product("VEN-COR-L3-2H"); !ok || len(pc.Products()) < 6 {
			t.Errorf("demo catalogue not loaded: %d products", len(pc.Products()))
		}
	})
	t.Run("unchecked", func(t *testing.T) {
		a := testutil.NewApp(t)
		cl := a.NewClient()
		cl.Get(t, "/setup")
		cl.PostForm(t, "/setup", url.Values{"company": {"Aluminios Ñandú"}, "name": {"Rosa"}, "email": {"rosa@nandu.mx"}, "password": {testutil.Password}})
		if empty, err := a.DB.CatalogEmpty(t.Context()); err != nil || !empty {
			t.Errorf("catalogue empty = %v (err %v), want empty", empty, err)
		}
	})
	t.Run("not offered when the catalogue has data", func(t *testing.T) {
		a := testutil.NewApp(t)
		loadBuiltIn(t, a, catalogio.PrototypeSeed)
		_, body := a.NewClient().Get(t, "/setup")
		if strings.Contains(body, `name="demo"`) {
			t.Error("the demo checkbox is offered over an existing catalogue")
		}
	})
}
