package handlers_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/catalogio"
	"cotizador/db"
	"cotizador/internal/testutil"
	"cotizador/quoting"
)

// workshopApp is the app with the demo catalogue, its staff, and an
// accepted optimizado quote of the salesperson's: two fixed and a sliding
// window in white, a sliding one in natural. A hardware material's name
// starts with "=" so the CSV's neutralising shows.
func workshopApp(t *testing.T) (*testutil.App, *db.Quote) {
	t.Helper()
	a := staff(t)
	ctx := t.Context()
	ch, err := catalogio.Demo()
	if err != nil {
		t.Fatal(err)
	}
	for i := range ch.Materials {
		if m := &ch.Materials[i].Material; m.Code == "HER-CAR-3" {
			m.Name = `=HYPERLINK("http://evil.example/","Carretilla")`
		}
	}
	if _, err := a.DB.ApplyCatalog(ctx, ch, app.CLIActor, false); err != nil {
		t.Fatal(err)
	}
	seller, err := a.DB.FindUserByEmail(ctx, "vendedor@aluminios.mx")
	if err != nil {
		t.Fatal(err)
	}
	qs := &quoting.Service{DB: a.DB, Clock: a.Clock}
	in := &quoting.Input{Percent: true, Fields: map[string]string{quoting.FieldCustomerName: "Laura Gómez",
		quoting.FieldMode: "optimizado", quoting.FieldUnit: quoting.UnitMM}}
	in.Items = []quoting.ItemInput{
		{N: 0, ProductCode: "VEN-FIJ-L3", Width: "1800", Height: "600", Quantity: "2", ColorCode: "BLA", Location: "Cubo de escalera"},
		{N: 1, ProductCode: "VEN-COR-L3-2H", Width: "1500", Height: "1200", Quantity: "1", ColorCode: "BLA", Location: "Recámara"},
		{N: 2, ProductCode: "VEN-COR-L3-2H", Width: "1200", Height: "1000", Quantity: "1", Location: "Cocina"},
	}
	d, err := qs.Price(ctx, in, seller)
	if err != nil {
		t.Fatal(err)
	}
	q, err := qs.Save(ctx, d, seller, nil, app.UserActor(seller.ID))
	if err != nil {
		t.Fatalf("save: %v %v", err, d.FieldErrors())
	}
	for _, st := range []string{db.StatusSent, db.StatusAccepted} {
		if err := qs.SetStatus(ctx, q, st, app.UserActor(seller.ID)); err != nil {
			t.Fatal(err)
		}
	}
	return a, q
}

// prices are what no workshop page or file may show.
var prices = regexp.MustCompile(`\$\s?\d|MXN|[Cc]osto|[Pp]recio|[Uu]tilidad`)

func TestQuoteCutListPage(t *testing.T) {
	a, q := workshopApp(t)
	for _, email := range []string{"vendedor@aluminios.mx", "consulta@aluminios.mx"} {
		cl := a.Login(t, email)
		resp, page := cl.Get(t, fmt.Sprintf("/cotizaciones/%d/cortes", q.ID))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", email, resp.StatusCode)
		}
		for _, want := range []string{"Lista de cortes " + q.Folio, "PER-L3-FE", "PER-L3-JQ", "PER-L3-JA", "Blanco (BLA)",
			"Barra 1 de", "1800 mm", "45°", "Cubo de escalera", "aprovechamiento", "mínimo posible", "Vidrios", "1740 × 540 mm",
			"Herrajes y consumibles", "HER-CAR-3", "data-print", "Disco de 4 mm"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the cut list lacks %q", email, want)
			}
		}
		if !strings.Contains(page, `data-optimal="1"`) || !strings.Contains(page, "plan óptimo") {
			t.Errorf("%s: no profile carries the optimal badge", email)
		}
		if m := prices.FindString(page); m != "" {
			t.Errorf("%s: the cut list shows %q", email, m)
		}
	}
	// The quote page links to it (not in the customer's view).
	_, page := a.Login(t, "vendedor@aluminios.mx").Get(t, fmt.Sprintf("/cotizaciones/%d", q.ID))
	if !strings.Contains(page, fmt.Sprintf(`href="/cotizaciones/%d/cortes"`, q.ID)) {
		t.Error("the quote page does not link to its cut list")
	}
	// Another salesperson, not allowed to see the quote, gets a 404.
	a.CreateUser(t, auth.RoleSales, "otro@aluminios.mx")
	if resp, _ := a.Login(t, "otro@aluminios.mx").Get(t, fmt.Sprintf("/cotizaciones/%d/cortes", q.ID)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another salesperson: %d, want 404", resp.StatusCode)
	}
}

