package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/catalogio"
	"cotizador/db"
	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// person counts what a person does on the phone: taps (buttons, links,
// pickers) and fields typed into.
type person struct {
	taps, typed int
}

func (p *person) tap(css string) chromedp.Action[chromedp.Void] {
	p.taps++
	return tap(css)
}

func (p *person) choose(name, value string) chromedp.Action[chromedp.Void] {
	p.taps++
	return choose(name, value)
}

func (p *person) typeInto(css, text string) chromedp.Action[chromedp.Void] {
	p.typed++
	return chromedp.SendKeys(chromedp.CSS(css), text)
}

// clsJS sums the layout shifts of the page since it loaded that no input
// caused (the buffered entries Lighthouse's CLS is made of).
const clsJS = `new Promise(resolve => {
  let cls = 0;
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) cls += e.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(cls), 300);
})`

func layoutShift(t *testing.T, b *Browser) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](clsJS, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("layout shift: %v", err)
	}
	return v
}

// From the salesperson's home to a customer's acceptance, on a 390×844
// phone: a new customer, three windows, saved, sent, opened by the customer
// in a browser of their own and accepted. Fails above 15 taps and when any
// page shifts its layout (CLS ≥ 0.05).
func TestPricedSentAcceptedOnPhone(t *testing.T) {
	b := NewBrowser(t)
	ctx := t.Context()
	changes, err := catalogio.Demo()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.App.DB.LoadEmptyCatalog(ctx, changes, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	b.App.CreateUser(t, auth.RoleSales, "vendedor@aluminios.mx")
	b.Do(t, "sign in as a salesperson",
		chromedp.Navigate(b.URL("/login")),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "vendedor@aluminios.mx"),
		chromedp.SendKeys(chromedp.ID("password"), testutil.Password),
		chromedp.Click(chromedp.CSS("form button.primary")),
		chromedp.WaitVisible(chromedp.ID("new-quote")),
	)
	if cls := layoutShift(t, b); cls >= 0.05 {
		t.Errorf("home: layout shift %.3f, want < 0.05", cls)
	}
	start := time.Now()
	var p person
	b.Do(t, "start a quote from home",
		p.tap("#new-quote"),
		chromedp.WaitVisible(chromedp.ID("customer_name")),
	)
	b.Do(t, "the customer",
		p.typeInto("#customer_name", "Laura Gómez Hernández"),
		p.typeInto("#customer_phone", "477 123 4567"),
	)
	b.Do(t, "first window",
		p.choose("item-0-product_code", "VEN-COR-L3-2H"),
		p.choose("item-0-glass_code", "VID-CLA-6"),
		p.typeInto(`[name="item-0-width"]`, "150"),
		p.typeInto(`[name="item-0-height"]`, "120"),
		p.typeInto(`[name="item-0-location"]`, "Sala"),
	)
	// A line is done when its price is shown for the last thing typed (its
	// title carries the place) and no request is in flight: tapping "add"
	// while a late answer still changes the page above the button could
	// miss it, as a person's tap would.
	priced := func(n int, place string) string {
		return fmt.Sprintf(`document.querySelector("#item-%d-result .amount") !== null && document.getElementById("item-%d-title").textContent.includes(%q) && document.querySelector(".htmx-request") === null`, n, n, place)
	}
	waitFor(t, b, priced(0, "Sala"))
	for i, place := range []string{"Recámara", "Cocina"} {
		n := i + 1
		b.Do(t, fmt.Sprintf("window %d", n+1),
			p.tap("#add-line"),
			chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("item-%d", n))),
			p.typeInto(fmt.Sprintf(`[name="item-%d-width"]`, n), fmt.Sprint(100+20*n)),
			p.typeInto(fmt.Sprintf(`[name="item-%d-height"]`, n), "100"),
			p.typeInto(fmt.Sprintf(`[name="item-%d-location"]`, n), place),
		)
		waitFor(t, b, priced(n, place))
	}
	waitFor(t, b, `document.querySelectorAll(".quote-line .amount").length === 3 && document.getElementById("item-2-title").textContent.includes("Cocina")`)
	// Each line repeats the first one's product and glass, and says where it goes.
	if got := Eval[string](t, b, `document.getElementById("item-2-title").textContent`); !strings.Contains(got, "Cocina") || !strings.Contains(got, "corrediza") {
		t.Errorf("third line's title = %q", got)
	}
	total := Eval[string](t, b, `document.getElementById("sticky-total").textContent`)
	if !strings.Contains(total, "$") {
		t.Fatalf("the save bar shows no total: %q", total)
	}
	if cls := layoutShift(t, b); cls >= 0.05 {
		t.Errorf("editor: layout shift %.3f, want < 0.05", cls)
	}
	if fs := Eval[float64](t, b, `Math.min(...[...document.querySelectorAll("#quote-form input:not([type=checkbox]):not([type=hidden]), #quote-form select, #quote-form textarea")].map(e => parseFloat(getComputedStyle(e).fontSize)))`); fs < 16 {
		t.Errorf("smallest input font is %.1f px: iOS zooms in below 16 px", fs)
	}
	b.Screenshot(t, "deal-editor")
	// Vista cliente (not part of the flow, so not counted): the phone can be
	// shown to the customer with no cost, margin or formula on it.
	internalJS := `/Utilidad|Indirectos|Costo|Mano de obra|Desglose|Materiales/.test(document.querySelector("main").innerText)`
	if !Eval[bool](t, b, internalJS) {
		t.Fatal("the editor shows no internal figure even without Vista cliente: the check below proves nothing")
	}
	b.Do(t, "Vista cliente on", chromedp.Click(chromedp.ID("vista-cliente")))
	if Eval[bool](t, b, internalJS) {
		t.Error("Vista cliente still shows an internal figure")
	}
	b.Screenshot(t, "deal-editor-client-view")
	b.Do(t, "Vista cliente off", chromedp.Click(chromedp.ID("vista-cliente")))

	b.Do(t, "save",
		p.tap("#save-quote"),
		chromedp.WaitVisible(chromedp.ID("send-quote")),
	)
	if cls := layoutShift(t, b); cls >= 0.05 {
		t.Errorf("quote page: layout shift %.3f, want < 0.05", cls)
	}
	b.Do(t, "send",
		p.tap("#send-quote"),
		chromedp.WaitVisible(chromedp.ID("share-whatsapp")),
	)
	b.Screenshot(t, "deal-sent")
	wa := Eval[string](t, b, `document.getElementById("share-whatsapp").href`)
	if !strings.HasPrefix(wa, "https://wa.me/524771234567?text=") {
		t.Errorf("WhatsApp link = %q", wa)
	}
	link := Eval[string](t, b, `document.getElementById("share-url").value`)
	p.taps++ // the WhatsApp button: the message carries the link

	// The customer opens the link on their own phone: a browser context
	// that shares nothing with the salesperson's.
	cctx, cancel := chromedp.NewContext(b.Ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	// Its first run opens the tab and must not carry a timeout.
	if err := chromedp.Do(cctx); err != nil {
		t.Fatal(err)
	}
	customer := &Browser{Ctx: cctx, BaseURL: b.BaseURL, App: b.App}
	p.taps++ // the link in WhatsApp
	customer.Do(t, "the customer opens the link",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait),
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("accept-quote")),
	)
	customer.Screenshot(t, "deal-customer-open")
	if got := Eval[string](t, customer, `document.getElementById("share-total").textContent`); !strings.Contains(total, got) {
		t.Errorf("the customer sees total %q, the salesperson %q", got, total)
	}
	if Eval[bool](t, customer, `/Utilidad|Indirectos|Costo|Desglose|width_mm/.test(document.body.innerText)`) {
		t.Error("the customer's page shows an internal figure")
	}
	if cls := layoutShift(t, customer); cls >= 0.05 {
		t.Errorf("share page: layout shift %.3f, want < 0.05", cls)
	}
	customer.Screenshot(t, "deal-customer")
	customer.Do(t, "accept",
		p.typeInto("#accept-name", "Laura Gómez"),
		p.tap("#accept-quote"),
		chromedp.WaitVisible(chromedp.ID("decision")),
	)
	if got := customer.Text(t, "#decision"); !strings.Contains(got, "Aceptada por Laura Gómez") {
		t.Errorf("after accepting the page says %q", got)
	}
	elapsed := time.Since(start)

	b.Do(t, "the salesperson sees it", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("share-panel")))
	if !strings.Contains(b.Text(t, "#share-panel"), "Aceptada por el cliente") {
		t.Error("the quote page does not show the acceptance")
	}
	b.Do(t, "the quote list", chromedp.Navigate(b.URL("/cotizaciones")), chromedp.WaitVisible(chromedp.CSS(".quotes-table td.num")))
	if Eval[bool](t, b, `document.querySelector(".quotes-table td.num").getBoundingClientRect().right > window.innerWidth`) {
		t.Error("the quote list's total starts off screen")
	}
	if cls := layoutShift(t, b); cls >= 0.05 {
		t.Errorf("quote list: layout shift %.3f, want < 0.05", cls)
	}
	b.Screenshot(t, "deal-list")
	t.Logf("priced, sent and accepted: %d taps, %d fields typed, %s of browser time", p.taps, p.typed, elapsed.Round(time.Millisecond))
	if p.taps > 15 {
		t.Errorf("%d taps, want at most 15", p.taps)
	}
}

