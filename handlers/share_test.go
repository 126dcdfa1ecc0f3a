package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/db"
	"cotizador/pricing"
)

var (
	shareURLRe  = regexp.MustCompile(`id="share-url" class="share-url" value="([^"]+)"`)
	formTokenRe = regexp.MustCompile(`name="form_token" value="([^"]+)"`)
)

// savedQuote saves the editor's sample quote as seller and returns its id.
func savedQuote(t *testing.T, seller *testutilClient, extra ...string) int64 {
	t.Helper()
	resp, body := seller.PostForm(t, "/cotizaciones", quoteForm(append([]string{"accion", "guardar"}, extra...)...))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: status %d\n%s", resp.StatusCode, body)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(resp.Header.Get("Location"), "/cotizaciones/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// sendQuote presses "Enviar al cliente" and returns the link's path.
func sendQuote(t *testing.T, seller *testutilClient, id int64) string {
	t.Helper()
	resp, body := seller.PostForm(t, "/cotizaciones/"+strconv.FormatInt(id, 10)+"/enviar", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("send: status %d\n%s", resp.StatusCode, body)
	}
	m := shareURLRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no link on the page after sending:\n%s", body)
	}
	if !strings.Contains(body, "https://wa.me/525512345678?text=") {
		t.Error("no WhatsApp link to the customer's phone")
	}
	u, err := url.Parse(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

func TestShareLinkLifecycle(t *testing.T) {
	a, seller := catalogAppAs(t, "vendedor@aluminios.mx")
	ctx := t.Context()

	id := savedQuote(t, seller)
	path := sendQuote(t, seller, id)
	if q, _ := a.DB.FindQuoteByID(ctx, id); q.Status != db.StatusSent || q.SentAt == nil {
		t.Fatalf("after sending: status %s, sent_at %v", q.Status, q.SentAt)
	}
	if strings.Count(path, "/") != 2 || len(path) < 40 {
		t.Fatalf("link path %q is not /c/{token}", path)
	}

	customer := a.NewClient()
	t.Run("the customer sees the quote, never an internal figure", func(t *testing.T) {
		resp, body := customer.Get(t, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d\n%s", resp.StatusCode, body)
		}
		for _, want := range []string{"Cotización para Juana Pérez", "COT-2026-0001", "$3,926.67 MXN", "Aceptar cotización"} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		for _, internal := range []string{"Utilidad", "Indirectos", "Costo", "Desglose", "width_m", "Mano de obra", "Vendedor"} {
			if strings.Contains(body, internal) {
				t.Errorf("the customer's page shows %q", internal)
			}
		}
		if resp.Header.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
			t.Errorf("headers leak the link: %v", resp.Header)
		}
		customer.Get(t, path)
		shares, _ := a.DB.QuoteShares(ctx, id)
		if len(shares) != 1 || shares[0].Views != 2 || shares[0].FirstViewedAt == nil {
			t.Errorf("views recorded = %+v", shares[0])
		}
	})

	t.Run("a wrong token is a plain 404 and leaks nothing", func(t *testing.T) {
		for _, bad := range []string{"/c/" + strings.Repeat("A", 43), "/c/x", "/c/" + path[3:len(path)-1] + "B"} {
			resp, body := customer.Get(t, bad)
			if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Juana") {
				t.Errorf("%s: status %d", bad, resp.StatusCode)
			}
		}
	})

	t.Run("the form must carry the link's own form token", func(t *testing.T) {
		resp, _ := customer.PostForm(t, path+"/aceptar", url.Values{"name": {"Juana"}, "form_token": {"otro"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
		if q, _ := a.DB.FindQuoteByID(ctx, id); q.Status != db.StatusSent {
			t.Errorf("status %s after a forged answer", q.Status)
		}
	})

	_, page := customer.Get(t, path)
	formToken := formTokenRe.FindStringSubmatch(page)[1]
	t.Run("accepting needs a name", func(t *testing.T) {
		resp, body := customer.PostForm(t, path+"/aceptar", url.Values{"name": {"  "}, "form_token": {formToken}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	t.Run("accept", func(t *testing.T) {
		resp, body := customer.PostForm(t, path+"/aceptar", url.Values{"name": {"Juana Pérez"}, "note": {"Instalar en enero"}, "form_token": {formToken}},
			"User-Agent", "Mozilla/5.0 (iPhone)")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d\n%s", resp.StatusCode, body)
		}
		q, _ := a.DB.FindQuoteByID(ctx, id)
		if q.Status != db.StatusAccepted || q.DecidedAt == nil || q.Editable() {
			t.Errorf("quote after accepting: %s", q.Status)
		}
		ds, _ := a.DB.QuoteDecisions(ctx, id)
		if len(ds) != 1 || ds[0].Name != "Juana Pérez" || ds[0].Note != "Instalar en enero" || ds[0].IP == "" || ds[0].UserAgent != "Mozilla/5.0 (iPhone)" {
			t.Errorf("decision = %+v", ds)
		}
		_, body = customer.Get(t, path)
		if !strings.Contains(body, "Aceptada por Juana Pérez") || strings.Contains(body, `id="accept-form"`) {
			t.Error("the page does not say it was accepted, or still offers to accept")
		}
		_, body = seller.Get(t, "/cotizaciones/"+strconv.FormatInt(id, 10))
		if !strings.Contains(body, "Aceptada por el cliente") || !strings.Contains(body, "Instalar en enero") {
			t.Error("the salesperson's page does not show the acceptance")
		}
		resp, _ = customer.PostForm(t, path+"/rechazar", url.Values{"form_token": {formToken}})
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("rejecting an accepted quote: status %d, want 409", resp.StatusCode)
		}
	})

	t.Run("reject with a reason", func(t *testing.T) {
		id2 := savedQuote(t, seller)
		p2 := sendQuote(t, seller, id2)
		cl := a.NewClient()
		_, page := cl.Get(t, p2)
		ft := formTokenRe.FindStringSubmatch(page)[1]
		resp, _ := cl.PostForm(t, p2+"/rechazar", url.Values{"note": {"Muy caro"}, "form_token": {ft}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if q, _ := a.DB.FindQuoteByID(ctx, id2); q.Status != db.StatusRejected {
			t.Errorf("status %s", q.Status)
		}
	})

	t.Run("revoke", func(t *testing.T) {
		id3 := savedQuote(t, seller)
		p3 := sendQuote(t, seller, id3)
		shares, _ := a.DB.QuoteShares(ctx, id3)
		resp, _ := seller.PostForm(t, "/cotizaciones/"+strconv.FormatInt(id3, 10)+"/enlaces/"+strconv.FormatInt(shares[0].ID, 10)+"/revocar", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: status %d", resp.StatusCode)
		}
		resp, body := a.NewClient().Get(t, p3)
		if resp.StatusCode != http.StatusGone || !strings.Contains(body, "desactivó este enlace") || strings.Contains(body, "$3,926.67") {
			t.Errorf("revoked link: status %d", resp.StatusCode)
		}
	})

	t.Run("expire with the quote's validity", func(t *testing.T) {
		id4 := savedQuote(t, seller, "valid_until", "2026-11-30")
		p4 := sendQuote(t, seller, id4)
		cl := a.NewClient()
		_, page := cl.Get(t, p4)
		ft := formTokenRe.FindStringSubmatch(page)[1]
		// The test clock starts on 26 Nov 2026; the quote is valid through the 30th.
		a.Clock.Set(time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)) // 1 Dec, 01:00 in Mexico City
		resp, body := cl.Get(t, p4)
		if resp.StatusCode != http.StatusGone || !strings.Contains(body, "vigencia de esta cotización terminó") {
			t.Errorf("expired link: status %d", resp.StatusCode)
		}
		resp, _ = cl.PostForm(t, p4+"/aceptar", url.Values{"name": {"Tarde"}, "form_token": {ft}})
		if resp.StatusCode != http.StatusGone && resp.StatusCode != http.StatusConflict {
			t.Errorf("accepting through an expired link: status %d", resp.StatusCode)
		}
		if q, _ := a.DB.FindQuoteByID(ctx, id4); q.Status != db.StatusSent {
			t.Errorf("an expired link changed the quote to %s", q.Status)
		}
	})
}

func TestShareAPI(t *testing.T) {
	a, seller := catalogAppAs(t, "vendedor@aluminios.mx")
	id := savedQuote(t, seller)
	q, err := a.DB.FindQuoteByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := a.DB.CreateAPIToken(t.Context(), userID(t, a, "vendedor@aluminios.mx"), "erp", "test")
	if err != nil {
		t.Fatal(err)
	}
	resp, out := apiPost(t, a, token, "/api/v1/quotes/"+q.DisplayFolio()+"/share", ``)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d: %v", resp.StatusCode, out)
	}
	u, _ := out["url"].(string)
	exp, _ := out["expires_at"].(string)
	if !strings.Contains(u, "/c/") || exp != "2026-12-12T06:00:00Z" { // the end of 11 Dec in Mexico City
		t.Errorf("answer = %v", out)
	}
	parsed, _ := url.Parse(u)
	if resp, _ := a.NewClient().Get(t, parsed.Path); resp.StatusCode != http.StatusOK {
		t.Errorf("the API's link answers %d", resp.StatusCode)
	}
}

// The salesperson's home: start a quote in one tap, see what waits for an
// answer and what customers answered.
func TestHomeDesk(t *testing.T) {
	a, seller := catalogAppAs(t, "vendedor@aluminios.mx")
	_, body := seller.Get(t, "/")
	if !strings.Contains(body, `id="new-quote"`) || !strings.Contains(body, "Aún no hay cotizaciones") {
		t.Fatalf("empty home:\n%s", body)
	}
	id := savedQuote(t, seller)
	path := sendQuote(t, seller, id)
	_, body = seller.Get(t, "/")
	if !strings.Contains(body, "Esperando respuesta") || !strings.Contains(body, "COT-2026-0001") || strings.Contains(body, "Ninguna cotización enviada") {
		t.Error("the sent quote is not listed as awaiting an answer")
	}
	cl := a.NewClient()
	_, page := cl.Get(t, path)
	cl.PostForm(t, path+"/aceptar", url.Values{"name": {"Juana Pérez"}, "form_token": {formTokenRe.FindStringSubmatch(page)[1]}})
	_, body = seller.Get(t, "/")
	if !strings.Contains(body, "Respuestas de clientes") || !strings.Contains(body, "Juana Pérez, ") {
		t.Error("the acceptance is not on the home page")
	}
	if strings.Contains(body, "PDF listos") {
		t.Error("the home page promises what it does not show")
	}
	viewer := a.Login(t, "consulta@aluminios.mx")
	if _, body := viewer.Get(t, "/"); strings.Contains(body, `id="new-quote"`) {
		t.Error("a viewer is offered to start a quote")
	}
}

// Typing a known customer's name (any case or accents) or phone without
// picking them asks before creating another one; without JavaScript too,
// since the check is the server's.
func TestQuoteCustomerLookalikes(t *testing.T) {
	a, seller := catalogAppAs(t, "vendedor@aluminios.mx")
	count := func() int { return countRows(t, a, "customers") }
	form := func(extra ...string) url.Values {
		v := quoteForm("accion", "guardar")
		v.Del("customer_pick")
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	if resp, _ := seller.PostForm(t, "/cotizaciones", form("customer_name", "Laura Gómez Hernández", "customer_phone", "477 123 4567")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: status %d", resp.StatusCode)
	}
	before := count()
	for _, tt := range []struct{ name, phone string }{
		{"laura gomez hernandez", ""},
		{"LAURA GÓMEZ HERNÁNDEZ", "33 9999 8888"},
		{"Otra Persona", "(477) 123-4567"},
	} {
		resp, body := seller.PostForm(t, "/cotizaciones", form("customer_name", tt.name, "customer_phone", tt.phone))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "¿Es alguno de estos clientes?") ||
			!strings.Contains(body, "Laura Gómez Hernández") || !strings.Contains(body, `value="`+tt.name+`"`) {
			t.Errorf("%q / %q: status %d, no question or the typed name was lost", tt.name, tt.phone, resp.StatusCode)
		}
	}
	if count() != before {
		t.Fatalf("customers %d → %d while asking", before, count())
	}
	// Picking the existing customer saves the quote for them.
	existing := regexp.MustCompile(`name="customer_pick" value="(\d+)"`).FindStringSubmatch(func() string {
		_, body := seller.PostForm(t, "/cotizaciones", form("customer_name", "laura gomez hernandez"))
		return body
	}())
	resp, _ := seller.PostForm(t, "/cotizaciones", form("customer_name", "laura gomez hernandez", "customer_pick", existing[1]))
	if resp.StatusCode != http.StatusSeeOther || count() != before {
		t.Errorf("picking the existing customer: status %d, customers %d → %d", resp.StatusCode, before, count())
	}
	// Saying it is someone else creates them.
	resp, _ = seller.PostForm(t, "/cotizaciones", form("customer_name", "Laura Gómez Hernández", "customer_pick", "new"))
	if resp.StatusCode != http.StatusSeeOther || count() != before+1 {
		t.Errorf("a new namesake: status %d, customers %d → %d", resp.StatusCode, before, count())
	}
	// The API asks the same question.
	token, _, err := a.DB.CreateAPIToken(t.Context(), userID(t, a, "vendedor@aluminios.mx"), "erp", "test")
	if err != nil {
		t.Fatal(err)
	}
	body := `{"customer":{"name":"laura gómez hernández"},"items":[{"product_code":"PROTO-FIJ-3","width":1000,"height":1000,"quantity":1}]}`
	if resp, out := apiPost(t, a, token, "/api/v1/quotes", body); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("API: status %d: %v", resp.StatusCode, out)
	}
}

func TestSharePDFAndPlans(t *testing.T) {
	a, seller := catalogAppAs(t, "vendedor@aluminios.mx")
	st, err := a.DB.CompanySettings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st.PaymentPlans = []pricing.PaymentPlan{{Months: 3, Surcharge: decimal.Zero}, {Months: 12, Surcharge: decimal.RequireFromString("0.12")}}
	if err := a.DB.UpdateCompanySettings(t.Context(), st, "test"); err != nil {
		t.Fatal(err)
	}
	id := savedQuote(t, seller)
	path := sendQuote(t, seller, id)
	cl := a.NewClient()
	// 3926.67 in 3 months without surcharge; × 1.12 = 4397.87 in 12 (366.49 a month).
	_, page := cl.Get(t, path)
	for _, want := range []string{"Meses sin intereses", "3 meses · $1,308.89 MXN al mes", "$4,397.87 MXN", "12 meses · $366.49 MXN al mes"} {
		if !strings.Contains(page, want) {
			t.Errorf("share page lacks %q", want)
		}
	}
	resp, body := cl.Get(t, path+"/pdf")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
		t.Fatalf("PDF through the link: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	shares, _ := a.DB.QuoteShares(t.Context(), id)
	if err := a.DB.RevokeQuoteShare(t.Context(), id, shares[0].ID, "test"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := cl.Get(t, path+"/pdf"); resp.StatusCode != http.StatusGone {
		t.Errorf("PDF through a revoked link: status %d, want 410", resp.StatusCode)
	}
	if resp, _ := cl.Get(t, "/c/"+strings.Repeat("x", 43)+"/pdf"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("PDF through a wrong link: status %d, want 404", resp.StatusCode)
	}
}

// A viewer (and anyone asking for the customer's view) sees a saved quote
// without its breakdown of costs and formulas.
func TestSavedQuoteHidesInternalFiguresFromViewers(t *testing.T) {
	a, seller := catalogAppAs(t, "vendedor@aluminios.mx")
	id := savedQuote(t, seller)
	page := "/cotizaciones/" + strconv.FormatInt(id, 10)
	if _, body := seller.Get(t, page); !strings.Contains(body, "Desglose") || !strings.Contains(body, "width_m") {
		t.Fatal("the salesperson's page has no breakdown: the checks below prove nothing")
	}
	viewer := a.Login(t, "consulta@aluminios.mx")
	for _, c := range []struct {
		who  *testutilClient
		path string
	}{{viewer, page}, {seller, page + "?vista=cliente"}} {
		_, body := c.who.Get(t, c.path)
		for _, internal := range []string{"Desglose", "width_m", "Riel Superior"} {
			if strings.Contains(body, internal) {
				t.Errorf("%s shows %q", c.path, internal)
			}
		}
	}
}
