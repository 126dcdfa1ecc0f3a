package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// choose sets a <select> and fires change, as a person picking an option.
func choose(name, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`(function(){var el=document.querySelector('[name=%q]'); el.value=%q; el.dispatchEvent(new Event('change',{bubbles:true}));})()`, name, value))
}

// tap scrolls an element to the middle of the screen and clicks it, so the
// sticky save bar at the bottom is never what gets the click.
func tap(css string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "center"})`, css)),
		chromedp.Click(chromedp.CSS(css)),
	)
}

const totalJS = `((document.getElementById("quote-total")||{}).textContent||"")`

// A salesperson on a phone: new customer, new quote, two lines, the total
// follows the dimension being typed, then save.
func TestQuoteOnPhone(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn(t)
	testutil.LoadCatalog(t, b.App.DB, pricing.PrototypeSeedCatalog())

	b.Do(t, "open a new quote",
		chromedp.Navigate(b.URL("/cotizaciones/nueva")),
		chromedp.WaitVisible(chromedp.ID("customer_name")),
		chromedp.SendKeys(chromedp.ID("customer_name"), "Rosa Elena Quintero"),
		chromedp.SendKeys(chromedp.ID("customer_phone"), "33 1234 5678"),
		choose("pricing_mode", "compatible"),
	)
	b.Do(t, "first line: the worked example",
		choose("item-0-product_code", "PROTO-COR-3"),
		choose("item-0-color_code", "NAT"),
		choose("item-0-glass_code", "VID-CLARO-6"),
		chromedp.SendKeys(chromedp.CSS(`[name="item-0-width"]`), "150"),
		chromedp.SendKeys(chromedp.CSS(`[name="item-0-height"]`), "120"),
	)
	waitFor(t, b, totalJS+`.includes("3,926.67")`)
	b.Screenshot(t, "quote-one-line")

	b.Do(t, "second line",
		tap(`#quote-add button`),
		chromedp.WaitVisible(chromedp.ID("item-1")),
		choose("item-1-product_code", "PROTO-FIJ-3"),
		chromedp.SendKeys(chromedp.CSS(`[name="item-1-width"]`), "100"),
		chromedp.SendKeys(chromedp.CSS(`[name="item-1-height"]`), "100"),
	)
	waitFor(t, b, `!(`+totalJS+`).includes("3,926.67") && document.querySelector("#item-1-result .amount") !== null`)
	twoLines := Eval[string](t, b, totalJS)

	b.Do(t, "type a wider first window",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[name="item-0-width"]').select()`),
		chromedp.SendKeys(chromedp.CSS(`[name="item-0-width"]`), "180"),
	)
	waitFor(t, b, `(`+totalJS+`) !== `+fmt.Sprintf("%q", twoLines))
	if got := Eval[string](t, b, `document.activeElement && document.activeElement.name`); got != "item-0-width" {
		t.Errorf("focus moved to %q while prices updated", got)
	}
	if got := Eval[string](t, b, `document.querySelector('[name="item-0-width"]').value`); got != "180" {
		t.Errorf("typed width = %q after the update", got)
	}
	b.Screenshot(t, "quote-two-lines")

	b.Do(t, "a third line, then remove it",
		tap(`#quote-add button`),
		chromedp.WaitVisible(chromedp.ID("item-2")),
		tap(`#item-2 .line-more summary`),
		tap(`#item-2 [data-remove-line]`),
		chromedp.WaitNotPresent(chromedp.ID("item-2")),
	)
	if n := Eval[int](t, b, `new Set([...document.querySelectorAll(".quote-line")].map(e => e.id)).size`); n != 2 {
		t.Errorf("distinct lines = %d, want 2 (the add button reused a line number?)", n)
	}
	b.Do(t, "save",
		chromedp.Click(chromedp.CSS(`.sticky-actions button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`.quote-item`)),
	)
	b.Screenshot(t, "quote-saved")
	if h := b.Text(t, "h1"); !strings.Contains(h, "COT-2026-0001") || !strings.Contains(h, "Borrador") {
		t.Errorf("saved page heading = %q", h)
	}
	if n := Eval[int](t, b, `document.querySelectorAll(".quote-item").length`); n != 2 {
		t.Errorf("saved quote shows %d lines, want 2", n)
	}
	var customers int
	b.App.DB.Reader.QueryRow(`SELECT count(*) FROM customers WHERE name = 'Rosa Elena Quintero' AND phone = '3312345678'`).Scan(&customers)
	if customers != 1 {
		t.Errorf("customers created = %d, want 1", customers)
	}
	if Eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
		t.Error("the quote page is wider than the phone")
	}
}
