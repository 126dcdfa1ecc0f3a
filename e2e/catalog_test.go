package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// An owner edits a BOM formula on a phone and sees its value and cost for
// the sample size as they type, then the error of a misspelt variable.
func TestBOMFormulaLiveOnPhone(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn(t)
	testutil.LoadCatalog(t, b.App.DB, pricing.PrototypeSeedCatalog())
	var id int64
	if err := b.App.DB.Reader.QueryRow(`SELECT id FROM products WHERE code = 'PROTO-COR-3'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	// The fourth BOM line: PER-NAC3-JA "2 * (width_m / 2)".
	const qty = `#bom-rows tr:nth-child(4) input[name="bom_qty"]`
	const out = `#bom-rows tr:nth-child(4) .bom-eval`
	b.Do(t, "open the product",
		chromedp.Navigate(b.URL(fmt.Sprintf("/catalogo/productos/%d", id))),
		chromedp.WaitVisible(chromedp.CSS(qty)),
	)
	b.Do(t, "edit the formula",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('`+qty+`').value = ""`),
		chromedp.SendKeys(chromedp.CSS(qty), "3 * width_m"),
		chromedp.WaitVisible(chromedp.CSS(out+" .formula-value")),
	)
	b.Screenshot(t, "bom-live")
	// 3 × 1.5 m = 4.5 m × the line's waste 1.05 = 4.725 ML × $48 = $226.80.
	if got := b.Text(t, out); !strings.Contains(got, "4.725 ML") || !strings.Contains(got, "$226.80 MXN") {
		t.Errorf("live value = %q, want 4.725 ML and $226.80 MXN", got)
	}
	b.Do(t, "misspell a variable",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('`+qty+`').value = ""`),
		chromedp.SendKeys(chromedp.CSS(qty), "3 * anchoo"),
		chromedp.WaitVisible(chromedp.CSS(out+" .formula-error")),
	)
	if got := b.Text(t, out); !strings.Contains(got, "variable desconocida «anchoo» en la posición 5") {
		t.Errorf("live error = %q", got)
	}
	b.Do(t, "change the sample width",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('`+qty+`').value = ""`),
		chromedp.SendKeys(chromedp.CSS(qty), "3 * width_m"),
		chromedp.WaitVisible(chromedp.CSS(out+" .formula-value")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("sample_w").value = ""`),
		chromedp.SendKeys(chromedp.ID("sample_w"), "2000"),
		// Typing in the sample size re-evaluates the rows only when they are
		// edited; re-type one character to trigger this row.
		chromedp.SendKeys(chromedp.CSS(qty), " "),
		chromedp.WaitVisible(chromedp.CSS(out+` .formula-value`)),
	)
	// 3 × 2.0 m × 1.05 = 6.3 ML × $48 = $302.40.
	waitFor(t, b, `document.querySelector('`+out+`').textContent.includes("6.3 ML")`)
	if got := b.Text(t, out); !strings.Contains(got, "$302.40 MXN") {
		t.Errorf("after changing the sample width: %q", got)
	}
	if overflow := Eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("the product editor is wider than the phone")
	}
}
