package handlers_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/db"
	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// dpQuote saves a quote for a customer through the store.
func dpQuote(t *testing.T, a *testutil.App, customer *db.Customer, salesperson int64) *db.Quote {
	t.Helper()
	q := &db.Quote{
		Customer:   db.CustomerSnapshot{Name: customer.Name, Phone: customer.Phone},
		CustomerID: customer.ID, SalespersonID: salesperson, Mode: pricing.ModeByMetre, Rates: pricing.DefaultRates(),
		PriceDisplay: "mas_iva", DimensionUnit: "cm", Cut: pricing.DefaultCutSettings(), ValidUntil: "2026-12-11",
		Totals: pricing.Totals{Total: decimal.RequireFromString("3926.67")},
		Items: []*db.QuoteItem{{Kind: "producto", ProductCode: "PROTO-COR-3", WidthMM: decimal.NewFromInt(1500), HeightMM: decimal.NewFromInt(1200),
			Quantity: decimal.NewFromInt(1), Cost: decimal.RequireFromString("2417.90")}},
	}
	if err := a.DB.CreateQuote(t.Context(), q, "COT", nil, app.UserActor(salesperson)); err != nil {
		t.Fatal(err)
	}
	return q
}

// The owner's Auditoría: entries with who and what in Spanish, filters by
// user, table and dates, the verification (intact, then broken after
// tampering), and a record's history field by field.
func TestAuditoriaPages(t *testing.T) {
	a, admin := catalogApp(t)
	owner := a.Login(t, "duena@aluminios.mx")
	adminID := userID(t, a, "admin@aluminios.mx")
	resp, _ := admin.PostForm(t, "/clientes", url.Values{"name": {"Rosa Elena Ibarra"}, "phone": {"55 1234 5678"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create customer: %d", resp.StatusCode)
	}
	id := customerIDByName(t, a, "Rosa Elena Ibarra")
	a.Clock.Advance(10 * time.Hour) // the next day in Mexico City, the session still alive
	resp, _ = admin.PostForm(t, fmt.Sprintf("/clientes/%d", id), url.Values{"name": {"Rosa Elena Ibarra"}, "phone": {"55 8765 4321"}, "email": {"rosa@ibarra.mx"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update customer: %d", resp.StatusCode)
	}

	_, page := owner.Get(t, "/auditoria")
	assertContains(t, "audit page", page, "Auditoría", "Usuario admin", "Alta", "Cambio", "Clientes", fmt.Sprintf(`href="/auditoria/customers/%d"`, id))

	t.Run("filters", func(t *testing.T) {
		_, page := owner.Get(t, "/auditoria?tabla=customers&usuario="+url.QueryEscape(fmt.Sprintf("user:%d", adminID)))
		if n := strings.Count(page, "<tr data-entry="); n != 2 {
			t.Errorf("customers changed by the admin: %d entries, want 2", n)
		}
		today := a.Clock.Now().In(app.MexicoCity).Format("2006-01-02")
		_, page = owner.Get(t, "/auditoria?tabla=customers&desde="+today+"&hasta="+today)
		if n := strings.Count(page, "<tr data-entry="); n != 1 || !strings.Contains(page, "Cambio") {
			t.Errorf("today's customer entries: %d, want the update only", n)
		}
		resp, page := owner.Get(t, "/auditoria?desde=ayer")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Escribe la fecha como AAAA-MM-DD.") {
			t.Errorf("bad date: %d", resp.StatusCode)
		}
		resp, page = owner.Get(t, "/auditoria?tabla=sqlite_schema")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Elige una tabla de la lista.") {
			t.Errorf("unknown table: %d", resp.StatusCode)
		}
	})

	t.Run("history field by field", func(t *testing.T) {
		_, page := owner.Get(t, fmt.Sprintf("/auditoria/customers/%d", id))
		assertContains(t, "history", page, "Historial: Clientes #", "Teléfono", "5512345678", "5587654321", "Correo electrónico", "rosa@ibarra.mx", "Antes", "Después")
		if strings.Index(page, "Alta") > strings.Index(page, "Cambio") {
			t.Error("history not oldest first")
		}
		if strings.Contains(page, "sort_name") || strings.Contains(page, "search_terms") {
			t.Error("derived columns shown")
		}
		if resp, _ := owner.Get(t, "/auditoria/sqlite_schema/1"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("history of an unaudited table: %d", resp.StatusCode)
		}
		if resp, _ := owner.Get(t, "/auditoria/customers/999999"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("history of no record: %d", resp.StatusCode)
		}
	})

	t.Run("Historial links for the owner", func(t *testing.T) {
		q := dpQuote(t, a, &db.Customer{ID: id, Name: "Rosa Elena Ibarra"}, adminID)
		for _, p := range []struct{ page, link string }{
			{fmt.Sprintf("/clientes/%d", id), fmt.Sprintf("/auditoria/customers/%d", id)},
			{fmt.Sprintf("/cotizaciones/%d", q.ID), fmt.Sprintf("/auditoria/quotes/%d", q.ID)},
			{fmt.Sprintf("/catalogo/materiales/%d", materialID(t, a, "PER-NAC3-RS")), fmt.Sprintf("/auditoria/materials/%d", materialID(t, a, "PER-NAC3-RS"))},
			{fmt.Sprintf("/catalogo/productos/%d", productID(t, a, "PROTO-COR-3")), fmt.Sprintf("/auditoria/products/%d", productID(t, a, "PROTO-COR-3"))},
		} {
			_, body := owner.Get(t, p.page)
			if !strings.Contains(body, `href="`+p.link+`">Historial</a>`) {
				t.Errorf("%s has no Historial link to %s", p.page, p.link)
			}
			if resp, _ := owner.Get(t, p.link); resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %d", p.link, resp.StatusCode)
			}
			if _, body := admin.Get(t, p.page); strings.Contains(body, ">Historial</a>") {
				t.Errorf("%s shows Historial to an admin", p.page)
			}
		}
		// A quote's history holds its lines' entries too.
		_, body := owner.Get(t, fmt.Sprintf("/auditoria/quotes/%d", q.ID))
		assertContains(t, "quote history", body, fmt.Sprintf("Partidas de cotización #%d", q.Items[0].ID), "Ubicación")
	})

	t.Run("verification", func(t *testing.T) {
		resp, frag := owner.PostForm(t, "/auditoria/verificar", nil, "HX-Request", "true")
		if resp.StatusCode != http.StatusOK || !regexp.MustCompile(`Íntegra: \d+ registros`).MatchString(frag) || strings.Contains(frag, "<html") {
			t.Fatalf("verify fragment: %d\n%s", resp.StatusCode, frag)
		}
		var target int64
		a.DB.Reader.QueryRow(`SELECT max(id) FROM audit_log WHERE table_name = 'customers'`).Scan(&target)
		raw := rawDB(t, a)
		for _, q := range []string{`DROP TRIGGER audit_log_no_update`, fmt.Sprintf(`UPDATE audit_log SET actor = 'user:1' WHERE id = %d`, target)} {
			if _, err := raw.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		_, page := owner.PostForm(t, "/auditoria/verificar", nil)
		assertContains(t, "verify page after tampering", page, fmt.Sprintf("Rota en el registro %d", target), "Clientes", "<html")
	})
}

// The Papelera: an admin deletes a customer with a quote (its page said
// what happens to the quote), finds it with who and when and its purge
// rule, restores it; a material whose code was taken is explained.
func TestPapeleraPages(t *testing.T) {
	a, admin := catalogApp(t)
	adminID := userID(t, a, "admin@aluminios.mx")
	c := &db.Customer{Name: "Tomás Arriaga", Phone: "5544332211"}
	if err := a.DB.CreateCustomer(t.Context(), c, app.UserActor(adminID)); err != nil {
		t.Fatal(err)
	}
	dpQuote(t, a, c, adminID)
	_, page := admin.Get(t, fmt.Sprintf("/clientes/%d", c.ID))
	assertContains(t, "customer page", page, "Tiene 1 cotización: no se elimina; sigue en Cotizaciones con los datos del cliente copiados.")
	if resp, _ := admin.PostForm(t, fmt.Sprintf("/clientes/%d/eliminar", c.ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	deleted := a.Clock.Now().In(app.MexicoCity).Format("02/01/2006 15:04")
	_, page = admin.Get(t, "/papelera")
	assertContains(t, "Papelera", page, "Tomás Arriaga", "Usuario admin", deleted, "se guarda como registro fiscal",
		"Tiene 1 cotización: no se elimina", fmt.Sprintf(`action="/papelera/customer/%d/restaurar"`, c.ID))
	_, page = admin.Get(t, "/papelera?tipo=material")
	if strings.Contains(page, "Tomás Arriaga") {
		t.Error("the material tab lists a customer")
	}
	resp, _ := admin.PostForm(t, fmt.Sprintf("/papelera/customer/%d/restaurar", c.ID), nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/papelera" {
		t.Fatalf("restore: %d", resp.StatusCode)
	}
	_, page = admin.Get(t, "/papelera")
	assertContains(t, "after restore", page, "Cliente restaurado.", "La Papelera está vacía.")
	if resp, _ := admin.Get(t, fmt.Sprintf("/clientes/%d", c.ID)); resp.StatusCode != http.StatusOK {
		t.Errorf("restored customer's page: %d", resp.StatusCode)
	}
	es, _ := a.DB.FindAudit(t.Context(), db.AuditFilter{Table: "customers", RowID: c.ID})
	if len(es) < 3 || es[0].Action != db.AuditRestore || es[1].Action != db.AuditDelete {
		t.Errorf("audit of delete and restore: %+v", es)
	}

	// A code taken meanwhile.
	mid := materialID(t, a, "PER-NAC3-TR")
	if resp, _ := admin.PostForm(t, fmt.Sprintf("/catalogo/materiales/%d/eliminar", mid), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("delete material")
	}
	m, _ := a.DB.FindMaterials(t.Context(), db.MaterialFilter{Search: "PER-NAC3-RS"})
	taker := *m[0]
	taker.Code = "PER-NAC3-TR"
	if err := a.DB.CreateMaterial(t.Context(), &taker, app.UserActor(adminID)); err != nil {
		t.Fatal(err)
	}
	resp, page = admin.PostForm(t, fmt.Sprintf("/papelera/material/%d/restaurar", mid), nil)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("restore over a taken code: %d", resp.StatusCode)
	}
	assertContains(t, "clash", page, "No se puede restaurar: otro material activo ya usa el código «PER-NAC3-TR».")
	for _, bad := range []string{"/papelera/planeta/1/restaurar", "/papelera/material/999999/restaurar"} {
		if resp, _ := admin.PostForm(t, bad, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", bad, resp.StatusCode)
		}
	}

	// Quotes go to the Papelera from their page.
	q := dpQuote(t, a, c, adminID)
	if resp, _ := admin.PostForm(t, fmt.Sprintf("/cotizaciones/%d/eliminar", q.ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete quote: %d", resp.StatusCode)
	}
	_, page = admin.Get(t, "/papelera?tipo=quote")
	assertContains(t, "deleted quote", page, q.Folio)
}

// Retention policies: the owner changes them within their ranges; below a
// minimum the field says so in Spanish and nothing changes.
func TestRetentionPage(t *testing.T) {
	a := staff(t)
	owner := a.Login(t, "duena@aluminios.mx")
	_, page := owner.Get(t, "/retencion")
	assertContains(t, "retention page", page, "Cotizaciones y sus clientes", `name="quotes"`, `value="7"`, "años", `name="trash"`, `value="30"`, "Entre 5 y 20 años.")
	form := url.Values{}
	for _, k := range []string{"quotes", "audit", "trash", "sessions", "security", "csrf", "shares", "exports"} {
		form.Set(k, regexp.MustCompile(`name="` + k + `"[^>]*value="(\d+)"`).FindStringSubmatch(page)[1])
	}
	form.Set("trash", "3")
	form.Set("quotes", "siete")
	resp, page := owner.PostForm(t, "/retencion", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad values: %d", resp.StatusCode)
	}
	assertContains(t, "errors", page, "Escribe un número entero.", `value="siete"`)
	form.Set("quotes", "10")
	resp, page = owner.PostForm(t, "/retencion", form)
	assertContains(t, "below minimum", page, "El mínimo es 7 días.")
	ps, _ := a.DB.RetentionPolicies(t.Context())
	if ps[0].Amount != 7 {
		t.Errorf("a refused form changed quotes to %d", ps[0].Amount)
	}
	form.Set("trash", "45")
	if resp, _ := owner.PostForm(t, "/retencion", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	_, page = owner.Get(t, "/retencion")
	assertContains(t, "saved", page, "Plazos de retención guardados.", `value="45"`, `value="10"`)
}

// Exports on the web: built in the background with a polled progress bar,
// then downloaded once through a link; every step is in the audit trail.
func TestExportPages(t *testing.T) {
	a, _ := catalogApp(t)
	owner := a.Login(t, "duena@aluminios.mx")
	c := &db.Customer{Name: "Lucía Mendoza", Email: "lucia@example.mx"}
	if err := a.DB.CreateCustomer(t.Context(), c, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	resp, _ := owner.PostForm(t, "/exportaciones", url.Values{"kind": {"customer"}, "subject_id": {fmt.Sprint(c.ID)}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/exportaciones/") {
		t.Fatalf("start export: %d %s", resp.StatusCode, loc)
	}
	var frag string
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, frag = owner.Get(t, loc+"/progreso", "HX-Request", "true")
		if strings.Contains(frag, `data-status="ready"`) {
			break
		}
		if !strings.Contains(frag, `hx-trigger="every 1s"`) || !strings.Contains(frag, "<progress") {
			t.Fatalf("a running export's fragment does not poll:\n%s", frag)
		}
		if time.Now().After(deadline) {
			t.Fatalf("export not ready:\n%s", frag)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(frag, "hx-trigger") {
		t.Error("a finished export's fragment still polls")
	}
	_, page := owner.PostForm(t, loc+"/enlace", nil)
	m := regexp.MustCompile(`/descargas/([A-Za-z0-9_-]+)</code>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no download link:\n%s", page)
	}
	anon := a.NewClient()
	resp, body := anon.Get(t, "/descargas/"+m[1])
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), fmt.Sprintf("cotizador-cliente-%d-", c.ID)) || !strings.HasPrefix(body, "PK") {
		t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
	}
	resp, body = anon.Get(t, "/descargas/"+m[1])
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "ya se usó, venció o no existe") {
		t.Errorf("second download: %d", resp.StatusCode)
	}
	es, _ := a.DB.FindAudit(t.Context(), db.AuditFilter{Table: "exports"})
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action+" "+e.Actor)
	}
	joined := strings.Join(actions, "; ")
	if !strings.Contains(joined, "insert user:") || !strings.Contains(joined, "update link:export:") || len(es) < 4 {
		t.Errorf("export audit entries: %s", joined)
	}
	_, page = owner.Get(t, "/exportaciones")
	assertContains(t, "exports list", page, "Cliente #", "Lista")
	if resp, _ := owner.PostForm(t, "/exportaciones", url.Values{"kind": {"customer"}}); resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusBadRequest {
		t.Errorf("export without a customer: %d", resp.StatusCode)
	}
}

// ARCO cancellation from the web: a confirmation step, then the customer's
// data is gone and the trail is re-sealed in the background.
func TestAnonymisePage(t *testing.T) {
	a, _ := catalogApp(t)
	owner := a.Login(t, "duena@aluminios.mx")
	c := &db.Customer{Name: "Federico Salinas", Phone: "5566778899", Email: "fede@example.mx"}
	if err := a.DB.CreateCustomer(t.Context(), c, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	_, page := owner.Get(t, fmt.Sprintf("/clientes/%d/anonimizar", c.ID))
	assertContains(t, "confirmation", page, "Cancelación de datos (ARCO)", "Federico Salinas", fmt.Sprintf("Cliente anonimizado #%d", c.ID), "No se puede deshacer.")
	resp, page := owner.PostForm(t, fmt.Sprintf("/clientes/%d/anonimizar", c.ID), nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Marca la casilla para confirmar.") {
		t.Fatalf("without confirming: %d", resp.StatusCode)
	}
	if got, _ := a.DB.FindCustomerByID(t.Context(), c.ID); got.Name != "Federico Salinas" {
		t.Fatal("changed without confirmation")
	}
	resp, _ = owner.PostForm(t, fmt.Sprintf("/clientes/%d/anonimizar", c.ID), url.Values{"confirm": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("anonymise: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		v, err := a.DB.VerifyAudit(t.Context())
		if err != nil || !v.OK() {
			t.Fatalf("chain during the re-seal: %v %+v", err, v)
		}
		if !v.Resealing {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("re-seal did not finish")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var trail string
	a.DB.Reader.QueryRow(`SELECT group_concat(coalesce(audit_unpack(before), '') || coalesce(audit_unpack(after), '')) FROM audit_log`).Scan(&trail)
	if strings.Contains(trail, "Federico") || strings.Contains(trail, "5566778899") || strings.Contains(trail, "fede@example.mx") {
		t.Error("the audit trail still holds the customer's data")
	}
	_, page = owner.Get(t, fmt.Sprintf("/clientes/%d", c.ID))
	assertContains(t, "customer page", page, fmt.Sprintf("Cliente anonimizado #%d", c.ID))
}

// The download link of an export that does not exist is the same 404 for
// anyone, with a Spanish page.
func TestDownloadUnknownLink(t *testing.T) {
	a := staff(t)
	resp, body := a.NewClient().Get(t, "/descargas/nada")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "El enlace no es válido") {
		t.Errorf("unknown link: %d", resp.StatusCode)
	}
}

// rawDB opens the database as another program would (no app functions).
func rawDB(t *testing.T, a *testutil.App) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+a.DB.Path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return raw
}
