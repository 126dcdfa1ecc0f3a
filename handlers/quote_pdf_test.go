package handlers_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"cotizador/internal/testutil"
)

func TestQuotePDFRoutes(t *testing.T) {
	a, seller := catalogAppAs(t, "vendedor@aluminios.mx")
	resp, body := seller.PostForm(t, "/cotizaciones", quoteForm("accion", "guardar"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", resp.StatusCode, body)
	}
	page := resp.Header.Get("Location")
	_, html := seller.Get(t, page)
	if !strings.Contains(html, `href="`+page+`/pdf"`) {
		t.Fatalf("the quote page has no PDF link to %s/pdf", page)
	}

	checkPDF := func(t *testing.T, resp *http.Response, body string) {
		t.Helper()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("status %d, Content-Type %q: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != `inline; filename="COT-2026-0001.pdf"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
			t.Errorf("Cache-Control %q: a customer's document in a shared cache", cc)
		}
		text := testutil.OneLine(testutil.PDFText(t, []byte(body)))
		for _, want := range []string{"COT-2026-0001", "Juana Pérez", "Total $3,926.67 MXN", "TRES MIL NOVECIENTOS VEINTISÉIS PESOS 67/100 M.N."} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF's text lacks %q", want)
			}
		}
		for _, internal := range []string{"2,417.90", "604.48", "362.69", "1,908.00", "Utilidad", "Indirectos"} {
			if strings.Contains(text, internal) {
				t.Errorf("the PDF shows %q", internal)
			}
		}
	}

	t.Run("the saved quote page's link", func(t *testing.T) {
		resp, body := seller.Get(t, page+"/pdf")
		checkPDF(t, resp, body)
	})

	getAPI := func(t *testing.T, token, path string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return a.Do(t, req)
	}
	token, _, err := a.DB.CreateAPIToken(t.Context(), userID(t, a, "vendedor@aluminios.mx"), "erp", "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the API by folio", func(t *testing.T) {
		resp, body := getAPI(t, token, "/api/v1/quotes/COT-2026-0001/pdf")
		checkPDF(t, resp, body)
	})

	// The same visibility as GET /api/v1/quotes/{folio}: another salesperson
	// (the company does not let them see every quote) gets the same 404 as
	// for a folio that does not exist.
	a.CreateUser(t, "sales", "otro@aluminios.mx")
	other, _, err := a.DB.CreateAPIToken(t.Context(), userID(t, a, "otro@aluminios.mx"), "erp", "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/quotes/COT-2026-0001", "/api/v1/quotes/COT-2026-0001/pdf", "/api/v1/quotes/COT-2026-0999/pdf"} {
		resp, body := getAPI(t, other, path)
		var out map[string]any
		if resp.StatusCode != http.StatusNotFound || json.Unmarshal([]byte(body), &out) != nil {
			t.Errorf("another salesperson's GET %s: %d %.100s, want a JSON 404", path, resp.StatusCode, body)
		}
	}
	if resp, _ := a.Login(t, "otro@aluminios.mx").Get(t, page+"/pdf"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another salesperson's GET %s/pdf: %d, want 404", page, resp.StatusCode)
	}
	// A viewer reads every quote, its PDF too.
	if resp, body := a.Login(t, "consulta@aluminios.mx").Get(t, page+"/pdf"); resp.StatusCode != http.StatusOK {
		t.Errorf("viewer: %d %.100s", resp.StatusCode, body)
	}
	// Anonymous: the API answers 401, the page sends to the login.
	if resp, _ := a.Get(t, "/api/v1/quotes/COT-2026-0001/pdf"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous API: %d, want 401", resp.StatusCode)
	}
}