// keysOf lists a JSON object's keys, sorted.
func keysOf(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func TestAPICutList(t *testing.T) {
	a, q := workshopApp(t)
	token, _, err := a.DB.CreateAPIToken(t.Context(), userID(t, a, "consulta@aluminios.mx"), "erp", "test")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "/api/v1/quotes/"+q.Folio+"/cutlist", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, body := a.Do(t, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(out); got != "glass,profiles" {
		t.Fatalf("top-level keys %s", got)
	}
	profiles := out["profiles"].([]any)
	if len(profiles) < 8 {
		t.Fatalf("%d profiles", len(profiles))
	}
	// The shape, exactly.
	stored, err := a.DB.FindQuoteByFolio(t.Context(), q.Folio)
	if err != nil {
		t.Fatal(err)
	}
	totalBars := 0
	for _, p := range profiles {
		pm := p.(map[string]any)
		if got := keysOf(pm); got != "bar_length_mm,bars,colour_code,lower_bound,material_code,optimal,utilisation" {
			t.Fatalf("profile keys %s", got)
		}
		if pm["bar_length_mm"].(float64) != 6100 {
			t.Errorf("bar length %v", pm["bar_length_mm"])
		}
		for _, b := range pm["bars"].([]any) {
			bm := b.(map[string]any)
			if got := keysOf(bm); got != "offcut_mm,pieces,reusable" {
				t.Fatalf("bar keys %s", got)
			}
			for _, pc := range bm["pieces"].([]any) {
				if got := keysOf(pc.(map[string]any)); got != "label,length_mm" {
					t.Fatalf("piece keys %s", got)
				}
			}
			totalBars++
		}
		if u := pm["utilisation"].(string); !strings.HasPrefix(u, "0.") {
			t.Errorf("utilisation %q, want a fraction", u)
		}
	}
	if totalBars == 0 || stored.Mode != "optimizado" {
		t.Fatalf("%d bars", totalBars)
	}
	glass := out["glass"].([]any)
	if len(glass) != 1 || glass[0].(map[string]any)["glass_code"] != "VID-CLA-6" {
		t.Errorf("glass %v", glass)
	}
	if m := prices.FindString(body); m != "" {
		t.Errorf("the JSON shows %q", m)
	}
	// Unknown folio: a JSON 404.
	req, _ = http.NewRequest(http.MethodGet, "/api/v1/quotes/COT-2026-0999/cutlist", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, body := a.Do(t, req); resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(body, "{") {
		t.Errorf("unknown folio: %d %s", resp.StatusCode, body)
	}
}

func TestWorkshopOrderFlow(t *testing.T) {
	a, q := workshopApp(t)
	seller := a.Login(t, "vendedor@aluminios.mx")

	// The workshop page offers the accepted quote; nothing ticked is a
	// 422 with the reason.
	_, page := seller.Get(t, "/taller")
	if !strings.Contains(page, fmt.Sprintf(`name="cotizacion" value="%d"`, q.ID)) {
		t.Fatal("the workshop page does not offer the accepted quote")
	}
	resp, page := seller.PostForm(t, "/taller/ordenes", url.Values{})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Elige al menos una cotización aceptada.") {
		t.Fatalf("empty order: %d", resp.StatusCode)
	}
	// A viewer reads but cannot order.
	viewer := a.Login(t, "consulta@aluminios.mx")
	if resp, _ := viewer.PostForm(t, "/taller/ordenes", url.Values{"cotizacion": {fmt.Sprint(q.ID)}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer's order: %d, want 403", resp.StatusCode)
	}

	// The accepted quote's page sends it to the workshop with one button.
	_, page = seller.Get(t, fmt.Sprintf("/cotizaciones/%d", q.ID))
	if !strings.Contains(page, `id="to-workshop"`) || !strings.Contains(page, fmt.Sprintf(`name="cotizacion" value="%d"`, q.ID)) {
		t.Error("the accepted quote's page has no button to the workshop")
	}
	resp, _ = seller.PostForm(t, "/taller/ordenes", url.Values{"cotizacion": {fmt.Sprint(q.ID)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/taller/ordenes/OT-2026-0001" {
		t.Fatalf("create: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The same quote again: a 422 naming the order it is in, the tick kept.
	resp, page = seller.PostForm(t, "/taller/ordenes", url.Values{"cotizacion": {fmt.Sprint(q.ID)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "ya está en la orden de taller OT-2026-0001") {
		t.Errorf("second order of the quote: %d", resp.StatusCode)
	}

	_, page = viewer.Get(t, "/taller/ordenes/OT-2026-0001")
	for _, want := range []string{"OT-2026-0001", "Pendiente", q.Folio, "PER-L3-FE", "/taller/ordenes/OT-2026-0001/pdf", "Lista de compras"} {
		if !strings.Contains(page, want) {
			t.Errorf("order page lacks %q", want)
		}
	}
	if strings.Contains(page, "/estado") {
		t.Error("a viewer is offered the status buttons")
	}
	if m := prices.FindString(page); m != "" {
		t.Errorf("the order page shows %q", m)
	}

	resp, body := viewer.Get(t, "/taller/ordenes/OT-2026-0001/pdf")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if text := testutil.PDFText(t, []byte(body)); !strings.Contains(text, "OT-2026-0001") || !strings.Contains(text, "PER-L3-JQ") {
		t.Errorf("pdf text:\n%s", text)
	}

	// Shopping list, page and CSV.
	_, page = viewer.Get(t, "/taller/ordenes/OT-2026-0001/compras")
	for _, want := range []string{"Lista de compras OT-2026-0001", "PER-L3-FE", "barras de 6100 mm", "VID-CLA-6", "m²", "HER-CAR-3", "compras.csv"} {
		if !strings.Contains(page, want) {
			t.Errorf("shopping page lacks %q", want)
		}
	}
	resp, body = viewer.Get(t, "/taller/ordenes/OT-2026-0001/compras.csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "compras-OT-2026-0001.csv") {
		t.Fatalf("csv: %d %v", resp.StatusCode, resp.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "Tipo,Código,Descripción,Acabado,Tramo (mm),Cantidad,Unidad" {
		t.Errorf("header %v", rows[0])
	}
	var sawBars, sawEvil bool
	for _, r := range rows[1:] {
		if r[0] == "Barras" && r[1] == "PER-L3-FE" && r[3] == "Blanco (BLA)" && r[4] == "6100" && r[6] == "barras" {
			sawBars = true
		}
		if r[1] == "HER-CAR-3" {
			sawEvil = true
			if !strings.HasPrefix(r[2], "'=") {
				t.Errorf("a formula cell is not neutralised: %q", r[2])
			}
		}
		for _, c := range r {
			if strings.HasPrefix(c, "=") || strings.HasPrefix(c, "+") || strings.HasPrefix(c, "@") {
				t.Errorf("cell %q would run in a spreadsheet", c)
			}
		}
	}
	if !sawBars || !sawEvil {
		t.Errorf("csv rows %v", rows)
	}

	// Cut: en corte, then terminada; the offcuts it leaves are in stock.
	for _, st := range []string{"en_corte", "terminada"} {
		resp, _ := seller.PostForm(t, "/taller/ordenes/OT-2026-0001/estado", url.Values{"estado": {st}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("to %s: %d", st, resp.StatusCode)
		}
	}
	if resp, _ := seller.PostForm(t, "/taller/ordenes/OT-2026-0001/estado", url.Values{"estado": {"terminada"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("finishing twice: %d, want 409", resp.StatusCode)
	}
	stock, err := a.DB.FindOffcuts(t.Context(), db.OffcutFilter{Status: db.OffcutAvailable})
	if err != nil || len(stock) == 0 {
		t.Fatalf("no offcuts in stock after cutting (%v)", err)
	}
	_, page = viewer.Get(t, "/taller/retazos")
	if !strings.Contains(page, fmt.Sprintf("#%d", stock[0].ID)) || !strings.Contains(page, "de OT-2026-0001") {
		t.Error("the offcuts page does not list the order's offcuts")
	}
	if strings.Contains(page, "/descartar") {
		t.Error("a viewer is offered to discard offcuts")
	}
}

func TestOffcutForms(t *testing.T) {
	a, _ := workshopApp(t)
	owner := a.Login(t, "duena@aluminios.mx")

	// Bad input: Spanish messages, 422, what was typed kept.
	resp, page := owner.PostForm(t, "/taller/retazos", url.Values{"material_code": {"PER-L3-JQ"}, "colour_code": {"BLA"},
		"length_mm": {"mil"}, "notes": {"junto a la ventana"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `value="junto a la ventana"`) ||
		!strings.Contains(page, "número entero") {
		t.Fatalf("bad length: %d\n%s", resp.StatusCode, page)
	}
	resp, page = owner.PostForm(t, "/taller/retazos", url.Values{"material_code": {"PER-L3-JQ"}, "length_mm": {"7000"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "más largo que el tramo (6100 mm)") {
		t.Errorf("too long: %d", resp.StatusCode)
	}
	resp, page = owner.PostForm(t, "/taller/retazos", url.Values{"material_code": {"HER-CAR-3"}, "length_mm": {"700"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "no es un perfil que se venda por tramo") {
		t.Errorf("not a profile: %d", resp.StatusCode)
	}
	// Good input.
	resp, _ = owner.PostForm(t, "/taller/retazos", url.Values{"material_code": {"PER-L3-JQ"}, "colour_code": {"BLA"}, "length_mm": {"1250"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d", resp.StatusCode)
	}
	list, _ := a.DB.FindOffcuts(t.Context(), db.OffcutFilter{})
	if len(list) != 1 || list[0].LengthMM != 1250 || list[0].ColourCode != "BLA" {
		t.Fatalf("stock %+v", list)
	}
	id := list[0].ID
	// Adjust: a bad length re-renders with the error, a good one saves.
	resp, page = owner.PostForm(t, fmt.Sprintf("/taller/retazos/%d", id), url.Values{"length_mm": {"0"}, "notes": {"medido de nuevo"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `value="medido de nuevo"`) {
		t.Errorf("bad adjust: %d", resp.StatusCode)
	}
	resp, _ = owner.PostForm(t, fmt.Sprintf("/taller/retazos/%d", id), url.Values{"length_mm": {"1200"}, "notes": {"medido de nuevo"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("adjust: %d", resp.StatusCode)
	}
	// Only the owner adjusts and discards.
	sales := a.Login(t, "vendedor@aluminios.mx")
	if resp, _ := sales.PostForm(t, fmt.Sprintf("/taller/retazos/%d/descartar", id), nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("salesperson discards: %d", resp.StatusCode)
	}
	resp, _ = owner.PostForm(t, fmt.Sprintf("/taller/retazos/%d/descartar", id), nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("discard: %d", resp.StatusCode)
	}
	list, _ = a.DB.FindOffcuts(t.Context(), db.OffcutFilter{})
	if len(list) != 0 {
		t.Errorf("a discarded offcut is still listed: %+v", list)
	}
	var by string
	if err := a.DB.Reader.QueryRow(`SELECT deleted_by FROM offcuts WHERE id = ?`, id).Scan(&by); err != nil || by != string(app.UserActor(userID(t, a, "duena@aluminios.mx"))) {
		t.Errorf("deleted_by %q (%v)", by, err)
	}
}
