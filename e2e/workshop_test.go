package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cotizador/app"
	"cotizador/catalogio"
	"cotizador/db"
	"cotizador/internal/testutil"
	"cotizador/quoting"
)

// The workshop on a 390×844 phone: an accepted optimizado quote's cut
// list (no sideways scroll, no layout shift, printed without the menu or
// buttons), a workshop order made by ticking the quote, marked as cut, and
// the offcuts it left in the inventory, whose inputs are 16 px.
func TestWorkshopOnPhone(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn(t)
	ctx := t.Context()
	changes, err := catalogio.Demo()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.App.DB.LoadEmptyCatalog(ctx, changes, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	owner, err := b.App.DB.FindUserByEmail(ctx, "duena@aluminios.mx")
	if err != nil {
		t.Fatal(err)
	}
	s := &quoting.Service{DB: b.App.DB, Clock: b.App.Clock}
	in := &quoting.Input{Percent: true, Fields: map[string]string{quoting.FieldCustomerName: "Laura Gómez",
		quoting.FieldMode: "optimizado", quoting.FieldUnit: quoting.UnitMM}}
	in.Items = []quoting.ItemInput{
		{ProductCode: "VEN-FIJ-L3", Width: "1800", Height: "600", Quantity: "2", ColorCode: "BLA", Location: "Cubo de escalera"},
		{N: 1, ProductCode: "VEN-COR-L3-2H", Width: "2400", Height: "1500", Quantity: "1", ColorCode: "BLA", Location: "Sala comedor con vista al jardín"},
	}
	d, err := s.Price(ctx, in, owner)
	if err != nil {
		t.Fatal(err)
	}
	q, err := s.Save(ctx, d, owner, nil, app.UserActor(owner.ID))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{db.StatusSent, db.StatusAccepted} {
		if err := s.SetStatus(ctx, q, st, app.UserActor(owner.ID)); err != nil {
			t.Fatal(err)
		}
	}

	b.Do(t, "open the cut list from the quote",
		chromedp.Navigate(b.URL(fmt.Sprintf("/cotizaciones/%d", q.ID))),
		chromedp.Click(chromedp.ID("quote-cutlist")),
		chromedp.WaitVisible(chromedp.CSS(".cut-profile")),
	)
	noSideways(t, b, "cut list")
	if cls := layoutShift(t, b); cls >= 0.05 {
		t.Errorf("cut list: layout shift %.3f, want < 0.05", cls)
	}
	b.Screenshot(t, "workshop-cutlist")
	pctx, cancel := context.WithTimeout(b.Ctx, stepTimeout)
	defer cancel()
	paper, err := chromedp.Run(pctx, chromedp.PrintToPDF())
	if err != nil {
		t.Fatalf("print: %v", err)
	}
	text := testutil.OneLine(testutil.PDFText(t, paper))
	for _, want := range []string{"Lista de cortes " + q.Folio, "PER-L3-FE", "1800 mm", "45°", "Barra 1 de", "plan óptimo"} {
		if !strings.Contains(text, want) {
			t.Errorf("the printed cut list lacks %q", want)
		}
	}
	for _, gone := range []string{"Imprimir", "Cerrar sesión", "Catálogo", "$"} {
		if strings.Contains(text, gone) {
			t.Errorf("the printed cut list shows %q", gone)
		}
	}

	b.Do(t, "make a workshop order of the quote",
		chromedp.Navigate(b.URL("/taller")),
		chromedp.WaitVisible(chromedp.CSS(`#new-order input[name="cotizacion"]`)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="cotizacion"][value="%d"]`, q.ID))),
		chromedp.Click(chromedp.CSS(`#new-order button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("order-pdf")),
	)
	if h := b.Text(t, "h1"); !strings.Contains(h, "OT-2026-0001") || !strings.Contains(h, "Pendiente") {
		t.Errorf("order heading %q", h)
	}
	noSideways(t, b, "workshop order")
	b.Do(t, "mark it as cut",
		chromedp.Click(chromedp.CSS(`form[action$="/estado"] input[value="terminada"] ~ button`)),
		chromedp.WaitVisible(chromedp.CSS(".status-terminada")),
	)
	b.Do(t, "the offcuts it left",
		chromedp.Navigate(b.URL("/taller/retazos")),
		chromedp.WaitVisible(chromedp.CSS(".offcuts li")),
	)
	if n := Eval[int](t, b, `document.querySelectorAll(".offcuts li").length`); n == 0 {
		t.Error("no offcut in the inventory after cutting")
	}
	if !strings.Contains(b.Text(t, ".offcuts"), "de OT-2026-0001") {
		t.Error("the offcuts do not say which order left them")
	}
	noSideways(t, b, "offcuts")
	if small := Eval[int](t, b, `[...document.querySelectorAll("main input:not([type=hidden]), main select")]
		.filter(e => parseFloat(getComputedStyle(e).fontSize) < 16).length`); small > 0 {
		t.Errorf("%d inputs under 16 px on the offcuts page", small)
	}
	b.Screenshot(t, "workshop-offcuts")
}

func noSideways(t *testing.T, b *Browser, page string) {
	t.Helper()
	if over := Eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth + 1`); over {
		t.Errorf("%s: the page scrolls sideways on a phone", page)
	}
}
