package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cotizador/app"
	"cotizador/db"
	"cotizador/internal/testutil"
)

// untranslated finds a message id of these features printed as is: a key
// missing from the locale renders as its id.
var untranslated = regexp.MustCompile(`\b(customer|settings|cfdi)\.[a-z0-9_]+(\.[A-Za-z0-9_]+)?\b`)

func assertTranslated(t *testing.T, page, body string) {
	t.Helper()
	if m := untranslated.FindString(body); m != "" {
		t.Errorf("%s shows the untranslated id %q", page, m)
	}
}

func assertContains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func customerIDByName(t *testing.T, a *testutil.App, name string) int64 {
	t.Helper()
	var id int64
	if err := a.DB.Reader.QueryRow(`SELECT id FROM customers WHERE name = ? AND deleted_at IS NULL`, name).Scan(&id); err != nil {
		t.Fatalf("customer %q: %v", name, err)
	}
	return id
}

func TestCustomersCRUD(t *testing.T) {
	a := staff(t)
	sales := a.Login(t, "vendedor@aluminios.mx")

	t.Run("new customer form", func(t *testing.T) {
		resp, body := sales.Get(t, "/clientes/nuevo")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		assertContains(t, "new form", body, `action="/clientes"`, `name="tax_regime"`, `612 · Personas Físicas con Actividades Empresariales y Profesionales`,
			`G03 · Gastos en general`, `name="postal_code"`)
		assertTranslated(t, "new form", body)
	})

	t.Run("invalid form keeps values and says why in Spanish", func(t *testing.T) {
		form := url.Values{"name": {"María Núñez"}, "business_name": {"Núñez Construcciones"}, "rfc": {"NUIM851314AB1"}, "phone": {"55 1234"},
			"email": {"maria@correo"}, "address": {"Calle Hidalgo 12"}, "postal_code": {"7600"}, "notes": {"Llamar por la tarde"}}
		resp, body := sales.PostForm(t, "/clientes", form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", resp.StatusCode)
		}
		assertContains(t, "re-render", body,
			"La fecha del RFC no es válida.",
			"Escribe un teléfono de 10 dígitos",
			"Escribe un correo válido",
			"Escribe el código postal de 5 dígitos",
			`value="María Núñez"`, `value="NUIM851314AB1"`, `value="55 1234"`, `value="maria@correo"`, `value="7600"`,
			`>Calle Hidalgo 12</textarea>`, `>Llamar por la tarde</textarea>`, `aria-invalid="true"`)
		assertTranslated(t, "re-render", body)
		var n int
		a.DB.Reader.QueryRow(`SELECT count(*) FROM customers`).Scan(&n)
		if n != 0 {
			t.Errorf("an invalid form stored %d customers", n)
		}

		// The régimen must fit the RFC: 601 is for companies, this RFC is a person's.
		form.Set("rfc", "NUIM850214AB1")
		form.Set("phone", "55 1234 5678")
		form.Set("email", "maria@correo.mx")
		form.Set("postal_code", "76000")
		form.Set("tax_regime", "601")
		form.Set("cfdi_use", "G03")
		resp, body = sales.PostForm(t, "/clientes", form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("regime mismatch: status %d, want 422", resp.StatusCode)
		}
		assertContains(t, "regime mismatch", body, "Ese régimen es de personas morales", `<option value="601" selected>`)
		// Without a name nothing else matters.
		resp, body = sales.PostForm(t, "/clientes", url.Values{"name": {"   "}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Este campo es obligatorio.") {
			t.Errorf("empty name: status %d", resp.StatusCode)
		}
	})

	var id int64
	t.Run("create", func(t *testing.T) {
		form := url.Values{"name": {"María Guadalupe Núñez Ibarra"}, "business_name": {""}, "rfc": {"nuim-850214-ab1"}, "phone": {"+52 (55) 1234-5678"},
			"email": {"Lupita@Correo.MX"}, "address": {"Calle Hidalgo 12\r\nCentro, Querétaro"}, "tax_regime": {"612"}, "postal_code": {"76000"},
			"cfdi_use": {"G03"}, "notes": {"Prefiere WhatsApp"}}
		resp, _ := sales.PostForm(t, "/clientes", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", resp.StatusCode)
		}
		id = customerIDByName(t, a, "María Guadalupe Núñez Ibarra")
		if loc := resp.Header.Get("Location"); loc != fmt.Sprintf("/clientes/%d", id) {
			t.Errorf("Location %q", loc)
		}
		c, err := a.DB.FindCustomerByID(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		want := db.Customer{ID: id, Name: "María Guadalupe Núñez Ibarra", RFC: "NUIM850214AB1", Phone: "5512345678", Email: "lupita@correo.mx",
			Address: "Calle Hidalgo 12\nCentro, Querétaro", TaxRegime: "612", PostalCode: "76000", CFDIUse: "G03", Notes: "Prefiere WhatsApp",
			CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
		if *c != want {
			t.Errorf("stored %+v\nwant %+v", *c, want)
		}
		var by string
		a.DB.Reader.QueryRow(`SELECT created_by FROM customers WHERE id = ?`, id).Scan(&by)
		if u := userID(t, a, "vendedor@aluminios.mx"); by != string(app.UserActor(u)) {
			t.Errorf("created_by = %q, want the salesperson", by)
		}
		resp, body := sales.Get(t, fmt.Sprintf("/clientes/%d", id))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page: %d", resp.StatusCode)
		}
		assertContains(t, "customer page", body, "Cliente registrado.", `value="55 1234 5678"`, `value="NUIM850214AB1"`,
			`<option value="612" selected>`, `<option value="G03" selected>`, "Cotizaciones", "Sin cotizaciones",
			fmt.Sprintf(`href="/cotizaciones/nueva?cliente=%d"`, id), "Cliente desde el 26/11/2026")
		assertTranslated(t, "customer page", body)
	})

	t.Run("update", func(t *testing.T) {
		form := url.Values{"name": {"María Guadalupe Núñez Ibarra"}, "business_name": {"Núñez Remodelaciones S.A. de C.V."}, "rfc": {"NRE010203XY9"},
			"phone": {"442 123 4567"}, "email": {"compras@nunez.mx"}, "tax_regime": {"601"}, "postal_code": {"76000"}, "cfdi_use": {"I01"}}
		resp, _ := sales.PostForm(t, fmt.Sprintf("/clientes/%d", id), form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		c, _ := a.DB.FindCustomerByID(t.Context(), id)
		if c.RFC != "NRE010203XY9" || c.Phone != "4421234567" || c.TaxRegime != "601" || c.Notes != "" || c.BusinessName != "Núñez Remodelaciones S.A. de C.V." {
			t.Errorf("after update: %+v", c)
		}
		_, body := sales.Get(t, fmt.Sprintf("/clientes/%d", id))
		assertContains(t, "updated page", body, "Cambios guardados.", `value="442 123 4567"`)

		// A person's deduction code does not fit a company's RFC; what was
		// typed stays.
		form.Set("cfdi_use", "D01")
		form.Set("notes", "nota nueva")
		resp, body = sales.PostForm(t, fmt.Sprintf("/clientes/%d", id), form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("invalid update: %d", resp.StatusCode)
		}
		assertContains(t, "invalid update", body, "Ese uso de CFDI es solo para personas físicas", `<option value="D01" selected>`, ">nota nueva</textarea>")
		if c, _ := a.DB.FindCustomerByID(t.Context(), id); c.CFDIUse != "I01" {
			t.Errorf("an invalid update changed the customer: %+v", c)
		}
	})

	t.Run("unknown customer", func(t *testing.T) {
		for _, path := range []string{"/clientes/999999", "/clientes/abc"} {
			resp, body := sales.Get(t, path)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
			}
			if path == "/clientes/999999" && !strings.Contains(body, "El cliente no existe o fue eliminado.") {
				t.Errorf("%s: no Spanish not-found message", path)
			}
		}
	})

	t.Run("soft delete", func(t *testing.T) {
		resp, _ := sales.PostForm(t, fmt.Sprintf("/clientes/%d/eliminar", id), nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/clientes" {
			t.Fatalf("delete: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body := sales.Get(t, "/clientes")
		assertContains(t, "list after delete", body, "Cliente eliminado.", "Aún no hay clientes.")
		if strings.Contains(body, "Núñez") {
			t.Error("the deleted customer is still listed")
		}
		if resp, _ := sales.Get(t, fmt.Sprintf("/clientes/%d", id)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("deleted customer's page: %d, want 404", resp.StatusCode)
		}
		if _, body := sales.Get(t, "/clientes/buscar?q=nunez"); strings.Contains(body, "Núñez") {
			t.Error("the deleted customer is still offered by the picker")
		}
		var deletedAt, deletedBy string
		if err := a.DB.Reader.QueryRow(`SELECT deleted_at, deleted_by FROM customers WHERE id = ?`, id).Scan(&deletedAt, &deletedBy); err != nil || deletedAt == "" {
			t.Errorf("row after delete: %q %q %v; want it kept and marked", deletedAt, deletedBy, err)
		}
		if resp, _ := sales.PostForm(t, fmt.Sprintf("/clientes/%d/eliminar", id), nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("deleting twice: %d, want 404", resp.StatusCode)
		}
	})
}

// bookOfCustomers stores a few customers through the store.
func bookOfCustomers(t *testing.T, a *testutil.App) {
	t.Helper()
	cs := []*db.Customer{
		{Name: "María Guadalupe Núñez Ibarra", RFC: "NUIM850214AB1", Phone: "5512345678", Email: "lupita@correo.mx", Address: "Calle Hidalgo 12"},
		{Name: "Juan Nuñez", Phone: "3398765432"},
		{Name: "Constructora del Bajío", BusinessName: "Constructora del Bajío S.A. de C.V.", RFC: "CBA010203XY9", Phone: "4421112233"},
		{Name: "Óscar García-López", RFC: "GALO561231GR8", Phone: "8180001122"},
	}
	if err := a.DB.CreateCustomers(t.Context(), cs, app.CLIActor); err != nil {
		t.Fatal(err)
	}
}

func TestCustomersSearch(t *testing.T) {
	a := staff(t)
	bookOfCustomers(t, a)
	viewer := a.Login(t, "consulta@aluminios.mx")

	t.Run("the page searches as you type and without JavaScript", func(t *testing.T) {
		_, body := viewer.Get(t, "/clientes")
		assertContains(t, "list page", body, `<form method="get" action="/clientes"`, `name="q"`, `hx-get="/clientes"`,
			`hx-trigger="input changed delay:300ms"`, `hx-target="#customer-results"`, `id="customer-results"`, "4 clientes")
		assertTranslated(t, "list page", body)
	})

	tests := []struct {
		q          string
		want, not_ []string
	}{
		{"nunez", []string{"María Guadalupe Núñez Ibarra", "Juan Nuñez", "2 clientes"}, []string{"Bajío", "García"}},
		{"Núñez Iba", []string{"María Guadalupe Núñez Ibarra", "1 cliente<"}, []string{"Juan Nuñez"}},
		{"bajio", []string{"Constructora del Bajío"}, []string{"Núñez"}},
		{"galo5612", []string{"Óscar García-López"}, []string{"Núñez"}},
		{"55 1234", []string{"María Guadalupe Núñez Ibarra"}, []string{"Juan Nuñez"}},
		{"33 9876 5432", []string{"Juan Nuñez"}, []string{"María"}},
		{"zapata", []string{"Ningún cliente coincide con la búsqueda.", "0 clientes"}, []string{"Núñez"}},
	}
	for _, tt := range tests {
		t.Run("page "+tt.q, func(t *testing.T) {
			resp, body := viewer.Get(t, "/clientes?q="+url.QueryEscape(tt.q))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			assertContains(t, "results", body, tt.want...)
			assertContains(t, "results", body, fmt.Sprintf(`value="%s"`, tt.q))
			for _, n := range tt.not_ {
				if strings.Contains(body, n) {
					t.Errorf("results include %q", n)
				}
			}
		})
	}

	t.Run("htmx gets the results alone", func(t *testing.T) {
		resp, body := viewer.Get(t, "/clientes?q=nunez", "HX-Request", "true", "HX-Target", "customer-results")
		if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.HasPrefix(strings.TrimSpace(body), `<div id="customer-results"`) {
			t.Fatalf("status %d, body %.200s", resp.StatusCode, body)
		}
		if !strings.Contains(resp.Header.Get("Vary"), "HX-Request") {
			t.Error("no Vary: HX-Request")
		}
		assertContains(t, "fragment", body, "Juan Nuñez", "María Guadalupe Núñez Ibarra")
	})

	t.Run("picker fragment for the quote editor", func(t *testing.T) {
		id := customerIDByName(t, a, "María Guadalupe Núñez Ibarra")
		for _, path := range []string{"/clientes/buscar?q=nunez+ib", "/clientes/buscar?customer_name=nunez+ib"} {
			resp, body := viewer.Get(t, path, "HX-Request", "true")
			if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") {
				t.Fatalf("%s: status %d", path, resp.StatusCode)
			}
			assertContains(t, path, body, fmt.Sprintf(`data-id="%d"`, id), `data-name="María Guadalupe Núñez Ibarra"`,
				`data-rfc="NUIM850214AB1"`, `data-email="lupita@correo.mx"`, `data-phone="5512345678"`, `data-address="Calle Hidalgo 12"`)
			if strings.Contains(body, "Juan Nuñez") {
				t.Errorf("%s offers a customer that does not match", path)
			}
		}
		if _, body := viewer.Get(t, "/clientes/buscar?q=zapata"); !strings.Contains(body, "Ningún cliente coincide") {
			t.Error("no matches: no message")
		}
		if _, body := viewer.Get(t, "/clientes/buscar?q="); strings.TrimSpace(body) != "" {
			t.Errorf("empty search answers %q, want nothing", body)
		}
	})
}

func TestCustomersPagination(t *testing.T) {
	a := staff(t)
	var cs []*db.Customer
	for i := range 45 {
		cs = append(cs, &db.Customer{Name: fmt.Sprintf("Cliente %02d Pérez", i), Phone: fmt.Sprintf("55%08d", i)})
	}
	if err := a.DB.CreateCustomers(t.Context(), cs, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	owner := a.Login(t, "duena@aluminios.mx")
	countItems := func(body string) int { return strings.Count(body, `class="customer-name"`) }

	_, body := owner.Get(t, "/clientes")
	if n := countItems(body); n != 20 {
		t.Errorf("page 1 lists %d, want 20", n)
	}
	assertContains(t, "page 1", body, "45 clientes", "Página 1 de 3", `href="/clientes?pagina=2"`, "Cliente 00 Pérez", "Cliente 19 Pérez")
	if strings.Contains(body, "Cliente 20 Pérez") || strings.Contains(body, `rel="prev"`) {
		t.Error("page 1 shows page 2's customers or a previous link")
	}
	_, body = owner.Get(t, "/clientes?pagina=3")
	if n := countItems(body); n != 5 {
		t.Errorf("page 3 lists %d, want 5", n)
	}
	assertContains(t, "page 3", body, "Página 3 de 3", "Cliente 44 Pérez", `href="/clientes?pagina=2"`)
	if strings.Contains(body, `rel="next"`) {
		t.Error("the last page links to a next one")
	}
	// The search travels with the pages.
	_, body = owner.Get(t, "/clientes?q=perez&pagina=2")
	assertContains(t, "searched page 2", body, "Página 2 de 3", `href="/clientes?pagina=3&amp;q=perez"`, `href="/clientes?q=perez"`)
	// Past the end: an empty page, not an error.
	if resp, body := owner.Get(t, "/clientes?pagina=99"); resp.StatusCode != http.StatusOK || countItems(body) != 0 {
		t.Errorf("page 99: %d, %d items", resp.StatusCode, countItems(body))
	}
}

func TestCustomersViewerReadsOnly(t *testing.T) {
	a := staff(t)
	bookOfCustomers(t, a)
	id := customerIDByName(t, a, "Juan Nuñez")
	viewer := a.Login(t, "consulta@aluminios.mx")

	_, body := viewer.Get(t, "/clientes")
	if strings.Contains(body, `href="/clientes/nuevo"`) {
		t.Error("the viewer is offered to create customers")
	}
	resp, body := viewer.Get(t, fmt.Sprintf("/clientes/%d", id))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("viewer reads a customer: %d", resp.StatusCode)
	}
	if !strings.Contains(body, "<fieldset disabled") || strings.Contains(body, "Guardar cliente") || strings.Contains(body, "/eliminar") {
		t.Error("the viewer's customer page is editable")
	}
	for _, p := range []struct{ method, path string }{
		{"GET", "/clientes/nuevo"},
		{"POST", "/clientes"},
		{"POST", fmt.Sprintf("/clientes/%d", id)},
		{"POST", fmt.Sprintf("/clientes/%d/eliminar", id)},
	} {
		var resp *http.Response
		if p.method == "GET" {
			resp, _ = viewer.Get(t, p.path)
		} else {
			resp, _ = viewer.PostForm(t, p.path, url.Values{"name": {"Cambiado por consulta"}})
		}
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("viewer %s %s: %d, want 403", p.method, p.path, resp.StatusCode)
		}
	}
	if c, _ := a.DB.FindCustomerByID(t.Context(), id); c == nil || c.Name != "Juan Nuñez" {
		t.Errorf("the viewer changed the customer: %+v", c)
	}
}

func TestCustomerXSSRendersInert(t *testing.T) {
	a := staff(t)
	admin := a.Login(t, "admin@aluminios.mx")
	form := url.Values{"name": {xss}, "business_name": {xss}, "address": {xss}, "notes": {xss}, "phone": {"5512345678"}, "email": {"xss@correo.mx"}}
	resp, body := admin.PostForm(t, "/clientes", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, body)
	}
	id := customerIDByName(t, a, xss)
	for _, p := range []struct{ name, path string }{
		{"list", "/clientes"},
		{"search results", "/clientes?q=alert"},
		{"customer page", fmt.Sprintf("/clientes/%d", id)},
		{"picker fragment", "/clientes/buscar?q=alert"},
	} {
		t.Run(p.name, func(t *testing.T) {
			resp, body := admin.Get(t, p.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			assertInert(t, p.name, body)
		})
	}
	t.Run("invalid form re-render", func(t *testing.T) {
		form.Set("email", xss)
		form.Set("rfc", xss)
		form.Set("phone", xss)
		resp, body := admin.PostForm(t, "/clientes", form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", resp.StatusCode)
		}
		assertInert(t, "re-render", body)
	})
}