// With JavaScript the picker suggests the customer as the name is typed; a
// salesperson who ignores it and saves is asked whether it is the same
// customer, and picking them creates no second "Laura Gómez".
func TestCustomerLookalikeOnPhone(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn(t)
	testutil.LoadCatalog(t, b.App.DB, pricing.PrototypeSeedCatalog())
	if err := b.App.DB.CreateCustomer(t.Context(), &db.Customer{Name: "Laura Gómez Hernández", Phone: "4771234567"}, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	b.Do(t, "a quote for a known customer, typed without accents and not picked",
		chromedp.Navigate(b.URL("/cotizaciones/nueva")),
		chromedp.WaitVisible(chromedp.ID("customer_name")),
		chromedp.SendKeys(chromedp.ID("customer_name"), "laura gomez hernandez"),
		chromedp.WaitVisible(chromedp.CSS("#customer-suggestions .customer-pick")),
		choose("item-0-product_code", "PROTO-FIJ-3"),
		chromedp.SendKeys(chromedp.CSS(`[name="item-0-width"]`), "100"),
		chromedp.SendKeys(chromedp.CSS(`[name="item-0-height"]`), "100"),
	)
	waitFor(t, b, `document.querySelector("#item-0-result .amount") !== null`)
	b.Do(t, "save: the question",
		tap("#save-quote"),
		chromedp.WaitVisible(chromedp.ID("lookalikes")),
	)
	if got := Eval[string](t, b, `document.getElementById("customer_name").value`); got != "laura gomez hernandez" {
		t.Errorf("typed name after the question = %q", got)
	}
	b.Do(t, "it is the same customer",
		tap(`#lookalikes input[type=radio]`),
		tap("#save-quote"),
		chromedp.WaitVisible(chromedp.CSS(".quote-item")),
	)
	var n int
	b.App.DB.Reader.QueryRow(`SELECT count(*) FROM customers`).Scan(&n)
	if n != 1 {
		t.Errorf("customers = %d, want 1", n)
	}
	if !strings.Contains(b.Text(t, ".facts"), "Laura Gómez Hernández") {
		t.Error("the quote is not for the existing customer")
	}
}
