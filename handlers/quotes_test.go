package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cotizador/db"
)

// quoteForm is the editor's form with one PROTO-COR-3 line: DOMAIN.md's
// worked example when priced in compatible mode.
func quoteForm(extra ...string) url.Values {
	v := url.Values{
		// Tests save this customer many times: each time a new one (the
		// lookalike question has its own test).
		"customer_name": {"Juana Pérez"}, "customer_phone": {"55 1234 5678"}, "customer_pick": {"new"},
		"unit": {"cm"}, "pricing_mode": {"compatible"}, "profit_rate": {"25"}, "indirect_rate": {"15"}, "iva_rate": {"16"}, "deposit_rate": {"50"},
		"discount_type": {"porcentaje"}, "price_display": {"mas_iva"}, "valid_until": {"2026-12-11"},
		"item-0-product_code": {"PROTO-COR-3"}, "item-0-width": {"150"}, "item-0-height": {"120"}, "item-0-quantity": {"1"},
		"item-0-color_code": {"NAT"}, "item-0-glass_code": {"VID-CLARO-6"}, "item-0-location": {"Recámara 1"},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

func TestQuoteLiveRecalc(t *testing.T) {
	_, seller := catalogAppAs(t, "vendedor@aluminios.mx")

	t.Run("a changed line answers its price and the totals out of band, under 4 KB", func(t *testing.T) {
		resp, body := seller.PostForm(t, "/cotizaciones/calcular", quoteForm("linea", "0"), "HX-Request", "true")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d\n%s", resp.StatusCode, body)
		}
		for _, want := range []string{"$3,385.06 MXN", `id="quote-totals"`, `hx-swap-oob="true"`, "$3,926.67 MXN", `class="sketch`} {
			if !strings.Contains(body, want) {
				t.Errorf("fragment lacks %q", want)
			}
		}
		if strings.Contains(body, "<html") || strings.Contains(body, "<input") {
			t.Error("the fragment re-renders inputs: focus and typed text would be lost")
		}
		if n := len(body); n >= 4096 {
			t.Errorf("fragment is %d bytes, want < 4 KB", n)
		}
	})
	t.Run("out-of-range size: a Spanish message in the unit typed, and a total marked as leaving it out", func(t *testing.T) {
		_, body := seller.PostForm(t, "/cotizaciones/calcular", quoteForm("linea", "0", "item-0-width", "350"), "HX-Request", "true")
		if !strings.Contains(body, "El ancho debe estar entre 80 y 300 cm") {
			t.Errorf("no range message in cm:\n%s", body)
		}
		if !strings.Contains(body, "1 partida con errores no se incluye en el total") || !strings.Contains(body, `class="sticky-total stale"`) {
			t.Error("the total is not marked as leaving the wrong line out")
		}
		_, body = seller.PostForm(t, "/cotizaciones/calcular", quoteForm("linea", "0", "unit", "mm", "item-0-width", "350"), "HX-Request", "true")
		if !strings.Contains(body, "El ancho debe estar entre 800 y 3000 mm") {
			t.Error("no range message in mm")
		}
	})
	t.Run("a discount over the cap is refused as it is typed", func(t *testing.T) {
		_, body := seller.PostForm(t, "/cotizaciones/calcular", quoteForm("linea", "all", "discount", "50"), "HX-Request", "true")
		if !strings.Contains(body, `data-field="discount_rate"`) || !strings.Contains(body, "Tu descuento máximo es 0 %") {
			t.Errorf("no live cap message:\n%s", body)
		}
	})
	t.Run("other lines still price when one is wrong", func(t *testing.T) {
		form := quoteForm("linea", "all", "item-1-product_code", "PROTO-FIJ-3", "item-1-width", "9999", "item-1-height", "100", "item-1-quantity", "1")
		_, body := seller.PostForm(t, "/cotizaciones/calcular", form, "HX-Request", "true")
		for _, want := range []string{"$3,926.67 MXN", "1 partida con errores no se incluye en el total", `id="item-1-result"`, "El ancho debe estar entre"} {
			if !strings.Contains(body, want) {
				t.Errorf("lacks %q", want)
			}
		}
	})
	t.Run("a rate change reprices every line", func(t *testing.T) {
		form := quoteForm("linea", "all", "profit_rate", "30", "item-1-product_code", "PROTO-FIJ-3", "item-1-width", "100", "item-1-height", "100", "item-1-quantity", "2")
		_, body := seller.PostForm(t, "/cotizaciones/calcular", form, "HX-Request", "true")
		// The totals, each line's title and price, and the save bar's total.
		if strings.Count(body, `hx-swap-oob="true"`) != 6 {
			t.Errorf("want totals, both lines' titles and prices and the sticky total out of band:\n%s", body)
		}
	})
	t.Run("breakdown on demand", func(t *testing.T) {
		_, body := seller.PostForm(t, "/cotizaciones/calcular", quoteForm("linea", "0", "detalle", "1"), "HX-Request", "true")
		for _, want := range []string{"Riel Superior", "width_m", "Rodamiento"} {
			if !strings.Contains(body, want) {
				t.Errorf("breakdown lacks %q", want)
			}
		}
	})
	t.Run("without JavaScript the calculate button re-renders the page", func(t *testing.T) {
		resp, body := seller.PostForm(t, "/cotizaciones", quoteForm("accion", "calcular"))
		if resp.StatusCode != 200 || !strings.Contains(body, "<html") || !strings.Contains(body, "$3,926.67 MXN") || !strings.Contains(body, `value="Juana Pérez"`) {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
}

// catalogAppAs is catalogApp signed in as another account.
func catalogAppAs(t *testing.T, email string) (*testutilApp, *testutilClient) {
	a, _ := catalogApp(t)
	return a, a.Login(t, email)
}

var folioRe = regexp.MustCompile(`COT-2026-\d{4}`)

func TestQuoteSaveAndLifecycle(t *testing.T) {
	a, seller := catalogAppAs(t, "vendedor@aluminios.mx")
	resp, body := seller.PostForm(t, "/cotizaciones", quoteForm("accion", "guardar"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	resp, page := seller.Get(t, loc)
	if resp.StatusCode != 200 || folioRe.FindString(page) != "COT-2026-0001" || !strings.Contains(page, "$3,926.67 MXN") || !strings.Contains(page, "Juana Pérez") {
		t.Fatalf("quote page %s: %d", loc, resp.StatusCode)
	}
	q, err := a.DB.FindQuoteByFolio(t.Context(), "COT-2026-0001")
	if err != nil {
		t.Fatal(err)
	}
	if q.CustomerID == 0 || q.Items[0].WidthMM.String() != "1500" || q.Items[0].Location != "Recámara 1" || q.Rates.Profit.String() != "0.25" {
		t.Errorf("stored quote = %+v", q)
	}
	cu, err := a.DB.FindCustomerByID(t.Context(), q.CustomerID)
	if err != nil || cu.Phone != "5512345678" {
		t.Errorf("customer created from the quote = %+v, %v", cu, err)
	}
	id := fmt.Sprint(q.ID)

	t.Run("edit a draft", func(t *testing.T) {
		resp, body := seller.Get(t, "/cotizaciones/"+id+"/editar")
		if resp.StatusCode != 200 || !strings.Contains(body, `value="150"`) || !strings.Contains(body, "$3,926.67 MXN") {
			t.Fatalf("editor: %d", resp.StatusCode)
		}
		form := quoteForm("accion", "guardar", "customer_id", fmt.Sprint(q.CustomerID), "item-0-quantity", "2")
		if resp, body := seller.PostForm(t, "/cotizaciones/"+id, form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("update: %d\n%s", resp.StatusCode, body)
		}
		again, _ := a.DB.FindQuoteByID(t.Context(), q.ID)
		if again.Items[0].Quantity.String() != "2" || again.Folio != "COT-2026-0001" {
			t.Errorf("after update: qty %s folio %s", again.Items[0].Quantity, again.Folio)
		}
	})
	t.Run("send, accept, locked", func(t *testing.T) {
		for _, to := range []string{"enviada", "aceptada"} {
			if resp, _ := seller.PostForm(t, "/cotizaciones/"+id+"/estado", url.Values{"estado": {to}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("to %s: %d", to, resp.StatusCode)
			}
		}
		if resp, _ := seller.Get(t, "/cotizaciones/"+id+"/editar"); resp.StatusCode != http.StatusConflict {
			t.Errorf("editing an accepted quote: %d, want 409", resp.StatusCode)
		}
		if resp, _ := seller.PostForm(t, "/cotizaciones/"+id, quoteForm("accion", "guardar")); resp.StatusCode != http.StatusConflict {
			t.Errorf("posting over an accepted quote: %d, want 409", resp.StatusCode)
		}
		seller.PostForm(t, "/cotizaciones/"+id+"/estado", url.Values{"estado": {"borrador"}})
		if again, _ := a.DB.FindQuoteByID(t.Context(), q.ID); again.Status != "aceptada" {
			t.Errorf("status = %s after an impossible transition", again.Status)
		}
	})
	t.Run("revision", func(t *testing.T) {
		resp, _ := seller.PostForm(t, "/cotizaciones/"+id+"/revision", nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/editar") {
			t.Fatalf("revision: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		rev, err := a.DB.FindQuoteByFolio(t.Context(), "COT-2026-0001")
		if err != nil || rev.DisplayFolio() != "COT-2026-0001-R2" || rev.Status != "borrador" {
			t.Fatalf("latest = %s %s", rev.DisplayFolio(), rev.Status)
		}
		_, page := seller.Get(t, "/cotizaciones/"+id)
		if !strings.Contains(page, "Esta revisión fue reemplazada") || !strings.Contains(page, "COT-2026-0001-R2") {
			t.Error("the earlier revision does not point to the new one")
		}
	})
	t.Run("duplicate gets a new folio", func(t *testing.T) {
		resp, _ := seller.PostForm(t, "/cotizaciones/"+id+"/duplicar", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("duplicate: %d", resp.StatusCode)
		}
		if _, err := a.DB.FindQuoteByFolio(t.Context(), "COT-2026-0002"); err != nil {
			t.Error(err)
		}
	})
}

func TestQuoteDiscountCap(t *testing.T) {
	a, _ := catalogAppAs(t, "vendedor@aluminios.mx")
	// The salesperson may give up to 5 %.
	five := "5"
	if _, err := a.DB.UpdateUser(t.Context(), userID(t, a, "vendedor@aluminios.mx"), db.UserUpdate{MaxDiscountPct: &five}, "test"); err != nil {
		t.Fatal(err)
	}
	seller := a.Login(t, "vendedor@aluminios.mx")
	tests := []struct {
		name   string
		client *testutilClient
		kind   string
		value  string
		want   int
	}{
		{"salesperson within the cap", seller, "porcentaje", "5", http.StatusSeeOther},
		{"salesperson over the cap", seller, "porcentaje", "10", http.StatusUnprocessableEntity},
		{"salesperson amount over the cap", seller, "importe", "500", http.StatusUnprocessableEntity},
		{"owner has no cap", a.Login(t, "duena@aluminios.mx"), "porcentaje", "30", http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := tt.client.PostForm(t, "/cotizaciones", quoteForm("accion", "guardar", "discount_type", tt.kind, "discount", tt.value))
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == http.StatusUnprocessableEntity && !strings.Contains(body, "Tu descuento máximo es 5 %") {
				t.Error("no Spanish message for the cap")
			}
		})
	}
}

func TestQuoteVisibilityAndStaleness(t *testing.T) {
	a, seller := catalogAppAs(t, "vendedor@aluminios.mx")
	resp, _ := seller.PostForm(t, "/cotizaciones", quoteForm("accion", "guardar"))
	loc := resp.Header.Get("Location")
	admin := a.Login(t, "admin@aluminios.mx")
	a.CreateUser(t, "sales", "otro@aluminios.mx")
	other := a.Login(t, "otro@aluminios.mx")

	if resp, _ := other.Get(t, loc); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another salesperson opens the quote: %d, want 404", resp.StatusCode)
	}
	if _, list := other.Get(t, "/cotizaciones"); strings.Contains(list, "COT-2026-0001") {
		t.Error("another salesperson lists the quote")
	}
	if resp, _ := admin.Get(t, loc); resp.StatusCode != 200 {
		t.Errorf("admin: %d", resp.StatusCode)
	}
	viewer := a.Login(t, "consulta@aluminios.mx")
	if resp, body := viewer.Get(t, loc); resp.StatusCode != 200 || strings.Contains(body, "/editar") {
		t.Errorf("viewer: %d (edit link shown: %v)", resp.StatusCode, strings.Contains(body, "/editar"))
	}

	// The catalogue changes three days later: the draft warns and reprices.
	a.Clock.Advance(72 * time.Hour)
	admin, seller = a.Login(t, "admin@aluminios.mx"), a.Login(t, "vendedor@aluminios.mx")
	admin.PostForm(t, "/catalogo/precios", url.Values{"categoria": {"Perfiles"}, "porcentaje": {"10"}, "accion": {"aplicar"}, "version": {fmt.Sprint(catalogVersion(t, a))}})
	_, page := seller.Get(t, loc)
	if !strings.Contains(page, "Los precios de esta cotización tienen 3 días") {
		t.Fatal("no stale-price warning")
	}
	if resp, _ := seller.PostForm(t, loc+"/recalcular", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reprice: %d", resp.StatusCode)
	}
	_, page = seller.Get(t, loc)
	if strings.Contains(page, "Los precios de esta cotización tienen") || strings.Contains(page, "$3,926.67 MXN") {
		t.Error("after repricing the warning stays or the old total is shown")
	}
}

func TestCustomerPageListsQuotes(t *testing.T) {
	a, seller := catalogAppAs(t, "vendedor@aluminios.mx")
	resp, _ := seller.PostForm(t, "/cotizaciones", quoteForm("accion", "guardar"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatal(resp.StatusCode)
	}
	q, _ := a.DB.FindQuoteByFolio(t.Context(), "COT-2026-0001")
	_, page := seller.Get(t, fmt.Sprintf("/clientes/%d", q.CustomerID))
	if !strings.Contains(page, "COT-2026-0001") || !strings.Contains(page, "$3,926.67 MXN") || !strings.Contains(page, "Borrador") {
		t.Error("the customer's page does not list the quote")
	}
	a.CreateUser(t, "sales", "otro@aluminios.mx")
	other := a.Login(t, "otro@aluminios.mx")
	if _, page := other.Get(t, fmt.Sprintf("/clientes/%d", q.CustomerID)); strings.Contains(page, "COT-2026-0001") {
		t.Error("another salesperson sees the quote on the customer's page")
	}
}

// "IVA incluido" shows each line with its IVA; the totals are the same.
func TestQuoteIVAIncludedDisplay(t *testing.T) {
	_, seller := catalogAppAs(t, "vendedor@aluminios.mx")
	_, plus := seller.PostForm(t, "/cotizaciones/calcular", quoteForm("linea", "0"), "HX-Request", "true")
	_, incl := seller.PostForm(t, "/cotizaciones/calcular", quoteForm("linea", "0", "price_display", "iva_incluido"), "HX-Request", "true")
	// 3385.06 before IVA; × 1.16 = 3926.67 with it.
	if !strings.Contains(plus, `<p class="amount">$3,385.06 MXN</p>`) || !strings.Contains(incl, `<p class="amount">$3,926.67 MXN</p>`) {
		t.Errorf("line amounts: plus IVA %v, IVA included %v", strings.Contains(plus, "3,385.06"), strings.Contains(incl, `<p class="amount">$3,926.67 MXN</p>`))
	}
	resp, _ := seller.PostForm(t, "/cotizaciones", quoteForm("accion", "guardar", "price_display", "iva_incluido"))
	_, page := seller.Get(t, resp.Header.Get("Location"))
	if !strings.Contains(page, `<p class="amount">$3,926.67 MXN</p>`) || !strings.Contains(page, "Precios con IVA incluido") {
		t.Error("the saved quote does not show prices with IVA")
	}
}

// Without JavaScript a quote grows by the blank line at the end: fill it,
// press Calcular, get another.
func TestQuoteLinesWithoutJavaScript(t *testing.T) {
	_, seller := catalogAppAs(t, "vendedor@aluminios.mx")
	_, page := seller.PostForm(t, "/cotizaciones", quoteForm("accion", "calcular"))
	if !strings.Contains(page, `name="item-1-product_code"`) {
		t.Fatal("no blank line after the first one")
	}
	form := quoteForm("accion", "calcular", "item-1-product_code", "PROTO-FIJ-3", "item-1-width", "100", "item-1-height", "100", "item-1-quantity", "1",
		"item-2-product_code", "", "item-2-width", "", "item-2-height", "", "item-2-quantity", "1")
	_, page = seller.PostForm(t, "/cotizaciones", form)
	if !strings.Contains(page, `name="item-3-product_code"`) || strings.Contains(page, "partida con errores") || !strings.Contains(page, `id="item-1-result"`) {
		t.Error("the blank line was counted as an error or no new blank line was offered")
	}
	resp, _ := seller.PostForm(t, "/cotizaciones", func() url.Values { form.Set("accion", "guardar"); return form }())
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("saving with a blank spare line: %d", resp.StatusCode)
	}
}
