package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cotizador/app"
	"cotizador/internal/testutil"
	"cotizador/pricing"
	"cotizador/quoting"
)

// Printing a saved quote from the browser gives the document only: no
// header, menu, footer, buttons, share panel or internal figures. Chromium
// prints the page to PDF and pdftotext reads it back, as the paper would.
func TestQuotePagePrints(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn(t)
	testutil.LoadCatalog(t, b.App.DB, pricing.PrototypeSeedCatalog())
	ctx := t.Context()
	owner, err := b.App.DB.FindUserByEmail(ctx, "duena@aluminios.mx")
	if err != nil {
		t.Fatal(err)
	}
	s := &quoting.Service{DB: b.App.DB, Clock: b.App.Clock}
	in := &quoting.Input{Percent: true, Fields: map[string]string{quoting.FieldCustomerName: "Juana Pérez",
		quoting.FieldMode: string(pricing.ModeCompatible), quoting.FieldUnit: quoting.UnitCM}}
	in.Items = []quoting.ItemInput{{ProductCode: "PROTO-COR-3", Width: "150", Height: "120", Quantity: "1", ColorCode: "NAT",
		GlassCode: "VID-CLARO-6", Location: "Recámara 1"}}
	d, err := s.Price(ctx, in, owner)
	if err != nil {
		t.Fatal(err)
	}
	q, err := s.Save(ctx, d, owner, nil, app.UserActor(owner.ID))
	if err != nil {
		t.Fatal(err)
	}

	b.Do(t, "open the saved quote",
		chromedp.Navigate(b.URL(fmt.Sprintf("/cotizaciones/%d", q.ID))),
		chromedp.WaitVisible(chromedp.CSS(".totals-card")),
	)
	// The page the owner has carries the menu (collapsed on a phone), the
	// actions, the share panel, the PDF link and the breakdown: what
	// printing must leave out is there.
	hidden := []string{"Cerrar sesión", "Catálogo", "Configuración", "Duplicar", "Marcar como enviada", "Enviar al cliente",
		"Desglose", "Modo de precio", "versión test", "← Cotizaciones"}
	screen := Eval[string](t, b, `document.body.textContent`)
	for _, s := range append(hidden, "PDF") {
		if !strings.Contains(screen, s) {
			t.Fatalf("the screen lacks %q, so its absence on paper proves nothing", s)
		}
	}

	pctx, cancel := context.WithTimeout(b.Ctx, stepTimeout)
	defer cancel()
	paper, err := chromedp.Run(pctx, chromedp.PrintToPDF())
	if err != nil {
		t.Fatalf("print: %v", err)
	}
	text := testutil.OneLine(testutil.PDFText(t, paper))
	for _, want := range []string{q.DisplayFolio(), "Juana Pérez", "Ventana Corrediza 2 Hojas", "Recámara 1", "$3,926.67 MXN", "Condiciones"} {
		if !strings.Contains(text, want) {
			t.Errorf("the printed quote lacks %q:\n%s", want, text)
		}
	}
	for _, s := range hidden {
		if strings.Contains(text, s) {
			t.Errorf("the printed quote shows %q", s)
		}
	}
	// No internal figure of the worked example (cost, utilidad,
	// indirectos, profiles) on paper.
	for _, fig := range []string{"2,417.90", "604.48", "362.69", "1,908.00"} {
		if strings.Contains(text, fig) {
			t.Errorf("the printed quote shows the internal figure %s", fig)
		}
	}
	// The PDF link is a button on screen and absent on paper.
	if strings.Contains(text, " PDF ") || strings.HasSuffix(text, " PDF") {
		t.Errorf("the printed quote shows the PDF button")
	}
}
