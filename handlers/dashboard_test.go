package handlers_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/internal/testutil"
	"cotizador/pricing"
)

func dashQuote(t *testing.T, a *testutil.App, sp int64, customer, total string, statuses ...string) {
	t.Helper()
	c := &db.Customer{Name: customer}
	if err := a.DB.CreateCustomer(t.Context(), c, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	q := &db.Quote{CustomerID: c.ID, Customer: db.CustomerSnapshot{Name: customer}, SalespersonID: sp, Mode: pricing.ModeByMetre,
		Rates: pricing.DefaultRates(), PriceDisplay: "mas_iva", DimensionUnit: "cm", Cut: pricing.DefaultCutSettings(), ValidUntil: "2026-12-11",
		PricedAt: a.Clock.Now(), Totals: pricing.Totals{Total: decimal.RequireFromString(total)},
		Items: []*db.QuoteItem{{Kind: "producto", ProductCode: "VEN-COR", Quantity: decimal.NewFromInt(2), Amount: decimal.RequireFromString(total)}}}
	if err := a.DB.CreateQuote(t.Context(), q, "COT", nil, app.UserActor(sp)); err != nil {
		t.Fatal(err)
	}
	for _, s := range statuses {
		if err := a.DB.SetQuoteStatus(t.Context(), q.ID, s, app.UserActor(sp)); err != nil {
			t.Fatal(err)
		}
	}
}

// The Tablero: on the owner's home page with every salesperson and a
// filter by salesperson; alone at /tablero, as the fragment its filters
// load through htmx; a salesperson sees their own figures whatever they
// ask; a viewer has none; a month that is not one is said in Spanish and
// the last 12 months are shown.
func TestDashboardPages(t *testing.T) {
	a := testutil.NewApp(t)
	owner := a.CreateUser(t, auth.RoleOwner, "duena@aluminios.mx")
	seller := a.CreateUser(t, auth.RoleSales, "vendedor@aluminios.mx")
	a.CreateUser(t, auth.RoleViewer, "consulta@aluminios.mx")
	dashQuote(t, a, owner.ID, "Laura Gómez", "10000.00", db.StatusSent, db.StatusAccepted)
	dashQuote(t, a, seller.ID, "Pedro Ruiz", "2500.50", db.StatusSent, db.StatusAccepted)
	dashQuote(t, a, seller.ID, "Marta Díaz", "1200.00", db.StatusSent)

	o := a.Login(t, "duena@aluminios.mx")
	_, home := o.Get(t, "/")
	assertContains(t, "owner's home", home, `id="new-quote"`, `id="tablero"`, "Tablero", `<svg class="chart" id="chart-months"`,
		`id="chart-salespeople"`, `id="chart-products"`, `id="chart-customers"`, `<table class="table dash-table" id="table-months">`,
		"$13,700.50 MXN", "$12,500.50 MXN", "66.7 %", "$6,250.25 MXN", "$1,200.00 MXN", "Laura Gómez", "Usuario sales", `name="vendedor"`,
		`action="/"`, `hx-get="/tablero"`, "nov 2026")

	resp, frag := o.Get(t, fmt.Sprintf("/tablero?vendedor=%d", seller.ID), "HX-Request", "true")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(frag), `<section id="tablero"`) || strings.Contains(frag, "<html") {
		t.Fatalf("htmx fragment: %d\n%.300s", resp.StatusCode, frag)
	}
	assertContains(t, "one salesperson", frag, "$3,700.50 MXN", "$2,500.50 MXN", "50 %")
	assertNotContains(t, "one salesperson", frag, "Laura Gómez", "$13,700.50 MXN")

	s := a.Login(t, "vendedor@aluminios.mx")
	_, own := s.Get(t, fmt.Sprintf("/?vendedor=%d", owner.ID))
	assertContains(t, "salesperson's home", own, `id="tablero"`, "Tus cifras", "$3,700.50 MXN", "Pedro Ruiz")
	assertNotContains(t, "salesperson's home", own, "Laura Gómez", "$10,000.00 MXN", `name="vendedor"`)

	v := a.Login(t, "consulta@aluminios.mx")
	if _, body := v.Get(t, "/"); strings.Contains(body, `id="tablero"`) {
		t.Error("a viewer's home shows the Tablero")
	}
	if resp, _ := v.Get(t, "/tablero"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer /tablero: %d, want 403", resp.StatusCode)
	}

	resp, body := o.Get(t, "/tablero?desde=2026-13&hasta=2026-11")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("bad month: %d", resp.StatusCode)
	}
	assertContains(t, "bad month", body, "Elige un mes de la lista.", `aria-invalid="true"`, "dic 2025", "nov 2026")
	_, body = o.Get(t, "/tablero?desde=2026-11&hasta=2026-01")
	assertContains(t, "range backwards", body, "El mes final debe ser igual o posterior al inicial")
}

func assertNotContains(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(body, u) {
			t.Errorf("%s shows %q", what, u)
		}
	}
}

// The quote list pages through keyset links: the count, «Más antiguas» to
// the quotes after the last one shown, «Más recientes» and «Primera página»
// back; the search and filters ride along in the links.
func TestQuoteListPages(t *testing.T) {
	a := testutil.NewApp(t)
	owner := a.CreateUser(t, auth.RoleOwner, "duena@aluminios.mx")
	for i := range 30 {
		dashQuote(t, a, owner.ID, fmt.Sprintf("Cliente %02d García", i), "1000.00")
	}
	dashQuote(t, a, owner.ID, "Otra Persona", "1000.00")
	o := a.Login(t, "duena@aluminios.mx")
	_, first := o.Get(t, "/cotizaciones?q=garcia")
	assertContains(t, "first page", first, "30 cotizaciones", "Cliente 29 García", "Cliente 05 García", "Más antiguas")
	assertNotContains(t, "first page", first, "Cliente 04 García", "Otra Persona", "Más recientes", "Primera página")
	next := regexp.MustCompile(`href="(/cotizaciones\?q=garcia&amp;antes=\d+)"`).FindStringSubmatch(first)
	if next == nil {
		t.Fatalf("no link to the older quotes:\n%s", first)
	}
	_, second := o.Get(t, strings.ReplaceAll(next[1], "&amp;", "&"))
	assertContains(t, "second page", second, "30 cotizaciones", "Cliente 04 García", "Cliente 00 García", "Más recientes", "Primera página")
	assertNotContains(t, "second page", second, "Cliente 05 García", "Más antiguas")
	prev := regexp.MustCompile(`href="(/cotizaciones\?q=garcia&amp;despues=\d+)"`).FindStringSubmatch(second)
	if prev == nil {
		t.Fatalf("no link back to the newer quotes:\n%s", second)
	}
	if _, back := o.Get(t, strings.ReplaceAll(prev[1], "&amp;", "&")); !strings.Contains(back, "Cliente 29 García") || !strings.Contains(back, "Cliente 05 García") {
		t.Error("«Más recientes» does not lead back to the first page's quotes")
	}
}
