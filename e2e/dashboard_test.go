package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// seedDashboard writes quotes over the last months for the owner and a
// salesperson, as the store writes them.
func seedDashboard(t *testing.T, a *testutil.App) (seller *db.User) {
	t.Helper()
	ctx := t.Context()
	owner, err := a.DB.FindUserByEmail(ctx, "duena@aluminios.mx")
	if err != nil {
		t.Fatal(err)
	}
	seller = a.CreateUser(t, auth.RoleSales, "vendedor@aluminios.mx")
	products := []string{"VEN-COR-L3-2H", "VEN-FIJ-L3", "VEN-PRO-S35", "PTA-ABA-L3"}
	for i := 39; i >= 0; i-- { // oldest first, as they were made
		at := testutil.Epoch.AddDate(0, -i*11/40, -(i % 3))
		a.Clock.Set(at)
		c := &db.Customer{Name: fmt.Sprintf("Cliente %d Núñez", i%9)}
		if err := a.DB.CreateCustomer(ctx, c, app.CLIActor); err != nil {
			t.Fatal(err)
		}
		sp := []int64{owner.ID, seller.ID}[i%2]
		total := decimal.NewFromInt(int64(3000 + 450*i))
		q := &db.Quote{CustomerID: c.ID, Customer: db.CustomerSnapshot{Name: c.Name}, SalespersonID: sp, Mode: pricing.ModeByMetre,
			Rates: pricing.DefaultRates(), PriceDisplay: "mas_iva", DimensionUnit: "cm", Cut: pricing.DefaultCutSettings(),
			ValidUntil: db.Today(at.AddDate(0, 0, 15)), PricedAt: at, Totals: pricing.Totals{Total: total},
			Items: []*db.QuoteItem{{Kind: "producto", ProductCode: products[i%len(products)], Quantity: decimal.NewFromInt(int64(1 + i%3)), Amount: total}}}
		if err := a.DB.CreateQuote(ctx, q, "COT", nil, app.UserActor(sp)); err != nil {
			t.Fatal(err)
		}
		for _, s := range [][]string{{db.StatusSent, db.StatusAccepted}, {db.StatusSent}, {}, {db.StatusSent, db.StatusRejected}}[i%4] {
			if err := a.DB.SetQuoteStatus(ctx, q.ID, s, app.UserActor(sp)); err != nil {
				t.Fatal(err)
			}
		}
	}
	a.Clock.Set(testutil.Epoch)
	return seller
}

// The Tablero on a 390×844 phone: on the owner's home page under the desk,
// every chart drawn and visible with its table, 16 px selects, nothing
// wider than the screen, no layout shift; picking a salesperson swaps the
// Tablero through htmx without loading the page.
func TestDashboardOnPhone(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn(t)
	seller := seedDashboard(t, b.App)
	b.Do(t, "load home",
		chromedp.Navigate(b.URL("/")),
		chromedp.WaitVisible(chromedp.ID("tablero")),
	)
	if cls := layoutShift(t, b); cls >= 0.05 {
		t.Errorf("home with the Tablero: layout shift %.3f, want < 0.05", cls)
	}
	b.Do(t, "scroll to the Tablero", chromedp.Evaluate[chromedp.Void](`document.getElementById("tablero").scrollIntoView()`))
	b.Screenshot(t, "tablero")
	for _, id := range []string{"chart-months", "chart-salespeople", "chart-products", "chart-customers"} {
		box := Eval[[]float64](t, b, fmt.Sprintf(`(function(){
			const svg = document.getElementById(%q); svg.scrollIntoView({block: "center"});
			const r = svg.getBoundingClientRect(), bars = [...svg.querySelectorAll("rect.chart-bar")].filter(x => x.getBoundingClientRect().height > 0 && x.getBoundingClientRect().width > 0);
			return [r.width, r.height, bars.length, r.right];
		})()`, id))
		if box[0] < 300 || box[1] < 40 || box[2] < 2 || box[3] > 390 {
			t.Errorf("%s: %.0f × %.0f px with %.0f bars drawn, right edge at %.0f: not visible on the phone", id, box[0], box[1], box[2], box[3])
		}
		b.Screenshot(t, "tablero-"+id)
		table := strings.Replace(id, "chart-", "table-", 1)
		if rows := Eval[int](t, b, fmt.Sprintf(`document.querySelectorAll("#%s tbody tr").length`, table)); rows == 0 {
			t.Errorf("%s: no table beside the chart", table)
		}
	}
	if rows := Eval[int](t, b, `document.querySelectorAll("#table-months tbody tr").length`); rows != 12 {
		t.Errorf("the months table has %d rows, want the last 12 months", rows)
	}
	if small := Eval[int](t, b, `[...document.querySelectorAll("#tablero select")].filter(s => parseFloat(getComputedStyle(s).fontSize) < 16).length`); small != 0 {
		t.Errorf("%d selects under 16 px (the phone would zoom in)", small)
	}
	if Eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth`) {
		t.Error("the page is wider than the phone")
	}
	all := b.Text(t, "#tablero .kpis")
	b.Do(t, "one salesperson",
		chromedp.Evaluate[chromedp.Void](`window.__marker = "kept"`),
		choose("vendedor", fmt.Sprint(seller.ID)),
	)
	waitFor(t, b, fmt.Sprintf(`document.querySelector("#tablero .kpis") && document.querySelector("#tablero .kpis").textContent !== %q`, all))
	if m := Eval[string](t, b, `window.__marker || ""`); m != "kept" {
		t.Error("the filter loaded a page instead of swapping the Tablero")
	}
	if got := Eval[string](t, b, `document.querySelector("select[name=vendedor]").value`); got != fmt.Sprint(seller.ID) {
		t.Errorf("after the swap the salesperson filter shows %q", got)
	}
	b.Screenshot(t, "tablero-vendedor")
}
